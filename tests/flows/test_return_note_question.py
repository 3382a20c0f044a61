"""A question typed at a return's note step ("how long does the refund take?") is not
silently sent to the seller as the note: the bot asks whether to add it as the note.
"No, it was a question" keeps the buyer at the note step and answers the question right
after the request is filed; "Yes, add it" (or typed yes) makes it the note, so a real
note that asks the seller something is one tap away.  Plain notes go straight on."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.flows.test_returns import claims, delivered_order, linked, walk_to
from tests.harness import Harness, Person
from tests.pictures import photo_jpeg

QUESTION = "how long does the refund take?"
CHECK = "Add this as your note to the seller?"
SUMMARY = "Please check your request"


async def at_note(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "note")
    return alex


async def test_a_question_at_the_note_step_is_checked_then_answered_after_filing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(QUESTION)
    assert CHECK in alex.last_text, alex.said
    assert QUESTION in alex.last_text
    assert [b.text for b in alex.buttons()][:2] == ["Yes, add it", "No, it was a question"]
    assert await alex.step() == "ret.note_check"
    await alex.tap("No, it was a question")
    assert "I'll answer your question right after your request is sent" in alex.said
    assert "step 5 of 5" in alex.last_text  # the note's question again
    assert await alex.step() == "ret.note"
    await alex.tap("Skip ›")
    assert SUMMARY in alex.said and QUESTION not in alex.last_text
    await alex.tap("✅ Confirm")
    filed, *after = alex.texts
    assert "is filed" in filed
    assert f"Now your question: {QUESTION}" in after[0]
    assert len(after) >= 2  # and the answer follows
    [claim] = await claims(uow_factory)
    assert claim.buyer_note is None  # the seller never got the question as the note
    assert await alex.step() is None


@pytest.mark.parametrize("typed", ["yes", "yes please", "sure"])
async def test_a_typed_yes_adds_it_as_the_note(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(QUESTION)
    assert CHECK in alex.last_text
    await alex.say(typed)
    assert SUMMARY in alex.last_text and QUESTION in alex.last_text
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    assert claim.buyer_note == QUESTION
    assert "Now your question" not in alex.said


async def test_a_typed_no_keeps_it_as_a_question(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(QUESTION)
    await alex.say("no")
    assert await alex.step() == "ret.note"
    await alex.say("the box was also dented")  # the real note, typed next
    assert SUMMARY in alex.last_text
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    assert claim.buyer_note == "the box was also dented"
    assert f"Now your question: {QUESTION}" in alex.said


async def test_other_text_at_the_check_asks_again_and_back_returns_to_the_note(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(QUESTION)
    await alex.say("hmm")
    assert "type yes to add it as your note or no if it was a question" in alex.said
    assert CHECK in alex.last_text
    await alex.tap("‹ Back")
    assert "step 5 of 5" in alex.last_text
    assert await alex.step() == "ret.note"


async def test_a_note_typed_under_the_check_is_the_note_and_the_question_is_kept(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "the hole is near the label" under "Add this as your note?"
    got "Please tap a button" again and again.  Words of their own are the note; the
    earlier message was the question, answered once the request is filed."""
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(QUESTION)
    await alex.say("the hole is near the label")
    assert "I'll answer your question right after your request is sent" in alex.said
    assert SUMMARY in alex.last_text and "the hole is near the label" in alex.last_text
    await alex.tap("✅ Confirm")
    assert f"Now your question: {QUESTION}" in alex.said
    [claim] = await claims(uow_factory)
    assert claim.buyer_note == "the hole is near the label"


async def test_a_second_question_under_the_check_keeps_both(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "how long will it take" under "Add this as your note?" got
    "Please tap a button".  Two questions: both kept, answered once it is filed."""
    alex = await at_note(harness, uow_factory, clock)
    await alex.say("what happens now")
    await alex.say(QUESTION)
    assert "I'll answer them right after your request is sent" in alex.said, alex.said
    assert "Please tap a button" not in alex.said
    assert await alex.step() == "ret.note"
    await alex.tap("Skip ›")
    await alex.tap("✅ Confirm")
    assert "what happens now" in alex.said and QUESTION in alex.said
    [claim] = await claims(uow_factory)
    assert claim.buyer_note is None


async def test_a_photo_under_the_check_joins_the_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(QUESTION)
    await alex.photo(photo_jpeg("late"))
    assert "Please tap a button" not in alex.said, alex.said
    assert CHECK in alex.last_text  # the question is still asked
    await alex.tap("No, it was a question")
    await alex.tap("Skip ›")
    assert "Photos: 2" in alex.last_text, alex.last_text


async def test_asking_to_add_a_photo_at_the_note_step_says_send_it_now(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.say("can i add another photo")
    assert "send them now" in alex.said and CHECK not in alex.said, alex.said
    assert await alex.step() == "ret.note"
    await alex.photo(photo_jpeg("more"))
    await alex.tap("Skip ›")
    assert "Photos: 2" in alex.last_text and "can i add" not in alex.last_text


async def test_a_note_that_asks_the_seller_something_is_one_tap_away(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    note = "can you send a replacement in blue?"
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(note)
    if CHECK in alex.last_text:
        await alex.tap("Yes, add it")
    assert SUMMARY in alex.last_text and note in alex.last_text
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    assert claim.buyer_note == note


@pytest.mark.parametrize("note", ["the handle is cracked", "It arrived broken, sorry."])
async def test_a_plain_note_goes_straight_to_the_summary(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, note: str
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.say(note)
    assert CHECK not in alex.said
    assert SUMMARY in alex.last_text and note in alex.last_text


# A question typed at the return's other steps, which take a choice and not free text:
# it is not dropped with "type what you'd like", nor answered in the middle of the
# steps; it is kept and answered once the request is sent, or stopped.

LATER = "I'll answer your question as soon as we're done with this request"


@pytest.mark.parametrize(
    ("step", "prompt"), [("type", "step 2 of 5"), ("reason", "step 3 of 5"), ("photos", "")]
)
async def test_a_question_at_a_choice_step_is_kept_and_answered_after_filing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, step: str, prompt: str
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, step)
    before = await alex.step()
    await alex.say(QUESTION)
    assert LATER in alex.texts[0], alex.said
    assert prompt in alex.last_text  # the step's question again (photos: its buttons)
    assert await alex.step() == before
    await alex.say("do i have to pay for return shipping?")
    assert LATER in alex.texts[0]
    await walk_on(alex, step)
    await alex.tap("✅ Confirm")
    filed, *after = alex.texts
    assert "is filed" in filed
    asked = [t for t in after if t.startswith("Now your question")]
    assert asked == [
        f"Now your question: {QUESTION}",
        "Now your question: do i have to pay for return shipping?",
    ]
    [claim] = await claims(uow_factory)
    assert claim.buyer_note is None


async def walk_on(alex: Person, step: str) -> None:
    """From `step` (type, reason or photos) to the summary."""
    moves = {"type": "Replacement", "reason": "Doesn't work / defective"}
    for name in ("type", "reason"):
        if name == step:
            await alex.tap(moves[name])
            step = "reason" if name == "type" else "photos"
    await alex.photo(photo_jpeg("question"))
    await alex.tap("Done ›")
    await alex.tap("Skip ›")
    assert SUMMARY in alex.last_text


async def test_a_kept_question_is_answered_when_the_return_is_stopped(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "type")
    await alex.say(QUESTION)
    await alex.say("cancel")
    assert "stopped the return" in alex.texts[0], alex.said
    assert f"Now your question: {QUESTION}" in alex.texts[1]
    assert len(alex.texts) >= 3  # and its answer
    assert await alex.step() is None
    assert await claims(uow_factory) == []


async def test_a_choice_or_other_words_are_no_question_to_keep(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "what's the difference?" at the kind step explains the kinds; "hmm no idea" gets
    the step's line; neither is answered after the request."""
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "type")
    await alex.say("whats the difference?")
    assert LATER not in alex.said
    await alex.say("hmm no idea")
    assert "Type what you'd like" in alex.texts[0]
    await walk_on(alex, "type")
    await alex.tap("✅ Confirm")
    assert "Now your question" not in alex.said
