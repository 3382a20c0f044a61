"""What the TikTok Shop emulator knows: its app, shops with ciphers, grants (tokens),
orders, returns, cancellations, images, the decisions sellers sent, and faults to
inject.  Plain data; the HTTP side (`server.py`) enforces TikTok's rules on it."""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

Json = dict[str, Any]

RETURN_PENDING = frozenset({"RETURN_OR_REFUND_REQUEST_PENDING", "REPLACEMENT_REQUEST_PENDING"})
CANCEL_PENDING = "CANCELLATION_REQUEST_PENDING"
REJECT_REASONS = (
    ("seller_reject_apply_product_has_been_packed", "The product has been packed"),
    ("seller_reject_apply_no_evidence", "The buyer gave no evidence"),
    ("seller_reject_apply_product_used", "The product has been used"),
)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class EmShop:
    id: str
    name: str
    cipher: str
    region: str = "US"
    orders: dict[str, Json] = field(default_factory=dict)
    returns: dict[str, Json] = field(default_factory=dict)
    cancellations: dict[str, Json] = field(default_factory=dict)
    # Order id -> its checkpoints as GET .../tracking answers them, oldest first.
    tracking: dict[str, list[Json]] = field(default_factory=dict)


@dataclass
class Grant:
    shop_id: str
    access_token: str
    access_expires: datetime
    refresh_token: str
    refresh_expires: datetime
    revoked: bool = False


@dataclass(frozen=True)
class Decision:
    """A seller's decision as TikTok received it."""

    kind: str  # approve_return, reject_return, approve_cancellation, reject_cancellation
    shop_id: str
    target_id: str
    body: Json


@dataclass
class Fault:
    status: int  # 429, 500, 503...; 0 = do not answer for `hang` seconds
    path: str | None  # only calls to this path; None = any
    hang: float = 0.0


@dataclass
class Faults:
    queue: list[Fault] = field(default_factory=list)

    def fail_next(self, status: int, *, count: int = 1, path: str | None = None) -> None:
        self.queue += [Fault(status, path) for _ in range(count)]

    def hang_next(self, seconds: float, *, count: int = 1, path: str | None = None) -> None:
        self.queue += [Fault(0, path, seconds) for _ in range(count)]

    def take(self, path: str) -> Fault | None:
        for i, fault in enumerate(self.queue):
            if fault.path is None or fault.path == path:
                return self.queue.pop(i)
        return None


@dataclass
class TikTokState:
    app_key: str
    app_secret: str
    now: Callable[[], datetime] = _now
    access_ttl: timedelta = timedelta(days=7)
    refresh_ttl: timedelta = timedelta(days=365)
    timestamp_window: timedelta = timedelta(minutes=5)
    shops: dict[str, EmShop] = field(default_factory=dict)
    codes: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # code → shop, issued
    grants: list[Grant] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    # (path, outcome) of every API call, outcome "ok" or the error code: what tests read.
    calls: list[tuple[str, int]] = field(default_factory=list)

    def add_shop(self, name: str = "Emulated Shop", shop_id: str | None = None) -> EmShop:
        shop_id = shop_id or str(7_000_000_000_000_000_000 + len(self.shops) + 1)
        shop = EmShop(id=shop_id, name=name, cipher="ROW_" + secrets.token_urlsafe(18))
        self.shops[shop_id] = shop
        return shop

    def authorize(self, shop_id: str) -> str:
        """The seller clicked Authorize: a one-time code, valid a few minutes."""
        code = "TTP_" + secrets.token_urlsafe(24)
        self.codes[code] = (shop_id, self.now())
        return code

    def issue(self, shop_id: str) -> Grant:
        now = self.now()
        grant = Grant(
            shop_id=shop_id,
            access_token="ROW_" + secrets.token_urlsafe(32),
            access_expires=now + self.access_ttl,
            refresh_token="ROW_" + secrets.token_urlsafe(32),
            refresh_expires=now + self.refresh_ttl,
        )
        self.grants.append(grant)
        return grant

    def grant_for_access(self, token: str) -> Grant | None:
        return next((g for g in self.grants if g.access_token == token), None)

    def grant_for_refresh(self, token: str) -> Grant | None:
        return next((g for g in self.grants if g.refresh_token == token), None)

    def revoke(self, shop_id: str) -> None:
        """The seller deauthorised the app: every token of the shop stops working."""
        for grant in self.grants:
            if grant.shop_id == shop_id:
                grant.revoked = True

    def expire_access(self, shop_id: str) -> None:
        for grant in self.grants:
            if grant.shop_id == shop_id:
                grant.access_expires = self.now() - timedelta(seconds=1)

    def stamp(self, obj: Json) -> Json:
        obj["update_time"] = int(self.now().timestamp())
        obj.setdefault("create_time", obj["update_time"])
        return obj

    def put_order(self, shop_id: str, order: Json) -> Json:
        self.shops[shop_id].orders[str(order["id"])] = self.stamp(order)
        return order

    def put_return(self, shop_id: str, ret: Json) -> Json:
        self.shops[shop_id].returns[str(ret["return_id"])] = self.stamp(ret)
        return ret

    def put_cancellation(self, shop_id: str, cancel: Json) -> Json:
        self.shops[shop_id].cancellations[str(cancel["cancel_id"])] = self.stamp(cancel)
        return cancel

    def add_checkpoint(self, shop_id: str, order_id: str, description: str) -> Json:
        """A carrier scan of the order's parcel (TikTok does not change the order's
        update time for one: a PACKAGE_UPDATE webhook is how apps hear of it)."""
        checkpoint = {
            "description": description,
            "update_time_millis": int(self.now().timestamp() * 1000),
        }
        self.shops[shop_id].tracking.setdefault(order_id, []).append(checkpoint)
        return checkpoint


def tiktok_order(
    order_id: str,
    *,
    status: str = "AWAITING_SHIPMENT",
    items: tuple[tuple[str, str, str, int], ...] = (("MUG-1", "Ceramic mug", "12.50", 2),),
    shipping_fee: str = "4.99",
    currency: str = "USD",
    buyer_name: str = "Jane Buyer",
    postal_code: str = "94105",
    tracking_number: str | None = None,
    carrier: str = "USPS",
    created: int = 1_768_000_000,
) -> Json:
    """An order in TikTok's 202309 shape (one line item per unit, masked contact)."""
    lines: list[Json] = []
    for sku, name, price, quantity in items:
        for _ in range(quantity):
            line: Json = {
                "id": f"{order_id}{len(lines) + 1:03d}",
                "sku_id": f"17{zlib.crc32(sku.encode()):016d}",
                "seller_sku": sku,
                "product_name": name,
                "sku_name": "",
                "sale_price": price,
                "original_price": price,
                "currency": currency,
                "display_status": status,
            }
            if tracking_number:
                line["tracking_number"] = tracking_number
                line["shipping_provider_name"] = carrier
            lines.append(line)
    subtotal = sum((Decimal(p) * q for _, _, p, q in items), Decimal(0))
    total = subtotal + Decimal(shipping_fee)
    order: Json = {
        "id": order_id,
        "status": status,
        "create_time": created,
        "paid_time": created + 60 if status != "UNPAID" else 0,
        "buyer_email": "v2_7xk3mq9p@scs.tiktokw.us",
        "recipient_address": {
            "name": buyer_name,
            "phone_number": "(+1)415*****21",
            "full_address": f"1 Market St, San Francisco, CA {postal_code}",
            "postal_code": postal_code,
            "region_code": "US",
        },
        "payment": {
            "currency": currency,
            "sub_total": str(subtotal),
            "shipping_fee": shipping_fee,
            "seller_discount": "0",
            "platform_discount": "0",
            "tax": "0",
            "total_amount": str(total),
        },
        "line_items": lines,
        "delivery_option_name": "Standard shipping",
        "shipping_provider": carrier if tracking_number else "",
        "tracking_number": tracking_number or "",
    }
    return order
