"""Scripted supergroups: the staff group (optionally a forum) and its topics.

The test creates a group with `emulator.supergroup(...)`, reads what the bot posted there
and acts as the group's administrators do: creating, closing, renaming and deleting
topics.  Members post with `ScriptedUser.send(..., chat=group, thread_id=...)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.emulator.errors import ScriptError
from bot.emulator.models import Chat, Topic
from bot.emulator.state import EmulatorState

if TYPE_CHECKING:
    from bot.emulator.users import ScriptedUser


class Supergroup:
    """A supergroup (optionally a forum) the test created, e.g. the staff group."""

    def __init__(self, state: EmulatorState, chat: Chat) -> None:
        self._state = state
        self.chat = chat
        self._seen: set[int] = set()

    @property
    def id(self) -> int:
        return self.chat.id

    @property
    def title(self) -> str:
        return self.chat.title or ""

    @property
    def topics(self) -> dict[int, Topic]:
        """Live forum topics by message_thread_id."""
        return dict(self.chat.topics)

    def topic(self, name: str) -> Topic:
        """The live topic called `name` (ScriptError if there is none)."""
        for topic in self.chat.topics.values():
            if topic.name == name:
                return topic
        raise ScriptError(
            f"no topic named {name!r}; topics: {[t.name for t in self.topics.values()]}"
        )

    def messages(
        self,
        thread_id: int | None = None,
        *,
        from_bot: bool | None = None,
        include_service: bool = False,
    ) -> list[dict[str, Any]]:
        """Live messages (all, or one topic's), oldest first, as members see them.

        Service messages (topic created/closed/...) only with include_service=True.
        """
        return self._state.user_messages_view(
            self.chat, from_bot=from_bot, thread_id=thread_id, include_service=include_service
        )

    @property
    def chat_actions(self) -> list[tuple[str, int | None]]:
        """(action, message_thread_id) for every sendChatAction in this group."""
        return list(self.chat.chat_actions)

    def set_member(self, user_id: int, status: str) -> None:
        """Change a member's status ("member", "administrator", "creator", "left", ...)."""
        self.chat.members[user_id] = status

    def remove_bot(self, *, kicked: bool = False) -> None:
        """The bot leaves (or is banned from) the group: its sends then get 403."""
        self.chat.bot_status = "kicked" if kicked else "left"

    async def wait_message(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - a per-call deadline is the point of the API
        *,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The next not-yet-seen bot message in the group (or topic); service messages skipped."""

        def probe() -> dict[str, Any] | None:
            for message in sorted(self.chat.messages.values(), key=lambda m: m.message_id):
                if (
                    message.from_bot
                    and not message.is_service
                    and message.message_id not in self._seen
                    and (thread_id is None or message.thread_id == thread_id)
                ):
                    self._seen.add(message.message_id)
                    return message.user_view()
            return None

        try:
            return await self._state.notifier.wait_for(probe, timeout)
        except TimeoutError:
            where = f"topic {thread_id}" if thread_id is not None else "the group"
            raise TimeoutError(
                f"the bot sent nothing new to {where} within {timeout}s"
                + self._state.rejection_hint()
            ) from None

    # -- topics, as members see them -------------------------------------------------

    async def create_topic(
        self, name: str, *, by: ScriptedUser, icon_color: int = 0x6FB9F0
    ) -> Topic:
        """A member creates a topic; the bot receives the forum_topic_created message."""
        if not self.chat.is_forum:
            raise ScriptError(f"{self.title!r} is not a forum")
        by.require_member(self.chat)
        topic, message = self._state.create_topic(self.chat, by.account, name, icon_color)
        self._state.updates.push("message", message.data)
        return topic

    async def close_topic(self, thread_id: int, *, by: ScriptedUser) -> None:
        """An admin (or the topic's creator) closes it; the bot gets forum_topic_closed."""
        self._set_closed(thread_id, by, closed=True)

    async def reopen_topic(self, thread_id: int, *, by: ScriptedUser) -> None:
        """An admin (or the topic's creator) reopens it; the bot gets forum_topic_reopened."""
        self._set_closed(thread_id, by, closed=False)

    async def rename_topic(self, thread_id: int, name: str, *, by: ScriptedUser) -> None:
        """An admin (or the topic's creator) renames it; the bot gets forum_topic_edited."""
        topic = self._managed_topic(thread_id, by)
        if not name.strip() or name.strip() == topic.name:
            raise ScriptError(f"rename {topic.name!r} to a new, non-empty name")
        topic.name = name.strip()[:128]
        self._service(by, thread_id, {"forum_topic_edited": {"name": topic.name}})

    async def delete_topic(self, thread_id: int, *, by: ScriptedUser | None = None) -> None:
        """An administrator deletes the topic with all its messages (`by` None: the group's
        owner).  Telegram sends the bot no update; its next send there gets
        "Bad Request: message thread not found"."""
        topic = self._live_topic(thread_id)
        if by is not None and self.chat.members.get(by.id) not in ("creator", "administrator"):
            raise ScriptError(f"{by.first_name} is not an administrator of {self.title!r}")
        self._state.delete_topic(self.chat, topic.thread_id)

    def _live_topic(self, thread_id: int) -> Topic:
        if not self.chat.is_forum:
            raise ScriptError(f"{self.title!r} is not a forum")
        topic = self.chat.topics.get(thread_id)
        if topic is None:
            raise ScriptError(f"topic {thread_id} does not exist in {self.title!r}")
        return topic

    def _managed_topic(self, thread_id: int, by: ScriptedUser) -> Topic:
        topic = self._live_topic(thread_id)
        by.require_member(self.chat)
        is_admin = self.chat.members.get(by.id) in ("creator", "administrator")
        if not is_admin and topic.created_by != by.id:
            raise ScriptError(f"{by.first_name} may not manage topic {topic.name!r}")
        return topic

    def _set_closed(self, thread_id: int, by: ScriptedUser, *, closed: bool) -> None:
        topic = self._managed_topic(thread_id, by)
        if topic.closed == closed:
            raise ScriptError(f"topic {topic.name!r} is already {'closed' if closed else 'open'}")
        topic.closed = closed
        kind = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service(by, thread_id, {kind: {}})

    def _service(self, by: ScriptedUser, thread_id: int, content: dict[str, Any]) -> None:
        message = self._state.add_message(
            self.chat, by.account, content, thread_id=thread_id, is_service=True
        )
        self._state.updates.push("message", message.data)
