"""Delivery care rules: when a parcel deserves a message nobody asked for.

Pure functions over plain values, so the rules are unit-tested without a database and
the job (`bot.services.delivery_care`) and its tests share one reading of them.

* **late**: the parcel is past its estimated delivery and not delivered.
* **stuck**: no tracking event for `stuck_after_days` (counted from the last event, or
  from when it shipped when it has none) while the parcel is not late yet, and only
  while the shop's tracking is fresh: if nobody brought the tracking up to date
  lately, silence says nothing about the parcel.
* A parcel waiting at a pickup point, or delivered, is neither: the buyer was told
  what to do by the tracking notice itself (see `ADVICE`).

Messages older than `HORIZON` are not sent any more: the outbox forgets its rows after
90 days (`bot.services.inbox.OUTBOX_KEEP`), and a parcel late for two months is a
matter for a claim or a person, not for a reminder.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from bot.domain.care import CarePolicy
from bot.domain.enums import OrderStatus, TrackingTag

Concern = Literal["late", "stuck"]
LATE: Concern = "late"
STUCK: Concern = "stuck"

HORIZON = timedelta(days=60)

# Orders whose parcels are no longer watched.
SETTLED = frozenset({OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED})
# A parcel whose last checkpoint is one of these needs no reminder.
QUIET_TAGS = frozenset({TrackingTag.DELIVERED, TrackingTag.AVAILABLE_FOR_PICKUP})

# Tracking events that call for the buyer to do something, and the advice's kind.
Advice = Literal["attempt_fail", "pickup", "exception"]
ADVICE: dict[TrackingTag, Advice] = {
    TrackingTag.ATTEMPT_FAIL: "attempt_fail",
    TrackingTag.AVAILABLE_FOR_PICKUP: "pickup",
    TrackingTag.EXCEPTION: "exception",
}


def advice_for(tag: TrackingTag | str) -> Advice | None:
    """The advice a tracking event calls for, or None."""
    try:
        return ADVICE.get(TrackingTag(tag))
    except ValueError:
        return None


def tracking_fresh(updated_at: datetime | None, now: datetime, policy: CarePolicy) -> bool:
    """Whether the shop's tracking was brought up to date recently enough to trust."""
    if updated_at is None:
        return False
    return now - updated_at <= timedelta(hours=policy.tracking_fresh_hours)


def quiet_since(last_event_at: datetime | None, shipped_at: datetime | None) -> datetime | None:
    """Since when the parcel has had no news: its last event, else when it shipped."""
    return last_event_at or shipped_at


def concern(
    *,
    now: datetime,
    policy: CarePolicy,
    status: OrderStatus,
    tracking_updated_at: datetime | None,
    estimated_delivery: datetime | None,
    last_event_at: datetime | None,
    last_tag: TrackingTag | str | None,
    shipped_at: datetime | None,
) -> Concern | None:
    """What is wrong with this parcel now, if anything (late wins over stuck: a late
    parcel's message already says when it was last seen)."""
    if not policy.delivery_care or status in SETTLED:
        return None
    if last_tag is not None and TrackingTag(last_tag) in QUIET_TAGS:
        return None
    if estimated_delivery is not None and now > estimated_delivery:
        return LATE if now - estimated_delivery <= HORIZON else None
    since = quiet_since(last_event_at, shipped_at)
    if since is None or not tracking_fresh(tracking_updated_at, now, policy):
        return None
    quiet = now - since
    if timedelta(days=policy.stuck_after_days) <= quiet <= HORIZON:
        return STUCK
    return None
