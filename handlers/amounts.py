"""What the chat says about an amount it could not read (see `bot.domain.money.read_amount`).

One place, so every flow that takes a typed amount (partial refund, /refund, and the
confirmation steps built on them) names the same expected format."""

from __future__ import annotations

from bot.domain.money import AmountInputError, AmountProblem
from handlers.catalog import Catalog


def amount_problem(catalog: Catalog, error: AmountInputError) -> str:
    """The message for a typed amount that is not in a format we read: it names the
    format expected (with an example in the order's currency)."""
    key = f"amount.{error.problem.value}"
    if error.problem is AmountProblem.DECIMALS and error.places == 0:
        key = "amount.decimals_none"
    return catalog.t(
        key,
        example=error.example,
        currency=error.currency,
        places=error.places,
        given=error.given or "",
    )
