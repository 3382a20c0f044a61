"""The after-sales clock: what happens when someone does not act in time.

Driven by the database, not by timers in memory: each run asks "what is due now?"
(the injected clock), so a restart loses nothing and tests move a fake clock instead
of sleeping.  Every claim is handled in its own transaction that re-checks the status
and is protected by the claim's version column, so two bot processes running the job
at once cannot both act on one claim; on PostgreSQL the claim is read `FOR UPDATE SKIP
LOCKED`, so a claim another worker (or a person) is acting on is left to the next run
instead of waited for.

Due work (windows per shop: README, "Shop settings"):
* REQUESTED past its response deadline → approved for the buyer (system);
* REQUESTED refund-only under the shop's auto-approve amount → approved at once;
* AWAITING_BUYER_SHIPMENT past ship-by → closed (the buyer did not send it back);
* BUYER_SHIPPED past receive-by → receipt auto-confirmed and refunded;
* REJECTED past the appeal window → closed;
* sellers reminded 24 h and 4 h before a response deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, ClaimType
from bot.domain.errors import InvalidTransition
from bot.domain.history import coded
from bot.domain.policy import ShopPolicy
from bot.services.claim_state import move, refund_claim, tell_buyer
from bot.services.notices import ClaimReminder
from bot.services.outbox import Notification, enqueue
from bot.services.returns import seller_chat_ids
from storage.models import Claim, Order
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

REMINDERS = (timedelta(hours=24), timedelta(hours=4))
SYSTEM = ActorKind.SYSTEM


@dataclass
class DeadlineReport:
    auto_approved: int = 0
    closed_not_shipped: int = 0
    auto_received: int = 0
    appeals_closed: int = 0
    reminders: int = 0
    skipped: int = 0  # somebody else acted first
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            self.auto_approved
            + self.closed_not_shipped
            + self.auto_received
            + self.appeals_closed
            + self.reminders
        )


Action = Callable[[UnitOfWork, Claim, Order, datetime], Awaitable[None]]


class DeadlineJob:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def run_once(self) -> DeadlineReport:
        now = self._clock.now()
        report = DeadlineReport()
        async with self._uow(readonly=True) as uow:
            open_claims = await uow.claims.open_with_deadlines(
                [
                    ClaimStatus.REQUESTED.value,
                    ClaimStatus.AWAITING_BUYER_SHIPMENT.value,
                    ClaimStatus.BUYER_SHIPPED.value,
                    ClaimStatus.REJECTED.value,
                ]
            )
            policies = {
                shop.id: ShopPolicy.from_settings(shop.settings) for shop in await uow.shops.all()
            }
        for row in open_claims:
            policy = policies[row.shop_id]
            status = ClaimStatus(row.status)
            if status == ClaimStatus.REQUESTED:
                small = (
                    row.type == ClaimType.REFUND
                    and policy.auto_approve_refund_below > 0
                    and row.requested_amount < policy.auto_approve_refund_below
                )
                if small or (row.respond_by is not None and row.respond_by <= now):
                    note = coded("auto_amount" if small else "seller_late")
                    await self._act(row.id, self._approve(note), report, "auto_approved")
                elif row.respond_by is not None:
                    await self._remind(row.id, row.respond_by, now, report)
            elif (
                status == ClaimStatus.AWAITING_BUYER_SHIPMENT and row.ship_by and row.ship_by <= now
            ):
                await self._act(row.id, self._close_not_shipped, report, "closed_not_shipped")
            elif status == ClaimStatus.BUYER_SHIPPED and row.receive_by and row.receive_by <= now:
                await self._act(row.id, self._auto_receive, report, "auto_received")
            elif status == ClaimStatus.REJECTED and row.appeal_by and row.appeal_by <= now:
                await self._act(row.id, self._close_appeal, report, "appeals_closed")
        if report.total or report.errors:
            log.info(
                "deadlines run",
                extra={k: v for k, v in vars(report).items() if k != "errors"},
            )
        return report

    async def _act(
        self, claim_id: int, action: Action, report: DeadlineReport, counter: str
    ) -> None:
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                claim = await uow.session.get(
                    Claim,
                    claim_id,
                    options=(selectinload(Claim.history), selectinload(Claim.items)),
                    with_for_update={"skip_locked": True},
                )
                if claim is None:  # another worker (or a person) holds it: next run
                    report.skipped += 1
                    return
                order = await uow.orders.get(claim.order_id)
                assert order is not None
                await action(uow, claim, order, now)
                uow.audit.record(
                    at=now,
                    actor_kind=SYSTEM,
                    actor_id=None,
                    action=f"deadline.{counter}",
                    entity="claim",
                    entity_id=claim.id,
                )
                await uow.commit()
        except (InvalidTransition, StaleDataError):
            report.skipped += 1  # a person (or another worker) acted first: fine
            return
        except Exception as exc:  # one bad claim must not stop the others
            log.exception("deadline action failed", extra={"claim_id": claim_id})
            report.errors.append(f"claim {claim_id}: {type(exc).__name__}")
            return
        setattr(report, counter, getattr(report, counter) + 1)

    # ---------------------------------------------------------------- actions

    def _approve(self, note: str) -> Action:
        async def apply(uow: UnitOfWork, claim: Claim, order: Order, now: datetime) -> None:
            policy = ShopPolicy.from_settings(order.shop.settings)
            move(
                claim,
                ClaimStatus.APPROVED,
                actor=SYSTEM,
                actor_id=None,
                note=note,
                now=now,
                allowed={ClaimStatus.REQUESTED},
            )
            claim.respond_by = None
            refunded: Decimal | None = None
            kind = ClaimType(claim.type)
            if kind == ClaimType.REFUND:
                refunded = await refund_claim(
                    uow,
                    claim,
                    claim.requested_amount,
                    actor=SYSTEM,
                    actor_id=None,
                    reason="auto-approved",
                    now=now,
                )
            elif kind == ClaimType.RETURN_AND_REFUND:
                move(
                    claim,
                    ClaimStatus.AWAITING_BUYER_SHIPMENT,
                    actor=SYSTEM,
                    actor_id=None,
                    note=None,
                    now=now,
                    allowed={ClaimStatus.APPROVED},
                )
                claim.ship_by = now + timedelta(days=policy.buyer_ship_back_days)
            await tell_buyer(uow, claim, now, refunded)

        return apply

    async def _close_not_shipped(
        self, uow: UnitOfWork, claim: Claim, order: Order, now: datetime
    ) -> None:
        move(
            claim,
            ClaimStatus.CLOSED,
            actor=SYSTEM,
            actor_id=None,
            note=coded("not_sent_back"),
            now=now,
            allowed={ClaimStatus.AWAITING_BUYER_SHIPMENT},
        )
        await tell_buyer(uow, claim, now)

    async def _auto_receive(
        self, uow: UnitOfWork, claim: Claim, order: Order, now: datetime
    ) -> None:
        move(
            claim,
            ClaimStatus.RECEIVED,
            actor=SYSTEM,
            actor_id=None,
            note=coded("auto_received"),
            now=now,
            allowed={ClaimStatus.BUYER_SHIPPED},
        )
        refunded = await refund_claim(
            uow,
            claim,
            claim.requested_amount,
            actor=SYSTEM,
            actor_id=None,
            reason="receipt auto-confirmed",
            now=now,
        )
        await tell_buyer(uow, claim, now, refunded)

    async def _close_appeal(
        self, uow: UnitOfWork, claim: Claim, order: Order, now: datetime
    ) -> None:
        move(
            claim,
            ClaimStatus.CLOSED,
            actor=SYSTEM,
            actor_id=None,
            note=coded("appeal_ended"),
            now=now,
            allowed={ClaimStatus.REJECTED},
        )
        claim.appeal_by = None

    async def _remind(
        self, claim_id: int, deadline: datetime, now: datetime, report: DeadlineReport
    ) -> None:
        """Remind the sellers once per threshold; the outbox dedupe key makes a second
        worker's (or a rerun's) reminder a no-op."""
        left = deadline - now
        due = [r for r in REMINDERS if left <= r]
        if not due:
            return
        threshold = min(due)
        hours = int(threshold.total_seconds() // 3600)
        async with self._uow() as uow:
            # Locked, skipping a claim another worker is reminding about right now: it
            # commits the reminder first, and its dedupe key then makes ours a no-op
            # (without the lock both would insert it, and one would fail).
            claim = await uow.session.get(Claim, claim_id, with_for_update={"skip_locked": True})
            if claim is None or claim.status != ClaimStatus.REQUESTED:
                return
            order = await uow.orders.get(claim.order_id)
            assert order is not None
            sent = 0
            for chat_id in await seller_chat_ids(uow, order):
                notice = ClaimReminder(
                    shop_id=order.shop_id,
                    claim_id=claim.id,
                    claim_number=claim.claim_number,
                    hours=hours,
                    deadline=deadline,
                    timezone=order.shop.timezone or "UTC",  # shown in the shop's time
                )
                sent += await enqueue(
                    uow,
                    Notification(chat_id, notice),
                    now=now,
                    dedupe_key=f"claim:{claim.id}:remind:{hours}h:chat:{chat_id}",
                )
            await uow.commit()
        report.reminders += sent

    async def run_forever(self, every_seconds: float = 30.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("deadline loop error")
            await asyncio.sleep(every_seconds)
