"""Staff arbitration of appealed rejections: uphold the seller or grant the buyer's
claim (a refund through the ledger with staff as issuer, or a replacement approved),
decided once even when two staff members press at the same moment.

A part of `TicketService` (it inherits `AppealDecisions`): the decision is recorded
on every ticket about the claim.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, ClaimType
from bot.domain.errors import AmountChanged, ClaimNotFound, InvalidTransition
from bot.domain.history import coded
from bot.domain.marketplace import ensure_ours
from bot.services.claim_state import move, refund_claim, tell_buyer
from bot.services.notices import ClaimAppealDecided
from bot.services.outbox import Notification, enqueue
from bot.services.refunds import claim_refunded, remaining_refundable
from bot.services.returns import seller_chat_ids
from bot.services.ticket_records import (
    AppealDecided,
    AppealDecision,
    TicketView,
    appeal_ticket_id,
    event_row,
)
from storage.models import Claim
from storage.uow import UnitOfWork, UnitOfWorkFactory


class AppealDecisions:
    _uow: UnitOfWorkFactory
    _clock: Clock

    async def get(self, ticket_id: int) -> TicketView:
        raise NotImplementedError  # TicketService's

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
                ensure_ours(claim.marketplace, "staff verdict")  # the marketplace's money
                if claim.status != ClaimStatus.APPEALED:
                    by = _appeal_decided_by(claim)
                    if by is None:
                        raise InvalidTransition(f"claim is {claim.status}")
                    decider = await uow.chat_users.get(by) if by else None
                    raise AppealDecided(decider.first_name if decider else None)
                holder = await appeal_ticket_id(uow, claim)  # before it leaves APPEALED
                refunded: Decimal | None = None
                if refund and claim.type == ClaimType.REPLACEMENT:
                    move(
                        claim,
                        ClaimStatus.APPROVED,
                        actor=ActorKind.STAFF,
                        actor_id=staff_id,
                        note=coded("support_replaced"),
                        now=now,
                        allowed={ClaimStatus.APPEALED},
                    )
                elif refund:
                    # What the claim asked minus what it was refunded already (an
                    # appealed partial refund): the rest, never the whole again.
                    already = await claim_refunded(uow, claim.id)
                    refunded = await refund_claim(
                        uow,
                        claim,
                        max(claim.requested_amount - already, Decimal(0)),
                        actor=ActorKind.STAFF,
                        actor_id=staff_id,
                        reason="appeal granted by support",
                        now=now,
                        key_suffix="full" if already == 0 else "appeal",
                        allowed={ClaimStatus.APPEALED},
                    )
                else:
                    move(
                        claim,
                        ClaimStatus.CLOSED,
                        actor=ActorKind.STAFF,
                        actor_id=staff_id,
                        note=coded("support_upheld"),
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
                ticket_ids = await uow.tickets.ids_about_claim(claim.id)
                verdict = "appeal_upheld"
                if refund:
                    replaced = claim.type == ClaimType.REPLACEMENT
                    verdict = "appeal_replacement" if replaced else "appeal_refunded"
                for ticket_id in ticket_ids:
                    uow.session.add(event_row(ticket_id, verdict, staff_name, now))
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
            holder,
        )

    async def _decider_name(self, claim_id: int) -> str | None:
        async with self._uow(readonly=True) as uow:
            claim = await uow.claims.get(claim_id)
            by = _appeal_decided_by(claim) if claim else None
            decider = await uow.chat_users.get(by) if by else None
            return decider.first_name if decider else None


async def _tell_sellers_verdict(
    uow: UnitOfWork, claim: Claim, refunded: Decimal | None, now: datetime
) -> None:
    """The shop's sellers learn the outcome of an appeal on their claim (a granted
    replacement is theirs to ship)."""
    order = await uow.orders.get(claim.order_id)
    assert order is not None
    notice = ClaimAppealDecided(
        shop_id=order.shop_id,
        claim_id=claim.id,
        claim_number=claim.claim_number,
        status=claim.status,
        refunded=refunded,
        currency=claim.currency,
    )
    for chat_id in await seller_chat_ids(uow, order):
        await enqueue(
            uow,
            Notification(int(chat_id), notice),
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
