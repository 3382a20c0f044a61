"""What the demo console prints for a bot message, and the photos it sends: the text as
Telegram would show it (the bot's HTML parsed the way Telegram parses it, by the
emulator), links with their targets, a new picture for every `:photo`."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image

from bot.demo import (
    ANSI_MARKS,
    PrivateChat,
    StaffGroup,
    message_body,
    photo_from,
    sample_photo,
)
from bot.emulator import ScriptedUser, Supergroup
from bot.emulator.text import format_text


def sent(text: str, parse_mode: str | None, **extra: Any) -> dict[str, Any]:
    """The message Telegram stores for a bot's sendMessage."""
    stored, entities = format_text(text, parse_mode, None)
    message: dict[str, Any] = {"message_id": 1, "text": stored, **extra}
    if entities:
        message["entities"] = entities
    return message


def test_plain_text_is_shown_verbatim_tags_and_all() -> None:
    text = "Your note: <b>x</b> <script>alert(1)</script> &amp; more"
    assert message_body(sent(text, None)) == text


def test_html_is_shown_as_telegram_renders_it() -> None:
    message = sent(
        "📦 <b>Order 5761</b> · <i>Harbor &amp; Home</i>\n"
        'Track: <a href="https://ups.example/t?a=1&amp;b=2">UPS 1Z8V</a> '
        "<b>bold <i>and italic</i></b> <code>id 7</code> &lt;not a tag&gt;",
        "HTML",
    )
    assert message_body(message) == (
        "📦 *Order 5761* · _Harbor & Home_\n"
        "Track: UPS 1Z8V (https://ups.example/t?a=1&b=2) "
        "*bold _and italic_* `id 7` <not a tag>"
    )
    styled = message_body(message, ANSI_MARKS)
    assert "\x1b[1mOrder 5761\x1b[22m" in styled and "*" not in styled


def test_a_caption_keeps_its_formatting() -> None:
    stored, entities = format_text("Claim <b>#12</b>", "HTML", None)
    message = {"message_id": 2, "photo": [{}], "caption": stored, "caption_entities": entities}
    assert message_body(message) == "[photo] Claim *#12*"


class _Nobody:
    username = "alex"


def test_url_buttons_show_their_url_and_take_no_number() -> None:
    lines: list[str] = []
    chat = PrivateChat(cast(ScriptedUser, _Nobody()), lines.append)
    markup = {
        "inline_keyboard": [
            [{"text": "📍 Track parcel", "url": "https://ups.example/t?n=1Z8V"}],
            [{"text": "🔄 Refresh", "callback_data": "o:r:1"}],
        ]
    }
    chat.show(sent("Order <b>5761</b>", "HTML", reply_markup=markup))
    assert lines == [
        "bot: Order *5761*",
        "     [📍 Track parcel → https://ups.example/t?n=1Z8V]",
        "     [:1] 🔄 Refresh",
    ]
    assert chat.buttons == [(1, "🔄 Refresh")]


def test_every_sample_photo_is_a_different_picture() -> None:
    photos = [sample_photo(n) for n in range(1, 6)]
    assert len({hashlib.sha256(p).hexdigest() for p in photos}) == 5  # no "reused" flag
    pixels = set()
    for data in photos:
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (320, 240)
            pixels.add(image.resize((8, 8)).tobytes())
    assert len(pixels) == 5  # different to look at, not only in their bytes


def test_photo_from_a_file(tmp_path: Path) -> None:
    png = tmp_path / "parcel.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(png)
    assert photo_from(str(png)) == png.read_bytes()

    with pytest.raises(ValueError, match="no such file"):
        photo_from(str(tmp_path / "missing.jpg"))
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    with pytest.raises(ValueError, match=r"notes.txt is not an image \(send a JPEG, PNG"):
        photo_from(str(notes))


@dataclass
class _Topic:
    name: str


@dataclass
class _Forum:
    """What `StaffGroup` reads of the staff forum when it prints a message."""

    topics: dict[int, _Topic] = field(default_factory=dict)


def _in_topic(message_id: int, thread: int | None, label: str, data: str) -> dict[str, Any]:
    """A bot message with one button, in a forum topic (None: the General thread)."""
    message = sent(f"Ticket {message_id}", None, message_id=message_id)
    message["reply_markup"] = {"inline_keyboard": [[{"text": label, "callback_data": data}]]}
    if thread is not None:
        message |= {"message_thread_id": thread, "is_topic_message": True}
    return message


def test_staff_press_the_last_keyboard_of_the_topic_they_are_in() -> None:
    """Riley is in ticket #1's topic when ticket #2's summary arrives in its own topic
    and Riley goes back with `:topic 1`: `:1` presses #1's button, not #2's."""
    lines: list[str] = []
    forum = _Forum({11: _Topic("#1 · Alex"), 12: _Topic("#2 · Jordan")})
    riley = StaffGroup(cast(ScriptedUser, _Nobody()), cast(Supergroup, forum), lines.append)
    riley.show(_in_topic(1, None, "Tickets list", "g:1"))
    riley.show(_in_topic(2, 11, "Close #1", "tk:c:1"))
    riley.show(_in_topic(3, 12, "Close #2", "tk:c:2"))
    assert riley.button(1) == (3, "Close #2")  # the new topic is the current one

    riley.choose(1)
    assert riley.button(1) == (2, "Close #1")
    riley.choose(0)
    assert riley.button(1) == (1, "Tickets list")

    riley.topic = 12  # a topic whose last keyboard was taken away has none to press
    riley.show(_in_topic(3, 12, "Close #2", "tk:c:2") | {"reply_markup": {}}, edited=True)
    with pytest.raises(ValueError, match="there is no button 1"):
        riley.button(1)
    riley.choose(1)
    assert riley.button(1) == (2, "Close #1")
