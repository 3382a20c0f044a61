"""What a shop lets the bot send on its own: delivery care and rating requests.

Both are off for a shop until its owner turns them on (`shop set SHOP delivery_care
on`), because a message nobody asked for must be the shop's decision; the demo shops
have them on.  A buyer can still turn them off for themselves (`/settings`).  Status
and claim notices are not "on its own": the buyer's order changed, so they always go.

One typed model for the keys, read from `Shop.settings` like `ShopPolicy`: a missing
key is its default, so existing shops change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

ON = frozenset({"on", "yes", "true", "1"})
OFF = frozenset({"off", "no", "false", "0"})

# Whole-number keys and the values they accept.
CARE_RANGES: dict[str, tuple[int, int]] = {
    "stuck_after_days": (1, 60),
    "tracking_fresh_hours": (1, 720),
    "rating_after_days": (1, 60),
}
CARE_FLAGS = ("delivery_care", "ratings", "low_rating_ticket")
REVIEW_LINK = "review_link"
REVIEW_LINK_LENGTH = 500


class CareSettingError(ValueError):
    """A value `shop set` refuses, with the reason in words."""


@dataclass(frozen=True, slots=True)
class CarePolicy:
    # Messages about parcels that are late or stuck, sent before the buyer asks.
    delivery_care: bool = False
    # A parcel with no tracking event for this many days is "stuck"...
    stuck_after_days: int = 4
    # ...but only while the shop's tracking was updated (a connector, a tracking hook
    # or an import) within this many hours: on stale data silence is no news.
    tracking_fresh_hours: int = 48
    # Asking buyers to rate an order this many days after it was delivered.
    ratings: bool = False
    rating_after_days: int = 3
    # Offered with every thank-you, whatever the stars (no review gating).
    review_link: str | None = None
    # A rating of 1-3 opens a ticket for staff as well.
    low_rating_ticket: bool = False

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> CarePolicy:
        policy = cls()
        if not settings:
            return policy
        changes: dict[str, Any] = {}
        for name in CARE_KEYS:
            if name not in settings:
                continue
            value = settings[name]
            if name in CARE_FLAGS:
                changes[name] = bool(value)
            elif name in CARE_RANGES:
                try:
                    changes[name] = int(value)
                except (TypeError, ValueError):
                    continue  # only a hand-edited database gets here
            elif name == REVIEW_LINK:
                changes[name] = str(value) if value else None
        return replace(policy, **changes)


CARE_KEYS = tuple(f.name for f in fields(CarePolicy))


def parse_care_setting(key: str, value: str) -> Any:
    """The value to store for one of CARE_KEYS (None: back to the default)."""
    text = value.strip()
    if text == "":
        return None
    if key in CARE_FLAGS:
        word = text.lower()
        if word in ON:
            return True
        if word in OFF:
            return False
        raise CareSettingError(f"{key} is on or off")
    if key in CARE_RANGES:
        low, high = CARE_RANGES[key]
        if not text.isdecimal() or not low <= int(text) <= high:
            raise CareSettingError(f"{key} must be a whole number from {low} to {high}")
        return int(text)
    if key == REVIEW_LINK:
        parts = urlsplit(text)
        if (
            parts.scheme not in ("https", "http")
            or not parts.netloc
            or len(text) > REVIEW_LINK_LENGTH
            or any(ch.isspace() or not ch.isprintable() for ch in text)
        ):
            raise CareSettingError(
                f"{key} must be an http(s) link of at most {REVIEW_LINK_LENGTH} characters"
            )
        return text
    raise CareSettingError(f"unknown setting {key!r}")
