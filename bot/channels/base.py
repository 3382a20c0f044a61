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
from bot.services.outbox import (
    REPLY_KIND,
    Notification,
    OutboxWorker,
    Parts,
    PermanentSendError,
    TransientSendError,
    reply_delay,
)
from handlers.catalog import Catalog
from handlers.core import ChatCore
from handlers.notifications import render
from handlers.types import (
    AnswerButton,
    ChatAction,
    Inbound,
    Outbound,
    SendText,
    SetCommands,
    action_from_json,
    is_ephemeral,
)

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
MAX_INLINE_RETRY_AFTER = 5  # a desk call waits this long for a rate limit, then gives up
# A callback query must be answered within ~15 s of the press or Telegram refuses it;
# retries of the answer stop well before.
ANSWER_WITHIN = 10.0
# Telegram's answer to an edit that changes nothing: the message already shows it.
_NOT_MODIFIED = "message is not modified"

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
        # The outbox worker that stores-then-sends replies (BotRunner attaches it);
        # without one, replies are sent directly (best effort).
        self.outbox: OutboxWorker | None = None

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
        await self.send_replies(inbound, actions)

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

    async def send_replies(self, inbound: Inbound, actions: list[Outbound]) -> None:
        """Carry out a handler's replies.  The chat core stored the durable ones with the
        conversation state (one row per update); they are sent now, by this task, with
        retries, and the row is the record of which parts went out.  Button answers and
        "typing…" are not stored: they go at once, alongside."""
        quick = [a for a in actions if is_ephemeral(a)]
        durable = [a for a in actions if not is_ephemeral(a)]
        answering = asyncio.create_task(self._send_quick(quick)) if quick else None
        try:
            if durable and self.outbox is not None:
                calls = _calls(durable)

                async def send(parts: Parts) -> None:
                    await self.send_parts(calls, parts)

                await self.outbox.send_reply_now(
                    inbound.channel,
                    inbound.update_id,
                    inbound.chat_id,
                    send,
                    thread_id=inbound.thread_id,
                )
            elif durable:
                await self.send_all(durable)
        finally:
            if answering is not None:
                await answering

    async def _send_quick(self, actions: list[Outbound]) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        for action in actions:
            tries = 0
            while True:
                try:
                    await self.perform(action)
                    break
                except TransientSendError as exc:
                    delay = reply_delay(exc, tries)
                    tries += 1
                    if isinstance(action, AnswerButton) and (
                        loop.time() + delay - started <= ANSWER_WITHIN
                    ):
                        await asyncio.sleep(delay)
                        continue
                    log.warning("button answer not delivered", extra={"error": str(exc)})
                    break
                except PermanentSendError as exc:
                    log.warning("button answer not delivered", extra={"error": str(exc)})
                    break

    async def send_all(self, actions: list[Outbound]) -> None:
        """Carry out actions in order without storing them.  A refused action is logged,
        never raised into the library's update loop (that would only print a traceback
        and lose the rest)."""
        for action in actions:
            try:
                await self.perform(action, wait_rate_limit=True)
            except (TransientSendError, PermanentSendError) as exc:
                log.warning("reply not delivered", extra={"error": str(exc)})

    async def send_parts(self, calls: list[ApiCall], parts: Parts) -> None:
        """Make `calls[parts.done:]` in order, recording each accepted one in `parts`.

        A part Telegram refuses for good (a photo it cannot process, a message gone) is
        logged and skipped: the parts after it still go out.  A transient failure
        stops here (raised; the caller retries from `parts.done`), as does a chat that
        blocked the bot.  A call that got no answer may have arrived: it is retried
        once, and counted as gone out if that retry gets no answer either."""
        total = len(calls)
        while parts.done < total:
            index = parts.done
            call = calls[index]
            try:
                await self.call(call)
            except TransientSendError as exc:
                if exc.ambiguous:
                    retry = await parts.unanswered(index, total)
                    log.warning(
                        "no answer to a send: it may have arrived",
                        extra={"method": call.method, "part": index, "retry": retry},
                    )
                    if not retry:
                        continue
                raise
            except PermanentSendError as exc:
                if exc.unreachable:
                    raise
                if _NOT_MODIFIED in str(exc):  # already shows what we wanted
                    await parts.accepted(index, total)
                    continue
                await parts.refused_for_good(index, total, f"{call.method}: {exc}")
                continue
            await parts.accepted(index, total)

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

    async def deliver(self, notification: Notification, parts: Parts | None = None) -> None:
        """Outbox delivery: render through the catalog (or, for stored replies, read the
        actions back), then send the parts not yet sent.  Errors propagate so the
        outbox retries (transient) or gives up (permanent)."""
        if notification.kind == REPLY_KIND:
            actions = [action_from_json(a) for a in notification.params["actions"]]
        else:
            actions = render(notification)
        await self.send_parts(_calls(actions), parts if parts is not None else Parts())


def _calls(actions: list[Outbound]) -> list[ApiCall]:
    return [call for action in actions for call in api_calls(action)]
