"""Shared pieces for end-to-end tests of the staff hand-over: the staff forum, the people
in it, opening a ticket the way a buyer does, and reading what ended up where.

Use `staff_settings(settings)` in a module's `settings` fixture override, create the
forum with `staff_forum(emulator)` *before* the bot starts (the bot learns at start
whether the staff chat has topics), then `start_bot(app, emulator)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.config import Settings
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.emulator.groups import Supergroup
from bot.emulator.models import Topic
from storage.models import ChatUser, Ticket
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess

Message = dict[str, Any]

STAFF_CHAT_ID = -1001000000001
STAFF_AGENT_ID = 7001
STAFF_AGENT_NAME = "Anna"
STAFF_BUYER_ID = 5001
STAFF_BUYER_NAME = "Alex"


def staff_settings(settings: Settings) -> Settings:
    """The test settings with the staff chat configured."""
    return settings.model_copy(update={"staff_chat_id": STAFF_CHAT_ID})


@dataclass
class StaffForum:
    """The staff forum supergroup and the agent working in it."""

    group: Supergroup
    agent: ScriptedUser


def staff_forum(
    emulator: TelegramEmulator,
    *,
    members: dict[int, str] | None = None,
    bot_can_manage_topics: bool = True,
) -> StaffForum:
    """The staff supergroup with topics, Anna as an administrator (plus `members`)."""
    agent = emulator.user(STAFF_AGENT_ID, STAFF_AGENT_NAME)
    group = emulator.supergroup(
        STAFF_CHAT_ID,
        "Support",
        forum=True,
        members={STAFF_AGENT_ID: "administrator", **(members or {})},
        bot_can_manage_topics=bot_can_manage_topics,
    )
    return StaffForum(group, agent)


async def start_bot(app: App, emulator: TelegramEmulator) -> BotProcess:
    process = BotProcess(app, emulator)
    await process.start()
    return process


def staff_buttons(message: Message) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["text"] for row in rows for b in row]


def text_of(message: Message) -> str:
    """What a person reads on a message: its text or caption."""
    return str(message.get("text") or message.get("caption") or "")


def texts_of(messages: list[Message]) -> list[str]:
    return [text_of(m) for m in messages]


@dataclass
class Escalated:
    """A ticket as the two sides first see it."""

    told: Message  # what the requester was told
    summary: Message  # the first post of the ticket's topic
    thread_id: int


async def escalate_by_command(buyer: ScriptedUser, forum: StaffForum) -> Escalated:
    """The buyer sends /human; returns what they were told and the topic's summary."""
    await buyer.send("/human")
    told = await buyer.wait_message()
    summary = await forum.group.wait_message()
    return Escalated(told, summary, summary["message_thread_id"])


def topic_of(forum: StaffForum, thread_id: int) -> Topic:
    topic = forum.group.topics.get(thread_id)
    assert topic is not None, f"topic {thread_id} is gone: {forum.group.topics}"
    return topic


async def chat_user_id(uow_factory: UnitOfWorkFactory, telegram_id: int) -> int:
    """The bot's own id for a Telegram user (what TicketService takes)."""
    async with uow_factory(readonly=True) as uow:
        found = await uow.session.scalar(
            select(ChatUser.id).where(ChatUser.external_id == telegram_id)
        )
    assert found is not None, f"user {telegram_id} never wrote to the bot"
    return int(found)


async def ticket_rows(uow_factory: UnitOfWorkFactory) -> list[Ticket]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(Ticket).order_by(Ticket.id)))


async def ticket_count(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def set_shop_settings(
    uow_factory: UnitOfWorkFactory, code: str = "acme", **values: Any
) -> None:
    """Merge `values` into a shop's settings JSON (as the shop admin would)."""
    async with uow_factory() as uow:
        shop = await uow.shops.get_by_code(code)
        assert shop is not None, f"no shop {code!r}"
        shop.settings = {**(shop.settings or {}), **values}
        await uow.commit()


async def wait_for_edit(
    emulator: TelegramEmulator,
    messages: Callable[[], list[Message]],
    message_id: int,
    looks: Callable[[Message], bool],
) -> Message:
    """Message `message_id` (among `messages()`, e.g. `lambda: buyer.messages`) once it
    looks as expected: edits go out after a button's answer, so wait for them."""

    def probe() -> Message | None:
        for message in messages():
            if message["message_id"] == message_id and looks(message):
                return message
        return None

    return await emulator.wait_until(probe)
