"""An in-memory marketplace for the core's tests: an `AfterSales` that accepts,
refuses (with the marketplace's status) or cannot be reached, and builders for the
orders and records a marketplace adapter would hand over."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.clock import FakeClock
from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType
from bot.services.marketplace import (
    TIKTOK,
    CancellationRecord,
    DecisionRefused,
    MarketplaceError,
    RejectReason,
    ReturnLine,
    ReturnRecord,
)
from storage.models import Order
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

REASONS = [
    RejectReason("seller_reject_apply_product_used", "The product has been used"),
    RejectReason("seller_reject_apply_no_evidence", "No evidence provided"),
]


@dataclass
class FakeAfterSales:
    """`mode`: "accept", "refuse" (DecisionRefused with `refused_status`) or "error"
    (MarketplaceError, as when the API cannot be reached)."""

    mode: str = "accept"
    refused_status: ClaimStatus | None = None
    reasons: list[RejectReason] = field(default_factory=lambda: list(REASONS))
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    marketplace: str = TIKTOK

    def _answer(self) -> None:
        if self.mode == "refuse":
            said = "the return was already decided on TikTok Shop"  # the marketplace's words
            raise DecisionRefused(said, status=self.refused_status, params={"detail": said})
        if self.mode == "error":
            raise MarketplaceError("TikTok Shop did not answer", retryable=True, key="unreachable")

    async def reject_reasons(self, shop_id: int, external_id: str) -> list[RejectReason]:
        self.calls.append(("reasons", shop_id, external_id))
        return list(self.reasons)

    async def approve_return(self, shop_id: int, external_id: str) -> None:
        self.calls.append(("approve", shop_id, external_id))
        self._answer()

    async def reject_return(
        self, shop_id: int, external_id: str, reason: str, note: str | None
    ) -> None:
        self.calls.append(("reject", shop_id, external_id, reason, note))
        self._answer()

    async def approve_cancellation(self, shop_id: int, external_id: str) -> None:
        self.calls.append(("approve_cancel", shop_id, external_id))
        self._answer()

    async def reject_cancellation(
        self, shop_id: int, external_id: str, reason: str, note: str | None
    ) -> None:
        self.calls.append(("reject_cancel", shop_id, external_id, reason, note))
        self._answer()

    async def photo(self, shop_id: int, url: str) -> bytes:
        raise AssertionError("the core fetches photos through the callable it is given")


async def tiktok_order(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    *,
    number: str = "576900000000000001",
    postal_code: str = "SW1A1AA",
    status: str = "DELIVERED",
    **kwargs: Any,
) -> int:
    """A TikTok Shop order as the sync stores it: masked contact, a postcode."""
    order_id = await make_order(
        uow_factory,
        clock,
        number=number,
        status=status,
        email="r7x2k9@scs.tiktokw.us",
        phone="(+44)77*****123",
        delivered_at=clock.now() - timedelta(days=2),
        items=(("Ceramic mug", 2, "12.50"), ("Tea towel", 3, "8.00")),
        **kwargs,
    )
    async with uow_factory() as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None
        order.marketplace, order.contact_masked, order.postal_code = TIKTOK, True, postal_code
        await uow.commit()
    return order_id


def return_record(
    clock: FakeClock,
    *,
    external_id: str = "4035000000000001",
    order_number: str = "576900000000000001",
    status: ClaimStatus = ClaimStatus.REQUESTED,
    external_status: str = "RETURN_OR_REFUND_REQUEST_PENDING",
    photo_urls: tuple[str, ...] = (),
    amount: str | None = "25.00",
    **changes: Any,
) -> ReturnRecord:
    now: datetime = clock.now()
    record = ReturnRecord(
        marketplace=TIKTOK,
        external_id=external_id,
        order_number=order_number,
        type=ClaimType.REFUND,
        reason=ClaimReason.DAMAGED,
        status=status,
        external_status=external_status,
        lines=(ReturnLine("SKU-1", 2),),
        requested_amount=Decimal(amount) if amount is not None else None,
        currency="USD",
        buyer_note="Both mugs arrived broken",
        photo_urls=photo_urls,
        created_at=now - timedelta(hours=1),
        updated_at=now,
        seller_deadline=now + timedelta(days=2),
    )
    return replace(record, **changes)


def cancellation_record(
    clock: FakeClock,
    *,
    external_id: str = "4036000000000001",
    order_number: str = "576900000000000001",
    status: str = "requested",
) -> CancellationRecord:
    now = clock.now()
    return CancellationRecord(
        marketplace=TIKTOK,
        external_id=external_id,
        order_number=order_number,
        status=status,
        external_status="CANCELLATION_REQUEST_PENDING",
        reason_text="Changed my mind",
        created_at=now - timedelta(minutes=30),
        seller_deadline=now + timedelta(days=1),
    )
