"""What people send besides text at a step that asks for words or a tap (a photo, an
album, a sticker): the step says what it wants, once, and nothing changes."""

from __future__ import annotations

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_order_cancel_typing import NUMBER, asked, order_status
from tests.harness import Harness
from tests.pictures import photo_jpeg


async def test_an_album_at_the_cancel_question_is_answered_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.album([photo_jpeg("a"), photo_jpeg("b"), photo_jpeg("c"), photo_jpeg("d")])
    assert buyer.said.count("Cancel order") == 1, buyer.said
    assert "tap one of the buttons, or type yes or no" in buyer.said
    assert await buyer.step() == "order.cancel"
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    await buyer.album([photo_jpeg("e"), photo_jpeg("f")])  # another album: answered too
    assert buyer.said.count("Cancel order") == 1, buyer.said


async def test_an_album_at_the_proof_step_is_answered_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER)
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.album([photo_jpeg("a"), photo_jpeg("b"), photo_jpeg("c")])
    assert buyer.said.count("To make sure order") == 1, buyer.said
    assert await buyer.step() == "link.proof"
    await buyer.say("buyer@example.com")
    assert "now linked" in buyer.said
