"""A photo sent before the return flow's photos step (at the items, kind or reason
step) is kept for the request instead of being dropped: the buyer is told, the step's
question comes again, and the photos step counts it.  So is one sent after it, at the
note or the summary; and a caption on it answers the step it was sent at."""

from __future__ import annotations

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.flows.test_returns import claims, delivered_order, linked
from tests.harness import Harness, Person
from tests.pictures import photo_jpeg


async def test_a_photo_sent_early_is_kept_for_the_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await alex.press(start)
    await alex.photo(photo_jpeg("early-1"))  # at the items step
    assert "I'll add that to your request" in alex.said, alex.said
    assert "step 1 of 5" in alex.last_text
    assert await alex.step() == "ret.items"
    await alex.tap("Ceramic mug — up to 2")
    await alex.tap("2")
    await alex.tap("Continue ›")
    await alex.tap("Return and refund")
    await alex.photo(photo_jpeg("early-2"))  # at the reason step
    assert "step 3 of 5" in alex.last_text
    await alex.tap("Arrived damaged")  # photos required: the two count
    assert "You've already sent 2 photos" in alex.last_text, alex.last_text
    await alex.tap("Done ›")
    assert "step 5 of 5" in alex.last_text
    await alex.tap("Skip ›")
    assert "Photos: 2" in alex.last_text
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    assert len(claim.photos) == 2


async def test_a_file_that_is_no_picture_is_refused_early_and_the_step_stays(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await alex.press(start)
    await alex.document(b"%PDF-1.4 not a picture", "receipt.pdf", "application/pdf")
    assert "I'll add that to your request" not in alex.said
    assert "step 1 of 5" in alex.last_text
    assert await alex.step() == "ret.items"


async def at_reason(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await alex.press(start)
    await alex.tap("Ceramic mug — up to 2")
    await alex.tap("2")
    await alex.tap("Continue ›")
    await alex.tap("Return and refund")
    assert "step 3 of 5" in alex.last_text
    return alex


async def at_note(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    alex = await at_reason(harness, uow_factory, clock)
    await alex.tap("Arrived damaged")
    await alex.photo(photo_jpeg("first"))
    await alex.tap("Done ›")
    assert "step 5 of 5" in alex.last_text
    return alex


async def test_a_caption_on_an_early_photo_answers_the_step(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_reason(harness, uow_factory, clock)
    await alex.photo(photo_jpeg("cracked"), caption="arrived cracked")
    assert "Added to your request: 1 photo so far" in alex.said, alex.said
    assert "You've already sent 1 photo" in alex.last_text, alex.last_text
    assert await alex.step() == "ret.photos"


async def test_a_photo_at_the_note_step_is_added_and_the_note_asked_again(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.photo(photo_jpeg("second"))
    assert "Added to your request: 2 photos so far" in alex.said, alex.said
    assert "step 5 of 5" in alex.last_text
    await alex.photo(photo_jpeg("third"), caption="the box was crushed too")
    assert "Added to your request: 3 photos so far" in alex.said
    assert "Photos: 3" in alex.last_text and "Note: the box was crushed too" in alex.last_text
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    assert len(claim.photos) == 3 and claim.buyer_note == "the box was crushed too"


async def test_a_photo_at_the_summary_is_added_and_files_nothing_until_confirmed(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await at_note(harness, uow_factory, clock)
    await alex.tap("Skip ›")
    assert "Photos: 1" in alex.last_text
    old_confirm = alex.button("✅ Confirm")
    await alex.photo(photo_jpeg("one more"), caption="yes")  # "yes" to a summary it changes
    assert "Added to your request: 2 photos so far" in alex.said, alex.said
    assert "Photos: 2" in alex.last_text
    assert await claims(uow_factory) == []
    await alex.album([photo_jpeg("a1"), photo_jpeg("a2"), photo_jpeg("a3")])
    assert alex.said.count("Please check your request") == 1, alex.said  # once per album
    await alex.press(alex.button("✅ Confirm"))  # under the album's first summary
    assert "Photos: 5" in alex.last_text and await claims(uow_factory) == []
    await alex.press(old_confirm)
    assert await claims(uow_factory) == []
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    assert len(claim.photos) == 5


async def test_the_photo_a_return_was_asked_with_is_kept(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    asking = "my mug arrived cracked, I want a refund"
    await alex.photo(photo_jpeg("asked-1"), caption=asking, album="broken")
    assert alex.texts[0] == "📷 Added to your request: 1 photo so far.", alex.texts
    assert "How many of Ceramic mug?" in alex.last_text
    await alex.photo(photo_jpeg("asked-2"), album="broken")  # the rest of its album
    assert alex.texts == []
    await alex.tap("2")
    await alex.tap("Return and refund")
    assert "You've already sent 2 photos" in alex.last_text, alex.last_text
