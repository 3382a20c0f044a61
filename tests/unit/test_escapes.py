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
        ("what can you do?", Escape.HELP),
        ("ok so what can you help me with", Escape.HELP),
        ("how can you help", Escape.HELP),
        ("what is this bot for", Escape.HELP),
        ("en qué me puedes ayudar", Escape.HELP),
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
        "what can you do about the cracked mug",  # a request, not what the bot is for
        "what is this charge on my card",
    ],
)
def test_answers_that_only_contain_an_escape_word_are_not_escapes(text: str) -> None:
    assert read_escape(text) is None
