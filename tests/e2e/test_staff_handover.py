"""Handing a conversation to a person, end to end (aiogram ↔ emulator, staff forum):
what goes through the real forum — a ticket's own topic and its summary with buttons,
relaying each kind of message both ways (text with its entities, photos, files,
stickers, albums), internal notes and the transcript file, assigning, closing by the
summary's button and rating.  How tickets open, the summary's content, closing by
command, reopening within 24 hours, the buyer's commands and flows during a ticket,
business hours and no staff chat are tested in process: tests/flows/test_staff_handover.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
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
    staff_buttons,
    staff_forum,
    staff_settings,
    start_bot,
    texts_of,
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


# ------------------------------------------------------------------ summary


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
