"""The Bot API method table: method name -> handler, plus getMe, getUpdates and webhooks.

The handlers live in api_messages.py (messages) and api_chats.py (chats, topics, commands);
this module wires them to method names and owns the update-delivery methods, whose long
polling is the one stateful conversation with the bot itself.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from bot.emulator.api_chats import ChatMethods
from bot.emulator.api_messages import MEDIA_FIELDS, MessageMethods
from bot.emulator.errors import bad_request, conflict
from bot.emulator.state import DEFAULT_ALLOWED_UPDATES, EmulatorState

Handler = Callable[[dict[str, Any]], Awaitable[Any]]

_CONFLICT_POLL = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)


class BotApi(MessageMethods, ChatMethods):
    """Method name -> handler, over one EmulatorState."""

    def __init__(self, state: EmulatorState) -> None:
        super().__init__(state)
        self._poll_generation = 0
        self.closing = False
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "sendMessage": self.send_message,
            **{name: partial(self.send_media, name) for name in MEDIA_FIELDS},
            "sendMediaGroup": self.send_media_group,
            "sendChatAction": self.send_chat_action,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "copyMessage": self.copy_message,
            "forwardMessage": self.forward_message,
            "createForumTopic": self.create_forum_topic,
            "editForumTopic": self.edit_forum_topic,
            "closeForumTopic": self.close_forum_topic,
            "reopenForumTopic": self.reopen_forum_topic,
            "deleteForumTopic": self.delete_forum_topic,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
        }

    async def dispatch(self, method: str, params: dict[str, Any]) -> Any:
        """Run one method; the caller has resolved the canonical name and typed the params."""
        return await self.handlers[method](params)

    # -- updates and webhooks ---------------------------------------------------------

    async def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.state.bot.as_user()
        user.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return user

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.state.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        self._poll_generation += 1
        generation = self._poll_generation
        self.state.notifier.notify()  # a waiting earlier poll now sees it is superseded
        queue = self.state.updates
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            if isinstance(allowed, list):
                # An empty list means "the default set", as in Telegram.
                chosen = frozenset(str(kind) for kind in allowed)
                queue.allowed = chosen or DEFAULT_ALLOWED_UPDATES
        if "offset" in params:
            queue.confirm(params["offset"])
        limit = params.get("limit", 100)
        limit = 100 if not 1 <= limit <= 100 else limit
        timeout = max(0, params.get("timeout", 0))

        def probe() -> list[dict[str, Any]] | None:
            if generation != self._poll_generation:
                raise conflict(_CONFLICT_POLL)
            updates = queue.peek(limit)
            return updates if updates or self.closing else None

        if timeout == 0:
            return queue.peek(limit)
        try:
            return copy.deepcopy(await self.state.notifier.wait_for(probe, timeout))
        except TimeoutError:
            return []

    def wake_pollers(self) -> None:
        """Let pending long polls return (used when the emulator stops)."""
        self.closing = True
        self.state.notifier.notify()

    async def set_webhook(self, params: dict[str, Any]) -> bool:
        url = params["url"]
        if not url:
            self.state.webhook = None
            return True
        if not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        self.state.webhook = {key: value for key, value in params.items() if key != "certificate"}
        if isinstance(params.get("allowed_updates"), list) and params["allowed_updates"]:
            self.state.updates.allowed = frozenset(map(str, params["allowed_updates"]))
        return True

    async def delete_webhook(self, params: dict[str, Any]) -> bool:
        self.state.webhook = None
        if params.get("drop_pending_updates"):
            self.state.updates.clear()
        return True
