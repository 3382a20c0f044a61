"""TelegramEmulator: a local Telegram Bot API server plus scripted users, in one object.

The real aiogram and python-telegram-bot stacks talk to it over HTTP exactly as they talk
to api.telegram.org, so tests exercise the production wiring (polling, parsing, keyboards,
retries) instead of mocks; the test drives the human side in-process and then asserts
on what the bot did, including every call Telegram would have refused.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from bot.clock import Clock
from bot.emulator.errors import ScriptError
from bot.emulator.faults import FaultPlan
from bot.emulator.files import FileStore
from bot.emulator.groups import Supergroup
from bot.emulator.methods import BotApi
from bot.emulator.models import MEMBER_STATUSES, Account, ApiCall, Chat, Rejection
from bot.emulator.server import ApiServer
from bot.emulator.state import EmulatorState
from bot.emulator.users import ScriptedUser

T = TypeVar("T")


class TelegramEmulator:
    """One emulated Telegram for one bot token.

    strict_docs: also refuse what the Bot API documentation forbids but api.telegram.org
    tolerates: a bare "&" in HTML text and one-item media groups.  On by default, so bots
    stay within the documented contract; turn it off to mirror the real server exactly.
    """

    def __init__(
        self,
        token: str = "123:TEST",
        bot_username: str = "test_bot",
        *,
        bot_name: str | None = None,
        clock: Clock | None = None,
        strict_docs: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        first_update_id: int = 1,
    ) -> None:
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError("a bot token looks like '<bot id>:<secret>', e.g. '123:TEST'")
        self.token = token
        self.state = EmulatorState(
            token,
            bot_username,
            bot_name or bot_username.replace("_", " ").title(),
            clock=clock,
            strict_docs=strict_docs,
            first_update_id=first_update_id,
        )
        self.faults = FaultPlan()
        self.api = BotApi(self.state)
        self._server = ApiServer(
            token,
            self.api,
            self.faults,
            self.state.calls,
            self.state.rejections,
            self.state.downloads,
        )
        self._host = host
        self._port = port
        self._users: dict[int, ScriptedUser] = {}
        self._groups: dict[int, Supergroup] = {}

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> TelegramEmulator:
        """Bind the HTTP server (a free port on 127.0.0.1 by default)."""
        self.api.closing = False
        await self._server.start(self._host, self._port)
        return self

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        await self._server.stop()

    async def __aenter__(self) -> TelegramEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """e.g. http://127.0.0.1:PORT; aiogram: TelegramAPIServer.from_base(base_url)."""
        if not self._server.base_url:
            raise RuntimeError("the emulator is not started; await emulator.start() first")
        return self._server.base_url

    @property
    def api_url(self) -> str:
        """base_url + "/bot"; python-telegram-bot's base_url."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """base_url + "/file/bot"; python-telegram-bot's base_file_url."""
        return f"{self.base_url}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's own User object (what getMe returns, minus the capability flags)."""
        return self.state.bot.as_user()

    # -- the Telegram side ------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        phone: str | None = None,
        language_code: str | None = "en",
        is_premium: bool = False,
    ) -> ScriptedUser:
        """A scripted user (created once per id; later calls return the same user).

        The user's private chat exists only once the user has written to the bot, as in
        Telegram: before that, the bot's sendMessage gets "chat not found".
        """
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0 or user_id == self.state.bot.id:
            raise ValueError("user ids are positive and differ from the bot's id")
        account = Account(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            phone=phone,
            language_code=language_code,
            is_premium=is_premium,
        )
        self.state.accounts[user_id] = account
        scripted = ScriptedUser(self.state, account)
        self._users[user_id] = scripted
        return scripted

    def supergroup(
        self,
        chat_id: int,
        title: str = "Group",
        *,
        forum: bool = False,
        members: dict[int, str] | None = None,
        username: str | None = None,
        bot_status: str = "administrator",
        bot_can_manage_topics: bool = False,
        bot_can_delete_messages: bool = True,
    ) -> Supergroup:
        """A supergroup the bot is in (as an administrator by default).

        `members` maps user ids to "creator", "administrator", "member", "left" or "kicked";
        only members can write or press buttons there.
        """
        if chat_id in self._groups:
            return self._groups[chat_id]
        if chat_id >= 0:
            raise ValueError("supergroup ids are negative, e.g. -1001234567890")
        statuses = dict(members or {})
        for status in [*statuses.values(), bot_status]:
            if status not in MEMBER_STATUSES:
                raise ValueError(f"unknown member status {status!r}; use {sorted(MEMBER_STATUSES)}")
        chat = Chat(
            id=chat_id,
            type="supergroup",
            title=title,
            username=username,
            is_forum=forum,
            members=statuses,
            bot_status=bot_status,
            bot_can_manage_topics=bot_can_manage_topics,
            bot_can_delete_messages=bot_can_delete_messages,
        )
        self.state.chats[chat_id] = chat
        group = Supergroup(self.state, chat)
        self._groups[chat_id] = group
        return group

    # -- what the bot did -------------------------------------------------------------

    async def wait_until(
        self,
        condition: Callable[[], T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - a per-call deadline is the point of the API
    ) -> T:
        """Wait until `condition()` is truthy and return its value.

        Re-checked whenever the emulator's state changes (a message, an edit, an API call),
        so waiting for "the bot edited the message" or "the bot answered" needs no sleeps.
        """

        def probe() -> T | None:
            value = condition()
            return value if value else None

        try:
            return await self.state.notifier.wait_for(probe, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"condition not met within {timeout}s" + self.state.rejection_hint()
            ) from None

    @property
    def bot_calls(self) -> list[ApiCall]:
        """Every Bot API call, in order (getUpdates included)."""
        return self.state.calls

    def calls(self, method: str) -> list[ApiCall]:
        """Calls of one method (case-insensitive), in order."""
        wanted = method.lower()
        return [call for call in self.state.calls if call.method.lower() == wanted]

    @property
    def rejections(self) -> list[Rejection]:
        """Every call Telegram would have refused (injected faults are not rejections)."""
        return self.state.rejections

    def assert_no_rejections(self) -> None:
        """Fail the test if the bot made any call Telegram would have refused."""
        if self.state.rejections:
            lines = "\n".join(
                f"  {r.method}: {r.error_code} {r.description}  params={r.params!r}"
                for r in self.state.rejections
            )
            raise AssertionError(
                f"Telegram would have refused {len(self.state.rejections)} call(s):\n{lines}"
            )

    @property
    def files(self) -> FileStore:
        return self.state.files

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind any file_id (sent by a user or uploaded by the bot)."""
        stored = self.state.files.get(file_id)
        if stored is None:
            raise ScriptError(f"unknown file_id {file_id!r}")
        return stored.data

    @property
    def downloads(self) -> list[str]:
        """file_paths the bot downloaded via /file/bot<token>/..., in order."""
        return self.state.downloads

    @property
    def web_content(self) -> dict[str, bytes]:
        """Bytes to serve for HTTP URLs the bot sends instead of files (offline web).

        Unregistered URLs serve a generated placeholder image (photos, stickers) or the URL's
        text (other files).
        """
        return self.state.web_content

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet."""
        return self.state.updates.pending

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The parameters of the last setWebhook, or None."""
        return self.state.webhook

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The commands the bot set for a scope (default scope) and language."""
        params: dict[str, Any] = {"language_code": language_code}
        if scope is not None:
            params["scope"] = scope
        return list(self.state.commands.get(self.api._scope_key(params), []))
