"""In-process conversation harness: `Inbound` values straight into `ChatCore`, its
`Outbound` actions back, with no HTTP and no Telegram library in between.

Most flow tests (typed steps, escapes, routing) run here, in milliseconds; the
end-to-end layer (`tests/e2e`, the real aiogram and python-telegram-bot stacks against
the Bot API emulator) covers what is channel-specific.

    async def test_typed_quantity(harness: Harness) -> None:
        buyer = harness.buyer()
        await buyer.say("I want to return the mug")
        assert "How many" in buyer.last_text
        await buyer.press(buyer.button("Continue"))

The harness uses the real services, router and store (the test database); only the
channel is replaced: `FakeDesk` plays the staff chat's live calls (topics, copies,
membership) and records them.  People send text, commands, button presses, photos (one
by one or as an album), documents, shared contacts and stickers, and edit and forward
messages; what the bot tells someone else (a seller, a buyer) goes through the outbox,
which `Harness.flush` runs once, and lands in that person's `news`.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from bot.app import App
from bot.services.container import Services
from bot.services.desk import StaffChatInfo, ThreadGone
from bot.services.outbox import Notification, Parts
from handlers.core import ChatCore
from handlers.notifications import actions_of
from handlers.types import (
    AnswerButton,
    Button,
    DocumentFile,
    EditText,
    Inbound,
    Outbound,
    PhotoFile,
    SendText,
    SharedContact,
)

CHANNEL = "telegram"
STAFF_CHAT = -100777
_TAGS = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A message's HTML as the person reads it."""
    return html.unescape(_TAGS.sub("", text))


@dataclass
class FakeDesk:
    """The staff chat's live calls, in memory: a forum where the bot may manage topics."""

    members: set[int] = field(default_factory=set)
    topics: dict[int, str] = field(default_factory=dict)
    closed: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)  # topics staff deleted
    copies: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Outbound] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))

    async def chat_info(self, chat_id: int) -> StaffChatInfo:
        return StaffChatInfo(chat_id, "Support", True, True, True)

    async def member_status(self, chat_id: int, user_id: int) -> str:
        return "member" if user_id in self.members else "left"

    async def create_topic(self, chat_id: int, name: str) -> int:
        thread = next(self._ids)
        self.topics[thread] = name
        return thread

    def delete_topic(self, thread_id: int) -> None:
        """A staff member deletes a topic: from then on Telegram refuses anything sent
        to it or done with it ("message thread not found")."""
        self.topics.pop(thread_id, None)
        self.deleted.add(thread_id)

    def _exists(self, thread_id: int | None) -> None:
        if thread_id is not None and thread_id in self.deleted:
            raise ThreadGone(f"message thread {thread_id} not found")

    async def rename_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        self._exists(thread_id)
        self.topics[thread_id] = name

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        self._exists(thread_id)
        self.closed.add(thread_id)

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        self._exists(thread_id)
        self.closed.discard(thread_id)

    async def copy(
        self,
        *,
        to_chat: int,
        from_chat: int,
        message_id: int,
        thread_id: int | None = None,
        reply_to: int | None = None,
        caption: str | None = None,
    ) -> int:
        self._exists(thread_id)
        new_id = next(self._ids)
        self.copies.append(
            {
                "to_chat": to_chat,
                "from_chat": from_chat,
                "message_id": message_id,
                "thread_id": thread_id,
                "caption": caption,
                "new_id": new_id,
            }
        )
        return new_id

    async def send(self, action: Outbound) -> int | None:
        self._exists(getattr(action, "thread_id", None))
        self.sent.append(action)
        return next(self._ids)


class Harness:
    """The bot's chat core on the test database, with people to talk to it."""

    def __init__(self, app: App, services: Services) -> None:
        self.app = app
        self.services = services
        self.core: ChatCore = app.chat_core(services)
        self.desk = FakeDesk()
        self.files: dict[str, bytes] = {}  # file_id → bytes, for photos people send
        # What the outbox delivered (notifications, stored replies), by chat, in order.
        self.delivered: dict[int, list[Outbound]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._albums = itertools.count(1)

    @classmethod
    async def create(cls, app: App) -> Harness:
        return cls(app, await app.services())

    async def without_staff(self) -> Harness:
        """The same shop and database with no staff chat configured: no person to hand
        a conversation to (what a shop without support staff runs)."""
        app = self.app
        return await Harness.create(
            App(
                settings=app.settings.model_copy(update={"staff_chat_id": None}),
                engine=app.engine,
                uow=app.uow,
                clock=app.clock,
            )
        )

    def buyer(self, user_id: int = 1001, name: str = "Jane", locale: str = "en") -> Person:
        return Person(self, user_id, name, locale, chat_id=user_id)

    def seller(self, user_id: int = 3001, name: str = "Sam", locale: str = "en") -> Person:
        return Person(self, user_id, name, locale, chat_id=user_id)

    def staff(self, user_id: int = 4001, name: str = "Kim", thread_id: int | None = None) -> Person:
        """A member of the staff chat, talking there (in `thread_id`'s topic, if given)."""
        self.desk.members.add(user_id)
        return Person(
            self, user_id, name, "en", chat_id=STAFF_CHAT, kind="supergroup", thread_id=thread_id
        )

    async def _fetch(self, file_id: str) -> bytes:
        return self.files[file_id]

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        return await self.core.handle(inbound, self._fetch, self.desk)

    def next_update(self) -> int:
        return next(self._update_ids)

    async def flush(self) -> int:
        """Run one outbox pass, as the bot's worker does: what it sends (notifications
        to other people) lands in `delivered` (and in each `Person.news`).  Returns how
        many rows were sent."""
        return await self.app.outbox_worker(self._deliver).run_once()

    async def _deliver(self, notification: Notification, parts: Parts) -> None:
        actions = actions_of(notification)
        self.delivered.setdefault(notification.chat_id, []).extend(actions)

    def next_message(self) -> int:
        return next(self._message_ids)


class Person:
    """One person in one chat: what they do, and everything the bot said back."""

    def __init__(
        self,
        harness: Harness,
        user_id: int,
        name: str,
        locale: str,
        *,
        chat_id: int,
        kind: str = "private",
        thread_id: int | None = None,
    ) -> None:
        self.h = harness
        self.user_id = user_id
        self.name = name
        self.locale = locale
        self.chat_id = chat_id
        self.kind = kind
        self.thread_id = thread_id
        self.actions: list[Outbound] = []  # everything, in order
        self.last: list[Outbound] = []  # what the last thing done produced
        self._button_message: dict[str, int] = {}  # callback data → message it is on
        self.message_id: int | None = None
        self.username: str | None = None  # the @name, when a test gives one

    # -------------------------------------------------------------- doing things

    async def _send(self, **fields: Any) -> list[Outbound]:
        inbound = Inbound(
            channel=CHANNEL,
            update_id=self.h.next_update(),
            chat_id=self.chat_id,
            chat_kind=self.kind,  # type: ignore[arg-type]
            user_id=self.user_id,
            user_name=self.name,
            username=self.username,
            locale=self.locale,
            thread_id=self.thread_id,
            **fields,
        )
        self.message_id = inbound.message_id  # of what was just sent (None: a press)
        self._saw(await self.h.handle(inbound))
        return self.last

    def _saw(self, actions: list[Outbound]) -> None:
        self.last = actions
        self.actions.extend(actions)
        for action in actions:
            if isinstance(action, SendText | EditText) and action.keyboard is not None:
                message_id = getattr(action, "message_id", None) or self.h.next_message()
                for row in action.keyboard.rows:
                    for button in row:
                        if button.data is not None:
                            self._button_message[button.data] = message_id

    async def say(self, text: str) -> list[Outbound]:
        """Type a message (a leading slash makes it a command, as Telegram does)."""
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            return await self._send(
                text=text, command=command.lower(), args=args, message_id=self.h.next_message()
            )
        return await self._send(text=text, message_id=self.h.next_message())

    async def forward(self, text: str, origin: str) -> list[Outbound]:
        """Forward a text message someone else (`origin`, as Telegram names them) wrote."""
        return await self._send(text=text, forwarded_from=origin, message_id=self.h.next_message())

    async def edit(self, text: str) -> list[Outbound]:
        """Edit a message sent earlier so that it reads `text` (Telegram sends the whole
        message again, marked as an edit)."""
        return await self._send(text=text, edited=True, message_id=self.h.next_message())

    async def press(self, data: str) -> list[Outbound]:
        """Press the inline button with this callback data."""
        return await self._send(
            button=data,
            callback_id=f"cb{self.h.next_update()}",
            message_id=self._button_message.get(data, self.h.next_message()),
        )

    async def tap(self, label: str) -> list[Outbound]:
        """Press the button whose label contains `label` on the latest keyboard."""
        return await self.press(self.button(label))

    async def photo(
        self, data: bytes, *, caption: str | None = None, album: str | None = None
    ) -> list[Outbound]:
        file_id = f"photo{len(self.h.files) + 1}"
        self.h.files[file_id] = data
        return await self._send(
            photo=PhotoFile(file_id, file_id + "u", 800, 600, len(data)),
            text=caption,
            media_group_id=album,
            message_id=self.h.next_message(),
        )

    async def album(self, photos: list[bytes]) -> list[Outbound]:
        """Send several photos at once: one update each, sharing a media group id (as
        Telegram delivers an album).  Returns everything the album produced."""
        group = f"album{next(self.h._albums)}"
        produced: list[Outbound] = []
        for data in photos:
            produced += await self.photo(data, album=group)
        self.last = produced
        return produced

    async def document(
        self, data: bytes, file_name: str, mime_type: str, *, caption: str | None = None
    ) -> list[Outbound]:
        file_id = f"doc{len(self.h.files) + 1}"
        self.h.files[file_id] = data
        return await self._send(
            document=DocumentFile(file_id, file_id + "u", file_name, mime_type, len(data)),
            text=caption,
            message_id=self.h.next_message(),
        )

    async def share_contact(self, phone: str, *, user_id: int | None = None) -> list[Outbound]:
        """Share a contact card: one's own unless `user_id` says whose it is."""
        owner = self.user_id if user_id is None else user_id
        return await self._send(
            contact=SharedContact(phone, owner), message_id=self.h.next_message()
        )

    async def send_other(self, kind: str) -> list[Outbound]:
        """Send something the bot only relays or declines (a sticker, a voice note...)."""
        return await self._send(other=kind, message_id=self.h.next_message())

    # ------------------------------------------------------------ reading replies

    @property
    def texts(self) -> list[str]:
        """The plain text of the messages the last action produced (sent or edited)."""
        return [plain(a.text) for a in self.last if isinstance(a, SendText | EditText)]

    @property
    def last_text(self) -> str:
        texts = self.texts
        return texts[-1] if texts else ""

    @property
    def said(self) -> str:
        """Everything the last action produced, as one text (for `in` checks)."""
        return "\n".join(self.texts)

    @property
    def html(self) -> str:
        """The HTML of the messages the last action produced, as one text."""
        return "\n".join(a.text for a in self.last if isinstance(a, SendText | EditText))

    @property
    def news(self) -> list[str]:
        """What the outbox delivered to this chat since the last look, as plain texts.
        Reading takes it: it becomes `last` (so `said`, `buttons` and `tap` see it)."""
        self._saw(self.h.delivered.pop(self.chat_id, []))
        return self.texts

    @property
    def alerts(self) -> list[str]:
        return [a.text or "" for a in self.last if isinstance(a, AnswerButton)]

    def buttons(self) -> list[Button]:
        """The buttons of the latest keyboard the bot showed (over all actions so far)."""
        for action in reversed(self.actions):
            if isinstance(action, SendText | EditText) and action.keyboard is not None:
                return [b for row in action.keyboard.rows for b in row]
        return []

    def button(self, label: str) -> str:
        """The callback data of the latest button whose label contains `label`."""
        for button in self.buttons():
            if label.lower() in button.text.lower() and button.data is not None:
                return button.data
        labels = [b.text for b in self.buttons()]
        raise AssertionError(f"no button {label!r} among {labels}")

    async def step(self) -> str | None:
        """The conversation's current step, as stored."""
        async with self.h.app.uow(readonly=True) as uow:
            row = await uow.conversations.get(CHANNEL, self.chat_id, self.user_id)
        return row.step if row is not None else None


def alert(person: Person) -> str | None:
    """The answer on the button just pressed (None: answered without a word)."""
    answers = [a for a in person.last if isinstance(a, AnswerButton)]
    return answers[-1].text if answers else None


def edited(person: Person) -> str:
    """The text of the message the last press changed in place."""
    edits = [a for a in person.last if isinstance(a, EditText)]
    assert edits, person.last
    return plain(edits[-1].text)


def shown(person: Person) -> list[str]:
    """The buttons under the latest message the last action showed (none: [])."""
    messages = [a for a in person.last if isinstance(a, SendText | EditText)]
    assert messages, person.last
    keyboard = messages[-1].keyboard
    return [b.text for row in keyboard.rows for b in row] if keyboard else []
