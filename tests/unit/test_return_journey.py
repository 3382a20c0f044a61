"""The rules and services behind the return journey (issue 13): one rule for what may be
returned, kinds of request that fit the reason, the shop's return address, photos sent
twice, and return parcels sent with a carrier the bot cannot check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.domain.carriers import TrackingNumberError
from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType, OrderStatus
from bot.domain.policy import ShopPolicy
from bot.domain.returns import (
    NotEligible,
    eligibility,
    hidden_group,
    reasons_for,
    summary_kind,
    types_for,
)
from bot.domain.returns import may_request_return as card_offers_return
from bot.emulator import sample_jpeg
from bot.services.returns import BadPhoto, ReturnService
from bot.services.seller_claims import SellerClaimService
from bot.services.shops import BadSetting, ShopAdmin, return_address_of
from storage.media import MediaStore
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, make_shop
from tests.pictures import photo_jpeg
from tests.unit.test_seller_claims import (
    SELLER_EXT,
    bought,
    file_claim,
    load_claim,
    make_seller,
)

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


@pytest.fixture
def returns(uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path) -> ReturnService:
    return ReturnService(uow_factory, clock, MediaStore(tmp_path / "media"))


# ------------------------------------------------------------ one rule


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("delivered_days", [None, 1, 20])
@pytest.mark.parametrize("eta_days", [None, -40, -2, 3])
def test_the_order_card_and_the_return_flow_agree(
    status: OrderStatus, delivered_days: int | None, eta_days: int | None
) -> None:
    """The card's Return button, the /return list and the flow ask one rule."""
    kwargs = {
        "now": NOW,
        "delivered_at": NOW - timedelta(days=delivered_days) if delivered_days else None,
        "estimated_delivery": NOW + timedelta(days=eta_days) if eta_days else None,
        "policy": ShopPolicy(),
    }
    try:
        eligibility(status, **kwargs)  # type: ignore[arg-type]
        allowed = True
    except NotEligible:
        allowed = False
    assert card_offers_return(status, **kwargs) is allowed  # type: ignore[arg-type]


def test_every_refusal_reason_has_a_group_the_list_explains() -> None:
    assert hidden_group("status_cancelled") == "cancelled"
    assert hidden_group("in_transit") == "not_delivered"
    assert hidden_group("status_awaiting_shipment") == "not_delivered"
    assert hidden_group("window_closed") == "window_closed"
    assert hidden_group("all_claimed") == "all_claimed"


def test_kinds_and_reasons_that_fit_each_other() -> None:
    every_type, every_reason = tuple(ClaimType), tuple(ClaimReason)
    # Nothing came, so nothing can be sent back.
    assert ClaimType.RETURN_AND_REFUND not in types_for(ClaimReason.NOT_RECEIVED, every_type)
    assert ClaimReason.NOT_RECEIVED not in reasons_for(ClaimType.RETURN_AND_REFUND, every_reason)
    assert reasons_for(ClaimType.REFUND, every_reason) == every_reason
    assert types_for(ClaimReason.DAMAGED, every_type) == every_type
    assert summary_kind(ClaimType.REPLACEMENT, ClaimReason.NOT_RECEIVED) == "replacement"
    assert summary_kind(ClaimType.REFUND, ClaimReason.NOT_RECEIVED) == "not_received"
    assert summary_kind(ClaimType.RETURN_AND_REFUND, ClaimReason.DAMAGED) == "refund"


# ------------------------------------------------------- the /return list


async def test_choices_list_returnable_orders_and_count_the_others(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, returns: ReturnService
) -> None:
    b = await bought(uow_factory, clock)
    from tests.flows.test_return_journey import link

    for number, status in (("578000000000000002", "CANCELLED"), ("578000000000000003", "UNPAID")):
        order = await make_order(uow_factory, clock, number=number, status=status)
        await link(uow_factory, clock, b.buyer, order)
    choices = await returns.choices(b.buyer)
    assert [o.id for o in choices.orders] == [b.order_id]
    assert choices.hidden == {"cancelled": 1, "not_delivered": 1}
    assert choices.only_reason is None


# --------------------------------------------------------- return address


async def test_return_address_is_stored_as_lines_and_shown(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    await admin.set("acme", "return_address", "  Acme Returns \\n\\n12  Harbour Road\nBristol  ")
    assert (await admin.show("acme"))["return_address"] == "Acme Returns\n12 Harbour Road\nBristol"
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        assert return_address_of(shop.settings) == "Acme Returns\n12 Harbour Road\nBristol"
    await admin.set("acme", "return_address", "")  # unset again
    assert (await admin.show("acme"))["return_address"] == "(unset)"


@pytest.mark.parametrize(
    "value",
    [
        "12\\n34",  # no name, street or town: digits only
        "Acme\x00Returns",  # a control character
        "\\n".join(f"Line {n}" for n in range(9)),  # too many lines
        "A" * 101,  # a line too long
    ],
)
async def test_a_bad_return_address_is_refused_and_changes_nothing(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, value: str
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    before = await admin.show("acme")
    with pytest.raises(BadSetting):
        await admin.set("acme", "return_address", value)
    assert await admin.show("acme") == before


async def test_the_approval_says_whether_the_buyer_got_an_address(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path, returns: ReturnService
) -> None:
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    sellers = SellerClaimService(uow_factory, clock, MediaStore(tmp_path / "media"))
    first = await file_claim(returns, b, type=ClaimType.RETURN_AND_REFUND)
    assert not (await sellers.approve(seller, first.id)).return_address_set
    await ShopAdmin(uow_factory).set("acme", "return_address", "Acme\\nBristol")
    second = await file_claim(returns, b, type=ClaimType.RETURN_AND_REFUND)
    assert (await sellers.approve(seller, second.id)).return_address_set
    assert (await returns.claim(b.buyer, second.id)).return_address == "Acme\nBristol"


# ------------------------------------------------------------------ photos


async def test_the_same_picture_again_is_refused_as_a_duplicate(returns: ReturnService) -> None:
    data = sample_jpeg(seed="dup")
    first = await returns.accept_photo(data, file_id="f1", file_unique_id="u1")
    for file_unique_id in ("u1", "u-other"):  # the same Telegram file, or the same bytes
        with pytest.raises(BadPhoto) as refused:
            await returns.accept_photo(
                data, file_id="f2", file_unique_id=file_unique_id, have=[first]
            )
        assert refused.value.reason == "duplicate"
    other = await returns.accept_photo(
        photo_jpeg("other"), file_id="f3", file_unique_id="u3", have=[first]
    )
    assert other.sha256 != first.sha256


async def test_other_bytes_of_the_same_picture_are_a_duplicate(returns: ReturnService) -> None:
    """Bytes that differ only in metadata (here a JPEG comment) decode to the same stored
    photo: the seller would see one picture twice, so it counts once."""
    first = await returns.accept_photo(sample_jpeg(seed="one"), file_id="f1", file_unique_id="u1")
    again = sample_jpeg(seed="the same picture, another comment")
    with pytest.raises(BadPhoto) as refused:
        await returns.accept_photo(again, file_id="f2", file_unique_id="u2", have=[first])
    assert refused.value.reason == "duplicate"
    # Without a draft to compare with, the very same bytes are accepted (another claim).
    assert (await returns.accept_photo(again, file_id="f2", file_unique_id="u2")).path == first.path


# ------------------------------------------------------------ other carriers


async def awaiting_parcel(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path, returns: ReturnService
) -> tuple[int, int]:
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(returns, b, type=ClaimType.RETURN_AND_REFUND)
    sellers = SellerClaimService(uow_factory, clock, MediaStore(tmp_path / "media"))
    await sellers.approve(seller, claim.id)
    return b.buyer, claim.id


async def test_a_return_parcel_with_another_carrier_is_recorded_by_its_name(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path, returns: ReturnService
) -> None:
    buyer, claim_id = await awaiting_parcel(uow_factory, clock, tmp_path, returns)
    for carrier, number in (("Royal Mail", "x"), ("!!!", "AB123456789GB"), ("A" * 40, "AB1234")):
        with pytest.raises(TrackingNumberError):
            await returns.ship_back(buyer, claim_id, carrier, number)
    view = await returns.ship_back(buyer, claim_id, " Royal  Mail ", "ab 1234-5678 gb")
    assert (view.return_carrier, view.return_tracking) == ("Royal Mail", "AB12345678GB")
    assert ClaimStatus((await load_claim(uow_factory, claim_id)).status) == (
        ClaimStatus.BUYER_SHIPPED
    )


async def test_a_known_carrier_still_has_its_number_checked(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path, returns: ReturnService
) -> None:
    buyer, claim_id = await awaiting_parcel(uow_factory, clock, tmp_path, returns)
    with pytest.raises(TrackingNumberError):
        await returns.ship_back(buyer, claim_id, "ups", "AB12345678GB")


def test_the_return_address_in_the_approval_is_escaped() -> None:
    from bot.services.outbox import Notification
    from handlers.notifications import render
    from handlers.types import SendText

    [message] = render(
        Notification.load(
            1001,
            "claim_update",
            {
                "claim_id": 1,
                "claim_number": "R1",
                "status": "AWAITING_BUYER_SHIPMENT",
                "amount": "1.00",
                "currency": "USD",
                "ship_by": NOW.isoformat(),
                "return_address": "Acme <b>Returns</b> & Co\n1 Road",
            },
        )
    )
    assert isinstance(message, SendText)
    assert "Acme &lt;b&gt;Returns&lt;/b&gt; &amp; Co\n1 Road" in message.text
    assert "Enter return tracking" in [b.text for row in message.keyboard.rows for b in row]  # type: ignore[union-attr]
