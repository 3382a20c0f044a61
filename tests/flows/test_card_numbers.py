"""A payment card number typed in the chat is refused before anything reads it: the
buyer is told kindly not to send card details, no order proof starts, no flow keeps it,
an open ticket never gets it (staff get one line saying a message was withheld), and
the chat log keeps it masked.  Order numbers keep working, including 18-digit ones that
pass the card check and a shop's own order numbers shaped like cards."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.cards import card_spans, receipt_mask
from storage.models import ChatLogEntry, ConversationState, TicketMessage
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_buyer_orders import link
from tests.flows.test_returns import delivered_order, linked, walk_to
from tests.flows.test_staff_handover import (
    buyer_with_order,
    copied_from,
    escalated,
    topic_lines,
)
from tests.harness import Harness

CARD = "4111111111111111"
NOT_HERE = "Please don't send card details in this chat"


async def logged_in(uow_factory: UnitOfWorkFactory, chat_id: int) -> list[str]:
    """What the chat log kept of the buyer's own messages."""
    async with uow_factory(readonly=True) as uow:
        return list(
            await uow.session.scalars(
                select(ChatLogEntry.text)
                .where(ChatLogEntry.chat_id == chat_id, ChatLogEntry.direction == "in")
                .order_by(ChatLogEntry.id)
            )
        )


async def draft_of(uow_factory: UnitOfWorkFactory, user_id: int) -> str:
    async with uow_factory(readonly=True) as uow:
        row = await uow.session.scalar(
            select(ConversationState).where(ConversationState.user_id == user_id)
        )
    return "" if row is None else f"{row.step} {row.data}"


@pytest.mark.parametrize(
    "typed",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        CARD,
        f"my card is {CARD}",
        "card number 5500 0000 0000 0004",
        "cc 378282246310005",
        "I paid with 4111 1111 1111 1111 exp 12/26 but it says unpaid",
    ],
)
async def test_a_card_number_is_refused_and_never_starts_a_proof(
    harness: Harness, uow_factory: UnitOfWorkFactory, typed: str
) -> None:
    buyer = harness.buyer()
    await buyer.say(typed)
    assert NOT_HERE in buyer.said, buyer.said
    assert "make sure order" not in buyer.said
    assert await buyer.step() is None
    digits = "".join(c for c in typed if c.isdigit())
    for kept in [*await logged_in(uow_factory, buyer.chat_id), await draft_of(uow_factory, 1001)]:
        assert "1111 1111" not in kept and digits[:12] not in kept.replace(" ", "")
    # Kept as a receipt prints it: hidden but for the last four digits.
    kept_line = (await logged_in(uow_factory, buyer.chat_id))[-1]
    start, end, card = card_spans(typed)[0]
    assert receipt_mask(typed[start:end]) in kept_line and card[-4:] in kept_line, kept_line


async def test_order_numbers_still_link_even_when_they_pass_the_card_check(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    # 18 digits, passing Luhn like one order number in ten: TikTok's and the demo's.
    number = "576100000000000008"
    await make_order(uow_factory, clock, number=number)
    buyer = harness.buyer()
    card = await link(buyer, number)
    assert number in card
    assert NOT_HERE not in buyer.said
    # Typed in groups too.
    other = harness.buyer(1002)
    await other.say("5761 0000 0000 0000 08")
    assert f"make sure order {number}" in other.said, other.said


@pytest.mark.parametrize("typed", [CARD, "4111 1111 1111 1111"])
async def test_a_shop_order_number_shaped_like_a_card_is_the_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """An order of the shop always wins over the card reading."""
    await make_order(uow_factory, clock, number=CARD)
    buyer = harness.buyer()
    await buyer.say(typed)
    assert f"make sure order {CARD}" in buyer.said, buyer.said
    await buyer.say("buyer@example.com")
    assert "now linked" in buyer.said


async def test_inside_a_flow_the_card_is_refused_and_the_step_stays(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "note")
    await alex.say(f"refund it to my card {CARD} please")
    assert NOT_HERE in alex.said
    assert "note" in alex.last_text.lower()  # the note's question again
    assert await alex.step() == "ret.note"
    assert CARD not in await draft_of(uow_factory, 1001)


async def test_an_open_ticket_never_gets_the_card_number(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await buyer_with_order(harness, uow_factory, clock)
    thread = await escalated(harness, buyer)
    copies = len(copied_from(harness, buyer))
    await buyer.say(f"here is my card {CARD} for the refund")
    assert "I didn't pass that message on to our team" in buyer.said, buyer.said
    assert len(copied_from(harness, buyer)) == copies  # nothing copied to staff
    lines = topic_lines(harness, thread)
    assert any("sent a message with a payment card number" in line for line in lines)
    assert not any(CARD in line for line in lines)
    async with uow_factory(readonly=True) as uow:
        kept = list(await uow.session.scalars(select(TicketMessage.text)))
    assert not any(CARD in (text or "") for text in kept)
    # The ticket still relays what comes next.
    await buyer.say("sorry, the refund is for the mug")
    assert len(copied_from(harness, buyer)) == copies + 1


async def test_a_card_number_after_a_command_or_in_an_overlong_message_is_not_kept(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    """The chat log keeps commands with their arguments and overlong messages (refused
    for their length) too: neither keeps a card number."""
    buyer = harness.buyer()
    await buyer.say(f"/start {CARD}")
    assert NOT_HERE in buyer.said, buyer.said
    await buyer.say(f"my card {CARD} " + "and more words " * 300)
    assert NOT_HERE in buyer.said, buyer.said
    kept = await logged_in(uow_factory, buyer.chat_id)
    assert len(kept) == 2 and kept[0].startswith("/start ••••"), kept
    assert not any(CARD[:12] in line for line in kept), kept
    # An order link's token after /start still works as before (not a card).
    await buyer.say("/start")
    assert NOT_HERE not in buyer.said
