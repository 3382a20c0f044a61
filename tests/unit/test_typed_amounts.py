"""Amounts a seller types (partial refund, /refund): what is read, and what is refused
with a message that names the format to use (not the "at most ..." range message)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.money import (
    AmountInputError,
    AmountProblem,
    MoneyError,
    parse_amount,
    read_amount,
    take_amount,
)
from handlers.amounts import amount_problem
from handlers.catalog import Catalog


@pytest.mark.parametrize(
    ("typed", "currency", "amount"),
    [
        ("5", "USD", "5.00"),
        ("5.00", "USD", "5.00"),
        (" 5.5 ", "USD", "5.50"),
        (".5", "USD", "0.50"),
        ("5.", "USD", "5.00"),
        ("5.550", "USD", "5.55"),  # numerically, not as written
        ("$5", "USD", "5.00"),
        ("$ 5", "USD", "5.00"),
        ("5$", "USD", "5.00"),
        ("US$5", "USD", "5.00"),
        ("5 dollars", "USD", "5.00"),
        ("5 bucks", "USD", "5.00"),
        ("5.00 USD", "USD", "5.00"),
        ("5 usd", "USD", "5.00"),
        ("USD 5", "USD", "5.00"),
        ("+5", "USD", "5.00"),
        ("$5", "CAD", "5.00"),
        ("€5", "EUR", "5.00"),
        ("5 euros", "EUR", "5.00"),
        ("£5.20", "GBP", "5.20"),
        ("¥500", "JPY", "500"),
        ("500 yen", "JPY", "500"),
        ("500.00", "JPY", "500"),
        ("1.250 KWD", "KWD", "1.250"),
        ("5\u00a0USD", "USD", "5.00"),
    ],
)
def test_amounts_written_the_ways_people_write_them(typed: str, currency: str, amount: str) -> None:
    read = read_amount(typed, currency)
    assert read == Decimal(amount) and str(read) == amount


@pytest.mark.parametrize(
    ("typed", "currency", "problem", "given"),
    [
        ("", "USD", AmountProblem.EMPTY, None),
        ("   ", "USD", AmountProblem.EMPTY, None),
        ("ten dollars", "USD", AmountProblem.WORDS, None),
        ("abc", "USD", AmountProblem.WORDS, None),
        ("$", "USD", AmountProblem.WORDS, None),
        ("١٢", "USD", AmountProblem.DIGITS, None),  # Arabic-Indic
        ("１２", "USD", AmountProblem.DIGITS, None),  # fullwidth
        ("৫", "USD", AmountProblem.DIGITS, None),  # Bengali
        ("5²", "USD", AmountProblem.DIGITS, None),
        ("5 apples", "USD", AmountProblem.FORMAT, None),
        ("5e3", "USD", AmountProblem.FORMAT, None),
        ("$$5", "USD", AmountProblem.FORMAT, None),
        ("5 -", "USD", AmountProblem.FORMAT, None),
        ("Infinity", "USD", AmountProblem.WORDS, None),
        ("1,000", "USD", AmountProblem.SEPARATORS, None),
        ("12,50", "USD", AmountProblem.SEPARATORS, None),
        ("1,000.50", "USD", AmountProblem.SEPARATORS, None),
        ("1.000.000", "USD", AmountProblem.SEPARATORS, None),
        ("1 000", "USD", AmountProblem.SEPARATORS, None),
        ("1_000", "USD", AmountProblem.SEPARATORS, None),
        ("1'000", "USD", AmountProblem.SEPARATORS, None),
        ("5.555", "USD", AmountProblem.DECIMALS, None),
        ("5.5", "JPY", AmountProblem.DECIMALS, None),
        ("1.2345", "KWD", AmountProblem.DECIMALS, None),
        ("-5", "USD", AmountProblem.NEGATIVE, None),
        ("- 5", "USD", AmountProblem.NEGATIVE, None),
        ("−5", "USD", AmountProblem.NEGATIVE, None),  # minus sign
        ("–5", "USD", AmountProblem.NEGATIVE, None),  # en dash
        ("$-5", "USD", AmountProblem.NEGATIVE, None),
        ("-$5", "USD", AmountProblem.NEGATIVE, None),
        ("0", "USD", AmountProblem.ZERO, None),
        ("0.00", "USD", AmountProblem.ZERO, None),
        ("$0", "USD", AmountProblem.ZERO, None),
        ("€5", "USD", AmountProblem.CURRENCY, "EUR"),
        ("5 EUR", "USD", AmountProblem.CURRENCY, "EUR"),
        ("5 euros", "USD", AmountProblem.CURRENCY, "EUR"),
        ("$5", "EUR", AmountProblem.CURRENCY, "$"),
        ("5 GBP", "USD", AmountProblem.CURRENCY, "GBP"),
        ("99999999999999999", "USD", AmountProblem.TOO_LARGE, None),
        ("9" * 60, "USD", AmountProblem.TOO_LARGE, None),
        ("9" * 100, "USD", AmountProblem.FORMAT, None),
    ],
)
def test_what_is_not_an_amount_says_why(
    typed: str, currency: str, problem: AmountProblem, given: str | None
) -> None:
    with pytest.raises(AmountInputError) as refused:
        read_amount(typed, currency)
    assert refused.value.problem is problem
    assert refused.value.currency == currency and refused.value.given == given


def test_each_problem_names_the_format_expected_not_the_range() -> None:
    catalog = Catalog("en")

    def said(typed: str, currency: str = "USD") -> str:
        with pytest.raises(AmountInputError) as refused:
            read_amount(typed, currency)
        return amount_problem(catalog, refused.value)

    # Whatever holds no amount (empty, words, other digits, "5 apples"): one sentence.
    unreadable = "I can't read that as an amount. Please type it in digits, like 12.50."
    for typed in ("", "ten dollars", "١٢", "5 apples", "x"):
        assert said(typed) == unreadable, typed
    assert said("ten", "JPY") == unreadable.replace("12.50", "1250")
    assert said("5.555") == "USD amounts have at most 2 decimals. Type an amount like 12.50."
    assert said("5.5", "JPY") == "JPY amounts have no decimals. Type a whole number, like 1250."
    assert "like 1000 or 12.50" in said("1,000")
    assert said("-5") == "Please type the amount without a minus sign, like 12.50."
    assert said("0") == "The amount must be more than 0. Type an amount like 12.50."
    assert said("€5") == ("This order is paid in USD, not EUR. Type the amount in USD, like 12.50.")
    every = [said(t) for t in ("x", "1,0", "5.555", "-1", "0", "€1", "9" * 20)]
    assert all("at most $" not in text for text in every)
    assert len(set(every)) == len(every)  # each other problem its own words


@pytest.mark.parametrize(
    ("words", "amount", "rest"),
    [
        (["5", "late", "delivery"], "5", ["late", "delivery"]),
        (["$5", "late"], "$5", ["late"]),
        (["5", "dollars", "late"], "5 dollars", ["late"]),
        (["5.00", "USD", "late"], "5.00 USD", ["late"]),
        (["USD", "5", "late"], "USD 5", ["late"]),
        (["ten", "dollars", "late"], "ten", ["dollars", "late"]),
        (["5", "boxes", "dented"], "5", ["boxes", "dented"]),
        ([], "", []),
    ],
)
def test_a_command_takes_the_amount_with_its_currency(
    words: list[str], amount: str, rest: list[str]
) -> None:
    assert take_amount(words) == (amount, rest)


@pytest.mark.parametrize("text", ["١٢", "１２", "৫", "1٢"])
def test_file_amounts_are_ascii_digits_only(text: str) -> None:
    """Decimal() reads "١٢" as 12: an import file must not."""
    with pytest.raises(MoneyError):
        parse_amount(text, "USD")
