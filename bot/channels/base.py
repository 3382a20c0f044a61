"""What every Telegram channel does, whatever library moves the bytes.

A channel subclass supplies `call` (make one Bot API call, raising
`TransientSendError` / `PermanentSendError`) and `fetch_updates` (one getUpdates call,
giving the JSON dicts Telegram sent).  Receiving is shared, for both libraries and both
modes: the polling loop below, and the webhook route of the HTTP server
(`bot.web.telegram`) through `receive`, store each batch in the update inbox before
Telegram is told it arrived (the next offset, the HTTP 200), then handle it; a restart
first handles what a crash left stored but unhandled.  The libraries' own dispatchers
are not used: they acknowledge before handling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from bot.channels.desk import TelegramDesk
from bot.channels.telegram import ApiCall, api_calls, inbound_from_update, menu_call
from bot.services.desk import DeskError, StaffDirectory
from bot.services.inbox import UpdateInbox
from bot.services.outbox import (
    Notification,
    OutboxWorker,
    Parts,
    PermanentSendError,
    TransientSendError,
    reply_delay,
)
from handlers.catalog import Catalog
from handlers.core import ChatCore
from handlers.menus import menus_by_language
from handlers.notifications import actions_of
from handlers.types import (
    AnswerButton,
    ChatAction,
    Inbound,
    Outbound,
    SendText,
    SetCommands,
    is_ephemeral,
)

log = logging.getLogger(__name__)

# Edits too: a person who corrects a typo by editing is told to send it again, instead
# of hearing nothing (`ChatCore._route`).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]

POLL_TIMEOUT = 10  # seconds a getUpdates call waits for news
MAX_HANDLING = 256  # updates handled at once; beyond it receiving waits (backpressure)
DRAIN_SECONDS = 5.0  # on stop, how long updates being handled may finish
RETRY_MAX = 30.0  # longest pause between failed getUpdates / inbox attempts


# Seconds of work before the chat shows "typing…".  Long enough that ordinary replies
# never need it (under load, a short timer doubles the API calls: see the benchmark).
TYPING_AFTER = 2.0
TYPING_MAX_IN_FLIGHT = 10  # updates being handled at once beyond which no "typing…"
MAX_INLINE_RETRY_AFTER = 5  # a desk call waits this long for a rate limit, then gives up
# A callback query must be answered within ~15 s of the press or Telegram refuses it;
# retries of the answer stop well before.
ANSWER_WITHIN = 10.0
# A button's answer waits this long at most for the replies to go out first.
ANSWER_AFTER = 1.0
# Telegram's answer to an edit that changes nothing: the message already shows it.
_NOT_MODIFIED = "message is not modified"


class TelegramChannel(ABC):
    def __init__(
        self,
        core: ChatCore,
        *,
        bot_username: str | None = None,
        inbox: UpdateInbox | None = None,
    ) -> None:
        self.core = core
        self.bot_username = bot_username
        self.desk = TelegramDesk(self)
        # None only where nothing must survive a crash (then updates are handled as
        # they come, acknowledged at once).
        self.inbox = inbox
        self._in_flight = 0
        self._handling: dict[int, asyncio.Task[None]] = {}  # update id → its handling
        self._slots = asyncio.Semaphore(MAX_HANDLING)
        self._accepting = True
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

    async def register_menus(self) -> None:
        """The buyer's command menu in every private chat, once per catalog language
        (Telegram shows each person the one of their app's language).  Both
        frameworks' `setup` call this, so the menus are built in one place."""
        scope = {"type": "all_private_chats"}
        for language, commands in menus_by_language("buyer"):
            await self.call(menu_call(scope, commands, language))

    @abstractmethod
    async def fetch_updates(self, offset: int | None, wait: int) -> list[dict[str, Any]]:
        """One getUpdates call (offset acknowledges every update before it): the updates
        as the JSON dicts Telegram sent.  Raises whatever the library raises."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""

    # ------------------------------------------------------------------- in

    async def run_polling(self) -> None:
        """Long-poll until cancelled.  A batch is acknowledged (by the next call's
        offset) only once it is stored; if storing fails, the same batch is asked for
        again after a pause."""
        await self.call(ApiCall("deleteWebhook", {"drop_pending_updates": False}))
        await self.replay_pending()
        offset: int | None = None
        failures = 0
        while True:
            try:
                batch = await self.fetch_updates(offset, POLL_TIMEOUT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                pause = min(RETRY_MAX, 0.5 * 2**failures)
                log.warning(
                    "getUpdates failed", extra={"error": type(exc).__name__, "retry_in": pause}
                )
                await asyncio.sleep(pause)
                continue
            if not batch:
                failures = 0
                continue
            if not await self.receive(batch):
                failures += 1
                await asyncio.sleep(min(RETRY_MAX, 0.5 * 2**failures))
                continue
            failures = 0
            offset = max(int(update["update_id"]) for update in batch) + 1

    async def set_webhook(self, url: str, secret: str, max_connections: int | None = None) -> None:
        """Tell Telegram where to POST updates (the HTTP server, `bot.web`, serves
        them and hands verified ones to `receive`), over how many connections at once
        (sized for the number of worker processes: `bot.workers`)."""
        params: dict[str, Any] = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": ALLOWED_UPDATES,
        }
        if max_connections is not None:
            params["max_connections"] = max_connections
        await self.call(ApiCall("setWebhook", params))

    async def receive(self, batch: list[dict[str, Any]]) -> bool:
        """Store a batch and start handling it; True once it is stored (so Telegram may
        be told).  Handling starts at once, next to the insert: the inbox only has to
        be durable before the acknowledgement, not before the handler runs."""
        if not self._accepting:
            return False
        wanted: list[tuple[int, dict[str, Any], Inbound]] = []
        for update in batch:
            inbound = self._parse(update)
            if inbound is not None:
                wanted.append((inbound.update_id, update, inbound))
        stored = None
        if wanted and self.inbox is not None:
            pairs = [(update_id, update) for update_id, update, _ in wanted]
            stored = asyncio.create_task(self.inbox.record(pairs))
        for update_id, _, inbound in wanted:
            await self._schedule(update_id, inbound)
        if stored is not None:
            try:
                await stored
            except Exception as exc:
                log.error(
                    "updates not stored, so not acknowledged",
                    extra={"error": type(exc).__name__, "updates": len(wanted)},
                )
                return False
        return True

    async def replay_pending(self, received_before: datetime | None = None) -> None:
        """Handle what the last run stored but did not handle (a crash, a kill -9),
        before anything new: in update order, so a conversation keeps its order.  Of
        several workers, worker 0 does it for updates stored before the group started
        (`received_before`): later ones are being handled by whoever received them."""
        if self.inbox is None:
            return
        pending = await self.inbox.pending(received_before)
        if pending:
            log.info("handling updates left over from the last run", extra={"count": len(pending)})
        for update in pending:
            inbound = self._parse(update)
            if inbound is not None:
                await self._schedule(inbound.update_id, inbound)

    def _parse(self, update: dict[str, Any]) -> Inbound | None:
        try:
            return inbound_from_update(update, self.bot_username)
        except (KeyError, TypeError, ValueError):
            log.warning("malformed update ignored", extra={"update_id": update.get("update_id")})
            return None

    async def _schedule(self, update_id: int, inbound: Inbound) -> None:
        """Start handling one update unless it is already being handled (a batch sent
        again).  Tasks start in update order and take the conversation's lock before
        their first pause, so one chat's updates (an album) are handled in order."""
        if update_id in self._handling:
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._handle_one(update_id, inbound), name=f"update-{update_id}")
        self._handling[update_id] = task

    async def _handle_one(self, update_id: int, inbound: Inbound) -> None:
        try:
            await self.handle_inbound(inbound)
        except Exception:
            log.exception("update handling failed", extra={"update_id": update_id})
        finally:
            self._slots.release()
            self._handling.pop(update_id, None)

    async def stop(self) -> None:
        """Stop taking updates and let those being handled finish for a moment; what is
        cut short stays in the inbox and is handled on the next start."""
        self._accepting = False
        running = list(self._handling.values())
        if not running:
            return
        _done, late = await asyncio.wait(running, timeout=DRAIN_SECONDS)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def handle_inbound(self, inbound: Inbound) -> None:
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
            for language, commands in menus_by_language("staff"):
                await self.perform(SetCommands(staff.chat_id, commands, language))
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
        sending = asyncio.create_task(self._send_durable(inbound, durable)) if durable else None
        try:
            if quick:
                # The button's answer goes once the replies are out, as a person expects
                # (the spinner stops when the card has changed), but never waits on
                # retries: after ANSWER_AFTER it goes anyway.
                if sending is not None:
                    await asyncio.wait({sending}, timeout=ANSWER_AFTER)
                await self._send_quick(quick)
        finally:
            if sending is not None:
                await sending

    async def _send_durable(self, inbound: Inbound, durable: list[Outbound]) -> None:
        if self.outbox is None:
            await self.send_all(durable)
            return
        calls = _calls(durable)

        async def send(parts: Parts) -> None:
            await self.send_parts(calls, parts)

        await self.outbox.send_reply_now(
            inbound.channel, inbound.update_id, inbound.chat_id, send, thread_id=inbound.thread_id
        )

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
        actions = actions_of(notification)
        await self.send_parts(_calls(actions), parts if parts is not None else Parts())


def _calls(actions: list[Outbound]) -> list[ApiCall]:
    return [call for action in actions for call in api_calls(action)]
