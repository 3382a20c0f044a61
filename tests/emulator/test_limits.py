"""The emulator measures length limits as Telegram does: in UTF-16 code units, of the
text left after HTML parsing (an entity is one character, tags are nothing), for
messages, edits, captions (every item of an album too) and callback answers."""

from __future__ import annotations

import pytest

from bot.emulator import TelegramEmulator
from tests.emulator.conftest import RawBot

TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"


@pytest.fixture
async def alice_chat(emulator: TelegramEmulator) -> int:
    await emulator.user(1001, first_name="Alice").send("hi")
    return 1001


async def test_entities_count_as_one_character_after_parsing(
    raw_bot: RawBot, alice_chat: int
) -> None:
    html = dict(chat_id=alice_chat, parse_mode="HTML")
    sent = await raw_bot.ok("sendMessage", text="&amp;" * 4096, **html)  # 20480 in the source
    assert sent["text"] == "&" * 4096
    assert await raw_bot.refused("sendMessage", text="&lt;" * 4097, **html) == TOO_LONG
    assert await raw_bot.refused("sendMessage", text="<i>😀</i>" * 2049, **html) == TOO_LONG
    await raw_bot.ok(
        "editMessageText", message_id=sent["message_id"], text="&gt;" * 4094 + "😀", **html
    )
    assert (
        await raw_bot.refused(
            "editMessageText", message_id=sent["message_id"], text="x" * 4095 + "😀", **html
        )
        == TOO_LONG
    )


async def test_album_captions_are_limited_to_1024_utf16_units(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    message = await emulator.user(alice_chat).send_photo()
    photo = message["photo"][-1]["file_id"]

    def album(caption: str) -> list[dict[str, str]]:
        return [
            {"type": "photo", "media": photo},
            {"type": "photo", "media": photo, "caption": caption, "parse_mode": "HTML"},
        ]

    await raw_bot.ok("sendMediaGroup", chat_id=alice_chat, media=album("<b>&amp;</b>" * 1024))
    await raw_bot.ok("sendMediaGroup", chat_id=alice_chat, media=album("😀" * 512))
    for caption in ("😀" * 513, "c" * 1025, "&amp;" * 1025):
        assert (
            await raw_bot.refused("sendMediaGroup", chat_id=alice_chat, media=album(caption))
            == CAPTION_TOO_LONG
        )
    assert (
        await raw_bot.refused("sendPhoto", chat_id=alice_chat, photo=photo, caption="😀" * 513)
        == CAPTION_TOO_LONG
    )
