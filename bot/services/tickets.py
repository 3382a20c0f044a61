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

Its parts: what a ticket is (views, refusals, policy, history rows) in
`ticket_records`, staff arbitration of appeals in `ticket_appeals`, the first-response
watch in `ticket_sla`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, EscalationReason, TicketStatus
from bot.domain.errors import ClaimNotFound, InvalidTransition, NotAllowed
from bot.domain.marketplace import ensure_ours
from bot.domain.policy import DEFAULT_FIRST_RESPONSE_MINUTES, DeskPolicy
from bot.services.claim_state import move
from bot.services.ticket_appeals import AppealDecisions
from bot.services.ticket_records import (
    AppealDecided,
    AppealDecision,
    ClaimFacts,
    Line,
    Opened,
    OtherTicketOpen,
    StaffAlreadyAnswered,
    StaffReplied,
    Summary,
    TicketAlreadyOpen,
    TicketClosed,
    TicketNotFound,
    TicketStillOpen,
    TicketView,
    claim_facts,
    event_row,
    message_row,
    title_parts,
    view_of,
)
from bot.services.ticket_sla import CHAT_LOG_KEEP, SlaWatch
from storage.media import MediaStore
from storage.models import ChatUser, Shop, Ticket
from storage.uow import UnitOfWork, UnitOfWorkFactory

# The ticket's parts live in their own modules; these names are the ones callers use.
__all__ = [
    "CHAT_LOG_KEEP",
    "DEFAULT_FIRST_RESPONSE_MINUTES",
    "MAX_COMMENT",
    "REOPEN_WINDOW",
    "AppealDecided",
    "AppealDecision",
    "ClaimFacts",
    "DeskPolicy",
    "Line",
    "Opened",
    "OtherTicketOpen",
    "SlaWatch",
    "StaffAlreadyAnswered",
    "StaffReplied",
    "Summary",
    "TicketAlreadyOpen",
    "TicketClosed",
    "TicketNotFound",
    "TicketService",
    "TicketStillOpen",
    "TicketView",
    "title_parts",
]

log = logging.getLogger(__name__)

# What opening a ticket did: the ticket, whether it is new, when people are back
# (outside business hours), and the claim of a request that joined it about another one.
Joined = tuple[int, bool, datetime | None, int | None]

REOPEN_WINDOW = timedelta(hours=24)  # a requester writing within this reopens the ticket
RECENT_LINES = 10  # lines of the bot conversation shown in a ticket's summary
RECENT_CLAIMS = 3  # the requester's newest return requests listed in the summary
MAX_COMMENT = 1000


# ------------------------------------------------------------------------ service


class TicketService(AppealDecisions):
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
        """The buyer disagrees with a rejection, or with a partial refund (less than
        they asked, which sets an appeal window too): the claim goes to staff
        arbitration."""
        now = self._clock.now()
        async with self._uow() as uow:
            claim = await uow.claims.get(claim_id)
            if claim is None or claim.buyer_id != buyer_id:
                raise ClaimNotFound(str(claim_id))
            ensure_ours(claim.marketplace, "appeal")  # appealed on the marketplace
            appealable = (ClaimStatus.REJECTED, ClaimStatus.REFUNDED)
            if claim.status not in appealable or claim.appeal_by is None:
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
                allowed=set(appealable),
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
    ) -> Joined:
        now = self._clock.now()
        ticket = await uow.tickets.open_of(requester_id)
        if ticket is not None:
            # One conversation with staff at a time: a second reason joins the first.
            ticket.order_id = ticket.order_id or order_id
            joined: int | None = None
            if reason == EscalationReason.APPEAL:
                # The appeal is what staff must decide now: the ticket's claim becomes
                # the appealed one (its summary is posted again with the verdicts).
                ticket.claim_id = claim_id
            elif claim_id is not None and ticket.claim_id not in (None, claim_id):
                # About another claim than the ticket's (a seller's second "Ask
                # platform support"): the ticket keeps its claim, and this one is
                # named to staff and in the transcript, or they could not tell.
                joined = claim_id
            else:
                ticket.claim_id = ticket.claim_id or claim_id
            what = "also:" + reason.value
            if joined is not None:
                claim = await uow.claims.get(joined)
                what += f" {claim.claim_number}" if claim else ""
            uow.session.add(event_row(ticket.id, what, None, now))
            return ticket.id, False, None, joined
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
        uow.session.add(event_row(ticket.id, "opened:" + reason.value, None, now))
        answer_from = None if policy.hours.is_open(now) else policy.hours.next_open(now)
        log.info("ticket opened", extra={"ticket_id": ticket.id, "reason": reason.value})
        return ticket.id, True, answer_from, None

    async def _opened(self, opened: Joined) -> Opened:
        ticket_id, created, answer_from, joined = opened
        facts = None
        if joined is not None:
            async with self._uow(readonly=True) as uow:
                facts = await claim_facts(uow, joined, self._media)
        return Opened(await self.get(ticket_id), created, answer_from, facts)

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

    # -- finding -----------------------------------------------------------------

    async def get(self, ticket_id: int) -> TicketView:
        async with self._uow(readonly=True) as uow:
            ticket = await uow.session.get(Ticket, ticket_id)
            if ticket is None:
                raise TicketNotFound(str(ticket_id))
            return await view_of(uow, ticket)

    async def current(self, requester_id: int) -> TicketView | None:
        """The requester's open ticket, if any."""
        async with self._uow(readonly=True) as uow:
            ticket = await uow.tickets.open_of(requester_id)
            return await view_of(uow, ticket) if ticket else None

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
            ticket = await uow.tickets.closed_since(requester_id, now - REOPEN_WINDOW)
            if ticket is None or await _started_fresh(uow, ticket):
                return None
            return await view_of(uow, ticket)

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
                ticket.sla_breached = False
                if staff_name is None:  # the requester wrote: they wait for an answer
                    ticket.waiting_since = now
                    ticket.sla_due_at = policy.hours.add_business_minutes(
                        now, policy.first_response_minutes
                    )
                else:  # staff reopened it and told them: nobody waits for staff yet
                    ticket.waiting_since = None
                    ticket.sla_due_at = None
                uow.session.add(event_row(ticket.id, "reopened", staff_name, now))
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
            other = await uow.tickets.open_of(ticket.buyer_id)
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
            uow.session.add(event_row(ticket.id, "fresh_start", None, now))
            await uow.commit()
        log.info("requester started fresh", extra={"ticket_id": ticket_id})
        return await self.get(ticket_id)

    async def by_topic(self, chat_id: int, thread_id: int) -> TicketView | None:
        async with self._uow(readonly=True) as uow:
            ticket = await uow.tickets.in_topic(chat_id, thread_id)
            return await view_of(uow, ticket) if ticket else None

    async def by_message(self, chat_id: int, message_id: int) -> TicketView | None:
        """The ticket a staff message replies to (plain-group relaying): its summary or
        any message relayed into the group for it."""
        async with self._uow(readonly=True) as uow:
            ticket = await uow.tickets.of_staff_message(chat_id, message_id)
            return await view_of(uow, ticket) if ticket else None

    async def summary(self, ticket_id: int) -> Summary:
        async with self._uow(readonly=True) as uow:
            ticket = await self._ticket(uow, ticket_id)
            view = await view_of(uow, ticket)
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
            claim = await claim_facts(uow, ticket.claim_id, self._media)
            claims = await uow.claims.recent_of_buyer(
                ticket.buyer_id, RECENT_CLAIMS, leave_out=ticket.claim_id
            )
            recent = await uow.tickets.chat_before(
                requester.channel, requester.external_id, ticket.opened_at, RECENT_LINES
            )
            # A seller's ticket: asked about a claim, or opened by someone who only sells
            # here (no order of their own linked), who is no buyer to staff.
            is_seller = ticket.reason == EscalationReason.SELLER_HELP or (
                not orders and bool(await uow.shops.seller_shop_ids(ticket.buyer_id))
            )
            policy = DeskPolicy.for_shop(
                await uow.shops.get(ticket.shop_id) if ticket.shop_id else None
            )
            now = self._clock.now()
            return Summary(
                ticket=view,
                role="seller" if is_seller else "buyer",
                orders=tuple(listed),
                claim=claim,
                claims=tuple(claims) if not is_seller else (),
                recent=tuple((r.direction, r.text, r.at) for r in recent),
                answer_from=None if policy.hours.is_open(now) else policy.hours.next_open(now),
                conversation=tuple(
                    Line(m.at, m.direction, m.author_name, m.kind, m.text)
                    for m in await uow.tickets.last_exchanged(ticket.id, RECENT_LINES)
                ),
            )

    async def open_tickets(self) -> list[TicketView]:
        """What `/tickets` lists, oldest first: every open ticket, and a closed one that
        still holds an appeal waiting for a verdict (closed before anyone decided: it
        is staff's to decide all the same)."""
        async with self._uow(readonly=True) as uow:
            views = [await view_of(uow, t) for t in await uow.tickets.all_open()]
            for closed in await uow.tickets.closed_about_appealed_claims():
                view = await view_of(uow, closed)
                if view.holds_appeal:
                    views.append(view)
            return sorted(views, key=lambda v: v.opened_at)

    async def transcript(self, ticket_id: int) -> tuple[TicketView, list[Line]]:
        async with self._uow(readonly=True) as uow:
            ticket = await self._ticket(uow, ticket_id)
            lines = [
                Line(r.at, r.direction, r.author_name, r.kind, r.text)
                for r in await uow.tickets.events(ticket_id)
            ]
            return await view_of(uow, ticket), lines

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

    async def move_summary(self, ticket_id: int, message_id: int) -> TicketView:
        """The summary was posted again (an appeal joined the ticket): the new post is
        the one whose buttons are kept in line with the ticket, so one set stays live.
        The old post stays a way in: staff replying to it in a plain group still reach
        the ticket (recorded like a relayed copy)."""
        now = self._clock.now()
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            old = ticket.summary_message_id
            if old is not None and ticket.staff_chat_id is not None:
                row = event_row(ticket.id, "summary_again", None, now)
                row.copy_chat_id, row.copy_message_id = ticket.staff_chat_id, old
                uow.session.add(row)
            ticket.summary_message_id = message_id
            await uow.commit()
        return await self.get(ticket_id)

    async def forget_place(self, ticket_id: int) -> TicketView:
        """The topic was deleted: the next message creates a new one for this ticket."""
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            ticket.topic_id = None
            ticket.summary_message_id = None
            uow.session.add(event_row(ticket.id, "topic_recreated", None, self._clock.now()))
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
                message_row(ticket, "buyer", ticket.buyer_id, author_name, kind, text, copy, now)
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
            uow.session.add(
                message_row(ticket, "staff", staff_id, staff_name, kind, text, copy, now)
            )
            await uow.commit()
        return StaffReplied(await self.get(ticket_id), first, was_breached)

    async def record_note(
        self, ticket_id: int, *, staff_id: int, staff_name: str, text: str
    ) -> None:
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            uow.session.add(
                message_row(
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
            uow.session.add(event_row(ticket.id, "unreachable", None, self._clock.now()))
            await uow.commit()

    # -- staff decisions -----------------------------------------------------------

    async def assign(self, ticket_id: int, *, staff_id: int, staff_name: str) -> TicketView:
        async with self._uow() as uow:
            ticket = await self._ticket(uow, ticket_id)
            if ticket.status != TicketStatus.OPEN:
                raise TicketClosed(str(ticket_id))
            ticket.assignee_id = staff_id
            ticket.assignee_name = staff_name
            uow.session.add(event_row(ticket.id, "assigned", staff_name, self._clock.now()))
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
            uow.session.add(event_row(ticket.id, "closed", staff_name, now))
            await uow.commit()
        log.info("ticket closed", extra={"ticket_id": ticket_id})
        return await self.get(ticket_id)

    # -- the requester's rating ----------------------------------------------------

    async def rate(self, requester_id: int, ticket_id: int, stars: int) -> TicketView:
        if not 1 <= stars <= 5:
            raise NotAllowed("a rating is 1 to 5")
        async with self._uow() as uow:
            ticket = await self._own(uow, requester_id, ticket_id)
            if ticket.status != TicketStatus.CLOSED:
                raise TicketStillOpen(str(ticket_id))
            ticket.rating = stars
            uow.session.add(event_row(ticket.id, f"rated:{stars}", None, self._clock.now()))
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


async def _started_fresh(uow: UnitOfWork, ticket: Ticket) -> bool:
    """The requester chose "Start fresh" after the ticket last closed."""
    for message in reversed(await uow.tickets.events(ticket.id)):
        if message.direction == "event" and message.text == "fresh_start":
            return True
        if message.direction == "event" and message.text == "closed":
            return False
    return False


async def _staff_answered_since_reopen(uow: UnitOfWork, ticket: Ticket) -> bool:
    for message in reversed(await uow.tickets.events(ticket.id)):
        if message.direction == "staff":
            return True
        if message.direction == "event" and message.text == "reopened":
            return False
    return False
