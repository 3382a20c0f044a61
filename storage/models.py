"""The shared order store: one schema that buyers, sellers and staff all work on.

Conventions:
* money columns are `Amount` (exact Decimal), times are `UTCDateTime`;
* enums are stored as their string values (readable in SQL, stable across renames of
  Python members);
* chat identities are `BigInteger` because Telegram ids exceed 32 bits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import Amount, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's declared class attribute
        datetime: UTCDateTime(),
        Decimal: Amount(),
        dict[str, Any]: JSON(),
    }


# --------------------------------------------------------------------------- shops


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Per-shop windows and rules (hours, amounts); missing keys fall back to the
    # defaults in bot.domain.policy so a shop only stores what it changed.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Chat ids told about new claims before sellers register through invites.
    seller_chat_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    # When an import, a tracking hook or a marketplace connector last brought this
    # shop's orders or tracking up to date: proactive delivery care acts only on fresh
    # data (a parcel with no news is not "stuck" when nobody has looked).
    tracking_updated_at: Mapped[datetime | None]

    orders: Mapped[list[Order]] = relationship(back_populates="shop")


class MarketplaceConnection(Base):
    """A shop's authorisation on a marketplace (TikTok Shop): the marketplace's shop id
    and cipher, and the tokens the bot calls its API with.  One per shop and
    marketplace.  `status`: pending (authorisation URL handed out, `auth_state` is
    its nonce), active, revoked (the seller deauthorised the app), expired."""

    __tablename__ = "marketplace_connections"
    __table_args__ = (
        UniqueConstraint("shop_id", "marketplace"),
        UniqueConstraint("marketplace", "external_shop_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    marketplace: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    auth_state: Mapped[str | None] = mapped_column(String(64), unique=True)
    external_shop_id: Mapped[str | None] = mapped_column(String(64))
    shop_cipher: Mapped[str | None] = mapped_column(String(256))
    access_token: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None]
    refresh_token: Mapped[str | None] = mapped_column(Text)
    refresh_expires_at: Mapped[datetime | None]
    # Orders and returns updated up to here are known (the next sync starts here).
    synced_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChatUser(Base):
    """A person as seen by one chat channel (Telegram user id and profile)."""

    __tablename__ = "chat_users"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), default="telegram")
    external_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str | None] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    # The language to write to them in: Telegram's `language_code` as it last came, or
    # the language they write in when the chat core can tell it and it differs from
    # Telegram's; once they chose one with /language (`language_chosen`), their choice,
    # which neither then overwrites.
    language: Mapped[str | None] = mapped_column(String(16))
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)  # blocked the bot
    # The person turned off messages the bot sends on its own (delivery care, rating
    # requests) with /settings; status and claim notices still reach them.
    proactive_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]


class Seller(Base):
    __tablename__ = "sellers"
    __table_args__ = (UniqueConstraint("shop_id", "chat_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    chat_user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]


class SellerInvite(Base):
    """A one-time deep link that makes whoever opens it a seller of a shop."""

    __tablename__ = "seller_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    nonce: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("chat_users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]


class OrderLink(Base):
    """Proof that a chat user owns an order: only linked users may see or act on it."""

    __tablename__ = "order_links"
    __table_args__ = (UniqueConstraint("chat_user_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # email | phone | contact | deeplink
    created_at: Mapped[datetime]


class OrderLinkUse(Base):
    """Who opened a signed order link: the link is bound to its first account(s).

    A link is (order, nonce); nonce 0 is the one link per order that tokens from before
    links expired all share."""

    __tablename__ = "order_link_uses"
    __table_args__ = (UniqueConstraint("order_id", "nonce", "chat_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    nonce: Mapped[int] = mapped_column(BigInteger)
    chat_user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"))
    used_at: Mapped[datetime]


class ProofAttempt(Base):
    """Every attempt to prove an order, kept for throttling guessers: per account, and
    per order number as typed (`order_key`, whether or not such an order exists)."""

    __tablename__ = "proof_attempts"
    __table_args__ = (
        Index("ix_proof_attempts_user_at", "chat_user_id", "at"),
        Index("ix_proof_attempts_order_at", "order_key", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_user_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
    order_key: Mapped[str | None] = mapped_column(String(64))


# -------------------------------------------------------------------------- orders


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "order_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_number: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    # Normalised (lower-case email, digits-only phone) so proofs compare exactly.
    buyer_email: Mapped[str | None] = mapped_column(String(254))
    buyer_phone: Mapped[str | None] = mapped_column(String(32))
    shipping_address: Mapped[str | None] = mapped_column(Text)
    # The delivery postcode, normalised (upper-case, no spaces): what a buyer of a
    # marketplace order proves it with, since the marketplace hides their contact.
    postal_code: Mapped[str | None] = mapped_column(String(16))
    # The marketplace masked buyer_email/buyer_phone (relay addresses, hidden digits):
    # they are shown to staff as given, never accepted as proof.
    contact_masked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the order lives: None for the shop's own (imported, pushed) orders,
    # "tiktok" for orders synced from TikTok Shop (the marketplace owns windows and money).
    marketplace: Mapped[str | None] = mapped_column(String(16))
    placed_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # Set by each import run; lets one run notice an order number it already wrote.
    import_run: Mapped[str | None] = mapped_column(String(36))

    shop: Mapped[Shop] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.line_no"
    )
    payment: Mapped[Payment | None] = relationship(
        back_populates="order", cascade="all, delete-orphan", uselist=False
    )
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="items")


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal]
    shipping_fee: Mapped[Decimal]
    discount: Mapped[Decimal]
    tax: Mapped[Decimal]
    total_paid: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="payment")


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("order_id", "tracking_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(64), index=True)
    delivery_option: Mapped[str] = mapped_column(String(16), default="Standard")
    estimated_delivery: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="TrackingEvent.at"
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "at", "tag", "message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    tag: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(300), default="")
    location: Mapped[str | None] = mapped_column(String(200))

    shipment: Mapped[Shipment] = relationship(back_populates="events")


# ---------------------------------------------------------------------- after-sales


class Claim(Base):
    """A return / refund / replacement request ("claim") on some lines of an order."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("marketplace", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # None for a claim the buyer filed on a marketplace and who has not linked the
    # order in the chat (the claim is still the seller's to decide).
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("chat_users.id"))
    type: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    buyer_note: Mapped[str | None] = mapped_column(Text)
    requested_amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    reused_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    # Deadlines (UTC); the deadline job scans these.
    respond_by: Mapped[datetime | None] = mapped_column(index=True)
    # While the seller waits for the buyer (NEEDS_INFO) the response clock stops; the
    # time that was left is kept here and given back when the buyer answers.
    respond_paused_seconds: Mapped[int | None] = mapped_column(Integer)
    ship_by: Mapped[datetime | None]
    receive_by: Mapped[datetime | None]
    appeal_by: Mapped[datetime | None]
    return_carrier: Mapped[str | None] = mapped_column(String(32))
    return_tracking_number: Mapped[str | None] = mapped_column(String(64))
    replacement_tracking_number: Mapped[str | None] = mapped_column(String(64))
    # Idempotency of "Confirm" presses: the draft's token, unique per claim.
    draft_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A claim filed on a marketplace: which one, its id there, its status there (as
    # last reported) and the seller's deadline there.  The marketplace owns windows
    # and money for these; our deadline job and refund rules leave them alone.
    marketplace: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64))
    external_status: Mapped[str | None] = mapped_column(String(64))
    external_deadline: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Optimistic lock: concurrent decisions on one claim cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own attribute

    items: Mapped[list[ClaimItem]] = relationship(
        back_populates="claim", cascade="all, delete-orphan"
    )
    photos: Mapped[list[ClaimPhoto]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimPhoto.id"
    )
    history: Mapped[list[ClaimEvent]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimEvent.id"
    )


class ClaimItem(Base):
    __tablename__ = "claim_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)

    claim: Mapped[Claim] = relationship(back_populates="items")


class ClaimPhoto(Base):
    __tablename__ = "claim_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_id: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str | None] = mapped_column(String(100))
    mime_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(300))
    reused: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[str] = mapped_column(String(16), default="buyer")
    created_at: Mapped[datetime]

    claim: Mapped[Claim] = relationship(back_populates="photos")


class ClaimEvent(Base):
    """Status history: who moved a claim, when, and why."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]

    claim: Mapped[Claim] = relationship(back_populates="history")


class ClaimPhotoView(Base):
    """A chat that was sent a claim's photos (a seller opening its card, or the new
    request's album): the card sends them once per chat, then on request only."""

    __tablename__ = "claim_photo_views"
    __table_args__ = (UniqueConstraint("claim_id", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    shown_at: Mapped[datetime]


class CancelRequest(Base):
    """A buyer's request to cancel an order that is already with the seller
    (AWAITING_SHIPMENT): the seller approves (full refund) or rejects; until then the
    buyer may withdraw it."""

    __tablename__ = "cancel_requests"
    __table_args__ = (UniqueConstraint("marketplace", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("chat_users.id"))  # as Claim
    status: Mapped[str] = mapped_column(String(16))  # requested | approved | rejected | withdrawn
    marketplace: Mapped[str | None] = mapped_column(String(16))  # as Claim
    external_id: Mapped[str | None] = mapped_column(String(64))
    external_deadline: Mapped[datetime | None]
    decided_by_kind: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own attribute


class Refund(Base):
    """The refund ledger.  Invariant (checked in the refund service's transaction):
    the sum of non-failed refunds of an order never exceeds what the buyer paid."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    issuer_kind: Mapped[str] = mapped_column(String(16))
    issuer_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    gateway_reference: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# -------------------------------------------------------------------------- support


class Ticket(Base):
    """A conversation handed to a person: one staff topic, relayed both ways, rated."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"))
    # Who asked for help: a buyer, or a seller asking the platform about a claim.
    buyer_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    # Where staff see it: the staff chat and (in a forum) the topic; in a plain group
    # the summary message is what staff reply to.
    staff_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    topic_id: Mapped[int | None] = mapped_column(BigInteger)
    summary_message_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # First-response deadline (business minutes from opening); None once staff replied.
    sla_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # Since when the requester waits for a staff reply; None when staff spoke last.
    waiting_since: Mapped[datetime | None]
    opened_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    __table_args__ = (
        # Every staff message finds its ticket by topic (forum) or by the message it
        # replies to (plain group): without these, a scan of every ticket ever opened.
        Index("ix_tickets_topic", "staff_chat_id", "topic_id"),
        Index("ix_tickets_summary", "staff_chat_id", "summary_message_id"),
    )


class TicketMessage(Base):
    """Everything said in a ticket, both ways plus internal notes: the transcript, and
    the map from relayed copies back to their ticket."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # buyer | staff | note | system
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str | None] = mapped_column(Text)
    # The relayed copy in the other chat (a staff reply to it finds this ticket).
    copy_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    copy_message_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime]

    __table_args__ = (Index("ix_ticket_messages_copy", "copy_chat_id", "copy_message_id"),)


class ChatLogEntry(Base):
    """The last words of a private conversation, so a person taking over sees what the
    buyer already said.  Pruned by age (see TicketService.prune_chat_log)."""

    __tablename__ = "chat_log"
    __table_args__ = (Index("ix_chat_log_conversation", "channel", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)


# ------------------------------------------------------------------ chat plumbing


class ConversationState(Base):
    """Where a person is in a flow, plus the draft they are filling in."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message decided inside a transaction and sent after it commits, with retries.
    `dedupe_key` makes "notify once" hold even if the deciding code runs twice."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), default="telegram")
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column()
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # A notification may take several Bot API calls (album + summary).  Parts are sent
    # in order and this many are finished (accepted, or refused for good), so a retry
    # resumes at the first unsent one instead of sending the album again.
    parts_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The part whose call got no answer (timeout, dropped connection) once already: it
    # may have arrived, so it is retried only once more.
    unsure_part: Mapped[int | None] = mapped_column(Integer)


class ReplyOutbox(Base):
    """The replies to one update, stored in the transaction that saved the conversation
    state and recorded the update as handled, and sent right after it commits.  The row
    is deleted once every part went out; what a crash or a long outage left behind is
    sent by the outbox worker.  Kept apart from `outbox` (notifications) because these
    rows live for milliseconds and are many."""

    __tablename__ = "reply_outbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        Index("ix_reply_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column()  # {"actions": [...]}, handlers/types.py
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    parts_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unsure_part: Mapped[int | None] = mapped_column(Integer)


class ProcessedUpdate(Base):
    """Update ids already handled, so a redelivered update is not acted on twice."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class InboxUpdate(Base):
    """An update exactly as Telegram sent it, stored before Telegram is told it arrived
    (the next getUpdates offset, or the webhook's HTTP 200).  One with no
    `processed_updates` row was received but not handled (a crash, a kill -9): the next
    start handles it.  The key makes a redelivered update a no-op; rows are pruned after
    a few days (see `bot.services.inbox`)."""

    __tablename__ = "inbox_updates"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payload: Mapped[str] = mapped_column(Text)  # the update's JSON (ASCII-escaped)
    received_at: Mapped[datetime] = mapped_column(index=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KeyValue(Base):
    """Small durable settings the bot creates itself (e.g. the demo's signing key)."""

    __tablename__ = "key_values"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class InboundEvent(Base):
    """An event a signed inbound hook already applied (an AfterShip event id, a
    marketplace's push), so a replay changes nothing.  Inserted in the transaction
    that applies the event: both commit, or neither does."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("source", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(index=True)


class OrderRating(Base):
    """How a buyer rated an order after delivery (1-5 stars), and what went wrong when
    they said.  One per order and buyer: rating again replaces the stars.  Products'
    ratings are the ratings of the orders they were in (`order_items`)."""

    __tablename__ = "order_ratings"
    __table_args__ = (
        UniqueConstraint("order_id", "buyer_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("chat_users.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
