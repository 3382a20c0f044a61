"""Tickets: conversations handed from the bot to a person.

A ticket belongs to whoever asked for help (a buyer, or a seller asking the platform
about a claim), lives in one staff topic, records everything said both ways (the
transcript, and the map from relayed copies back to the ticket), and ends with the
requester's rating.  Every use case here is one transaction; the live chat work
(topics, copies) is done by the handlers around these calls, through the desk port.

Who may do what is checked here, not trusted from button data: a requester only rates
their own ticket; an appeal is only the claim's buyer's, inside the appeal window; a
seller only asks for help on a claim of their own shop; staff decisions come from the
staff handlers, which check membership of the staff chat first.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, ClaimType, EscalationReason, TicketStatus
from bot.domain.errors import (
    AmountChanged,
    ClaimNotFound,
    DomainError,
    InvalidTransition,
    NotAllowed,
    NotFound,
)
from bot.domain.hours import BusinessHours
from bot.services.claim_state import move, refund_claim, tell_buyer
from bot.services.outbox import Notification, enqueue
from bot.services.refunds import remaining_refundable
from bot.services.returns import seller_chat_ids
from storage.media import MediaStore
from storage.models import (
    ChatLogEntry,
    ChatUser,
    Claim,
    Order,
    Shop,
    Ticket,
    TicketMessage,
)
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

REOPEN_WINDOW = timedelta(hours=24)  # a requester writing within this reopens the ticket
DEFAULT_FIRST_RESPONSE_MINUTES = 15
RECENT_LINES = 10  # lines of the bot conversation shown in a ticket's summary
CHAT_LOG_KEEP = timedelta(days=7)
MAX_COMMENT = 1000


class TicketNotFound(NotFound):
    pass


class TicketClosed(DomainError):
    """The ticket is closed already (someone else closed it a moment ago)."""


class AppealDecided(InvalidTransition):
    """Someone already decided this appeal; `by` is their first name (None if unknown)."""

    def __init__(self, by: str | None) -> None:
        super().__init__(f"already decided by {by}")
        self.by = by


class TicketStillOpen(DomainError):
    """Rating a ticket that is not closed."""


class TicketAlreadyOpen(DomainError):
    """Reopening a ticket that is open."""


class OtherTicketOpen(DomainError):
    """Reopening a ticket whose requester has another one open (`ticket_id`)."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} is open")
        self.ticket_id = ticket_id


class StaffAlreadyAnswered(DomainError):
    """Starting fresh after staff answered the reopened ticket."""


# ------------------------------------------------------------------------ policy


@dataclass(frozen=True, slots=True)
class DeskPolicy:
    """A shop's support promises: when people answer and how fast, and whose name
    signs staff replies ("staff": the staff member's own, "shop": the shop's)."""

    hours: BusinessHours
    first_response_minutes: int = DEFAULT_FIRST_RESPONSE_MINUTES
    signature: Literal["staff", "shop"] = "staff"

    @classmethod
    def for_shop(cls, shop: Shop | None) -> DeskPolicy:
        tz = shop.timezone if shop is not None and shop.timezone else "UTC"
        settings: dict[str, Any] = (shop.settings if shop is not None else None) or {}
        try:
            hours = (
                BusinessHours.parse(str(settings["business_hours"]), tz)
                if settings.get("business_hours")
                else BusinessHours.always(tz)
            )
        except ValueError:
            # Validated when set; a bad stored value must not stop tickets from opening.
            log.warning("bad business_hours ignored", extra={"shop_id": shop and shop.id})
            hours = BusinessHours.always("UTC")
        try:
            raw = settings.get("first_response_minutes", DEFAULT_FIRST_RESPONSE_MINUTES)
            minutes = max(1, int(raw))
        except (TypeError, ValueError):
            minutes = DEFAULT_FIRST_RESPONSE_MINUTES  # only a hand-edited database gets here
        signature: Literal["staff", "shop"] = (
            "shop" if settings.get("staff_signature") == "shop" else "staff"
        )
        return cls(hours, minutes, signature)


# -------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class TicketView:
    id: int
    status: TicketStatus
    reason: EscalationReason
    requester_id: int  # ChatUser.id
    requester_chat: int  # where to relay staff replies (the private chat)
    requester_name: str
    requester_username: str | None
    requester_unreachable: bool
    order_id: int | None
    order_number: str | None
    claim_id: int | None
    claim_number: str | None
    claim_status: ClaimStatus | None
    claim_type: ClaimType | None
    shop_name: str | None
    staff_chat_id: int | None
    topic_id: int | None
    summary_message_id: int | None
    assignee_id: int | None
    assignee_name: str | None
    rating: int | None
    sla_breached: bool
    waiting_since: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    signature: str | None  # the shop's name when replies are signed by the shop


@dataclass(frozen=True, slots=True)
class Opened:
    ticket: TicketView
    created: bool  # False: the requester already had this ticket open
    answer_from: datetime | None  # outside business hours: when people are back


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    number: str
    status: ClaimStatus
    type: str
    reason: str
    amount: Decimal
    currency: str
    note: str | None
    photos: tuple[str, ...]  # stored file paths (absolute, ready to send, given a MediaStore)
    order_number: str


@dataclass(frozen=True, slots=True)
class Summary:
    ticket: TicketView
    role: Literal["buyer", "seller"]
    orders: tuple[tuple[str, str, str], ...]  # number, status, shop name
    claim: ClaimFacts | None
    recent: tuple[tuple[str, str, datetime], ...]  # direction (in/out), text, at
    answer_from: datetime | None


@dataclass(frozen=True, slots=True)
class Line:
    """One transcript line."""

    at: datetime
    direction: str  # buyer | staff | note | event
    author: str | None
    kind: str
    text: str | None


@dataclass(frozen=True, slots=True)
class StaffReplied:
    ticket: TicketView
    first: bool  # the first staff reply of this wait
    was_breached: bool  # the topic title carries the breach mark and should lose it


@dataclass(frozen=True, slots=True)
class AppealDecision:
    claim_id: int
    claim_number: str
    status: ClaimStatus
    refunded: Decimal | None
    currency: str
    tickets: tuple[TicketView, ...]
    # What a confirmation shows: the order, who gets the money, what stays refundable.
    order_number: str = ""
    buyer_name: str | None = None
    remaining: Decimal | None = None


# ------------------------------------------------------------------------ service


class TicketService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, media: MediaStore | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        # Claim photos are stored relative to the media root; summaries give the files
        # to send (absolute), as the seller's claim card does.  Without a store, as stored.
        self._media = media

    # -- opening -----------------------------------------------------------------

    async def open(
        self,
        requester_id: int,
        reason: EscalationReason,
        *,
        order_id: int | None = None,
        claim_id: int | None = None,
    ) -> Opened:
        """Open a ticket (or return the requester's open one, noting the new reason).

        This is also the call the answer engine makes after two misses in a row
        (reason ANSWER_FAILED)."""
        async with self._uow() as uow:
            if order_id is not None and not await uow.orders.is_linked(requester_id, order_id):
                order_id = None  # never let button data attach someone else's order
            if claim_id is not None:
                claim = await uow.claims.get(claim_id)
                if claim is None or claim.buyer_id != requester_id:
                    # Nor someone else's claim (and through it their order and shop):
                    # appeals and seller help, which check, have their own entry points.
                    claim_id = None
            opened = await self._open_in(uow, requester_id, reason, order_id, claim_id)
            await uow.commit()
        return await self._opened(opened)

    async def appeal(self, buyer_id: int, claim_id: int) -> Opened:
        """The buyer disagrees with a rejection: the claim goes to staff arbitration."""
        now = self._clock.now()
        async with self._uow() as uow:
            claim = await uow.claims.get(claim_id)
            if claim is None or claim.buyer_id != buyer_id:
                raise ClaimNotFound(str(claim_id))
            if claim.status != ClaimStatus.REJECTED or claim.appeal_by is None:
                raise InvalidTransition(f"claim is {claim.status}")
            if now > claim.appeal_by:
                raise InvalidTransition("the appeal window has ended")
            move(
                claim,
                ClaimStatus.APPEALED,
                actor=ActorKind.BUYER,
                actor_id=buyer_id,
                note=None,
                now=now,
                allowed={ClaimStatus.REJECTED},
            )
            claim.appeal_by = None
            opened = await self._open_in(
                uow, buyer_id, EscalationReason.APPEAL, claim.order_id, claim.id
            )
            await uow.commit()
        return await self._opened(opened)

    async def seller_help(self, seller_id: int, claim_id: int) -> Opened:
        """A seller asks the platform's staff about one of their shop's claims."""
        async with self._uow() as uow:
            claim = await uow.claims.get(claim_id)
            order = await uow.orders.get(claim.order_id, full=False) if claim else None
            if claim is None or order is None:
                raise ClaimNotFound(str(claim_id))
            if not await uow.shops.is_seller(seller_id, order.shop_id):
                raise NotAllowed("not a seller of this claim's shop")
            opened = await self._open_in(
                uow, seller_id, EscalationReason.SELLER_HELP, order.id, claim.id
            )
            await uow.commit()
        return await self._opened(opened)

    async def _open_in(
        self,
        uow: UnitOfWork,
        requester_id: int,
        reason: EscalationReason,
        order_id: int | None,
        claim_id: int | None,
    ) -> tuple[int, bool, datetime | None]:
        now = self._clock.now()
        ticket = await self._open_ticket_of(uow, requester_id)
        if ticket is not None:
            # One conversation with staff at a time: a second reason joins the first.
            ticket.order_id = ticket.order_id or order_id
            if reason == EscalationReason.APPEAL:
                # The appeal is what staff must decide now: the ticket's claim becomes
                # the appealed one (its summary is posted again with the verdicts).
                ticket.claim_id = claim_id
            else:
                ticket.claim_id = ticket.claim_id or claim_id
            uow.session.add(_event(ticket.id, "also:" + reason.value, None, now))
            return ticket.id, False, None
        if claim_id is not None and order_id is None:
            claim = await uow.claims.get(claim_id)
            order_id = claim.order_id if claim else None
        shop = await self._shop_for(uow, requester_id, order_id)
        policy = DeskPolicy.for_shop(shop)
        ticket = Ticket(
            shop_id=shop.id if shop else None,
            buyer_id=requester_id,
            order_id=order_id,
            claim_id=claim_id,
            status=TicketStatus.OPEN,
            reason=reason,
            sla_due_at=policy.hours.add_business_minutes(now, policy.first_response_minutes),
            waiting_since=now,
            opened_at=now,
        )
        uow.session.add(ticket)
        await uow.flush()
        uow.session.add(_event(ticket.id, "opened:" + reason.value, None, now))
        answer_from = None if policy.hours.is_open(now) else policy.hours.next_open(now)
        log.info("ticket opened", extra={"ticket_id": ticket.id, "reason": reason.value})
        return ticket.id, True, answer_from

    async def _opened(self, opened: tuple[int, bool, datetime | None]) -> Opened:
        ticket_id, created, answer_from = opened
        return Opened(await self.get(ticket_id), created, answer_from)

    async def _shop_for(
        self, uow: UnitOfWork, requester_id: int, order_id: int | None
    ) -> Shop | None:
        """The order's shop; else the shop of every order the requester linked, when
        there is exactly one; else none (the platform's defaults apply)."""
        if order_id is not None:
            order = await uow.orders.get(order_id, full=False)
            return await uow.shops.get(order.shop_id) if order else None
        shop_ids = set(await uow.shops.seller_shop_ids(requester_id))
        shop_ids |= {o.shop_id for o in await uow.orders.linked_to(requester_id)}
        return await uow.shops.get(shop_ids.pop()) if len(shop_ids) == 1 else None

    @staticmethod
    async def _open_ticket_of(uow: UnitOfWork, requester_id: int) -> Ticket | None:
        return (
            await uow.session.execute(
                select(Ticket)
                .where(Ticket.buyer_id == requester_id, Ticket.status == TicketStatus.OPEN)
                .order_by(Ticket.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    # -- finding -----------------------------------------------------------------

    async def get(self, ticket_id: int) -> TicketView:
        async with self._uow(readonly=True) as uow:
            ticket = await uow.session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(str(ticket_id))
            return await _view(uow, ticket)

    async def current(self, requester_id: int) -> TicketView | None:
        """The requester's open ticket, if any."""
        async with self._uow(readonly=True) as uow:
            ticket = await self._open_ticket_of(uow, requester_id)
            return await _view(uow, ticket) if ticket else None

    async def for_message(self, requester_id: int) -> tuple[TicketView, bool] | None:
        """Where a requester's message goes: their open ticket, or (reopening it) one
        closed less than 24 hours ago.  Returns (ticket, reopened).

        The chat handlers first read a message to a recently closed ticket (a typed
        rating, a new request the bot handles) and call `recently_closed` and `reopen`
        themselves; this is the plain rule, for messages nothing else claims."""
        open_now = await self.current(requester_id)
        if open_now is not None:
            return open_now, False
        recent = await self.recently_closed(requester_id)
        if recent is None:
            return None
        return await self.reopen(recent.id), True

    async def recently_closed(self, requester_id: int) -> TicketView | None:
        """The requester's ticket closed less than 24 hours ago, which their next
        message may reopen; None when there is none, or when they chose to start
        fresh after it was last closed (then it stays closed)."""
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            ticket = (
                await uow.session.execute(
                    select(Ticket)
                    .where(
                        Ticket.buyer_id == requester_id,
                        Ticket.status == TicketStatus.CLOSED,
                        Ticket.closed_at > now - REOPEN_WINDOW,
                    )
                    .order_by(Ticket.closed_at.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if ticket is None or await _started_fresh(uow, ticket):
                return None
            return await _view(uow, ticket)

    async def reopen(self, ticket_id: int, *, staff_name: str | None = None) -> TicketView:
        """Open a closed ticket again: the requester wrote within 24 hours, or staff
        (`staff_name`) reopened it.  A ticket that is open already stays as it is."""
        now = self._clock.now()
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            if ticket.status == TicketStatus.CLOSED:
                policy = DeskPolicy.for_shop(
                    await uow.shops.get(ticket.shop_id) if ticket.shop_id else None
                )
                ticket.status = TicketStatus.OPEN
                ticket.closed_at = None
                ticket.waiting_since = now
                ticket.sla_breached = False
                ticket.sla_due_at = policy.hours.add_business_minutes(
                    now, policy.first_response_minutes
                )
                uow.session.add(_event(ticket.id, "reopened", staff_name, now))
                await uow.commit()
        return await self.get(ticket_id)

    async def reopen_by_staff(self, ticket_id: int, *, staff_name: str) -> TicketView:
        """Staff reopen a closed ticket (`/reopen N`), at any time after it closed.

        Refused, changing nothing: no such ticket (TicketNotFound), it is open already
        (TicketAlreadyOpen), or its requester has another ticket open (OtherTicketOpen:
        one conversation with staff at a time, or their messages would go to one of
        the two only)."""
        async with self._uow(readonly=True) as uow:
            ticket = await self._ticket(uow, ticket_id)
            if ticket.status == TicketStatus.OPEN:
                raise TicketAlreadyOpen(str(ticket_id))
            other = await self._open_ticket_of(uow, ticket.buyer_id)
            if other is not None:
                raise OtherTicketOpen(other.id)
        return await self.reopen(ticket_id, staff_name=staff_name)

    async def start_fresh(self, requester_id: int, ticket_id: int) -> TicketView:
        """The requester's message reopened their ticket, but they meant something new
        ("Start fresh"): the ticket closes again and their next messages reach the bot.

        Only the requester's own ticket, only while it is open, and only while staff
        have not answered since it was reopened (then the conversation has resumed:
        StaffAlreadyAnswered).  Pressed twice: TicketClosed."""
        now = self._clock.now()
        async with self._uow() as uow:
            ticket = await self._own(uow, requester_id, ticket_id)
            if ticket.status != TicketStatus.OPEN:
                raise TicketClosed(str(ticket_id))
            if await _staff_answered_since_reopen(uow, ticket):
                raise StaffAlreadyAnswered(str(ticket_id))
            ticket.status = TicketStatus.CLOSED
            ticket.closed_at = now
            ticket.sla_due_at = None
            ticket.waiting_since = None
            uow.session.add(_event(ticket.id, "fresh_start", None, now))
            await uow.commit()
        log.info("requester started fresh", extra={"ticket_id": ticket_id})
        return await self.get(ticket_id)

    async def by_topic(self, chat_id: int, thread_id: int) -> TicketView | None:
        async with self._uow(readonly=True) as uow:
            ticket = (
                await uow.session.execute(
                    select(Ticket)
                    .where(Ticket.staff_chat_id == chat_id, Ticket.topic_id == thread_id)
                    .order_by(Ticket.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            return await _view(uow, ticket) if ticket else None

    async def by_message(self, chat_id: int, message_id: int) -> TicketView | None:
        """The ticket a staff message replies to (plain-group relaying): its summary or
        any message relayed into the group for it."""
        async with self._uow(readonly=True) as uow:
            ticket = (
                await uow.session.execute(
                    select(Ticket).where(
                        Ticket.staff_chat_id == chat_id, Ticket.summary_message_id == message_id
                    )
                )
            ).scalar_one_or_none()
            if ticket is None:
                ticket_id = (
                    await uow.session.execute(
                        select(TicketMessage.ticket_id)
                        .where(
                            TicketMessage.copy_chat_id == chat_id,
                            TicketMessage.copy_message_id == message_id,
                        )
                        .limit(1)
                    )
                ).scalar_one_or_none()
                ticket = await uow.session.get(Ticket, ticket_id) if ticket_id else None
            return await _view(uow, ticket) if ticket else None

    async def summary(self, ticket_id: int) -> Summary:
        async with self._uow(readonly=True) as uow:
            ticket = await self._ticket(uow, ticket_id)
            view = await _view(uow, ticket)
            requester = await uow.session.get(ChatUser, ticket.buyer_id)
            assert requester is not None
            orders = await uow.orders.linked_to(ticket.buyer_id)
            listed = [(o.order_number, o.status, o.shop.name) for o in orders[:5]]
            if ticket.order_id and all(o.id != ticket.order_id for o in orders[:5]):
                # A seller's ticket: the claim's order, not theirs to link.
                order = await uow.orders.get(ticket.order_id, full=False)
                if order is not None:
                    shop = await uow.shops.get(order.shop_id)
                    listed.insert(0, (order.order_number, order.status, shop.name if shop else ""))
            claim = await _claim_facts(uow, ticket.claim_id, self._media)
            recent = (
                (
                    await uow.session.execute(
                        select(ChatLogEntry)
                        .where(
                            ChatLogEntry.channel == requester.channel,
                            ChatLogEntry.chat_id == requester.external_id,
                            ChatLogEntry.at <= ticket.opened_at,
                        )
                        .order_by(ChatLogEntry.id.desc())
                        .limit(RECENT_LINES)
                    )
                )
                .scalars()
                .all()
            )
            is_seller = ticket.reason == EscalationReason.SELLER_HELP
            policy = DeskPolicy.for_shop(
                await uow.shops.get(ticket.shop_id) if ticket.shop_id else None
            )
            now = self._clock.now()
            return Summary(
                ticket=view,
                role="seller" if is_seller else "buyer",
                orders=tuple(listed),
                claim=claim,
                recent=tuple((r.direction, r.text, r.at) for r in reversed(recent)),
                answer_from=None if policy.hours.is_open(now) else policy.hours.next_open(now),
            )

    async def open_tickets(self) -> list[TicketView]:
        async with self._uow(readonly=True) as uow:
            rows = (
                (
                    await uow.session.execute(
                        select(Ticket)
                        .where(Ticket.status == TicketStatus.OPEN)
                        .order_by(Ticket.opened_at)
                    )
                )
                .scalars()
                .all()
            )
            return [await _view(uow, t) for t in rows]

    async def transcript(self, ticket_id: int) -> tuple[TicketView, list[Line]]:
        async with self._uow(readonly=True) as uow:
            ticket = await self._ticket(uow, ticket_id)
            rows = (
                (
                    await uow.session.execute(
                        select(TicketMessage)
                        .where(TicketMessage.ticket_id == ticket_id)
                        .order_by(TicketMessage.id)
                    )
                )
                .scalars()
                .all()
            )
            lines = [Line(r.at, r.direction, r.author_name, r.kind, r.text) for r in rows]
            return await _view(uow, ticket), lines

    # -- where the ticket lives ----------------------------------------------------

    async def place(
        self,
        ticket_id: int,
        *,
        staff_chat_id: int,
        topic_id: int | None,
        summary_message_id: int | None,
    ) -> TicketView:
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            ticket.staff_chat_id = staff_chat_id
            ticket.topic_id = topic_id
            ticket.summary_message_id = summary_message_id
            await uow.commit()
        return await self.get(ticket_id)

    async def forget_place(self, ticket_id: int) -> TicketView:
        """The topic was deleted: the next message creates a new one for this ticket."""
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            ticket.topic_id = None
            ticket.summary_message_id = None
            uow.session.add(_event(ticket.id, "topic_recreated", None, self._clock.now()))
            await uow.commit()
        return await self.get(ticket_id)

    # -- what was said -------------------------------------------------------------

    async def record_requester(
        self,
        ticket_id: int,
        *,
        author_name: str,
        kind: str,
        text: str | None,
        copy: tuple[int, int] | None,
    ) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            ticket.waiting_since = ticket.waiting_since or now
            uow.session.add(
                _message(ticket, "buyer", ticket.buyer_id, author_name, kind, text, copy, now)
            )
            await uow.commit()

    async def record_staff(
        self,
        ticket_id: int,
        *,
        staff_id: int,
        staff_name: str,
        kind: str,
        text: str | None,
        copy: tuple[int, int] | None,
    ) -> StaffReplied:
        now = self._clock.now()
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            first = ticket.waiting_since is not None or ticket.first_response_at is None
            was_breached = bool(ticket.sla_breached) and ticket.sla_due_at is not None
            ticket.first_response_at = ticket.first_response_at or now
            ticket.sla_due_at = None  # answered: nothing more to remind about
            ticket.waiting_since = None
            # The topic title shows ⏰ while sla_breached; once someone answered it must go
            # (the handler renames the topic from this ticket when was_breached).
            ticket.sla_breached = False
            uow.session.add(_message(ticket, "staff", staff_id, staff_name, kind, text, copy, now))
            await uow.commit()
        return StaffReplied(await self.get(ticket_id), first, was_breached)

    async def record_note(
        self, ticket_id: int, *, staff_id: int, staff_name: str, text: str
    ) -> None:
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            uow.session.add(
                _message(
                    ticket, "note", staff_id, staff_name, "text", text, None, self._clock.now()
                )
            )
            await uow.commit()

    async def requester_unreachable(self, ticket_id: int) -> None:
        """The requester blocked the bot: no more notifications until they write again."""
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            user = await uow.session.get(ChatUser, ticket.buyer_id)
            if user is not None:
                user.unreachable = True
            uow.session.add(_event(ticket.id, "unreachable", None, self._clock.now()))
            await uow.commit()

    # -- staff decisions -----------------------------------------------------------

    async def assign(self, ticket_id: int, *, staff_id: int, staff_name: str) -> TicketView:
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            if ticket.status != TicketStatus.OPEN:
                raise TicketClosed(str(ticket_id))
            ticket.assignee_id = staff_id
            ticket.assignee_name = staff_name
            uow.session.add(_event(ticket.id, "assigned", staff_name, self._clock.now()))
            await uow.commit()
        return await self.get(ticket_id)

    async def close(self, ticket_id: int, *, staff_name: str) -> TicketView:
        now = self._clock.now()
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            if ticket.status != TicketStatus.OPEN:
                raise TicketClosed(str(ticket_id))
            ticket.status = TicketStatus.CLOSED
            ticket.closed_at = now
            ticket.sla_due_at = None
            ticket.waiting_since = None
            uow.session.add(_event(ticket.id, "closed", staff_name, now))
            await uow.commit()
        log.info("ticket closed", extra={"ticket_id": ticket_id})
        return await self.get(ticket_id)

    async def decide_appeal(
        self,
        claim_id: int,
        *,
        staff_id: int,
        staff_name: str,
        refund: bool,
        dry_run: bool = False,
        expect: Decimal | None = None,
    ) -> AppealDecision:
        """Staff arbitration of an appealed rejection: uphold the seller (the claim
        closes) or grant it: a refund through the ledger with staff as issuer, or, for a
        replacement request, approval (the seller then ships the replacement).

        The claim row is locked first, so two staff members deciding at once are served
        one after the other: the second gets `AppealDecided` naming the first.
        `dry_run` runs every check and computes the refund, then rolls back (what the
        confirmation shows); `expect` is the refund confirmed: if granting would now
        refund anything else, nothing happens (AmountChanged)."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                claim = await uow.claims.get(claim_id, for_update=True)
                if claim is None:
                    raise ClaimNotFound(str(claim_id))
                if claim.status != ClaimStatus.APPEALED:
                    by = _appeal_decided_by(claim)
                    if by is None:
                        raise InvalidTransition(f"claim is {claim.status}")
                    decider = await uow.chat_users.get(by) if by else None
                    raise AppealDecided(decider.first_name if decider else None)
                refunded: Decimal | None = None
                if refund and claim.type == ClaimType.REPLACEMENT:
                    move(
                        claim,
                        ClaimStatus.APPROVED,
                        actor=ActorKind.STAFF,
                        actor_id=staff_id,
                        note="support granted the replacement",
                        now=now,
                        allowed={ClaimStatus.APPEALED},
                    )
                elif refund:
                    refunded = await refund_claim(
                        uow,
                        claim,
                        claim.requested_amount,
                        actor=ActorKind.STAFF,
                        actor_id=staff_id,
                        reason="appeal granted by support",
                        now=now,
                        allowed={ClaimStatus.APPEALED},
                    )
                else:
                    move(
                        claim,
                        ClaimStatus.CLOSED,
                        actor=ActorKind.STAFF,
                        actor_id=staff_id,
                        note="support upheld the seller's decision",
                        now=now,
                        allowed={ClaimStatus.APPEALED},
                    )
                if expect is not None and (refunded or Decimal(0)) != expect:
                    raise AmountChanged(refunded or Decimal(0), claim.currency)
                # Loaded in full: the sellers' verdict notice below reads its shop.
                order = await uow.orders.get(claim.order_id)
                buyer = await uow.chat_users.get(claim.buyer_id)
                order_number = order.order_number if order else ""
                buyer_name = buyer.first_name if buyer else None
                remaining = await remaining_refundable(uow, claim.order_id)
                number, status = claim.claim_number, ClaimStatus(claim.status)
                currency = claim.currency
                if dry_run:  # leaves the block without commit: rolled back
                    return AppealDecision(
                        claim_id,
                        number,
                        status,
                        refunded,
                        currency,
                        (),
                        order_number,
                        buyer_name,
                        remaining,
                    )
                await tell_buyer(uow, claim, now, refunded)
                await _tell_sellers_verdict(uow, claim, refunded, now)
                ticket_ids = (
                    (
                        await uow.session.execute(
                            select(Ticket.id).where(Ticket.claim_id == claim.id)
                        )
                    )
                    .scalars()
                    .all()
                )
                verdict = "appeal_upheld"
                if refund:
                    replaced = claim.type == ClaimType.REPLACEMENT
                    verdict = "appeal_replacement" if replaced else "appeal_refunded"
                for ticket_id in ticket_ids:
                    uow.session.add(_event(ticket_id, verdict, staff_name, now))
                await uow.commit()
        except StaleDataError:
            # Not expected with the row lock; should a write still race, the person is
            # told plainly, never shown a generic error.
            raise AppealDecided(await self._decider_name(claim_id)) from None
        tickets = tuple([await self.get(t) for t in ticket_ids])
        return AppealDecision(
            claim_id,
            number,
            status,
            refunded,
            currency,
            tickets,
            order_number,
            buyer_name,
            remaining,
        )

    async def _decider_name(self, claim_id: int) -> str | None:
        async with self._uow(readonly=True) as uow:
            claim = await uow.claims.get(claim_id)
            by = _appeal_decided_by(claim) if claim else None
            decider = await uow.chat_users.get(by) if by else None
            return decider.first_name if decider else None

    # -- the requester's rating ----------------------------------------------------

    async def rate(self, requester_id: int, ticket_id: int, stars: int) -> TicketView:
        if not 1 <= stars <= 5:
            raise NotAllowed("a rating is 1 to 5")
        async with self._uow() as uow:
            ticket = await self._own(uow, requester_id, ticket_id)
            if ticket.status != TicketStatus.CLOSED:
                raise TicketStillOpen(str(ticket_id))
            ticket.rating = stars
            uow.session.add(_event(ticket.id, f"rated:{stars}", None, self._clock.now()))
            await uow.commit()
        return await self.get(ticket_id)

    async def comment(self, requester_id: int, ticket_id: int, text: str) -> TicketView:
        async with self._uow() as uow:
            ticket = await self._own(uow, requester_id, ticket_id)
            ticket.rating_comment = text.strip()[:MAX_COMMENT]
            await uow.commit()
        return await self.get(ticket_id)

    # -- helpers -------------------------------------------------------------------

    @staticmethod
    async def _ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
        ticket = await uow.session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(str(ticket_id))
        return ticket

    async def _own(self, uow: UnitOfWork, requester_id: int, ticket_id: int) -> Ticket:
        ticket = await uow.session.get(Ticket, ticket_id)
        if ticket is None or ticket.buyer_id != requester_id:
            raise TicketNotFound(str(ticket_id))  # someone else's ticket does not exist
        return ticket


class SlaWatch:
    """Periodic: reminds the staff topic of tickets past their first-response target
    (once per wait), and prunes the conversation log kept for summaries."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def run_once(self) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            due = (
                (
                    await uow.session.execute(
                        select(Ticket).where(
                            Ticket.status == TicketStatus.OPEN,
                            Ticket.sla_due_at <= now,
                            Ticket.sla_breached.is_(False),
                            Ticket.staff_chat_id.is_not(None),
                        )
                    )
                )
                .scalars()
                .all()
            )
            for ticket in due:
                ticket.sla_breached = True
                view = await _view(uow, ticket)
                waited = int((now - (ticket.waiting_since or ticket.opened_at)).total_seconds())
                assert ticket.staff_chat_id is not None
                await enqueue(
                    uow,
                    Notification(
                        ticket.staff_chat_id,
                        "ticket_sla",
                        {
                            "ticket_id": ticket.id,
                            "thread_id": ticket.topic_id,
                            "summary_message_id": ticket.summary_message_id,
                            "title": title_parts(view),
                            "waited_minutes": waited // 60,
                            "assignee": ticket.assignee_name,
                        },
                    ),
                    now=now,
                    dedupe_key=f"ticket:{ticket.id}:sla:{ticket.sla_due_at.isoformat()}"
                    if ticket.sla_due_at
                    else None,
                )
                uow.session.add(_event(ticket.id, "sla_breached", None, now))
            await uow.session.execute(
                delete(ChatLogEntry).where(ChatLogEntry.at < now - CHAT_LOG_KEEP)
            )
            await uow.commit()
        if due:
            log.info("ticket first-response targets missed", extra={"count": len(due)})
        return len(due)

    async def run_forever(self, interval: float = 30.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("sla watch failed")
            await asyncio.sleep(interval)


def title_parts(ticket: TicketView) -> dict[str, Any]:
    """What a topic title is made of (rendered by the handlers)."""
    return {
        "id": ticket.id,
        "name": ticket.requester_name,
        "order": ticket.order_number,
        "closed": ticket.status == TicketStatus.CLOSED,
        "breached": ticket.sla_breached and ticket.status == TicketStatus.OPEN,
    }


async def _view(uow: UnitOfWork, ticket: Ticket) -> TicketView:
    requester = await uow.session.get(ChatUser, ticket.buyer_id)
    assert requester is not None
    order = await uow.orders.get(ticket.order_id, full=False) if ticket.order_id else None
    claim = await uow.session.get(Claim, ticket.claim_id) if ticket.claim_id else None
    shop = await uow.shops.get(ticket.shop_id) if ticket.shop_id else None
    policy = DeskPolicy.for_shop(shop)
    return TicketView(
        id=ticket.id,
        status=TicketStatus(ticket.status),
        reason=EscalationReason(ticket.reason),
        requester_id=requester.id,
        requester_chat=requester.external_id,
        requester_name=requester.first_name or (requester.username or str(requester.external_id)),
        requester_username=requester.username,
        requester_unreachable=requester.unreachable,
        order_id=ticket.order_id,
        order_number=order.order_number if order else None,
        claim_id=ticket.claim_id,
        claim_number=claim.claim_number if claim else None,
        claim_status=ClaimStatus(claim.status) if claim else None,
        claim_type=ClaimType(claim.type) if claim else None,
        shop_name=shop.name if shop else None,
        staff_chat_id=ticket.staff_chat_id,
        topic_id=ticket.topic_id,
        summary_message_id=ticket.summary_message_id,
        assignee_id=ticket.assignee_id,
        assignee_name=ticket.assignee_name,
        rating=ticket.rating,
        sla_breached=ticket.sla_breached,
        waiting_since=ticket.waiting_since,
        opened_at=ticket.opened_at,
        closed_at=ticket.closed_at,
        signature=shop.name if shop and policy.signature == "shop" else None,
    )


async def _claim_facts(
    uow: UnitOfWork, claim_id: int | None, media: MediaStore | None = None
) -> ClaimFacts | None:
    if claim_id is None:
        return None
    claim = (
        await uow.session.execute(
            select(Claim).where(Claim.id == claim_id).options(selectinload(Claim.photos))
        )
    ).scalar_one_or_none()
    if claim is None:
        return None
    order = await uow.session.get(Order, claim.order_id)
    return ClaimFacts(
        number=claim.claim_number,
        status=ClaimStatus(claim.status),
        type=claim.type,
        reason=claim.reason,
        amount=claim.requested_amount,
        currency=claim.currency,
        note=claim.buyer_note,
        photos=tuple(str(media.absolute(p.path)) if media else p.path for p in claim.photos),
        order_number=order.order_number if order else "",
    )


async def _tell_sellers_verdict(
    uow: UnitOfWork, claim: Claim, refunded: Decimal | None, now: datetime
) -> None:
    """The shop's sellers learn the outcome of an appeal on their claim (a granted
    replacement is theirs to ship)."""
    order = await uow.orders.get(claim.order_id)
    assert order is not None
    params = {
        "claim_id": claim.id,
        "claim_number": claim.claim_number,
        "status": claim.status,
        "refunded": str(refunded) if refunded is not None else None,
        "currency": claim.currency,
    }
    for chat_id in await seller_chat_ids(uow, order):
        await enqueue(
            uow,
            Notification(int(chat_id), "claim_appeal_decided", params),
            now=now,
            dedupe_key=f"claim:{claim.id}:verdict:{chat_id}",
        )


def _appeal_decided_by(claim: Claim) -> int | None:
    """The chat user who moved the claim out of APPEALED (0 when it was not a person),
    or None when it never left an appeal (it was not appealed: a plain wrong state)."""
    for event in reversed(claim.history):
        if event.from_status == ClaimStatus.APPEALED:
            return event.actor_id or 0
    return None


async def _events(uow: UnitOfWork, ticket_id: int) -> list[TicketMessage]:
    return list(
        (
            await uow.session.execute(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            )
        )
        .scalars()
        .all()
    )


async def _started_fresh(uow: UnitOfWork, ticket: Ticket) -> bool:
    """The requester chose "Start fresh" after the ticket last closed."""
    for message in reversed(await _events(uow, ticket.id)):
        if message.direction == "event" and message.text == "fresh_start":
            return True
        if message.direction == "event" and message.text == "closed":
            return False
    return False


async def _staff_answered_since_reopen(uow: UnitOfWork, ticket: Ticket) -> bool:
    for message in reversed(await _events(uow, ticket.id)):
        if message.direction == "staff":
            return True
        if message.direction == "event" and message.text == "reopened":
            return False
    return False


def _event(ticket_id: int, what: str, author: str | None, now: datetime) -> TicketMessage:
    return TicketMessage(
        ticket_id=ticket_id, direction="event", author_name=author, kind="event", text=what, at=now
    )


def _message(
    ticket: Ticket,
    direction: str,
    author_id: int | None,
    author_name: str,
    kind: str,
    text: str | None,
    copy: tuple[int, int] | None,
    now: datetime,
) -> TicketMessage:
    return TicketMessage(
        ticket_id=ticket.id,
        direction=direction,
        author_id=author_id,
        author_name=author_name,
        kind=kind,
        text=text,
        copy_chat_id=copy[0] if copy else None,
        copy_message_id=copy[1] if copy else None,
        at=now,
    )
