"""`python run_bot.py demo`: the real bot, offline, in your terminal.

It loads the demo shops and orders into the configured database (the default SQLite
file), starts the local Bot API emulator, runs the real aiogram bot against it over
HTTP, and lets you chat with it as a buyer: what you type is sent as a Telegram
message, the bot's replies are printed with their buttons numbered.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.app import App, BotRunner
from bot.emulator import ScriptedUser, TelegramEmulator, sample_jpeg
from bot.services.demo import has_orders, load_demo_data
from storage.demo_data import DEMO_SHOPS, DEMO_TRY_ME

DEMO_TOKEN = "1000000001:offline-demo-token-not-valid-on-telegram"
SELLER_ID = 3001
DEMO_BOT = "demo_shop_support_bot"
FIRST_REPLY_WAIT = 5.0  # seconds to wait for the bot's first message after an action
MORE_REPLY_WAIT = 0.7  # then keep collecting while messages keep coming


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    first_name: str
    phone: str | None
    role: str


def personas() -> dict[str, Persona]:
    """Console identities.  The first buyers own the try-me orders' phone numbers, so
    "share my contact" proves their orders."""
    people = [
        Persona("alex", 1001, "Alex", "+" + DEMO_TRY_ME[0]["phone"], "buyer"),
        Persona("jordan", 1002, "Jordan", "+" + DEMO_TRY_ME[1]["phone"], "buyer"),
        Persona("guest", 1003, "Guest", "+15555550199", "buyer (no orders)"),
        Persona("sam", SELLER_ID, "Sam", None, f"seller of {DEMO_SHOPS[0].name}"),
    ]
    return {p.key: p for p in people}


HELP = """Type a message and press Enter to send it to the bot (/start, /orders, /return,
/returns, /help; as the seller: /claims, /refund, /stats).
  :N          press button number N of the bot's last message
  :contact    press "Share my contact" (sends your own phone number)
  :photo      send a sample photo
  :as NAME    talk as someone else ({names})
  :help       this help      :quit  leave the demo"""


def html_to_console(text: str) -> str:
    """Telegram HTML → terminal text: links keep their target, tags go, entities decode."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m[2]} ({html.unescape(m[1])})", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Console:
    """The chat as a terminal session; `write` and the input source are injectable so
    tests can drive it."""

    def __init__(self, emulator: TelegramEmulator, write: Callable[[str], None] = print) -> None:
        self.emulator = emulator
        self.write = write
        self.people = personas()
        self.persona = self.people["alex"]
        self.buttons: list[tuple[int, str]] = []  # (message id, button text) by number
        self._edits: dict[int, Any] = {}

    @property
    def user(self) -> ScriptedUser:
        p = self.persona
        return self.emulator.user(p.user_id, p.first_name, phone=p.phone, username=p.key)

    def intro(self) -> None:
        self.write("Offline demo: the real bot, a local Telegram emulator, the demo shop's orders.")
        self.write("Orders to try (send the number, then the email or phone when asked):")
        for order in DEMO_TRY_ME:
            self.write(
                f"  {order['order_number']}  {order['status']:<18} "
                f"{order['email']}  +{order['phone']}"
            )
        self.write(HELP.format(names=", ".join(self.people)))
        self.write(f"You are {self.persona.first_name} ({self.persona.role}). Say /start.\n")

    async def run(self, read_line: Callable[[], Awaitable[str | None]]) -> None:
        self.intro()
        while True:
            line = await read_line()
            if line is None:
                return
            line = line.strip()
            if not line:
                continue
            if line in (":quit", ":q", ":exit"):
                return
            await self.act(line)

    async def act(self, line: str) -> None:
        try:
            pressed = await self._do(line)
        except Exception as exc:  # a typo in the console must not end the demo
            self.write(f"  ! {exc}")
            return
        await self.show_replies(answer_expected=pressed)

    async def _do(self, line: str) -> bool:
        """Perform one console line; True when a button was pressed."""
        user = self.user
        if line == ":help":
            self.write(HELP.format(names=", ".join(self.people)))
        elif line.startswith(":as"):
            name = line[3:].strip().lower()
            if name not in self.people:
                raise ValueError(f"who? choose one of: {', '.join(self.people)}")
            self.persona, self.buttons = self.people[name], []
            self.write(f"  (you are now {self.persona.first_name}, {self.persona.role})")
        elif line == ":contact":
            await user.share_contact()
        elif line == ":photo":
            await user.send_photo(sample_jpeg())
        elif line[0] == ":" and line[1:].isdigit():
            number = int(line[1:])
            if not 1 <= number <= len(self.buttons):
                raise ValueError(f"there is no button {number}")
            message_id, text = self.buttons[number - 1]
            await user.press(text, message=message_id)
            return True
        else:
            await user.send(line)
        return False

    async def show_replies(self, *, answer_expected: bool = False) -> None:
        user = self.user
        if answer_expected:
            try:
                toast = await user.wait_callback_answer(timeout=FIRST_REPLY_WAIT)
            except TimeoutError:
                toast = None
            if toast:
                self.write(f"  [{toast}]")
        timeout = MORE_REPLY_WAIT if answer_expected else FIRST_REPLY_WAIT
        while True:
            try:
                message = await user.wait_message(timeout=timeout)
            except TimeoutError:
                break
            self._print_message(message)
            timeout = MORE_REPLY_WAIT
        self._print_edits()

    def _print_message(self, message: dict[str, Any], edited: bool = False) -> None:
        body = message.get("text") or message.get("caption") or ""
        if "photo" in message:
            body = "[photo] " + body
        if "document" in message:
            body = f"[file {message['document'].get('file_name', '')}] " + body
        prefix = "bot (edited)" if edited else "bot"
        self.write(f"{prefix}: " + html_to_console(body).replace("\n", "\n     "))
        self._edits[message["message_id"]] = message.get("edit_date")
        markup = message.get("reply_markup") or {}
        rows = markup.get("inline_keyboard")
        if edited and not rows:  # the edit took the buttons away
            self.buttons = [b for b in self.buttons if b[0] != message["message_id"]]
        if rows:
            self.buttons = []
            for row in rows:
                labels = []
                for button in row:
                    self.buttons.append((message["message_id"], button["text"]))
                    labels.append(f"[:{len(self.buttons)}] {button['text']}")
                self.write("     " + "   ".join(labels))
        if markup.get("keyboard"):
            labels = [b["text"] for row in markup["keyboard"] for b in row]
            self.write("     keyboard: " + " | ".join(labels) + "   (type :contact)")

    def _print_edits(self) -> None:
        for message in self.user.messages:
            mid = message["message_id"]
            if mid in self._edits and message.get("edit_date") != self._edits[mid]:
                self._print_message(message, edited=True)


async def _stdin_line() -> str | None:
    try:
        return await asyncio.to_thread(input, "you> ")
    except EOFError:
        return None


async def register_demo_seller(app: App) -> None:
    """Make the console's seller persona a seller of the first demo shop, the way a
    real seller joins: through a one-time invite."""
    services = await app.services()
    seller = await services.orders.identify("telegram", SELLER_ID, "Sam", "sam", "en")
    if not await services.sellers.shops_of(seller.id):
        await services.sellers.accept(seller.id, await services.sellers.invite(DEMO_SHOPS[0].code))


async def run_demo(app: App, read_line: Callable[[], Awaitable[str | None]] | None = None) -> int:
    if not await has_orders(app.uow):
        summary = await load_demo_data(app.uow, app.clock)
        print(summary)
    await register_demo_seller(app)
    async with TelegramEmulator(token=DEMO_TOKEN, bot_username=DEMO_BOT) as emulator:
        runner = await BotRunner.create(
            app, token=DEMO_TOKEN, api_url=emulator.base_url, framework="aiogram"
        )
        await runner.start()
        try:
            console = Console(emulator)
            # The seller persona has written to the bot before (as a real seller does when
            # opening the invite), so notifications can reach them.
            sam = console.people["sam"]
            seller = emulator.user(sam.user_id, sam.first_name, username=sam.key)
            await seller.send("/start")
            await seller.wait_message()
            await console.run(read_line or _stdin_line)
        finally:
            await runner.stop()
        rejected = emulator.rejections
        if rejected:  # the emulator refused something Telegram would refuse: say so
            print(f"warning: {len(rejected)} bot call(s) were rejected", file=sys.stderr)
    return 0
