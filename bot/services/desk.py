"""The staff desk port: the live chat operations a hand-over needs answers from.

Most replies are fire-and-forget `Outbound` actions.  Relaying is not: a topic's id
must be stored on the ticket, a copied message's id maps a staff reply back to its
ticket, and a failed copy (topic deleted, buyer blocked the bot) changes what happens
next.  So handlers get this small port, implemented by each channel, and nothing here
knows Telegram's libraries.

`StaffDirectory` answers "is this person staff?" (a member of the staff chat), asking
the channel at most once a minute per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from bot.clock import Clock

if TYPE_CHECKING:
    from handlers.types import Outbound


class DeskError(Exception):
    """A live call failed for a reason not covered below (network, rate limit, ...)."""


class ThreadGone(DeskError):
    """The topic no longer exists (someone deleted it)."""


class Unreachable(DeskError):
    """The person blocked the bot or deleted their account."""


class NoTopicRights(DeskError):
    """The bot may not create or manage topics in the staff chat."""


@dataclass(frozen=True, slots=True)
class StaffChatInfo:
    chat_id: int
    title: str
    is_forum: bool
    bot_is_admin: bool
    can_manage_topics: bool

    @property
    def mode(self) -> Literal["forum", "plain"]:
        """Topics per ticket when we can; else replies to a summary in the group."""
        return "forum" if self.is_forum and self.can_manage_topics else "plain"


MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})


class Desk(Protocol):
    async def chat_info(self, chat_id: int) -> StaffChatInfo: ...

    async def member_status(self, chat_id: int, user_id: int) -> str:
        """creator | administrator | member | restricted | left | kicked"""
        ...

    async def create_topic(self, chat_id: int, name: str) -> int:
        """A new forum topic; returns its message_thread_id."""
        ...

    async def rename_topic(self, chat_id: int, thread_id: int, name: str) -> None: ...

    async def close_topic(self, chat_id: int, thread_id: int) -> None: ...

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None: ...

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
        """Copy a message (caption, when given, is HTML and replaces the media's own);
        returns the new message's id."""
        ...

    async def send(self, action: Outbound) -> int | None:
        """Carry out an action; the id of the (first) message it sent, if any."""
        ...


class StaffDirectory:
    """Who is staff: members of the staff chat, asked of the channel and cached briefly
    (a removed member loses access within `ttl`; a busy desk does not ask per message)."""

    def __init__(self, chat_id: int | None, clock: Clock, ttl: timedelta = timedelta(seconds=60)):
        self.chat_id = chat_id
        self._clock = clock
        self._ttl = ttl
        self._cache: dict[int, tuple[bool, datetime]] = {}
        self.info: StaffChatInfo | None = None  # learned at start (see check_staff_chat)

    @property
    def mode(self) -> Literal["forum", "plain"]:
        return self.info.mode if self.info is not None else "forum"

    async def is_staff(self, user_id: int, desk: Desk | None) -> bool:
        if self.chat_id is None or desk is None:
            return False
        now = self._clock.now()
        cached = self._cache.get(user_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            status = await desk.member_status(self.chat_id, user_id)
        except DeskError:
            return False  # cannot check: refuse rather than guess
        answer = status in MEMBER_STATUSES
        self._cache[user_id] = (answer, now + self._ttl)
        return answer

    def topics_lost(self) -> None:
        """Creating a topic was refused: relay by replies in the plain group from now on."""
        if self.info is not None:
            self.info = StaffChatInfo(
                self.info.chat_id,
                self.info.title,
                self.info.is_forum,
                self.info.bot_is_admin,
                False,
            )
        elif self.chat_id is not None:
            self.info = StaffChatInfo(self.chat_id, "", True, False, False)
