"""The pure parts of rating after delivery: the request's keys and window, the
thank-you and its buttons (no review gating), /settings' typed words, averages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.domain.care import CarePolicy
from bot.services.notices import RatingAsk
from bot.services.order_ratings import ASK_WINDOW, Rated, due_window, is_low
from bot.services.outbox import Notification
from bot.understanding.ratings import rating_remark, read_counted_rating
from handlers.buyer.ratings import RATE, star_keyboard, thanks_keyboard, thanks_text
from handlers.buyer.settings import read_toggle
from handlers.catalog import Catalog
from handlers.notifications import render
from handlers.types import SendText
from storage.ratings import ask_key, average, order_of_key

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
LINK = "https://example.com/review?id=1&x=2"


def rated(stars: int, *, link: str | None = None, may_return: bool = True) -> Rated:
    return Rated(
        order_id=42,
        order_number="5781<b>",
        shop_id=1,
        stars=stars,
        comment=None,
        review_link=link,
        low_rating_ticket=False,
        may_return=may_return,
    )


def test_ask_key_round_trip() -> None:
    assert ask_key(42, 1001) == "rating:ask:42:chat:1001"
    assert order_of_key(ask_key(42, -1001)) == 42
    assert order_of_key("claim:42:remind:24h:chat:1") is None
    assert order_of_key("rating:ask:x:chat:1") is None


def test_due_window_is_a_week_from_rating_after_days() -> None:
    start, end = due_window(NOW, CarePolicy(ratings=True, rating_after_days=3))
    assert end == NOW - timedelta(days=3)
    assert start == end - ASK_WINDOW == NOW - timedelta(days=10)


def test_low_is_one_to_three_stars() -> None:
    assert [is_low(s) for s in range(1, 6)] == [True, True, True, False, False]


def test_average_rounds_half_up_to_two_places() -> None:
    assert average(7, 2) == Decimal("3.50")
    assert average(10, 3) == Decimal("3.33")
    assert average(11, 3) == Decimal("3.67")
    assert average(0, 0) is None


def test_star_buttons_pack_and_refuse_forged_stars() -> None:
    keyboard = star_keyboard(42)
    assert [b.data for row in keyboard.rows for b in row] == [f"ra:42:{n}" for n in range(1, 6)]
    assert RATE.unpack("ra:42:5") == {"order": 42, "stars": 5}
    for forged in ("ra:42:9", "ra:42:0", "ra:42:-1", "ra:x:5", "ra:42", "ra:42:5:1", "ra:42:５"):
        assert RATE.unpack(forged) is None, forged


@pytest.mark.parametrize("stars", [1, 2, 3, 4, 5])
def test_the_review_link_goes_with_every_rating(stars: int) -> None:
    """No review gating: the link whatever the stars."""
    catalog = Catalog("en")
    keyboard = thanks_keyboard(catalog, rated(stars, link=LINK))
    assert keyboard is not None
    assert [b.url for row in keyboard.rows for b in row if b.url] == [LINK]
    assert "public review" in thanks_text(catalog, rated(stars, link=LINK))
    assert "public review" not in thanks_text(catalog, rated(stars))


def test_low_ratings_offer_the_next_steps_that_apply() -> None:
    catalog = Catalog("en")
    low = thanks_keyboard(catalog, rated(2))
    assert low is not None
    assert [[b.data for b in row] for row in low.rows] == [["rs:42", "hp:42"], ["rax:42"]]
    closed = thanks_keyboard(catalog, rated(2, may_return=False), person=False)
    assert closed is not None
    assert [[b.data for b in row] for row in closed.rows] == [["rax:42"]]
    assert thanks_keyboard(catalog, rated(5)) is None
    said = thanks_keyboard(catalog, rated(2), ask=False)  # what went wrong said already
    assert said is not None
    assert [[b.data for b in row] for row in said.rows] == [["rs:42", "hp:42"]]


def test_order_numbers_are_escaped_in_the_thanks() -> None:
    text = thanks_text(Catalog("en"), rated(5))
    assert "5781&lt;b&gt;" in text and "5781<b>" not in text


def test_the_request_reads_well_in_spanish() -> None:
    notice = RatingAsk(shop_id=1, order_id=42, order_number="5781", products=("Taza", "Paño"))
    [message] = render(Notification(1001, notice, language="es"))
    assert isinstance(message, SendText)
    assert "¿Qué tal tu pedido <b>5781</b>?" in message.text
    assert "<i>Taza, Paño</i>" in message.text
    assert "Toca las estrellas" in message.text


@pytest.mark.parametrize(
    ("typed", "on"),
    [
        ("off", False),
        ("stop", False),
        ("Turn them off please", False),
        ("Desactivar", False),
        ("para", False),
        ("no", False),
        ("on", True),
        ("ON!", True),
        ("turn on", True),
        ("sí", True),
        ("activar", True),
        ("maybe", None),
        ("stop sending me the mug", None),
        ("", None),
    ],
)
def test_settings_typed_words(typed: str, on: bool | None) -> None:
    assert read_toggle(typed) is on


@pytest.mark.parametrize(
    ("typed", "stars"),
    [
        ("5", 5),
        ("5 stars", 5),
        ("⭐⭐⭐⭐", 4),
        ("five", 5),
        ("cinco estrellas", 5),
        ("4/5", 4),
        ("2 stars, it broke", 2),
        ("ok", None),
        ("ok thanks", None),
        ("great", None),
        ("terrible", None),
        ("I ordered 5 mugs", None),
    ],
)
def test_typed_order_ratings_name_their_number(typed: str, stars: int | None) -> None:
    assert read_counted_rating(typed) == stars


@pytest.mark.parametrize(
    ("typed", "remark"),
    [
        ("4 stars, quick reply", "quick reply"),
        ("quick reply, 4 stars", "quick reply"),
        ("I'd give it a 4, slow at first", "slow at first"),
        ("2/5 took forever", "took forever"),
        ("5 stars!", None),
        ("great, thanks", None),
        ("five stars thanks a lot", None),
        ("4", None),
    ],
)
def test_what_a_typed_rating_says_besides_its_stars(typed: str, remark: str | None) -> None:
    assert rating_remark(typed) == remark
