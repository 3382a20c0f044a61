"""Handing a conversation to a person, in process (the staff chat's live calls played by
the harness's desk): the ways a ticket opens, the summary staff read, closing and
rating, the closed topic, reopening within 24 hours, the buyer's own commands and flows
during a ticket, business hours, and no staff chat at all.  (Moved from
tests/e2e/test_staff_handover.py, which keeps relaying each kind of message both ways
through the real forum, notes, assigning, and the summary's buttons.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.clock import FakeClock
from handlers.types import SendText
from storage.models import Ticket
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_buyer_orders import NUMBER, link
from tests.flows.test_returns import delivered_order
from tests.harness import STAFF_CHAT, Harness, Person, alert, plain, shown
from tests.pictures import photo_jpeg

SECOND = "578000000000000002"
BUYER_ID, BUYER_NAME = 5001, "Alex"
STARS = ["⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]


def topic_lines(harness: Harness, thread: int) -> list[str]:
    """What the bot posted in a ticket's topic (summaries, notes, relayed words)."""
    return [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.chat_id == STAFF_CHAT and a.thread_id == thread
    ]


def summaries(harness: Harness) -> list[str]:
    return [
        line for t in harness.desk.topics for line in topic_lines(harness, t) if "Ticket #" in line
    ]


def to_buyer(harness: Harness, buyer: Person) -> list[str]:
    """What reached the buyer through the desk (staff replies, closing, reopening)."""
    return [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.chat_id == buyer.chat_id
    ]


def copied_from(harness: Harness, buyer: Person) -> list[int]:
    """The buyer's messages copied into the staff chat (relayed), by message id."""
    return [c["message_id"] for c in harness.desk.copies if c["from_chat"] == buyer.chat_id]


async def tickets(uow_factory: UnitOfWorkFactory) -> list[Ticket]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(Ticket).order_by(Ticket.id)))


async def ticket_count(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def buyer_with_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> Person:
    """Alex, who started the bot and linked order NUMBER."""
    await make_order(uow_factory, clock)
    buyer = harness.buyer(BUYER_ID, BUYER_NAME)
    await buyer.say("/start")
    await link(buyer)
    return buyer


async def escalated(harness: Harness, buyer: Person) -> int:
    """The buyer sends /human; returns the new ticket's topic."""
    await buyer.say("/human")
    assert "passed our conversation to a person (ticket #1)" in buyer.said, buyer.said
    [thread] = list(harness.desk.topics)
    return thread


async def staff_to_buyer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> tuple[Person, Person, int]:
    buyer = await buyer_with_order(harness, uow_factory, clock)
    thread = await escalated(harness, buyer)
    return buyer, harness.staff(4001, "Anna", thread_id=thread), thread


# ------------------------------------------------------------------ opening


async def test_main_menu_button_opens_a_ticket(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    buyer = harness.buyer(BUYER_ID, BUYER_NAME)
    await buyer.say("/start")
    await buyer.tap("🙋 Talk to a person")
    assert "passed our conversation to a person (ticket #1)" in buyer.said
    [summary] = summaries(harness)
    assert "Ticket #1" in summary and "Buyer: Alex" in summary
    assert list(harness.desk.topics.values()) == ["#1 · Alex"]
    assert await ticket_count(uow_factory) == 1


async def test_order_card_button_opens_a_ticket_about_that_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await buyer_with_order(harness, uow_factory, clock)
    await make_order(uow_factory, clock, number=SECOND, status="AWAITING_SHIPMENT")
    await link(buyer, SECOND)
    await buyer.tap("🙋 Talk to a person")  # on the second order's card
    assert "passed our conversation to a person" in buyer.said
    [summary] = summaries(harness)
    # Staff see which of the two orders the buyer asked about.
    assert list(harness.desk.topics.values()) == [f"#1 · Alex · {SECOND}"]
    assert f"About order {SECOND}" in summary
    assert f"About order {NUMBER}" not in summary
    [ticket] = await tickets(uow_factory)
    assert ticket.order_id is not None


async def test_asking_again_while_open_creates_no_second_topic(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await buyer_with_order(harness, uow_factory, clock)
    thread = await escalated(harness, buyer)
    await buyer.say("/human")
    assert "already talking with our team (ticket #1)" in buyer.said
    assert topic_lines(harness, thread)[-1] == "Alex asked for a person again."
    assert len(harness.desk.topics) == 1
    assert await ticket_count(uow_factory) == 1


# ------------------------------------------------------------------ summary


async def test_summary_names_the_buyer_orders_reason_and_last_messages(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    buyer = harness.buyer(BUYER_ID, BUYER_NAME)
    buyer.username = "alex_b"
    await buyer.say("/start")
    await link(buyer)
    await make_order(uow_factory, clock, number=SECOND, status="AWAITING_SHIPMENT")
    await link(buyer, SECOND)
    await buyer.say("My cat ate the parcel <i>label</i>")  # the bot: not sure, it asks
    await escalated(harness, buyer)
    [text] = summaries(harness)
    assert f"Buyer: Alex (@alex_b, id {BUYER_ID})" in text
    assert "Why: asked for a person" in text
    assert f"• {NUMBER}: On its way (Acme Store)" in text
    assert f"• {SECOND}: Being prepared (Acme Store)" in text
    assert "Last messages" in text
    assert "12:00 them: My cat ate the parcel <i>label</i>" in text  # shown literally
    # The bot's own reply to it is there too, as plain text.
    assert "12:00 bot: " in text.split("12:00 them: My cat ate the parcel", 1)[1]


# ------------------------------------------------------------------ closing


async def test_close_command_then_four_stars_and_a_comment(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, anna, thread = await staff_to_buyer(harness, uow_factory, clock)
    await anna.say("/close")
    assert anna.said == "✅ Closed by Anna. The requester was asked to rate the help."
    [closed] = [a for a in harness.desk.sent if isinstance(a, SendText) and a.chat_id == BUYER_ID]
    assert "Our team closed ticket #1. How did we do?" in plain(closed.text)
    assert closed.keyboard is not None
    assert [b.text for row in closed.keyboard.rows for b in row] == STARS
    assert thread in harness.desk.closed and harness.desk.topics[thread] == "✅ #1 · Alex"
    four = next(b.data for row in closed.keyboard.rows for b in row if b.text == "⭐⭐⭐⭐")
    assert four is not None
    await buyer.press(four)
    assert alert(buyer) == "Thanks for your rating!"
    assert "Thank you for rating us ⭐⭐⭐⭐! Anything you'd like to add?" in buyer.last_text
    assert shown(buyer) == ["No, thanks"]
    assert topic_lines(harness, thread)[-1] == "Rating: ⭐⭐⭐⭐ (4/5)"
    await buyer.say("Quick and kind")
    assert "Thank you! We read every comment." in buyer.said
    assert topic_lines(harness, thread)[-1] == "Comment: Quick and kind"
    [ticket] = await tickets(uow_factory)
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 4, "Quick and kind")


async def test_closed_ticket_topic_refuses_relaying(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, anna, _thread = await staff_to_buyer(harness, uow_factory, clock)
    await anna.say("/close")
    reached = to_buyer(harness, buyer)
    # Anna is an administrator, so Telegram lets her write in the closed topic.
    await anna.say("One more thing I forgot")
    assert "This ticket is closed; nothing was sent" in anna.said
    assert to_buyer(harness, buyer) == reached
    assert not any("forgot" in t for t in to_buyer(harness, buyer))
    assert not any(c["from_chat"] == STAFF_CHAT for c in harness.desk.copies)


# ------------------------------------------------------------------ reopening


async def closed_ticket(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> tuple[Person, Person, int]:
    buyer, anna, thread = await staff_to_buyer(harness, uow_factory, clock)
    await anna.say("/close")
    assert thread in harness.desk.closed
    return buyer, anna, thread


async def test_writing_within_24_hours_reopens_the_same_ticket_and_topic(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, anna, thread = await closed_ticket(harness, uow_factory, clock)
    clock.advance(timedelta(hours=23))
    await buyer.say("About my earlier conversation")
    assert "I've reopened ticket #1" in buyer.said
    assert topic_lines(harness, thread)[-1] == (
        "🔄 Alex wrote again within 24 hours: ticket reopened."
    )
    assert harness.desk.copies[-1]["message_id"] == buyer.message_id  # then the words
    assert harness.desk.copies[-1]["thread_id"] == thread
    assert thread not in harness.desk.closed and harness.desk.topics[thread] == "#1 · Alex"
    assert list(harness.desk.topics) == [thread]
    [ticket] = await tickets(uow_factory)
    assert ticket.status == "open" and ticket.topic_id == thread
    await anna.say("Sorry to hear that!")
    assert to_buyer(harness, buyer)[-1] == "Anna:\nSorry to hear that!"


async def test_writing_after_25_hours_gets_the_bot_and_reopens_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _anna, thread = await closed_ticket(harness, uow_factory, clock)
    posted, copies = len(topic_lines(harness, thread)), len(harness.desk.copies)
    clock.advance(timedelta(hours=25))
    await buyer.say("About my earlier conversation")
    # The bot answers, not the closed ticket.
    answer = buyer.last_text
    assert answer and answer != "About my earlier conversation" and "ticket" not in answer
    assert thread in harness.desk.closed
    assert (len(topic_lines(harness, thread)), len(harness.desk.copies)) == (posted, copies)
    [ticket] = await tickets(uow_factory)
    assert ticket.status == "closed"


# ------------------------------------------------------------------ the buyer's own commands


async def test_buyer_commands_keep_working_and_are_not_relayed(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _anna, thread = await staff_to_buyer(harness, uow_factory, clock)
    posted, copies = len(topic_lines(harness, thread)), len(harness.desk.copies)
    await buyer.say("/orders")
    assert "Your orders" in buyer.said
    assert any(label.startswith(NUMBER) for label in shown(buyer))
    assert (len(topic_lines(harness, thread)), len(harness.desk.copies)) == (posted, copies)


async def test_buyer_in_the_middle_of_a_flow_is_not_relayed(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    buyer = harness.buyer(BUYER_ID, BUYER_NAME)
    await link(buyer)
    start = buyer.button("↩ Return or refund")
    thread = await escalated(harness, buyer)
    posted, copies = len(topic_lines(harness, thread)), len(harness.desk.copies)
    await buyer.press(start)
    await buyer.tap("Ceramic mug")
    await buyer.tap("1")
    await buyer.tap("Continue ›")
    await buyer.tap("Return and refund")
    await buyer.tap("Arrived damaged")
    assert "Photos" in buyer.last_text
    await buyer.photo(photo_jpeg("flow-photo"))
    assert "Got it: 1 photo" in buyer.said
    await buyer.say("the handle is cracked")  # kept for the note, not relayed to staff
    assert "pass that on to the seller" in buyer.said, buyer.said
    await buyer.say("hmm")
    assert "Please send photos now" in buyer.said
    assert (len(topic_lines(harness, thread)), len(harness.desk.copies)) == (posted, copies)


# ------------------------------------------------------------------ business hours


async def test_outside_business_hours_the_buyer_is_told_when_the_team_answers(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 17, 11, 30, tzinfo=UTC))  # a Saturday
    buyer = await buyer_with_order(harness, uow_factory, clock)
    async with uow_factory() as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        shop.settings = {**(shop.settings or {}), "business_hours": "Mon-Fri 09:00-18:00"}
        await uow.commit()
    await escalated(harness, buyer)
    assert "Our team is away right now; they'll answer from Jan 19, 09:00 UTC" in buyer.said
    [summary] = summaries(harness)
    assert "Told the requester we answer from Jan 19, 09:00 UTC." in summary


# ------------------------------------------------------------------ no staff chat


async def test_without_a_staff_chat_the_buyer_is_told_support_is_unavailable(
    harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    unconfigured = await harness.without_staff()
    buyer = unconfigured.buyer(BUYER_ID, BUYER_NAME)
    await buyer.say("/start")
    person = buyer.button("🙋 Talk to a person")
    await buyer.say("/human")
    assert "live support isn't available" in buyer.said
    await buyer.press(person)
    assert "live support isn't available" in buyer.said
    assert await ticket_count(uow_factory) == 0
    assert unconfigured.desk.topics == {} and unconfigured.desk.sent == []
