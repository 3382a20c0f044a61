"""What every Telegram channel does, whatever library moves the bytes.

A channel subclass supplies two things: `call` (make one Bot API call, raising
`TransientSendError` / `PermanentSendError`) and its own update loop, which hands each
update to `handle_raw` as the JSON dict Telegram sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.channels.desk import TelegramDesk
from bot.channels.telegram import ApiCall, api_calls, inbound_from_update
from bot.services.desk import DeskError, StaffDirectory
from bot.services.outbox import Notification, PermanentSendError, TransientSendError
from handlers.catalog import Catalog
from handlers.core import ChatCore
from handlers.notifications import render
from handlers.types import ChatAction, Outbound, SendText, SetCommands

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # public HTTPS URL Telegram posts to
    secret: str | None  # checked against X-Telegram-Bot-Api-Secret-Token
    host: str
    port: int

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


# Seconds of work before the chat shows "typing…".  Long enough that ordinary replies
# never need it (under load, a short timer doubles the API calls: see the benchmark).
TYPING_AFTER = 2.0
TYPING_MAX_IN_FLIGHT = 10  # updates being handled at once beyond which no "typing…"
MAX_INLINE_RETRY_AFTER = 5  # a reply waits this long for a rate limit, then gives up

BUYER_COMMANDS = {
    "start": "Main menu",
    "orders": "My orders and where they are",
    "help": "What I can do",
    "cancel": "Stop what we're doing",
    "human": "Talk to a person",
}

STAFF_COMMANDS = {
    "tickets": "Open tickets, waiting times, assignees",
    "note": "Internal note on this ticket (never sent)",
    "transcript": "The whole conversation as a file",
    "close": "Close this ticket and ask for a rating",
}


class TelegramChannel(ABC):
    def __init__(self, core: ChatCore, *, bot_username: str | None = None) -> None:
        self.core = core
        self.bot_username = bot_username
        self.desk = TelegramDesk(self)
        self._in_flight = 0

    @abstractmethod
    async def call(self, call: ApiCall) -> Any:
        """Make one Bot API call; map library errors to Transient/PermanentSendError."""

    @abstractmethod
    async def fetch_file(self, file_id: str) -> bytes:
        """Download a file a person sent; raise FileUnavailable (too_big when Telegram
        refuses the size)."""

    @abstractmethod
    async def setup(self) -> None:
        """Connect, learn the bot's username, register the command menus."""

    @abstractmethod
    async def run_polling(self) -> None:
        """Receive updates until stopped or cancelled."""

    @abstractmethod
    async def run_webhook(self, hook: WebhookConfig) -> None:
        """Register the webhook with Telegram and serve it until cancelled."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop receiving updates (idempotent)."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""

    # ------------------------------------------------------------------- in

    async def handle_raw(self, update: dict[str, Any]) -> None:
        inbound = inbound_from_update(update, self.bot_username)
        if inbound is None:
            return
        # Under a backlog every update takes long, and a "typing…" per update would only
        # add a call each (measured: a third fewer relayed messages/s); shed it then.
        typing = None
        if self._in_flight < TYPING_MAX_IN_FLIGHT:
            typing = asyncio.create_task(self._typing_later(inbound.chat_id, inbound.thread_id))
        self._in_flight += 1
        try:
            actions = await self.core.handle(inbound, self.fetch_file, self.desk)
        finally:
            self._in_flight -= 1
            if typing is not None:
                typing.cancel()
        await self.send_all(actions)

    async def _typing_later(self, chat_id: int, thread_id: int | None) -> None:
        await asyncio.sleep(TYPING_AFTER)
        action = ChatAction(chat_id)
        with contextlib.suppress(TransientSendError, PermanentSendError):  # cosmetic only
            await self.perform(action)

    async def check_staff_chat(self, staff: StaffDirectory) -> None:
        """Learn how the staff chat works (topics or replies) and say clearly, in the
        log and in the chat itself, what is missing."""
        if staff.chat_id is None:
            log.warning("STAFF_CHAT_ID is not set: buyers asking for a person are told so")
            return
        try:
            info = await self.desk.chat_info(staff.chat_id)
        except DeskError as exc:
            log.error(
                "staff chat unreachable: add the bot to STAFF_CHAT_ID as an admin",
                extra={"error": str(exc)},
            )
            return
        staff.info = info
        catalog = Catalog()
        problem = None
        if not info.is_forum:
            log.warning("staff chat has no topics: tickets are relayed by replies in the group")
        elif not info.can_manage_topics:
            log.error(
                "the bot may not manage topics in the staff chat: make it an admin with "
                "'Manage topics'; until then tickets are relayed by replies in the group"
            )
            problem = catalog.t("staff.no_topic_rights")
        with contextlib.suppress(TransientSendError, PermanentSendError):
            await self.perform(SetCommands(staff.chat_id, tuple(STAFF_COMMANDS.items())))
            if problem:
                await self.perform(SendText(staff.chat_id, problem))
        log.info("staff chat ready", extra={"mode": info.mode})

    # ------------------------------------------------------------------ out

    async def send_all(self, actions: list[Outbound]) -> None:
        """Carry out replies in order.  A refused reply is logged, never raised into the
        library's update loop (that would only print a traceback and lose the rest)."""
        for action in actions:
            try:
                await self.perform(action, wait_rate_limit=True)
            except (TransientSendError, PermanentSendError) as exc:
                log.warning("reply not delivered", extra={"error": str(exc)})

    async def perform(self, action: Outbound, *, wait_rate_limit: bool = False) -> list[Any]:
        results = []
        for call in api_calls(action):
            try:
                results.append(await self.call(call))
            except TransientSendError as exc:
                retry = exc.retry_after
                if not (wait_rate_limit and retry and retry <= MAX_INLINE_RETRY_AFTER):
                    raise
                await asyncio.sleep(retry)
                results.append(await self.call(call))
        return results

    async def deliver(self, notification: Notification) -> None:
        """Outbox delivery: render through the catalog, then send.  Errors propagate so
        the outbox retries (transient) or gives up (permanent)."""
        for action in render(notification):
            await self.perform(action)
