"""A seller's decision on a marketplace claim or cancellation request: sent to the
marketplace first, recorded only once it accepted.

The marketplace call is made outside any database transaction (no lock is held while
its API answers); the claim is then moved in one transaction of its own, checked again
against where it is (a sync or another seller may have moved it meanwhile).  When the
marketplace refuses (`DecisionRefused`: decided there already, window closed), the
claim is brought to the status the marketplace reports and the refusal is raised for
the seller to read; when it cannot be reached (`MarketplaceError`) nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, ClaimType
from bot.domain.errors import InvalidTransition, NotAllowed
from bot.domain.marketplace import APPROVE, REJECT, approved_status, seller_actions
from bot.services.cancellations import MAX_REASON
from bot.services.claim_state import move, tell_buyer
from bot.services.marketplace import AfterSales, DecisionRefused, NotConnected, RejectReason
from bot.services.marketplace_claims import tell_buyer_cancellation
from bot.services.seller_claims import MAX_NOTE, AlreadyDecided, Decision, authorised_claim
from storage.models import CancelRequest, Claim, Order
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Target:
    marketplace: str
    external_id: str
    shop_id: int
    status: str


@dataclass(frozen=True, slots=True)
class CancelDecision:
    request_id: int
    order_number: str
    status: str


class MarketplaceDecisions:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, after_sales: Mapping[str, AfterSales]
    ) -> None:
        self._uow = uow
        self._clock = clock
        # Keyed by marketplace ("tiktok"); the same mapping as `Services.after_sales`.
        self._after_sales = after_sales

    def port(self, marketplace: str) -> AfterSales:
        """The connector for `marketplace`; NotConnected when none is configured."""
        port = self._after_sales.get(marketplace)
        if port is None:
            raise NotConnected(f"no {marketplace} connector configured")
        return port

    # ------------------------------------------------------------------ claims

    async def _claim(
        self, uow: UnitOfWork, user_id: int, claim_id: int, *, for_update: bool
    ) -> tuple[Claim, Order]:
        claim, order = await authorised_claim(uow, user_id, claim_id, for_update=for_update)
        if claim.marketplace is None or claim.external_id is None:
            raise InvalidTransition("not a marketplace claim")
        return claim, order

    async def _target(self, user_id: int, claim_id: int, action: str) -> _Target:
        async with self._uow(readonly=True) as uow:
            claim, order = await self._claim(uow, user_id, claim_id, for_update=False)
            if action not in seller_actions(ClaimStatus(claim.status)):
                raise InvalidTransition(f"claim is {claim.status}")
            assert claim.marketplace is not None and claim.external_id is not None
            return _Target(claim.marketplace, claim.external_id, order.shop_id, claim.status)

    async def reject_reasons(self, user_id: int, claim_id: int) -> list[RejectReason]:
        """The marketplace's reasons for refusing this claim (what the seller picks)."""
        target = await self._target(user_id, claim_id, REJECT)
        return await self.port(target.marketplace).reject_reasons(
            target.shop_id, target.external_id
        )

    async def approve(self, user_id: int, claim_id: int) -> Decision:
        target = await self._target(user_id, claim_id, APPROVE)
        port = self.port(target.marketplace)
        try:
            await port.approve_return(target.shop_id, target.external_id)
        except DecisionRefused as exc:
            await self._reconcile(claim_id, exc.status)
            raise
        return await self._record(user_id, claim_id, target, approve=True, note=None)

    async def reject(self, user_id: int, claim_id: int, reason: str, note: str | None) -> Decision:
        """Reject with one of the marketplace's reasons (its code, checked against what
        the marketplace offers now: button data proves nothing) and an optional note."""
        note = (note or "").strip() or None
        if note is not None and len(note) > MAX_NOTE:
            raise InvalidTransition("the note is too long")
        target = await self._target(user_id, claim_id, REJECT)
        port = self.port(target.marketplace)
        offered = {r.code: r for r in await port.reject_reasons(target.shop_id, target.external_id)}
        if reason not in offered:
            raise InvalidTransition("not one of the marketplace's reasons")
        try:
            await port.reject_return(target.shop_id, target.external_id, reason, note)
        except DecisionRefused as exc:
            await self._reconcile(claim_id, exc.status)
            raise
        words = offered[reason].label + (f" — {note}" if note else "")
        return await self._record(user_id, claim_id, target, approve=False, note=words)

    async def _record(
        self, user_id: int, claim_id: int, target: _Target, *, approve: bool, note: str | None
    ) -> Decision:
        """Move the claim as the marketplace accepted (one transaction)."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                claim, order = await self._claim(uow, user_id, claim_id, for_update=True)
                if claim.status != target.status:
                    raise AlreadyDecided()  # moved by a sync or another seller meanwhile
                current = ClaimStatus(claim.status)
                to = (
                    approved_status(
                        current, return_goods=ClaimType(claim.type) == ClaimType.RETURN_AND_REFUND
                    )
                    if approve
                    else ClaimStatus.REJECTED
                )
                move(
                    claim,
                    to,
                    actor=ActorKind.SELLER,
                    actor_id=user_id,
                    note=note,
                    now=now,
                    allowed={current},
                )
                await tell_buyer(uow, claim, now)
                uow.audit.record(
                    at=now,
                    actor_kind=ActorKind.SELLER,
                    actor_id=user_id,
                    action=f"claim.{claim.status.lower()}",
                    entity="claim",
                    entity_id=claim.id,
                    details={"marketplace": target.marketplace},
                )
                buyer = await uow.chat_users.get(claim.buyer_id)
                decision = Decision(
                    claim.id,
                    claim.claim_number,
                    ClaimStatus(claim.status),
                    None,
                    claim.currency,
                    order_number=order.order_number,
                    buyer_name=buyer.first_name if buyer else None,
                    timezone=order.shop.timezone or "UTC",
                )
                await uow.commit()
                return decision
        except StaleDataError:
            raise AlreadyDecided() from None

    async def _reconcile(self, claim_id: int, status: ClaimStatus | None) -> None:
        """The marketplace refused the decision and said where the claim is there:
        the claim follows it (the buyer hears of the move when linked)."""
        if status is None:
            return
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                claim = await uow.session.get(
                    Claim,
                    claim_id,
                    options=(selectinload(Claim.history),),
                    with_for_update=True,
                )
                if claim is None or claim.status == status:
                    return
                move(
                    claim,
                    status,
                    actor=ActorKind.SYSTEM,
                    actor_id=None,
                    note=None,
                    now=now,
                    allowed=tuple(ClaimStatus),
                )
                await tell_buyer(uow, claim, now)
                await uow.commit()
                log.info(
                    "claim reconciled to the marketplace",
                    extra={"claim_id": claim_id, "status": status.value},
                )
        except StaleDataError:
            return  # moved by someone else meanwhile (a sync): that one is newer

    # ----------------------------------------------------------- cancellations

    async def _request(
        self, uow: UnitOfWork, user_id: int, request_id: int, *, for_update: bool
    ) -> tuple[CancelRequest, Order]:
        request = await uow.session.get(CancelRequest, request_id, with_for_update=for_update)
        if request is None:
            raise NotAllowed("no such request")
        order = await uow.orders.get(request.order_id)
        assert order is not None
        if not await uow.shops.is_seller(user_id, order.shop_id):
            raise NotAllowed("not a seller of this shop")
        if request.marketplace is None or request.external_id is None:
            raise InvalidTransition("not a marketplace request")
        return request, order

    async def _cancel_target(self, user_id: int, request_id: int) -> _Target:
        async with self._uow(readonly=True) as uow:
            request, order = await self._request(uow, user_id, request_id, for_update=False)
            if request.status != "requested":
                raise InvalidTransition(f"request is {request.status}")
            assert request.marketplace is not None and request.external_id is not None
            return _Target(request.marketplace, request.external_id, order.shop_id, "requested")

    async def cancellation_order(self, user_id: int, request_id: int) -> tuple[str, str]:
        """The order number and the marketplace of a cancellation waiting for this
        seller: what a typed decision's confirmation names before anything is sent."""
        async with self._uow(readonly=True) as uow:
            request, order = await self._request(uow, user_id, request_id, for_update=False)
            if request.status != "requested":
                raise InvalidTransition(f"request is {request.status}")
            assert request.marketplace is not None
            return order.order_number, request.marketplace

    async def cancellation_reasons(self, user_id: int, request_id: int) -> list[RejectReason]:
        target = await self._cancel_target(user_id, request_id)
        return await self.port(target.marketplace).reject_reasons(
            target.shop_id, target.external_id
        )

    async def decide_cancellation(
        self,
        user_id: int,
        request_id: int,
        *,
        approve: bool,
        reason: str | None = None,
        note: str | None = None,
    ) -> CancelDecision:
        """Approve or reject (with one of the marketplace's reasons) a cancellation
        filed on the marketplace.  On a refusal the adapter has already written the
        request as the marketplace has it (through its inbox, as a sync would), so
        the `DecisionRefused` is only passed on for the seller to read."""
        target = await self._cancel_target(user_id, request_id)
        port = self.port(target.marketplace)
        if approve:
            await port.approve_cancellation(target.shop_id, target.external_id)
        else:
            offered = {
                r.code for r in await port.reject_reasons(target.shop_id, target.external_id)
            }
            if reason not in offered:
                raise InvalidTransition("not one of the marketplace's reasons")
            await port.reject_cancellation(target.shop_id, target.external_id, reason, note)
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                request, order = await self._request(uow, user_id, request_id, for_update=True)
                if request.status != "requested":
                    raise AlreadyDecided()
                request.status = "approved" if approve else "rejected"
                request.decided_by_kind, request.decided_by = ActorKind.SELLER, user_id
                request.decided_at = now
                request.note = note[:MAX_REASON] if note else request.note
                await tell_buyer_cancellation(uow, request, order, now)
                uow.audit.record(
                    at=now,
                    actor_kind=ActorKind.SELLER,
                    actor_id=user_id,
                    action=f"cancel_request.{request.status}",
                    entity="order",
                    entity_id=order.id,
                    details={"marketplace": target.marketplace},
                )
                await uow.commit()
                return CancelDecision(request.id, order.order_number, request.status)
        except StaleDataError:
            raise AlreadyDecided() from None
