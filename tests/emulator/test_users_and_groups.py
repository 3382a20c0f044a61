"""The scripted side: users, buttons, contacts, albums, forum groups, relays, commands."""

from __future__ import annotations

import pytest

from bot.emulator import ScriptError, TelegramEmulator
from tests.emulator.conftest import RawBot

STAFF_GROUP = -1001234567890


async def test_commands_and_auto_detected_entities(emulator: TelegramEmulator) -> None:
    alice = emulator.user(1001, first_name="Alice", username="alice")
    start = await alice.send("/start abc")
    assert start["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert start["from"] == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Alice",
        "username": "alice",
        "language_code": "en",
    }
    assert start["chat"]["type"] == "private"
    mixed = await alice.send("😀 /help@shop_support_bot see https://shop.example/o/7")
    assert [(e["type"], e["offset"], e["length"]) for e in mixed["entities"]] == [
        ("bot_command", 3, 22),
        ("url", 30, 24),
    ]
    update = emulator.pending_updates[0]
    assert update["message"]["text"] == "/start abc"


async def test_reply_keyboard_contact_and_forged_contact(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001, first_name="Alice", phone="+15550100001")
    await alice.send("/start")
    keyboard = {
        "keyboard": [[{"text": "Share phone", "request_contact": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    sent = await raw_bot.ok("sendMessage", chat_id=1001, text="Your phone?", reply_markup=keyboard)
    assert "reply_markup" not in sent  # Telegram only echoes inline keyboards to the bot
    assert alice.reply_keyboard == keyboard
    assert alice.messages[-1]["reply_markup"] == keyboard

    own = await alice.share_contact()
    assert own["contact"] == {
        "phone_number": "+15550100001",
        "first_name": "Alice",
        "user_id": 1001,
    }
    forged = await alice.share_contact(phone="+15550199999", user_id=4242)
    assert forged["contact"]["user_id"] == 4242 and forged["from"]["id"] == 1001

    await raw_bot.ok(
        "sendMessage", chat_id=1001, text="Thanks", reply_markup={"remove_keyboard": True}
    )
    assert alice.reply_keyboard is None


async def test_press_by_text_or_data_and_wait_for_the_answer(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    await alice.send("orders")
    markup = {
        "inline_keyboard": [
            [{"text": "Refresh", "callback_data": "refresh:7"}],
            [{"text": "Site", "url": "https://shop.example"}],
        ]
    }
    await raw_bot.ok("sendMessage", chat_id=1001, text="Order 7", reply_markup=markup)
    query = await alice.press("Refresh")
    assert query["data"] == "refresh:7" and query["message"]["text"] == "Order 7"
    assert await raw_bot.ok("answerCallbackQuery", callback_query_id=query["id"], text="Updated")
    assert await alice.wait_callback_answer(timeout=1) == "Updated"
    assert alice.callback_answers == [{"text": "Updated"}]

    second = await alice.press(callback_data="refresh:7")
    assert second["id"] != query["id"]
    with pytest.raises(ScriptError, match="sends no callback query"):
        await alice.press("Site")
    with pytest.raises(ScriptError, match="no inline button 'Cancel'"):
        await alice.press("Cancel")
    with pytest.raises(TimeoutError):
        await alice.wait_callback_answer(timeout=0.05)


async def test_wait_message_consumes_in_order_and_times_out_with_a_hint(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    await alice.send("hi")
    await raw_bot.ok("sendMessage", chat_id=1001, text="first")
    await raw_bot.ok("sendMessage", chat_id=1001, text="second")
    assert (await alice.wait_message(timeout=1))["text"] == "first"
    assert (await alice.wait_message(timeout=1))["text"] == "second"
    await raw_bot.refused("sendMessage", chat_id=1001, text="<oops>", parse_mode="HTML")
    with pytest.raises(TimeoutError, match="Unsupported start tag"):
        await alice.wait_message(timeout=0.05)


async def test_album_shares_a_media_group_id(emulator: TelegramEmulator) -> None:
    alice = emulator.user(1001, first_name="Alice")
    album = await alice.send_album(caption="damaged box")
    assert len(album) == 3
    assert len({m["media_group_id"] for m in album}) == 1
    assert album[0]["caption"] == "damaged box" and "caption" not in album[1]
    assert len({m["photo"][-1]["file_unique_id"] for m in album}) == 3
    assert [u["message"]["message_id"] for u in emulator.pending_updates] == [1, 2, 3]
    with pytest.raises(ScriptError):
        await alice.send_album([b"only one"])


async def test_other_media_from_users(emulator: TelegramEmulator) -> None:
    alice = emulator.user(1001, first_name="Alice")
    document = await alice.send_document(b"%PDF", file_name="receipt.pdf")
    assert document["document"]["mime_type"] == "application/pdf"
    sticker = await alice.send_sticker()
    assert sticker["sticker"]["emoji"] == "👍" and sticker["sticker"]["width"] == 512
    voice = await alice.send_voice(duration=4)
    assert voice["voice"]["duration"] == 4
    video = await alice.send_video()
    assert video["video"]["mime_type"] == "video/mp4"
    edited = await alice.edit(await alice.send("typo"), "fixed")
    assert edited["text"] == "fixed" and "edit_date" in edited
    assert "edited_message" in emulator.pending_updates[-1]


async def test_forum_topics_relay_and_staff_replies(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    group = emulator.supergroup(
        STAFF_GROUP,
        title="Support staff",
        forum=True,
        members={2001: "member", 2002: "administrator"},
        bot_can_manage_topics=True,
    )
    staff = emulator.user(2001, first_name="Sam")
    alice = emulator.user(1001, first_name="Alice")
    question = await alice.send("Where is my parcel?")

    topic = await raw_bot.ok("createForumTopic", chat_id=STAFF_GROUP, name="Alice #1001")
    thread = topic["message_thread_id"]
    assert topic == {"message_thread_id": thread, "name": "Alice #1001", "icon_color": 0x6FB9F0}
    assert group.topic("Alice #1001").thread_id == thread

    copied = await raw_bot.ok(
        "copyMessage",
        chat_id=STAFF_GROUP,
        from_chat_id=1001,
        message_id=question["message_id"],
        message_thread_id=thread,
    )
    relayed = group.messages(thread_id=thread, from_bot=True)
    assert [m["message_id"] for m in relayed] == [copied["message_id"]]
    assert relayed[0]["text"] == "Where is my parcel?" and relayed[0]["is_topic_message"]
    assert (await group.wait_message(timeout=1, thread_id=thread))["text"] == "Where is my parcel?"

    answer = await staff.send("On its way", chat=group, reply_to=relayed[0])
    assert answer["message_thread_id"] == thread and answer["is_topic_message"] is True
    assert answer["reply_to_message"]["message_id"] == copied["message_id"]
    plain = await staff.send("note", chat=group, thread_id=thread)
    assert plain["reply_to_message"]["forum_topic_created"]["name"] == "Alice #1001"

    forwarded = await raw_bot.ok(
        "forwardMessage", chat_id=1001, from_chat_id=STAFF_GROUP, message_id=answer["message_id"]
    )
    assert forwarded["forward_origin"]["sender_user"]["id"] == 2001

    assert await raw_bot.ok("closeForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread)
    # A bot that may manage topics still posts in a closed topic; a plain member may not.
    await raw_bot.ok("sendMessage", chat_id=STAFF_GROUP, message_thread_id=thread, text="x")
    with pytest.raises(ScriptError, match="closed"):
        await staff.send("late", chat=group, thread_id=thread)
    assert await raw_bot.refused(
        "closeForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread
    ) == ("Bad Request: TOPIC_NOT_MODIFIED")
    assert await raw_bot.ok("reopenForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread)
    assert await raw_bot.ok(
        "editForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread, name="Alice (done)"
    )
    assert group.topics[thread].name == "Alice (done)"
    assert await raw_bot.ok("deleteForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread)
    assert group.topics == {} and group.messages(thread_id=thread) == []
    assert await raw_bot.refused(
        "sendMessage", chat_id=STAFF_GROUP, message_thread_id=thread, text="x"
    ) == ("Bad Request: message thread not found")


async def test_topics_need_a_forum_and_rights(raw_bot: RawBot, emulator: TelegramEmulator) -> None:
    emulator.supergroup(-1002, title="Plain group")
    emulator.supergroup(-1003, title="Forum", forum=True, bot_can_manage_topics=False)
    assert await raw_bot.refused("createForumTopic", chat_id=-1002, name="x") == (
        "Bad Request: the chat is not a forum"
    )
    assert await raw_bot.refused("createForumTopic", chat_id=-1003, name="x") == (
        "Bad Request: not enough rights to create a topic"
    )


async def test_user_created_topic_reaches_the_bot(emulator: TelegramEmulator) -> None:
    group = emulator.supergroup(STAFF_GROUP, forum=True, members={2002: "administrator"})
    admin = emulator.user(2002, first_name="Ann")
    topic = await group.create_topic("Escalations", by=admin)
    update = emulator.pending_updates[-1]["message"]
    assert update["forum_topic_created"] == {"name": "Escalations", "icon_color": 0x6FB9F0}
    assert update["message_thread_id"] == topic.thread_id
    outsider = emulator.user(2999, first_name="Eve")
    with pytest.raises(ScriptError, match="not a member"):
        await outsider.send("hi", chat=group)


async def test_chat_info_members_and_administrators(
    raw_bot: RawBot, emulator: TelegramEmulator
) -> None:
    emulator.supergroup(
        STAFF_GROUP,
        title="Support staff",
        forum=True,
        members={2001: "member", 2002: "administrator", 2003: "creator"},
        bot_can_manage_topics=True,
    )
    emulator.user(2001, first_name="Sam")
    chat = await raw_bot.ok("getChat", chat_id=STAFF_GROUP)
    assert chat["type"] == "supergroup" and chat["is_forum"] is True
    assert chat["title"] == "Support staff"
    statuses = {
        user_id: (await raw_bot.ok("getChatMember", chat_id=STAFF_GROUP, user_id=user_id))["status"]
        for user_id in (2001, 2002, 2003, 123)
    }
    assert statuses == {
        2001: "member",
        2002: "administrator",
        2003: "creator",
        123: "administrator",
    }
    admins = await raw_bot.ok("getChatAdministrators", chat_id=STAFF_GROUP)
    assert sorted(a["user"]["id"] for a in admins) == [123, 2002, 2003]
    assert await raw_bot.refused("getChatMember", chat_id=STAFF_GROUP, user_id=777) == (
        "Bad Request: user not found"
    )
    emulator.user(3000, first_name="Stranger")
    stranger = await raw_bot.ok("getChatMember", chat_id=STAFF_GROUP, user_id=3000)
    assert stranger["status"] == "left"


async def test_commands_per_scope_and_language(raw_bot: RawBot, emulator: TelegramEmulator) -> None:
    commands = [
        {"command": "start", "description": "Start"},
        {"command": "orders", "description": "My orders"},
    ]
    assert await raw_bot.ok("setMyCommands", commands=commands)
    staff_scope = {"type": "chat", "chat_id": STAFF_GROUP}
    emulator.supergroup(STAFF_GROUP, title="Support staff")
    staff_commands = [{"command": "close", "description": "Close the ticket"}]
    await raw_bot.ok(
        "setMyCommands", commands=staff_commands, scope=staff_scope, language_code="en"
    )
    assert await raw_bot.ok("getMyCommands") == commands
    assert await raw_bot.ok("getMyCommands", scope=staff_scope) == []
    assert (
        await raw_bot.ok("getMyCommands", scope=staff_scope, language_code="en") == staff_commands
    )
    assert emulator.commands(staff_scope, "en") == staff_commands
    assert await raw_bot.ok("deleteMyCommands")
    assert await raw_bot.ok("getMyCommands") == []
    assert await raw_bot.refused(
        "setMyCommands", commands=[{"command": "Bad Command", "description": "x"}]
    ) == ("Bad Request: BOT_COMMAND_INVALID")


async def test_chat_actions_and_deleting(raw_bot: RawBot, emulator: TelegramEmulator) -> None:
    alice = emulator.user(1001, first_name="Alice")
    message = await alice.send("delete me")
    assert await raw_bot.ok("sendChatAction", chat_id=1001, action="typing")
    assert alice.chat_actions == ["typing"]
    assert await raw_bot.refused("sendChatAction", chat_id=1001, action="dancing") == (
        "Bad Request: wrong parameter action in request"
    )
    assert await raw_bot.ok("deleteMessage", chat_id=1001, message_id=message["message_id"])
    assert await raw_bot.refused(
        "deleteMessage", chat_id=1001, message_id=message["message_id"]
    ) == ("Bad Request: message to delete not found")
