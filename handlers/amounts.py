"""What the chat says about an amount it could not read (see `bot.domain.money.read_amount`).

One place, so every flow that takes a typed amount (partial refund, /refund, and the
confirmation steps built on them) names the same expected format."""

from __future__ import annotations

from bot.domain.money import AmountInputError, AmountProblem
from handlers.catalog import Catalog

# No amount at all in what was typed: one sentence for all of them, with an example.
UNREADABLE = frozenset(
    {AmountProblem.EMPTY, AmountProblem.WORDS, AmountProblem.DIGITS, AmountProblem.FORMAT}
)


def amount_problem(catalog: Catalog, error: AmountInputError) -> str:
    """The message for a typed amount that is not in a format we read: it names the
    format expected (with an example in the order's currency)."""
    key = f"amount.{error.problem.value}"
    if error.problem in UNREADABLE:
        key = "amount.unreadable"
    elif error.problem is AmountProblem.DECIMALS and error.places == 0:
        key = "amount.decimals_none"
    return catalog.t(
        key,
        example=error.example,
        currency=error.currency,
        places=error.places,
        given=error.given or "",
    )


def unreadable(catalog: Catalog, currency: str) -> str:
    """The same sentence for text with no amount in it, where no reader ran."""
    return amount_problem(catalog, AmountInputError(AmountProblem.WORDS, currency))
