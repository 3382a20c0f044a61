"""Buyer-side order use cases: prove ownership, list orders, open a card, cancel.

Every read of an order goes through `_linked_order`, so an order is visible only to the
chat users who proved it, whatever order id a button claims.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.enums import ActorKind, OrderStatus
from bot.domain.errors import DomainError, InvalidTransition, OrderNotFound
from bot.domain.policy import CANCEL_AT_ONCE
from bot.domain.text import clean_line
from bot.services.links import BadToken, LinkSigner
from bot.services.refunds import record_refund, remaining_refundable
from bot.services.views import OrderView, order_view
from storage.models import ChatUser, Order, OrderLink, ProofAttempt
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_FAILED_PROOFS = 5
PROOF_WINDOW = timedelta(hours=1)
ORDER_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$")
ORDER_LINK_KIND = "o"


class ProofRefused(DomainError):
    """Order number and proof do not match (deliberately silent on which part)."""


class TooManyAttempts(DomainError):
    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Identity:
    """The chat user behind an update, as stored."""

    id: int
    external_id: int
    first_name: str | None


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: tuple[OrderView, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class Cancelled:
    order: OrderView
    refund_amount: Decimal  # zero for unpaid orders


def normalise_email(text: str) -> str:
    return text.strip().lower()


def normalise_phone(text: str) -> str:
    return re.sub(r"\D", "", text)


def phones_match(given: str, on_order: str | None) -> bool:
    """Same number, allowing the buyer to leave out the country code."""
    a, b = normalise_phone(given), normalise_phone(on_order or "")
    if len(a) < 7 or len(b) < 7:
        return False
    if a == b:
        return True
    return len(a) >= 10 and len(b) >= 10 and a[-10:] == b[-10:]


def looks_like_order_number(text: str) -> bool:
    return bool(ORDER_NUMBER_RE.match(text.strip())) and any(c.isdigit() for c in text)


class OrderService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, signer: LinkSigner, page_size: int = 5
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._signer = signer
        self.page_size = page_size

    # -------------------------------------------------------------- identity

    async def identify(
        self,
        channel: str,
        external_id: int,
        first_name: str | None = None,
        username: str | None = None,
        language: str | None = None,
    ) -> Identity:
        """Find or register the chat user behind an update (keeps the profile fresh).

        Nearly every update is from someone known and unchanged: that costs one read,
        and only a new or changed profile opens a write transaction."""
        # Cut to the columns and without what PostgreSQL refuses (NUL): a forged or odd
        # profile must not make every update of this person fail.
        first_name = clean_line(first_name, 200) if first_name is not None else None
        username = clean_line(username, 64) if username is not None else None
        language = clean_line(language, 16) if language is not None else None
        profile = (first_name, username, language, False)
        async with self._uow(readonly=True) as uow:
            user = await uow.chat_users.get_by_external(channel, external_id)
            if (
                user is not None
                and (user.first_name, user.username, user.language, user.unreachable) == profile
            ):
                return Identity(user.id, user.external_id, user.first_name)
        async with self._uow() as uow:
            user = await uow.chat_users.get_by_external(channel, external_id)
            if user is None:
                user = ChatUser(
                    channel=channel,
                    external_id=external_id,
                    first_name=first_name,
                    username=username,
                    language=language,
                    created_at=self._clock.now(),
                )
                uow.chat_users.add(user)
            else:
                user.first_name, user.username, user.language = first_name, username, language
                user.unreachable = False  # they wrote to us, so they can be reached
            try:
                await uow.commit()
                return Identity(user.id, user.external_id, user.first_name)
            except IntegrityError:
                pass  # another worker registered them a moment ago: read theirs
        return await self.identify(channel, external_id, first_name, username, language)

    # ------------------------------------------------------------ ownership

    async def _check_throttle(self, uow: UnitOfWork, user_id: int, now: datetime) -> None:
        since = now - PROOF_WINDOW
        rows = await uow.session.execute(
            select(func.count(), func.min(ProofAttempt.at)).where(
                ProofAttempt.chat_user_id == user_id,
                ProofAttempt.succeeded.is_(False),
                ProofAttempt.at > since,
            )
        )
        failed, oldest = rows.one()
        if failed >= MAX_FAILED_PROOFS and oldest is not None:
            raise TooManyAttempts(oldest + PROOF_WINDOW - now)

    async def attempts_left(self, user_id: int) -> int:
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            failed = await uow.session.scalar(
                select(func.count()).where(
                    ProofAttempt.chat_user_id == user_id,
                    ProofAttempt.succeeded.is_(False),
                    ProofAttempt.at > now - PROOF_WINDOW,
                )
            )
        return max(0, MAX_FAILED_PROOFS - int(failed or 0))

    async def check_can_try(self, user_id: int) -> None:
        """Raise TooManyAttempts before even asking for proof, if the buyer must wait."""
        async with self._uow(readonly=True) as uow:
            await self._check_throttle(uow, user_id, self._clock.now())

    async def prove(
        self, user_id: int, order_number: str, *, email_or_phone: str, via_contact: bool = False
    ) -> OrderView:
        """Link an order to a chat user who knows its number and its email or phone.

        A mismatch and an unknown order number fail the same way, and both count
        towards the throttle, so the bot cannot be used to find out which orders exist.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            await self._check_throttle(uow, user_id, now)
            candidates = await uow.orders.find_by_number(order_number.strip())
            proof = email_or_phone.strip()
            matched = next(
                (o for o in candidates if _proof_matches(o, proof, phone_only=via_contact)), None
            )
            uow.session.add(
                ProofAttempt(chat_user_id=user_id, succeeded=matched is not None, at=now)
            )
            if matched is None:
                await uow.commit()
                log.info("order proof refused", extra={"user_id": user_id})
                raise ProofRefused()
            method = "contact" if via_contact else ("email" if "@" in proof else "phone")
            await self._link(uow, user_id, matched, method, now)
            await uow.commit()
            return order_view(matched)

    async def link_by_token(self, user_id: int, token: str) -> OrderView:
        try:
            kind, order_id, _ = self._signer.verify(token)
        except BadToken:
            raise ProofRefused() from None
        if kind != ORDER_LINK_KIND:
            raise ProofRefused()
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise ProofRefused()
            await self._link(uow, user_id, order, "deeplink", now)
            await uow.commit()
            return order_view(order)

    async def find_for_link(self, order_number: str, shop_code: str | None = None) -> list[int]:
        """Ids of orders with this number (in one shop, if given): for shop tools."""
        async with self._uow(readonly=True) as uow:
            found = await uow.orders.find_by_number(order_number.strip())
            if shop_code is not None:
                found = [o for o in found if o.shop.code == shop_code]
            return [o.id for o in found]

    def order_link_token(self, order_id: int) -> str:
        return self._signer.sign(ORDER_LINK_KIND, order_id)

    async def _link(
        self, uow: UnitOfWork, user_id: int, order: Order, method: str, now: datetime
    ) -> None:
        if await uow.orders.is_linked(user_id, order.id):
            return
        uow.session.add(
            OrderLink(chat_user_id=user_id, order_id=order.id, method=method, created_at=now)
        )
        uow.audit.record(
            at=now,
            actor_kind=ActorKind.BUYER,
            actor_id=user_id,
            action="order.linked",
            entity="order",
            entity_id=order.id,
            details={"method": method},
        )

    # ---------------------------------------------------------------- reads

    async def _linked_order(self, uow: UnitOfWork, user_id: int, order_id: int) -> Order:
        order = await uow.orders.get(order_id)
        if order is None or not await uow.orders.is_linked(user_id, order_id):
            raise OrderNotFound(order_id)
        return order

    async def order(self, user_id: int, order_id: int) -> OrderView:
        async with self._uow(readonly=True) as uow:
            return order_view(await self._linked_order(uow, user_id, order_id))

    async def orders(self, user_id: int, page: int = 1) -> OrderPage:
        async with self._uow(readonly=True) as uow:
            everything = await uow.orders.linked_to(user_id)
            total = len(everything)
            pages = max(1, -(-total // self.page_size))
            page = min(max(page, 1), pages)
            start = (page - 1) * self.page_size
            chosen = everything[start : start + self.page_size]
            return OrderPage(tuple(order_view(o) for o in chosen), page, pages, total)

    async def all_linked(self, user_id: int) -> list[OrderView]:
        async with self._uow(readonly=True) as uow:
            return [order_view(o) for o in await uow.orders.linked_to(user_id)]

    async def find_linked(self, user_id: int, order_number: str) -> OrderView | None:
        async with self._uow(readonly=True) as uow:
            for order in await uow.orders.linked_to(user_id):
                if order.order_number == order_number.strip():
                    return order_view(order)
        return None

    # --------------------------------------------------------------- cancel

    async def cancel(self, user_id: int, order_id: int) -> Cancelled:
        """Cancel an order that has not gone to fulfilment (UNPAID, ON_HOLD).

        A paid order's money goes back through the refund ledger in the same
        transaction, so a cancellation can never exist without its refund.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            order = await self._linked_order(uow, user_id, order_id)
            status = OrderStatus(order.status)
            if status not in CANCEL_AT_ONCE:
                raise InvalidTransition(f"cannot cancel an order in {status}")
            order.status = OrderStatus.CANCELLED
            order.updated_at = now
            refund = Decimal(0)
            if status == OrderStatus.ON_HOLD:
                # Through the ledger, so the paid-amount invariant and the audit apply.
                refund = await remaining_refundable(uow, order.id)
                if refund > 0:
                    await record_refund(
                        uow,
                        order_id=order.id,
                        amount=refund,
                        issuer_kind=ActorKind.BUYER,
                        issuer_id=user_id,
                        reason="order cancelled by the buyer before shipment",
                        idempotency_key=f"cancel:{order.id}",
                        now=now,
                    )
            uow.audit.record(
                at=now,
                actor_kind=ActorKind.BUYER,
                actor_id=user_id,
                action="order.cancelled",
                entity="order",
                entity_id=order.id,
                details={"from": status.value, "refund": str(refund)},
            )
            await uow.commit()
            return Cancelled(order_view(order), refund)


def _proof_matches(order: Order, proof: str, *, phone_only: bool) -> bool:
    if not phone_only and "@" in proof:
        return bool(order.buyer_email) and normalise_email(proof) == order.buyer_email
    return phones_match(proof, order.buyer_phone)
