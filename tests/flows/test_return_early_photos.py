"""A photo sent before the return flow's photos step (at the items, kind or reason
step) is kept for the request instead of being dropped: the buyer is told, the step's
question comes again, and the photos step counts it."""

from __future__ import annotations

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.flows.test_returns import claims, delivered_order, linked
from tests.harness import Harness
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
