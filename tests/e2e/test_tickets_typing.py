"""Tickets and typed text through the real stacks (aiogram and python-telegram-bot
against the emulator's staff forum): what is channel-specific about issue 12.2 —
a typed rating after a close lands in the closed topic without reopening it, a reopen
reopens the topic and offers "Start fresh" (which closes the topic again and edits its
message), staff reopen a ticket with `/reopen N` from the main thread, and the link
step stays reachable while a ticket is open.  The rest is covered in process
(tests/flows/test_tickets_typing.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.emulator import ScriptedUser, TelegramEmulator
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.staff_helpers import (
    STAFF_BUYER_ID,
    STAFF_BUYER_NAME,
    Message,
    StaffForum,
    escalate_by_command,
    staff_buttons,
    staff_forum,
    staff_settings,
    ticket_rows,
    topic_of,
    wait_for_edit,
)
from tests.e2e.test_buyer_orders import link
from tests.factories import make_order

SECOND = "578000000000000002"


@pytest.fixture(params=["aiogram", "ptb"])
def framework(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return staff_settings(settings)


@pytest.fixture
def forum(emulator: TelegramEmulator) -> StaffForum:
    return staff_forum(emulator)


@pytest.fixture
async def bot(
    app: App, emulator: TelegramEmulator, forum: StaffForum, framework: str
) -> AsyncIterator[BotProcess]:
    process = BotProcess(app, emulator, framework=framework)
    await process.start()
    yield process
    await process.stop()


async def closed_ticket(
    emulator: TelegramEmulator, forum: StaffForum, uow: UnitOfWorkFactory, clock: FakeClock
) -> tuple[ScriptedUser, int]:
    """Alex linked an order, asked for a person, and Anna closed the ticket."""
    await make_order(uow, clock)
    buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME)
    await buyer.send("/start")
    await buyer.wait_message()
    await link(buyer)
    opened = await escalate_by_command(buyer, forum)
    thread = opened.thread_id
    await forum.agent.send("/close", chat=forum.group, thread_id=thread)
    closed = await buyer.wait_message()
    assert "closed ticket #1" in closed["text"]
    await emulator.wait_until(lambda: topic_of(forum, thread).closed)
    await forum.group.wait_message(thread_id=thread)  # "✅ Closed by Anna ..."
    return buyer, thread


async def bot_said(emulator: TelegramEmulator, forum: StaffForum, part: str) -> Message:
    """The bot's message in the staff group (any thread) that contains `part`."""

    def probe() -> Message | None:
        found = [m for m in forum.group.messages(from_bot=True) if part in (m.get("text") or "")]
        return found[-1] if found else None

    return await emulator.wait_until(probe)


def threads_saying(forum: StaffForum, part: str) -> set[int | None]:
    """The threads of the staff group where the bot said something containing `part`."""
    return {
        m.get("message_thread_id")
        for m in forum.group.messages(from_bot=True)
        if part in (m.get("text") or "")
    }


async def test_a_typed_rating_rates_the_ticket_in_its_closed_topic(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await closed_ticket(emulator, forum, uow_factory, clock)
    await buyer.send("5 stars!")
    thanked = await buyer.wait_message()
    assert "Thank you for rating us ⭐⭐⭐⭐⭐!" in thanked["text"]
    assert staff_buttons(thanked) == ["No, thanks"]
    rated = await forum.group.wait_message(thread_id=thread)
    assert rated["text"] == "Rating: ⭐⭐⭐⭐⭐ (5/5)"
    assert topic_of(forum, thread).closed
    assert not any(m.get("text") == "5 stars!" for m in forum.group.messages(thread))
    [ticket] = await ticket_rows(uow_factory)
    assert (ticket.status, ticket.rating) == ("closed", 5)


async def test_reopen_start_fresh_and_staff_reopen_move_the_topic(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await closed_ticket(emulator, forum, uow_factory, clock)
    clock.advance(timedelta(hours=3))
    await buyer.send("About my earlier conversation")
    told = await buyer.wait_message()
    assert "I've reopened ticket #1" in told["text"]
    assert staff_buttons(told) == ["🆕 Start fresh instead"]
    await emulator.wait_until(lambda: not topic_of(forum, thread).closed)
    await emulator.wait_until(
        lambda: any(
            m.get("text") == "About my earlier conversation" for m in forum.group.messages(thread)
        )
    )
    # Start fresh: the same message says the ticket stays closed; the topic closes again.
    await buyer.press("🆕 Start fresh instead", message=told)
    await buyer.wait_callback_answer()
    await wait_for_edit(
        emulator,
        lambda: buyer.messages,
        told["message_id"],
        lambda m: "ticket #1 stays closed" in m["text"],
    )
    # ... and "About my earlier conversation" went to the bot after all (which asks
    # what it is about), not to staff again.
    answer = await buyer.wait_message()
    assert "ticket" not in answer["text"].lower()
    await emulator.wait_until(lambda: topic_of(forum, thread).closed)
    assert topic_of(forum, thread).name.startswith("✅ ")
    [ticket] = await ticket_rows(uow_factory)
    assert ticket.status == "closed"
    # Anna reopens it from the group's main thread: the topic opens, Alex is told.
    await forum.agent.send("/reopen 1", chat=forum.group)
    done = await bot_said(emulator, forum, "reopened by Anna")
    assert "Ticket #1 reopened by Anna. Alex was told." in done["text"]
    # Said where Anna asked (the main thread) and where the ticket lives (its topic).
    said_in = await emulator.wait_until(
        lambda: threads if len(threads := threads_saying(forum, "reopened by Anna")) == 2 else None
    )
    assert thread in said_in
    reopened = await buyer.wait_message()
    assert "Our team reopened ticket #1" in reopened["text"]
    await emulator.wait_until(lambda: not topic_of(forum, thread).closed)
    assert topic_of(forum, thread).name == "#1 · Alex"
    await buyer.send("Thanks for looking again")
    await emulator.wait_until(
        lambda: any(
            m.get("text") == "Thanks for looking again" for m in forum.group.messages(thread)
        )
    )
    await forum.agent.send("/reopen 1", chat=forum.group)
    await bot_said(emulator, forum, "Ticket #1 is already open.")


async def test_the_link_step_works_while_a_ticket_is_open(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await make_order(uow_factory, clock)
    await make_order(uow_factory, clock, number=SECOND, email="second@example.com")
    buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME)
    await buyer.send("/start")
    await buyer.wait_message()
    await link(buyer)
    opened = await escalate_by_command(buyer, forum)
    posted = len(forum.group.messages(opened.thread_id))
    card = await link(buyer, SECOND, "second@example.com")
    assert SECOND in card["text"]
    await buyer.send("The box was wet")
    copied = await forum.group.wait_message(thread_id=opened.thread_id)
    assert copied["text"] == "The box was wet"
    texts = [m.get("text") for m in forum.group.messages(opened.thread_id)]
    assert len(texts) == posted + 1
    assert SECOND not in " ".join(t or "" for t in texts[posted:])
    assert "second@example.com" not in " ".join(t or "" for t in texts)
