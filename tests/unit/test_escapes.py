"""The words that work from any step: short messages that are nothing but the escape."""

from __future__ import annotations

import pytest

from bot.understanding.escapes import Escape, read_escape


@pytest.mark.parametrize(
    ("text", "escape"),
    [
        ("cancel", Escape.CANCEL),
        ("Stop please", Escape.CANCEL),
        ("never mind", Escape.CANCEL),
        ("ok forget it", Escape.CANCEL),
        ("start over", Escape.CANCEL),
        ("talk to a person", Escape.PERSON),
        ("I want to talk to a real person", Escape.PERSON),
        ("agent please", Escape.PERSON),
        ("customer service", Escape.PERSON),
        ("help", Escape.HELP),
        ("Help!", Escape.HELP),
        ("??", Escape.HELP),
        ("I don't understand", Escape.HELP),
        ("what do i do", Escape.HELP),
    ],
)
def test_escapes_are_read(text: str, escape: Escape) -> None:
    assert read_escape(text) is escape


@pytest.mark.parametrize(
    "text",
    [
        "the strap stopped working",  # a reason, with "stop" in it
        "cancel the second item only",  # more than the escape
        "changed my mind",  # a return reason
        "no thanks",  # skips a note
        "person",  # no verb of talking
        "2",
        "because",
        "",
        "please help me with the mug that arrived cracked and the box was wet too",
    ],
)
def test_answers_that_only_contain_an_escape_word_are_not_escapes(text: str) -> None:
    assert read_escape(text) is None
