"""The staff desk over real HTTP with aiogram's Bot: a forum supergroup with one topic per
buyer, copies both ways, deleted and closed topics, rights, and a plain-group fallback
where buyer messages are copied as replies to a summary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BufferedInputFile,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    MessageId,
    ReplyParameters,
    Update,
)

from bot.emulator import ScriptedUser, ScriptError, Supergroup, TelegramEmulator, sample_jpeg
from tests.emulator.conftest import TOKEN, RawBot

FORUM = -1001234567890
PLAIN = -1009876543210
THREAD_GONE = "Bad Request: message thread not found"
BLOCKED = "Forbidden: bot was blocked by the user"


@pytest.fixture
async def bot(emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    async with Bot(TOKEN, session=session) as client:
        yield client


@pytest.fixture
def forum(emulator: TelegramEmulator) -> Supergroup:
    """The staff forum: Sam is a member, Ann an administrator; the bot may manage topics."""
    emulator.user(2001, "Sam")
    emulator.user(2002, "Ann")
    return emulator.supergroup(
        FORUM,
        "Support staff",
        forum=True,
        members={2001: "member", 2002: "administrator"},
        bot_can_manage_topics=True,
    )


@pytest.fixture
async def alice(emulator: TelegramEmulator) -> ScriptedUser:
    """A buyer who has written to the bot."""
    buyer = emulator.user(1001, "Alice")
    await buyer.send("hi")
    return buyer


async def new_updates(bot: Bot) -> list[Update]:
    """Unconfirmed updates, parsed by aiogram, then confirmed."""
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


async def refused(call: Any) -> str:
    """The 400 description of a call aiogram raised TelegramBadRequest for."""
    with pytest.raises(TelegramBadRequest) as raised:
        await call
    return raised.value.message


async def test_sends_into_a_deleted_topic_fail_like_telegram(
    emulator: TelegramEmulator, bot: Bot, forum: Supergroup, alice: ScriptedUser
) -> None:
    topic = await bot.create_forum_topic(FORUM, "Alice #1001")
    thread = topic.message_thread_id
    question = await alice.send("Where is my parcel?")
    photo = await alice.send_photo(caption="box")
    await bot.send_message(FORUM, "ticket opened", message_thread_id=thread)

    with pytest.raises(ScriptError, match="not an administrator"):
        await forum.delete_topic(thread, by=emulator.user(2001))
    await forum.delete_topic(thread, by=emulator.user(2002))
    assert forum.topics == {} and forum.messages(thread_id=thread) == []

    file_id = photo["photo"][-1]["file_id"]
    attempts = [
        bot.send_message(FORUM, "still there?", message_thread_id=thread),
        bot.copy_message(FORUM, 1001, question["message_id"], message_thread_id=thread),
        bot.send_photo(FORUM, file_id, message_thread_id=thread),
        bot.send_document(
            FORUM, BufferedInputFile(b"order 7\n", "ticket.txt"), message_thread_id=thread
        ),
        bot.send_media_group(
            FORUM,
            [InputMediaPhoto(media=file_id), InputMediaPhoto(media=file_id)],
            message_thread_id=thread,
        ),
    ]
    for attempt in attempts:
        assert await refused(attempt) == THREAD_GONE
    assert [r.description for r in emulator.rejections] == [THREAD_GONE] * 5
    # Topic methods go to the server, which no longer knows the topic id.
    assert await refused(bot.close_forum_topic(FORUM, thread)) == "Bad Request: TOPIC_ID_INVALID"
    with pytest.raises(ScriptError, match="does not exist"):
        await emulator.user(2001).send("hello?", chat=forum, thread_id=thread)


async def test_the_bot_deletes_a_topic_and_then_cannot_post_there(
    emulator: TelegramEmulator, bot: Bot, forum: Supergroup
) -> None:
    thread = (await bot.create_forum_topic(FORUM, "Bob #1002")).message_thread_id
    assert await bot.delete_forum_topic(FORUM, thread)
    assert await refused(bot.send_message(FORUM, "x", message_thread_id=thread)) == THREAD_GONE
    # A thread id that never existed reads the same; 0 means "no thread" (General).
    assert await refused(bot.send_message(FORUM, "x", message_thread_id=999)) == THREAD_GONE
    general = await bot.send_message(FORUM, "to General", message_thread_id=0)
    assert general.message_thread_id is None and not general.is_topic_message


async def test_a_closed_topic_takes_posts_from_a_bot_that_manages_topics(
    emulator: TelegramEmulator, bot: Bot, forum: Supergroup, alice: ScriptedUser
) -> None:
    thread = (await bot.create_forum_topic(FORUM, "Alice #1001")).message_thread_id
    photo = await alice.send_photo()
    assert await bot.close_forum_topic(FORUM, thread)
    assert await refused(bot.close_forum_topic(FORUM, thread)) == "Bad Request: TOPIC_NOT_MODIFIED"

    text = await bot.send_message(FORUM, "closed, but noted", message_thread_id=thread)
    copied = await bot.copy_message(FORUM, 1001, photo["message_id"], message_thread_id=thread)
    await bot.send_photo(FORUM, photo["photo"][-1]["file_id"], message_thread_id=thread)
    await bot.send_document(FORUM, BufferedInputFile(b"log\n", "log.txt"), message_thread_id=thread)
    album = await bot.send_media_group(
        FORUM,
        [InputMediaPhoto(media=BufferedInputFile(sample_jpeg(str(i)), f"{i}.jpg")) for i in (1, 2)],
        message_thread_id=thread,
    )
    assert text.is_topic_message and text.message_thread_id == thread
    assert [m.message_thread_id for m in album] == [thread, thread]
    posted = forum.messages(thread_id=thread, from_bot=True)
    assert posted[1]["message_id"] == copied.message_id
    assert posted[3]["document"]["mime_type"] == "text/plain"

    # Renaming a closed topic works; staff: admins may write there, members may not.
    assert await bot.edit_forum_topic(FORUM, thread, name="Alice #1001 (waiting)")
    assert forum.topics[thread].name == "Alice #1001 (waiting)" and forum.topics[thread].closed
    assert await refused(bot.edit_forum_topic(FORUM, thread, name="Alice #1001 (waiting)")) == (
        "Bad Request: TOPIC_NOT_MODIFIED"
    )
    assert await bot.edit_forum_topic(FORUM, thread, name="")  # empty: name kept, no-op
    with pytest.raises(ScriptError, match="closed"):
        await emulator.user(2001).send("me too", chat=forum, thread_id=thread)
    await emulator.user(2002).send("admin note", chat=forum, thread_id=thread)
    assert await bot.reopen_forum_topic(FORUM, thread)
    await emulator.user(2001).send("open again", chat=forum, thread_id=thread)
    assert [r.description for r in emulator.rejections] == ["Bad Request: TOPIC_NOT_MODIFIED"] * 2


async def test_without_topic_rights_the_bot_is_refused_in_telegrams_words(
    emulator: TelegramEmulator, bot: Bot
) -> None:
    ann = emulator.user(2002, "Ann")
    emulator.user(2003, "Olga")
    emulator.user(2004, "Lee")
    emulator.user(2005, "Max")
    group = emulator.supergroup(
        FORUM,
        "Support staff",
        forum=True,
        members={2002: "administrator", 2003: "creator", 2004: "left", 2005: "kicked"},
        bot_can_manage_topics=False,
    )
    plain = emulator.supergroup(PLAIN, "Staff desk")

    forum_info = await bot.get_chat(FORUM)
    assert forum_info.is_forum is True and forum_info.type == "supergroup"
    assert not (await bot.get_chat(PLAIN)).is_forum
    me = await bot.get_chat_member(FORUM, (await bot.get_me()).id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_manage_topics is False
    statuses = [(await bot.get_chat_member(FORUM, uid)).status for uid in range(2002, 2006)]
    assert statuses == ["administrator", "creator", "left", "kicked"]

    assert await refused(bot.create_forum_topic(FORUM, "x")) == (
        "Bad Request: not enough rights to create a topic"
    )
    assert await refused(bot.create_forum_topic(PLAIN, "x")) == (
        "Bad Request: the chat is not a forum"
    )
    topic = await group.create_topic("Escalations", by=ann)
    await group.close_topic(topic.thread_id, by=ann)
    assert await refused(bot.edit_forum_topic(FORUM, topic.thread_id, name="y")) == (
        "Bad Request: not enough rights to edit the topic"
    )
    assert await refused(bot.reopen_forum_topic(FORUM, topic.thread_id)) == (
        "Bad Request: not enough rights to close or open the topic"
    )
    assert await refused(bot.send_message(FORUM, "x", message_thread_id=topic.thread_id)) == (
        "Bad Request: TOPIC_CLOSED"
    )
    kinds = [
        next(k for k in u.message.model_dump(exclude_none=True) if k.startswith("forum_topic"))
        for u in await new_updates(bot)
        if u.message is not None
    ]
    assert kinds == ["forum_topic_created", "forum_topic_closed"]
    assert plain.chat.is_forum is False


async def test_copies_keep_their_content_and_captions_replace_media_captions_only(
    emulator: TelegramEmulator, bot: Bot, forum: Supergroup, alice: ScriptedUser, raw_bot: RawBot
) -> None:
    thread = (await bot.create_forum_topic(FORUM, "Alice #1001")).message_thread_id
    sources = [
        await alice.send("see https://shop.example/o/7 #urgent"),
        await alice.send_photo(caption="dented"),
        await alice.send_document(b"%PDF-1.4 receipt", file_name="receipt.pdf"),
        await alice.send_voice(duration=4),
        await alice.send_sticker(),
        await alice.send_video(),
    ]
    kinds = ["text", "photo", "document", "voice", "sticker", "video"]
    for source in sources:
        result = await bot.copy_message(FORUM, 1001, source["message_id"], message_thread_id=thread)
        assert isinstance(result, MessageId)
        assert emulator.calls("copyMessage")[-1].result == {"message_id": result.message_id}
    copies = forum.messages(thread_id=thread, from_bot=True)
    for kind, source, copied in zip(kinds, sources, copies, strict=True):
        assert copied[kind] == source[kind], kind
        assert copied.get("caption") == source.get("caption")
        assert copied["is_topic_message"] and copied["message_thread_id"] == thread
        assert "forward_origin" not in copied
    assert copies[0]["entities"] == sources[0]["entities"]

    # `caption` (+ parse_mode) replaces a media caption, and is ignored for text/stickers.
    html = "<b>Order 7</b>: box dented"
    for source in sources:
        await bot.copy_message(
            FORUM,
            1001,
            source["message_id"],
            message_thread_id=thread,
            caption=html,
            parse_mode="HTML",
        )
    recaptioned = forum.messages(thread_id=thread, from_bot=True)[len(sources) :]
    for kind, copied in zip(kinds, recaptioned, strict=True):
        if kind in ("text", "sticker"):
            assert "caption" not in copied, kind
        else:
            assert copied["caption"] == "Order 7: box dented", kind
            assert copied["caption_entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    assert recaptioned[0]["text"] == sources[0]["text"]
    # An empty caption removes it (aiogram drops caption="", so over raw HTTP); bad markup
    # is refused even where the caption would be ignored.
    bare = await raw_bot.ok(
        "copyMessage",
        chat_id=FORUM,
        from_chat_id=1001,
        message_id=sources[1]["message_id"],
        caption="",
    )
    assert bare == {"message_id": forum.messages(from_bot=True)[-1]["message_id"]}
    assert "caption" not in forum.messages(from_bot=True)[-1]
    assert (
        await refused(
            bot.copy_message(
                FORUM, 1001, sources[0]["message_id"], caption="<b>x", parse_mode="HTML"
            )
        )
    ).startswith("Bad Request: can't parse entities")


async def test_staff_replies_go_back_to_the_buyer_unless_blocked(
    emulator: TelegramEmulator, bot: Bot, forum: Supergroup, alice: ScriptedUser
) -> None:
    thread = (await bot.create_forum_topic(FORUM, "Alice #1001")).message_thread_id
    sam = emulator.user(2001)
    answer = await sam.send("It ships <today>", chat=forum, thread_id=thread)
    shot = await sam.send_photo(caption="label", chat=forum, thread_id=thread)
    await bot.copy_message(1001, FORUM, answer["message_id"])
    await bot.copy_message(
        1001, FORUM, shot["message_id"], caption="<i>From support</i>", parse_mode="HTML"
    )
    text, photo = await alice.wait_message(), await alice.wait_message()
    assert text["text"] == "It ships <today>" and text["chat"]["type"] == "private"
    assert "message_thread_id" not in text and "is_topic_message" not in text
    assert photo["caption"] == "From support"
    assert photo["photo"] == shot["photo"]

    alice.block_bot()
    with pytest.raises(TelegramForbiddenError) as raised:
        await bot.copy_message(1001, FORUM, answer["message_id"])
    assert raised.value.message == BLOCKED
    assert emulator.rejections[-1].error_code == 403


async def test_staff_messages_and_button_presses_in_a_topic_carry_the_topic(
    emulator: TelegramEmulator, bot: Bot, forum: Supergroup
) -> None:
    thread = (await bot.create_forum_topic(FORUM, "Alice #1001")).message_thread_id
    sam = emulator.user(2001)
    await sam.send("on it", chat=forum, thread_id=thread)
    await sam.send_photo(chat=forum, thread_id=thread)
    await sam.send_album(chat=forum, thread_id=thread)
    await sam.send_document(b"notes", file_name="notes.txt", chat=forum, thread_id=thread)
    await sam.send_voice(chat=forum, thread_id=thread)
    await sam.send_sticker(chat=forum, thread_id=thread)
    await sam.send_video(chat=forum, thread_id=thread)
    messages = [u.message for u in await new_updates(bot) if u.message is not None]
    assert len(messages) == 9
    for message in messages:
        assert message.message_thread_id == thread and message.is_topic_message is True
        assert message.chat.id == FORUM and message.from_user and message.from_user.id == 2001
        # Not a reply: Telegram quotes the topic's creation message.
        assert message.reply_to_message and message.reply_to_message.forum_topic_created
    assert messages[5].document and messages[6].voice and messages[7].sticker and messages[8].video

    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="take:7")]]
    )
    card = await bot.send_message(
        FORUM, "Ticket 7", message_thread_id=thread, reply_markup=keyboard
    )
    await sam.press("Take", chat=forum)
    (update,) = await new_updates(bot)
    query = update.callback_query
    assert query is not None and query.data == "take:7" and query.from_user.id == 2001
    assert isinstance(query.message, Message) and query.message.message_id == card.message_id
    assert query.message.message_thread_id == thread and query.message.is_topic_message is True
    assert await bot.answer_callback_query(query.id, text="Yours")

    edited = await bot.edit_message_text(
        "Ticket 7 — Sam", chat_id=FORUM, message_id=card.message_id, reply_markup=keyboard
    )
    assert not isinstance(edited, bool) and edited.message_thread_id == thread
    await bot.edit_message_reply_markup(chat_id=FORUM, message_id=card.message_id)
    shown = forum.messages(thread_id=thread, from_bot=True)[-1]
    assert shown["text"] == "Ticket 7 — Sam" and "reply_markup" not in shown
    emulator.assert_no_rejections()


async def test_topic_service_messages_from_staff_reach_the_bot(
    emulator: TelegramEmulator, bot: Bot, forum: Supergroup
) -> None:
    thread = (await bot.create_forum_topic(FORUM, "Alice #1001")).message_thread_id
    ann, sam = emulator.user(2002), emulator.user(2001)
    with pytest.raises(ScriptError, match="may not manage"):
        await forum.close_topic(thread, by=sam)
    await forum.close_topic(thread, by=ann)
    await forum.rename_topic(thread, "Alice (closed)", by=ann)
    await forum.reopen_topic(thread, by=ann)
    messages = [u.message for u in await new_updates(bot) if u.message is not None]
    assert [m.message_thread_id for m in messages] == [thread] * 3
    assert messages[0].forum_topic_closed is not None
    assert messages[1].forum_topic_edited and messages[1].forum_topic_edited.name == (
        "Alice (closed)"
    )
    assert messages[2].forum_topic_reopened is not None


async def test_plain_group_copies_reply_to_a_summary_and_staff_replies_quote_them(
    emulator: TelegramEmulator, bot: Bot, alice: ScriptedUser
) -> None:
    group = emulator.supergroup(PLAIN, "Staff desk", members={2001: "member"})
    sam = emulator.user(2001, "Sam")
    question = await alice.send("Where is my parcel?")
    album = await alice.send_album()
    summary = await bot.send_message(PLAIN, "Alice #1001: order 7")
    assert summary.message_thread_id is None
    reply = ReplyParameters(message_id=summary.message_id, allow_sending_without_reply=True)
    copied = await bot.copy_message(PLAIN, 1001, question["message_id"], reply_parameters=reply)
    await bot.copy_message(PLAIN, 1001, album[0]["message_id"], reply_parameters=reply)
    shown = group.messages(from_bot=True)
    assert [m["reply_to_message"]["message_id"] for m in shown[1:]] == [summary.message_id] * 2
    # A reply chain is a thread: Telegram names its root, but it is no forum topic.
    assert shown[1]["message_thread_id"] == summary.message_id
    assert "is_topic_message" not in shown[1]

    await sam.send("Courier is late", chat=group, reply_to=copied.message_id)
    await sam.send_photo(chat=group, reply_to=copied.message_id)
    staff = [u.message for u in await new_updates(bot) if u.message is not None]
    staff = [m for m in staff if m.chat.id == PLAIN]
    assert len(staff) == 2
    for message in staff:
        assert message.reply_to_message is not None
        assert message.reply_to_message.message_id == copied.message_id
        assert message.reply_to_message.text == "Where is my parcel?"
        assert message.message_thread_id == summary.message_id
        assert not message.is_topic_message

    # Echoing that thread id back is refused: only forum topics can be named.
    assert await refused(bot.send_message(PLAIN, "x", message_thread_id=summary.message_id)) == (
        "Bad Request: message thread is not a forum topic thread"
    )
    with pytest.raises(ScriptError, match="not a forum"):
        await sam.send("x", chat=group, thread_id=summary.message_id)
    # A vanished summary: allow_sending_without_reply posts the copy on its own.
    await bot.delete_message(PLAIN, summary.message_id)
    alone = await bot.copy_message(PLAIN, 1001, question["message_id"], reply_parameters=reply)
    last = group.messages(from_bot=True)[-1]
    assert last["message_id"] == alone.message_id and "reply_to_message" not in last
