"""What Telegram refuses, the emulator refuses, in Telegram's words, and records."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import TelegramEmulator
from tests.emulator.conftest import RawBot

BUTTON = {"text": "Go", "callback_data": "go"}


@pytest.fixture
async def alice_chat(emulator: TelegramEmulator) -> int:
    """Alice has written to the bot, so her private chat exists."""
    await emulator.user(1001, first_name="Alice").send("hi")
    return 1001


@pytest.mark.parametrize(
    ("params", "description"),
    [
        (
            {"text": "Hello<foo>", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 5',
        ),
        (
            {"text": "<b>bold <i>both</b></i>", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 15, "
            'expected "</i>", found "</b>"',
        ),
        (
            {"text": "<b>never closed", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            {"text": "1 < 2", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
        ),
        (
            {"text": "Tom & Jerry", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Character "&" at byte offset 4 must be escaped '
            'as "&amp;"',
        ),
        (
            {"text": '<span class="x">s</span>', "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" '
            "at byte offset 0",
        ),
        (
            {"text": "Price: 10.5", "parse_mode": "MarkdownV2"},
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
            "with the preceding '\\'",
        ),
        ({"text": "x", "parse_mode": "BBCode"}, "Bad Request: unsupported parse_mode"),
        ({"text": ""}, "Bad Request: message text is empty"),
        ({"text": "  \n "}, "Bad Request: message text is empty"),
        ({"text": "<b></b>", "parse_mode": "HTML"}, "Bad Request: message text is empty"),
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "😀" * 2049}, "Bad Request: message is too long"),  # 4098 UTF-16 units
        (
            {
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "é" * 33}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": ""}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "Just text"}]]}},
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
            "inline keyboard",
        ),
        (
            {"text": "x", "reply_markup": {"inline_keyboard": [[BUTTON] * 8] * 13}},
            "Bad Request: REPLY_MARKUP_TOO_LONG",
        ),
        (
            {"text": "x", "reply_markup": {"inline_keyboard": [BUTTON]}},
            'Bad Request: Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of '
            "Arrays",
        ),
        ({"text": "x", "message_thread_id": 7}, "Bad Request: message thread not found"),
        (
            {"text": "x", "reply_parameters": {"message_id": 999}},
            "Bad Request: message to be replied not found",
        ),
    ],
)
async def test_send_message_refusals(
    raw_bot: RawBot,
    emulator: TelegramEmulator,
    alice_chat: int,
    params: dict[str, Any],
    description: str,
) -> None:
    assert await raw_bot.refused("sendMessage", chat_id=alice_chat, **params) == description
    assert [r.description for r in emulator.rejections] == [description]
    assert emulator.rejections[0].method == "sendMessage"
    with pytest.raises(AssertionError, match="Telegram would have refused 1 call"):
        emulator.assert_no_rejections()
    assert emulator.user(alice_chat).messages == []  # a refused call sends nothing


async def test_exactly_4096_utf16_units_and_tags_do_not_count(
    raw_bot: RawBot, alice_chat: int
) -> None:
    text = "<b>" + "x" * 4096 + "</b>"
    message = await raw_bot.ok("sendMessage", chat_id=alice_chat, text=text, parse_mode="HTML")
    assert len(message["text"]) == 4096
    await raw_bot.ok("sendMessage", chat_id=alice_chat, text="😀" * 2048)


async def test_bare_ampersand_is_accepted_when_mirroring_the_real_server(raw_bot: RawBot) -> None:
    emulator = TelegramEmulator(strict_docs=False)
    await emulator.start()
    try:
        await emulator.user(1001).send("hi")
        url = f"{emulator.base_url}/bot123:TEST/sendMessage"
        payload = {"chat_id": 1001, "text": "Tom & Jerry", "parse_mode": "HTML"}
        async with raw_bot.session.post(url, json=payload) as response:
            assert (await response.json())["result"]["text"] == "Tom & Jerry"
    finally:
        await emulator.stop()


async def test_unknown_chat_and_chat_before_the_user_wrote(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    emulator.user(1002, first_name="Bob")  # exists, but never wrote to the bot
    assert (
        await raw_bot.refused("sendMessage", chat_id=1002, text="x")
        == "Bad Request: chat not found"
    )
    assert (
        await raw_bot.refused("sendMessage", chat_id=-100999, text="x")
        == "Bad Request: chat not found"
    )
    assert (
        await raw_bot.refused("sendMessage", chat_id="@nobody", text="x")
        == "Bad Request: chat not found"
    )


async def test_blocked_user_gives_403_and_unblocking_restores(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    alice = emulator.user(alice_chat)
    alice.block_bot()
    status, body = await raw_bot.call("sendMessage", chat_id=alice_chat, text="x")
    assert (status, body) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    kinds = [next(k for k in u if k != "update_id") for u in emulator.pending_updates]
    assert kinds == ["message", "my_chat_member"]
    alice.unblock_bot()
    await raw_bot.ok("sendMessage", chat_id=alice_chat, text="welcome back")


async def test_caption_limit_and_media_group_size(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    photo = await alice_photo_id(emulator, alice_chat)
    assert await raw_bot.refused(
        "sendPhoto", chat_id=alice_chat, photo=photo, caption="c" * 1025
    ) == ("Bad Request: message caption is too long")
    await raw_bot.ok("sendPhoto", chat_id=alice_chat, photo=photo, caption="c" * 1024)
    one = [{"type": "photo", "media": photo}]
    assert await raw_bot.refused("sendMediaGroup", chat_id=alice_chat, media=one) == (
        "Bad Request: media group must include 2-10 items"
    )
    assert await raw_bot.refused("sendMediaGroup", chat_id=alice_chat, media=one * 11) == (
        "Bad Request: too many messages to send as an album"
    )
    mixed = [{"type": "photo", "media": photo}, {"type": "document", "media": photo}]
    assert await raw_bot.refused("sendMediaGroup", chat_id=alice_chat, media=mixed) == (
        "Bad Request: document can't be mixed with other media types"
    )


async def alice_photo_id(emulator: TelegramEmulator, chat_id: int) -> str:
    message = await emulator.user(chat_id).send_photo()
    return str(message["photo"][-1]["file_id"])


async def test_edits_not_found_not_modified_and_foreign(
    raw_bot: RawBot, emulator: TelegramEmulator, alice_chat: int
) -> None:
    markup = {"inline_keyboard": [[BUTTON]]}
    sent = await raw_bot.ok("sendMessage", chat_id=alice_chat, text="v1", reply_markup=markup)
    same = {
        "chat_id": alice_chat,
        "message_id": sent["message_id"],
        "text": "v1",
        "reply_markup": markup,
    }
    assert await raw_bot.refused("editMessageText", **same) == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    same_markup = await raw_bot.refused(
        "editMessageReplyMarkup",
        chat_id=alice_chat,
        message_id=sent["message_id"],
        reply_markup=markup,
    )
    assert same_markup.startswith("Bad Request: message is not modified")
    assert await raw_bot.refused(
        "editMessageText", chat_id=alice_chat, message_id=999, text="v2"
    ) == ("Bad Request: message to edit not found")
    assert await raw_bot.refused(
        "editMessageText", chat_id=alice_chat, message_id=1, text="v2"
    ) == (
        "Bad Request: message can't be edited"  # message 1 is Alice's own
    )
    assert await raw_bot.refused(
        "editMessageCaption", chat_id=alice_chat, message_id=sent["message_id"], caption="c"
    ) == ("Bad Request: there is no caption in the message to edit")
    # Editing the text without reply_markup removes the keyboard: that is a modification.
    edited = await raw_bot.ok(
        "editMessageText", chat_id=alice_chat, message_id=sent["message_id"], text="v1"
    )
    assert "reply_markup" not in edited and "edit_date" in edited
    assert await raw_bot.refused("deleteMessage", chat_id=alice_chat, message_id=999) == (
        "Bad Request: message to delete not found"
    )
    assert await raw_bot.refused("answerCallbackQuery", callback_query_id="nope") == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
