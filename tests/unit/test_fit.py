"""The one helper that makes every text fit Telegram's limits: it measures in UTF-16
units, cuts people's text before it is escaped (never an entity or a tag), never splits
an emoji, and says where the full text is."""

from __future__ import annotations

import html

import pytest

from bot.emulator.text import format_text
from handlers.catalog import Catalog
from handlers.fit import (
    CAPTION,
    ELLIPSIS,
    TEXT,
    Field,
    Line,
    cut,
    fit,
    line,
    lines,
    utf16_len,
)

NOTICE = "<i>…(shortened, full text in /transcript)</i>"


def telegram_accepts(text: str, limit: int = TEXT) -> str:
    """What Telegram would store: the HTML must parse and the visible text fit."""
    visible, _ = format_text(text, "HTML", None)
    assert utf16_len(visible) <= limit
    assert utf16_len(text) <= limit  # the budget is on the source, stricter still
    return visible


# ------------------------------------------------------------------------- cut


def test_utf16_counts_emoji_as_two_units() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1
    assert utf16_len("\ud83d") == 1  # a lone surrogate does not crash the count


def test_cut_keeps_text_that_fits_exactly() -> None:
    assert cut("a" * 10, 10) == "a" * 10
    assert cut("😀" * 5, 10) == "😀" * 5
    assert cut("", 0) == ""


def test_cut_one_over_the_boundary_adds_the_ellipsis_within_the_budget() -> None:
    out = cut("a" * 11, 10)
    assert out == "a" * 9 + ELLIPSIS and utf16_len(out) == 10


def test_cut_never_splits_a_surrogate_pair() -> None:
    # 9 units of room after the ellipsis: four emoji (8 units), never four and a half.
    out = cut("😀" * 20, 10)
    assert out == "😀" * 4 + ELLIPSIS
    out.encode("utf-16-le")  # would raise on a half pair
    assert utf16_len(out) <= 10


def test_cut_keeps_emoji_with_their_modifiers_and_joiners() -> None:
    family = "👨\u200d👩\u200d👧"  # one picture, five code points, 8 units
    thumbs = "👍🏽"  # with a skin tone
    for emoji in (family, thumbs, "❤️"):
        text = "ab " + emoji * 10
        for units in range(3, 30):
            out = cut(text, units)
            body = out.removesuffix(ELLIPSIS)
            assert utf16_len(out) <= units
            # Only whole pictures survive.
            assert body.replace(emoji, "").strip() in ("ab", ""), (units, out)
    flags = "🇫🇷🇩🇪🇯🇵"
    for units in range(1, 14):
        body = cut(flags, units).removesuffix(ELLIPSIS)
        assert len(body) % 2 == 0, (units, body)


def test_cut_prefers_a_word_boundary() -> None:
    out = cut("the parcel arrived completely crushed", 24)
    assert out == "the parcel arrived" + ELLIPSIS


def test_cut_measures_the_escaped_length_when_asked() -> None:
    text = "a&b<c>d" * 10
    out = cut(text, 30, escaped=True)
    assert utf16_len(html.escape(out, quote=False)) <= 30
    assert text.startswith(out.removesuffix(ELLIPSIS))


def test_cut_to_nothing() -> None:
    assert cut("hello", 0) == ""
    assert cut("hello", 1) == ELLIPSIS


# ------------------------------------------------------------------------- fit


def test_fit_leaves_a_text_that_fits_alone() -> None:
    c = Catalog()
    out = fit(line(c, "support.staff_says", name="Riley", text=Field("hi & bye")), notice=NOTICE)
    assert out == "<b>Riley</b>:\nhi &amp; bye"


def test_fit_exact_boundary_is_not_shortened() -> None:
    c = Catalog()
    base = utf16_len(c.t("support.staff_says", name="R", text=""))
    text = "x" * (TEXT - base)
    out = fit(line(c, "support.staff_says", name="R", text=Field(text)), notice=NOTICE)
    assert utf16_len(out) == TEXT and NOTICE not in out
    out = fit(line(c, "support.staff_says", name="R", text=Field(text + "x")), notice=NOTICE)
    assert utf16_len(out) <= TEXT and out.endswith(NOTICE)


@pytest.mark.parametrize("unit", ["&", "<", ">", "<&>", "😀", "a&amp;b ", "<b>x</b> "])
def test_fit_never_cuts_inside_an_entity_or_a_tag(unit: str) -> None:
    c = Catalog()
    for size in (CAPTION, TEXT):
        for extra in range(0, 7):  # every position of the cut relative to an entity
            note = "n" * extra + unit * (size // len(unit) + 50)
            out = fit(
                line(c, "staff.summary_claim_note", note=Field(note)),
                line(c, "support.staff_says", name="Riley", text=Field(note[::-1])),
                limit=size,
                notice=NOTICE,
            )
            visible = telegram_accepts(out, size)
            assert visible.endswith("…(shortened, full text in /transcript)")
            assert "Buyer's note: " in visible and "Riley:" in visible


def test_fit_shortens_the_longest_values_first() -> None:
    c = Catalog()
    short, long_ = "box is fine", "word " * 2000
    out = fit(
        line(c, "staff.summary_claim_note", note=Field(short)),
        line(c, "staff.summary_claim_note", note=Field(long_)),
        notice=NOTICE,
    )
    telegram_accepts(out)
    assert f"<i>{short}</i>" in out  # the short one is whole
    assert "word word" in out and ELLIPSIS + "</i>" in out
    assert utf16_len(out) > TEXT - 100  # and the long one uses the rest


def test_fit_drops_list_entries_when_shortening_is_not_enough() -> None:
    c = Catalog()
    items = [
        line(c, "card.item", quantity=1, name=Field(f"Item {i} " + "x" * 300), price="$1.00")
        for i in range(1000)
    ]
    out = fit(
        "<b>Items</b>",
        lines(items, c, "fit.more_items"),
        "Total paid: <b>$1000.00</b>",
        notice=NOTICE,
    )
    visible = telegram_accepts(out)
    assert visible.startswith("Items\n• 1 × Item 0 ")
    assert "more items" in visible and "Total paid: $1000.00" in visible
    shown = visible.count("• 1 × ")
    assert 20 < shown < 1000
    assert f"…and {1000 - shown} more items" in visible


def test_fit_keep_tail_drops_the_oldest() -> None:
    c = Catalog()
    entries = [
        Line(lambda **v: f"entry {v['n']}: " + html.escape(v["t"]), {"n": i, "t": Field("y" * 500)})
        for i in range(100)
    ]
    out = fit(lines(entries, c, "fit.more_earlier", keep="tail"), limit=CAPTION, notice=NOTICE)
    visible = telegram_accepts(out, CAPTION)
    assert "entry 99:" in visible and "entry 0:" not in visible
    assert visible.startswith("…") and "earlier" in visible.splitlines()[0]


def test_fit_falls_back_to_plain_words_when_templates_alone_are_too_long() -> None:
    out = fit("<b>" + "a &amp; b " * 1000 + "</b>", limit=100, notice=NOTICE)
    telegram_accepts(out, 100)
    assert out.startswith("a &amp; b")


def test_fit_empty() -> None:
    assert fit() == ""
    assert (
        fit(line(Catalog(), "staff.summary_claim_note", note=Field(""))) == "Buyer's note: <i></i>"
    )
