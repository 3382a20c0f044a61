"""A buyer who writes Spanish and types rather than taps, through the return flow:
what she types at each step does what its button does, in Spanish as in English, and
nothing she meant as "no, thanks" reaches the seller as her words."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.flows.test_return_typing import NUMBER, delivered, draft
from tests.flows.test_tickets_typing import closed_ticket, ticket_row
from tests.harness import Harness, Person
from tests.pictures import photo_jpeg

ITEMS = "paso 1 de 5"
KIND = "paso 2 de 5"
REASON = "paso 3 de 5"
PHOTOS = "paso 4 de 5"
NOTE = "paso 5 de 5"
SUMMARY = "Revisa tu solicitud"


async def linked(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    """A buyer whose Telegram is Spanish, with the delivered order linked."""
    await delivered(uow_factory, clock)
    buyer = harness.buyer(locale="es")
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    assert "ya está vinculado" in buyer.said, buyer.said
    return buyer


async def at_note(buyer: Person) -> None:
    for text in ("/return", "la botella azul", "listo", "devolución y reembolso", "me arrepentí"):
        await buyer.say(text)
    assert PHOTOS in buyer.last_text, buyer.said
    await buyer.say("sin fotos")
    assert NOTE in buyer.last_text, buyer.said


@pytest.mark.parametrize(
    "typed",
    [
        "no hay nada que agregar",
        "nada más que decir",
        "no tengo nada más que añadir",
        "nada más",
        "eso es todo",
        "listo",
        "nop",
        "no, nada más",  # found in the demo: "Nota: no, nada más"
        "no, eso es todo",
    ],
)
async def test_nothing_to_add_in_spanish_skips_the_note(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """ "no hay nada que agregar" at "¿Algo que agregar para el vendedor?" was sent to
    the seller as the note itself ("Nota: no hay nada que agregar")."""
    buyer = await linked(harness, uow_factory, clock)
    await at_note(buyer)
    await buyer.say(typed)
    assert SUMMARY in buyer.last_text and "Nota: —" in buyer.last_text, buyer.last_text
    assert (await draft(buyer))[1].get("note") is None


async def test_a_real_spanish_note_is_kept(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await linked(harness, uow_factory, clock)
    await at_note(buyer)
    await buyer.say("la caja venía abierta")
    assert "Nota: la caja venía abierta" in buyer.last_text


@pytest.mark.parametrize("typed", ["no tengo", "no saqué fotos", "paso"])
async def test_no_photos_in_spanish_skips_the_photos(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    buyer = await linked(harness, uow_factory, clock)
    for text in ("/return", "la botella azul", "listo", "devolución y reembolso", "me arrepentí"):
        await buyer.say(text)
    await buyer.say(typed)
    assert NOTE in buyer.last_text, buyer.said


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("me llegó mal", "Llegó dañado"),
        ("llegó en mal estado", "Llegó dañado"),
        ("se me rompió al abrirla", "Llegó dañado"),
        ("tiene una grieta", "Llegó dañado"),
        ("no sirve", "No funciona / defectuoso"),
        ("me llegó mal la talla", "Enviaron el artículo equivocado"),
        ("no era lo que esperaba", "No es como se describía"),
    ],
)
async def test_what_went_wrong_said_the_spanish_way(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, reason: str
) -> None:
    """ "me llegó mal" at "¿Qué pasó?" was asked again, with a line on what to type."""
    buyer = await linked(harness, uow_factory, clock)
    for text in ("/return", "la botella azul", "listo", "solo reembolso"):
        await buyer.say(text)
    assert REASON in buyer.last_text, buyer.said
    await buyer.say(typed)
    assert PHOTOS in buyer.last_text, buyer.said
    await buyer.photo(photo_jpeg("crack"))
    await buyer.say("listo")
    await buyer.say("omitir")
    assert f"Motivo: {reason}" in buyer.last_text, buyer.last_text


@pytest.mark.parametrize(
    # Found in the demo: "…vino con una mancha" (a stain, said as a noun) chose the
    # item and dropped what was wrong with it.
    "typed",
    ["la botella azul llegó rota", "la botella azul vino con una mancha"],
)
async def test_an_item_and_what_is_wrong_with_it_at_the_first_step(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """ "la botella azul llegó rota" at "¿Qué artículos?" chose the bottle and dropped
    the reason (asked again two steps later); now both are taken, said in one line, and
    the flow goes on to the kind of request."""
    buyer = await linked(harness, uow_factory, clock)
    await buyer.say("/return")
    await buyer.say(typed)
    assert "Devolución: Blue water bottle ×1; motivo: Llegó dañado" in buyer.texts[0]
    assert KIND in buyer.last_text, buyer.said
    await buyer.say("solo reembolso")
    assert PHOTOS in buyer.last_text, buyer.said  # the reason is not asked again
    _step, data = await draft(buyer)
    assert data["reason"] == "DAMAGED" and data["type"] == "REFUND"


async def test_the_kind_said_once_an_item_is_chosen(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "quiero solo el dinero" after choosing the bottle: "Escribe el nombre del
    artículo…" and the list again; now the items are done and the kind is taken."""
    buyer = await linked(harness, uow_factory, clock)
    await buyer.say("/return")
    await buyer.say("la botella azul")
    assert await buyer.step() == "ret.items"
    await buyer.say("quiero solo el dinero")
    assert "Blue water bottle ×1; solicitud: Solo reembolso" in buyer.texts[0], buyer.said
    assert REASON in buyer.last_text, buyer.said
    await buyer.say("me llegó mal")
    assert PHOTOS in buyer.last_text


async def test_what_is_wrong_said_before_any_item_is_kept_for_later(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await linked(harness, uow_factory, clock)
    await buyer.say("/return")
    await buyer.say("llegó rota")
    assert "motivo: Llegó dañado" in buyer.texts[0] and ITEMS in buyer.last_text
    await buyer.say("la botella")
    await buyer.say("listo")
    await buyer.say("reemplazo")
    assert PHOTOS in buyer.last_text, buyer.said  # "¿Qué pasó?" is not asked


async def test_english_too_the_item_and_its_fault_at_the_first_step(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered(uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    await buyer.say("/return")
    await buyer.say("the bottle, it came cracked")
    assert "Return: Blue water bottle ×1; reason: Arrived damaged" in buyer.texts[0]
    assert "step 2 of 5" in buyer.last_text


@pytest.mark.parametrize(
    ("typed", "stars"),
    [
        ("le doy un 5", 5),
        ("un cuatro", 4),
        ("3 estrellitas", 3),
        ("les pongo un 2", 2),
        ("le doy un 10", 5),
    ],
)
async def test_a_rating_typed_the_spanish_way_rates_the_closed_ticket(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, stars: int
) -> None:
    """ "le doy un 5" after "¿Cómo lo hicimos?" reopened the ticket for staff instead of
    rating it."""
    buyer, _staff, _thread = await closed_ticket(harness, uow_factory, clock)
    await buyer.say(typed)
    assert "reopened" not in buyer.said and "reabr" not in buyer.said.lower(), buyer.said
    ticket = await ticket_row(uow_factory)
    assert (ticket.status, ticket.rating) == ("closed", stars)


@pytest.mark.parametrize("typed", ["ya son todas", "con eso es todo", "ya elegí", "sigamos"])
async def test_done_choosing_said_the_spanish_way(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """ "ya son todas" once the items were chosen got "Escribe el nombre del artículo…"."""
    buyer = await linked(harness, uow_factory, clock)
    await buyer.say("/return")
    await buyer.say("la botella azul")
    await buyer.say(typed)
    assert KIND in buyer.last_text, buyer.said


@pytest.mark.parametrize(("typed", "count"), [("ambas", 2), ("dos", 2), ("solo una", 1)])
async def test_an_item_spelled_by_ear(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, count: int
) -> None:
    """ "la tasa" (for "la taza", as most of Latin America says it) was "Escribe el
    nombre del artículo…"; now it is the mug, and how many is asked."""
    buyer = await linked(harness, uow_factory, clock)
    await buyer.say("/return")
    await buyer.say("la tasa")
    assert await buyer.step() == "ret.qty", buyer.said
    await buyer.say(typed)
    assert f"Ceramic mug — {count} de 2" in [b.text for b in buyer.buttons()], buyer.said


async def test_places_in_the_list_said_in_spanish(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "la segunda" at "¿Qué artículos?" and "la primera" at "¿Qué te gustaría?" got
    "Escribe…" again: only English ordinals were places."""
    buyer = await linked(harness, uow_factory, clock)
    await buyer.say("/return")
    await buyer.say("la segunda")  # the bottle, second in the list
    assert "Blue water bottle — 1 de 1" in [b.text for b in buyer.buttons()], buyer.said
    await buyer.say("listo")
    await buyer.say("la primera")  # Solo reembolso, the first button
    assert REASON in buyer.last_text, buyer.said
    assert (await draft(buyer))[1]["type"] == "REFUND"
    await buyer.say("el último")
    assert (await draft(buyer))[1]["reason"] == "NOT_RECEIVED", buyer.said


async def at_summary(buyer: Person) -> None:
    await at_note(buyer)
    await buyer.say("omitir")
    assert SUMMARY in buyer.last_text, buyer.said


@pytest.mark.parametrize(
    ("typed", "step", "kind"),
    [
        ("no espera, mejor un reemplazo", "ret.confirm", "REPLACEMENT"),
        ("no, mejor solo el reembolso", "ret.confirm", "REFUND"),
        ("me equivoqué de artículo", "ret.items", "RETURN_AND_REFUND"),
        ("ahorita no", "ret.confirm", "RETURN_AND_REFUND"),
    ],
)
async def test_a_spanish_change_of_mind_at_the_summary_keeps_the_request(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    typed: str,
    step: str,
    kind: str,
) -> None:
    """ "no espera, mejor un reemplazo" at "Revisa tu solicitud" read as a plain "no"
    and threw the whole request away; as in English ("no wait, a replacement
    instead"), it changes that part and keeps the rest."""
    buyer = await linked(harness, uow_factory, clock)
    await at_summary(buyer)
    await buyer.say(typed)
    assert "paré la devolución" not in buyer.said, buyer.said
    current, data = await draft(buyer)
    assert (current, data.get("type")) == (step, kind), buyer.said
    assert data["items"]


async def test_mejor_no_at_the_summary_is_still_a_plain_no(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await linked(harness, uow_factory, clock)
    await at_summary(buyer)
    await buyer.say("mejor no")
    assert await buyer.step() is None


@pytest.mark.parametrize("typed", ["con un humano", "con una persona por favor", "con alguien"])
async def test_a_person_asked_for_with_con_alone(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """ "con una persona por favor" ("with a person, please": the verb left out) in the
    middle of a return got "Escribe el nombre del artículo…"."""
    buyer = await linked(harness, uow_factory, clock)
    await buyer.say("/return")
    await buyer.say(typed)
    assert "Pasé nuestra conversación a una persona" in buyer.said, buyer.said
    assert harness.desk.topics
