"""Payment card numbers in typed text: what must never be read, kept, relayed or logged.

Buyers sometimes paste their card number ("my card is 4111 1111 1111 1111") to prove a
payment.  The shop never needs it in a chat, and a card number read as an order number
would start an order proof, be stored in the conversation and the chat log, and reach
staff.  So every reader asks here first.

The rule (`card_spans`), chosen so that no real order number of the shop is taken for
a card:

* 13 to 19 digits (the lengths card networks issue) that pass the Luhn check (every
  card number does; one random number in ten does too);
* typed whole ("4111111111111111") or in a card's own groups: fours, the last group
  one to four digits ("4111 1111 1111 1111", "4111-1111-1111-1111", 19 digits as
  4-4-4-4-3), or American Express / Diners style (4-6-5, 4-6-4).  Digits grouped any
  other way ("576 100 000 000 000 002") are not a card;
* never 18 digits unless the message says it is a card, next to it ("my card is …",
  "… on my visa", "tarjeta …": `said_card`): TikTok Shop's order numbers and the
  demo's are 18 digits, one in ten of them passes Luhn (576100000000000008 does), and
  18-digit cards are so rare that a buyer who means one says so.

What this rule cannot know is which order numbers exist: the chat's screen
(`handlers/cards.py`) lets through a number that is an order of the shop, so a shop
whose order numbers happen to look like cards keeps working.
"""

from __future__ import annotations

import re

CARD_LENGTHS = range(13, 20)
# What a card number is replaced with in logs: no digit of it, and no words, so it
# reads the same in every language.
MASK = "•••• •••• •••• ••••"
# Where a buyer's message is kept (the stored raw update, the chat log), a card number
# keeps its last four digits, as a receipt prints it: staff can still tell which card
# the buyer meant, and nothing left identifies the card.
HIDDEN = "•"
KEPT_DIGITS = 4
# Words that say a number is a card's: "my card is", "card number", "cc", "visa ending",
# "tarjeta", "número de tarjeta".
CARD_CUE = re.compile(
    r"\b(?:cards?|cc|ccn|credit|debit|visa|master\s?card|mc|amex|american\s+express|maestro"
    r"|discover|cvv|cvc|tarjetas?|cr[eé]dito|d[eé]bito)\b",
    re.IGNORECASE,
)
# A run of digits, possibly grouped by single spaces or dashes, not glued to letters
# ("1Z999…", "AB-4111…": something else's reference).
_RUN = re.compile(r"(?<![\w-])\d+(?:[ -]\d+)*(?![\w])")
# The groups a card is printed in.
_FOURS = re.compile(r"(?:4,){2,4}[1-4]")
_AMEX_DINERS = {(4, 6, 5), (4, 6, 4)}
# Not a card without saying so (see the module's docstring).
_ORDER_LENGTH = 18
# How near a card word must be to the number to be about it: "my credit card number
# is 4111…", "4111… (my visa)"; not "card" said in another sentence of the message.
_CUE_BEFORE, _CUE_AFTER = 30, 20


def said_card(text: str, start: int, end: int) -> bool:
    """The message calls the number at text[start:end] a card, next to it."""
    before = text[max(0, start - _CUE_BEFORE) : start]
    return bool(CARD_CUE.search(before) or CARD_CUE.search(text[end : end + _CUE_AFTER]))


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes."""
    total = 0
    for place, char in enumerate(reversed(digits)):
        value = int(char)
        if place % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_shaped(groups: list[str]) -> bool:
    if len(groups) == 1:
        return True
    sizes = tuple(len(g) for g in groups)
    return bool(_FOURS.fullmatch(",".join(map(str, sizes)))) or sizes in _AMEX_DINERS


def card_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every card number in the text, by the module's rule.

    Within a longer run of digit groups the card's own stretch is found only where it
    cannot be part of an order number typed in groups: a lone long group ("4111111111111111
    12 26": the card, then its expiry), or any stretch when the message says it is a
    card ("card 4111 1111 1111 1111 12 26").  Unsaid, "5761 0000 0000 0000 02" is an
    order number in groups, whatever its first sixteen digits check to."""
    found: list[tuple[int, int, str]] = []
    for run in _RUN.finditer(text):
        groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run.group(0))]
        base = run.start()
        cued = said_card(text, run.start(), run.end())
        taken_until = -1
        for first in range(len(groups)):
            if groups[first][0] < taken_until:
                continue
            for last in range(len(groups) - 1, first - 1, -1):
                parts = [run.group(0)[s:e] for s, e in groups[first : last + 1]]
                digits = "".join(parts)
                if len(digits) not in CARD_LENGTHS or not _card_shaped(parts):
                    continue
                part_of_run = (first, last) != (0, len(groups) - 1)
                if part_of_run and len(parts) > 1 and not cued:
                    continue
                if len(digits) == _ORDER_LENGTH and not cued:
                    continue
                if luhn_ok(digits):
                    start, end = base + groups[first][0], base + groups[last][1]
                    found.append((start, end, digits))
                    taken_until = groups[last][1]
                    break
    return found


def receipt_mask(number: str) -> str:
    """The number as a receipt prints it: every digit but the last four hidden, the
    spaces and dashes kept ("4111 1111 1111 1111" → "•••• •••• •••• 1111").  One
    character for one, so the text keeps its length and Telegram's entity offsets in
    a stored update still point where they did."""
    digits = sum(char.isdigit() for char in number)
    hidden = 0
    out = []
    for char in number:
        if char.isdigit() and hidden < digits - KEPT_DIGITS:
            out.append(HIDDEN)
            hidden += 1
        else:
            out.append(char)
    return "".join(out)


def mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each (start, end) stretch receipt-masked."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + receipt_mask(text[start:end]) + text[end:]
    return text


# A card number already masked this way (`receipt_mask`, or `MASK`): a stored update
# read back after a crash still says a card was sent there.
_MASKED = re.compile(r"(?<![\w•])•[•\- ]*(?:\d{1,4})?(?![\w•])")
_MIN_HIDDEN = min(CARD_LENGTHS) - KEPT_DIGITS


def masked_card_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every masked card number in the text (at least nine hidden
    digits: the shortest card but its last four)."""
    return [
        (m.start(), m.end())
        for m in _MASKED.finditer(text)
        if m.group(0).count(HIDDEN) >= _MIN_HIDDEN
    ]


def mask_cards(text: str, mask: str = MASK) -> str:
    """The text with every card number replaced by `mask` (for logs and stored lines)."""
    spans = card_spans(text)
    for start, end, _ in reversed(spans):
        text = text[:start] + mask + text[end:]
    return text
