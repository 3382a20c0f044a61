"""Handing a conversation to a person, end to end (aiogram ↔ emulator, staff forum):
every way a ticket opens, the summary staff read, relaying each kind of message both
ways, internal notes, assigning, closing and rating, reopening within 24 hours, the
buyer's own commands during a ticket, business hours, and no staff chat at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import EscalationReason
from bot.emulator import ScriptedUser, TelegramEmulator, sample_jpeg
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.staff_helpers import (
    STAFF_BUYER_ID,
    STAFF_BUYER_NAME,
    Message,
    StaffForum,
    chat_user_id,
    escalate_by_command,
    set_shop_settings,
    staff_buttons,
    staff_forum,
    staff_settings,
    start_bot,
    texts_of,
    ticket_count,
    ticket_rows,
    topic_of,
    wait_for_edit,
)
from tests.e2e.test_buyer_orders import NUMBER, link
from tests.e2e.test_returns import (
    Return,
    claims,
    delivered_order,
    file_claim,
    open_card,
    pick_items,
    set_claim,
    tap,
)
from tests.factories import make_order
from tests.pictures import photo_jpeg, same_picture

SECOND = "578000000000000002"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return staff_settings(settings)


@pytest.fixture
def forum(emulator: TelegramEmulator) -> StaffForum:
    return staff_forum(emulator)


@pytest.fixture
async def bot(app: App, emulator: TelegramEmulator, forum: StaffForum) -> AsyncIterator[BotProcess]:
    # The staff forum exists before the bot starts: it learns there that it has topics.
    process = await start_bot(app, emulator)
    yield process
    await process.stop()


async def buyer_with_order(
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    *,
    username: str | None = None,
) -> tuple[ScriptedUser, Message]:
    """Alex, who started the bot and linked order NUMBER; returns the order card too."""
    await make_order(uow_factory, clock)
    buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME, username=username)
    await buyer.send("/start")
    await buyer.wait_message()
    card = await link(buyer)
    return buyer, card


async def in_topic(forum: StaffForum, thread_id: int) -> Message:
    return await forum.group.wait_message(thread_id=thread_id)


def bot_posts(forum: StaffForum, thread_id: int) -> list[Message]:
    return forum.group.messages(thread_id, from_bot=True)


# ------------------------------------------------------------------ opening


async def test_human_command_opens_a_ticket_in_its_own_topic(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    assert "passed our conversation to a person (ticket #1)" in opened.told["text"]
    assert "Ticket #1" in opened.summary["text"]
    assert "Why: asked for a person" in opened.summary["text"]
    assert [t.name for t in forum.group.topics.values()] == ["#1 · Alex"]
    assert not topic_of(forum, opened.thread_id).closed
    assert bot_posts(forum, opened.thread_id)[0]["message_id"] == opened.summary["message_id"]
    assert staff_buttons(opened.summary) == ["🙋 Assign to me", "✅ Close"]
    [ticket] = await ticket_rows(uow_factory)
    assert (ticket.status, ticket.reason, ticket.topic_id) == (
        "open",
        "requested",
        opened.thread_id,
    )


async def test_main_menu_button_opens_a_ticket(
    bot: BotProcess, emulator: TelegramEmulator, forum: StaffForum, uow_factory: UnitOfWorkFactory
) -> None:
    buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME)
    await buyer.send("/start")
    greeting = await buyer.wait_message()
    await buyer.press("🙋 Talk to a person", message=greeting)
    await buyer.wait_callback_answer()
    told = await buyer.wait_message()
    assert "passed our conversation to a person (ticket #1)" in told["text"]
    summary = await forum.group.wait_message()
    assert "Ticket #1" in summary["text"] and "Buyer: Alex" in summary["text"]
    assert [t.name for t in forum.group.topics.values()] == ["#1 · Alex"]
    assert await ticket_count(uow_factory) == 1


async def test_order_card_button_opens_a_ticket_about_that_order(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _first_card = await buyer_with_order(emulator, uow_factory, clock)
    await make_order(uow_factory, clock, number=SECOND, status="AWAITING_SHIPMENT")
    second_card = await link(buyer, SECOND)
    await buyer.press("🙋 Talk to a person", message=second_card)
    await buyer.wait_callback_answer()
    told = await buyer.wait_message()
    assert "passed our conversation to a person" in told["text"]
    summary = await forum.group.wait_message()
    # Staff see which of the two orders the buyer asked about.
    assert [t.name for t in forum.group.topics.values()] == [f"#1 · Alex · {SECOND}"]
    assert f"About order {SECOND}" in summary["text"]
    assert f"About order {NUMBER}" not in summary["text"]
    [ticket] = await ticket_rows(uow_factory)
    assert ticket.order_id is not None


async def test_answer_engine_escalation_relays_the_next_message_with_the_reason(
    bot: BotProcess,
    app: App,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    services = await app.services()
    await services.tickets.open(
        await chat_user_id(uow_factory, STAFF_BUYER_ID), EscalationReason.ANSWER_FAILED
    )
    await buyer.send("Hello? Is anybody there?")
    summary = await forum.group.wait_message()
    assert "Why: the bot could not answer twice in a row" in summary["text"]
    thread = summary["message_thread_id"]
    copied = await in_topic(forum, thread)
    assert copied["text"] == "Hello? Is anybody there?"
    assert [t.name for t in forum.group.topics.values()] == ["#1 · Alex"]
    # The buyer's message went to a person, not to the bot's fallback answer.
    assert not any("not sure what you mean" in t for t in texts_of(buyer.messages))


async def test_asking_again_while_open_creates_no_second_topic(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    await buyer.send("/human")
    again = await buyer.wait_message()
    assert "already talking with our team (ticket #1)" in again["text"]
    noted = await in_topic(forum, opened.thread_id)
    assert noted["text"] == "Alex asked for a person again."
    assert len(forum.group.topics) == 1
    assert await ticket_count(uow_factory) == 1


# ------------------------------------------------------------------ summary


async def test_summary_names_the_buyer_orders_reason_and_last_messages(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock, username="alex_b")
    await make_order(uow_factory, clock, number=SECOND, status="AWAITING_SHIPMENT")
    await link(buyer, SECOND)
    await buyer.send("My cat ate the parcel <i>label</i>")
    await buyer.wait_message()  # the bot's fallback: not sure, it asks what is meant
    opened = await escalate_by_command(buyer, forum)
    text = opened.summary["text"]
    assert f"Buyer: Alex (@alex_b, id {STAFF_BUYER_ID})" in text
    assert "Why: asked for a person" in text
    assert f"• {NUMBER}: On its way (Acme Store)" in text
    assert f"• {SECOND}: Being prepared (Acme Store)" in text
    assert "Last messages" in text
    assert "12:00 them: My cat ate the parcel <i>label</i>" in text  # shown literally
    # The bot's own reply to it is there too, as plain text.
    assert "12:00 bot: " in text.split("12:00 them: My cat ate the parcel", 1)[1]


async def test_appeal_summary_is_followed_by_the_claim_photos(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await delivered_order(uow_factory, clock)
    buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME)
    card = await link(buyer)
    photos = [photo_jpeg("crack-1"), photo_jpeg("crack-2")]
    first = await tap(buyer, "↩ Return or refund", card)
    await file_claim(buyer, first, Return(photos=photos, note="Cracked on arrival"))
    [claim] = await claims(uow_factory)
    await set_claim(
        uow_factory,
        claim.id,
        status="REJECTED",
        appeal_by=clock.now() + timedelta(days=3),
    )
    shown = await open_card(buyer, claim.claim_number)
    appealed = await tap(buyer, "⚖️ Appeal to support", shown)
    assert f"Your appeal of {claim.claim_number} went to our support team" in appealed["text"]
    summary = await forum.group.wait_message()
    thread = summary["message_thread_id"]
    text = summary["text"]
    assert "Why: appeal of a rejected claim" in text
    assert f"Claim {claim.claim_number} on order {NUMBER}" in text and "2 photos" in text
    assert "Buyer's note: Cracked on arrival" in text
    assert staff_buttons(summary)[:2] == ["⚖️ Uphold seller", "💸 Refund buyer"]
    album = [await in_topic(forum, thread), await in_topic(forum, thread)]
    assert all("photo" in m for m in album)
    assert len({m.get("media_group_id") for m in album}) == 1
    assert album[0].get("media_group_id") is not None
    sent = [emulator.file_bytes(m["photo"][-1]["file_id"]) for m in album]
    assert all(map(same_picture, sent, photos))  # the pictures the buyer sent, in order


# ------------------------------------------------------------------ relaying


Sender = Callable[[ScriptedUser], Coroutine[Any, Any, Message]]

PHOTO = sample_jpeg(seed="relay-photo")
DOCUMENT = b"%PDF-1.4\n% invoice 42\n%%EOF\n"


def _file_id(message: Message, kind: str) -> str:
    media = message[kind]
    return str(media[-1]["file_id"] if kind == "photo" else media["file_id"])


@pytest.mark.parametrize(
    ("kind", "send", "caption"),
    [
        pytest.param(
            "photo",
            lambda u: u.send_photo(PHOTO, "Broken <b>lid</b>"),
            "Broken <b>lid</b>",  # the buyer's text, not markup
            id="photo",
        ),
        pytest.param(
            "document",
            lambda u: u.send_document(DOCUMENT, "invoice.pdf"),
            None,
            id="document",
        ),
        pytest.param("voice", lambda u: u.send_voice(), None, id="voice"),
        pytest.param("sticker", lambda u: u.send_sticker(), None, id="sticker"),
        pytest.param("video", lambda u: u.send_video(caption="Unboxing"), "Unboxing", id="video"),
    ],
)
async def test_buyer_media_reaches_the_topic(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    kind: str,
    send: Sender,
    caption: str | None,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    original = await send(buyer)
    copied = await in_topic(forum, opened.thread_id)
    assert kind in copied, copied
    sent = emulator.file_bytes(_file_id(original, kind))
    assert emulator.file_bytes(_file_id(copied, kind)) == sent
    assert copied.get("caption") == caption
    # Nothing to the buyer: their message went to a person, not to the bot.
    assert buyer.last_message == opened.told


async def test_buyer_text_reaches_the_topic_verbatim(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    await buyer.send("Is <b>this</b> & <script>that</script> fine?")
    copied = await in_topic(forum, opened.thread_id)
    assert copied["text"] == "Is <b>this</b> & <script>that</script> fine?"
    assert buyer.last_message == opened.told


async def test_buyer_album_reaches_the_topic_whole(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    photos = [sample_jpeg(seed=f"album-{i}") for i in range(3)]
    await buyer.send_album(photos, caption="All three sides")
    copies = [await in_topic(forum, opened.thread_id) for _ in photos]
    assert sorted(emulator.file_bytes(_file_id(m, "photo")) for m in copies) == sorted(photos)
    assert [m.get("caption") for m in copies].count("All three sides") == 1
    assert buyer.last_message == opened.told


async def staff_to_buyer(
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> tuple[ScriptedUser, int]:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    return buyer, opened.thread_id


async def test_staff_text_reaches_the_buyer_introduced_by_name(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    await forum.agent.send(
        "Your parcel is at the <b>depot</b> & safe", chat=forum.group, thread_id=thread
    )
    answer = await buyer.wait_message()
    assert answer["text"] == "Anna:\nYour parcel is at the <b>depot</b> & safe"
    assert {"type": "bold", "offset": 0, "length": 4} in answer.get("entities", [])


async def test_staff_photo_reaches_the_buyer_with_the_name_in_the_caption(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    label = sample_jpeg(seed="return-label")
    await forum.agent.send_photo(label, "Print this label", chat=forum.group, thread_id=thread)
    got = await buyer.wait_message()
    assert got["caption"] == "Anna: Print this label"
    assert emulator.file_bytes(_file_id(got, "photo")) == label


@pytest.mark.parametrize("kind", ["document", "voice"])
async def test_staff_file_reaches_the_buyer_signed(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    kind: str,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    where: dict[str, Any] = {"chat": forum.group, "thread_id": thread}
    if kind == "document":
        sent = await forum.agent.send_document(DOCUMENT, "refund.pdf", **where)
    else:
        sent = await forum.agent.send_voice(**where)
    got = await buyer.wait_message()
    assert got["caption"] == "Anna:"
    assert emulator.file_bytes(_file_id(got, kind)) == emulator.file_bytes(_file_id(sent, kind))


async def test_staff_sticker_is_introduced_then_sent(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    sent = await forum.agent.send_sticker(chat=forum.group, thread_id=thread)
    intro = await buyer.wait_message()
    assert intro["text"] == "Anna sent you:"
    got = await buyer.wait_message()
    assert "sticker" in got
    assert got["sticker"]["file_id"] == sent["sticker"]["file_id"]


async def test_staff_album_reaches_the_buyer_in_full(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    photos = [sample_jpeg(seed=f"staff-album-{i}") for i in range(2)]
    await forum.agent.send_album(photos, caption="Both sides", chat=forum.group, thread_id=thread)
    got = [await buyer.wait_message() for _ in photos]
    assert sorted(emulator.file_bytes(_file_id(m, "photo")) for m in got) == sorted(photos)
    assert sorted(m["caption"] for m in got) == ["Anna:", "Anna: Both sides"]


# ------------------------------------------------------------------ notes


async def test_note_stays_internal_and_is_marked_in_the_transcript(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    seen_before = len(buyer.messages)
    await forum.agent.send(
        "/note buyer seems anxious about customs", chat=forum.group, thread_id=thread
    )
    saved = await in_topic(forum, thread)
    assert "Internal note saved" in saved["text"] and "not sent" in saved["text"]
    assert len(buyer.messages) == seen_before
    assert not any("customs" in t for t in texts_of(buyer.messages))
    await forum.agent.send("/transcript", chat=forum.group, thread_id=thread)
    transcript = await in_topic(forum, thread)
    body = emulator.file_bytes(transcript["document"]["file_id"]).decode()
    assert "Internal note by Anna: buyer seems anxious about customs" in body


# ------------------------------------------------------------------ assigning


async def test_assign_to_me(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    await forum.agent.press("🙋 Assign to me", message=opened.summary, chat=forum.group)
    assert await forum.agent.wait_callback_answer() == "Assigned to you"
    took = await in_topic(forum, opened.thread_id)
    assert took["text"] == "👤 Anna took this ticket."
    # Assign is gone from the summary; Close stays.
    await wait_for_edit(
        emulator,
        lambda: bot_posts(forum, opened.thread_id),
        opened.summary["message_id"],
        lambda m: staff_buttons(m) == ["✅ Close"],
    )
    await forum.agent.send("/tickets", chat=forum.group)
    listing = await forum.group.wait_message()
    assert "Open tickets (1)" in listing["text"]
    assert "#1 · Alex: waiting less than a minute, Anna" in listing["text"]
    [ticket] = await ticket_rows(uow_factory)
    assert ticket.assignee_name == "Anna"


# ------------------------------------------------------------------ closing


async def test_close_command_then_four_stars_and_a_comment(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    await forum.agent.send("/close", chat=forum.group, thread_id=thread)
    closed = await buyer.wait_message()
    assert "Our team closed ticket #1. How did we do?" in closed["text"]
    assert staff_buttons(closed) == ["⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]
    said = await in_topic(forum, thread)
    assert said["text"] == "✅ Closed by Anna. The requester was asked to rate the help."
    topic = topic_of(forum, thread)
    assert topic.closed and topic.name == "✅ #1 · Alex"
    await buyer.press("⭐⭐⭐⭐", message=closed)
    assert await buyer.wait_callback_answer() == "Thanks for your rating!"
    asked = await wait_for_edit(
        emulator, lambda: buyer.messages, closed["message_id"], lambda m: "rating us" in m["text"]
    )
    assert "Thank you for rating us ⭐⭐⭐⭐! Anything you'd like to add?" in asked["text"]
    assert staff_buttons(asked) == ["No, thanks"]
    assert (await in_topic(forum, thread))["text"] == "Rating: ⭐⭐⭐⭐ (4/5)"
    await buyer.send("Quick and kind")
    assert "Thank you! We read every comment." in (await buyer.wait_message())["text"]
    assert (await in_topic(forum, thread))["text"] == "Comment: Quick and kind"
    [ticket] = await ticket_rows(uow_factory)
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 4, "Quick and kind")


async def test_close_button_then_no_thanks(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    opened = await escalate_by_command(buyer, forum)
    await forum.agent.press("✅ Close", message=opened.summary, chat=forum.group)
    await forum.agent.wait_callback_answer()
    closed = await buyer.wait_message()
    assert "closed ticket #1" in closed["text"]
    assert (await in_topic(forum, opened.thread_id))["text"].startswith("✅ Closed by Anna")
    topic = topic_of(forum, opened.thread_id)
    assert topic.closed and topic.name.startswith("✅ ")
    # The closed ticket's summary keeps no buttons.
    await wait_for_edit(
        emulator,
        lambda: bot_posts(forum, opened.thread_id),
        opened.summary["message_id"],
        lambda m: staff_buttons(m) == [],
    )
    await buyer.press("⭐⭐⭐⭐⭐", message=closed)
    await buyer.wait_callback_answer()
    await wait_for_edit(
        emulator, lambda: buyer.messages, closed["message_id"], lambda m: "rating us" in m["text"]
    )
    await buyer.press("No, thanks", message=closed)
    await buyer.wait_callback_answer()
    await wait_for_edit(
        emulator,
        lambda: buyer.messages,
        closed["message_id"],
        # No comment was given: nothing about reading comments.
        lambda m: (
            m["text"] == "Okay, thanks again for your rating. If you need us, just write here."
        ),
    )
    assert (await in_topic(forum, opened.thread_id))["text"] == "Rating: ⭐⭐⭐⭐⭐ (5/5)"
    # The comment step is over: the next sentence goes to staff again, not into the rating.
    await buyer.send("Bye now")
    assert "I've reopened ticket #1" in (await buyer.wait_message())["text"]
    [ticket] = await ticket_rows(uow_factory)
    assert (ticket.rating, ticket.rating_comment) == (5, None)


async def test_closed_ticket_topic_refuses_relaying(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    await forum.agent.send("/close", chat=forum.group, thread_id=thread)
    await buyer.wait_message()
    await in_topic(forum, thread)
    seen = len(buyer.messages)
    # Anna is an administrator, so Telegram lets her write in the closed topic.
    await forum.agent.send("One more thing I forgot", chat=forum.group, thread_id=thread)
    hint = await in_topic(forum, thread)
    assert "This ticket is closed; nothing was sent" in hint["text"]
    assert len(buyer.messages) == seen
    assert not any("forgot" in t for t in texts_of(buyer.messages))


# ------------------------------------------------------------------ reopening


async def closed_ticket(
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> tuple[ScriptedUser, int]:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    await forum.agent.send("/close", chat=forum.group, thread_id=thread)
    await buyer.wait_message()
    await in_topic(forum, thread)
    assert topic_of(forum, thread).closed
    return buyer, thread


async def test_writing_within_24_hours_reopens_the_same_ticket_and_topic(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await closed_ticket(emulator, forum, uow_factory, clock)
    clock.advance(timedelta(hours=23))
    await buyer.send("About my earlier conversation")
    told = await buyer.wait_message()
    assert "I've reopened ticket #1" in told["text"]
    reopened = await in_topic(forum, thread)
    assert reopened["text"] == "🔄 Alex wrote again within 24 hours: ticket reopened."
    assert (await in_topic(forum, thread))["text"] == "About my earlier conversation"
    topic = topic_of(forum, thread)
    assert not topic.closed and topic.name == "#1 · Alex"
    assert list(forum.group.topics) == [thread]
    [ticket] = await ticket_rows(uow_factory)
    assert ticket.status == "open" and ticket.topic_id == thread
    await forum.agent.send("Sorry to hear that!", chat=forum.group, thread_id=thread)
    assert (await buyer.wait_message())["text"] == "Anna:\nSorry to hear that!"


async def test_writing_after_25_hours_gets_the_bot_and_reopens_nothing(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await closed_ticket(emulator, forum, uow_factory, clock)
    posted = len(forum.group.messages(thread))
    clock.advance(timedelta(hours=25))
    await buyer.send("About my earlier conversation")
    answer = await buyer.wait_message()
    # The bot answers (here: the return flow for the order), not the closed ticket.
    assert answer["text"] != "About my earlier conversation" and "ticket" not in answer["text"]
    assert topic_of(forum, thread).closed
    assert len(forum.group.messages(thread)) == posted
    [ticket] = await ticket_rows(uow_factory)
    assert ticket.status == "closed"


# ------------------------------------------------------------------ the buyer's own commands


async def test_buyer_commands_keep_working_and_are_not_relayed(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    buyer, thread = await staff_to_buyer(emulator, forum, uow_factory, clock)
    posted = len(forum.group.messages(thread))
    await buyer.send("/orders")
    listing = await buyer.wait_message()
    assert "Your orders" in listing["text"]
    assert any(label.startswith(NUMBER) for label in staff_buttons(listing))
    assert len(forum.group.messages(thread)) == posted


async def test_buyer_in_the_middle_of_a_flow_is_not_relayed(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await delivered_order(uow_factory, clock)
    buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME)
    card = await link(buyer)
    opened = await escalate_by_command(buyer, forum)
    posted = len(forum.group.messages(opened.thread_id))
    await tap(buyer, "↩ Return or refund", card)
    await pick_items(buyer, {"Ceramic mug": 1})
    await tap(buyer, "Return and refund")
    asked = await tap(buyer, "Arrived damaged")
    assert "Photos" in asked["text"]
    await buyer.send_photo(sample_jpeg(seed="flow-photo"))
    got = await buyer.wait_message()
    assert "Got it: 1 photo" in got["text"]
    await buyer.send("the handle is cracked")
    assert "Please send photos now" in (await buyer.wait_message())["text"]
    assert len(forum.group.messages(opened.thread_id)) == posted


# ------------------------------------------------------------------ business hours


async def test_outside_business_hours_the_buyer_is_told_when_the_team_answers(
    bot: BotProcess,
    emulator: TelegramEmulator,
    forum: StaffForum,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    clock.set(datetime(2026, 1, 17, 11, 30, tzinfo=UTC))  # a Saturday
    buyer, _card = await buyer_with_order(emulator, uow_factory, clock)
    await set_shop_settings(uow_factory, business_hours="Mon-Fri 09:00-18:00")
    opened = await escalate_by_command(buyer, forum)
    assert (
        "Our team is away right now; they'll answer from Jan 19, 09:00 UTC" in opened.told["text"]
    )
    assert "Told the requester we answer from Jan 19, 09:00 UTC." in opened.summary["text"]


# ------------------------------------------------------------------ no staff chat


async def test_without_a_staff_chat_the_buyer_is_told_support_is_unavailable(
    app: App, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    unconfigured = App(
        settings=app.settings.model_copy(update={"staff_chat_id": None}),
        engine=app.engine,
        uow=app.uow,
        clock=app.clock,
    )
    process = await start_bot(unconfigured, emulator)
    try:
        buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME)
        await buyer.send("/start")
        greeting = await buyer.wait_message()
        await buyer.send("/human")
        told = await buyer.wait_message()
        assert "live support isn't available" in told["text"]
        await buyer.press("🙋 Talk to a person", message=greeting)
        await buyer.wait_callback_answer()
        assert "live support isn't available" in (await buyer.wait_message())["text"]
        assert await ticket_count(uow_factory) == 0
    finally:
        await process.stop()
