"""Bot API methods about chats: forum topics, chat info and members, bot commands."""

from __future__ import annotations

import copy
from typing import Any

from bot.emulator.api_base import ApiBase, int_or_none
from bot.emulator.errors import bad_request
from bot.emulator.models import TOPIC_ICON_COLORS, Chat, Topic

COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    # Required since Bot API 10.3 (aiogram 3.31 refuses an administrator without it),
    # although schema.py, generated from the 10.1 schema, does not list it yet.
    "can_send_welcome_messages",
    "can_pin_messages",
    "can_manage_topics",
)


def clean_topic_name(name: str) -> str:
    """A topic name as tdlib's clean_name leaves it: trimmed, cut to 128 characters."""
    return name.strip()[:128].strip()


class ChatMethods(ApiBase):
    """Forum topics, getChat / getChatMember / getChatAdministrators, and commands."""

    # -- commands ---------------------------------------------------------------------

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind not in COMMAND_SCOPES:
            raise bad_request("unsupported bot command scope type")
        key = kind
        if kind in ("chat", "chat_administrators", "chat_member"):
            if scope.get("chat_id") is None:
                raise bad_request("chat_id is empty")
            raw_chat = scope["chat_id"]
            chat = self.chat(int_or_none(raw_chat) or raw_chat)
            key = f"{kind}:{chat.id}"
            if kind == "chat_member":
                user_id = int_or_none(scope.get("user_id"))
                if user_id is None or user_id not in self.state.accounts:
                    raise bad_request("user not found")
                key = f"{key}:{user_id}"
        language = params.get("language_code") or ""
        if language and (len(language) != 2 or not language.isalpha()):
            raise bad_request("invalid language code specified")
        return key, language.lower()

    async def set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        cleaned: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand: Object expected")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str):
                raise bad_request('can\'t parse BotCommand: Field "command" must be of type String')
            if not isinstance(description, str):
                raise bad_request(
                    'can\'t parse BotCommand: Field "description" must be of type String'
                )
            name = name.removeprefix("/")
            valid_name = 1 <= len(name) <= 32 and all(
                ch.isascii() and (ch.islower() or ch.isdigit() or ch == "_") for ch in name
            )
            if not valid_name:
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description.strip()})
        key = self._scope_key(params)
        if cleaned:
            self.state.commands[key] = cleaned
        else:
            self.state.commands.pop(key, None)
        return True

    async def get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return copy.deepcopy(self.state.commands.get(self._scope_key(params), []))

    async def delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.state.commands.pop(self._scope_key(params), None)
        return True

    # -- forum topics -----------------------------------------------------------------
    #
    # Wording from tdlib's ForumTopicManager: rights are checked locally only for topics
    # the bot knows and did not create; anything else is the server's answer.

    def forum(self, chat_id: Any) -> Chat:
        chat = self.writable_chat(chat_id)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        return chat

    def topic(self, chat: Chat, thread_id: int, *, allowed: bool, refusal: str) -> Topic:
        """The topic a topic method names; `refusal` unless `allowed` or the bot created it."""
        if thread_id <= 0:
            raise bad_request("invalid message thread identifier specified")
        topic = chat.topics.get(thread_id)
        if topic is None:
            # A deleted or never-existing topic: the server refuses the topic id.
            raise bad_request("TOPIC_ID_INVALID")
        if not allowed and topic.created_by != self.state.bot.id:
            raise bad_request(refusal)
        return topic

    def _topic_service(self, chat: Chat, thread_id: int, content: dict[str, Any]) -> None:
        self.state.add_message(chat, self.state.bot, content, thread_id=thread_id, is_service=True)

    async def create_forum_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.forum(params["chat_id"])
        if not self.can_manage_topics(chat):
            raise bad_request("not enough rights to create a topic")
        name = clean_topic_name(params["name"])
        if not name:
            raise bad_request("title must be non-empty")
        color = params.get("icon_color", TOPIC_ICON_COLORS[0])
        if color not in TOPIC_ICON_COLORS:
            raise bad_request("TOPIC_ICON_COLOR_INVALID")
        topic, _message = self.state.create_topic(
            chat, self.state.bot, name, color, params.get("icon_custom_emoji_id")
        )
        return topic.as_forum_topic()

    async def edit_forum_topic(self, params: dict[str, Any]) -> bool:
        """Rename (an empty or missing name keeps it) and/or change the icon; closed topics
        can be edited too.  Nothing to change is a no-op; the same values are
        TOPIC_NOT_MODIFIED."""
        chat = self.forum(params["chat_id"])
        topic = self.topic(
            chat,
            params["message_thread_id"],
            allowed=self.can_manage_topics(chat),
            refusal="not enough rights to edit the topic",
        )
        name = clean_topic_name(params.get("name") or "")
        emoji = params.get("icon_custom_emoji_id")
        if not name and emoji is None:
            return True  # tdlib answers without asking the server
        edited: dict[str, Any] = {}
        if name and name != topic.name:
            topic.name = edited["name"] = name
        if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
            topic.icon_custom_emoji_id = emoji or None
            edited["icon_custom_emoji_id"] = emoji
        if not edited:
            raise bad_request("TOPIC_NOT_MODIFIED")
        self._topic_service(chat, topic.thread_id, {"forum_topic_edited": edited})
        return True

    async def close_forum_topic(self, params: dict[str, Any]) -> bool:
        return self._toggle_closed(params, closed=True)

    async def reopen_forum_topic(self, params: dict[str, Any]) -> bool:
        return self._toggle_closed(params, closed=False)

    def _toggle_closed(self, params: dict[str, Any], *, closed: bool) -> bool:
        chat = self.forum(params["chat_id"])
        topic = self.topic(
            chat,
            params["message_thread_id"],
            allowed=self.can_manage_topics(chat),
            refusal="not enough rights to close or open the topic",
        )
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        service = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._topic_service(chat, topic.thread_id, {service: {}})
        return True

    async def delete_forum_topic(self, params: dict[str, Any]) -> bool:
        """Needs can_delete_messages (not can_manage_topics), as the documentation says."""
        chat = self.forum(params["chat_id"])
        may_delete = chat.bot_status == "creator" or (
            chat.bot_status == "administrator" and chat.bot_can_delete_messages
        )
        topic = self.topic(
            chat,
            params["message_thread_id"],
            allowed=may_delete,
            refusal="not enough rights to delete the topic",
        )
        self.state.delete_topic(chat, topic.thread_id)
        return True

    # -- chats and members ------------------------------------------------------------

    async def get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params["chat_id"])
        info = self.state.chat_object(chat)
        if chat.type == "private":
            info["bio"] = ""
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        )
        return info

    def member_object(self, chat: Chat, user_id: int, status: str) -> dict[str, Any]:
        """The Bot API ChatMember object for a user with `status` in `chat`."""
        account = self.state.accounts.get(user_id)
        user = account.as_user() if account else {"id": user_id, "is_bot": False, "first_name": ""}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            is_bot = user_id == self.state.bot.id
            for right in _ADMIN_RIGHTS:
                member[right] = right not in ("can_be_edited", "is_anonymous")
            if is_bot:
                member["can_manage_topics"] = chat.bot_can_manage_topics
                member["can_delete_messages"] = chat.bot_can_delete_messages
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params["chat_id"])
        user_id = params["user_id"]
        if user_id not in self.state.accounts and user_id not in chat.members:
            raise bad_request("user not found")
        if chat.type == "private":
            if user_id not in (chat.id, self.state.bot.id):
                raise bad_request("user not found")
            blocked = chat.id in self.state.blocked_by and user_id == self.state.bot.id
            return self.member_object(chat, user_id, "kicked" if blocked else "member")
        if user_id == self.state.bot.id:
            return self.member_object(chat, user_id, chat.bot_status)
        return self.member_object(chat, user_id, chat.members.get(user_id, "left"))

    async def get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self.chat(params["chat_id"])
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        result = []
        for user_id, status in chat.members.items():
            account = self.state.accounts.get(user_id)
            is_bot = account is not None and account.is_bot
            if status in ("creator", "administrator") and (not is_bot or params.get("return_bots")):
                result.append(self.member_object(chat, user_id, status))
        if chat.bot_status == "administrator":
            result.append(self.member_object(chat, self.state.bot.id, "administrator"))
        return result
