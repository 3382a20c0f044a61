"""Which language a person is answered in, and which languages a shop speaks.

A shop stores three settings (`shop set`): `language` (its default), `languages` (the
ones it supports; unset = every language the catalog has) and `staff_language` (the
staff group is shared, so it has one language; unset = the shop's default).

A reply's language is the first of these that the shop supports:
1. the person's explicit choice (`/language`), which always wins;
2. the language of the message they just wrote, when it can be told
   (`bot.domain.language_detect.told_language`), else the one they last wrote in
   (kept with the conversation by the chat core);
3. the language Telegram reports for them (`language_code`, stored on first contact);
4. the shop's default;
5. English.

The catalog's languages are passed in (`available`), so this module needs no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FALLBACK = "en"
LANGUAGE_KEY = "language"
LANGUAGES_KEY = "languages"
STAFF_LANGUAGE_KEY = "staff_language"
LANGUAGE_KEYS = (LANGUAGE_KEY, LANGUAGES_KEY, STAFF_LANGUAGE_KEY)


def base_language(code: str | None) -> str | None:
    """ "es" of "es-419", "pt" of "pt_BR", None of nothing: Telegram sends IETF tags,
    the catalog is per language."""
    if not code:
        return None
    head = code.replace("_", "-").split("-")[0].strip().lower()
    return head if head.isascii() and head.isalpha() and 2 <= len(head) <= 3 else None


@dataclass(frozen=True, slots=True)
class ShopLanguages:
    """A shop's language settings as the bot applies them (defaults filled in)."""

    default: str
    supported: tuple[str, ...]
    staff: str

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any] | None, available: Iterable[str]
    ) -> ShopLanguages:
        """Read from `Shop.settings`; values the catalog no longer has are ignored (a
        language file removed after it was set must not stop replies)."""
        catalog = tuple(available)
        stored = settings or {}
        raw = stored.get(LANGUAGES_KEY)
        listed = [c for c in raw if c in catalog] if isinstance(raw, list) else []
        supported = tuple(dict.fromkeys(listed)) or catalog
        default = stored.get(LANGUAGE_KEY)
        if default not in supported:
            default = FALLBACK if FALLBACK in supported else supported[0]
        staff = stored.get(STAFF_LANGUAGE_KEY)
        if staff not in catalog:
            staff = default
        return cls(str(default), supported, str(staff))

    def pick(
        self,
        *,
        chosen: str | None = None,
        detected: str | None = None,
        telegram: str | None = None,
    ) -> str:
        """The reply's language: the first candidate the shop supports (see module)."""
        for candidate in (chosen, detected, base_language(telegram)):
            if candidate and candidate in self.supported:
                return candidate
        return self.default


def staff_language(settings: Mapping[str, Any] | None, available: Iterable[str]) -> str:
    """The language of what the bot writes in the shared staff group for this shop
    (`shop set SHOP staff_language es`; unset: the shop's default language)."""
    return ShopLanguages.from_settings(settings, available).staff


def recipient_language(
    stored: str | None,
    chosen: bool,
    settings: Mapping[str, Any] | None,
    available: Iterable[str],
) -> str:
    """The language to write to someone outside a conversation (a notification, at send
    time): their `ChatUser.language` (`chosen`: picked with /language, else
    Telegram's), if their shop speaks it, else the shop's default."""
    shop = ShopLanguages.from_settings(settings, available)
    return shop.pick(chosen=stored if chosen else None, telegram=stored)


class LanguageSettingError(ValueError):
    """A language setting `shop set` refuses; the message says why, in words."""


def parse_codes(value: str, available: Iterable[str]) -> list[str]:
    """ "es,en" or "es en" → ["es", "en"]; every code must be a catalog language."""
    catalog = tuple(available)
    codes = [c.strip().lower() for c in value.replace(",", " ").split() if c.strip()]
    unknown = [c for c in codes if c not in catalog]
    if unknown:
        raise LanguageSettingError(
            f"{', '.join(unknown)}: not a language the bot speaks; "
            f"it has {', '.join(catalog)} (a new one needs its catalog file first)"
        )
    return list(dict.fromkeys(codes))


def check_language_setting(
    key: str, value: str, current: Mapping[str, Any] | None, available: Iterable[str]
) -> str | list[str] | None:
    """The value to store for one of LANGUAGE_KEYS (None: back to the default), checked
    against the shop's other language settings: the default must stay supported."""
    catalog = tuple(available)
    settings = dict(current or {})
    if value.strip() == "":
        parsed: str | list[str] | None = None
    elif key == LANGUAGES_KEY:
        parsed = parse_codes(value, catalog)
        if not parsed:
            raise LanguageSettingError("languages is a list of codes such as es,en")
    else:
        codes = parse_codes(value, catalog)
        if len(codes) != 1:
            raise LanguageSettingError(f"{key} is one language code, such as es")
        parsed = codes[0]
    if key == STAFF_LANGUAGE_KEY:
        return parsed  # staff may read any language the catalog has
    after = (
        {**settings, key: parsed}
        if parsed is not None
        else {k: v for k, v in settings.items() if k != key}
    )
    shop = ShopLanguages.from_settings(after, catalog)
    wanted = after.get(LANGUAGE_KEY)
    if wanted is not None and wanted not in shop.supported:
        raise LanguageSettingError(
            f"the default language {wanted} must be one of the shop's languages "
            f"({', '.join(shop.supported)}); change languages or language first"
        )
    return parsed
