"""Who is staff: members of the staff chat, asked of the channel at most once a minute
per person, refused when the channel cannot say; and the relaying mode learned at start."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from bot.clock import FakeClock
from bot.services.desk import DeskError, StaffChatInfo, StaffDirectory, ThreadGone

if TYPE_CHECKING:
    from handlers.types import Outbound

STAFF_CHAT = -100_555
ALEX, SAM = 4001, 4002


class FakeDesk:
    """The desk port with membership answers kept in a dict; counts what it was asked."""

    def __init__(self, statuses: dict[int, str] | None = None) -> None:
        self.statuses = dict(statuses or {})
        self.failures: list[DeskError] = []  # raised, in order, before answering again
        self.asked: list[tuple[int, int]] = []

    async def chat_info(self, chat_id: int) -> StaffChatInfo:
        return StaffChatInfo(chat_id, "Staff", True, True, True)

    async def member_status(self, chat_id: int, user_id: int) -> str:
        self.asked.append((chat_id, user_id))
        if self.failures:
            raise self.failures.pop(0)
        return self.statuses.get(user_id, "left")

    async def create_topic(self, chat_id: int, name: str) -> int:
        raise NotImplementedError

    async def rename_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        raise NotImplementedError

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        raise NotImplementedError

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        raise NotImplementedError

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
        raise NotImplementedError

    async def send(self, action: Outbound) -> int | None:
        raise NotImplementedError


@pytest.mark.parametrize(
    ("status", "staff"),
    [
        ("creator", True),
        ("administrator", True),
        ("member", True),
        ("restricted", True),  # still in the group, only some rights taken away
        ("left", False),
        ("kicked", False),
    ],
)
async def test_members_of_the_staff_chat_are_staff(
    clock: FakeClock, status: str, staff: bool
) -> None:
    desk = FakeDesk({ALEX: status})
    directory = StaffDirectory(STAFF_CHAT, clock)
    assert await directory.is_staff(ALEX, desk) is staff
    assert desk.asked == [(STAFF_CHAT, ALEX)]


async def test_answers_are_kept_a_minute_per_person(clock: FakeClock) -> None:
    desk = FakeDesk({ALEX: "member", SAM: "administrator"})
    directory = StaffDirectory(STAFF_CHAT, clock)
    assert await directory.is_staff(ALEX, desk)
    assert await directory.is_staff(SAM, desk)
    assert len(desk.asked) == 2

    desk.statuses[ALEX] = "kicked"  # removed from the staff group
    clock.advance(timedelta(seconds=59))
    assert await directory.is_staff(ALEX, desk)  # still the remembered answer
    assert len(desk.asked) == 2

    clock.advance(timedelta(seconds=1))
    assert not await directory.is_staff(ALEX, desk)  # asked again: gone
    assert desk.asked[2:] == [(STAFF_CHAT, ALEX)]
    # A "no" is remembered as well, and a returning member counts again after it.
    desk.statuses[ALEX] = "member"
    assert not await directory.is_staff(ALEX, desk)
    assert len(desk.asked) == 3
    clock.advance(timedelta(seconds=60))
    assert await directory.is_staff(ALEX, desk)
    assert len(desk.asked) == 4


@pytest.mark.parametrize("failure", [DeskError("timeout"), ThreadGone("gone")])
async def test_when_the_channel_cannot_say_nobody_is_staff_and_it_asks_again(
    clock: FakeClock, failure: DeskError
) -> None:
    desk = FakeDesk({ALEX: "administrator"})
    desk.failures.append(failure)
    directory = StaffDirectory(STAFF_CHAT, clock)

    assert not await directory.is_staff(ALEX, desk)
    # The refusal is not remembered: the next message asks again and gets through.
    assert await directory.is_staff(ALEX, desk)
    assert len(desk.asked) == 2


async def test_without_a_staff_chat_or_a_desk_nobody_is_staff(clock: FakeClock) -> None:
    desk = FakeDesk({ALEX: "creator"})
    assert not await StaffDirectory(None, clock).is_staff(ALEX, desk)
    assert desk.asked == []
    assert not await StaffDirectory(STAFF_CHAT, clock).is_staff(ALEX, None)


def test_mode_is_forum_only_with_topics_and_the_right_to_manage_them(clock: FakeClock) -> None:
    directory = StaffDirectory(STAFF_CHAT, clock)
    assert directory.mode == "forum"  # until the check at start says otherwise
    directory.info = StaffChatInfo(STAFF_CHAT, "Staff", True, True, True)
    assert directory.mode == "forum"
    for info in (
        StaffChatInfo(STAFF_CHAT, "Staff", False, True, True),  # not a forum
        StaffChatInfo(STAFF_CHAT, "Staff", True, True, False),  # no Manage topics
    ):
        directory.info = info
        assert directory.mode == "plain"


def test_topics_lost_switches_to_plain_and_keeps_what_was_learned(clock: FakeClock) -> None:
    directory = StaffDirectory(STAFF_CHAT, clock)
    directory.info = StaffChatInfo(STAFF_CHAT, "Support staff", True, True, True)

    directory.topics_lost()

    assert directory.mode == "plain"
    assert directory.info == StaffChatInfo(STAFF_CHAT, "Support staff", True, True, False)


def test_topics_lost_before_the_start_check_also_means_plain(clock: FakeClock) -> None:
    directory = StaffDirectory(STAFF_CHAT, clock)
    directory.topics_lost()
    assert directory.mode == "plain"
    assert directory.info is not None and directory.info.chat_id == STAFF_CHAT
