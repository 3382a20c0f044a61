"""What a new buyer trips over on the way through a return (issue 13): which orders
/return offers, step 1 changing in place, the photo limit and photos sent twice,
wording that fits the kind of request and the reason, where to send the item back,
and a carrier the bot has no check for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType
from bot.services.shops import ShopAdmin
from handlers.types import EditText, SendText
from storage.models import OrderLink
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, make_shop
from tests.harness import Harness, Person
from tests.pictures import photo_jpeg
from tests.unit.test_seller_claims import (
    BUYER_EXT,
    SELLER_EXT,
    bought,
    buyer_updates,
    chat_user,
    file_claim,
    make_seller,
    rendered,
)

ADDRESS = "Acme Returns\n12 Harbour Road\nBristol BS1 4DJ"


async def link(uow_factory: UnitOfWorkFactory, clock: FakeClock, buyer: int, order: int) -> None:
    async with uow_factory() as uow:
        uow.session.add(
            OrderLink(chat_user_id=buyer, order_id=order, method="email", created_at=clock.now())
        )
        await uow.commit()


def labels(person: Person) -> list[str]:
    return [b.text for b in person.buttons()]


# ------------------------------------------------------------ which orders


async def test_return_lists_only_returnable_orders_with_status_and_says_why_others_are_missing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock, number="578000000000000001")
    second = await make_order(
        uow_factory,
        clock,
        number="578000000000000002",
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=1),
    )
    unshipped = await make_order(
        uow_factory, clock, number="578000000000000003", status="AWAITING_SHIPMENT"
    )
    cancelled = await make_order(
        uow_factory, clock, number="578000000000000004", status="CANCELLED"
    )
    on_time = await make_order(  # on its way, not late: nothing to claim yet
        uow_factory,
        clock,
        number="578000000000000005",
        status="IN_TRANSIT",
        eta=clock.now() + timedelta(days=2),
    )
    for order in (second, unshipped, cancelled, on_time):
        await link(uow_factory, clock, b.buyer, order)
    buyer = harness.buyer(BUYER_EXT)
    await buyer.say("/return")
    assert "Which order is the return for?" in buyer.last_text
    assert "3 other orders aren't listed: not delivered yet (2), cancelled (1)." in buyer.last_text
    assert sorted(labels(buyer)) == [
        "578000000000000001 · Delivered",
        "578000000000000002 · Delivered",
    ]
    await buyer.tap("578000000000000002")
    assert "Return for order 578000000000000002" in buyer.last_text


async def none_returnable(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> Person:
    """A buyer with two orders and nothing to return: the delivered one's every unit
    is already in a request, the other (578…04) was cancelled."""
    b = await bought(uow_factory, clock)
    await file_claim(harness.services.returns, b, {b.items[0]: 2, b.items[1]: 3})
    cancelled = await make_order(
        uow_factory, clock, number="578000000000000004", status="CANCELLED"
    )
    await link(uow_factory, clock, b.buyer, cancelled)
    return harness.buyer(BUYER_EXT)


async def test_return_with_no_returnable_order_says_why_and_lists_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await none_returnable(harness, uow_factory, clock)
    await buyer.say("/return")
    assert (
        "None of your 2 orders can be returned right now: cancelled (1), "
        "already in a return request (1)." in buyer.last_text
    )
    assert labels(buyer) == []


async def test_with_none_returnable_the_order_on_screen_gets_its_own_reason(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "the lamp doesnt turn on, i want to send it back" right under
    one order's card got "None of your 2 orders…" and a list of reasons; the order on
    screen is the one meant, and its reason is what the buyer needs."""
    buyer = await none_returnable(harness, uow_factory, clock)
    await buyer.say("/orders")
    await buyer.tap("578000000000000004")  # its card
    await buyer.say("it doesnt turn on, i want to send it back")
    assert "None of your" not in buyer.said, buyer.said
    assert "578000000000000004" in buyer.last_text
    assert "cancel" in buyer.last_text.lower()


async def test_a_single_order_that_cannot_be_returned_gets_its_own_reason(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order = await make_order(uow_factory, clock, status="AWAITING_SHIPMENT")
    await link(uow_factory, clock, await chat_user(uow_factory, clock, BUYER_EXT), order)
    buyer = harness.buyer(BUYER_EXT)
    await buyer.say("/return")
    assert "hasn't shipped yet, so it can't be returned" in buyer.last_text
    assert labels(buyer) == []


async def test_typed_return_wish_lists_the_same_orders_as_the_command(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    second = await make_order(
        uow_factory,
        clock,
        number="578000000000000002",
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=1),
    )
    cancelled = await make_order(
        uow_factory, clock, number="578000000000000004", status="CANCELLED"
    )
    await link(uow_factory, clock, b.buyer, second)
    await link(uow_factory, clock, b.buyer, cancelled)
    buyer = harness.buyer(BUYER_EXT)
    await buyer.say("I want to return something")
    assert "1 other order isn't listed: cancelled." in buyer.last_text
    assert "578000000000000004" not in " ".join(labels(buyer))


# ------------------------------------------------------------ step 1 in place


async def test_item_taps_change_the_step_one_message_in_place(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await bought(uow_factory, clock)
    buyer = harness.buyer(BUYER_EXT)
    await buyer.say("/return")
    [first] = [a for a in buyer.last if isinstance(a, SendText)]
    assert "step 1 of 5" in first.text
    await buyer.tap("Tea towel")  # several units: how many, in the same message
    await buyer.tap("2")
    await buyer.tap("Ceramic mug")
    await buyer.tap("None")
    edits = [a for a in buyer.actions if isinstance(a, EditText)]
    sent = [a for a in buyer.actions[1:] if isinstance(a, SendText)]
    assert len(edits) == 4 and sent == []  # nothing new sent: one message changing
    assert len({e.message_id for e in edits}) == 1
    assert "Tea towel — 2 of 3" in labels(buyer)


# ------------------------------------------------------------------ photos


async def to_photos(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    await bought(uow_factory, clock, items=(("Ceramic mug", 1, "12.50"),))
    buyer = harness.buyer(BUYER_EXT)
    await buyer.say("/return")  # one item, one unit
    await buyer.tap("Ceramic mug")
    await buyer.tap("Continue")
    await buyer.tap("Return and refund")
    await buyer.tap("Arrived damaged")
    assert "step 4 of 5" in buyer.last_text
    return buyer


async def test_the_ninth_photo_says_it_is_the_maximum_and_offers_done_only(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await to_photos(harness, uow_factory, clock)
    for n in range(8):
        await buyer.photo(photo_jpeg(f"max-{n}"))
    assert "Got it: 8 photos. Send more" in buyer.last_text
    await buyer.photo(photo_jpeg("max-8"))
    assert buyer.texts == ["📷 Got it: 9 photos, the maximum. Tap Done to continue."]
    assert labels(buyer) == ["Done ›"]
    await buyer.photo(photo_jpeg("max-9"))
    assert "already sent the maximum of 9 photos, so that one isn't added" in buyer.last_text
    await buyer.tap("Done")
    assert "step 5 of 5" in buyer.last_text


async def test_the_same_photo_twice_is_not_counted_twice(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await to_photos(harness, uow_factory, clock)
    picture = photo_jpeg("twice")
    await buyer.photo(picture)
    assert "Got it: 1 photo." in buyer.last_text
    await buyer.photo(picture)  # a new message, the same picture
    assert buyer.last_text == (
        "You already sent this photo, so it isn't counted twice. You have 1 photo so far."
    )
    await buyer.photo(photo_jpeg("another"))
    assert "Got it: 2 photos." in buyer.last_text
    await buyer.tap("Done")
    await buyer.tap("Skip")
    assert "Photos: 2" in buyer.last_text


# --------------------------------------------------------- type and reason


async def test_a_parcel_that_never_arrived_keeps_no_item_and_asks_for_no_photo(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock, number="578000000000000009")
    late = await make_order(
        uow_factory,
        clock,
        number="578000000000000005",
        status="IN_TRANSIT",
        eta=clock.now() - timedelta(days=3),
        items=(("Ceramic mug", 1, "12.50"),),
    )
    await link(uow_factory, clock, b.buyer, late)
    buyer = harness.buyer(BUYER_EXT)
    await buyer.press(f"rs:{late}")
    await buyer.tap("Ceramic mug")
    await buyer.tap("Continue")
    assert "Refund only (keep the item)" not in labels(buyer)
    assert "Refund (the parcel never arrived)" in labels(buyer)
    await buyer.tap("Refund (the parcel never arrived)")
    await buyer.tap("Parcel not received")
    assert "Photos help the seller decide faster" not in buyer.last_text
    assert "screenshot of the tracking page" in buyer.last_text
    assert "Skip ›" in labels(buyer)
    await buyer.tap("Skip")
    await buyer.tap("Skip")
    summary = buyer.last_text
    assert "Request: Refund (the parcel never arrived)" in summary
    assert "Refund requested: $17.49 (nothing to send back)" in summary  # shipping too
    assert "keep the item" not in summary


async def test_a_replacement_summary_asks_for_no_money(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await bought(uow_factory, clock, items=(("Ceramic mug", 1, "12.50"),))
    buyer = harness.buyer(BUYER_EXT)
    await buyer.say("/return")
    await buyer.tap("Ceramic mug")
    await buyer.tap("Continue")
    await buyer.tap("Replacement")
    await buyer.tap("Doesn't work")
    await buyer.photo(photo_jpeg("broken"))
    await buyer.tap("Done")
    await buyer.tap("Skip")
    summary = buyer.last_text
    assert "Replacement requested" in summary
    assert "$0.00" not in summary and "Refund requested" not in summary


# ------------------------------------------------------- return address


async def approved(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> tuple[Person, int]:
    """A seller (in the chat) approves a return-and-refund request."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    seller = harness.seller(SELLER_EXT)
    await seller.press(f"qa:{claim.id}")
    assert "Approved. The buyer has until" in seller.texts[0]
    return seller, claim.id


async def test_the_approval_tells_the_buyer_where_to_send_the_item(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    await ShopAdmin(uow_factory).set("acme", "return_address", ADDRESS.replace("\n", "\\n"))
    seller, claim_id = await approved(harness, uow_factory, clock)
    assert "no return address" not in seller.said
    [update] = await buyer_updates(uow_factory)
    text = rendered(update).text
    assert "Please send the item back by" in text
    assert "<b>Send it to:</b>\nAcme Returns\n12 Harbour Road\nBristol BS1 4DJ" in text
    assert "keep the shipping receipt" in text
    buyer = harness.buyer(BUYER_EXT)
    await buyer.press(f"cl:{claim_id}")  # the request's card says it too
    assert "Send it to:\nAcme Returns\n12 Harbour Road" in buyer.last_text


async def test_without_a_return_address_the_buyer_is_told_and_the_seller_warned(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller, claim_id = await approved(harness, uow_factory, clock)
    assert "Your shop has no return address set" in seller.said
    [update] = await buyer_updates(uow_factory)
    text = rendered(update).text
    assert "The seller will send you the return address." in text
    assert "Send it to" not in text
    buyer = harness.buyer(BUYER_EXT)
    await buyer.press(f"cl:{claim_id}")
    assert "The seller will send you the return address." in buyer.last_text


# ------------------------------------------------------------ claim cards


@pytest.mark.parametrize("kind", list(ClaimType))
@pytest.mark.parametrize("reason", list(ClaimReason))
def test_every_kind_and_reason_reads_right_on_the_request_card(
    kind: ClaimType, reason: ClaimReason
) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from bot.services.returns import ClaimView
    from handlers.buyer.claims import claim_text
    from handlers.catalog import Catalog

    amount = Decimal(0) if kind == ClaimType.REPLACEMENT else Decimal("12.50")
    claim = ClaimView(
        id=1,
        number="R261202-ABCDE",
        order_id=1,
        order_number="578000000000000001",
        shop_id=1,
        status=ClaimStatus.REQUESTED,
        type=kind,
        reason=reason,
        amount=amount,
        currency="USD",
        items=(("Ceramic mug", 1),),
        photo_count=0,
        reused_evidence=False,
        ship_back_days=5,
        note=None,
        respond_by=None,
        ship_by=None,
        return_carrier=None,
        return_tracking=None,
        created_at=datetime(2026, 12, 2, tzinfo=UTC),
    )
    text = claim_text(Catalog(), claim)
    assert "$0.00" not in text
    if kind == ClaimType.REPLACEMENT:
        assert "Replacement requested" in text and "Refund requested" not in text
    else:
        assert "Refund requested: $12.50" in text
    if reason == ClaimReason.NOT_RECEIVED:
        assert "keep the item" not in text


# ------------------------------------------------- answering with photos


async def test_answer_photos_count_those_already_on_the_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, reason=ClaimReason.DAMAGED, photos=7)
    await harness.services.seller_claims.ask_info(seller, claim.id, "Is the box damaged too?")
    buyer = harness.buyer(BUYER_EXT)
    await buyer.press(f"ca:{claim.id}")
    picture = photo_jpeg("box")
    await buyer.photo(picture)
    assert "Got it: 1 photo. Send more" in buyer.last_text
    await buyer.photo(picture)  # the same again: not counted
    assert "You already sent this photo, so it isn't counted twice" in buyer.last_text
    await buyer.photo(photo_jpeg("box-2"))
    assert "Got it: 2 photos, as many as the request can hold" in buyer.last_text
    await buyer.photo(photo_jpeg("box-3"))
    assert "This answer can add only 2 photos (a request holds 9 at most)" in buyer.last_text
    await buyer.tap("Send answer")
    assert "Your answer is with the seller" in buyer.last_text
    assert (await harness.services.returns.claim(b.buyer, claim.id)).photo_count == 9
