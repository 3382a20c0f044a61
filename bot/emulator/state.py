"""The shared state of one emulator: accounts, chats, messages, files and the update queue.

Both sides write here: the Bot API methods (bot -> users) and the scripted users
(users -> bot).  Every change wakes the waiters (long-polling getUpdates, a test's
`wait_message`), which is how tests stay fast without sleeping.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

from bot.clock import Clock, SystemClock
from bot.emulator.files import FileStore, StoredFile
from bot.emulator.models import (
    Account,
    ApiCall,
    CallbackQuery,
    Chat,
    Rejection,
    StoredMessage,
    Topic,
)

T = TypeVar("T")

#: Update kinds Telegram sends when allowed_updates was never set.
DEFAULT_ALLOWED_UPDATES: frozenset[str] = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class Notifier:
    """Wakes every waiter when anything changes; waiters re-check their own condition.

    One broadcast signal instead of per-condition queues keeps the model simple: waits are
    short and few (a long poll and a test step), so re-checking is cheap.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, probe: Callable[[], T | None], seconds: float) -> T:
        """The first non-None `probe()` result; TimeoutError after `seconds`."""
        async with asyncio.timeout(seconds):
            while True:
                event = self._event
                value = probe()
                if value is not None:
                    return value
                await event.wait()


class UpdateQueue:
    """Telegram's per-bot update queue: kept until confirmed by a later getUpdates offset."""

    def __init__(self, notifier: Notifier, first_update_id: int = 1) -> None:
        self._notifier = notifier
        self._updates: list[dict[str, Any]] = []
        self._next_id = first_update_id
        self.allowed: frozenset[str] = DEFAULT_ALLOWED_UPDATES

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update of `kind`, unless the bot's allowed_updates excludes it."""
        if kind not in self.allowed:
            return None
        update = {"update_id": self._next_id, kind: copy.deepcopy(payload)}
        self._next_id += 1
        self._updates.append(update)
        self._notifier.notify()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates before `offset`; a negative offset keeps only the last -offset."""
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    @property
    def next_id(self) -> int:
        """The id the next update will get (ids below it were queued before)."""
        return self._next_id

    def acknowledge(self, update_id: int) -> None:
        """Forget one update: a webhook delivery is acknowledged update by update (each
        POST's 200), in whatever order its connections finish."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]

    def peek(self, limit: int) -> list[dict[str, Any]]:
        return self._updates[:limit]

    def clear(self) -> None:
        self._updates.clear()

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self._updates)


class EmulatorState:
    """Everything one emulated Telegram knows about one bot and its users."""

    def __init__(
        self,
        token: str,
        bot_username: str,
        bot_name: str,
        *,
        clock: Clock | None = None,
        strict_docs: bool = True,
        first_update_id: int = 1,
    ) -> None:
        self.token = token
        self.clock: Clock = clock or SystemClock()
        self.strict_docs = strict_docs
        self.bot = Account(
            id=int(token.split(":", 1)[0]), first_name=bot_name, username=bot_username, is_bot=True
        )
        self.accounts: dict[int, Account] = {self.bot.id: self.bot}
        self.chats: dict[int, Chat] = {}
        self.blocked_by: set[int] = set()
        self.files = FileStore(salt=token)
        self.notifier = Notifier()
        self.updates = UpdateQueue(self.notifier, first_update_id)
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] | None = None
        #: Bytes served for HTTP URLs passed instead of files (an offline "web").
        self.web_content: dict[str, bytes] = {}
        self.calls: list[ApiCall] = []
        self.rejections: list[Rejection] = []
        self.downloads: list[str] = []
        self._ids = itertools.count(1)

    # -- identities -------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def next_id(self) -> int:
        """A fresh number for callback query ids, media group ids, ..."""
        return next(self._ids)

    def rejection_hint(self) -> str:
        """A note on the latest refused calls, appended to wait timeouts to explain them."""
        if not self.rejections:
            return ""
        latest = "; ".join(f"{r.method}: {r.description}" for r in self.rejections[-3:])
        return f" (Telegram refused {len(self.rejections)} call(s), latest: {latest})"

    def user_object(self, user_id: int) -> dict[str, Any] | None:
        account = self.accounts.get(user_id)
        return account.as_user() if account else None

    def chat_object(self, chat: Chat) -> dict[str, Any]:
        """The Bot API Chat object (the short form embedded in messages)."""
        if chat.type == "private":
            account = self.accounts[chat.id]
            result: dict[str, Any] = {"id": chat.id, "first_name": account.first_name}
            if account.last_name:
                result["last_name"] = account.last_name
            if account.username:
                result["username"] = account.username
            result["type"] = "private"
            return result
        result = {"id": chat.id, "title": chat.title, "type": "supergroup"}
        if chat.username:
            result["username"] = chat.username
        if chat.is_forum:
            result["is_forum"] = True
        return result

    def private_chat(self, account: Account) -> Chat:
        """The private chat with a user, created when the user first writes to the bot."""
        chat = self.chats.get(account.id)
        if chat is None:
            chat = Chat(id=account.id, type="private")
            self.chats[account.id] = chat
        return chat

    # -- messages ---------------------------------------------------------------------

    def add_message(
        self,
        chat: Chat,
        sender: Account,
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
        reply_to: StoredMessage | None = None,
        markup: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        is_service: bool = False,
    ) -> StoredMessage:
        """Store a new message and return it; the caller decides whether it is an update."""
        message_id = chat.allocate_message_id()
        data: dict[str, Any] = {"message_id": message_id}
        in_topic = chat.is_forum and thread_id is not None
        if thread_id is not None:
            data["message_thread_id"] = thread_id
        data["from"] = sender.as_user()
        data["chat"] = self.chat_object(chat)
        data["date"] = self.now()
        if in_topic:
            data["is_topic_message"] = True
        if reply_to is None and in_topic and thread_id is not None and thread_id != message_id:
            # Telegram shows a topic's messages as replies to its creation message.
            reply_to = chat.messages.get(thread_id)
        if reply_to is not None:
            quoted = copy.deepcopy(reply_to.data)
            quoted.pop("reply_to_message", None)
            data["reply_to_message"] = quoted
        if extra:
            data.update(extra)
        data.update(content)
        if markup is not None and "inline_keyboard" in markup:
            data["reply_markup"] = copy.deepcopy(markup)
        stored = StoredMessage(
            chat_id=chat.id,
            message_id=message_id,
            sender_id=sender.id,
            from_bot=sender.is_bot,
            data=data,
            markup=copy.deepcopy(markup),
            thread_id=thread_id,
            is_service=is_service,
        )
        chat.messages[message_id] = stored
        self.notifier.notify()
        return stored

    def create_topic(
        self,
        chat: Chat,
        creator: Account,
        name: str,
        icon_color: int,
        icon_custom_emoji_id: str | None = None,
    ) -> tuple[Topic, StoredMessage]:
        """A new forum topic and its forum_topic_created service message."""
        thread_id = chat.next_message_id
        created: dict[str, Any] = {"name": name, "icon_color": icon_color}
        if icon_custom_emoji_id:
            created["icon_custom_emoji_id"] = icon_custom_emoji_id
        topic = Topic(thread_id, name, icon_color, icon_custom_emoji_id, created_by=creator.id)
        chat.topics[thread_id] = topic
        message = self.add_message(
            chat,
            creator,
            {"forum_topic_created": created},
            thread_id=thread_id,
            is_service=True,
        )
        return topic, message

    def delete_topic(self, chat: Chat, thread_id: int) -> None:
        """Delete a forum topic and every message in it (no update reaches the bot)."""
        del chat.topics[thread_id]
        chat.deleted_topics.add(thread_id)
        for message in chat.messages.values():
            if message.thread_id == thread_id:
                message.deleted = True
        self.notifier.notify()

    @staticmethod
    def reply_thread(chat: Chat, reply_to: StoredMessage) -> int | None:
        """The thread a reply joins when none is named.

        In a forum, the replied message's topic (None for the General topic).  In an
        ordinary supergroup every reply chain is a thread rooted at its first message, and
        Telegram reports its root as message_thread_id (without is_topic_message).
        """
        if chat.type != "supergroup":
            return None
        if chat.is_forum:
            return reply_to.thread_id
        return reply_to.thread_id or reply_to.message_id

    def user_messages_view(
        self,
        chat: Chat,
        *,
        from_bot: bool | None = None,
        thread_id: int | None = None,
        include_service: bool = False,
    ) -> list[dict[str, Any]]:
        """Live messages of a chat as users see them, oldest first."""
        return [
            message.user_view()
            for message in sorted(chat.messages.values(), key=lambda m: m.message_id)
            if not message.deleted
            and (include_service or not message.is_service)
            and (from_bot is None or message.from_bot == from_bot)
            and (thread_id is None or message.thread_id == thread_id)
        ]


def media_object(stored: StoredFile, **extra: Any) -> dict[str, Any]:
    """The Bot API Document / Video / Voice / Sticker object for a stored file."""
    result: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.kind in ("video", "sticker"):
        result["width"] = stored.width or 0
        result["height"] = stored.height or 0
    if stored.kind in ("video", "voice"):
        result["duration"] = stored.duration or 0
    if stored.kind == "sticker":
        result.update(type="regular", is_animated=False, is_video=False)
    if stored.thumbnail is not None:
        result["thumbnail"] = stored.thumbnail.as_photo_size()
    if stored.file_name and stored.kind in ("document", "video"):
        result["file_name"] = stored.file_name
    if stored.mime_type and stored.kind != "sticker":
        result["mime_type"] = stored.mime_type
    result.update({key: value for key, value in extra.items() if value is not None})
    result["file_size"] = stored.file_size
    return result


def content_for_file(stored: StoredFile, **extra: Any) -> dict[str, Any]:
    """Message content ({"photo": [...]}, {"document": {...}}, ...) showing a stored file."""
    if stored.kind == "photo":
        return {"photo": [size.as_photo_size() for size in stored.photo_sizes or [stored]]}
    return {stored.kind: media_object(stored, **extra)}
