"""`python run_bot.py demo`: the real bot, offline, in your terminal.

It loads the demo shops and orders into the configured database (the default SQLite
file), starts the local Bot API emulator with a staff forum group, runs the real aiogram
bot against it over HTTP, and lets you chat with it as a buyer, a seller or a member of
the support staff: what you type is sent as a Telegram message, the bot's replies are
printed with their buttons numbered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, func, select, update

from bot.app import App, BotRunner
from bot.channels.telegram import CHANNEL
from bot.emulator import ScriptedUser, Supergroup, TelegramEmulator
from bot.services.demo import has_orders, load_demo_data
from handlers.catalog import Catalog
from storage.demo_data import DEMO_SHOPS, DEMO_TRY_ME
from storage.models import ChatUser, InboxUpdate, ProcessedUpdate, Ticket

if TYPE_CHECKING:
    from bot.demo_tiktok import DemoTikTok

DEMO_TOKEN = "1000000001:offline-demo-token-not-valid-on-telegram"
SELLER_ID = 3001
STAFF_ID = 4001
DEMO_STAFF_CHAT = -1001000004001  # the emulated staff group
DEMO_BOT = "demo_shop_support_bot"
FIRST_REPLY_WAIT = 5.0  # seconds to wait for the bot's first message after an action
MORE_REPLY_WAIT = 0.7  # then keep collecting while messages keep coming

Message = dict[str, Any]
Write = Callable[[str], None]
ReadLine = Callable[[str], Awaitable[str | None]]  # prompt → line, None at the end


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    first_name: str
    phone: str | None
    role: str
    staff: bool = False  # a member of the staff group: talks there, not in private


def personas() -> dict[str, Persona]:
    """Console identities.  The first buyers own the try-me orders' phone numbers, so
    "share my contact" proves their orders."""
    people = [
        Persona("alex", 1001, "Alex", "+" + DEMO_TRY_ME[0]["phone"], "buyer"),
        Persona("jordan", 1002, "Jordan", "+" + DEMO_TRY_ME[1]["phone"], "buyer"),
        Persona("guest", 1003, "Guest", "+15555550199", "buyer with no orders"),
        Persona("sam", SELLER_ID, "Sam", None, f"seller of {DEMO_SHOPS[0].name}, also on TikTok"),
        Persona("riley", STAFF_ID, "Riley", None, "support staff", staff=True),
    ]
    return {p.key: p for p in people}


HELP = """Type a message and press Enter to send it to the bot (/start, /orders, /return,
/returns, /settings, /human, /help; as the seller: /claims, /refund, /stats, /insights).
  :N          press button number N of the last message with buttons (as Riley: in
              the current topic)
  :contact    press "Share my contact" (sends your own phone number)
  :photo      send a sample photo (a new one each time)
  :photo PATH send an image file from your disk
  :as NAME    talk as someone else ({names})
As Riley (support staff) you are in the staff group, where every ticket is a topic: what
you type goes into the current topic (the last one a message came from) and reaches the
buyer; /note TEXT stays internal, /close closes the ticket.
  :topics     list the tickets' topics      :topic N   write in ticket #N's topic
  :topic 0    the group's General thread (send /tickets there)
  :tiktok     TikTok Shop: ship, deliver, return or cancel an order there (:tiktok lists how)
  :help       this help      :quit  leave the demo"""


# How formatting shows in the terminal: (opening, closing) marks per entity type.  Plain
# marks when the output is not a terminal (a pipe, a test); ANSI styles when it is.
PLAIN_MARKS: dict[str, tuple[str, str]] = {
    "bold": ("*", "*"),
    "italic": ("_", "_"),
    "underline": ("", ""),
    "strikethrough": ("~", "~"),
    "code": ("`", "`"),
    "pre": ("", ""),
    "spoiler": ("", ""),
}
ANSI_MARKS: dict[str, tuple[str, str]] = {
    "bold": ("\x1b[1m", "\x1b[22m"),
    "italic": ("\x1b[3m", "\x1b[23m"),
    "underline": ("\x1b[4m", "\x1b[24m"),
    "strikethrough": ("\x1b[9m", "\x1b[29m"),
    "code": ("\x1b[2m", "\x1b[22m"),
    "pre": ("", ""),
    "spoiler": ("\x1b[7m", "\x1b[27m"),
}


def render_entities(
    text: str, entities: list[dict[str, Any]], marks: dict[str, tuple[str, str]] = PLAIN_MARKS
) -> str:
    """A message as Telegram shows it: `text` is what the person reads (the bot's HTML
    already parsed, its entities decoded; a plain-text message is shown verbatim), and
    `entities` say which parts are bold, italic, code or a link.  Links keep their target
    in brackets, since a terminal cannot hide it behind the words."""
    if not entities:
        return text
    # Entity offsets count UTF-16 code units (an emoji is two): map them to indexes.
    index: dict[int, int] = {}
    units = 0
    for i, char in enumerate(text):
        index[units] = i
        units += 2 if ord(char) > 0xFFFF else 1
    index[units] = len(text)
    opening: dict[int, list[str]] = {}
    closing: dict[int, list[str]] = {}
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        start = index.get(entity["offset"])
        end = index.get(entity["offset"] + entity["length"])
        if start is None or end is None:
            continue  # not on a character boundary: Telegram would not store it
        kind = entity["type"]
        if kind == "text_link":
            before, after = "", f" ({entity['url']})"
        elif kind == "text_mention":
            before, after = "", f" (user {entity.get('user', {}).get('id', '?')})"
        else:
            before, after = marks.get(kind, ("", ""))
        opening.setdefault(start, []).append(before)
        closing.setdefault(end, []).insert(0, after)  # the innermost closes first
    out = []
    for i in range(len(text) + 1):
        out += closing.get(i, [])
        out += opening.get(i, [])
        if i < len(text):
            out.append(text[i])
    return "".join(out)


def message_body(message: Message, marks: dict[str, tuple[str, str]] = PLAIN_MARKS) -> str:
    if "text" in message:
        body = render_entities(message["text"], message.get("entities", []), marks)
    else:
        caption = message.get("caption") or ""
        body = render_entities(caption, message.get("caption_entities", []), marks)
    if "photo" in message:
        body = "[photo] " + body
    if "document" in message:
        body = f"[file {message['document'].get('file_name', '')}] " + body
    return body


def _looks(message: Message) -> tuple[str, str]:
    """What a message shows: its text and its buttons (an edit changes either)."""
    return message_body(message), json.dumps(message.get("reply_markup"), sort_keys=True)


def sample_photo(number: int) -> bytes:
    """The `number`-th sample photo: a JPEG drawn for it (a parcel on a background of
    its own colour, with its number), so no two look alike or hash alike and the bot's
    reused-evidence check only fires for a photo really sent twice."""
    import colorsys
    import io

    from PIL import Image, ImageDraw

    hue = (number * 0.618033988749895) % 1.0  # golden-ratio steps: far-apart colours
    sky = tuple(round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.35, 0.95))
    image = Image.new("RGB", (320, 240), sky)
    draw = ImageDraw.Draw(image)
    shift = (number * 37) % 60
    draw.rectangle(
        (90 + shift, 80, 230 + shift // 2, 190), fill=(176, 128, 80), outline=(90, 60, 30)
    )
    draw.line((90 + shift, 120, 230 + shift // 2, 120), fill=(220, 200, 150), width=6)
    draw.text((12, 12), f"sample photo #{number}", fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def photo_from(path: str) -> bytes:
    """The bytes of an image file the person chose, or a ValueError saying why not."""
    from pathlib import Path

    from bot.emulator.images import image_size

    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(f"no such file: {file}")
    data = file.read_bytes()
    if image_size(data) is None:
        raise ValueError(f"{file.name} is not an image (send a JPEG, PNG, GIF or WebP)")
    return data


class ChatView:
    """What one persona sees of one chat: the bot's messages, printed once each (and
    again when the bot edits them), and the buttons of the last one that had any,
    numbered for `:N` (in a forum, the last one in the topic the persona is in: a
    keyboard in another ticket's topic is not the one on screen)."""

    def __init__(
        self, user: ScriptedUser, write: Write, marks: dict[str, tuple[str, str]] = PLAIN_MARKS
    ) -> None:
        self.user = user
        self.write = write
        self.marks = marks
        # (message id, button text) by number, per place (a forum topic; None: the
        # chat itself, or a forum's General thread).
        self._keyboards: dict[int | None, list[tuple[int, str]]] = {}
        self._shown: dict[int, tuple[str, str]] = {}  # message id → how it looked

    # -- the chat (subclasses) ---------------------------------------------------------

    def bot_messages(self) -> list[Message]:
        raise NotImplementedError

    def prompt(self) -> str:
        return f"{self.user.username}> "

    async def send(self, text: str) -> None:
        raise NotImplementedError

    async def send_photo(self, data: bytes) -> None:
        raise NotImplementedError

    async def share_contact(self) -> None:
        raise ValueError("share your contact in a private chat with the bot")

    async def press(self, message_id: int, label: str) -> None:
        raise NotImplementedError

    def label(self, message: Message) -> str:
        return "bot"

    def place_of(self, message: Message) -> int | None:
        """Where a message sits in the chat (a private chat has one place)."""
        return None

    def here(self) -> int | None:
        """Where the persona is now: whose keyboard `:N` presses."""
        return None

    # -- buttons -----------------------------------------------------------------------

    @property
    def buttons(self) -> list[tuple[int, str]]:
        """The numbered buttons `:N` presses: the last keyboard where the persona is."""
        return self._keyboards.get(self.here(), [])

    def button(self, number: int) -> tuple[int, str]:
        """Button `number` (from 1) of the keyboard on screen: (message id, its text)."""
        buttons = self.buttons
        if not 1 <= number <= len(buttons):
            raise ValueError(f"there is no button {number}")
        return buttons[number - 1]

    # -- news --------------------------------------------------------------------------

    def news(self) -> list[Message]:
        """Bot messages not printed yet, or changed since."""
        return [m for m in self.bot_messages() if self._shown.get(m["message_id"]) != _looks(m)]

    def unseen(self) -> int:
        """How many bot messages were never printed (edits not counted)."""
        return sum(1 for m in self.bot_messages() if m["message_id"] not in self._shown)

    def show_news(self) -> None:
        for message in self.news():
            self.show(message, edited=message["message_id"] in self._shown)

    def skip_news(self) -> None:
        for message in self.bot_messages():
            self._shown[message["message_id"]] = _looks(message)

    def show(self, message: Message, *, edited: bool = False) -> None:
        mid = message["message_id"]
        looks = _looks(message)
        body = message_body(message, self.marks)
        prefix = self.label(message) + (" (edited)" if edited else "")
        markup = message.get("reply_markup") or {}
        rows = markup.get("inline_keyboard")
        if edited and looks[0] == self._shown[mid][0]:  # only the buttons changed
            first_line = body.split("\n", 1)[0][:60]
            changed = "changed" if rows else "removed"
            self.write(f"{prefix}: buttons {changed} on “{first_line}”")
        else:
            self.write(f"{prefix}: " + body.replace("\n", "\n     "))
        self._shown[mid] = looks
        place = self.place_of(message)
        if edited and not rows:  # the edit took the buttons away
            kept = [b for b in self._keyboards.get(place, []) if b[0] != mid]
            self._keyboards[place] = kept
        if rows:
            numbered: list[tuple[int, str]] = []
            self._keyboards[place] = numbered
            for row in rows:
                labels = []
                for button in row:
                    if "url" in button:  # opens a page, as in Telegram: shown, not pressed
                        labels.append(f"[{button['text']} → {button['url']}]")
                    elif "callback_data" in button:
                        numbered.append((mid, button["text"]))
                        labels.append(f"[:{len(numbered)}] {button['text']}")
                    else:  # a web app, a login or an inline-query button: not in the demo
                        labels.append(f"[{button['text']}]")
                self.write("     " + "   ".join(labels))
        if markup.get("keyboard"):
            labels = [b["text"] for row in markup["keyboard"] for b in row]
            self.write("     keyboard: " + " | ".join(labels) + "   (type :contact)")


class PrivateChat(ChatView):
    """A buyer's or seller's private chat with the bot."""

    def bot_messages(self) -> list[Message]:
        return self.user.messages

    async def send(self, text: str) -> None:
        await self.user.send(text)

    async def send_photo(self, data: bytes) -> None:
        await self.user.send_photo(data)

    async def share_contact(self) -> None:
        await self.user.share_contact()

    async def press(self, message_id: int, label: str) -> None:
        await self.user.press(label, message=message_id)


class StaffGroup(ChatView):
    """A staff member's view of the staff forum: every topic's messages, labelled with
    the topic's name; what they type goes into the current topic (the last ticket topic
    a message came from, or the one chosen with `:topic N`; None is General)."""

    def __init__(
        self,
        user: ScriptedUser,
        group: Supergroup,
        write: Write,
        marks: dict[str, tuple[str, str]] = PLAIN_MARKS,
    ) -> None:
        super().__init__(user, write, marks)
        self.group = group
        self.topic: int | None = None

    def bot_messages(self) -> list[Message]:
        return self.group.messages(from_bot=True)

    def where(self, thread_id: int | None) -> str:
        if thread_id is None:
            return "General"
        topic = self.group.topics.get(thread_id)
        return topic.name if topic is not None else f"deleted topic {thread_id}"

    def prompt(self) -> str:
        return f"{self.user.username} [{self.where(self.topic)}]> "

    def label(self, message: Message) -> str:
        return f"[{self.where(_thread(message))}] bot"

    def place_of(self, message: Message) -> int | None:
        return _thread(message)

    def here(self) -> int | None:
        return self.topic

    def show(self, message: Message, *, edited: bool = False) -> None:
        super().show(message, edited=edited)
        if not edited and _thread(message) is not None:
            self.topic = _thread(message)

    async def send(self, text: str) -> None:
        await self.user.send(text, chat=self.group, thread_id=self.topic)

    async def send_photo(self, data: bytes) -> None:
        await self.user.send_photo(data, chat=self.group, thread_id=self.topic)

    async def press(self, message_id: int, label: str) -> None:
        await self.user.press(label, message=message_id, chat=self.group)

    def ticket_topics(self) -> dict[int, int]:
        """Live topics by ticket number (their titles read `#12 · Alex · 5781…`)."""
        found = {}
        for thread_id, topic in self.group.topics.items():
            number = re.search(r"#(\d+) ·", topic.name)
            if number:
                found[int(number[1])] = thread_id
        return dict(sorted(found.items()))

    def list_topics(self) -> None:
        for number, thread_id in [(0, None), *self.ticket_topics().items()]:
            current = "   (current)" if thread_id == self.topic else ""
            self.write(f"  :topic {number:<4} {self.where(thread_id)}{current}")

    def choose(self, number: int) -> None:
        topics = self.ticket_topics()
        if number != 0 and number not in topics:
            raise ValueError(f"no topic for ticket #{number}; :topics lists them")
        self.topic = topics.get(number)
        self.write(f"  (writing in {self.where(self.topic)})")


def _thread(message: Message) -> int | None:
    """The forum topic a message is in; None for the General thread."""
    return message.get("message_thread_id") if message.get("is_topic_message") else None


# What to wait for after a console line: nothing, the bot's reply to a message, the
# answer to a button press, or (after switching persona) only what is still coming.
Wait = Literal["none", "reply", "answer", "pending"]


class Console:
    """The chats as a terminal session; `write` and the input source are injectable so
    tests can drive it."""

    def __init__(
        self,
        emulator: TelegramEmulator,
        staff_group: Supergroup,
        write: Write = print,
        marks: dict[str, tuple[str, str]] = PLAIN_MARKS,
        tiktok: DemoTikTok | None = None,
    ) -> None:
        self.emulator = emulator
        self.tiktok = tiktok  # the demo's TikTok Shop, for `:tiktok`
        self.write = write
        self.people = personas()
        self.views: dict[str, ChatView] = {}
        self.photos_sent = 0
        for p in self.people.values():
            user = person_user(emulator, p)
            view: ChatView = (
                StaffGroup(user, staff_group, write, marks)
                if p.staff
                else PrivateChat(user, write, marks)
            )
            view.skip_news()  # what happened before the console opened is not news
            self.views[p.key] = view
        self.persona = self.people["alex"]

    @property
    def view(self) -> ChatView:
        return self.views[self.persona.key]

    def intro(self) -> None:
        self.write("Offline demo: the real bot, a local Telegram emulator, the demo shop's orders.")
        self.write("Orders to try (send the number, then the email or phone when asked):")
        for order in DEMO_TRY_ME:
            self.write(
                f"  {order['order_number']}  {order['status']:<18} "
                f"{order['email']}  +{order['phone']}\n      {order['note']}"
            )
        self.write(
            "The shops have five months of history: as the seller (:as sam) try /stats and"
            " /insights. Prove a late or delivered order and the bot writes on its own"
            " (delivery care, a rating request)."
        )
        if self.tiktok is not None:
            self.tiktok.intro()
        self.write(HELP.format(names=", ".join(self.people)))
        who = ", ".join(f"{p.key} ({p.role})" for p in self.people.values())
        self.write(f"People: {who}.")
        self.write(f"You are {self.persona.first_name} ({self.persona.role}). Say /start.\n")

    async def run(self, read_line: ReadLine) -> None:
        self.intro()
        while True:
            line = await read_line(self.view.prompt())
            if line is None:
                return
            line = line.strip()
            if not line:
                continue
            if line in (":quit", ":q", ":exit"):
                return
            await self.act(line)

    async def act(self, line: str) -> None:
        before = self._unseen_elsewhere()
        try:
            wait = await self._do(line)
        except Exception as exc:  # a typo in the console must not end the demo
            self.write(f"  ! {exc}")
            return
        if wait != "none":
            await self.show_replies(wait)
            for recorded in await self.tiktok.recorded() if self.tiktok else []:
                self.write(recorded)  # what the bot told "TikTok Shop" meanwhile
            self._tell_news_elsewhere(before)

    async def _do(self, line: str) -> Wait:
        """Perform one console line; what to wait for then."""
        view = self.view
        if line == ":help":
            self.write(HELP.format(names=", ".join(self.people)))
        elif line.startswith(":as"):
            name = line[3:].strip().lower()
            if name not in self.people:
                raise ValueError(f"who? choose one of: {', '.join(self.people)}")
            self.persona = self.people[name]
            self.write(f"  (you are now {self.persona.first_name}, {self.persona.role})")
            return "pending"
        elif line.startswith(":topic"):
            if not isinstance(view, StaffGroup):
                raise ValueError("topics are in the staff group: :as riley")
            if line == ":topics":
                view.list_topics()
            elif line[6:].strip().isdigit():
                view.choose(int(line[6:]))
            else:
                raise ValueError("which ticket? e.g. :topic 1 (:topics lists them)")
        elif line == ":tiktok" or line.startswith(":tiktok "):
            if self.tiktok is None:
                raise ValueError("this demo runs without TikTok Shop")
            return await self.tiktok.command(line[len(":tiktok") :])
        elif line == ":contact":
            await view.share_contact()
            return "reply"
        elif line == ":photo" or line.startswith(":photo "):
            path = line[len(":photo") :].strip()
            if path:
                data = photo_from(path)
            else:
                self.photos_sent += 1
                data = await asyncio.to_thread(sample_photo, self.photos_sent)
            await view.send_photo(data)
            return "reply"
        elif line[0] == ":" and line[1:].isdigit():
            message_id, text = view.button(int(line[1:]))
            await view.press(message_id, text)
            return "answer"
        else:
            await view.send(line)
            if isinstance(view, StaffGroup) and view.topic is None and line[0] != "/":
                self.write("  (said in General, where the bot only takes commands: :topic N)")
                return "none"
            return "reply"
        return "none"

    async def show_replies(self, wait: Wait) -> None:
        """Print what the bot sends the current persona, until it has been quiet for a
        moment; messages for the others are counted, not shown (see _tell_news_elsewhere)."""
        view = self.view
        if wait == "answer":
            try:
                toast = await view.user.wait_callback_answer(timeout=FIRST_REPLY_WAIT)
            except TimeoutError:
                toast = None
            if toast:
                self.write(f"  [{toast}]")
        view.show_news()
        timeout = FIRST_REPLY_WAIT if wait == "reply" else MORE_REPLY_WAIT
        while await self._bot_speaks(view, timeout):
            view.show_news()
            timeout = MORE_REPLY_WAIT

    async def _bot_speaks(self, view: ChatView, quiet: float) -> bool:
        """Wait until the bot sends (or edits) something for this view or sends anything
        to another persona; False if it stays quiet for `quiet` seconds."""
        elsewhere = self._unseen_elsewhere()

        def spoke() -> bool:
            return bool(view.news()) or self._unseen_elsewhere() != elsewhere

        try:
            await self.emulator.wait_until(spoke, timeout=quiet)
        except TimeoutError:
            return False
        return True

    def _unseen_elsewhere(self) -> dict[str, int]:
        return {k: v.unseen() for k, v in self.views.items() if k != self.persona.key}

    def _tell_news_elsewhere(self, before: dict[str, int]) -> None:
        for key, count in self._unseen_elsewhere().items():
            if count > before.get(key, 0):
                name = self.people[key].first_name
                plural = "s" if count > 1 else ""
                self.write(f"  ({name} has {count} new message{plural}: :as {key})")


async def _stdin_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


async def register_demo_seller(app: App) -> None:
    """Make the console's seller persona a seller of the first demo shop, the way a
    real seller joins: through a one-time invite."""
    services = await app.services()
    seller = await services.orders.identify("telegram", SELLER_ID, "Sam", "sam", "en")
    if not await services.sellers.shops_of(seller.id):
        await services.sellers.accept(seller.id, await services.sellers.invite(DEMO_SHOPS[0].code))


def person_user(emulator: TelegramEmulator, person: Persona) -> ScriptedUser:
    """The persona's Telegram account in the emulator (the same one on every call)."""
    return emulator.user(person.user_id, person.first_name, phone=person.phone, username=person.key)


async def _known_people(app: App) -> list[Persona]:
    """The personas the bot already knows (they wrote to it in an earlier run)."""
    people = personas()
    ids = [p.user_id for p in people.values()]
    async with app.uow(readonly=True) as uow:
        known = set(
            await uow.session.scalars(
                select(ChatUser.external_id).where(
                    ChatUser.channel == CHANNEL, ChatUser.external_id.in_(ids)
                )
            )
        )
    return [p for p in people.values() if p.user_id in known]


async def start_afresh(app: App) -> int:
    """Each run starts a new emulator: a new Telegram, which numbers the staff group's
    topics from 1 again.  Tickets that lived in the demo's previous group forget their
    topic (else they would relay into whichever new topic got the old number) and open
    a new one with their next message, as after a deleted topic.  Returns the first
    update id the new emulator should use: past every update already handled, which
    the bot would otherwise skip as duplicates."""
    async with app.uow() as uow:
        await uow.session.execute(
            update(Ticket)
            .where(Ticket.staff_chat_id == DEMO_STAFF_CHAT)
            .values(staff_chat_id=None, topic_id=None, summary_message_id=None)
        )
        last = await uow.session.scalar(
            select(func.max(ProcessedUpdate.update_id)).where(ProcessedUpdate.channel == CHANNEL)
        )
        # Updates the previous run stored but did not handle came from that run's
        # Telegram, which is gone: the new one would refuse their chats' message ids.
        stored = await uow.session.scalar(
            select(func.max(InboxUpdate.update_id)).where(InboxUpdate.channel == CHANNEL)
        )
        await uow.session.execute(delete(InboxUpdate).where(InboxUpdate.channel == CHANNEL))
        await uow.commit()
    return max(last or 0, stored or 0) + 1


async def not_a_demo_database(app: App) -> str | None:
    """Why the demo cannot run on this database, or None.  The demo adds its shops only
    to a database without orders: one holding a shop's own orders (imported before
    trying the demo) lacks the demo's shops, its seller and its orders to try, and
    filling it with made-up shops and buyers would mix them into the shop's real ones."""
    if not await has_orders(app.uow):
        return None
    async with app.uow(readonly=True) as uow:
        codes = sorted(shop.code for shop in await uow.shops.all())
    if DEMO_SHOPS[0].code in codes:
        return None
    return (
        f"error: this database (DATABASE_URL) holds the orders of other shops"
        f" ({', '.join(codes)}), not the demo's; the demo fills only a database without"
        " orders, so that made-up buyers never mix with real ones. Try the demo on a"
        " database of its own:\n"
        "  DATABASE_URL=sqlite+aiosqlite:///data/demo.db python run_bot.py demo"
    )


async def run_demo(app: App, read_line: ReadLine | None = None, write: Write = print) -> int:
    from bot.demo_tiktok import DemoTikTok

    if not await has_orders(app.uow):
        summary = await load_demo_data(app.uow, app.clock)
        write(str(summary))
    await register_demo_seller(app)
    # TikTok Shop is a local emulator too; its shop joins the demo before the bot starts.
    tiktok = await DemoTikTok.start(app, write)
    try:
        await tiktok.prepare(SELLER_ID)
        return await _run_console(app, tiktok, read_line, write)
    finally:
        await tiktok.stop()


async def _run_console(
    app: App, tiktok: DemoTikTok, read_line: ReadLine | None, write: Write
) -> int:
    # The staff group lives in the emulator, so it is always the demo's own (a real
    # STAFF_CHAT_ID names a group on Telegram, which the demo never reaches); so does
    # TikTok Shop, whatever TIKTOK_* say.
    from bot.demo_tiktok import demo_settings

    staff_chat = DEMO_STAFF_CHAT
    settings = app.settings.model_copy(update={"staff_chat_id": staff_chat})
    app = replace(app, settings=demo_settings(settings, tiktok.url))
    first_update = await start_afresh(app)
    async with TelegramEmulator(
        token=DEMO_TOKEN, bot_username=DEMO_BOT, first_update_id=first_update
    ) as emulator:
        staff_group = emulator.supergroup(
            staff_chat,
            "Support staff",
            forum=True,
            members={STAFF_ID: "member"},
            bot_can_manage_topics=True,
        )
        # The demo's people who wrote to the bot in an earlier run have a chat with it
        # still (the database remembers them; this emulator is new): a rating request
        # or notice due at start reaches them instead of "chat not found".
        for person in await _known_people(app):
            person_user(emulator, person).wrote_before()
        runner = await BotRunner.create(
            app,
            token=DEMO_TOKEN,
            api_url=emulator.base_url,
            framework=app.settings.bot_framework,  # BOT_FRAMEWORK=ptb: the second channel
        )
        await runner.start()
        try:
            # The seller persona has written to the bot before (as a real seller does when
            # opening the invite), so notifications can reach them.
            seller = emulator.user(SELLER_ID, "Sam", username="sam")
            await seller.send("/start")
            await seller.wait_message()
            # The seller connects the TikTok shop (and is told so in chat: not news).
            seen = len(seller.messages)
            connected = await tiktok.connect(runner)
            with contextlib.suppress(TimeoutError):
                if connected:
                    await emulator.wait_until(lambda: len(seller.messages) > seen, timeout=3.0)
            # Styles only for a real terminal; a pipe or a test gets *bold* and _italic_.
            tty = write is print and sys.stdout.isatty()
            marks = ANSI_MARKS if tty else PLAIN_MARKS
            console = Console(
                emulator, staff_group, write, marks, tiktok=tiktok if connected else None
            )
            await console.run(read_line or _stdin_line)
        finally:
            await runner.stop()
        rejected = emulator.rejections
        if rejected:  # the emulator refused something Telegram would refuse: say so
            calls = Catalog().plain("cli2.rejected_calls", count=len(rejected))
            print(f"warning: {calls}", file=sys.stderr)
    return 0
