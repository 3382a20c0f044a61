"""Languages (issue 16): which language a reply is in, what a shop may set, money and
dates as each reader writes them, and what `catalog check` finds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.domain.language_detect import detect_language, told_language
from bot.domain.languages import (
    LanguageSettingError,
    ShopLanguages,
    check_language_setting,
    recipient_language,
    staff_language,
)
from bot.domain.money import format_money
from bot.services.shops import BadSetting, ShopAdmin
from handlers.buyer.language import read_language
from handlers.catalog import Catalog
from handlers.catalog_check import check
from handlers.formatting import duration, format_when
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop

BOTH = ("en", "es")
NBSP = "\xa0"  # Babel puts a no-break space between an amount and a trailing symbol


# ------------------------------------------------------------------ the detector


@pytest.mark.parametrize(
    "text",
    [
        "¿Dónde está mi pedido? Todavía no llegó",
        "Quiero devolver la taza porque llegó rota",
        "hola, necesito ayuda con mi pedido por favor",
        "no me llegó el paquete y ya pasó una semana",
    ],
)
def test_a_long_enough_spanish_message_is_told_spanish(text: str) -> None:
    assert detect_language(text, BOTH) == "es"


@pytest.mark.parametrize(
    "text",
    [
        "Where is my order? It has not arrived yet",
        "I want to return the mug because it arrived broken",
        "can you help me with my order please",
    ],
)
def test_a_long_enough_english_message_is_told_english(text: str) -> None:
    assert detect_language(text, BOTH) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "hola",  # one word: could be anyone
        "gracias!",
        "ok thanks",
        "578123456789012345",  # an order number
        "buyer@example.com",
        "hola where is my pedido por favor please",  # as much of one as of the other
        "",
    ],
)
def test_short_or_mixed_messages_are_not_told(text: str) -> None:
    assert detect_language(text, BOTH) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("gracias!!", "es"),
        ("hola", "es"),
        ("holaaa", "es"),
        ("vale, gracias", "es"),
        ("ok gracias", "es"),
        ("buenas tardes", "es"),
        ("thanks!", "en"),
        ("thank you so much", "en"),
        ("ok thanks", "en"),
        ("¿Dónde está mi pedido? Todavía no llegó", "es"),
        ("cuanto tardan las devoluciones", "es"),
        ("ok", None),
        ("no", None),
        ("sí", None),
        ("hi", None),
        ("bye", None),
        ("super", None),
        ("hola hello", None),  # one of each
        ("578123456789012345", None),
        ("buyer@example.com", None),
    ],
)
def test_what_a_message_tells_of_its_language(text: str, language: str | None) -> None:
    assert told_language(text, BOTH) == language


def test_small_talk_of_a_language_the_shop_lacks_tells_nothing() -> None:
    assert told_language("gracias!!", ("en",)) is None


def test_with_one_language_there_is_nothing_to_tell_apart() -> None:
    assert detect_language("¿Dónde está mi pedido? Todavía no llegó", ("en",)) is None


# ------------------------------------------------------------------ precedence


def test_the_reply_language_follows_the_order_of_precedence() -> None:
    shop = ShopLanguages.from_settings({}, BOTH)
    assert shop.supported == BOTH and shop.default == "en" and shop.staff == "en"
    # An explicit choice beats the message's language and Telegram's.
    assert shop.pick(chosen="en", detected="es", telegram="es") == "en"
    # Without a choice, what they just wrote beats Telegram's setting.
    assert shop.pick(detected="es", telegram="en-US") == "es"
    # Then Telegram's (a regional tag reads as its language).
    assert shop.pick(telegram="es-419") == "es"
    # Then the shop's default, then English.
    spanish_shop = ShopLanguages.from_settings({"language": "es"}, BOTH)
    assert spanish_shop.pick(telegram="de") == "es"
    assert shop.pick() == "en"


def test_only_the_shops_languages_are_ever_picked() -> None:
    english_only = ShopLanguages.from_settings({"languages": ["en"]}, BOTH)
    assert english_only.pick(chosen="es", detected="es", telegram="es") == "en"
    spanish_only = ShopLanguages.from_settings({"languages": ["es"], "language": "es"}, BOTH)
    assert spanish_only.pick(telegram="en") == "es"
    # A stored language the catalog no longer has is ignored, not an error.
    gone = ShopLanguages.from_settings({"languages": ["fr"], "language": "fr"}, BOTH)
    assert gone.supported == BOTH and gone.default == "en"


def test_the_staff_language_is_its_own_setting_and_defaults_to_the_shops() -> None:
    assert staff_language({"language": "es"}, BOTH) == "es"
    assert staff_language({"language": "es", "staff_language": "en"}, BOTH) == "en"
    assert staff_language(None, BOTH) == "en"


def test_a_notifications_language_is_the_recipients_if_the_shop_speaks_it() -> None:
    assert recipient_language("es-MX", False, {}, BOTH) == "es"
    assert recipient_language("en", True, {"language": "es"}, BOTH) == "en"
    assert recipient_language("de", False, {"language": "es"}, BOTH) == "es"
    assert recipient_language(None, False, None, BOTH) == "en"
    assert recipient_language("es", True, {"languages": ["en"]}, BOTH) == "en"


def test_a_typed_language_is_read_in_any_of_its_names() -> None:
    for typed in ("español", "Espanol", "spanish", "es", "ES", "Español!"):
        assert read_language(typed, BOTH) == "es", typed
    for typed in ("english", "inglés", "en"):
        assert read_language(typed, BOTH) == "en", typed
    assert read_language("klingon", BOTH) is None
    assert read_language("español", ("en",)) is None  # not one the shop speaks


# ------------------------------------------------------------------ shop settings


def test_language_settings_are_checked_against_each_other() -> None:
    assert check_language_setting("languages", "es,en", {}, BOTH) == ["es", "en"]
    assert check_language_setting("languages", "es en es", {}, BOTH) == ["es", "en"]
    assert check_language_setting("language", "es", {}, BOTH) == "es"
    with pytest.raises(LanguageSettingError, match="fr: not a language the bot speaks"):
        check_language_setting("languages", "es,fr", {}, BOTH)
    with pytest.raises(LanguageSettingError, match="one language code"):
        check_language_setting("language", "es,en", {}, BOTH)
    # The default must stay among the shop's languages, either way round.
    with pytest.raises(LanguageSettingError, match="default language es"):
        check_language_setting("language", "es", {"languages": ["en"]}, BOTH)
    with pytest.raises(LanguageSettingError, match="default language es"):
        check_language_setting("languages", "en", {"language": "es"}, BOTH)
    # The staff group may read any language the catalog has.
    assert check_language_setting("staff_language", "es", {"languages": ["en"]}, BOTH) == "es"


async def test_shop_set_stores_languages_and_refuses_an_unsupported_code_in_words(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "acme")
    admin = ShopAdmin(uow_factory)
    shown = await admin.show("acme")
    assert (shown["language"], shown["languages"], shown["staff_language"]) == ("en", "en,es", "en")
    await admin.set("acme", "languages", "es,en")
    await admin.set("acme", "language", "es")
    await admin.set("acme", "staff_language", "en")
    shown = await admin.show("acme")
    assert (shown["language"], shown["languages"], shown["staff_language"]) == ("es", "es,en", "en")
    with pytest.raises(BadSetting, match="languages: xx: not a language the bot speaks"):
        await admin.set("acme", "languages", "es,xx")
    assert (await admin.show("acme"))["languages"] == "es,en"  # unchanged
    await admin.set("acme", "language", "")  # back to the default
    assert (await admin.show("acme"))["language"] == "en"


# ------------------------------------------------------------------ money and dates


@pytest.mark.parametrize(
    ("amount", "currency", "english", "spanish"),
    [
        ("1234.5", "USD", "$1,234.50", "$1,234.50"),  # es_US: the dollar as the US writes it
        ("1234.5", "EUR", "€1,234.50", f"1.234,50{NBSP}€"),
        ("1234.5", "GBP", "£1,234.50", f"1.234,50{NBSP}GBP"),
        ("1234.5", "MXN", "MX$1,234.50", "$1,234.50"),  # es_MX: the peso's own $
        ("1200", "JPY", "¥1,200", f"1.200{NBSP}JPY"),  # no decimals
        ("125000", "VND", "₫125,000", f"125.000{NBSP}₫"),
        ("-5", "USD", "-$5.00", "-$5.00"),
    ],
)
def test_money_has_the_symbol_and_decimals_of_its_currency_in_the_readers_language(
    amount: str, currency: str, english: str, spanish: str
) -> None:
    assert format_money(Decimal(amount), currency, "en") == english
    assert format_money(Decimal(amount), currency, "es") == spanish


def test_dates_are_in_the_shops_timezone_and_the_readers_language() -> None:
    moment = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
    assert format_when(moment, "America/Mexico_City", language="en") == "Dec 7, 07:05"
    assert format_when(moment, "America/Mexico_City", language="es") == "7 dic, 07:05"
    assert format_when(moment, "Europe/Madrid", with_time=False, language="es") == "7 dic"
    shown = format_when(moment, "Europe/Madrid", show_zone=True, language="es")
    assert shown == "7 dic, 14:05 CET"


def test_plurals_follow_each_languages_rules() -> None:
    english, spanish = Catalog("en"), Catalog("es")
    assert english.plain("cards2.duration.day", count=1) == "1 day"
    assert english.plain("cards2.duration.day", count=2) == "2 days"
    assert spanish.plain("cards2.duration.day", count=1) == "1 día"
    assert spanish.plain("cards2.duration.day", count=0) == "0 días"
    assert spanish.plain("cards2.duration.day", count=1_000_000) == "1000000 de días"
    from datetime import timedelta

    assert duration(spanish, timedelta(days=1, hours=5)) == "1 día 5 horas"


# ------------------------------------------------------------------ catalog check


def _write(folder: Path, language: str, text: str) -> None:
    (folder / f"{language}.toml").write_text(text, encoding="utf-8")


ENGLISH = """
[a]
hello = "Hi <b>{name}</b>!"
bye = "Bye"
photos.one = "{count} photo"
photos.other = "{count} photos"
"""


def test_catalog_check_passes_matching_catalogs(tmp_path: Path) -> None:
    _write(tmp_path, "en", ENGLISH)
    _write(
        tmp_path,
        "es",
        """
[a]
hello = "¡Hola, <b>{name}</b>!"
bye = "Adiós"
photos.one = "{count} foto"
photos.many = "{count} de fotos"
photos.other = "{count} fotos"
""",
    )
    assert check(tmp_path) == []


def test_catalog_check_finds_each_kind_of_mismatch(tmp_path: Path) -> None:
    _write(tmp_path, "en", ENGLISH)
    _write(
        tmp_path,
        "es",
        """
[a]
hello = "¡Hola, {nombre}!"
photos.one = "{count} foto"
photos.other = "{count} fotos"
extra = "sobra"
""",
    )
    found = {(p.kind, p.key): str(p) for p in check(tmp_path)}
    assert set(found) == {
        ("missing", "a.bye"),
        ("extra", "a.extra"),
        ("parameters", "a.hello"),
        ("tags", "a.hello"),
        ("plurals", "a.photos"),
    }
    assert "only here: nombre; only in English: name" in found[("parameters", "a.hello")]
    assert "needs many, one, other" in found[("plurals", "a.photos")]


def test_catalog_check_finds_a_message_plural_in_one_language_only(tmp_path: Path) -> None:
    _write(tmp_path, "en", ENGLISH)
    _write(
        tmp_path,
        "es",
        """
[a]
hello = "¡Hola, <b>{name}</b>!"
bye = "Adiós"
photos = "{count} fotos"
""",
    )
    [problem] = check(tmp_path)
    assert (problem.kind, problem.key) == ("plurals", "a.photos")


def test_catalog_check_finds_markdown_that_html_would_show_as_typed(tmp_path: Path) -> None:
    # "*Skip*" in a message sent with parse mode HTML reaches the reader with its
    # asterisks; a lone "*" or "5 * 2" is no emphasis.
    _write(tmp_path, "en", ENGLISH.replace('bye = "Bye"', 'bye = "Or tap *Skip*. 5 * 2, a_b_c"'))
    [problem] = check(tmp_path)
    assert (problem.language, problem.kind, problem.key) == ("en", "markdown", "a.bye")
    assert problem.detail == "*Skip*"


def test_the_shipped_catalogs_agree() -> None:
    assert check() == []
