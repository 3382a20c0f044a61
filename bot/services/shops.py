"""Shop settings a shop owner changes from the command line (`shop show|set`).

Windows and rules live in `Shop.settings` (missing keys use the defaults of
bot.domain.policy.ShopPolicy), so only what the shop changed is stored.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.domain.care import CARE_KEYS, CarePolicy, CareSettingError, parse_care_setting
from bot.domain.errors import DomainError, ShopNotFound
from bot.domain.hours import BusinessHours
from bot.domain.languages import (
    LANGUAGE_KEYS,
    LanguageSettingError,
    ShopLanguages,
    check_language_setting,
)
from bot.domain.money import MAX_AMOUNT
from bot.domain.policy import DeskPolicy, ShopPolicy
from storage.models import Shop
from storage.uow import UnitOfWorkFactory

if TYPE_CHECKING:
    from collections.abc import Callable

# The catalog's languages; asked when needed, since services do not import handlers
# (the container passes `handlers.catalog.available_languages`).
Languages = tuple[str, ...]

POLICY_KEYS = {f.name for f in fields(ShopPolicy)}
# Keys of inbound hooks' signing secrets (see bot.services.hook_auth).
ORDER_SECRET_KEY = "order_webhook_secret"
AFTERSHIP_SECRET_KEY = "aftership_secret"
HOOK_SECRET_KEYS = (ORDER_SECRET_KEY, AFTERSHIP_SECRET_KEY)
OTHER_KEYS = {
    "refund_webhook_url",
    "refund_webhook_secret",
    "business_hours",
    "first_response_minutes",
    "staff_signature",
    "return_address",
    *HOOK_SECRET_KEYS,
    *LANGUAGE_KEYS,
    *CARE_KEYS,
}
MIN_SECRET_LENGTH = 16
# Where buyers send approved returns: a postal address of a few lines.
RETURN_ADDRESS_LINES = 8
RETURN_ADDRESS_LINE = 100  # characters per line
RETURN_ADDRESS_TOTAL = 500

# Columns of the shop itself that `shop set` changes too.
SHOP_COLUMNS = ("timezone", "seller_chat_ids", "name")
# The shop's name as buyers read it (the order card's title, a staff reply signed by
# the shop) and sellers (their welcome, /stats): an import names a new shop after its
# code ("default" without --shop), so the owner gives it its real one.
SHOP_NAME_LENGTH = 100


# A new shop's code names it in commands, hook URLs (/hooks/orders/SHOP) and its policy
# folder (KNOWLEDGE_DIR/SHOP): lower-case, no spaces, nothing a shell or URL changes.
SHOP_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def new_shop_code_problem(code: str) -> str | None:
    """Why `code` cannot name a new shop, or None.  Shops that exist keep theirs."""
    if SHOP_CODE.fullmatch(code):
        return None
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", code.strip().lower()).strip("-_")[:64]
    example = suggestion if suggestion and SHOP_CODE.fullmatch(suggestion) else "maple-pine"
    return (
        f"{code!r} can't be a new shop's code: use lower-case letters, digits, '-' and '_'"
        f" (e.g. {example}); the code names the shop in commands, in its hook URLs and"
        " its policy folder (its name, shown to buyers, is set apart: shop set SHOP name)"
    )


def setting_keys() -> list[str]:
    """Every key `shop set` takes, in the order `shop show` lists them: the policy's
    fields, the other settings, the shop's own columns.  Both commands derive from
    these sets, so a new setting shows up in both without being listed again."""
    return [f.name for f in fields(ShopPolicy)] + sorted(OTHER_KEYS) + list(SHOP_COLUMNS)


# Settings whose 0 would mean nothing useful (a link dead on arrival), with a ceiling.
RANGES = {
    "order_link_days": (1, 3650),
    "order_link_uses": (1, 1000),
    "invite_days": (1, 365),
}


class BadSetting(DomainError):
    pass


class BadReturnAddress(BadSetting):
    """A return address that can't be stored; `problem` (control, lines, line, total,
    not_address) and `limit` let the chat say what to change, in the reader's words."""

    def __init__(self, message: str, problem: str, limit: int = 0) -> None:
        super().__init__(message)
        self.problem = problem
        self.limit = limit


def return_address_of(settings: dict[str, Any] | None) -> str | None:
    """The shop's return address (lines joined by newlines), or None when it is unset."""
    value = (settings or {}).get("return_address")
    return str(value) if value else None


def parse_return_address(value: str) -> str:
    """Several lines, typed with real line breaks or with "\\n" (as a shell makes it
    easy to write); blank lines and spaces at the ends are dropped."""
    text = value.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\r\n", "\n")
    rows = [" ".join(row.split()) for row in text.split("\n")]
    rows = [row for row in rows if row]
    if not rows:
        return ""
    if any(not ch.isprintable() for row in rows for ch in row):
        raise BadReturnAddress("return_address may not contain control characters", "control")
    if len(rows) > RETURN_ADDRESS_LINES:
        raise BadReturnAddress(
            f"return_address has at most {RETURN_ADDRESS_LINES} lines",
            "lines",
            RETURN_ADDRESS_LINES,
        )
    if any(len(row) > RETURN_ADDRESS_LINE for row in rows):
        raise BadReturnAddress(
            f"each line of return_address has at most {RETURN_ADDRESS_LINE} characters",
            "line",
            RETURN_ADDRESS_LINE,
        )
    joined = "\n".join(rows)
    if len(joined) > RETURN_ADDRESS_TOTAL:
        raise BadReturnAddress(
            f"return_address has at most {RETURN_ADDRESS_TOTAL} characters",
            "total",
            RETURN_ADDRESS_TOTAL,
        )
    if not any(ch.isalpha() for ch in joined):
        raise BadReturnAddress(
            "return_address must be a postal address (name, street, town)", "not_address"
        )
    return joined


def parse_shop_name(value: str) -> str:
    """One line of readable text; "" restores the default (the shop's code)."""
    name = " ".join(value.replace("\\n", " ").split())
    if any(not ch.isprintable() for ch in name):
        raise BadSetting("name may not contain control characters")
    if len(name) > SHOP_NAME_LENGTH:
        raise BadSetting(f"name has at most {SHOP_NAME_LENGTH} characters")
    return name


def parse_setting(key: str, value: str) -> Any:
    """Validate one setting; returns the value to store (None deletes the key)."""
    if value == "":
        return None
    if key in CARE_KEYS:
        try:
            return parse_care_setting(key, value)
        except CareSettingError as exc:
            raise BadSetting(str(exc)) from None
    if key == "return_address":
        return parse_return_address(value) or None
    if key == "refund_webhook_url":
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise BadSetting("refund_webhook_url must be an http(s) URL")
        return value
    if key == "refund_webhook_secret" or key in HOOK_SECRET_KEYS:
        if len(value) < MIN_SECRET_LENGTH:
            raise BadSetting(f"{key} must be at least {MIN_SECRET_LENGTH} characters")
        return value
    if key == "business_hours":
        try:
            # Stored in canonical form; the shop's own timezone applies when read.
            return BusinessHours.parse(value).describe(with_tz=False)
        except ValueError as exc:
            raise BadSetting(f"business_hours: {exc}") from None
    if key == "first_response_minutes":
        # isdecimal, not isdigit: "²" is a digit that int() refuses (a crash, not a message).
        if not value.isdecimal() or not 1 <= int(value) <= 10_080:
            raise BadSetting("first_response_minutes must be a whole number from 1 to 10080")
        return int(value)
    if key == "staff_signature":
        if value not in ("staff", "shop"):
            raise BadSetting("staff_signature is 'staff' (each person's name) or 'shop'")
        return value
    if key in RANGES:
        low, high = RANGES[key]
        if not value.isdecimal() or not low <= int(value) <= high:
            raise BadSetting(f"{key} must be a whole number from {low} to {high}")
        return int(value)
    if key not in POLICY_KEYS:
        known = ", ".join(setting_keys())
        raise BadSetting(f"unknown setting {key!r}; known: {known}")
    if isinstance(getattr(ShopPolicy(), key), Decimal):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise BadSetting(f"{key} must be an amount like 20.00") from None
        if not number.is_finite() or number < 0 or number >= MAX_AMOUNT:
            raise BadSetting(f"{key} must be an amount of 0 or more")
        return str(number)
    if not value.isdecimal() or len(value) > 6:
        raise BadSetting(f"{key} must be a whole number of 0 or more")
    return int(value)


class ShopAdmin:
    def __init__(
        self, uow: UnitOfWorkFactory, languages: Callable[[], Languages] | None = None
    ) -> None:
        self._uow = uow
        self._languages = languages or catalog_languages

    async def show(self, code: str) -> dict[str, Any]:
        async with self._uow(readonly=True) as uow:
            shop = await uow.shops.get_by_code(code)
            if shop is None:
                raise ShopNotFound(code)
            return {
                "name": shop.name,
                "currency": shop.currency,
                **_effective(shop, self._languages()),
            }

    async def create(self, code: str, now: datetime) -> bool:
        """A new shop named after its code, for one whose orders all come from a
        marketplace (`tiktok connect` before any import); False when it exists."""
        async with self._uow() as uow:
            if await uow.shops.get_by_code(code) is not None:
                return False
            uow.shops.add(Shop(code=code, name=code, created_at=now))
            await uow.commit()
            return True

    async def set(self, code: str, key: str, value: str) -> None:
        async with self._uow() as uow:
            shop = await uow.shops.get_by_code(code)
            if shop is None:
                raise ShopNotFound(code)
            if key == "timezone":
                try:
                    shop.timezone = BusinessHours.always(value or "UTC").tz.key
                except ValueError as exc:
                    raise BadSetting(f"timezone: {exc}") from None
            elif key == "name":
                shop.name = parse_shop_name(value) or shop.code
            elif key == "seller_chat_ids":
                ids = [v.strip() for v in value.split(",") if v.strip()]
                if not all(v.lstrip("-").isdecimal() for v in ids):
                    raise BadSetting("seller_chat_ids is a comma-separated list of chat ids")
                shop.seller_chat_ids = [int(v) for v in ids]
            else:
                settings = dict(shop.settings or {})
                if key in LANGUAGE_KEYS:
                    try:
                        parsed = check_language_setting(key, value, settings, self._languages())
                    except LanguageSettingError as exc:
                        raise BadSetting(f"{key}: {exc}") from None
                else:
                    parsed = parse_setting(key, value)
                if parsed is None:
                    settings.pop(key, None)
                else:
                    settings[key] = parsed
                shop.settings = settings  # a new dict, so the JSON column is written
            await uow.commit()


def catalog_languages() -> Languages:
    """The languages the message catalog has (read lazily: services do not import
    handlers at import time)."""
    from handlers.catalog import available_languages

    return available_languages()


def _effective(shop: Shop, available: Languages) -> dict[str, Any]:
    """Every setting's value as the bot applies it: the shop's own, else the default
    (a setting with no default reads "(unset)"; secrets only say whether they are set)."""
    stored = shop.settings or {}
    policy = ShopPolicy.from_settings(stored)
    desk = DeskPolicy.for_shop(shop)
    spoken = ShopLanguages.from_settings(stored, available)
    care = CarePolicy.from_settings(stored)
    defaults: dict[str, Any] = {
        "business_hours": desk.hours.describe(with_tz=False),
        "first_response_minutes": desk.first_response_minutes,
        "staff_signature": desk.signature,
        "timezone": shop.timezone,
        "seller_chat_ids": list(shop.seller_chat_ids or []),
        "name": shop.name,
        "language": spoken.default,
        "languages": ",".join(spoken.supported),
        "staff_language": spoken.staff,
    }
    shown: dict[str, Any] = {}
    for key in setting_keys():
        if key in POLICY_KEYS:
            shown[key] = getattr(policy, key)
        elif key in LANGUAGE_KEYS:
            shown[key] = defaults[key]  # as applied: a language no longer offered drops
        elif key in CARE_KEYS:
            value = getattr(care, key)
            shown[key] = ("on" if value else "off") if isinstance(value, bool) else value
            if value is None:
                shown[key] = "(unset)"
        elif key in stored and key not in SHOP_COLUMNS:
            shown[key] = "(set)" if "secret" in key else stored[key]
        else:
            shown[key] = defaults.get(key, "(unset)")
    if stored.get("refund_webhook_url") and not stored.get("refund_webhook_secret"):
        # Refunds are signed: without the secret the URL is not called (record-only).
        shown["refund_webhook_url"] = (
            f"{stored['refund_webhook_url']} (not used until refund_webhook_secret is set:"
            " refunds are recorded for the shop to pay out)"
        )
    return shown
