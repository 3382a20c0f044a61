"""The in-process harness itself: a buyer talks to the real chat core."""

from __future__ import annotations

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness


async def test_start_then_link_an_order_by_typing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number="578000000000000001")
    buyer = harness.buyer()
    await buyer.say("/start")
    assert "Link an order" in [b.text for b in buyer.buttons()] or buyer.buttons()
    await buyer.say("578000000000000001")
    assert await buyer.step() == "link.proof"
    await buyer.say("buyer@example.com")
    assert "578000000000000001" in buyer.said
    assert await buyer.step() is None


async def test_cancel_typed_mid_flow_leaves_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = harness.buyer()
    await buyer.press("link")
    assert await buyer.step() == "link.number"
    await buyer.say("never mind")
    assert "stopped" in buyer.last_text.lower()
    assert await buyer.step() is None


async def test_help_mid_flow_repeats_what_the_step_takes_in_plain_words(
    harness: Harness,
) -> None:
    buyer = harness.buyer()
    await buyer.press("link")
    await buyer.say("help")
    assert "<b>" not in buyer.said and "&lt;" not in buyer.said
    assert "cancel" in buyer.said
    assert await buyer.step() == "link.number"


async def test_help_and_cancel_typed_outside_a_flow_are_the_menu_and_nothing_to_cancel(
    harness: Harness,
) -> None:
    buyer = harness.buyer()
    await buyer.say("asdfgh")  # a first miss
    await buyer.say("help")  # not a second miss: the menu, no hand-over
    assert "ticket" not in buyer.said.lower()
    assert any(b.data == "link" for b in buyer.buttons())
    await buyer.say("cancel")
    assert "nothing to cancel" in buyer.said.lower()
    assert harness.desk.topics == {}
