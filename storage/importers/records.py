"""Validated, storage-neutral order records.

Parsers (CSV, JSON) and the demo-data generator all produce these; one writer
(`storage.importers.writer`) upserts them, so every source obeys the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.domain.enums import DeliveryOption, OrderStatus, TrackingTag


@dataclass(frozen=True, slots=True)
class ItemRecord:
    sku: str
    product_name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class TrackingEventRecord:
    at: datetime
    tag: TrackingTag
    message: str = ""
    location: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    carrier: str
    tracking_number: str
    delivery_option: DeliveryOption = DeliveryOption.STANDARD
    estimated_delivery: datetime | None = None
    shipped_at: datetime | None = None
    events: tuple[TrackingEventRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderRecord:
    order_number: str
    status: OrderStatus
    placed_at: datetime
    currency: str
    subtotal: Decimal
    shipping_fee: Decimal
    discount: Decimal
    tax: Decimal
    total_paid: Decimal
    items: tuple[ItemRecord, ...]
    buyer_name: str | None = None
    buyer_email: str | None = None  # normalised: stripped, lower-case
    buyer_phone: str | None = None  # normalised: digits only, with country code
    shipping_address: str | None = None
    postal_code: str | None = None  # normalised: upper-case, no spaces (`postal_code`)
    # The marketplace masked the buyer's email/phone: never used as proof.
    contact_masked: bool = False
    marketplace: str | None = None  # None: the shop's own order; "tiktok": TikTok Shop's
    paid_at: datetime | None = None
    delivered_at: datetime | None = None
    shipments: tuple[ShipmentRecord, ...] = ()
    # Where it came from, for error messages: "line 12" / "record 3".
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file, precise enough to fix it."""

    where: str  # "line 12" or "record 3"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


def postal_code(raw: str) -> str:
    """A postcode as stored and compared: upper-case, without spaces or dashes
    ("sw1a 1aa" → "SW1A1AA", "94105-1234" → "941051234")."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())
