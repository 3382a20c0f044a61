"""The buyer's return flow, in process: which orders and types are offered, items
toggling, back and cancel at every step, crafted buttons, following a claim afterwards
(the list, the card, withdrawing, the return tracking) and what changes under the buyer's
feet.  (Moved from tests/e2e/test_returns.py; photos through the Bot API, albums and the
seller's copies stay there.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.clock import FakeClock
from handlers.types import EditText
from storage.models import Claim, ConversationState, Order, OrderItem, Shop
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_buyer_orders import NUMBER, link
from tests.harness import Harness, Person, alert, shown
from tests.pictures import photo_jpeg
from tests.unit.test_seller_claims import make_seller

ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00"))  # 33.00 + 4.99 shipping
NO_LONGER_WORKS = "no longer works"


async def delivered_order(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, number: str = NUMBER, **order: Any
) -> int:
    order.setdefault("items", ITEMS)
    return await make_order(
        uow_factory,
        clock,
        number=number,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=2),
        events=(("Delivered", "Left at front door"),),
        **order,
    )


async def claims(uow_factory: UnitOfWorkFactory) -> list[Claim]:
    async with uow_factory(readonly=True) as uow:
        ids = list(await uow.session.scalars(select(Claim.id).order_by(Claim.id)))
        found = [await uow.claims.get(i) for i in ids]
    return [c for c in found if c is not None]


async def claim_count(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Claim)) or 0)


async def set_claim(uow_factory: UnitOfWorkFactory, claim_id: int, **values: Any) -> None:
    """What the seller side does, straight in the database."""
    async with uow_factory() as uow:
        await uow.session.execute(update(Claim).where(Claim.id == claim_id).values(**values))
        await uow.commit()


async def state(uow_factory: UnitOfWorkFactory, user_id: int) -> ConversationState:
    async with uow_factory(readonly=True) as uow:
        row = await uow.session.scalar(
            select(ConversationState).where(ConversationState.user_id == user_id)
        )
    assert row is not None
    return row


async def item_ids(uow_factory: UnitOfWorkFactory, order_id: int) -> dict[str, int]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(select(OrderItem).where(OrderItem.order_id == order_id))
        return {row.product_name: row.id for row in rows}


@dataclass
class Return:
    """What the buyer chooses, in the words of the buttons."""

    items: dict[str, int] = field(default_factory=lambda: {"Ceramic mug": 1})
    type: str = "Return and refund"
    reason: str = "No longer needed"
    photos: int = 0
    note: str | None = None


async def file_claim(buyer: Person, plan: Return) -> Claim | None:
    """From the items step to a filed claim."""
    assert "step 1 of 5" in buyer.last_text, buyer.last_text
    for name, quantity in plan.items.items():
        await buyer.tap(name)
        if "How many" in buyer.last_text:
            await buyer.tap(str(quantity))
    await buyer.tap("Continue ›")
    await buyer.tap(plan.type)
    await buyer.tap(plan.reason)
    for n in range(plan.photos):
        await buyer.photo(photo_jpeg(f"flow-{n}"))
    await buyer.tap("Done ›" if plan.photos else "Skip ›")
    if plan.note is None:
        await buyer.tap("Skip ›")
    else:
        await buyer.say(plan.note)
    assert "Please check your request" in buyer.said
    await buyer.tap("✅ Confirm")
    assert "is filed" in buyer.said, buyer.said
    return None


async def filed_claim(
    buyer: Person, card_return: str, uow_factory: UnitOfWorkFactory, plan: Return | None = None
) -> Claim:
    await buyer.press(card_return)
    await file_claim(buyer, plan or Return())
    return (await claims(uow_factory))[-1]


async def open_card(buyer: Person, number: str) -> None:
    await buyer.say("/returns")
    label = next(b for b in shown(buyer) if b.startswith(number))
    await buyer.tap(label)


async def linked(harness: Harness, user_id: int = 1001, name: str = "Alex") -> tuple[Person, str]:
    """Alex, linked, looking at the order card; with the card's return button."""
    alex = harness.buyer(user_id, name)
    await link(alex)
    return alex, alex.button("↩ Return or refund")


# ------------------------------------------------------------------ filing


async def test_late_parcel_can_only_be_refunded_as_not_received(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, items=ITEMS, eta=clock.now() - timedelta(days=2))
    alex, start = await linked(harness)
    await alex.press(start)
    assert "Return possible until Feb 12" in alex.said  # 30 days after the promised date
    await alex.tap("Ceramic mug")
    await alex.tap("2")
    await alex.tap("Tea towel")
    await alex.tap("Continue ›")
    assert shown(alex) == ["Refund (the parcel never arrived)", "‹ Back", "✖ Cancel"]
    await alex.tap("Refund (the parcel never arrived)")
    assert shown(alex) == ["Parcel not received", "‹ Back", "✖ Cancel"]
    await alex.tap("Parcel not received")
    assert "tap Skip" in alex.last_text and shown(alex)[0] == "Skip ›"
    await alex.tap("Skip ›")
    await alex.tap("Skip ›")
    assert "Photos: 0" in alex.last_text and "$37.99" in alex.last_text
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    assert (claim.type, claim.reason, len(claim.photos)) == ("REFUND", "NOT_RECEIVED", 0)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("IN_TRANSIT", "still on its way and not late yet"),
        ("ON_HOLD", "hasn't shipped yet"),
        ("COMPLETED", "after-sales period has ended"),
    ],
)
async def test_return_command_says_why_an_order_cannot_be_returned(
    status: str, words: str, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, status=status)
    alex = harness.buyer(1001, "Alex")
    await link(alex)
    assert "↩ Return or refund" not in shown(alex)
    await alex.say("/return")
    assert words in alex.said and NUMBER in alex.said
    assert await alex.step() is None


async def test_single_unit_items_toggle_on_and_off(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await alex.press(start)
    await alex.tap("Tea towel — up to 1")  # one unit: no quantity question
    assert any(isinstance(a, EditText) for a in alex.last)  # the items step, in place
    assert shown(alex)[:3] == ["Ceramic mug — up to 2", "Tea towel — 1 of 1", "Continue ›"]
    await alex.tap("Tea towel — 1 of 1")
    assert shown(alex)[:2] == ["Ceramic mug — up to 2", "Tea towel — up to 1"]
    assert "Continue ›" not in shown(alex)
    await alex.tap("Tea towel — up to 1")
    await alex.tap("Continue ›")
    await alex.tap("Return and refund")
    await alex.tap("No longer needed")
    await alex.tap("Skip ›")
    await alex.tap("Skip ›")
    assert "• 1 × Tea towel" in alex.last_text and "Ceramic mug" not in alex.last_text
    assert "Refund requested: $8.00" in alex.last_text


async def test_photos_are_required_for_damage(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.say("/return")
    await alex.tap("Ceramic mug")
    await alex.tap("1")
    await alex.tap("Continue ›")
    await alex.tap("Return and refund")
    await alex.tap("Arrived damaged")
    assert "Please send 1 to 9 photos" in alex.last_text
    await alex.tap("Done ›")
    assert "send at least one photo" in (alert(alex) or "")
    assert await alex.step() == "ret.photos"


# ------------------------------------------------------------- back, cancel

STEP_WORDS = {
    "items": "step 1 of 5",
    "quantity": "How many of",
    "type": "step 2 of 5",
    "reason": "step 3 of 5",
    "photos": "step 4 of 5",
    "note": "step 5 of 5",
    "confirm": "Please check your request",
}


async def walk_to(alex: Person, start: str, step: str) -> None:
    """From the order card to `step` of the flow (with one photo on the way)."""
    await alex.press(start)
    moves = [
        ("quantity", "Ceramic mug — up to 2"),
        ("items", "2"),
        ("type", "Continue ›"),
        ("reason", "Replacement"),
        ("photos", "Doesn't work / defective"),
        ("note", None),
        ("confirm", "Skip ›"),
    ]
    if step == "items":
        return
    for name, label in moves:
        if label is None:  # photos → note: send a photo, then Done
            await alex.photo(photo_jpeg("walk"))
            await alex.tap("Done ›")
        else:
            await alex.tap(label)
        assert STEP_WORDS[name] in alex.last_text, (name, alex.last_text)
        if name == step:
            return
    raise AssertionError(step)


async def test_back_goes_one_step_back_and_keeps_the_choices(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "confirm")
    for expected in ("note", "photos", "reason", "type", "items"):
        await alex.tap("‹ Back")
        assert STEP_WORDS[expected] in alex.last_text, (expected, alex.last_text)
    assert shown(alex)[:3] == ["Ceramic mug — 2 of 2", "Tea towel — up to 1", "Continue ›"]
    await alex.tap("Ceramic mug — 2 of 2")
    assert STEP_WORDS["quantity"] in alex.last_text
    await alex.tap("‹ Back")
    assert STEP_WORDS["items"] in alex.last_text
    # Forward again: the photo sent before is still in the draft.
    await alex.tap("Continue ›")
    await alex.tap("Replacement")
    await alex.tap("Doesn't work / defective")
    assert shown(alex)[0] == "Done ›"
    await alex.tap("Done ›")
    await alex.tap("Skip ›")
    assert "Photos: 1" in alex.last_text and "• 2 × Ceramic mug" in alex.last_text
    # Back on the first step leaves the flow.
    for _ in range(5):
        await alex.tap("‹ Back")
    await alex.tap("‹ Back")
    assert "return request is discarded" in alex.said
    assert await claim_count(uow_factory) == 0
    assert await alex.step() is None


@pytest.mark.parametrize("step", list(STEP_WORDS))
async def test_cancel_at_any_step_files_nothing(
    step: str, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, step)
    back = alex.button("‹ Back")
    await alex.tap("✖ Cancel")
    assert "return request is discarded. Nothing was sent" in alex.said
    assert await claim_count(uow_factory) == 0
    assert await alex.step() is None
    # The old flow's buttons do nothing now.
    await alex.press(back)
    assert NO_LONGER_WORKS in (alert(alex) or "")


async def test_cancel_command_mid_flow_files_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "confirm")
    confirm = alex.button("✅ Confirm")
    await alex.say("/cancel")
    assert "Nothing was saved" in alex.said
    await alex.press(confirm)
    assert NO_LONGER_WORKS in (alert(alex) or "")
    assert await claim_count(uow_factory) == 0


# ---------------------------------------------------------- crafted buttons


async def test_crafted_buttons_change_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex_order = await delivered_order(uow_factory, clock)
    await delivered_order(uow_factory, clock, "578000000000000002", email="mallory@example.com")
    ids = await item_ids(uow_factory, alex_order)
    alex, start = await linked(harness)
    mallory = harness.buyer(1002, "Mallory")
    await link(mallory, "578000000000000002", "mallory@example.com")

    # Mallory starts a return on Alex's order: refused, no flow for her.
    await mallory.press(f"rs:{alex_order}")
    assert "can't find that order" in (alert(mallory) or "")
    assert await mallory.step() is None
    # Confirm, quantity and type buttons outside a flow do nothing.
    for data in ("rc", f"rq:{ids['Ceramic mug']}:1", "rt:REFUND", "rd", "rb", "rx", "rs:abc"):
        await mallory.press(data)
        assert NO_LONGER_WORKS in (alert(mallory) or ""), data

    # Alex asks for more mugs than he bought, and for an item of another order.
    await walk_to(alex, start, "quantity")
    two = alex.button("2")
    for data in (
        f"rq:{ids['Ceramic mug']}:3",
        f"rq:{ids['Ceramic mug']}:99999999999999999999",
        f"rq:{ids['Ceramic mug']}:-1",
        f"rq:{ids['Ceramic mug'] + 2}:1",
        "rc",  # confirm before the summary
    ):
        await alex.press(data)
        assert NO_LONGER_WORKS in (alert(alex) or ""), data
        assert alex.texts == []  # a popup, nothing more
    row = await state(uow_factory, 1001)
    assert row.step == "ret.qty" and row.data["items"] == {}
    await alex.press(two)
    assert "Ceramic mug — 2 of 2" in shown(alex)
    await alex.tap("Continue ›")
    return_and_refund = alex.button("Return and refund")
    # A type the order doesn't offer (late-parcel style) or garbage is refused too.
    await alex.press("rt:EXCHANGE")
    assert NO_LONGER_WORKS in (alert(alex) or "")
    await alex.press(return_and_refund)
    assert "step 3 of 5" in alex.last_text
    await alex.press("rr:NOT_A_REASON")
    assert NO_LONGER_WORKS in (alert(alex) or "")
    assert await claim_count(uow_factory) == 0


# ------------------------------------------------------------ following up


async def test_returns_lists_claims_and_the_card_shows_the_history(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = harness.buyer(1001, "Alex")
    await alex.say("/returns")
    assert "You have no return requests" in alex.said
    await link(alex)
    start = alex.button("↩ Return or refund")
    first = await filed_claim(
        alex, start, uow_factory, Return(items={"Tea towel": 1}, reason="No longer needed")
    )
    clock.advance(timedelta(hours=2))
    second = await filed_claim(
        alex, start, uow_factory, Return(reason="Arrived damaged", photos=1, note="Dented")
    )
    await alex.say("/returns")
    assert "Your return requests (2)" in alex.said
    assert shown(alex) == [
        f"{second.claim_number} · Waiting for the seller",
        f"{first.claim_number} · Waiting for the seller",
    ]
    await alex.tap(shown(alex)[0])
    text = alex.last_text
    assert f"Return request {second.claim_number}" in text and f"Order: {NUMBER}" in text
    assert "Status: Waiting for the seller" in text
    assert "Request: Return and refund · Arrived damaged" in text
    assert "• 1 × Ceramic mug" in text and "Refund requested: $12.50" in text
    assert "Photos: 1" in text and "The seller answers by Jan 17, 14:00 UTC" in text
    assert "History" in text and "Jan 15, 14:00 — Waiting for the seller (you): Dented" in text
    assert shown(alex) == ["Withdraw request"]


async def test_withdraw_a_claim(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    claim = await filed_claim(
        alex, start, uow_factory, Return(items={"Ceramic mug": 2}, reason="No longer needed")
    )
    await open_card(alex, claim.claim_number)
    withdraw = alex.button("Withdraw request")
    await alex.press(withdraw)
    assert f"Withdraw return request {claim.claim_number}?" in alex.said
    await alex.tap("No, keep it")
    assert alert(alex) is None
    assert "stays open" in alex.last_text and any(isinstance(a, EditText) for a in alex.last)
    await alex.press(withdraw)
    yes = alex.button("Yes, withdraw it")
    await alex.press(yes)
    assert "is withdrawn" in alex.last_text and any(isinstance(a, EditText) for a in alex.last)
    await alex.press(yes)  # a double tap
    assert alert(alex) == f"Request {claim.claim_number} is already withdrawn."
    [withdrawn] = await claims(uow_factory)
    assert withdrawn.status == "CANCELLED"
    assert [(e.from_status, e.to_status) for e in withdrawn.history] == [
        (None, "REQUESTED"),
        ("REQUESTED", "CANCELLED"),
    ]
    await open_card(alex, claim.claim_number)
    card = alex.last_text
    assert "Status: Withdrawn" in card and "Withdrawn (you)" in card
    assert "withdrawn by the buyer" not in card
    assert shown(alex) == []
    # The items can be claimed again.
    await alex.press(start)
    assert "Ceramic mug — up to 2" in shown(alex)


async def test_return_tracking_number_is_checked_then_recorded(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    async with uow_factory() as uow:  # a seller told about claims by chat id
        await uow.session.execute(update(Shop).values(seller_chat_ids=[9001]))
        await uow.commit()
    seller = harness.seller(9001, "Sam Seller")
    alex, start = await linked(harness)
    claim = await filed_claim(alex, start, uow_factory)
    await harness.flush()
    assert any("Return request" in t for t in seller.news)
    await set_claim(
        uow_factory,
        claim.id,
        status="AWAITING_BUYER_SHIPMENT",
        ship_by=clock.now() + timedelta(days=5),
    )
    await open_card(alex, claim.claim_number)
    assert "Please send the item back by Jan 20" in alex.last_text
    assert shown(alex) == ["Enter return tracking", "Withdraw request"]
    await alex.tap("Enter return tracking")
    assert shown(alex) == ["FedEx", "UPS", "USPS", "DHL", "Other carrier", "✖ Cancel"]
    await alex.tap("UPS")
    assert "UPS tracking number" in alex.last_text
    await alex.say("1Z999AA10123456785")  # one digit off
    refused = alex.last_text
    assert refused.startswith("“1Z999AA10123456785” isn't a valid UPS tracking number")
    assert "one digit seems mistyped" in refused and refused.count("again") == 0
    await alex.say("hello")
    assert "start with 1Z and are 18 letters and digits" in alex.last_text
    assert (await claims(uow_factory))[0].status == "AWAITING_BUYER_SHIPMENT"
    await alex.say("1z999aa1 0123 456784")
    done = alex.last_text
    assert f"parcel for {claim.claim_number} arrives" in done
    assert "Tracking: UPS 1Z999AA10123456784" in done
    [after] = await claims(uow_factory)
    assert after.status == "BUYER_SHIPPED"
    assert (after.return_carrier, after.return_tracking_number) == ("UPS", "1Z999AA10123456784")
    await harness.flush()
    [told] = seller.news
    assert f"shipped the return for {claim.claim_number}: UPS 1Z999AA10123456784" in told
    await open_card(alex, claim.claim_number)
    assert "Status: On its way back to the seller" in alex.last_text
    assert "Return parcel: UPS 1Z999AA10123456784" in alex.last_text
    assert shown(alex) == []  # too late to withdraw


async def test_cancel_while_entering_the_tracking_number(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    claim = await filed_claim(alex, start, uow_factory)
    await set_claim(uow_factory, claim.id, status="AWAITING_BUYER_SHIPMENT")
    await open_card(alex, claim.claim_number)
    await alex.tap("Enter return tracking")
    await alex.tap("✖ Cancel")
    assert "Nothing was saved" in alex.said
    assert await alex.step() is None
    await alex.say("fedex")
    assert "FedEx tracking number" not in alex.said  # the step is left: no number asked
    assert (await claims(uow_factory))[0].status == "AWAITING_BUYER_SHIPMENT"
    # A whole tracking number typed later is the parcel's, as from the approval
    # (`claims.tracking_typed`): the request waits for it.
    await alex.say("UPS 1Z999AA10123456784")
    assert (await claims(uow_factory))[0].status == "BUYER_SHIPPED"


# ------------------------------------------------------------- robustness


async def test_double_confirm_files_one_claim(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "confirm")
    confirm = alex.button("✅ Confirm")
    await alex.press(confirm)
    assert "is filed" in alex.said
    await alex.press(confirm)
    assert NO_LONGER_WORKS in (alert(alex) or "")  # the second tap
    assert alex.texts == []
    assert await claim_count(uow_factory) == 1


async def test_window_closing_mid_flow_is_explained(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)  # delivered 2 days ago: 13 days left
    alex, start = await linked(harness)
    await walk_to(alex, start, "type")
    clock.advance(timedelta(days=14))
    await alex.tap("Return and refund")
    assert "return window for order" in alex.said and "has closed" in alex.said
    assert await alex.step() is None
    assert await claim_count(uow_factory) == 0


async def test_order_completed_before_confirm_is_explained(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "confirm")
    async with uow_factory() as uow:  # the shop closes the order's after-sales meanwhile
        await uow.session.execute(
            update(Order).where(Order.id == order_id).values(status="COMPLETED")
        )
        await uow.commit()
    await alex.tap("✅ Confirm")
    assert "is completed and its after-sales period has ended" in alex.said
    assert await claim_count(uow_factory) == 0
    assert await alex.step() is None


# ------------------------------------------------------- typed, outside the flow


@pytest.mark.parametrize(
    "typed",
    ["i changed my mind, cancel my return", "withdraw the refund request", "cancel my request"],
)
async def test_cancel_my_return_typed_asks_to_withdraw_it(
    typed: str, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    claim = await filed_claim(alex, start, uow_factory)
    await alex.say(typed)
    assert "ask for a return instead" not in alex.said
    assert f"Withdraw return request {claim.claim_number}?" in alex.last_text
    await alex.tap("Yes, withdraw it")
    assert f"Your return request {claim.claim_number} is withdrawn" in alex.last_text
    [withdrawn] = await claims(uow_factory)
    assert withdrawn.status == "CANCELLED"
    # Nothing is left to withdraw: /returns is where the request can still be seen.
    await alex.say(typed)
    assert "None of your return requests can be withdrawn any more" in alex.last_text
    assert "/returns" in alex.last_text


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("no wait keep it", "REQUESTED"),
        ("keep it", "REQUESTED"),
        ("stop", "REQUESTED"),
        ("yes", "CANCELLED"),
        ("withdraw it", "CANCELLED"),
        ("sí, retírala", "CANCELLED"),
    ],
)
async def test_the_withdraw_question_takes_a_typed_answer(
    answer: str,
    status: str,
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    """Found in the demo: "no wait keep it" under "Withdraw return request R…?" went to
    the intent model ("Which of these do you mean?")."""
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    claim = await filed_claim(alex, start, uow_factory)
    await alex.say("cancel my return")
    await alex.say(answer)
    assert "Which of these do you mean" not in alex.said
    [after] = await claims(uow_factory)
    assert after.status == status, alex.said
    assert await alex.step() is None
    if status == "CANCELLED":
        assert claim.claim_number in alex.last_text
    await alex.say("hmm")  # the question is answered: "hmm" is a message like any other
    assert "yes</b> to withdraw" not in alex.said


async def test_text_the_withdraw_question_cannot_use_asks_it_again(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    claim = await filed_claim(alex, start, uow_factory)
    await alex.say("cancel my return")
    await alex.say("what happens to my refund then")
    assert "type yes to withdraw the request or no to keep it" in alex.said
    assert f"Withdraw return request {claim.claim_number}?" in alex.last_text
    [after] = await claims(uow_factory)
    assert after.status == "REQUESTED"


async def test_cancel_my_return_with_several_requests_asks_which(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    first = await filed_claim(alex, start, uow_factory, Return(items={"Ceramic mug": 1}))
    second = await filed_claim(alex, start, uow_factory, Return(items={"Tea towel": 1}))
    await alex.say("cancel my return")
    assert "Which return request would you like to withdraw?" in alex.last_text
    assert len(shown(alex)) == 2
    await alex.tap(second.claim_number)
    assert f"Withdraw return request {second.claim_number}?" in alex.last_text
    await alex.tap("Yes, withdraw it")
    statuses = {c.claim_number: c.status for c in await claims(uow_factory)}
    assert statuses == {first.claim_number: "REQUESTED", second.claim_number: "CANCELLED"}


async def test_cancel_my_return_without_any_request_says_so(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.say("cancel my return")
    assert "You have no return or refund requests to withdraw" in alex.last_text
    assert await claim_count(uow_factory) == 0


async def test_cancel_typed_for_a_delivered_order_with_a_request_points_to_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await alex.say("cancel")  # no request yet: a return is the way
    assert "You can ask for a return instead" in alex.last_text
    claim = await filed_claim(alex, start, uow_factory)
    await alex.say("cancel")
    assert "You can ask for a return instead" not in alex.last_text
    assert f"Your return request {claim.claim_number} for it is already filed" in alex.last_text
    assert await alex.step() is None


@pytest.mark.parametrize("command", ["/start", "/human", "/language"])
async def test_a_command_that_ends_a_return_says_it_was_stopped(
    command: str, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "reason")
    await alex.say(command)
    first, *rest = alex.texts
    assert first == "I stopped the return you hadn't finished. Nothing was sent."
    assert rest  # then what the command itself says
    assert await alex.step() != "ret.reason"
    assert await claim_count(uow_factory) == 0


async def test_a_command_that_keeps_the_return_going_says_nothing_of_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    await walk_to(alex, start, "reason")
    await alex.say("/orders")  # a look at the orders; the return is still open
    assert "stopped" not in alex.said
    assert await alex.step() == "ret.reason"
    await alex.say("/cancel")  # says it itself, once
    assert alex.texts == ["Okay, stopped. Nothing was saved."]


async def test_a_photo_outside_a_flow_offers_a_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = harness.buyer(1001, "Alex")
    await alex.photo(photo_jpeg("nothing-asked"))  # no orders yet
    assert "type your answer" not in alex.said.lower()
    assert "I use photos only in a return request" in alex.last_text
    await delivered_order(uow_factory, clock)
    await link(alex)
    await alex.photo(photo_jpeg("after-link"))
    assert "type your answer" not in alex.said.lower()
    assert f"To ask for a return of order {NUMBER}, tap the button" in alex.last_text
    assert shown(alex) == ["↩ Return or refund"]
    assert await alex.step() is None
    await alex.photo(photo_jpeg("a-second-one"))  # a message of its own: both are kept
    await alex.tap("↩ Return or refund")
    assert "2 photos" in alex.said, alex.said
    assert "step 1 of 5" in alex.last_text
    assert await alex.step() == "ret.items"


async def test_a_photo_after_filing_is_offered_to_the_request_the_seller_is_deciding(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: a photo sent after filing was offered a new return only.
    With a request waiting for the seller, one tap adds it there and the seller is
    sent it; a new return for the rest of the order stays offered beside it."""
    await delivered_order(uow_factory, clock)
    await make_seller(uow_factory, clock, 3001)
    seller = harness.seller()
    alex, start = await linked(harness)
    await walk_to(alex, start, "confirm")
    await alex.tap("✅ Confirm")
    [claim] = await claims(uow_factory)
    await harness.flush()
    assert any("Return request" in n for n in seller.news)  # the new request, read
    await alex.photo(photo_jpeg("after-filing"))
    assert f"Add this photo to your return request {claim.claim_number}" in alex.last_text
    assert shown(alex)[0] == f"📷 Add to {claim.claim_number}"
    assert shown(alex)[1:] == ["↩ Return or refund"]  # the rest, in a new return
    await alex.tap(f"📷 Add to {claim.claim_number}")
    assert f"Added to {claim.claim_number}: the seller has 2 photos now" in alex.said
    [claim] = await claims(uow_factory)
    assert len(claim.photos) == 2
    await harness.flush()
    assert any(
        f"The buyer added 1 photo to return request {claim.claim_number}" in n for n in seller.news
    )
    await alex.press(f"rpa:{claim.id}")  # once: the offer is spent
    assert len((await claims(uow_factory))[0].photos) == 2
    # Two more, each a message of its own: both go, not only the last.
    await alex.photo(photo_jpeg("one-more"))
    await alex.photo(photo_jpeg("and-another"))
    await alex.say("yes add them")  # typed, as the button
    assert "the seller has 4 photos now" in alex.said, alex.said
    await alex.photo(photo_jpeg("a-fifth"))
    await alex.say("no thanks")  # not added; read as any message
    assert len((await claims(uow_factory))[0].photos) == 4
    # Found in the demo: "that's the box" under the offer started a new return.  What
    # the picture shows says where it goes: the Add button.
    await alex.photo(photo_jpeg("the-box"))
    await alex.say("that's the box it came in")
    assert "the seller has 5 photos now" in alex.said, alex.said
    assert await alex.step() is None


async def test_an_album_outside_a_flow_is_answered_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.album([photo_jpeg("a1"), photo_jpeg("a2"), photo_jpeg("a3")])
    assert len(alex.texts) == 1 and "Photos go with a return request" in alex.texts[0]


@pytest.mark.parametrize("caption", ["look at this", "see the picture", "wtf"])
async def test_a_photo_whose_caption_asks_nothing_is_taken_as_a_photo(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, caption: str
) -> None:
    """Not "which of these do you mean?" about the words alone: the picture is the
    message, and gets the return offer a photo gets."""
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.photo(photo_jpeg("see"), caption=caption)
    assert "Which of these do you mean" not in alex.said
    assert f"To ask for a return of order {NUMBER}, tap the button" in alex.last_text
    assert shown(alex) == ["↩ Return or refund"]


async def test_a_photo_captioned_with_what_came_starts_the_return_with_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """A caption that asks for a return ("this is how it arrived, cracked") under a
    picture starts the request with the picture already in it, said before its first
    question."""
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.photo(photo_jpeg("got"), caption="this is how it arrived, cracked")
    assert "Added to your request: 1 photo so far" in alex.texts[0], alex.texts
    assert "step 1 of 5" in alex.last_text


async def test_photos_sent_before_the_return_go_with_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Not "send the photo again when I ask for it": the album sent when nothing was
    asked is the request's first photos once its Return button is tapped."""
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.album([photo_jpeg("b1"), photo_jpeg("b2"), photo_jpeg("b3")])
    assert "your photo goes with it" in alex.said and "send the photo again" not in alex.said
    await alex.tap("↩ Return or refund")
    assert "Added to your request: 3 photos so far" in alex.texts[0], alex.texts
    assert "step 1 of 5" in alex.last_text
    await alex.tap("Ceramic mug — up to 2")
    await alex.tap("2")
    await alex.tap("Continue ›")
    await alex.tap("Return and refund")
    await alex.tap("Arrived damaged")
    assert "You've already sent 3 photos" in alex.last_text, alex.last_text


async def test_a_photo_sent_long_before_does_not_join_a_later_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.photo(photo_jpeg("old"))
    clock.advance(timedelta(hours=2))
    await alex.tap("↩ Return or refund")
    assert "Added to your request" not in alex.said, alex.said
    assert "step 1 of 5" in alex.last_text


async def test_a_video_of_the_fault_is_offered_the_return_and_asked_for_photos(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex, _ = await linked(harness)
    await alex.send_other("video")
    assert "I can't read that kind of message" not in alex.said
    assert "Videos can't go with a return request, but photos can" in alex.last_text
    assert shown(alex) == ["↩ Return or refund"]
    await alex.tap("↩ Return or refund")
    assert "Added to your request" not in alex.said and "step 1 of 5" in alex.last_text


# ------------------------------------------------------------------ asked about in words


async def test_a_refund_asked_for_again_with_a_request_open_shows_that_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "i requested a refund in the app, pls approve it" asked whether it was about a
    refund's whereabouts or a new return; with a request open it is that request."""
    from tests.flows.test_routing import with_chat_model
    from tests.unit.test_understanding_llm import ScriptedReader

    await delivered_order(uow_factory, clock)
    alex, card_return = await linked(harness)
    unsure = {"intent": "refund_status", "confidence": 0.55, "alternatives": ["return_request"]}
    with_chat_model(harness, ScriptedReader(reading=unsure))
    await alex.say("i requested a refund, pls approve it")
    assert "Which of these do you mean?" in alex.said  # nothing filed: still asked
    await alex.press(card_return)
    await file_claim(alex, Return())
    await alex.say("i requested a refund, pls approve it")
    assert "Which of these" not in alex.said
    assert "Return request R" in alex.said, alex.said  # the one request's card


async def test_a_fault_told_again_shows_the_request_that_holds_it_not_a_new_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: with the towel's request (arrived damaged) waiting for the
    seller, "it was stained when it arrived" started a new return of the order's other
    item, the mug, reason taken.  It is the request already filed; naming another item
    still starts a return for it."""
    await delivered_order(uow_factory, clock)
    alex, start = await linked(harness)
    plan = Return(items={"Tea towel": 1}, type="Refund only", reason="Arrived damaged", photos=1)
    await filed_claim(alex, start, uow_factory, plan)
    await alex.say("it was stained when it arrived")
    assert "You already told the seller about this" in alex.said, alex.said
    assert "Tea towel" in alex.last_text and await alex.step() is None
    await alex.say("the mug arrived cracked too")
    assert (await alex.step() or "").startswith("ret."), alex.said
    assert "Ceramic mug" in alex.said
