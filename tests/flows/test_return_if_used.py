"""A return request that first asks whether a used item can go back at all ("can I
return a candle I already burned") gets the returns policy's answer first, with a
button that starts the return taking what the buyer said; an ordinary return ("I want
to return the mug, it arrived cracked") and a used item that broke go straight to the
return flow, as before."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.flows.test_returns import delivered_order, linked
from tests.harness import Harness, alert

ITEMS = (("Scented candle", 1, "18.00"), ("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00"))
# What the sample policy's section on an item's condition says of used items.
CONDITION = "items that are worn, washed, used or missing parts"
CONDITION_ES = "lo usado, lavado o incompleto"
START = "Start a return"


@pytest.mark.parametrize(
    ("typed", "item"),
    [
        ("can I return a candle I already burned", "Scented candle"),
        ("can I return the mug I already used", "Ceramic mug"),
        ("I opened the mug, can I still return it?", "Ceramic mug"),
        ("can I return the towel after washing it", "Tea towel"),
        ("is it possible to return the candle if I lit it once?", "Scented candle"),
    ],
)
async def test_asking_if_a_used_item_can_go_back_gets_the_policy_first(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, item: str
) -> None:
    await delivered_order(uow_factory, clock, items=ITEMS)
    alex, _ = await linked(harness)
    await alex.say(typed)
    # The returns policy on an item's condition, quoted; no return started yet.
    assert "What can be returned and in what condition" in alex.said, alex.said
    assert CONDITION in alex.said
    assert "step 1 of 5" not in alex.said and "How many of" not in alex.said
    assert await alex.step() is None
    assert "the seller decides based on the item's condition" in alex.last_text
    # The buyer still wants to ask: the return starts with the item they named.
    await alex.tap(START)
    assert f"📝 Return: {item}" in alex.said, alex.said
    assert (await alex.step() or "").startswith("ret."), await alex.step()


async def test_in_spanish_the_spanish_policy_and_button(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock, items=ITEMS)
    ana, _ = await linked(harness, name="Ana")
    await ana.say("¿puedo devolver la taza que ya usé?")
    assert "Qué se puede devolver y en qué estado" in ana.said, ana.said
    assert CONDITION_ES in ana.said
    await ana.tap("Empezar una devolución")
    assert "📝 Devolución: Ceramic mug" in ana.said, ana.said


@pytest.mark.parametrize(
    ("typed", "taken"),
    [
        # The ordinary return: item and reason filled, straight to how many.
        ("I want to return the mug, it arrived cracked", "Ceramic mug; reason: Arrived damaged"),
        # Used, but faulty: faulty items go back in any state, so no question first.
        ("I used the mug and it broke, can I return it", "Ceramic mug; reason: Arrived damaged"),
        ("I opened the candle and it's the wrong one, can I return it", "Scented candle"),
        # Asking, but nothing used: the return itself.
        ("can I return the mug?", "Ceramic mug"),
    ],
)
async def test_other_returns_still_start_at_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, taken: str
) -> None:
    await delivered_order(uow_factory, clock, items=ITEMS)
    alex, _ = await linked(harness)
    await alex.say(typed)
    assert f"📝 Return: {taken}" in alex.said, alex.said
    assert "What can be returned and in what condition" not in alex.said
    assert START not in [b.text for b in alex.buttons()]
    assert (await alex.step() or "").startswith("ret."), await alex.step()


async def test_the_button_after_other_messages_still_starts_a_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock, items=ITEMS)
    alex, _ = await linked(harness)
    await alex.say("can I return a candle I already burned")
    button = alex.button(START)
    await alex.say("thanks")
    await alex.press(button)
    # What was said is gone with the offer: the return starts at its first step.
    assert "step 1 of 5" in alex.said, alex.said
    assert await alex.step() == "ret.items"


async def test_an_order_number_not_linked_is_proved_then_the_policy_follows(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    number = "578000000000000001"
    await delivered_order(uow_factory, clock, items=ITEMS)
    alex = harness.buyer(name="Alex")
    await alex.say(f"can I return the candle from order {number}? I already burned it")
    assert f"make sure order {number}" in alex.said, alex.said
    await alex.say("buyer@example.com")
    assert "now linked" in alex.said
    assert CONDITION in alex.said, alex.said
    await alex.tap(START)
    assert "📝 Return: Scented candle" in alex.said, alex.said


async def test_the_button_inside_a_return_under_way_changes_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock, items=ITEMS)
    alex, _ = await linked(harness)
    await alex.say("can I return a candle I already burned")
    button = alex.button(START)
    await alex.tap(START)
    step = await alex.step()
    assert step is not None and step.startswith("ret.")
    await alex.press(button)  # the same offer again, mid-flow
    assert "no longer works" in (alert(alex) or ""), alex.last
    assert await alex.step() == step
