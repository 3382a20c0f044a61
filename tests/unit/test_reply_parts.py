"""Sending the parts of one message or reply: resume where it stopped, skip what Telegram
refuses for good, retry an unanswered call only once; stored replies read back as sent."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.base import TelegramChannel
from bot.channels.telegram import ApiCall
from bot.services.outbox import Parts, PermanentSendError, TransientSendError
from handlers.types import (
    AnswerButton,
    Button,
    ChatAction,
    EditKeyboard,
    EditText,
    Keyboard,
    Outbound,
    PhotoRef,
    RenameTopic,
    SendDocument,
    SendPhotos,
    SendText,
    SetCommands,
    action_from_json,
    action_to_json,
    is_ephemeral,
)


class ScriptedChannel(TelegramChannel):
    """A channel whose calls fail as scripted: {call number: exception}."""

    def __init__(self, failures: dict[int, Exception] | None = None) -> None:
        super().__init__(core=None)  # type: ignore[arg-type]
        self.failures = failures or {}
        self.tried: list[str] = []
        self.delivered: list[str] = []

    async def call(self, call: ApiCall) -> Any:
        number = len(self.tried)
        label = call.params.get("text") or call.method
        self.tried.append(label)
        failure = self.failures.get(number)
        if failure is not None:
            raise failure
        self.delivered.append(label)
        return {}

    async def fetch_file(self, file_id: str) -> bytes:
        raise NotImplementedError

    async def setup(self) -> None: ...
    async def fetch_updates(self, offset: int | None, wait: int) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None: ...


def texts(*labels: str) -> list[ApiCall]:
    return [ApiCall("sendMessage", {"chat_id": 1, "text": label}) for label in labels]


class Saved:
    def __init__(self) -> None:
        self.writes: list[tuple[int, int | None]] = []

    async def __call__(self, done: int, unsure: int | None) -> None:
        self.writes.append((done, unsure))


async def test_a_retry_resumes_at_the_first_unsent_part() -> None:
    channel = ScriptedChannel({1: TransientSendError("Too Many Requests", retry_after=1)})
    saved = Saved()
    parts = Parts(save=saved)
    with pytest.raises(TransientSendError):
        await channel.send_parts(texts("summary", "album", "note"), parts)
    assert parts.done == 1 and saved.writes == [(1, None)]  # written before the next part
    await channel.send_parts(texts("summary", "album", "note"), parts)
    assert channel.delivered == ["summary", "album", "note"]  # nothing twice
    assert saved.writes == [(1, None), (2, None)]  # the last part: the final write records it


async def test_a_part_refused_for_good_does_not_hold_back_the_others() -> None:
    channel = ScriptedChannel({0: PermanentSendError("Bad Request: PHOTO_INVALID_DIMENSIONS")})
    parts = Parts()
    await channel.send_parts(texts("album", "summary"), parts)
    assert channel.delivered == ["summary"] and parts.done == 2
    assert parts.refused == ["part 1/2: sendMessage: Bad Request: PHOTO_INVALID_DIMENSIONS"]
    assert not parts.all_refused


async def test_an_edit_that_changes_nothing_is_not_a_failure() -> None:
    error = PermanentSendError("Bad Request: message is not modified: specified new content")
    channel = ScriptedChannel({0: error})
    parts = Parts()
    await channel.send_parts(texts("card"), parts)
    assert parts.done == 1 and parts.refused == []


async def test_a_blocked_chat_stops_the_rest() -> None:
    channel = ScriptedChannel({0: PermanentSendError("Forbidden", unreachable=True)})
    with pytest.raises(PermanentSendError):
        await channel.send_parts(texts("a", "b"), Parts())
    assert channel.tried == ["a"]


async def test_an_unanswered_part_is_retried_once_only() -> None:
    lost = TransientSendError("Request timeout error", ambiguous=True)
    channel = ScriptedChannel({0: lost, 1: lost})
    saved = Saved()
    parts = Parts(save=saved)
    with pytest.raises(TransientSendError):  # first time: retry it (later)
        await channel.send_parts(texts("summary", "album"), parts)
    assert (parts.done, parts.unsure) == (0, 0) and saved.writes == [(0, 0)]
    # The retry gets no answer either: counted as gone out, never a third copy.
    await channel.send_parts(texts("summary", "album"), parts)
    assert channel.tried == ["summary", "summary", "album"] and parts.done == 2


async def test_an_answered_error_is_retried_as_often_as_needed() -> None:
    busy = TransientSendError("Internal Server Error")
    channel = ScriptedChannel({0: busy, 1: busy, 2: busy})
    parts = Parts()
    for _ in range(3):
        with pytest.raises(TransientSendError):
            await channel.send_parts(texts("reply"), parts)
    await channel.send_parts(texts("reply"), parts)
    assert channel.delivered == ["reply"] and parts.unsure is None


ACTIONS: list[Outbound] = [
    SendText(
        7,
        "<b>Hi</b> & welcome",
        Keyboard.of([Button("Open", "o:1"), Button("Site", url="https://example.com")]),
        thread_id=3,
        reply_to=9,
    ),
    SendText(7, "Share your phone", ask_contact="📱 Share", remove_reply_keyboard=False),
    EditText(7, 12, "card", Keyboard.of([Button("Refresh", "o:1:r")])),
    EditKeyboard(7, 12, None),
    RenameTopic(-100, 5, "#12 · Alex"),
    SendPhotos(7, (PhotoRef(file_id="AgAD"), PhotoRef(path="/media/ab.jpg")), "Photos"),
    SendDocument(-100, "transcript.txt", b"line\x00\xff", "All of it", thread_id=5),
    SetCommands(7, (("claims", "Open requests"),)),
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: type(a).__name__)
def test_stored_actions_read_back_as_they_were(action: Outbound) -> None:
    import json

    stored = json.loads(json.dumps(action_to_json(action)))  # through the JSON column
    assert action_from_json(stored) == action
    assert not is_ephemeral(action)


def test_button_answers_and_typing_are_not_stored() -> None:
    assert is_ephemeral(AnswerButton("q1", "Done")) and is_ephemeral(ChatAction(7))
    with pytest.raises(ValueError, match="not a stored action"):
        action_from_json({"type": "DeleteEverything"})
