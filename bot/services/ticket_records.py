"""What a ticket is to the rest of the code: its view, the summary and transcript
lines staff read, the refusals of its use cases, and the rows its history is made of
(a shop's support promises, `DeskPolicy`, live with its other settings in
`bot.domain.policy`).  Shared by the ticket services (`bot.services.tickets`,
`ticket_appeals`, `ticket_sla`); `bot.services.tickets` re-exports the public names.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from bot.domain.enums import (
    ActorKind,
    ClaimStatus,
    ClaimType,
    EscalationReason,
    TicketStatus,
)
from bot.domain.errors import DomainError, InvalidTransition, NotFound
from bot.domain.languages import LANGUAGE_KEYS
from bot.domain.policy import DeskPolicy
from bot.services.notices import TopicTitle
from bot.services.refunds import claim_refunded
from storage.media import MediaStore
from storage.models import ChatUser, Claim, Order, Ticket, TicketMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


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
    timezone: str = "UTC"  # the shop's: times shown to staff are in it
    # While the claim is appealed: the one ticket where staff decide the appeal (the
    # buyer's latest ticket about the claim).  A seller's ticket about the same claim
    # points there instead of showing a second set of verdict buttons.
    appeal_ticket_id: int | None = None
    # What the handlers need to write to each side in its own language (the staff
    # group reads the shop's staff language; the requester theirs): the requester's
    # stored language and whether they chose it, and the shop's language settings.
    requester_language: str | None = None
    requester_language_chosen: bool = False
    language_settings: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def holds_appeal(self) -> bool:
        """An appeal waits for staff's verdict in this ticket (its buttons are here)."""
        return self.appeal_ticket_id == self.id and self.claim_id is not None


@dataclass(frozen=True, slots=True)
class Opened:
    ticket: TicketView
    created: bool  # False: the requester already had this ticket open
    answer_from: datetime | None  # outside business hours: when people are back
    # The request joined an open ticket about another claim (a seller's "Ask platform
    # support" on a second claim): that claim, which staff must be shown by name.
    joined_claim: ClaimFacts | None = None


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
    # The claim's timeline: at, to status, actor kind, note (a seller's question, the
    # buyer's answer, a rejection's "reason: note", a partial refund's reason).
    history: tuple[tuple[datetime, str, str, str | None], ...] = ()
    refunded: Decimal = Decimal(0)  # what the ledger refunds on this claim so far
    # What an appeal is against (REJECTED or REFUNDED: a partial refund), if appealed.
    appealed_from: ClaimStatus | None = None
    # Each refund of the claim, oldest first: when, how much and who issued it (the
    # seller's partial refund, then what support paid on appeal), so a summary says
    # what was refunded and when, not the total as the seller's.
    refunds: tuple[tuple[datetime, Decimal, ActorKind], ...] = ()

    def refunded_by(self, issuer: ActorKind) -> Decimal:
        return sum((amount for _, amount, kind in self.refunds if kind == issuer), Decimal(0))


@dataclass(frozen=True, slots=True)
class Summary:
    ticket: TicketView
    role: Literal["buyer", "seller"]
    orders: tuple[tuple[str, str, str], ...]  # number, status, shop name
    claim: ClaimFacts | None
    recent: tuple[tuple[str, str, datetime], ...]  # direction (in/out), text, at
    answer_from: datetime | None
    # The last messages between the requester and staff, oldest first: a summary posted
    # again (a reopened ticket whose topic was deleted, an appeal joining the ticket)
    # has the conversation so far, which the new topic does not show.
    conversation: tuple[Line, ...] = ()
    # The requester's newest return requests (number, status, order number) besides
    # the one `claim` shows in full: what a buyer who "still has a problem with the mug"
    # has asked for already, and how it went.
    claims: tuple[tuple[str, str, str], ...] = ()


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
    # The ticket that held the appeal and its verdict buttons (see `appeal_ticket_id`).
    appeal_ticket_id: int | None = None


def title_parts(ticket: TicketView) -> TopicTitle:
    """What a topic title is made of (rendered by the handlers)."""
    return TopicTitle(
        id=ticket.id,
        name=ticket.requester_name,
        order=ticket.order_number,
        closed=ticket.status == TicketStatus.CLOSED,
        breached=ticket.sla_breached and ticket.status == TicketStatus.OPEN,
    )


async def view_of(uow: UnitOfWork, ticket: Ticket) -> TicketView:
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
        timezone=policy.hours.tz.key,
        appeal_ticket_id=await appeal_ticket_id(uow, claim) if claim else None,
        requester_language=requester.language,
        requester_language_chosen=requester.language_chosen,
        language_settings={
            key: value
            for key, value in ((shop.settings or {}) if shop else {}).items()
            if key in LANGUAGE_KEYS
        },
    )


async def appeal_ticket_id(uow: UnitOfWork, claim: Claim) -> int | None:
    """Where the claim's appeal is decided while it waits: the buyer's latest ticket
    about it (the appeal opened it, or joined it and made it about the claim)."""
    if claim.status != ClaimStatus.APPEALED:
        return None
    return await uow.tickets.latest_about_claim(claim.id, claim.buyer_id)


async def claim_facts(
    uow: UnitOfWork, claim_id: int | None, media: MediaStore | None = None
) -> ClaimFacts | None:
    if claim_id is None:
        return None
    claim = await uow.claims.with_photos_and_history(claim_id)
    if claim is None:
        return None
    order = await uow.session.get(Order, claim.order_id)
    appealed_from = next(
        (
            ClaimStatus(e.from_status)
            for e in reversed(claim.history)
            if e.to_status == ClaimStatus.APPEALED and e.from_status
        ),
        None,
    )
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
        history=tuple((e.at, e.to_status, e.actor_kind, e.note) for e in claim.history),
        refunded=await claim_refunded(uow, claim.id),
        appealed_from=appealed_from,
        refunds=tuple(
            (r.created_at, r.amount, ActorKind(r.issuer_kind))
            for r in await uow.refunds.of_claim(claim.id)
        ),
    )


def event_row(ticket_id: int, what: str, author: str | None, now: datetime) -> TicketMessage:
    return TicketMessage(
        ticket_id=ticket_id, direction="event", author_name=author, kind="event", text=what, at=now
    )


def message_row(
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
