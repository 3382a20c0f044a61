"""A buyer who writes Spanish and types rather than taps, through the return flow:
what she types at each step does what its button does, in Spanish as in English, and
nothing she meant as "no, thanks" reaches the seller as her words."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.flows.test_return_typing import NUMBER, delivered, draft
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
