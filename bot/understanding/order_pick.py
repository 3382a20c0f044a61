"""Which of the orders just listed a buyer's words name.

Under "Which order do you mean?" buyers answer the way they tell their orders apart:
by place ("2", "the first one"), by where it is ("the delivered one", "the one that's
late", "the one still on its way"), by what is in it ("the candle one", "the one with
the mug") or by the end of its number ("the one ending 011").  Each way names an
order only when exactly one of those listed fits; anything else names none, and the
words are read as any message.  Short answers only: a sentence with a request of its
own ("I want to return the candle") is that request, read elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.enums import OrderStatus
from bot.domain.policy import SHIPPED
from bot.understanding.escapes import normalize
from bot.understanding.items import mentioned_items
from bot.understanding.steps import position

# More words than this is a message of its own, not an answer to "which order?".
MAX_WORDS = 8
# Places read in words outside a list ("my second order"), to name no order by them.
MAX_PLACES = 10


@dataclass(frozen=True, slots=True)
class Listed:
    """An order as the list shows it, and what tells it apart."""

    number: str
    status: OrderStatus
    late: bool  # on its way, past its estimated delivery
    items: tuple[str, ...]
    stuck: bool = False  # on its way, no tracking news for the shop's "stuck" days


_ON_ITS_WAY = SHIPPED - {OrderStatus.DELIVERED}
_NOT_SHIPPED = frozenset({OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT, OrderStatus.UNPAID})
_DELIVERED = frozenset({OrderStatus.DELIVERED, OrderStatus.COMPLETED})

_NOT_YET = r"(?:not|\w+n'?t|never|no|yet\s+to|still\s+not)"
# Not come yet, shipped or not: "the one that hasn't arrived", "not delivered yet".
_NOT_COME = re.compile(
    rf"\b{_NOT_YET}\s+(?:\w+\s+){{0,2}}(?:arrived?|came|come|delivered|here|received|got|llegado|llegaron|llega|recibido)\b"
)
# On its way, as against not shipped yet: "the one in transit", "still coming".
_COMING = re.compile(
    r"\b(?:on\s+(?:its|the)\s+way|in\s+transit|coming|shipping|shipped|en\s+camino|"
    r"still\s+waiting|waiting\s+for|transito)\b"
)
_LATE = re.compile(r"\b(?:late|delayed|overdue|atrasad[oa]|retrasad[oa]|tarde)\b")
_STUCK = re.compile(
    r"\b(?:stuck|not\s+moving|stalled|frozen|no\s+(?:updates?|news|movement)|"
    r"atorad[oa]|atascad[oa]|estancad[oa]|parad[oa])\b"
)
_ARRIVED = re.compile(
    r"\b(?:delivered|arrived|came|received|got\s+it|entregad[oa]|lleg[oó]|recibi)\b"
)
_UNSHIPPED = re.compile(
    rf"\b{_NOT_YET}\s+(?:\w+\s+)?(?:shipped|sent|dispatched)\b|\b(?:preparing|being\s+prepared|"
    r"awaiting\s+shipment|processing|sin\s+enviar|no\s+enviad[oa])\b"
)
_NUMBER_END = re.compile(r"(?<!\d)(\d{2,6})(?!\d)")


def pick(text: str, listed: Sequence[Listed]) -> int | None:
    """The index of the one listed order the words name, or None."""
    ends = _NUMBER_END.findall(text)
    # "0003", "011": the end of an order number, not the third or eleventh place.
    place = not any(len(end) > 2 or end.startswith("0") for end in ends)
    if place and (at := position(text, len(listed))) is not None:
        return at
    return named(text, listed, answering=True)


def named(text: str, listed: Sequence[Listed], *, answering: bool = False) -> int | None:
    """The index of the one order the words tell apart by its number's end, where it
    is or what is in it ("where's the stuck one"), or None; not by place, which only
    means something under a list.  Not `answering` a list, "arrived", "shipped" and
    "coming" name none ("has it shipped?" asks it of an order that may not have), nor
    do words with a place in them ("my second order", which the items would read as
    the second item)."""
    said = normalize(text)
    if not said or len(said.split()) > MAX_WORDS:
        return None
    if not answering and position(text, MAX_PLACES) is not None:
        return None

    def by_where_it_is(said: str, listed: Sequence[Listed]) -> list[int]:
        return _by_where_it_is(said, listed, arrived=answering)

    finders: tuple[Callable[[str, Sequence[Listed]], list[int]], ...] = (
        _by_number_end,
        by_where_it_is,
        _by_items,
    )
    for finder in finders:
        found = finder(said, listed)
        if len(found) == 1:
            return found[0]
    return None


def _by_number_end(said: str, listed: Sequence[Listed]) -> list[int]:
    """ "the one ending 011", "…0006": the orders whose number ends so."""
    ends = _NUMBER_END.findall(said)
    if len(ends) != 1:
        return []
    return [i for i, order in enumerate(listed) if order.number.endswith(ends[0])]


# "which of my orders havent shipped yet", "what orders are still on the way", "which
# ones are late": a question over all the buyer's orders, answered with those that fit.
_WHICH_OF_THEM = re.compile(
    r"^(?:(?:so|and|ok|okay|hi|hey)\s+)?(?:which|what|wich|cuales|que)\s+"
    r"(?:(?:of\s+)?(?:my|mis)\s+)?(?:orders?|ones?|pedidos?|de\s+mis\s+pedidos)\b"
)


def which_fit(text: str, listed: Sequence[Listed]) -> list[int] | None:
    """For "which of my orders haven't shipped yet" (a question over the orders, naming
    where they are), the indices of those that fit, maybe none; None for any other
    message.  Found in the demo: it got "which order do you mean?" with every order."""
    said = normalize(text)
    if not _WHICH_OF_THEM.match(said) or len(said.split()) > MAX_WORDS + 2:
        return None
    fits = _where_it_is(said, arrived=True)
    return None if fits is None else [i for i, order in enumerate(listed) if fits(order)]


def _by_where_it_is(said: str, listed: Sequence[Listed], *, arrived: bool = True) -> list[int]:
    """ "the late one", "the stuck one", "the delivered one", "the one not shipped
    yet"; without `arrived`, only the words that say something is wrong or not come
    (late, stuck, not shipped, not arrived)."""
    fits = _where_it_is(said, arrived=arrived)
    return [] if fits is None else [i for i, order in enumerate(listed) if fits(order)]


def _where_it_is(said: str, *, arrived: bool) -> Callable[[Listed], bool] | None:
    """Which orders the words' description of where an order is fits; None when the
    words describe none (see `_by_where_it_is`)."""
    if _UNSHIPPED.search(said):
        wanted = _NOT_SHIPPED
    elif _LATE.search(said):
        return lambda order: order.late
    elif _STUCK.search(said):
        return lambda order: order.stuck
    elif _NOT_COME.search(said):
        wanted = _ON_ITS_WAY | _NOT_SHIPPED
    elif arrived and _COMING.search(said):
        wanted = _ON_ITS_WAY
    elif arrived and _ARRIVED.search(said):
        wanted = _DELIVERED
    else:
        return None
    return lambda order: order.status in wanted


def _by_items(said: str, listed: Sequence[Listed]) -> list[int]:
    """ "the candle one", "the one with the mug": the orders holding what is named."""
    return [i for i, order in enumerate(listed) if mentioned_items(said, order.items)]


# What a pick asks done with the order, said first: "cancel the one that hasn't
# shipped", "return the mug one".  Found in the demo: under a list whose buttons open
# cards, "cancel the one that hasnt shipped" opened that order's card, not its cancel.
_ASKED_TO = (
    ("cancel", re.compile(r"^(?:(?:please|pls|ok|okay|so|then|now)\s+)*(?:cancel\w*|anul\w*)\b")),
    (
        "return",
        re.compile(
            r"^(?:(?:please|pls|ok|okay|so|then|now)\s+)*(?:return|send\s+back|devolver|devuelvo)\b"
        ),
    ),
)


def asked_to(text: str) -> str | None:
    """ "cancel" or "return" when the words that pick an order start by asking that
    done; None for a pick alone ("the second one")."""
    said = normalize(text)
    return next((does for does, pattern in _ASKED_TO if pattern.match(said)), None)
