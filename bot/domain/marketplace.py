"""Marketplace rules in one place: what the bot itself may do with a claim, a
cancellation request or an order that lives on a marketplace (TikTok Shop).

The marketplace owns windows and money for these.  Our deadline job, auto-approval,
auto-cancel, partial and goodwill refunds and staff refund verdicts leave them alone;
the seller decides only with what the marketplace's API offers (approve, or reject with
one of its reasons), and every decision goes to the marketplace first.
"""

from __future__ import annotations

from bot.domain.enums import ClaimStatus
from bot.domain.errors import InvalidTransition

# How a marketplace is named to people (cards, notices); its code otherwise.
NAMES = {"tiktok": "TikTok Shop"}

APPROVE = "approve"
REJECT = "reject"


class MarketplaceOwned(InvalidTransition):
    """The action is the marketplace's, not ours (its claim, order or money).  An
    InvalidTransition, so every caller that already refuses an action that does not fit
    the claim's state refuses this one too, changing nothing."""


def display_name(marketplace: str) -> str:
    return NAMES.get(marketplace, marketplace)


def owned(marketplace: str | None) -> bool:
    """Whether a claim, request or order belongs to a marketplace."""
    return marketplace is not None


def ensure_ours(marketplace: str | None, action: str) -> None:
    """Raise MarketplaceOwned when `action` (a partial refund, a goodwill refund, a
    staff verdict, a deadline...) would act on something a marketplace owns."""
    if owned(marketplace):
        raise MarketplaceOwned(f"{action}: owned by {marketplace}")


def buyer_acts_here(marketplace: str | None) -> bool:
    """Whether the buyer cancels or returns this order in the chat.  A marketplace
    order is cancelled and returned on the marketplace (its money is paid there); the
    chat then mirrors the request and tells the buyer how it goes."""
    return not owned(marketplace)


def seller_actions(status: ClaimStatus) -> tuple[str, ...]:
    """What the seller may do with a marketplace claim in `status`: the decisions the
    marketplace's API takes (a new request; a return sent back, to accept or refuse on
    arrival).  Anything else is waiting for the marketplace."""
    if status in (ClaimStatus.REQUESTED, ClaimStatus.BUYER_SHIPPED):
        return (APPROVE, REJECT)
    return ()


def approved_status(status: ClaimStatus, *, return_goods: bool) -> ClaimStatus:
    """Where a marketplace claim goes once the marketplace accepted the seller's
    approval: the money then follows as the marketplace reports it."""
    if status == ClaimStatus.BUYER_SHIPPED:
        return ClaimStatus.RECEIVED
    return ClaimStatus.AWAITING_BUYER_SHIPMENT if return_goods else ClaimStatus.APPROVED
