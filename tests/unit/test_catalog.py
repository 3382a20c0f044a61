"""Every string the bot says comes from the catalog, and user input is always escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain.enums import OrderStatus, TrackingTag
from handlers.catalog import Catalog, Safe, load_messages

ROOT = Path(__file__).resolve().parents[2]
KEY_CALL = re.compile(r"""\b(?:t|plain|raw)\(\s*["']([a-z_][a-zA-Z0-9_.]*)["']""")
# handlers/fit.py pieces: line(catalog, "key", ...) and lines(pieces, catalog, "key")
FIT_CALL = re.compile(r"""\blines?\([^"'()\[:]*["']([a-z_][a-zA-Z0-9_.]*)["']""")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*ROOT.joinpath("handlers").rglob("*.py"), *ROOT.joinpath("bot").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        keys.update(KEY_CALL.findall(source))
        keys.update(FIT_CALL.findall(source))
    return keys


def test_code_uses_catalog_keys() -> None:
    assert len(used_keys()) > 40  # the scan itself works


def test_every_key_used_in_code_exists() -> None:
    missing = sorted(k for k in used_keys() if not Catalog().has(k))
    assert not missing, f"keys used in code but missing from en.toml: {missing}"


def test_every_status_and_tag_has_words() -> None:
    catalog = Catalog()
    for status in OrderStatus:
        for part in ("label", "meaning", "next"):
            assert catalog.has(f"status.{status.value}.{part}")
        if status.value not in ("UNPAID", "ON_HOLD"):
            assert catalog.has(f"cancel.refused.{status.value}")
    for tag in TrackingTag:
        assert catalog.has(f"tag.{tag.value}")


def test_parameters_are_escaped_but_safe_html_is_not() -> None:
    catalog = Catalog()
    text = catalog.t("link.linked", number="<b>1</b> & co")
    assert "&lt;b&gt;1&lt;/b&gt; &amp; co" in text
    assert "<b>" in text  # the template's own markup stays
    assert catalog.t("cancel.confirm", number="1", money=Safe("<i>x</i>")).endswith("<i>x</i>")


def test_unknown_language_falls_back_to_english() -> None:
    assert Catalog("xx").language == "en"
    assert Catalog("en").t("orders.none") == load_messages("en")["orders.none"]


def test_missing_key_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no key"):
        Catalog().t("no.such.key")


def test_plural_messages_follow_the_count() -> None:
    catalog = Catalog("en")
    one = catalog.t("returns.photo_received", count=1)
    many = catalog.t("returns.photo_received", count=9)
    assert "(s)" not in one + many
    assert "1 photo." in one and "9 photos." in many


def test_no_message_fakes_a_plural() -> None:
    for key, text in load_messages("en").items():
        assert "(s)" not in text, key


def test_a_plural_message_without_a_count_is_a_programming_error() -> None:
    import pytest

    with pytest.raises(KeyError, match="needs a count"):
        Catalog("en").t("returns.photo_received")
