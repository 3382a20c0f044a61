"""Typed notification payloads: one frozen dataclass per kind of notification.

Services decide *that* someone is told and with which facts; the handlers layer
renders the words at send time, in the recipient's language.  Between the two the
facts used to be a string kind and an untyped dict, so a parameter a service forgot
was a `KeyError` in the renderer, at send time, for every row of that kind.  Now a
service builds e.g. `ClaimReminder(claim_id=…, …)`: a missing field is a type error
(mypy) where the notification is decided.

The outbox row stores `{"kind": KIND, "params": {...}}` (JSON) as before, with the
same parameter names, so rows queued before this module existed load back: a field
they lack takes its default, and a row that lacks a field with no default is
`Unreadable` (the worker marks it failed with a log line instead of retrying it).

Framework-free on purpose: services import these, and nothing here knows a catalog.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin, get_type_hints

Audience = Literal["person", "staff"]
ConnectionEvent = Literal["connected", "deauthorized", "expiring", "expired"]


class Unreadable(ValueError):
    """A stored payload that cannot become its notice (unknown kind, missing field)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """What every notification carries besides its facts.

    `shop_id`: the shop it is about, when the service knows it; a recipient who never
    chose a language reads it in that shop's default language."""

    KIND: ClassVar[str] = ""
    # Who reads it: one person (their own language) or the shared staff group.
    AUDIENCE: ClassVar[Audience] = "person"

    shop_id: int | None = None

    def to_payload(self) -> dict[str, Any]:
        """The outbox row's JSON: the kind and the fields, JSON-native."""
        params = {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {"kind": self.KIND, "params": params}


N = TypeVar("N", bound=Notice)
KINDS: dict[str, type[Notice]] = {}


def notice(cls: type[N]) -> type[N]:
    """Register a notice class under its KIND (one class per kind)."""
    if not cls.KIND or cls.KIND in KINDS:
        raise ValueError(f"notice kind {cls.KIND!r} missing or registered twice")
    KINDS[cls.KIND] = cls
    return cls


def from_payload(payload: dict[str, Any]) -> Notice:
    """The notice an outbox row stores.  Unknown parameters are ignored (a row from a
    newer version); a missing parameter with a default takes it; anything else is
    `Unreadable`."""
    kind = payload.get("kind")
    cls = KINDS.get(str(kind))
    if cls is None:
        raise Unreadable(f"unknown notification kind {kind!r}")
    params = payload.get("params") or {}
    if not isinstance(params, dict):
        raise Unreadable(f"{kind}: parameters are not an object")
    return _load_class(cls, params)


# ------------------------------------------------------------------ the kinds


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingNews:
    """The newest tracking event of an order (when its status did not change)."""

    tag: str
    at: datetime
    message: str = ""
    location: str | None = None


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class OrderChanged(Notice):
    """To a linked buyer: their order's status changed, or it has new tracking."""

    KIND: ClassVar[str] = "order_changed"
    order_id: int
    order_number: str
    status: str
    status_changed: bool = False
    event: TrackingNews | None = None
    # What to do next after a failed attempt, a parcel at a pickup point or a carrier
    # problem (shops with delivery care on), in this same message; see the end of file.
    advice: DeliveryAdvice | None = None


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimNew(Notice):
    """To sellers: a new claim, with its items, note and photos (stored file paths)."""

    KIND: ClassVar[str] = "claim_new"
    claim_id: int
    claim_number: str
    order_number: str
    type: str
    reason: str
    amount: Decimal
    currency: str
    items: tuple[tuple[str, int], ...] = ()
    note: str | None = None
    photos: tuple[str, ...] = ()
    reused: bool = False
    respond_by: datetime | None = None
    timezone: str = "UTC"
    marketplace: str | None = None
    marketplace_name: str | None = None


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimInfo(Notice):
    """To sellers: the buyer answered their question (words and/or photos)."""

    KIND: ClassVar[str] = "claim_info"
    claim_id: int
    claim_number: str
    text: str | None = None
    photos: tuple[str, ...] = ()


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimPhotosAdded(Notice):
    """To sellers: the buyer added photos to a request still waiting for them."""

    KIND: ClassVar[str] = "claim_photos_added"
    claim_id: int
    claim_number: str
    photos: tuple[str, ...] = ()


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimShipped(Notice):
    """To sellers: the buyer sent the item back."""

    KIND: ClassVar[str] = "claim_shipped"
    claim_id: int
    claim_number: str
    carrier: str
    tracking: str


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimWithdrawn(Notice):
    """To sellers: the buyer withdrew their claim."""

    KIND: ClassVar[str] = "claim_withdrawn"
    claim_id: int | None = None
    claim_number: str


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimUpdate(Notice):
    """To the buyer: the claim's latest transition (`note` is the history entry's
    stored note, see bot.domain.history)."""

    KIND: ClassVar[str] = "claim_update"
    claim_id: int
    claim_number: str
    status: str
    amount: Decimal
    currency: str
    refunded: Decimal | None = None
    note: str | None = None
    ship_by: datetime | None = None
    appeal_by: datetime | None = None
    timezone: str = "UTC"
    marketplace: str | None = None
    return_address: str | None = None


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class CancelRequested(Notice):
    """To sellers: a buyer asked to cancel (auto-approved: already cancelled)."""

    KIND: ClassVar[str] = "cancel_requested"
    request_id: int
    order_number: str
    auto_approved: bool = False
    refunded: Decimal | None = None
    currency: str | None = None
    marketplace: str | None = None
    marketplace_name: str | None = None
    deadline: datetime | None = None
    timezone: str = "UTC"


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class CancelWithdrawn(Notice):
    """To sellers: the buyer took back their cancellation request (ship as usual)."""

    KIND: ClassVar[str] = "cancel_withdrawn"
    order_number: str


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class CancelDecided(Notice):
    """To the buyer: the answer to their cancellation request."""

    KIND: ClassVar[str] = "cancel_decided"
    order_id: int
    order_number: str
    status: str
    refunded: Decimal = Decimal(0)
    currency: str = "USD"
    note: str | None = None
    order_status: str | None = None
    marketplace: str | None = None


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class GoodwillRefund(Notice):
    """To linked buyers: support refunded part of an order as a gesture."""

    KIND: ClassVar[str] = "goodwill_refund"
    order_id: int
    order_number: str
    amount: Decimal
    currency: str
    reason: str


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimReminder(Notice):
    """To sellers: a claim's answer deadline is near."""

    KIND: ClassVar[str] = "claim_reminder"
    claim_id: int
    claim_number: str
    hours: int
    deadline: datetime
    timezone: str = "UTC"


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimAppealDecided(Notice):
    """To sellers: support decided the buyer's appeal of their decision."""

    KIND: ClassVar[str] = "claim_appeal_decided"
    claim_id: int
    claim_number: str
    status: str
    refunded: Decimal | None = None
    currency: str


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class SellerRemoved(Notice):
    """To a former seller: they no longer serve this shop."""

    KIND: ClassVar[str] = "seller_removed"
    shop: str
    still_seller: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicTitle:
    """What a ticket's forum topic is named from (handlers.staff.views.topic_title)."""

    id: int
    name: str | None = None
    order: str | None = None
    closed: bool = False
    breached: bool = False


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class TicketSla(Notice):
    """To the staff group: a ticket's first-response target passed without a reply."""

    KIND: ClassVar[str] = "ticket_sla"
    AUDIENCE: ClassVar[Audience] = "staff"
    ticket_id: int
    thread_id: int | None = None
    summary_message_id: int | None = None
    title: TopicTitle
    waited_minutes: int
    assignee: str | None = None


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class TiktokConnection(Notice):
    """To sellers: their shop's TikTok Shop connection started, ends soon, ended."""

    KIND: ClassVar[str] = "tiktok_connection"
    event: ConnectionEvent
    shop: str
    code: str = ""
    timezone: str = "UTC"
    at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredReply(Notice):
    """Not a notification: the replies to one update, already rendered by the chat
    core (`reply_outbox`), handed to the same delivery function."""

    KIND: ClassVar[str] = "reply"
    actions: tuple[dict[str, Any], ...] = ()
    update_id: int


# --------------------------------------------------------------- (de)serialising


def _dump(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _load_class(cls: type[Any], params: dict[str, Any]) -> Any:
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in params:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise Unreadable(f"{cls.__name__}: no {f.name!r}")
            continue
        try:
            values[f.name] = _load(hints[f.name], params[f.name])
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise Unreadable(f"{cls.__name__}.{f.name}: {exc}") from None
    return cls(**values)


def _load(tp: Any, value: Any) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        (inner, *_) = [a for a in get_args(tp) if a is not type(None)]
        return _load(inner, value)
    if value is None:
        raise TypeError("is missing (null)")
    if tp is Decimal:
        return Decimal(str(value))
    if tp is datetime:
        return datetime.fromisoformat(str(value))
    if tp in (int, str, bool):
        if not isinstance(value, (int, str, bool, float)):
            raise TypeError(f"{value!r} is not a {tp.__name__}")
        return tp(value)
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{value!r} is not a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(args[0], v) for v in value)
        if len(args) != len(value):
            raise TypeError(f"{value!r} has not {len(args)} parts")
        return tuple(_load(a, v) for a, v in zip(args, value, strict=True))
    if origin is Literal:
        if value not in get_args(tp):
            raise ValueError(f"{value!r} is not one of {get_args(tp)}")
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise TypeError(f"{value!r} is not an object")
        return _load_class(tp, value)
    return value  # Any, dict[str, Any]: JSON as stored


# ------------------------------------------------------- delivery care (issue 17)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryAdvice:
    """What to do next about a tracking event (`bot.domain.delivery_care.ADVICE`):
    `kind` is "attempt_fail", "pickup" or "exception"; the carrier's name picks its
    own wording when the catalog has one, and its tracking page is linked."""

    kind: str
    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    location: str | None = None  # the event's place: where to pick the parcel up
    message: str = ""  # the carrier's own words about the event


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryCare(Notice):
    """To a linked buyer, unasked: a parcel is late (`concern` "late") or has had no
    tracking news for days ("stuck"), with what the bot knows and what they can do.
    `can_report`: a not-received claim was allowed when this was decided (the button
    starts the return flow, which checks again)."""

    KIND: ClassVar[str] = "delivery_care"
    concern: str
    order_id: int
    order_number: str
    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    estimated_delivery: datetime | None = None
    last_tag: str | None = None
    last_at: datetime | None = None
    last_location: str | None = None
    quiet_days: int = 0
    express: bool = False
    can_report: bool = False
    timezone: str = "UTC"


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class ExpressLate(Notice):
    """To the shop's sellers: an Express parcel is past its estimated delivery (the
    buyer paid for speed; the seller may want to chase the carrier)."""

    KIND: ClassVar[str] = "care_express_late"
    order_id: int
    order_number: str
    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    estimated_delivery: datetime | None = None
    last_tag: str | None = None
    last_at: datetime | None = None
    timezone: str = "UTC"


# ------------------------------------------------------- rating after delivery


@notice
@dataclass(frozen=True, slots=True, kw_only=True)
class RatingAsk(Notice):
    """To a linked buyer, some days after delivery: how was the order? (1-5 stars).
    Sent on the bot's own initiative: only when the shop turned ratings on and the
    buyer did not turn such messages off (`bot.services.order_ratings`)."""

    KIND: ClassVar[str] = "rating_ask"
    order_id: int
    order_number: str
    products: tuple[str, ...] = ()  # what was in it, so the buyer knows which order
