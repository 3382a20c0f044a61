"""Chat core: route one `Inbound` to a handler and return the `Outbound` actions.

Routing order (first match wins):
0. in a private chat, typed text, a caption or a command's arguments go through the
   screen first (`ChatCore`'s `screen`, `handlers/cards.py`): a payment card number
   is refused there and nothing below sees it;
1. a command (`/cancel` must work in the middle of any flow);
2. a pressed button, by the prefix of its data (`o:42` → handler for `o`);
3. inside a flow (the conversation has a step), an album at a step that takes no
   photos is answered once, at its first picture (`Router.rest_of_album`); typed
   text is read first for the escapes that work from any step ("cancel", "talk to a
   person", "help", an order number that asks to switch; see `handlers.escapes`),
   then goes to the step's own handler.  A step with no text handler, or text the
   step cannot use, gets the step's prompt again with one line on what it expects:
   nothing typed inside a flow ever reaches the answer engine or staff;
4. by content: a shared contact, a photo or document, plain text.

Conversation state (step + draft) is loaded before the handler and saved after it, in
the database, keyed by (channel, chat, user): a restart or another worker process
continues the same conversation.

What one update costs (see `ChatCore._handle`):
- one statement reads whether the update was handled already, the conversation's step
  and draft, the person's stored profile and the language settings of their shop
  (`UpdateRepository.arrival`); on
  PostgreSQL it is preceded by the conversation's lock (`storage.locks.
  lock_conversation`), which holds other worker processes off this conversation
  until the save commits;
- the person's profile is written only when it changed (`OrderService.recognise`);
- the handler's own reads (the orders list and an order card are one statement each);
- one write records the update as handled, the chat log lines, the replies (the
  `reply_outbox` row the channel sends from) and the state if it changed, in one
  transaction (`UpdateRepository.record`: one statement on PostgreSQL; on SQLite one
  per table, shared with the other updates saved at the same moment, `GroupCommit`).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import html
import logging
import re
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.enums import OutboxStatus
from bot.domain.errors import DomainError
from bot.domain.language_detect import told_language
from bot.domain.languages import ShopLanguages, base_language
from bot.domain.text import blank, clean_line, clean_text
from bot.services.container import Services
from bot.services.desk import Desk
from bot.services.orders import Identity
from bot.services.outbox import LEASE
from handlers.buttons import ButtonData, button_args, int_arg
from handlers.catalog import Catalog, available_languages
from handlers.fit import CALLBACK, cut
from handlers.types import (
    AnswerButton,
    EditText,
    Inbound,
    Keyboard,
    Outbound,
    SendText,
    action_to_json,
    is_ephemeral,
)
from storage.locks import lock_conversation
from storage.repositories import Arrival, UpdateRecord
from storage.uow import UnitOfWork, UnitOfWorkFactory, lend_for_reads

log = logging.getLogger(__name__)

# Re-exported: handlers read button data through these (validated, see handlers.buttons).
__all__ = ["button_args", "int_arg"]

MAX_TEXT = 4000  # what we accept from a person; Telegram's own cap is 4096
OPEN_UPDATES = 8  # updates holding their own connection at once, per process
# A conversation's data key: the language its person last wrote in, when told from
# their text and not the one their replies would have anyway
# (`ChatCore._reply_language`).
WROTE_IN = "wrote_in"
# A conversation's data key: the album whose first picture the step answered.
ALBUM_ANSWERED = "album_answered"
# A conversation's data key: the seller's questions the buyer said a typed message did
# not answer (`handlers.buyer.claims.answer_typed`), so they are not offered again.
NOT_ANSWERS = "not_answers"
# A conversation's data key: the order whose card the buyer was shown last, and when
# (`handlers.buyer.views.show_card`): "it" in the next messages.
CARD_SHOWN = "card_shown"
# What the conversation remembers across its flows: not part of any draft.
_KEPT = (NOT_ANSWERS, CARD_SHOWN)


@dataclass
class State:
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def go(self, step: str | None, **data: Any) -> None:
        """Move to `step` with exactly this draft (None = out of any flow), keeping
        what the conversation remembers across flows (`_KEPT`)."""
        kept = {key: self.data[key] for key in _KEPT if key in self.data}
        self.step = step
        self.data = {**kept, **data}

    def clear(self) -> None:
        self.go(None)


FetchFile = Callable[[str], Awaitable[bytes]]


class Context:
    """What a handler gets: the inbound, who is asking, their state, the services,
    the catalog, and a list to put actions in."""

    def __init__(
        self,
        inbound: Inbound,
        user: Identity,
        state: State,
        services: Services,
        catalog: Catalog,
        fetch_file: FetchFile | None = None,
        desk: Desk | None = None,
        router: Router | None = None,
    ) -> None:
        self.inbound = inbound
        # The router, for re-showing a step's prompt (see `Router.prompts`).
        self.router = router
        # Downloads a file the person sent (channel-specific; None where unsupported).
        self.fetch_file = fetch_file
        # Live calls for handing over to staff (topics, copies); None where unsupported.
        self.desk = desk
        self.user = user
        self.state = state
        self.services = services
        self.catalog = catalog
        self.actions: list[Outbound] = []
        self.button_answered = False
        # The languages the person's shop speaks (what /language offers).
        self.languages: tuple[str, ...] = available_languages()

    def t(self, key: str, **params: Any) -> str:
        return self.catalog.t(key, **params)

    @property
    def chat_id(self) -> int:
        return self.inbound.chat_id

    def reply(self, text: str, keyboard: Keyboard | None = None, **options: Any) -> None:
        self.actions.append(
            SendText(self.chat_id, text, keyboard, thread_id=self.inbound.thread_id, **options)
        )

    def edit_or_reply(self, text: str, keyboard: Keyboard | None = None) -> None:
        """Replace the message whose button was pressed, or send a new one."""
        if self.inbound.button is not None and self.inbound.message_id is not None:
            self.actions.append(EditText(self.chat_id, self.inbound.message_id, text, keyboard))
        else:
            self.reply(text, keyboard)

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        if self.inbound.callback_id and not self.button_answered:
            # Telegram refuses a callback answer over 200 UTF-16 units.
            text = cut(text, CALLBACK) if text else text
            self.actions.append(AnswerButton(self.inbound.callback_id, text, alert))
            self.button_answered = True

    def add(self, action: Outbound) -> None:
        self.actions.append(action)


def pressed_under(ctx: Context, data: ButtonData, kept: str) -> tuple[dict[str, Any], str] | None:
    """A button pressed under an offer about something the person typed (outside any
    flow; the draft keeps the text under `kept`): the button's values and that text.
    None, with "this button no longer works", for forged data, or when the text is gone
    (another message came since) or a flow has begun."""
    pressed = data.unpack(ctx.inbound.button)
    text = ctx.state.data.get(kept)
    if pressed is None or not isinstance(text, str) or ctx.state.step is not None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return None
    ctx.answer()
    return pressed, text


def stamp(ctx: Context) -> str:
    """Now, as a time kept in the conversation's draft (`within` reads it back)."""
    return ctx.services.clock.now().isoformat()


def within(ctx: Context, stamped: object, window: timedelta) -> bool:
    """Whether a time kept in the draft (`stamp`) is no older than `window`; False for
    anything that is no such time (a draft from before it was kept, a value mangled)."""
    if not isinstance(stamped, str):
        return False
    try:
        at = datetime.fromisoformat(stamped)
    except ValueError:
        return False
    return ctx.services.clock.now() - at <= window


Handler = Callable[[Context], Awaitable[None]]
# Runs before routing in private chats; True when it handled the message itself
# (nothing else sees it then).  It may replace `ctx.inbound` with a copy whose text
# leaves out what must not be stored: the chat log is written from `ctx.inbound`.
Screen = Callable[[Context], Awaitable[bool]]


@dataclass
class Router:
    """Handlers registered by command, button prefix, step and content."""

    commands: dict[str, Handler] = field(default_factory=dict)
    buttons: dict[str, Handler] = field(default_factory=dict)
    steps: dict[str, Handler] = field(default_factory=dict)
    # Per step: shows the step's question again, with its buttons (for "help", for
    # text the step cannot use, and after "keep going" when asked to switch orders).
    prompts: dict[str, Handler] = field(default_factory=dict)
    # Steps whose answer may itself contain a long number (an order, tracking or phone
    # number, an amount): there a number is the answer, not a wish to switch orders.
    number_steps: set[str] = field(default_factory=set)
    # Steps whose own answers include words the escapes would take ("stop" at /settings
    # means "stop messaging me", not "leave"): text the predicate accepts goes to the
    # step's handler before the escapes are read; anything else ("cancel") as usual.
    step_words: dict[str, Callable[[str], bool]] = field(default_factory=dict)
    # Steps whose handlers take photos, each picture of an album as it comes (the
    # return's steps, an answer to the seller).  At any other step an album gets one
    # answer, to its first picture (`Router.rest_of_album`).
    photo_steps: set[str] = field(default_factory=set)
    # Per flow (a step's prefix, "ret" for "ret.qty"): what its Back button does, so
    # that a typed "back" or "go back" does the same.
    backs: dict[str, Handler] = field(default_factory=dict)
    # Inside a flow: the escapes, and text at a step without a text handler.
    on_escape: Handler | None = None
    on_step_text: Handler | None = None
    on_contact: Handler | None = None
    on_text: Handler | None = None
    on_other: Handler | None = None
    # After a command, given the step the conversation was at before it: says so when
    # the command ended that flow (`/start` mid-return drops the draft).
    on_flow_left: Callable[[Context, str], None] | None = None

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                self._put(self.commands, name, handler)
            return handler

        return register

    def button(self, *prefixes: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for prefix in prefixes:
                self._put(self.buttons, prefix, handler)
            return handler

        return register

    def step(
        self, *names: str, numbers: bool = False, photos: bool = False
    ) -> Callable[[Handler], Handler]:
        """The handler for what a person sends at these steps (text, photos, ...).
        `numbers=True`: the step's answer may be a long number (see `number_steps`).
        `photos=True`: the handler takes every picture of an album (`photo_steps`)."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self._put(self.steps, name, handler)
                if numbers:
                    self.number_steps.add(name)
                if photos:
                    self.photo_steps.add(name)
            return handler

        return register

    def prompt(self, *names: str) -> Callable[[Handler], Handler]:
        """The function that asks these steps' question again, with their buttons."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self._put(self.prompts, name, handler)
            return handler

        return register

    def back(self, *flows: str) -> Callable[[Handler], Handler]:
        """The handler of these flows' Back button, for a typed "back" as well."""

        def register(handler: Handler) -> Handler:
            for flow in flows:
                self._put(self.backs, flow, handler)
            return handler

        return register

    def include(self, other: Router) -> None:
        for mine, theirs in (
            (self.commands, other.commands),
            (self.buttons, other.buttons),
            (self.steps, other.steps),
            (self.prompts, other.prompts),
            (self.backs, other.backs),
        ):
            for key, handler in theirs.items():
                self._put(mine, key, handler)
        self.number_steps |= other.number_steps
        self.photo_steps |= other.photo_steps
        self.step_words.update(other.step_words)
        self.on_escape = other.on_escape or self.on_escape
        self.on_step_text = other.on_step_text or self.on_step_text
        self.on_contact = other.on_contact or self.on_contact
        self.on_text = other.on_text or self.on_text
        self.on_other = other.on_other or self.on_other
        self.on_flow_left = other.on_flow_left or self.on_flow_left

    @staticmethod
    def _put(table: dict[str, Handler], key: str, handler: Handler) -> None:
        if key in table:
            raise ValueError(f"{key!r} is registered twice")
        table[key] = handler

    def rest_of_album(self, inbound: Inbound, state: State) -> bool:
        """Whether this is the second or a later picture of an album sent at a step
        that takes no photos: Telegram delivers an album as one update per picture, and
        the first one's answer (what the step wants, its question again) was for all
        of them; five pictures at "Cancel order X?" asked it five times."""
        group = inbound.media_group_id
        if state.step is None or group is None or state.step in self.photo_steps:
            return False
        if state.data.get(ALBUM_ANSWERED) == group:
            return True
        state.data[ALBUM_ANSWERED] = group
        return False

    def resolve(self, inbound: Inbound, state: State) -> Handler | None:
        if inbound.command is not None:
            return self.commands.get(inbound.command) or self.commands.get("*")
        if inbound.button is not None:
            return self.buttons.get(inbound.button.split(":", 1)[0]) or self.buttons.get("*")
        if state.step is not None:
            if inbound.text is not None and self.on_escape is not None:
                return self.on_escape  # it hands over to the step when no escape is meant
            handler = self.steps.get(state.step) or self.on_step_text
            if handler is not None:
                return handler
            # A router without steps of its own (the staff chat's: its confirmation
            # waits for a tap while staff keep talking to the buyer): by content.
        if inbound.contact is not None and self.on_contact:
            return self.on_contact
        if inbound.text is not None:
            return self.on_text
        return self.on_other


class ChatCore:
    """Turns inbound events into actions.  Framework-free; every channel calls this."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        router: Router,
        services: Services,
        *,
        on_wrong_chat: Handler | None = None,
        staff_chat_id: int | None = None,
        on_staff_chat: Handler | None = None,
        screen: Screen | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._router = router
        self._services = services
        self._on_wrong_chat = on_wrong_chat
        # Everything said in the staff chat goes to the staff handlers (which check
        # membership first); other groups get the wrong-chat answer.
        self._staff_chat_id = staff_chat_id
        self._on_staff_chat = on_staff_chat
        # Reads what a person types in a private chat before anything else does (see
        # `Screen`): card numbers are refused there, inside a flow or out of one.
        self._screen = screen
        # One conversation is handled one update at a time (an album arrives as several
        # updates at once; they must not race over the same draft).
        self._locks: weakref.WeakValueDictionary[tuple[int, int, int | None], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        # An update holds its own connection (PostgreSQL: its unit of work; SQLite: its
        # read) while its handler's use cases take others; fewer updates at once than
        # the pool has connections (storage.db.POOL_SIZE) leaves the handlers theirs.
        # Without this, as many updates as connections could each hold one and wait
        # for a second one forever (the relay bench, 20 tickets at once, did on SQLite).
        self._open_updates = asyncio.Semaphore(OPEN_UPDATES)
        self._saves = GroupCommit(uow)  # SQLite
        # Known from the engine without a connection; asked once, not per update.
        self._one_process_store = uow(readonly=True).dialect != "postgresql"

    async def handle(
        self, inbound: Inbound, fetch_file: FetchFile | None = None, desk: Desk | None = None
    ) -> list[Outbound]:
        # Per topic too: one staff member works many tickets at once, and a slow send
        # to one buyer must not hold up their messages in every other topic.
        inbound = clean_inbound(inbound)
        key = (inbound.chat_id, inbound.user_id, inbound.thread_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            try:
                return await self._handle(inbound, fetch_file, desk)
            except Exception:
                # The store itself failed (locked, connection lost).  The person still
                # gets an answer, and since the update is not recorded as handled,
                # sending it again works once the store is back.
                log.exception("update failed", extra={"update_id": inbound.update_id})
                return _store_failure_reply(inbound)

    async def _handle(
        self, inbound: Inbound, fetch_file: FetchFile | None, desk: Desk | None
    ) -> list[Outbound]:
        """One update: read, handle, save (see the module's docstring for the order).

        PostgreSQL (several worker processes may share it): one unit of work from the
        conversation's lock to the save, so the lock spans the whole update; it is
        held only by the lock and the reads until the save, and the handler's use cases
        run in their own transactions on other connections.  SQLite (one process, the
        in-process lock suffices): the read, the handler, then the save, which goes
        out with the saves of other updates finished at the same moment.  On both, the
        handler's reads run on the connection of the update's own read
        (`lend_for_reads`): no second checkout, BEGIN and ROLLBACK per read."""
        if self._one_process_store:
            async with self._open_updates, self._uow(readonly=True) as uow:
                arrival = await self._arrive(uow, inbound)
                if arrival is None:
                    return []
                with lend_for_reads(await uow.session.connection()):
                    actions, record = await self._run(inbound, arrival, fetch_file, desk)
            return actions if await self._saves.save(record) else []
        async with self._open_updates, self._uow() as uow:
            await lock_conversation(
                uow.session, inbound.channel, inbound.chat_id, inbound.user_id, inbound.thread_id
            )
            arrival = await self._arrive(uow, inbound)
            if arrival is None:
                return []
            with lend_for_reads(await uow.session.connection()):
                actions, record = await self._run(inbound, arrival, fetch_file, desk)
            try:
                await uow.updates.record([record])
                await uow.commit()
            except IntegrityError:
                log.info("update handled concurrently", extra={"update_id": inbound.update_id})
                return []
            return actions

    @staticmethod
    async def _arrive(uow: UnitOfWork, inbound: Inbound) -> Arrival | None:
        """The update's handled mark, conversation and person (one statement); None
        for an update already handled."""
        arrival = await uow.updates.arrival(
            inbound.channel, inbound.update_id, inbound.chat_id, inbound.user_id
        )
        if arrival.seen:
            log.info("duplicate update skipped", extra={"update_id": inbound.update_id})
            return None
        return arrival

    async def _run(
        self, inbound: Inbound, arrival: Arrival, fetch_file: FetchFile | None, desk: Desk | None
    ) -> tuple[list[Outbound], UpdateRecord]:
        """Identify the person, route to the handler, and say what to save."""
        state = State(arrival.step, arrival.data or {})
        # A deep copy: handlers may change nested draft values in place.
        before = (state.step, copy.deepcopy(state.data))
        shop = ShopLanguages.from_settings(arrival.shop_settings, available_languages())
        language, told = self._reply_language(inbound, arrival, shop, state)
        # The person's stored language is what notifications are written in: the one
        # they write in when it can be told and differs from Telegram's, else Telegram's.
        user = await self._services.orders.recognise(
            arrival.user,
            inbound.channel,
            inbound.user_id,
            inbound.user_name,
            inbound.username,
            told or inbound.locale,
        )
        catalog = Catalog(language)
        ctx = Context(inbound, user, state, self._services, catalog, fetch_file, desk, self._router)
        ctx.languages = shop.supported
        try:
            await self._route(ctx)
        except DomainError as exc:
            # A use case refused; handlers normally say why, this is the safety net.
            log.info("domain error reached the core", extra={"error": type(exc).__name__})
            ctx.actions = [a for a in ctx.actions if isinstance(a, AnswerButton)]
            ctx.reply(ctx.t("common.generic_error"))
            state.step, state.data = before
        except Exception:
            log.exception("handler crashed", extra={"update_id": inbound.update_id})
            ctx.actions = [a for a in ctx.actions if isinstance(a, AnswerButton)]
            ctx.reply(ctx.t("common.generic_error"))
            state.step, state.data = before
        ctx.answer()  # every button press gets an answer, or the client spins
        self.remember_language(state, told)
        changed = (state.step, state.data) != before
        now = self._clock.now()
        record = UpdateRecord(
            channel=inbound.channel,
            update_id=inbound.update_id,
            chat_id=inbound.chat_id,
            user_id=inbound.user_id,
            at=now,
            # Kept a few days so a person taking over sees what was already said.
            # `ctx.inbound`: the screen may have masked what must not be kept.
            log=_exchange(ctx.inbound, ctx.actions) if inbound.is_private else [],
            replies=_stored_replies(inbound, ctx.actions, now),
            state=(state.step, state.data) if changed else None,
        )
        return ctx.actions, record

    def _reply_language(
        self, inbound: Inbound, arrival: Arrival, shop: ShopLanguages, state: State
    ) -> tuple[str, str | None]:
        """The language of this update's replies (`bot.domain.languages`): the
        person's choice, else the language of what they just typed when it can be
        told (`told_language`: a sentence, a short question, or small talk only one
        language says, "gracias!!"), else the one they last wrote in, else
        Telegram's, else the shop's default; in the staff group, which everyone
        shares, the shop's staff language.  Also the language told from the text (or
        remembered) when it is not the one the reply would have without it (else
        None): the conversation keeps it (`remember_language`).

        It sticks for the conversation, in a flow or out of one, until they write
        clearly in another language or choose one: a buyer who wrote "hola" and then
        types "ok", "no", an order number or an email, or taps a button or sends
        /orders, wrote nothing in any language, and expects the Spanish they were
        just answered in, not Telegram's setting (often only the phone's language)
        back in between.  Kept in the conversation, and stored on the person too (in
        place of Telegram's), so that what the bot sends on its own (a seller's
        decision, staff closing a ticket) reads in it as well: someone who writes only
        Spanish on an English phone was sent those in English.  A chosen language is
        not touched by it."""
        if inbound.chat_id == self._staff_chat_id:
            return shop.staff, None
        known = arrival.user
        if known is not None and known.language_chosen:
            return shop.pick(chosen=known.language), None
        typed = inbound.text if inbound.command is None and inbound.button is None else None
        detected = told_language(typed, shop.supported)
        otherwise = shop.pick(telegram=inbound.locale)
        if detected is None:
            remembered = state.data.get(WROTE_IN)
            detected = remembered if isinstance(remembered, str) else None
        language = shop.pick(detected=detected, telegram=inbound.locale)
        return language, (language if language != otherwise else None)

    @staticmethod
    def remember_language(state: State, told: str | None) -> None:
        """Keep a language told from the text in the conversation (whatever the
        handler did to the draft), so the next replies answer in it; forget it once
        the replies would be in it anyway."""
        if told is not None:
            state.data[WROTE_IN] = told
        elif WROTE_IN in state.data:
            del state.data[WROTE_IN]

    async def _route(self, ctx: Context) -> None:
        inbound = ctx.inbound
        if inbound.chat_id == self._staff_chat_id and self._on_staff_chat is not None:
            await self._on_staff_chat(ctx)
            return
        if not inbound.is_private and self._on_wrong_chat is not None:
            await self._on_wrong_chat(ctx)
            return
        # The screen before the length check: a message refused for its length is
        # still kept in the chat log, and must not keep a card number there.
        if self._screen is not None and await self._screen(ctx):
            return
        if inbound.edited:
            # An edit changes a message the bot has answered already: acting on it now
            # would answer a step long gone (or repeat one), so the person is told
            # to send it again, and nothing changes.  Before, nothing at all was said.
            ctx.reply(ctx.t("common.edited"))
            return
        text = inbound.text
        if text is not None and inbound.command is None and len(text) > MAX_TEXT:
            ctx.reply(ctx.t("common.too_long", length=len(text), limit=MAX_TEXT))
            return
        if self._router.rest_of_album(inbound, ctx.state):
            return
        handler = self._router.resolve(inbound, ctx.state)
        if handler is None:
            if inbound.button is not None:
                ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
            return
        # A command may end the flow the person was in (`/start`, `/human`, another
        # flow's command): the router's hook says so, not each command.
        was_at = ctx.state.step if inbound.command is not None else None
        await handler(ctx)
        if was_at is not None and self._router.on_flow_left is not None:
            self._router.on_flow_left(ctx, was_at)


class GroupCommit:
    """SQLite: the saves of updates that finish at the same moment go to the database
    together, in one transaction with one statement per table (SQLite has one writer
    at a time anyway, so they would otherwise queue for it one by one).

    Each save still commits its update's handled mark, chat log, replies and state
    together, before its replies go out.  If the batch meets an update another
    worker already recorded, the saves are written again one by one, so only that
    one is refused.  The batch runs in its own task: a caller that gives up waiting
    does not cancel the others' saves."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        self._waiting: list[tuple[UpdateRecord, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def save(self, record: UpdateRecord) -> bool:
        """True once the record is committed; False if the update was recorded
        already (by another worker); raises what the store raised."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        # Read the outcome even when nobody waits any more (no "never retrieved").
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._waiting.append((record, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        return await asyncio.shield(done)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                outcomes = await self._write([record for record, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), outcome in zip(batch, outcomes, strict=True):
                if not done.done():
                    done.set_result(outcome)

    async def _write(self, records: list[UpdateRecord]) -> list[bool]:
        try:
            await self._commit(records)
            return [True] * len(records)
        except IntegrityError:
            if len(records) == 1:
                log.info("update handled concurrently", extra={"update_id": records[0].update_id})
                return [False]
        return [(await self._write([record]))[0] for record in records]

    async def _commit(self, records: list[UpdateRecord]) -> None:
        async with self._uow() as uow:
            await uow.updates.record(records)
            await uow.commit()


def _stored_replies(inbound: Inbound, said: list[Outbound], now: datetime) -> dict[str, Any] | None:
    """The row that commits the replies with the state they answer, so a crash right
    after the commit cannot lose them: the channel sends them from it at once, and the
    outbox worker sends what is left after a crash (its lease keeps the worker away
    while this process is still sending).  None when there is nothing worth storing."""
    durable = [action_to_json(a) for a in said if not is_ephemeral(a)]
    if not durable:
        return None
    return {
        "channel": inbound.channel,
        "update_id": inbound.update_id,
        "chat_id": inbound.chat_id,
        "payload": {"actions": durable},
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "parts_done": 0,
        "next_attempt_at": now + LEASE,
        "created_at": now,
    }


_TAGS = re.compile(r"<[^>]+>")
_LOGGED_CHARS = 500


def _exchange(inbound: Inbound, said: list[Outbound]) -> list[tuple[str, str]]:
    """The lines of one exchange worth showing staff: what the person wrote or sent,
    and the bot's text replies (as plain text)."""
    lines: list[tuple[str, str]] = []
    if inbound.command is not None:
        lines.append(("in", f"/{inbound.command} {inbound.args}".strip()))
    elif inbound.button is None:
        kind = "photo" if inbound.photo else "document" if inbound.document else inbound.other
        text = inbound.text or ""
        if kind or text:
            lines.append(("in", (f"[{kind}] " if kind else "") + text))
    for action in said:
        if isinstance(action, SendText | EditText) and action.chat_id == inbound.chat_id:
            lines.append(("out", html.unescape(_TAGS.sub("", action.text))))
    return [(d, t[:_LOGGED_CHARS]) for d, t in lines if t.strip()]


def clean_inbound(inbound: Inbound) -> Inbound:
    """The inbound without characters no store takes (NUL, other controls, lone
    surrogates) in what people wrote: names, text, arguments, file names.  Every
    channel's updates pass here first, so no handler or service sees them."""
    document, contact = inbound.document, inbound.contact
    forwarded = inbound.forwarded_from
    if document is not None and document.file_name is not None:
        document = dataclasses.replace(document, file_name=clean_line(document.file_name))
    if contact is not None:
        contact = dataclasses.replace(contact, phone=clean_line(contact.phone))
    return dataclasses.replace(
        inbound,
        user_name=clean_line(inbound.user_name),
        username=clean_line(inbound.username) if inbound.username is not None else None,
        locale=clean_line(inbound.locale) if inbound.locale is not None else None,
        text=_text_of(inbound.text),
        args=clean_text(inbound.args),
        document=document,
        contact=contact,
        forwarded_from=clean_line(forwarded) if forwarded is not None else None,
    )


def _text_of(text: str | None) -> str | None:
    """What a person wrote, cleaned; a message that shows nothing (only zero-width or
    other invisible characters) is the empty message it looks like, for every handler:
    not a word the answer engine reads, a note, or something to relay to staff."""
    if text is None:
        return None
    return "" if blank(text) else clean_text(text)


def _language(locale: str | None) -> str:
    return base_language(locale) or "en"


def _store_failure_reply(inbound: Inbound) -> list[Outbound]:
    text = Catalog(_language(inbound.locale)).t("common.generic_error")
    actions: list[Outbound] = []
    if inbound.callback_id:
        actions.append(AnswerButton(inbound.callback_id))
    actions.append(SendText(inbound.chat_id, text, thread_id=inbound.thread_id))
    return actions
