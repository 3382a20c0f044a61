"""The emulator's world: accounts, chats, topics, messages, callback queries, call records.

Plain dataclasses, kept separate from the HTTP layer so that the same state is driven from
two sides: the bot through the Bot API, and tests through the scripted-user API.  Each
object renders itself as the Bot API dict Telegram would return.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "supergroup"]
MemberStatus = Literal["creator", "administrator", "member", "left", "kicked"]
MEMBER_STATUSES: frozenset[str] = frozenset(
    {"creator", "administrator", "member", "left", "kicked"}
)
IN_CHAT_STATUSES: frozenset[str] = frozenset({"creator", "administrator", "member"})

#: Telegram's six topic icon colours; createForumTopic accepts only these.
TOPIC_ICON_COLORS: tuple[int, ...] = (
    0x6FB9F0,
    0xFFD67E,
    0xCB86DB,
    0x8EEE98,
    0xFF93B2,
    0xFB6F5F,
)


@dataclass
class Account:
    """A Telegram account: a scripted user or the bot itself."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    is_premium: bool = False

    def as_user(self) -> dict[str, Any]:
        """The Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code and not self.is_bot:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user


@dataclass
class Topic:
    """A forum topic; its thread id is the id of its forum_topic_created service message."""

    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    created_by: int = 0

    def as_forum_topic(self) -> dict[str, Any]:
        """The Bot API ForumTopic object."""
        topic: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass
class StoredMessage:
    """A message in a chat, as Telegram stores it.

    `data` is the Bot API Message object the bot sees.  `markup` is the keyboard as the
    user sees it: Telegram's Message only echoes inline keyboards, but a scripted user also
    needs to see the reply keyboard (e.g. the "Share phone" button) a message carried.
    """

    chat_id: int
    message_id: int
    sender_id: int
    from_bot: bool
    data: dict[str, Any]
    markup: dict[str, Any] | None = None
    thread_id: int | None = None
    deleted: bool = False
    is_service: bool = False

    @property
    def content_type(self) -> str:
        """ "text", "photo", "document", ... : the key of the message's content."""
        for key in (
            "text",
            "photo",
            "document",
            "video",
            "voice",
            "sticker",
            "contact",
            "forum_topic_created",
            "forum_topic_edited",
            "forum_topic_closed",
            "forum_topic_reopened",
        ):
            if key in self.data:
                return key
        return "unknown"

    def user_view(self) -> dict[str, Any]:
        """A deep copy of the message with the keyboard the user sees (any kind)."""
        view = copy.deepcopy(self.data)
        if self.markup is not None:
            view["reply_markup"] = copy.deepcopy(self.markup)
        return view


@dataclass
class Chat:
    """A private chat with one user, or a supergroup (optionally a forum)."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    #: Group members' statuses by user id (the bot's own status is `bot_status`).
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    bot_can_manage_topics: bool = False
    bot_can_delete_messages: bool = False
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    deleted_topics: set[int] = field(default_factory=set)
    chat_actions: list[tuple[str, int | None]] = field(default_factory=list)
    next_message_id: int = 1
    #: For private chats: the user blocked the bot.
    blocked: bool = False

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def live_message(self, message_id: int) -> StoredMessage | None:
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message


@dataclass
class CallbackQuery:
    """A button press and, once the bot answers, its answerCallbackQuery parameters."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class ApiCall:
    """One HTTP call the bot made, for tests that inspect the bot's behaviour."""

    method: str
    params: dict[str, Any]
    ok: bool = True
    error_code: int | None = None
    description: str | None = None
    #: The injected fault that answered or delayed this call, if any.
    fault: str | None = None
    result: Any = field(default=None, repr=False)


@dataclass
class Rejection:
    """A call Telegram would have refused: the bot has a bug (or the test expects one)."""

    method: str
    params: dict[str, Any]
    description: str
    error_code: int = 400
    #: Extra context for humans, e.g. "a real Bot API method the emulator does not implement".
    note: str | None = None
