"""A Spanish-speaking buyer's main flows through real Telegram traffic, on aiogram and
python-telegram-bot (issue 16): a buyer whose Telegram says "es" links an order, reads
its card, cancels it, files a return with an album, follows it with /returns, asks a
policy question answered from the Spanish policies and is handed over to a person —
typing Spanish as well as tapping.  Everything she reads is Spanish (dates such as
"17 ene", money such as "$37.99"), and no English catalog sentence leaks into her
chat; the seller, whose Telegram is English, gets the same claim in English, and the
staff group reads the shop's staff language (English).  The per-step variations are
in process: tests/flows/test_languages.py."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.emulator import ScriptedUser, TelegramEmulator
from storage.models import Order
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.staff_helpers import (
    StaffForum,
    staff_buttons,
    staff_forum,
    staff_settings,
    text_of,
    ticket_rows,
)
from tests.e2e.test_answers import bold
from tests.e2e.test_buyer_orders import NUMBER, buttons
from tests.e2e.test_returns import claims, delivered_order, jpegs, tap
from tests.e2e.test_seller import invite, join
from tests.factories import make_order

Message = dict[str, Any]
LOCALES = Path(__file__).resolve().parents[2] / "handlers" / "locales"
# A Spanish shop's products: 2 × 12.50 + 8.00 = 33.00, with 4.99 shipping 37.99.
ITEMS = (("Taza de cerámica", 2, "12.50"), ("Paño de cocina", 1, "8.00"))
ANA, SAM = 1001, 9001


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return staff_settings(settings)


@pytest.fixture
def forum(emulator: TelegramEmulator) -> StaffForum:
    return staff_forum(emulator)


@pytest.fixture(params=["aiogram", "ptb"])
async def bot(
    request: pytest.FixtureRequest, app: App, emulator: TelegramEmulator, forum: StaffForum
) -> AsyncIterator[BotProcess]:
    """The bot on each framework; the staff forum exists before it starts (it learns
    at start whether the staff chat has topics)."""
    process = BotProcess(app, emulator, framework=request.param)
    await process.start()
    yield process
    await process.stop()


# ------------------------------------------------------------------ what leaks


def _strings(table: dict[str, Any]) -> Iterable[str]:
    for value in table.values():
        if isinstance(value, dict):
            yield from _strings(value)
        elif isinstance(value, str):
            yield value


def _fragments(template: str) -> set[str]:
    """The literal words of a template: between parameters, tags and line breaks."""
    pieces = re.split(r"\{[^}]*\}|<[^>]+>|\n", template)
    return {p.strip(" .,:;!?()—–-•·‹›✅✖📦📷🙋↩🔄➕❓⚠️") for p in pieces}


@cache
def english_phrases() -> frozenset[str]:
    """Every English catalog phrase of two words or more that the Spanish catalog does
    not also use ("My orders", "is now linked to this chat"; names such as "Royal Mail"
    aside): any of them in the buyer's chat is English leaking through."""
    with (LOCALES / "en.toml").open("rb") as f:
        english = set().union(*map(_fragments, _strings(tomllib.load(f))))
    with (LOCALES / "es.toml").open("rb") as f:
        spanish = "\n".join(_strings(tomllib.load(f)))
    names = {"Royal Mail"}
    return frozenset(
        p for p in english if len(p.split()) >= 2 and p not in spanish and p not in names
    )


def assert_all_spanish(user: ScriptedUser) -> None:
    """Nothing the buyer was shown, text or button, has an English catalog phrase."""
    assert {"My orders", "is now linked to this chat"} <= english_phrases()  # the guard's guard
    shown = [text_of(m) for m in user.messages] + [b for m in user.messages for b in buttons(m)]
    leaks = sorted({p for p in english_phrases() for s in shown if p in s})
    assert not leaks, (leaks, shown)


# ------------------------------------------------------------------ helpers


async def say(user: ScriptedUser, text: str) -> str:
    await user.send(text)
    return text_of(await user.wait_message())


async def link_es(user: ScriptedUser, number: str = NUMBER) -> Message:
    """Link by typing the number and the email; return the order card that follows."""
    assert f"Para confirmar que el pedido {number} es tuyo" in await say(user, number)
    assert f"✅ El pedido {number} ya está vinculado a este chat." in await say(
        user, "buyer@example.com"
    )
    return await user.wait_message()


async def order_status(uow_factory: UnitOfWorkFactory) -> str:
    async with uow_factory(readonly=True) as uow:
        return str(await uow.session.scalar(select(Order.status)))


# ------------------------------------------------------------------ orders


async def test_link_the_order_card_and_cancelling_in_spanish(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, status="ON_HOLD", items=ITEMS, carrier=None)
    ana = emulator.user(ANA, "Ana", language_code="es")
    await ana.send("/start")
    greeting = await ana.wait_message()
    assert "¡Hola, Ana!" in greeting["text"] and "número de pedido" in greeting["text"]
    assert buttons(greeting) == [
        "📦 Mis pedidos",
        "➕ Agregar un pedido",
        "❓ Ayuda",
        "🙋 Hablar con una persona",
    ]
    # Typed escapes work in Spanish: "cancelar" stops linking.
    assert "Para confirmar que el pedido" in await say(ana, NUMBER)
    assert "De acuerdo, dejé de vincular el pedido." in await say(ana, "cancelar")

    card = await link_es(ana)
    text = card["text"]
    assert f"📦 Pedido {NUMBER} · Acme Store" in text
    assert "Estado: Pagado, en espera" in text
    assert "• 2 × Taza de cerámica — $25.00 ($12.50 c/u)" in text
    assert "Costo de envío: $4.99" in text and "Total pagado: $37.99" in text
    assert buttons(card) == [
        "🔄 Actualizar",
        "✖ Cancelar pedido",
        "🙋 Hablar con una persona",
        "‹ Mis pedidos",
    ]

    # Asked in words, the bot offers to cancel; she keeps it, then cancels by button.
    await ana.send("quiero cancelar mi pedido")
    asked = await ana.wait_message()
    assert f"¿Cancelar el pedido {NUMBER}?" in asked["text"]
    assert "Se te reembolsará completo tu pago de $37.99." in asked["text"]
    assert buttons(asked) == ["Sí, cancelar el pedido", "No, conservar el pedido"]
    kept = await tap(ana, "No, conservar el pedido", asked)
    assert "De acuerdo, tu pedido sigue igual." in kept["text"]
    assert await order_status(uow_factory) == "ON_HOLD"

    confirm = await tap(ana, "✖ Cancelar pedido", card)
    assert f"¿Cancelar el pedido {NUMBER}?" in confirm["text"]
    done = await tap(ana, "Sí, cancelar el pedido", confirm)
    assert f"✅ El pedido {NUMBER} está cancelado." in done["text"]
    assert "Tu pago de $37.99 se reembolsará" in done["text"]
    assert await order_status(uow_factory) == "CANCELLED"

    await ana.send("/orders")
    listing = await ana.wait_message()
    assert "Tus pedidos (1)" in listing["text"]
    assert buttons(listing) == [f"{NUMBER} · Cancelado · $37.99"]
    assert_all_spanish(ana)


# ------------------------------------------------------------------ returns


async def test_a_return_with_an_album_in_spanish_reaches_an_english_seller_in_english(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock, items=ITEMS)
    sam = await join(emulator, await invite(uow_factory, clock), SAM, "Sam")  # Telegram: en
    ana = emulator.user(ANA, "Ana", language_code="es")
    card = await link_es(ana)
    assert "Estado: Entregado" in card["text"]
    assert "Entregado: 13 ene, 12:00 UTC" in card["text"]  # Spanish dates
    assert "↩ Devolución o reembolso" in buttons(card)

    # Typed: the item and the reason are taken from her sentence.
    await ana.send("quiero devolver la taza, llegó rota")
    taken = await ana.wait_message()
    assert "📝 Devolución: Taza de cerámica; motivo: Llegó dañado" in taken["text"]
    how_many = await ana.wait_message()
    assert "¿Cuántos de Taza de cerámica?" in how_many["text"]
    assert buttons(how_many) == ["1", "2", "Ninguno", "‹ Atrás", "✖ Cancelar"]
    kind = await tap(ana, "1", how_many)  # tapped
    assert "¿Qué te gustaría? (paso 2 de 5)" in kind["text"]
    assert "Devolución y reembolso" in buttons(kind)
    photos = await say(ana, "devolución y reembolso")  # typed; the reason is known
    assert "Fotos (paso 4 de 5)" in photos and "Envía de 1 a 9 fotos" in photos
    album = jpegs("es-album", 3)
    await ana.send_album(album)
    assert "📷 Recibiendo tus fotos…" in text_of(await ana.wait_message())
    note = await tap(ana, "Listo ›")
    assert "(paso 5 de 5)" in note["text"]
    summary = await say(ana, "el asa se rompió")
    assert "Revisa tu solicitud" in summary and "• 1 × Taza de cerámica" in summary
    assert "Solicitud: Devolución y reembolso" in summary and "Motivo: Llegó dañado" in summary
    assert "Fotos: 3" in summary and "Nota: el asa se rompió" in summary
    assert "Reembolso solicitado: $12.50" in summary
    filed = await tap(ana, "✅ Confirmar")
    [claim] = await claims(uow_factory)
    assert f"✅ Tu solicitud {claim.claim_number} quedó registrada." in filed["text"]
    assert "hasta el 17 ene, 12:00 UTC" in filed["text"]
    assert (claim.type, claim.reason, len(claim.photos)) == ("RETURN_AND_REFUND", "DAMAGED", 3)
    assert sum("Recibiendo tus fotos" in text_of(m) for m in ana.messages) == 1

    # The seller reads the same claim in English: the notice, then the album.
    await bot.flush_outbox()
    notice = text_of(await sam.wait_message())
    assert f"Return request {claim.claim_number} for order {NUMBER}" in notice
    assert "Request: Return and refund · Arrived damaged" in notice
    assert "• 1 × Taza de cerámica" in notice and "Refund requested: $12.50" in notice
    assert "Buyer's note: el asa se rompió" in notice and "Photos: 3" in notice
    assert "Please answer by Jan 17, 12:00 UTC" in notice
    pictures = [await sam.wait_message() for _ in album]
    assert pictures[0]["caption"] == f"Photos for return request {claim.claim_number}"
    await sam.send("/claims")
    queue = await sam.wait_message()
    assert "Open return requests (1)" in queue["text"]
    [label] = buttons(queue)
    assert label.startswith(f"{claim.claim_number} · Waiting for your decision")
    seller_card = text_of(await tap(sam, label, queue))
    assert "Status: Waiting for your decision" in seller_card
    assert "Order: 578000000000000001 · Buyer: Ana" in seller_card
    assert "(by Jan 17, 12:00 UTC)" in seller_card
    assert "Jan 15, 12:00 — Return requested (buyer): el asa se rompió" in seller_card

    # /returns while the seller decides: her list and the claim's card, in Spanish.
    await ana.send("/returns")
    listing = await ana.wait_message()
    assert "Tus solicitudes de devolución (1)" in listing["text"]
    assert buttons(listing) == [f"{claim.claim_number} · Esperando al vendedor"]
    shown = text_of(await tap(ana, buttons(listing)[0], listing))
    assert f"Solicitud de devolución {claim.claim_number}" in shown
    assert "Estado: Esperando al vendedor" in shown and "Fotos: 3" in shown
    assert "El vendedor responde a más tardar el 17 ene, 12:00 UTC." in shown
    assert "15 ene, 12:00 — Esperando al vendedor (tú): el asa se rompió" in shown
    assert buttons(ana.messages[-1]) == ["Retirar solicitud"]

    # The seller approves in English; she is told in Spanish.
    approved = text_of(await tap(sam, "✅ Approve"))
    assert f"Approved. The buyer has until Jan 20, 12:00 UTC to send {claim.claim_number}" in (
        approved
    )
    await bot.flush_outbox()
    told = await ana.wait_message()
    assert f"✅ Tu solicitud de devolución {claim.claim_number} fue aprobada." in told["text"]
    assert "a más tardar el 20 ene, 12:00 UTC" in told["text"]
    assert buttons(told) == ["Ingresar seguimiento de la devolución"]
    assert_all_spanish(ana)


# ------------------------------------------------------------------ answers and people


async def test_a_policy_question_and_talking_to_a_person_in_spanish(
    bot: BotProcess, emulator: TelegramEmulator, forum: StaffForum, uow_factory: UnitOfWorkFactory
) -> None:
    ana = emulator.user(ANA, "Ana", language_code="es")
    await ana.send("/start")
    await ana.wait_message()

    await ana.send("¿puedo pagar con apple pay?")
    answer = await ana.wait_message()
    assert text_of(answer).startswith("📖 De nuestra política de Pagos › Formas de pago")
    assert any(b.startswith("Pagos › Formas de pago") for b in bold(answer))
    assert "Aceptamos tarjetas de crédito y débito" in text_of(answer)
    assert "% de certeza)" in text_of(answer)

    await ana.send("hablar con una persona")
    told = text_of(await ana.wait_message())
    assert "🙋 Pasé nuestra conversación a una persona (ticket #1)" in told
    # The staff group is shared: it reads the shop's staff language, not hers.
    summary = await forum.group.wait_message()
    thread = summary["message_thread_id"]
    assert "Ticket #1" in text_of(summary) and "Why: asked for a person" in text_of(summary)
    assert "Buyer: Ana" in text_of(summary)
    assert "¿puedo pagar con apple pay?" in text_of(summary)  # her words, as she wrote them
    assert staff_buttons(summary) == ["🙋 Assign to me", "✅ Close"]
    [ticket] = await ticket_rows(uow_factory)
    assert (ticket.status, ticket.reason) == ("open", "requested")

    # The person answers in the topic; the buyer reads it, then the closing in Spanish.
    await forum.agent.send("Hola Ana, ¿en qué te ayudo?", chat=forum.group, thread_id=thread)
    relayed = text_of(await ana.wait_message())
    assert "Anna" in relayed and "Hola Ana, ¿en qué te ayudo?" in relayed
    await forum.agent.send("/close", chat=forum.group, thread_id=thread)
    closed = await ana.wait_message()
    assert "✅ Nuestro equipo cerró el ticket #1." in text_of(closed)
    assert_all_spanish(ana)
