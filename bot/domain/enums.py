"""The order and after-sales vocabulary, following TikTok Shop's API (202309) names."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    UNPAID = "UNPAID"
    ON_HOLD = "ON_HOLD"  # paid; the buyer may still cancel without the seller
    PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    AWAITING_COLLECTION = "AWAITING_COLLECTION"
    IN_TRANSIT = "IN_TRANSIT"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"  # after-sales closed
    CANCELLED = "CANCELLED"


class DeliveryOption(StrEnum):
    STANDARD = "Standard"
    EXPRESS = "Express"


class TrackingTag(StrEnum):
    """AfterShip-style checkpoint tags."""

    PENDING = "Pending"
    INFO_RECEIVED = "InfoReceived"
    IN_TRANSIT = "InTransit"
    OUT_FOR_DELIVERY = "OutForDelivery"
    ATTEMPT_FAIL = "AttemptFail"
    DELIVERED = "Delivered"
    AVAILABLE_FOR_PICKUP = "AvailableForPickup"
    EXCEPTION = "Exception"
    EXPIRED = "Expired"


class ClaimType(StrEnum):
    REFUND = "REFUND"  # refund only, the buyer keeps the item
    RETURN_AND_REFUND = "RETURN_AND_REFUND"
    REPLACEMENT = "REPLACEMENT"


class ClaimReason(StrEnum):
    DAMAGED = "DAMAGED"
    DEFECTIVE = "DEFECTIVE"
    WRONG_ITEM = "WRONG_ITEM"
    MISSING_ITEM = "MISSING_ITEM"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    NO_LONGER_NEEDED = "NO_LONGER_NEEDED"
    NOT_RECEIVED = "NOT_RECEIVED"


class ClaimStatus(StrEnum):
    REQUESTED = "REQUESTED"
    NEEDS_INFO = "NEEDS_INFO"
    APPROVED = "APPROVED"
    AWAITING_BUYER_SHIPMENT = "AWAITING_BUYER_SHIPMENT"
    BUYER_SHIPPED = "BUYER_SHIPPED"
    RECEIVED = "RECEIVED"
    REFUNDED = "REFUNDED"
    REPLACED = "REPLACED"
    REJECTED = "REJECTED"
    APPEALED = "APPEALED"
    CANCELLED = "CANCELLED"
    CLOSED = "CLOSED"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EscalationReason(StrEnum):
    """Why a conversation went to a person."""

    REQUESTED = "requested"  # "Talk to a person" or /human
    ANSWER_FAILED = "answer_failed"  # the answer engine missed twice in a row
    APPEAL = "appeal"  # a buyer appeals a rejected claim
    SELLER_HELP = "seller_help"  # a seller asks the platform about a claim
    LOW_RATING = "low_rating"  # a 1-3 star rating after delivery (shop setting)


class ActorKind(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    STAFF = "staff"
    SYSTEM = "system"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries; kept for inspection
