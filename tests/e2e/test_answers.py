"""Free text outside any flow, end to end (aiogram ↔ emulator, offline engine, the bundled
sample policies, a staff forum for hand-overs): what the Bot API must accept and show —
an answer's bold section title as entities, a ticket's topic and summary in the real
forum, a buyer's tags shown to staff literally.  The routing and wording (misses,
hand-overs, order/cancel/return wording, hostile and long text) are tested in process:
tests/flows/test_answers.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.config import Settings
from bot.emulator import ScriptedUser, TelegramEmulator
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.staff_helpers import (
    STAFF_BUYER_ID,
    STAFF_BUYER_NAME,
    Message,
    StaffForum,
    staff_buttons,
    staff_forum,
    staff_settings,
    start_bot,
    text_of,
    ticket_count,
    ticket_rows,
)

PERSON = "🙋 Talk to a person"
NOT_SURE = "I'm not sure I understood"
# Questions the sample policies do not cover (the offline engine must not guess).
GIFT_CARDS = "do you sell gift cards?"
HIRING = "are you hiring?"
# A question they do cover, plainly.
APPLE_PAY = "can I pay with apple pay?"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    assert settings.llm_model is None  # the offline engine: no model is ever called
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


async def started(emulator: TelegramEmulator) -> ScriptedUser:
    """Alex, who has started the bot (and read the greeting)."""
    buyer = emulator.user(STAFF_BUYER_ID, STAFF_BUYER_NAME)
    await buyer.send("/start")
    await buyer.wait_message()
    return buyer


async def ask(buyer: ScriptedUser, text: str) -> Message:
    await buyer.send(text)
    return await buyer.wait_message()


def bold(message: Message) -> list[str]:
    """The bold parts of a message, as the buyer sees them."""
    text = text_of(message)
    # Offsets are in UTF-16 code units.
    units = text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities") or []
        if e["type"] == "bold"
    ]


# ------------------------------------------------------------------ through the Bot API


@pytest.mark.parametrize(
    ("question", "title", "says"), [(APPLE_PAY, "Payments › Ways to pay", "Apple Pay")]
)
async def test_a_policy_question_is_answered_with_a_quote_of_its_section(
    bot: BotProcess, emulator: TelegramEmulator, question: str, title: str, says: str
) -> None:
    buyer = await started(emulator)
    answer = await ask(buyer, question)
    text = text_of(answer)
    assert text.startswith("📖"), text
    # The section is named (in bold, as HTML the emulator accepted) and quoted.
    assert any(b.startswith(title) for b in bold(answer)), (bold(answer), text)
    assert says in text
    assert NOT_SURE not in text
    # It says how sure it is, and the quote is reflowed for a phone: every line is a
    # whole paragraph or list item, none broken where the policy file wrapped it.
    assert "% sure)" in text, text
    assert all(line.endswith((".", ":", ")", "!", "?")) for line in text.split("\n") if line), text
    emulator.assert_no_rejections()


async def test_an_unsure_answer_says_so_and_the_button_opens_a_ticket(
    bot: BotProcess, emulator: TelegramEmulator, forum: StaffForum, uow_factory: UnitOfWorkFactory
) -> None:
    buyer = await started(emulator)
    unsure = await ask(buyer, GIFT_CARDS)
    assert NOT_SURE in text_of(unsure)
    assert "📖" not in text_of(unsure)  # no policy section passed off as the answer
    assert staff_buttons(unsure) == [PERSON]
    assert await ticket_count(uow_factory) == 0

    await buyer.press(PERSON, message=unsure)
    await buyer.wait_callback_answer()
    told = await buyer.wait_message()
    assert "passed our conversation to a person (ticket #1)" in text_of(told)
    summary = await forum.group.wait_message()
    assert "Ticket #1" in text_of(summary) and "Why: asked for a person" in text_of(summary)
    assert [t.name for t in forum.group.topics.values()] == ["#1 · Alex"]
    [ticket] = await ticket_rows(uow_factory)
    assert (ticket.status, ticket.reason) == ("open", "requested")


async def test_html_looking_questions_are_answered_and_shown_to_staff_literally(
    bot: BotProcess, emulator: TelegramEmulator, forum: StaffForum
) -> None:
    buyer = await started(emulator)
    answer = await ask(buyer, "<b>can I pay</b> with PayPal & Apple Pay? <script>x()</script>")
    assert "Payments › Ways to pay" in text_of(answer)
    assert [b for b in bold(answer) if not b.startswith("Payments")] == []

    gift = "do you sell <i>gift</i> cards & vouchers?"
    hiring = "<script>are you hiring?</script>"
    assert NOT_SURE in text_of(await ask(buyer, gift))
    await buyer.send(hiring)
    assert "I'm passing you to a person" in text_of(await buyer.wait_message())
    summary = await forum.group.wait_message()
    # The staff read what the buyer typed, tags and all, not formatted by it.
    assert f"them: {gift}" in text_of(summary)
    assert f"them: {hiring}" in text_of(summary)
    assert not any(e["type"] == "italic" for e in summary.get("entities") or [])
    emulator.assert_no_rejections()


async def test_the_next_sections_under_an_answer_not_sure_of_open_on_a_tap(
    forum: StaffForum, any_bot: BotProcess, emulator: TelegramEmulator
) -> None:
    """On each framework: the runners-up's buttons (their titles cut to fit, their data
    a few bytes) are accepted by the Bot API, and a tap quotes that section."""
    buyer = await started(emulator)
    answer = await ask(buyer, "do you ship abroad")
    assert "one of the parts below" in text_of(answer)
    offered = [label for label in staff_buttons(answer) if label.startswith("📖 ")]
    assert len(offered) == 2 and staff_buttons(answer)[-1] == PERSON

    await buyer.press(offered[1], message=answer)
    await buyer.wait_callback_answer()
    quoted = await buyer.wait_message()
    assert bold(quoted) == [offered[1].removeprefix("📖 ")]
    assert staff_buttons(quoted) == [PERSON]
    emulator.assert_no_rejections()
