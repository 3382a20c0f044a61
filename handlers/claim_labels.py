"""How a request's kind and money read, for the buyer and the seller alike: one home
for the rule that a parcel that never came has no item to keep and a replacement asks
for no money."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.enums import ClaimReason, ClaimType
from bot.domain.money import format_money
from bot.domain.returns import summary_kind
from handlers.catalog import Catalog, Safe


def type_label(catalog: Catalog, kind: ClaimType, reason: ClaimReason | None) -> str:
    """The kind of request: a refund for a parcel that never arrived keeps no item, so
    it does not say "keep the item"."""
    if kind == ClaimType.REFUND and reason == ClaimReason.NOT_RECEIVED:
        return catalog.plain("journey.type_refund_not_received")
    return catalog.plain(f"claim_type.{kind.value}")


def seller_money(
    catalog: Catalog,
    kind: ClaimType,
    reason: ClaimReason,
    amount: Decimal,
    currency: str,
    remaining: Decimal | None = None,
) -> Safe:
    """The money line of a request as the seller reads it: what is asked, or that a
    replacement asks for none; with what stays refundable on the order when known."""
    which = summary_kind(kind, reason)
    text = catalog.t(
        f"seller_money.{which}", amount=format_money(amount, currency, catalog.language)
    )
    if remaining is not None and which != "replacement":
        text += " " + catalog.t(
            "seller_money.remaining", remaining=format_money(remaining, currency, catalog.language)
        )
    return Safe(text)
