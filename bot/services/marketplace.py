"""The marketplace port: what the order and after-sales services need from a
marketplace whose orders and claims the bot mirrors (TikTok Shop today), independent of
its API.

The core stays marketplace-neutral.  An adapter (`bot.marketplace.tiktok`) turns the
marketplace's orders into `storage.importers.records.OrderRecord` (written by the same
writer as an import) and its returns and cancellations into the records below, and
carries the seller's decisions back through `AfterSales`.

The rule for a marketplace claim: the marketplace owns windows and money.  A decision
is sent there first and the claim moves only when the marketplace accepts it; when it
refuses (`DecisionRefused`), the claim is brought to the marketplace's state instead.
Our deadline job, auto-approval, partial or goodwill refunds and staff refund verdicts
do not act on such claims, and refunds are recorded as the marketplace reports them,
never paid by us.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType

TIKTOK = "tiktok"


class MarketplaceError(Exception):
    """The marketplace could not be reached or said no.  `message` says why for the
    logs and the operator's command line; what a seller reads is `key` with `params`
    (`marketplace_error.<key>` in the catalog, in the seller's language: the facts,
    not a sentence).  `retryable` when trying later may help (rate limit, server
    error, timeout) rather than a refusal."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        key: str = "failed",
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.key = key
        self.params = params or {}


class DecisionRefused(MarketplaceError):
    """The marketplace did not accept a decision (decided there already, window closed,
    not allowed in its current state).  `status` is the claim's status there now, when
    the marketplace said it, so the claim can be reconciled to it."""

    def __init__(
        self,
        message: str,
        *,
        status: ClaimStatus | None = None,
        key: str = "decision_refused",
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, key=key, params=params)
        self.status = status


class NotConnected(MarketplaceError):
    """The shop has no active authorisation on the marketplace (never connected,
    deauthorised by the seller, or expired)."""


@dataclass(frozen=True, slots=True)
class RejectReason:
    """One of the marketplace's own reasons for refusing (its code and its words)."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class ReturnLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReturnRecord:
    """A return or refund request as the marketplace reports it, in our vocabulary
    (`status` mapped by the adapter; `external_status` the marketplace's own word)."""

    marketplace: str
    external_id: str
    order_number: str
    type: ClaimType
    reason: ClaimReason
    status: ClaimStatus
    external_status: str
    lines: tuple[ReturnLine, ...]
    requested_amount: Decimal | None
    currency: str
    buyer_note: str | None
    photo_urls: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    seller_deadline: datetime | None


@dataclass(frozen=True, slots=True)
class CancellationRecord:
    """A buyer's cancellation request filed on the marketplace.  `status` is ours:
    "requested", "approved" or "rejected" (as `CancelRequest.status`)."""

    marketplace: str
    external_id: str
    order_number: str
    status: str
    external_status: str
    reason_text: str | None
    created_at: datetime
    seller_deadline: datetime | None


class AfterSales(Protocol):
    """A shop's decisions on marketplace returns and cancellations, sent to the
    marketplace.  Each method returns only once the marketplace accepted; it raises
    `DecisionRefused` when the marketplace said no, `NotConnected` without an active
    authorisation, and `MarketplaceError` when it could not be reached."""

    marketplace: str

    async def reject_reasons(self, shop_id: int, external_id: str) -> list[RejectReason]: ...

    async def approve_return(self, shop_id: int, external_id: str) -> None: ...

    async def reject_return(
        self, shop_id: int, external_id: str, reason: str, note: str | None
    ) -> None: ...

    async def approve_cancellation(self, shop_id: int, external_id: str) -> None: ...

    async def reject_cancellation(
        self, shop_id: int, external_id: str, reason: str, note: str | None
    ) -> None: ...

    async def photo(self, shop_id: int, url: str) -> bytes:
        """A buyer's photo of a return (the marketplace serves them by URL)."""
        ...
