"""People in their own language (issue 16), in process: Telegram's language on first
contact, `/language` (buttons or typed) which always wins and persists, a buyer who
types Spanish answered in Spanish, the shop's languages, and a seller with an English
Telegram kept in English while the buyer of the same order reads Spanish."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.services.shops import ShopAdmin
from handlers.types import SendText, SetCommands
from storage.models import ChatUser
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_staff_handover import to_buyer, topic_lines
from tests.harness import Harness, Person, plain

NUMBER = "578000000000000001"
SPANISH_GREETING = "Soy el asistente de atención de nuestra tienda"
ENGLISH_GREETING = "I'm the support assistant of our shop"


async def stored_language(uow: UnitOfWorkFactory, user_id: int) -> tuple[str | None, bool]:
    async with uow(readonly=True) as session:
        user = await session.session.scalar(select(ChatUser).where(ChatUser.external_id == user_id))
        assert user is not None
        return user.language, user.language_chosen


async def link(person: Person) -> None:
    await person.say(NUMBER)
    await person.say("buyer@example.com")


async def test_a_buyer_whose_telegram_is_spanish_is_answered_in_spanish(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    ana = harness.buyer(name="Ana", locale="es")
    await ana.say("/start")
    assert f"¡Hola, Ana! {SPANISH_GREETING}" in ana.said
    assert [b.text for b in ana.buttons()] == [
        "📦 Mis pedidos",
        "➕ Agregar un pedido",
        "❓ Ayuda",
        "🙋 Hablar con una persona",
    ]
    await ana.say("/help")
    assert "/language — el idioma en que te escribo" in ana.said
    # Telegram's language is stored on first contact, as hers but not chosen.
    assert await stored_language(uow_factory, ana.user_id) == ("es", False)


async def test_language_switches_with_buttons_and_persists(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    ana = harness.buyer(name="Ana", locale="es")
    await ana.say("/language")
    assert "¿En qué idioma quieres que te escriba?" in ana.said
    # One button per language, each in its own name.
    assert [b.text for b in ana.buttons()] == ["English", "Español"]
    await ana.tap("English")
    assert "Done: I'll write to you in English from now on." in ana.said
    assert await stored_language(uow_factory, ana.user_id) == ("en", True)
    # Her Telegram still says Spanish, and she writes Spanish: the choice wins.
    await ana.say("/start")
    assert ENGLISH_GREETING in ana.said
    await ana.say("¿Dónde está mi pedido? Todavía no me llegó nada")
    assert "¿" not in ana.said and "pedido" not in ana.said.replace(NUMBER, "")
    # Telegram's value does not overwrite the choice.
    assert await stored_language(uow_factory, ana.user_id) == ("en", True)
    # Back to Spanish, typed after the prompt this time.
    await ana.say("/language")
    await ana.say("español")
    assert "Listo: tu idioma ahora es Español" in ana.said
    await ana.say("/start")
    assert SPANISH_GREETING in ana.said


async def test_language_typed_with_the_command_and_a_language_it_does_not_have(
    harness: Harness,
) -> None:
    bo = harness.buyer(name="Bo", locale="en")
    await bo.say("/language spanish")
    assert "Listo: tu idioma ahora es Español" in bo.said
    await bo.say("/language klingon")
    assert 'Todavía no hablo "klingon".' in bo.said
    assert [b.text for b in bo.buttons()] == ["English", "Español"]
    await bo.say("something else")  # not a language: the step says what it takes
    assert "Toca un idioma abajo, o escribe su nombre" in bo.said
    await bo.say("cancelar")  # the escapes work in Spanish too
    assert "De acuerdo, lo dejamos." in bo.said


async def test_typing_spanish_without_a_choice_gets_spanish_replies(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER)
    bo = harness.buyer(name="Bo", locale="en")
    await bo.say("ok")  # says nothing of a language: Telegram's English
    assert "Anything else?" in bo.said, bo.said
    await bo.say("Hola, quiero saber dónde está mi pedido, por favor")
    # Whatever the answer engine makes of it, the reply is the Spanish catalog's.
    assert bo.said and ("¿" in bo.said or "Envía" in bo.said), bo.said
    # The number alone can't be told: the Spanish he was just answered in goes on.
    await bo.say(NUMBER)
    assert f"Para confirmar que el pedido {NUMBER}" in plain(bo.said), bo.said
    # Nothing was chosen; what he writes in is stored, for what the bot sends on its own.
    assert await stored_language(uow_factory, bo.user_id) == ("es", False)


@pytest.mark.parametrize(
    ("typed", "reply"),
    [
        ("gracias!!", "¡De nada!"),
        ("hola", "¡Hola!"),
        ("vale, gracias", "¡De nada!"),
        ("Muchas gracias 🙏", "¡De nada!"),
        ("buenas tardes", "¡Hola!"),
    ],
)
async def test_small_talk_only_spanish_says_is_answered_in_spanish(
    harness: Harness, typed: str, reply: str
) -> None:
    bo = harness.buyer(name="Bo", locale="en")
    await bo.say(typed)
    assert reply in bo.said, bo.said
    assert "Anything else" not in bo.said and "Hi!" not in bo.said


async def test_a_one_word_answer_never_flips_the_language(harness: Harness) -> None:
    """ "ok", "no" and a tap say nothing of a language: the conversation keeps the one
    it is in, whichever that is; written clearly in the other, it switches."""
    bo = harness.buyer(name="Bo", locale="en")
    await bo.say("hola")
    assert "¡Hola!" in bo.said
    await bo.say("ok")
    assert "¿Algo más?" in bo.said, bo.said
    await bo.say("no")  # nothing asked: acknowledged, in the conversation's language
    assert "¿Algo más?" in bo.said, bo.said
    await bo.say("/start")
    assert SPANISH_GREETING in bo.said
    await bo.say("thanks!")  # clearly English: English from here on
    assert "You're welcome" in bo.said, bo.said
    await bo.say("ok")
    assert "Anything else?" in bo.said, bo.said
    # Telegram's Spanish stays Spanish through "ok", "no" and "hi" too.
    ana = harness.buyer(1002, name="Ana", locale="es")
    for typed in ("ok", "no", "hi", "super"):
        await ana.say(typed)
        assert ("¿" in ana.said or "¡" in ana.said) and "Any" not in ana.said, (typed, ana.said)
    # And a buyer who never wrote Spanish is not answered in it for "ok" or "no".
    cy = harness.buyer(1003, name="Cy", locale="en")
    await cy.say("ok")
    assert "Anything else?" in cy.said
    await cy.say("no")
    assert "Anything else?" in cy.said, cy.said


async def test_a_flow_begun_in_spanish_goes_on_in_spanish(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """The email that proves the order can't be told, but the flow began in Spanish:
    "linked" and the order card stay Spanish, not Telegram's English.  A short
    Spanish question outside any flow is answered with a Spanish frame too, not a
    Spanish policy inside English sentences."""
    await make_order(uow_factory, clock, number=NUMBER)
    bo = harness.buyer(name="Bo", locale="en")
    await bo.say(f"hola donde esta mi pedido {NUMBER}")
    assert f"Para comprobar que el pedido {NUMBER}" in plain(bo.said) or "correo" in bo.said, (
        bo.said
    )
    await bo.say("buyer@example.com")
    assert f"El pedido {NUMBER} ya está vinculado" in plain(bo.said), bo.said
    assert "is now linked" not in bo.said
    await bo.say("thanks, where is my parcel right now?")  # English again: English replies
    assert "¿" not in bo.said and "pedido" not in bo.said, bo.said
    await bo.say("cuanto tardan las devoluciones")
    assert "I think" not in bo.said and "I'm not" not in bo.said, bo.said
    assert await stored_language(uow_factory, bo.user_id) == ("es", False)


async def test_a_shop_that_speaks_only_english_answers_english(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER)
    await ShopAdmin(uow_factory).set("acme", "languages", "en")
    ana = harness.buyer(name="Ana", locale="es")
    await ana.say("/start")
    assert ENGLISH_GREETING in ana.said
    await ana.say("/language")
    assert [b.text for b in ana.buttons()] == ["English"]


async def test_a_shop_whose_default_is_spanish_greets_unknown_languages_in_spanish(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER)
    await ShopAdmin(uow_factory).set("acme", "language", "es")
    kai = harness.buyer(name="Kai", locale="de")
    await kai.say("/start")
    assert SPANISH_GREETING in kai.said


async def test_a_seller_with_english_telegram_stays_english_beside_a_spanish_buyer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER, status="AWAITING_SHIPMENT")
    ana = harness.buyer(name="Ana", locale="es")
    await link(ana)
    assert f"El pedido {NUMBER} ya está vinculado a este chat." in ana.said
    await ana.tap("Pedir cancelación")
    assert "tiene que aceptar cancelarlo" in ana.said
    await ana.tap("Sí, pedírselo al vendedor")
    assert "Tu solicitud de cancelación" in ana.said

    token = await harness.services.sellers.invite("acme")
    sam = harness.seller(3001, "Sam", locale="en")
    await sam.say(f"/start {token}")
    assert "You're now a seller of" in sam.said
    [menu] = [a for a in sam.last if isinstance(a, SetCommands)]
    assert ("claims", "Open return requests, most urgent first") in menu.commands
    assert ("language", "Change the language") in menu.commands
    await sam.say("Hola, ¿qué tal? Quiero ver las solicitudes de la tienda por favor")
    # A seller who chose nothing is read like anyone: having just written Spanish, the
    # command that follows (no words of its own) is answered in it too...
    await sam.say("/claims")
    assert "No hay solicitudes de devolución abiertas" in sam.said, sam.said
    # ...until he writes English again; his own choice and notices were never touched.
    await sam.say("thanks")
    await sam.say("/claims")
    assert "No open return requests right now." in sam.said
    assert await stored_language(uow_factory, sam.user_id) == ("en", False)

    # A Spanish-speaking seller gets the seller menu in Spanish.
    token = await harness.services.sellers.invite("acme")
    eva = harness.seller(3002, "Eva", locale="es")
    await eva.say(f"/start {token}")
    assert "Ahora eres vendedor de" in eva.said
    [menu] = [a for a in eva.last if isinstance(a, SetCommands)]
    assert ("claims", "Solicitudes de devolución abiertas, las más urgentes primero") in (
        menu.commands
    )


async def test_a_spanish_buyers_ticket_reads_english_to_staff_and_spanish_to_her(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """The staff group is shared: what the bot posts there is in the shop's staff
    language even when the Spanish buyer's update posts it; what a staff member's
    update sends her (a reply's signature line, the closing, a reopening) is Spanish."""
    await make_order(uow_factory, clock)
    ana = harness.buyer(1001, "Ana", locale="es")
    await ana.say("/start")
    await link(ana)
    await ana.say("hablar con una persona")
    assert "Pasé nuestra conversación a una persona (ticket #1)" in ana.said
    [thread] = list(harness.desk.topics)
    summary = topic_lines(harness, thread)[0]
    assert "Why: asked for a person" in summary and "Motivo" not in summary
    await ana.say("/human")
    assert "Ya estás hablando con nuestro equipo" in ana.said
    assert topic_lines(harness, thread)[-1] == "Ana asked for a person again."

    anna = harness.staff(4001, "Anna", thread_id=thread)
    await anna.say("/close")
    assert anna.said == "✅ Closed by Anna. The requester was asked to rate the help."
    [closed] = [a for a in harness.desk.sent if isinstance(a, SendText) and a.chat_id == 1001]
    assert "Nuestro equipo cerró el ticket #1. ¿Cómo lo hicimos?" in plain(closed.text)
    assert closed.keyboard is not None
    four = next(b.data for row in closed.keyboard.rows for b in row if b.text == "⭐⭐⭐⭐")
    assert four is not None
    await ana.press(four)
    assert "¡Gracias por calificarnos con ⭐⭐⭐⭐!" in ana.last_text
    assert topic_lines(harness, thread)[-1] == "Rating: ⭐⭐⭐⭐ (4/5)"
    await ana.say("Rápidos y amables")
    assert "¡Gracias! Leemos cada comentario." in ana.said
    assert topic_lines(harness, thread)[-1] == "Comment: Rápidos y amables"

    await harness.staff(4001, "Anna").say("/reopen 1")
    assert to_buyer(harness, ana)[-1].startswith("🔄 Nuestro equipo reabrió el ticket #1.")
    await anna.say("Hola Ana, una pregunta más")
    assert to_buyer(harness, ana)[-1] == "Anna:\nHola Ana, una pregunta más"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("can you speak spanish?", "Listo: tu idioma ahora es Español"),
        ("en español por favor", "Listo: tu idioma ahora es Español"),
    ],
)
async def test_a_language_asked_for_in_words_is_chosen(
    harness: Harness, uow_factory: UnitOfWorkFactory, typed: str, says: str
) -> None:
    """Found in the demo: "can you speak spanish?" got "I can only help with your
    orders…"."""
    jo = harness.buyer(name="Jo")
    await jo.say(typed)
    assert says in jo.said, jo.said
    assert await stored_language(uow_factory, jo.user_id) == ("es", True)
    await jo.say("english please")
    assert "I'll write to you in English" in jo.said
    assert await stored_language(uow_factory, jo.user_id) == ("en", True)


async def test_a_language_asked_for_at_the_language_question_is_chosen(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    """Found in the demo: at /language's question "spanish please" and "english
    again" were asked to type the language's name."""
    jo = harness.buyer(name="Jo")
    await jo.say("/language")
    await jo.say("spanish please")
    assert "Listo: tu idioma ahora es Español" in jo.said, jo.said
    await jo.say("/language")
    await jo.say("english again")
    assert "I'll write to you in English" in jo.said, jo.said
    assert await stored_language(uow_factory, jo.user_id) == ("en", True)


async def test_change_language_in_words_asks_which(harness: Harness) -> None:
    jo = harness.buyer(name="Jo")
    await jo.say("change language")
    assert "Which language should I write to you in?" in jo.said
    assert [b.text for b in jo.buttons()] == ["English", "Español"]


async def test_a_language_named_in_a_question_about_something_else_chooses_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    jo = harness.buyer(name="Jo")
    await jo.say("is the manual only in spanish?")
    assert "I'll write to you in" not in jo.said and "escribiré" not in jo.said
