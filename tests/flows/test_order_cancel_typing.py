"""Typing an answer to "Cancel order X?" (and "Ask the seller to cancel?"): yes and no
work like the buttons, anything else gets the question again, and "cancel" leaves the
question with the order kept."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import FakeClock
from storage.models import Order
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness, Person

NUMBER = "578000000000000001"


@pytest.fixture(autouse=True)
def no_answer_engine(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the answer engine was asked {args!r}")

    monkeypatch.setattr(harness.services.answers, "answer", refuse)


async def asked(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, status: str = "ON_HOLD"
) -> tuple[Person, int]:
    order_id = await make_order(uow_factory, clock, number=NUMBER, status=status)
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    assert "now linked" in buyer.said
    await buyer.press(f"{'oc' if status == 'ON_HOLD' else 'ok'}:{order_id}")
    assert await buyer.step() == "order.cancel"
    return buyer, order_id


async def order_status(uow_factory: UnitOfWorkFactory, order_id: int) -> str:
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None
        return str(order.status)


@pytest.mark.parametrize("typed", ["yes please", "Yeah go ahead", "👍"])
async def test_a_typed_yes_cancels_like_the_button(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say(typed)
    assert f"Order {NUMBER} is cancelled" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "CANCELLED"
    assert await buyer.step() is None


@pytest.mark.parametrize("typed", ["no", "no, leave it", "nah im good"])
async def test_a_typed_no_keeps_the_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say(typed)
    assert "your order stays as it is" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    assert await buyer.step() is None


async def test_other_text_gets_the_question_again_with_its_buttons(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say("ok thanks")  # not a clear yes: an order is not cancelled on a guess
    assert "type yes or no" in buyer.texts[0]
    assert f"Cancel order {NUMBER}?" in buyer.last_text
    assert [b.text for b in buyer.buttons()] == ["Yes, cancel it", "No, keep it"]
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    assert await buyer.step() == "order.cancel"
    await buyer.tap("Yes, cancel it")  # the buttons still work, and end the question
    assert await order_status(uow_factory, order_id) == "CANCELLED"
    assert await buyer.step() is None


async def test_cancel_typed_leaves_the_question_and_keeps_the_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say("cancel")
    assert "nothing was cancelled" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    assert await buyer.step() is None


async def test_a_typed_yes_sends_a_cancel_request_for_an_order_being_prepared(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _ = await asked(harness, uow_factory, clock, status="AWAITING_SHIPMENT")
    await buyer.say("maybe later")
    assert [b.text for b in buyer.buttons()] == ["Yes, ask the seller", "No, keep the order"]
    await buyer.say("yes")
    assert f"cancellation request for order {NUMBER} is with the seller" in buyer.last_text
    assert await buyer.step() is None
