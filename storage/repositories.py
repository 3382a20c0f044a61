"""Repositories: queries and additions on one session.  They never commit; the unit of
work that owns the session does (see storage.uow)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    String,
    Text,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from bot.domain.enums import ClaimStatus, OrderStatus, OutboxStatus, RefundStatus, TicketStatus
from storage.models import (
    AuditEntry,
    CancelRequest,
    ChatLogEntry,
    ChatUser,
    Claim,
    ClaimItem,
    ClaimPhoto,
    ClaimPhotoView,
    ConversationState,
    InboundEvent,
    KeyValue,
    MarketplaceConnection,
    Order,
    OrderLink,
    OrderLinkUse,
    OutboxMessage,
    Payment,
    ProcessedUpdate,
    ProofAttempt,
    Refund,
    ReplyOutbox,
    Seller,
    SellerInvite,
    Shipment,
    Shop,
    Ticket,
    TicketMessage,
)


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, obj: Any) -> None:
        self.session.add(obj)


# How stale `Shop.tracking_updated_at` may get before a write refreshes it.
FRESHNESS_STEP = timedelta(minutes=1)


class ShopRepository(_Repository):
    async def settings_of(self, shop_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The settings of these shops, by id."""
        ids = set(shop_ids)
        if not ids:
            return {}
        rows = await self.session.execute(select(Shop.id, Shop.settings).where(Shop.id.in_(ids)))
        return {int(shop_id): dict(values or {}) for shop_id, values in rows}

    async def settings_by_code(self, code: str) -> dict[str, Any]:
        """The settings of the shop with this code (empty when there is none)."""
        values = await self.session.scalar(select(Shop.settings).where(Shop.code == code))
        return dict(values or {})

    async def get(self, shop_id: int) -> Shop | None:
        return await self.session.get(Shop, shop_id)

    async def get_by_code(self, code: str) -> Shop | None:
        return await self.session.scalar(select(Shop).where(Shop.code == code))

    async def all(self) -> Sequence[Shop]:
        return (await self.session.scalars(select(Shop).order_by(Shop.id))).all()

    async def is_seller(self, chat_user_id: int, shop_id: int) -> bool:
        found = await self.session.scalar(
            select(Seller.id).where(Seller.chat_user_id == chat_user_id, Seller.shop_id == shop_id)
        )
        return found is not None

    async def seller_chat_ids(self, shop: Shop) -> list[int]:
        """Who hears about the shop's claims and connections: registered sellers' chats,
        plus the chat ids on the shop record (how a shop is set up before its sellers
        register)."""
        chat_ids = {int(c) for c in shop.seller_chat_ids or []}
        chat_ids.update(
            await self.session.scalars(
                select(ChatUser.external_id)
                .join(Seller, Seller.chat_user_id == ChatUser.id)
                .where(Seller.shop_id == shop.id)
            )
        )
        return sorted(chat_ids)

    async def mark_tracking_updated(self, shop_id: int, now: datetime) -> None:
        """The shop's orders and tracking were just brought up to date (an import, a
        tracking hook, a marketplace sync): delivery care trusts silence on a parcel
        only while this is recent.  Never moved backwards (two writers at once).

        Written at most once a minute (`FRESHNESS_STEP`): freshness is measured in hours,
        and an UPDATE that matches the row holds its lock until commit, so every hook
        of a busy shop writing it would queue each transaction behind the last one's.
        An UPDATE whose condition is false on the row takes no lock."""
        await self.session.execute(
            update(Shop)
            .where(
                Shop.id == shop_id,
                or_(
                    Shop.tracking_updated_at.is_(None),
                    Shop.tracking_updated_at < now - FRESHNESS_STEP,
                ),
            )
            .values(tracking_updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def seller_user_ids(self, shop_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(Seller.chat_user_id).where(Seller.shop_id == shop_id)
        )
        return list(rows)

    async def sold_by(self, chat_user_id: int) -> Sequence[Shop]:
        """The shops this chat user sells for, by name: what a seller's /stats,
        /insights and shop pickers list."""
        rows = await self.session.scalars(
            select(Shop)
            .join(Seller, Seller.shop_id == Shop.id)
            .where(Seller.chat_user_id == chat_user_id)
            .order_by(Shop.name, Shop.id)
        )
        return rows.all()

    async def seller_shop_ids(self, chat_user_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(Seller.shop_id).where(Seller.chat_user_id == chat_user_id)
        )
        return list(rows)

    async def marketplaces_of(self, shop_ids: Sequence[int]) -> dict[int, str]:
        """The marketplace each of these shops is connected to (or was: a revoked
        connection's orders and returns are still the marketplace's); an authorisation
        only started (pending) does not count."""
        if not shop_ids:
            return {}
        rows = await self.session.execute(
            select(MarketplaceConnection.shop_id, MarketplaceConnection.marketplace).where(
                MarketplaceConnection.shop_id.in_(shop_ids),
                MarketplaceConnection.status != "pending",
            )
        )
        return {shop_id: marketplace for shop_id, marketplace in rows.all()}

    async def invite_nonce_taken(self, nonce: int) -> bool:
        found = await self.session.scalar(
            select(SellerInvite.id).where(SellerInvite.nonce == nonce)
        )
        return found is not None

    async def invite(self, shop_id: int, nonce: int) -> SellerInvite | None:
        """A seller invite, locked: two people opening one link at once wait in turn."""
        return await self.session.scalar(
            select(SellerInvite)
            .where(SellerInvite.nonce == nonce, SellerInvite.shop_id == shop_id)
            .with_for_update()
        )

    async def sellers_since(self, shop_id: int) -> list[tuple[ChatUser, datetime]]:
        """The shop's sellers and when each joined, first joined first."""
        rows = await self.session.execute(
            select(ChatUser, Seller.created_at)
            .join(Seller, Seller.chat_user_id == ChatUser.id)
            .where(Seller.shop_id == shop_id)
            .order_by(Seller.created_at)
        )
        return [(user, since) for user, since in rows.all()]

    async def seller_by_external(self, shop_id: int, external_id: int) -> Seller | None:
        return await self.session.scalar(
            select(Seller)
            .join(ChatUser, ChatUser.id == Seller.chat_user_id)
            .where(Seller.shop_id == shop_id, ChatUser.external_id == external_id)
        )


class ChatUserRepository(_Repository):
    async def set_proactive_off(self, user_id: int, off: bool) -> None:
        """The person's /settings choice: no messages the bot sends on its own (delivery
        care, rating requests) while off; both jobs read the column."""
        await self.session.execute(
            update(ChatUser).where(ChatUser.id == user_id).values(proactive_off=off)
        )

    async def proactive_off(self, user_id: int) -> bool:
        value = await self.session.scalar(
            select(ChatUser.proactive_off).where(ChatUser.id == user_id)
        )
        return bool(value)

    async def languages(self, external_ids: Iterable[int]) -> dict[int, tuple[str, bool]]:
        """Each known person's stored language and whether they chose it (/language);
        people without one are left out."""
        ids = set(external_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(ChatUser.external_id, ChatUser.language, ChatUser.language_chosen).where(
                ChatUser.external_id.in_(ids), ChatUser.language.is_not(None)
            )
        )
        return {int(chat): (str(language), bool(chosen)) for chat, language, chosen in rows}

    async def get(self, user_id: int | None) -> ChatUser | None:
        """The user, or None (also for no id: a marketplace claim's buyer may not
        have linked the order in the chat)."""
        return await self.session.get(ChatUser, user_id) if user_id is not None else None

    async def get_by_external(self, channel: str, external_id: int) -> ChatUser | None:
        return await self.session.scalar(
            select(ChatUser).where(ChatUser.channel == channel, ChatUser.external_id == external_id)
        )


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One order as the orders list shows it."""

    id: int
    order_number: str
    status: str
    total_paid: Decimal
    currency: str


def _order_loads() -> tuple[Any, ...]:
    return (
        selectinload(Order.items),
        selectinload(Order.payment),
        selectinload(Order.shipments).selectinload(Shipment.events),
        selectinload(Order.shop),
    )


# An order number read as digits alone is looked for written in groups too only from
# this many digits on (shorter ones are too often another order's digits).
GROUPED_MIN = 8


class OrderRepository(_Repository):
    async def get(self, order_id: int, *, full: bool = True) -> Order | None:
        options = _order_loads() if full else ()
        return await self.session.get(Order, order_id, options=options)

    async def get_by_number(self, shop_id: int, order_number: str) -> Order | None:
        return await self.session.scalar(
            select(Order)
            .where(Order.shop_id == shop_id, Order.order_number == order_number)
            .options(*_order_loads())
        )

    async def find_by_number(self, order_number: str) -> Sequence[Order]:
        """Orders with this number in any shop (numbers are unique per shop only).  A
        number read from a buyer's message comes as digits alone ("114-3941689-8772232"
        typed in a sentence is read as 11439416898772232): when nothing has it as it
        is, an order whose number is those digits in groups is it (searched only then:
        the comparison reads every order number)."""
        found = (
            await self.session.scalars(
                select(Order).where(Order.order_number == order_number).options(*_order_loads())
            )
        ).all()
        if found or not order_number.isdigit() or len(order_number) < GROUPED_MIN:
            return found
        plain = func.replace(func.replace(Order.order_number, "-", ""), " ", "")
        return (
            await self.session.scalars(
                select(Order).where(plain == order_number).options(*_order_loads())
            )
        ).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Order)) or 0)

    async def lock(self, order_id: int) -> None:
        """Hold the order's row until the transaction ends (PostgreSQL; SQLite's write
        transaction already serialises): two chats acting on one order wait in turn."""
        await self.session.execute(select(Order.id).where(Order.id == order_id).with_for_update())

    async def any_contact_masked(self) -> bool:
        """Whether some order is proved by its postcode (a marketplace masked its contact)."""
        found = await self.session.scalar(
            select(Order.id).where(Order.contact_masked.is_(True)).limit(1)
        )
        return found is not None

    async def first_linked_buyer(self, order_id: int) -> int | None:
        """The chat user who linked the order first (None: nobody did)."""
        return await self.session.scalar(
            select(OrderLink.chat_user_id)
            .join(ChatUser, ChatUser.id == OrderLink.chat_user_id)
            .where(OrderLink.order_id == order_id)
            .order_by(OrderLink.created_at, OrderLink.id)
            .limit(1)
        )

    async def link_openers(self, order_id: int, nonce: int) -> set[int]:
        """The chat users who opened the order's link with this nonce."""
        return set(
            await self.session.scalars(
                select(OrderLinkUse.chat_user_id).where(
                    OrderLinkUse.order_id == order_id, OrderLinkUse.nonce == nonce
                )
            )
        )

    async def failed_proofs_since(self, user_id: int, since: datetime) -> int:
        """How many of the chat user's proofs failed after `since`."""
        failed = await self.session.scalar(
            select(func.count()).where(
                ProofAttempt.chat_user_id == user_id,
                ProofAttempt.succeeded.is_(False),
                ProofAttempt.at > since,
            )
        )
        return int(failed or 0)

    async def nth_latest_failed_proof(
        self, since: datetime, n: int, *, user_id: int | None = None, order_key: str | None = None
    ) -> datetime | None:
        """When the `n`-th latest failed proof after `since` was made, of a chat user or
        of an order number as typed (None: fewer than `n`)."""
        scope = (
            ProofAttempt.chat_user_id == user_id
            if order_key is None
            else ProofAttempt.order_key == order_key
        )
        return await self.session.scalar(
            select(ProofAttempt.at)
            .where(scope, ProofAttempt.succeeded.is_(False), ProofAttempt.at > since)
            .order_by(ProofAttempt.at.desc())
            .offset(n - 1)
            .limit(1)
        )

    async def linked_to(self, chat_user_id: int) -> Sequence[Order]:
        return (
            await self.session.scalars(
                select(Order)
                .join(OrderLink, OrderLink.order_id == Order.id)
                .where(OrderLink.chat_user_id == chat_user_id)
                .order_by(Order.placed_at.desc(), Order.id.desc())
                .options(*_order_loads())
            )
        ).all()

    async def get_linked(self, chat_user_id: int, order_id: int) -> Order | None:
        """The order with all a card shows, if this chat user proved it; one statement.

        Shop and payment are one row each, and the items and the tracking events are
        few (a handful of lines, a parcel's dozen checkpoints), so everything comes back
        joined in one round trip rather than one query per relationship."""
        found = await self.session.scalars(
            _linked_order(), {"order_id": order_id, "chat_user_id": chat_user_id}
        )
        return found.unique().one_or_none()

    async def lines_linked_to(self, chat_user_id: int) -> Sequence[OrderLine]:
        """What the orders list shows of each order this chat user proved, newest
        first, in one statement: no items, parcels or policies are loaded for it."""
        rows = await self.session.execute(_order_lines(), {"chat_user_id": chat_user_id})
        return [
            OrderLine(id, number, status, total if total is not None else Decimal(0), currency)
            for id, number, status, total, currency in rows
        ]

    async def is_linked(self, chat_user_id: int, order_id: int) -> bool:
        found = await self.session.scalar(
            select(OrderLink.id).where(
                OrderLink.chat_user_id == chat_user_id, OrderLink.order_id == order_id
            )
        )
        return found is not None

    async def shop_codes_linked_to(self, chat_user_id: int) -> list[str]:
        """The codes of the shops whose orders this chat user proved."""
        rows = await self.session.scalars(
            select(Shop.code)
            .join(Order, Order.shop_id == Shop.id)
            .join(OrderLink, OrderLink.order_id == Order.id)
            .where(OrderLink.chat_user_id == chat_user_id)
            .distinct()
        )
        return list(rows)

    async def shipments_tracked(self, shop_id: int, wanted: str) -> Sequence[Shipment]:
        """The shop's shipments with this tracking number (normalised: upper case, no
        spaces; several orders may share a parcel), with their orders and every shipment
        of those orders loaded."""
        base = (
            select(Shipment)
            .join(Order, Order.id == Shipment.order_id)
            .where(Order.shop_id == shop_id)
            .options(
                selectinload(Shipment.order)
                .selectinload(Order.shipments)
                .selectinload(Shipment.events)
            )
        )
        exact = (await self.session.scalars(base.where(Shipment.tracking_number == wanted))).all()
        if exact:
            return exact
        # Stored as the shop typed it: compare without spaces and case (no index: rare).
        stored = func.upper(func.replace(Shipment.tracking_number, " ", ""))
        return (await self.session.scalars(base.where(stored == wanted))).all()

    async def linked_chat_ids(self, order_id: int) -> list[int]:
        """External chat ids of everyone who proved this order (for notifications)."""
        rows = await self.session.scalars(
            select(ChatUser.external_id)
            .join(OrderLink, OrderLink.chat_user_id == ChatUser.id)
            .where(OrderLink.order_id == order_id, ChatUser.unreachable.is_(False))
            .order_by(ChatUser.id)
        )
        return list(rows)

    async def any_linked(self, chat_user_id: int) -> bool:
        """Whether the chat user has linked any order."""
        found = await self.session.scalar(
            select(OrderLink.id).where(OrderLink.chat_user_id == chat_user_id).limit(1)
        )
        return found is not None

    async def in_shops(self, number: str, shop_ids: Sequence[int]) -> bool:
        """Whether order `number` is an order of one of these shops."""
        found = await self.session.scalar(
            select(Order.id)
            .where(Order.order_number == number, Order.shop_id.in_(shop_ids))
            .limit(1)
        )
        return found is not None


class ClaimRepository(_Repository):
    async def get(self, claim_id: int, *, for_update: bool = False) -> Claim | None:
        """The claim with its items, photos and history.  `for_update` locks the row
        until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's IMMEDIATE write
        transaction already serialises writers), so two people deciding at once are
        served one after the other and the second sees the first one's decision."""
        return await self.session.get(
            Claim,
            claim_id,
            options=(
                selectinload(Claim.items),
                selectinload(Claim.photos),
                selectinload(Claim.history),
            ),
            with_for_update=for_update,
            populate_existing=for_update,
        )

    async def open_with_deadlines(self, statuses: Sequence[str]) -> Sequence[Any]:
        """The bot's own claims (not a marketplace's, which owns its windows) in these
        statuses, with their deadlines and shop: what the deadline job checks."""
        rows = await self.session.execute(
            select(
                Claim.id,
                Claim.status,
                Claim.type,
                Claim.requested_amount,
                Claim.respond_by,
                Claim.ship_by,
                Claim.receive_by,
                Claim.appeal_by,
                Order.shop_id,
            )
            .join(Order, Order.id == Claim.order_id)
            .where(Claim.marketplace.is_(None), Claim.status.in_(list(statuses)))
            .order_by(Claim.id)
        )
        return rows.all()

    async def for_order(self, order_id: int) -> Sequence[Claim]:
        return (
            await self.session.scalars(
                select(Claim)
                .where(Claim.order_id == order_id)
                .options(selectinload(Claim.items))
                .order_by(Claim.id)
            )
        ).all()

    async def by_external(self, marketplace: str, external_id: str) -> Claim | None:
        """A marketplace's return by its id there, with its items, photos and history,
        locked for the caller."""
        return await self.session.scalar(
            select(Claim)
            .where(Claim.marketplace == marketplace, Claim.external_id == external_id)
            .options(
                selectinload(Claim.items), selectinload(Claim.photos), selectinload(Claim.history)
            )
            .with_for_update()
        )

    async def external_photo_ids(self, marketplace: str, external_id: str) -> set[str]:
        """The photos already kept for a marketplace's return (by their stable ids)."""
        return set(
            await self.session.scalars(
                select(ClaimPhoto.file_unique_id)
                .join(Claim, Claim.id == ClaimPhoto.claim_id)
                .where(Claim.marketplace == marketplace, Claim.external_id == external_id)
            )
        )

    async def with_photos_and_history(self, claim_id: int) -> Claim | None:
        return await self.session.scalar(
            select(Claim)
            .where(Claim.id == claim_id)
            .options(selectinload(Claim.photos), selectinload(Claim.history))
        )

    async def open_in_shops(
        self, shop_ids: Sequence[int], statuses: Iterable[str]
    ) -> list[tuple[Claim, Order]]:
        """The shops' claims in these statuses, each with its order (and the order's shop)."""
        rows = await self.session.execute(
            select(Claim, Order)
            .join(Order, Order.id == Claim.order_id)
            .where(Order.shop_id.in_(shop_ids), Claim.status.in_(list(statuses)))
            .options(selectinload(Order.shop))
        )
        return [(claim, order) for claim, order in rows.all()]

    async def id_in_shops(self, number: str, shop_ids: Sequence[int]) -> int | None:
        """The id of claim `number` if it belongs to one of these shops."""
        return await self.session.scalar(
            select(Claim.id)
            .join(Order, Order.id == Claim.order_id)
            .where(Claim.claim_number == number, Order.shop_id.in_(shop_ids))
        )

    async def photos_shown(self, claim_id: int, chat_id: int) -> bool:
        """Whether the claim's photos were shown in this chat with its card."""
        seen = await self.session.scalar(
            select(ClaimPhotoView.id).where(
                ClaimPhotoView.claim_id == claim_id, ClaimPhotoView.chat_id == chat_id
            )
        )
        return seen is not None

    async def id_by_draft(self, token: str) -> int | None:
        """The claim a return draft was filed as (None: not filed yet)."""
        return await self.session.scalar(select(Claim.id).where(Claim.draft_token == token))

    async def number_taken(self, number: str) -> bool:
        found = await self.session.scalar(select(Claim.id).where(Claim.claim_number == number))
        return found is not None

    async def ids_of_buyer(self, buyer_id: int) -> list[int]:
        """The buyer's claims, newest first."""
        return list(
            await self.session.scalars(
                select(Claim.id)
                .where(Claim.buyer_id == buyer_id)
                .order_by(Claim.created_at.desc(), Claim.id.desc())
            )
        )

    async def asked_of_buyer(self, buyer_id: int) -> list[tuple[int, str, datetime]]:
        """(id, claim number, when it last moved) of the buyer's requests whose seller
        waits for the buyer's answer to a question, oldest first; one statement (it is
        asked of every message a buyer types outside a flow)."""
        rows = await self.session.execute(
            select(Claim.id, Claim.claim_number, Claim.updated_at)
            .where(
                Claim.buyer_id == buyer_id,
                Claim.status == ClaimStatus.NEEDS_INFO.value,
                Claim.marketplace.is_(None),
            )
            .order_by(Claim.created_at, Claim.id)
        )
        return [(int(id), str(number), at) for id, number, at in rows.all()]

    async def recent_of_buyer(
        self, buyer_id: int, limit: int, leave_out: int | None = None
    ) -> list[tuple[str, str, str]]:
        """The buyer's newest claims as (claim number, status, order number), without
        `leave_out` (a claim shown in full elsewhere)."""
        query = (
            select(Claim.claim_number, Claim.status, Order.order_number)
            .join(Order, Order.id == Claim.order_id)
            .where(Claim.buyer_id == buyer_id)
            .order_by(Claim.created_at.desc(), Claim.id.desc())
            .limit(limit)
        )
        if leave_out is not None:
            query = query.where(Claim.id != leave_out)
        rows = await self.session.execute(query)
        return [(str(number), str(status), str(order)) for number, status, order in rows.all()]

    async def record_of_buyer(self, buyer_id: int, shop_id: int, leave_out: int) -> list[str]:
        """The statuses of the buyer's other requests on the shop's orders (the seller
        weighs a request by the buyer's record there), oldest first."""
        rows = await self.session.scalars(
            select(Claim.status)
            .join(Order, Order.id == Claim.order_id)
            .where(Claim.buyer_id == buyer_id, Order.shop_id == shop_id, Claim.id != leave_out)
            .order_by(Claim.created_at, Claim.id)
        )
        return [str(status) for status in rows.all()]

    async def held_units(self, order_id: int, released: Iterable[str]) -> dict[int, int]:
        """Units per order item held by the order's claims whose status is not one of
        `released`."""
        rows = await self.session.execute(
            select(ClaimItem.order_item_id, func.sum(ClaimItem.quantity))
            .join(Claim, Claim.id == ClaimItem.claim_id)
            .where(Claim.order_id == order_id, Claim.status.not_in(list(released)))
            .group_by(ClaimItem.order_item_id)
        )
        return {int(item): int(qty) for item, qty in rows.all()}

    async def photos_used_elsewhere(
        self, hashes: Iterable[str], buyer_id: int, order_id: int
    ) -> set[str]:
        """Which of these photos (by SHA-256) are evidence on a claim of another buyer
        or of another order."""
        return set(
            await self.session.scalars(
                select(ClaimPhoto.sha256)
                .join(Claim, Claim.id == ClaimPhoto.claim_id)
                .where(
                    ClaimPhoto.sha256.in_(list(hashes)),
                    (Claim.buyer_id != buyer_id) | (Claim.order_id != order_id),
                )
            )
        )


@dataclass(frozen=True, slots=True)
class WaitingCancel:
    """A cancellation request waiting for the seller, with what its card shows."""

    request: CancelRequest
    shop_id: int
    order_number: str
    timezone: str


class CancelRequestRepository(_Repository):
    async def get(self, request_id: int, *, for_update: bool = False) -> CancelRequest | None:
        return await self.session.get(CancelRequest, request_id, with_for_update=for_update)

    async def waiting_among(self, order_ids: Sequence[int]) -> set[int]:
        """Which of these orders have a buyer's cancellation request waiting."""
        if not order_ids:
            return set()
        found = await self.session.scalars(
            select(CancelRequest.order_id).where(
                CancelRequest.order_id.in_(order_ids), CancelRequest.status == "requested"
            )
        )
        return set(found)

    async def waiting_request(self, order_id: int) -> CancelRequest | None:
        """The buyer's cancellation request for the order that waits for the seller."""
        return await self.session.scalar(
            select(CancelRequest)
            .where(CancelRequest.order_id == order_id, CancelRequest.status == "requested")
            .order_by(CancelRequest.id)
            .limit(1)
        )

    async def waiting_for(self, order_id: int) -> bool:
        """Whether a buyer's cancellation request for the order waits for the seller."""
        found = await self.session.scalar(
            select(CancelRequest.id)
            .where(CancelRequest.order_id == order_id, CancelRequest.status == "requested")
            .limit(1)
        )
        return found is not None

    async def waiting_in(
        self, shop_ids: Sequence[int], limit: int, order_number: str | None = None
    ) -> list[WaitingCancel]:
        """The requests waiting for a seller of these shops (for one order, when given),
        oldest first."""
        if not shop_ids:
            return []
        query = (
            select(CancelRequest, Order.shop_id, Order.order_number, Shop.timezone)
            .join(Order, Order.id == CancelRequest.order_id)
            .join(Shop, Shop.id == Order.shop_id)
            .where(Order.shop_id.in_(shop_ids), CancelRequest.status == "requested")
        )
        if order_number is not None:
            query = query.where(Order.order_number == order_number)
        rows = await self.session.execute(
            query.order_by(CancelRequest.created_at, CancelRequest.id).limit(limit)
        )
        return [
            WaitingCancel(request, shop_id, number, zone or "UTC")
            for request, shop_id, number, zone in rows
        ]

    async def by_external(self, marketplace: str, external_id: str) -> CancelRequest | None:
        """A marketplace's cancellation request by its id there, locked for the caller."""
        return await self.session.scalar(
            select(CancelRequest)
            .where(
                CancelRequest.marketplace == marketplace, CancelRequest.external_id == external_id
            )
            .with_for_update()
        )


class RefundRepository(_Repository):
    async def for_order(self, order_id: int) -> Sequence[Refund]:
        return (
            await self.session.scalars(
                select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)
            )
        ).all()

    async def by_idempotency_key(self, key: str) -> Refund | None:
        return await self.session.scalar(select(Refund).where(Refund.idempotency_key == key))

    async def lock_payment(self, order_id: int) -> Payment | None:
        """The order's payment row, locked until the transaction ends (PostgreSQL
        `FOR UPDATE`) so concurrent refunds of one order run one after another.  SQLite
        ignores the clause: its IMMEDIATE write transaction already serialises writers.
        `populate_existing` refreshes a copy already in the session with what the lock
        returned."""
        return await self.session.scalar(
            select(Payment)
            .where(Payment.order_id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def payment_of(self, order_id: int) -> Payment | None:
        """The order's payment row, read without a lock."""
        return await self.session.scalar(select(Payment).where(Payment.order_id == order_id))

    async def claim_total(self, claim_id: int) -> Decimal:
        """What the ledger refunds on one claim (failed refunds do not count)."""
        return sum((refund.amount for refund in await self.of_claim(claim_id)), Decimal(0))

    async def refunded_total(self, order_id: int) -> Decimal:
        """Sum of the order's refunds that are not failed (pending ones count: their
        money may already be on its way)."""
        # SUM over an Amount column comes back as Decimal (None when no rows).
        total = await self.session.scalar(
            select(func.sum(Refund.amount)).where(
                Refund.order_id == order_id, Refund.status != RefundStatus.FAILED
            )
        )
        return total if total is not None else Decimal(0)

    async def latest_like(
        self, order_id: int, amount: Decimal, *, key_prefix: str, since: datetime
    ) -> Refund | None:
        """The newest non-failed refund of exactly `amount` on the order whose
        idempotency key starts with `key_prefix`, recorded at `since` or later: what a
        person about to pay the same again should be reminded of."""
        return await self.session.scalar(
            select(Refund)
            .where(
                Refund.order_id == order_id,
                Refund.amount == amount,
                Refund.status != RefundStatus.FAILED,
                Refund.idempotency_key.startswith(key_prefix, autoescape=True),
                Refund.created_at >= since,
            )
            .order_by(Refund.id.desc())
            .limit(1)
        )

    async def due(self, now: datetime, limit: int) -> Sequence[Refund]:
        """Pending refunds whose next attempt is due (no time set counts as due: rows
        written without a schedule must not be stranded), locked for the caller's claim;
        on PostgreSQL those another worker is claiming are skipped, not waited for."""
        return (
            await self.session.scalars(
                select(Refund)
                .where(
                    Refund.status == RefundStatus.PENDING,
                    or_(Refund.next_attempt_at.is_(None), Refund.next_attempt_at <= now),
                )
                .order_by(Refund.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()

    async def order_and_shop(self, refund_id: int) -> tuple[str, str]:
        """(order number, shop code) of a refund: what the shop's gateway knows it by."""
        row = (
            await self.session.execute(
                select(Order.order_number, Shop.code)
                .join(Refund, Refund.order_id == Order.id)
                .join(Shop, Shop.id == Order.shop_id)
                .where(Refund.id == refund_id)
            )
        ).one()
        return row[0], row[1]

    async def of_claim(self, claim_id: int) -> Sequence[Refund]:
        """The claim's refunds that were not refused, oldest first."""
        return (
            await self.session.scalars(
                select(Refund)
                .where(Refund.claim_id == claim_id, Refund.status != RefundStatus.FAILED)
                .order_by(Refund.id)
            )
        ).all()


class TicketRepository(_Repository):
    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def closed_about_appealed_claims(self) -> list[Ticket]:
        """Closed tickets of a claim's buyer about that claim while it waits for an
        appeal's verdict, oldest first (the caller keeps the one holding the appeal)."""
        rows = await self.session.scalars(
            select(Ticket)
            .join(Claim, Claim.id == Ticket.claim_id)
            .where(
                Ticket.status == TicketStatus.CLOSED,
                Claim.status == ClaimStatus.APPEALED,
                Ticket.buyer_id == Claim.buyer_id,
            )
            .order_by(Ticket.opened_at)
        )
        return list(rows)

    async def last_exchanged(self, ticket_id: int, limit: int) -> list[TicketMessage]:
        """The ticket's last `limit` messages between the requester and staff (no notes
        or events), oldest first."""
        rows = await self.session.scalars(
            select(TicketMessage)
            .where(
                TicketMessage.ticket_id == ticket_id,
                TicketMessage.direction.in_(("buyer", "staff")),
            )
            .order_by(TicketMessage.id.desc())
            .limit(limit)
        )
        return list(reversed(list(rows)))

    async def past_first_response(self, now: datetime) -> Sequence[Ticket]:
        """Open tickets in a staff topic past their first-response target and not yet
        flagged, locked; several workers: each ticket goes to one of them, the others
        skip it (and then no longer see it as due)."""
        return (
            await self.session.scalars(
                select(Ticket)
                .where(
                    Ticket.status == TicketStatus.OPEN,
                    Ticket.sla_due_at <= now,
                    Ticket.sla_breached.is_(False),
                    Ticket.staff_chat_id.is_not(None),
                )
                .with_for_update(skip_locked=True)
            )
        ).all()

    async def latest_about_claim(self, claim_id: int, buyer_id: int | None) -> int | None:
        """The buyer's latest ticket about the claim."""
        return await self.session.scalar(
            select(Ticket.id)
            .where(Ticket.claim_id == claim_id, Ticket.buyer_id == buyer_id)
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    async def events(self, ticket_id: int) -> list[TicketMessage]:
        """Everything said and done in the ticket, oldest first."""
        return list(
            await self.session.scalars(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            )
        )

    async def ids_about_claim(self, claim_id: int) -> list[int]:
        """Every ticket about the claim, whoever opened it."""
        return list(
            await self.session.scalars(select(Ticket.id).where(Ticket.claim_id == claim_id))
        )

    async def open_of(self, requester_id: int) -> Ticket | None:
        """The requester's open ticket (the latest, should there be two)."""
        return await self.session.scalar(
            select(Ticket)
            .where(Ticket.buyer_id == requester_id, Ticket.status == TicketStatus.OPEN)
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    async def closed_since(self, requester_id: int, since: datetime) -> Ticket | None:
        """The requester's ticket closed last, if it closed after `since`."""
        return await self.session.scalar(
            select(Ticket)
            .where(
                Ticket.buyer_id == requester_id,
                Ticket.status == TicketStatus.CLOSED,
                Ticket.closed_at > since,
            )
            .order_by(Ticket.closed_at.desc())
            .limit(1)
        )

    async def in_topic(self, chat_id: int, thread_id: int) -> Ticket | None:
        """The ticket whose staff topic this is (the latest, if a topic was reused)."""
        return await self.session.scalar(
            select(Ticket)
            .where(Ticket.staff_chat_id == chat_id, Ticket.topic_id == thread_id)
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    async def of_staff_message(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket a message in the staff chat belongs to: its summary, or a message
        relayed into the chat for it."""
        ticket = await self.session.scalar(
            select(Ticket).where(
                Ticket.staff_chat_id == chat_id, Ticket.summary_message_id == message_id
            )
        )
        if ticket is not None:
            return ticket
        ticket_id = await self.session.scalar(
            select(TicketMessage.ticket_id)
            .where(
                TicketMessage.copy_chat_id == chat_id,
                TicketMessage.copy_message_id == message_id,
            )
            .limit(1)
        )
        return await self.session.get(Ticket, ticket_id) if ticket_id else None

    async def all_open(self) -> Sequence[Ticket]:
        """Every open ticket, opened first first."""
        return (
            await self.session.scalars(
                select(Ticket).where(Ticket.status == TicketStatus.OPEN).order_by(Ticket.opened_at)
            )
        ).all()

    async def chat_before(
        self, channel: str, chat_id: int, until: datetime, limit: int
    ) -> list[ChatLogEntry]:
        """The last `limit` lines of the person's chat with the bot up to `until`,
        oldest first."""
        rows = await self.session.scalars(
            select(ChatLogEntry)
            .where(
                ChatLogEntry.channel == channel,
                ChatLogEntry.chat_id == chat_id,
                ChatLogEntry.at <= until,
            )
            .order_by(ChatLogEntry.id.desc())
            .limit(limit)
        )
        return list(reversed(rows.all()))


class ConversationRepository(_Repository):
    async def get(self, channel: str, chat_id: int, user_id: int) -> ConversationState | None:
        return await self.session.scalar(
            select(ConversationState).where(
                ConversationState.channel == channel,
                ConversationState.chat_id == chat_id,
                ConversationState.user_id == user_id,
            )
        )


class OutboxRepository(_Repository):
    async def by_dedupe_key(self, key: str) -> OutboxMessage | None:
        return await self.session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == key)
        )

    async def due(self, now: datetime, limit: int = 50) -> Sequence[OutboxMessage]:
        return (
            await self.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        ).all()

    async def queued_or_sent(self, dedupe_key: str) -> bool:
        """Whether a message with this key is queued or was sent (a failed one was not)."""
        found = await self.session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.dedupe_key == dedupe_key,
                OutboxMessage.status != OutboxStatus.FAILED,
            )
        )
        return found is not None


@dataclass(frozen=True, slots=True)
class KnownUser:
    """A chat user's stored profile, as the update pipeline reads it."""

    id: int
    external_id: int
    first_name: str | None
    username: str | None
    language: str | None
    unreachable: bool
    # `language` is their /language choice, which Telegram's value never overwrites.
    language_chosen: bool = False


@dataclass(frozen=True, slots=True)
class Arrival:
    """What the chat core needs before a handler runs: whether the update was already
    handled, the conversation's step and draft (None: no stored conversation) and the
    person's stored profile (None: never seen)."""

    seen: bool
    step: str | None
    data: dict[str, Any] | None
    user: KnownUser | None
    # The settings of the shop whose languages apply to this person (see
    # `UpdateRepository.arrival`); None when no shop is theirs and there are several.
    shop_settings: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class UpdateRecord:
    """What handling one update leaves behind: the handled mark, the chat log lines,
    the replies to send (a `reply_outbox` row's values) and the new conversation state
    (None: unchanged)."""

    channel: str
    update_id: int
    chat_id: int
    user_id: int
    at: datetime
    log: Sequence[tuple[str, str]]
    replies: dict[str, Any] | None
    state: tuple[str | None, dict[str, Any]] | None


def _their_shop_settings(channel: Any, external_id: Any) -> ColumnElement[Any]:
    """The settings of the shop whose languages apply to a person, as one scalar
    subquery of the arrival statement (no round trip of its own): the shop of the order
    they linked last, else the shop they sell for, else the only shop."""
    person = (
        select(ChatUser.id)
        .where(ChatUser.channel == channel, ChatUser.external_id == external_id)
        .scalar_subquery()
    )
    by_link = (
        select(Shop.settings)
        .join(Order, Order.shop_id == Shop.id)
        .join(OrderLink, OrderLink.order_id == Order.id)
        .where(OrderLink.chat_user_id == person)
        .order_by(OrderLink.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    by_seller = (
        select(Shop.settings)
        .join(Seller, Seller.shop_id == Shop.id)
        .where(Seller.chat_user_id == person)
        .order_by(Seller.id)
        .limit(1)
        .scalar_subquery()
    )
    only = (
        select(func.min(Shop.settings.cast(Text)))
        .having(func.count(Shop.id) == 1)
        .scalar_subquery()
    )
    return func.coalesce(by_link.cast(Text), by_seller.cast(Text), only).label("shop")


def _settings_from_text(raw: str | None) -> dict[str, Any] | None:
    value = json.loads(raw) if raw else None
    return value if isinstance(value, dict) else None


class UpdateRepository(_Repository):
    async def seen(self, channel: str, update_id: int) -> bool:
        return (await self.session.get(ProcessedUpdate, (channel, update_id))) is not None

    async def arrival(self, channel: str, update_id: int, chat_id: int, user_id: int) -> Arrival:
        """The handled mark, the conversation and the person, in one statement (two
        outer joins on a one-row anchor), since every update needs all three; with
        the settings of the person's shop (scalar subqueries), for the reply's
        language."""
        row = (
            await self.session.execute(
                _arrival(),
                {
                    "channel": channel,
                    "update_id": update_id,
                    "chat_id": chat_id,
                    "user_id": user_id,
                },
            )
        ).one()
        seen, state_id, step, data, uid, first_name, username, language, unreachable = row[:9]
        chosen, shop_settings = row[9:]
        user = (
            None
            if uid is None
            else KnownUser(
                uid, user_id, first_name, username, language, bool(unreachable), bool(chosen)
            )
        )
        return Arrival(
            bool(seen),
            step,
            None if state_id is None else dict(data or {}),
            user,
            _settings_from_text(shop_settings),
        )

    async def record(self, records: Sequence[UpdateRecord]) -> None:
        """Write what handling these updates left behind (see `UpdateRecord`).

        PostgreSQL: one statement per update (the other inserts ride along as
        data-modifying CTEs).  SQLite has no such CTEs: one statement per table for
        all the records at once (the chat core hands over the saves of updates
        handled at the same time together).  A record of an update already marked
        handled raises IntegrityError."""
        if self.session.get_bind().dialect.name == "postgresql":
            for record in records:
                await self._record_in_one(record)
            return
        await self.session.execute(
            insert(ProcessedUpdate),
            [
                {"channel": r.channel, "update_id": r.update_id, "processed_at": r.at}
                for r in records
            ],
        )
        lines = [line for r in records for line in _log_rows(r)]
        if lines:
            await self.session.execute(insert(ChatLogEntry), lines)
        replies = [r.replies for r in records if r.replies is not None]
        if replies:
            await self.session.execute(insert(ReplyOutbox), replies)
        states = [_state_row(r) for r in records if r.state is not None]
        if states:
            upsert = sqlite.insert(ConversationState)
            await self.session.execute(
                upsert.on_conflict_do_update(
                    index_elements=["channel", "chat_id", "user_id"],
                    set_={
                        "step": upsert.excluded.step,
                        "data": upsert.excluded.data,
                        "updated_at": upsert.excluded.updated_at,
                    },
                ),
                states,
            )

    async def _record_in_one(self, record: UpdateRecord) -> None:
        lines = list(record.log)
        replies = record.replies
        params: dict[str, Any] = {
            "channel": record.channel,
            "update_id": record.update_id,
            "chat_id": record.chat_id,
            "user_id": record.user_id,
            "at": record.at,
        }
        if lines:
            params["directions"] = [direction for direction, _ in lines]
            params["texts"] = [text for _, text in lines]
        if replies is not None:
            params.update({f"reply_{key}": value for key, value in replies.items()})
        if record.state is not None:
            params["step"], params["data"] = record.state
        statement = _record_statement(
            bool(lines),
            tuple(sorted(replies)) if replies is not None else None,
            record.state is not None,
        )
        await self.session.execute(statement, params)


def _log_rows(record: UpdateRecord) -> list[dict[str, Any]]:
    return [
        {
            "channel": record.channel,
            "chat_id": record.chat_id,
            "direction": direction,
            "text": text,
            "at": record.at,
        }
        for direction, text in record.log
    ]


def _state_row(record: UpdateRecord) -> dict[str, Any]:
    assert record.state is not None
    step, data = record.state
    return {
        "channel": record.channel,
        "chat_id": record.chat_id,
        "user_id": record.user_id,
        "step": step,
        "data": data,
        "updated_at": record.at,
    }


# The audit action of an order's cancellation; its details' "from" is the status it
# was cancelled from (what tells an order cancelled before it was paid, see
# `bot.services.refunds.never_paid`).
ORDER_CANCELLED = "order.cancelled"


class AuditRepository(_Repository):
    async def cancelled_while_unpaid(self, order_id: int) -> bool:
        """The order was cancelled straight from UNPAID (by its buyer in the chat, or
        by an import that saw it go from UNPAID to CANCELLED)."""
        rows = await self.session.scalars(
            select(AuditEntry.details).where(
                AuditEntry.action == ORDER_CANCELLED,
                AuditEntry.entity == "order",
                AuditEntry.entity_id == str(order_id),
            )
        )
        return any((details or {}).get("from") == OrderStatus.UNPAID.value for details in rows)

    def record(
        self,
        *,
        at: datetime,
        actor_kind: str,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: str | int,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at,
                actor_kind=actor_kind,
                actor_id=actor_id,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                details=details or {},
            )
        )


class KeyValueRepository(_Repository):
    async def get(self, key: str) -> str | None:
        row = await self.session.get(KeyValue, key)
        return row.value if row else None

    def set(self, key: str, value: str) -> None:
        self.session.add(KeyValue(key=key, value=value))


class InboundEventRepository(_Repository):
    """Which inbound hook events were already applied (see `InboundEvent`)."""

    async def first_time(self, source: str, key: str, now: datetime) -> bool:
        """True, and the event recorded in this transaction, if `source`/`key` was
        never applied; False for a replay.  Two deliveries of one event at once
        (PostgreSQL): the second waits for the first's commit, then meets the unique
        key inside a savepoint and answers False, leaving its transaction usable."""
        found = await self.session.scalar(
            select(InboundEvent.id).where(
                InboundEvent.source == source, InboundEvent.event_key == key
            )
        )
        if found is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(InboundEvent(source=source, event_key=key, received_at=now))
        except IntegrityError:
            return False
        return True


# The statements every update runs, built once: building one (joins, comparisons, the
# options) cost more CPU than SQLAlchemy's compiled-statement cache saves.  Values are
# bound per call.


@cache
def _arrival() -> Select[Any]:
    """See `UpdateRepository.arrival`."""
    channel, user_id = bindparam("channel", type_=String), bindparam("user_id", type_=BigInteger)
    anchor = select(literal(1).label("one")).subquery()
    done = exists().where(
        ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == bindparam("update_id")
    )
    return (
        select(
            done.label("seen"),
            ConversationState.id,
            ConversationState.step,
            ConversationState.data,
            ChatUser.id,
            ChatUser.first_name,
            ChatUser.username,
            ChatUser.language,
            ChatUser.unreachable,
            ChatUser.language_chosen,
            _their_shop_settings(channel, user_id),
        )
        .select_from(anchor)
        .outerjoin(
            ConversationState,
            and_(
                ConversationState.channel == channel,
                ConversationState.chat_id == bindparam("chat_id"),
                ConversationState.user_id == user_id,
            ),
        )
        .outerjoin(ChatUser, and_(ChatUser.channel == channel, ChatUser.external_id == user_id))
    )


@cache
def _linked_order() -> Select[Order]:
    """See `OrderRepository.get_linked`."""
    return (
        select(Order)
        .join(OrderLink, OrderLink.order_id == Order.id)
        .where(
            Order.id == bindparam("order_id"), OrderLink.chat_user_id == bindparam("chat_user_id")
        )
        .options(
            joinedload(Order.shop),
            joinedload(Order.payment),
            joinedload(Order.items),
            joinedload(Order.shipments).joinedload(Shipment.events),
        )
    )


@cache
def _order_lines() -> Select[int, str, str, Decimal, str]:
    """See `OrderRepository.lines_linked_to`."""
    return (
        select(
            Order.id,
            Order.order_number,
            Order.status,
            Payment.total_paid,
            func.coalesce(Payment.currency, Shop.currency),
        )
        .join(OrderLink, OrderLink.order_id == Order.id)
        .join(Shop, Shop.id == Order.shop_id)
        .outerjoin(Payment, Payment.order_id == Order.id)
        .where(OrderLink.chat_user_id == bindparam("chat_user_id"))
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )


@cache
def _record_statement(
    lines: bool, reply_keys: tuple[str, ...] | None, state: bool
) -> postgresql.Insert:
    """`UpdateRepository._record_in_one`'s statement for one shape of record (how many
    log lines, whether replies and state are written), built once: building it per
    update (four INSERTs as CTEs) cost more CPU than the round trip it saves.  Values
    are bound per call (see the parameter names used there)."""
    channel = bindparam("channel", type_=String)
    at = bindparam("at", type_=DateTime(timezone=True))
    statement = postgresql.insert(ProcessedUpdate).values(
        channel=channel, update_id=bindparam("update_id"), processed_at=at
    )
    if lines:
        # The lines as two arrays, unnested in their order: one INSERT whose ids follow
        # the conversation (separate INSERTs as CTEs run in no set order, and a
        # multi-row VALUES is compiled anew every time).
        given = (
            func.unnest(
                bindparam("directions", type_=postgresql.ARRAY(String)),
                bindparam("texts", type_=postgresql.ARRAY(Text)),
            )
            .table_valued("direction", "text", with_ordinality="n")
            .render_derived()
        )
        rows = select(
            channel, bindparam("chat_id", type_=BigInteger), given.c.direction, given.c.text, at
        ).order_by(given.c.n)
        log = insert(ChatLogEntry).from_select(
            ["channel", "chat_id", "direction", "text", "at"], rows
        )
        statement = statement.add_cte(log.cte("log"))
    if reply_keys is not None:
        replies = insert(ReplyOutbox).values({key: bindparam(f"reply_{key}") for key in reply_keys})
        statement = statement.add_cte(replies.cte("replies"))
    if state:
        upsert = postgresql.insert(ConversationState).values(
            channel=channel,
            chat_id=bindparam("chat_id"),
            user_id=bindparam("user_id"),
            step=bindparam("step"),
            data=bindparam("data"),
            updated_at=at,
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=["channel", "chat_id", "user_id"],
            set_={
                "step": upsert.excluded.step,
                "data": upsert.excluded.data,
                "updated_at": upsert.excluded.updated_at,
            },
        )
        statement = statement.add_cte(upsert.cte("state"))
    return statement
