"""The card-number rule (`bot.domain.cards`) and the readers that use it: a card is
never an order or tracking number, an 18-digit order number is never a card unless the
message says so, and logs mask cards but keep order numbers."""

from __future__ import annotations

import pytest

from bot.domain.cards import card_spans, luhn_ok, masked_card_spans, receipt_mask
from bot.logging import redact
from bot.understanding.slots import extract, named_order_number

CARD = "4111111111111111"


def test_luhn() -> None:
    assert luhn_ok(CARD) and luhn_ok("378282246310005")
    assert not luhn_ok("4111111111111112")


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("4111 1111 1111 1111", CARD),
        ("4111-1111-1111-1111", CARD),
        (CARD, CARD),
        (f"my card is {CARD}", CARD),
        ("card number: 4111 1111 1111 1111 12 26", CARD),
        ("3782 822463 10005", "378282246310005"),  # American Express's groups
        ("cc 378282246310005", "378282246310005"),
        ("mi tarjeta es 5500 0000 0000 0004", "5500000000000004"),
        # 18 digits passing Luhn: a card only when the message says so.
        ("my card 576100000000000008", "576100000000000008"),
    ],
)
def test_card_numbers_are_read_as_cards_not_orders(text: str, card: str) -> None:
    slots = extract(text)
    assert slots.card_number == card
    assert slots.order_number is None and slots.tracking_number is None
    assert named_order_number(text) is None


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("576100000000000008", "576100000000000008"),  # 18 digits, passes Luhn
        ("5761 0000 0000 0000 08", "576100000000000008"),
        ("5761-0000-0000-0000-08", "576100000000000008"),
        ("576100000000000001", "576100000000000001"),
        ("576917964370140001", "576917964370140001"),  # TikTok's
        ("4111 1111 1111 1112", "4111111111111112"),  # fails Luhn: no card
        (f"order {CARD}", CARD),  # the buyer says it is an order
        ("576 100 000 000 000 008", "576100000000000008"),  # no card's grouping
    ],
)
def test_order_numbers_are_never_cards(text: str, order: str) -> None:
    slots = extract(text)
    assert slots.order_number == order
    assert slots.card_number is None
    assert card_spans(text) == [] or text.startswith("order")


def test_a_tracking_number_is_not_a_card_unless_said() -> None:
    # A FedEx 15-digit number passing both its check digit and Luhn stays tracking.
    text = "tracking 1Z999AA10123456784"
    assert extract(text).tracking_number == "1Z999AA10123456784"
    assert extract(text).card_number is None


def test_logs_mask_cards_and_keep_order_numbers() -> None:
    line = f"buyer wrote: card {CARD} for order 576100000000000008"
    assert redact(line) == "buyer wrote: card <card> for order 576100000000000008"
    assert "1111" not in redact("paid with 4111-1111-1111-1111")


def test_a_receipt_mask_keeps_the_last_four_and_the_length() -> None:
    assert receipt_mask("4111 1111 1111 1111") == "•••• •••• •••• 1111"
    assert receipt_mask("4111-1111-1111-1111") == "••••-••••-••••-1111"
    assert receipt_mask("378282246310005") == "•••••••••••0005"
    assert len(receipt_mask("3782 822463 10005")) == len("3782 822463 10005")


def test_a_masked_card_is_still_seen_as_a_card_and_nothing_shorter_is() -> None:
    text = f"card {receipt_mask('4111 1111 1111 1111')} and {receipt_mask('4222222222222')}"
    assert [text[s:e] for s, e in masked_card_spans(text)] == [
        "•••• •••• •••• 1111",
        "•••••••••2222",
    ]
    assert masked_card_spans("rated •••• stars, code ••••••1234") == []
