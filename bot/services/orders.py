"""Buyer-side order use cases: prove ownership, list orders, open a card, cancel.

Every read of an order goes through `_linked_order`, so an order is visible only to the
chat users who proved it, whatever order id a button claims.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.enums import ActorKind, OrderStatus
from bot.domain.errors import DomainError, InvalidTransition, OrderNotFound
from bot.domain.marketplace import ensure_ours
from bot.domain.policy import CANCEL_AT_ONCE, CANCEL_ON_REQUEST, ShopPolicy
from bot.domain.postcodes import postcode_in, postcodes_match
from bot.domain.text import clean_line
from bot.services.links import BadToken, IssuedLink, LinkSigner, valid_until
from bot.services.refunds import record_refund, remaining_refundable
from bot.services.views import OrderSummary, OrderView, order_view
from storage.locks import lock_name
from storage.models import ChatUser, Order, OrderLink, OrderLinkUse, ProofAttempt
from storage.repositories import ORDER_CANCELLED, KnownUser
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_FAILED_PROOFS = 5  # per Telegram account and hour
# Per order number and hour, across all accounts: many accounts guessing at one order
# are slowed down too (the buyer's own contact and signed links still work).
MAX_FAILED_PROOFS_PER_ORDER = 20
PROOF_WINDOW = timedelta(hours=1)
ORDER_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$")
ORDER_LINK_KIND = "o"


class ProofRefused(DomainError):
    """Order number and proof do not match (deliberately silent on which part)."""


THROTTLE_ACCOUNT = "account"  # this Telegram account failed too often
THROTTLE_ORDER = "order"  # this order number (as typed) failed too often, from anyone


class TooManyAttempts(DomainError):
    def __init__(self, retry_after: timedelta, scope: str = THROTTLE_ACCOUNT) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = retry_after
        self.scope = scope


class LinkExpired(DomainError):
    """A genuine order link past its expiry (`legacy`: one from before links expired,
    past its grace period)."""

    def __init__(self, legacy: bool = False) -> None:
        super().__init__("order link expired")
        self.legacy = legacy


class LinkAlreadyUsed(DomainError):
    """A genuine order link already bound to other account(s)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """The chat user behind an update, as stored."""

    id: int
    external_id: int
    first_name: str | None


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: tuple[OrderSummary, ...]
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
        async with self._uow(readonly=True) as uow:
            user = await uow.chat_users.get_by_external(channel, external_id)
            known = (
                None
                if user is None
                else KnownUser(
                    user.id,
                    user.external_id,
                    user.first_name,
                    user.username,
                    user.language,
                    user.unreachable,
                    user.language_chosen,
                )
            )
        return await self.recognise(known, channel, external_id, first_name, username, language)

    async def recognise(
        self,
        known: KnownUser | None,
        channel: str,
        external_id: int,
        first_name: str | None = None,
        username: str | None = None,
        language: str | None = None,
    ) -> Identity:
        """`identify` for a caller that already read the stored profile (`known`, None
        for nobody): no statement at all when it is unchanged, which is nearly always,
        and a write only when the person is new or their profile changed."""
        # Cut to the columns and without what PostgreSQL refuses (NUL): a forged or odd
        # profile must not make every update of this person fail.
        first_name = clean_line(first_name, 200) if first_name is not None else None
        username = clean_line(username, 64) if username is not None else None
        language = clean_line(language, 16) if language is not None else None
        if known is not None and known.language_chosen:
            language = known.language  # their /language choice wins over Telegram's
        profile = (first_name, username, language, False)
        if (
            known is not None
            and (known.first_name, known.username, known.language, known.unreachable) == profile
        ):
            return Identity(known.id, known.external_id, known.first_name)
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
                user.first_name, user.username = first_name, username
                if not user.language_chosen:
                    user.language = language
                user.unreachable = False  # they wrote to us, so they can be reached
            try:
                await uow.commit()
                return Identity(user.id, user.external_id, user.first_name)
            except IntegrityError:
                pass  # another worker registered them a moment ago: read theirs
        return await self.identify(channel, external_id, first_name, username, language)

    async def choose_language(self, user_id: int, language: str) -> None:
        """Store the language the person chose with /language: it is theirs from now
        on, for replies and notifications, whatever Telegram reports."""
        async with self._uow() as uow:
            user = await uow.chat_users.get(user_id)
            if user is None:
                return
            user.language, user.language_chosen = language, True
            await uow.commit()

    # ------------------------------------------------------------ ownership

    async def _throttled_until(
        self,
        uow: UnitOfWork,
        limit: int,
        now: datetime,
        *,
        user_id: int | None = None,
        order_key: str | None = None,
    ) -> datetime | None:
        """When the wait ends if `limit` proofs of the account (or of the order number)
        failed in the last window.

        The limit-th most recent failure is the one whose leaving the window brings the
        count under the limit, so that is when trying again is allowed."""
        latest = await uow.orders.nth_latest_failed_proof(
            now - PROOF_WINDOW, limit, user_id=user_id, order_key=order_key
        )
        return None if latest is None else latest + PROOF_WINDOW

    async def _check_throttle(self, uow: UnitOfWork, user_id: int, now: datetime) -> None:
        until = await self._throttled_until(uow, MAX_FAILED_PROOFS, now, user_id=user_id)
        if until is not None:
            raise TooManyAttempts(until - now, scope=THROTTLE_ACCOUNT)

    async def _check_order_throttle(self, uow: UnitOfWork, order_key: str, now: datetime) -> None:
        until = await self._throttled_until(
            uow, MAX_FAILED_PROOFS_PER_ORDER, now, order_key=order_key
        )
        if until is not None:
            raise TooManyAttempts(until - now, scope=THROTTLE_ORDER)

    async def attempts_left(self, user_id: int) -> int:
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            failed = await uow.orders.failed_proofs_since(user_id, now - PROOF_WINDOW)
        return max(0, MAX_FAILED_PROOFS - failed)

    async def postcode_proofs(self) -> bool:
        """Whether some orders are proved by their delivery postcode (a marketplace
        masked their contact).  The proof question then names the postcode for every
        order number, so how it is asked says nothing about one order."""
        async with self._uow(readonly=True) as uow:
            return await uow.orders.any_contact_masked()

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

        Two throttles, each checked and counted in one step (the transaction holds a
        lock on the account, then on the order number, while it counts, checks and
        records; so parallel proofs on several workers cannot all pass the count):
        MAX_FAILED_PROOFS per account, and MAX_FAILED_PROOFS_PER_ORDER per order number
        across all accounts.  The per-order one is keyed on the number as typed, never
        on whether the order exists, so its refusal says nothing about the order.  The
        buyer's own Telegram contact (`via_contact`: a phone Telegram vouches for) is
        not subject to it, so strangers guessing cannot lock the real buyer out.
        """
        now = self._clock.now()
        number = order_number.strip()
        order_key = number[:64]
        async with self._uow() as uow:
            await lock_name(uow.session, "proof-account", user_id)
            await self._check_throttle(uow, user_id, now)
            if not via_contact:
                await lock_name(uow.session, "proof-order", order_key)
                await self._check_order_throttle(uow, order_key, now)
            candidates = await uow.orders.find_by_number(number)
            proof = email_or_phone.strip()
            matched = next(
                (o for o in candidates if _proof_matches(o, proof, phone_only=via_contact)), None
            )
            uow.session.add(
                ProofAttempt(
                    chat_user_id=user_id,
                    succeeded=matched is not None,
                    at=now,
                    order_key=order_key,
                )
            )
            if matched is None:
                await uow.commit()
                log.info("order proof refused", extra={"user_id": user_id})
                raise ProofRefused()
            method = (
                "contact"
                if via_contact
                else "postcode"
                if matched.contact_masked
                else ("email" if "@" in proof else "phone")
            )
            await self._link(uow, user_id, matched, method, now)
            await uow.commit()
            return order_view(matched)

    async def link_by_token(self, user_id: int, token: str) -> OrderView:
        """Link the order a signed link names, for the account(s) it is bound to.

        The first `order_link_uses` accounts (a shop setting, 1 by default) to open a link
        own it; opening it again from one of them is fine, anyone else gets
        LinkAlreadyUsed.  After its expiry it gets LinkExpired, unless the account
        already has the order (nothing to refuse then).  A forged or altered token, and
        one that names no order, get ProofRefused."""
        try:
            link = self._signer.verify(token)
        except BadToken:
            raise ProofRefused() from None
        if link.kind != ORDER_LINK_KIND:
            raise ProofRefused()
        now = self._clock.now()
        async with self._uow() as uow:
            order = await uow.orders.get(link.value)
            if order is None:
                raise ProofRefused()
            # Two accounts opening a single-use link at once: one of them wins.
            await lock_name(uow.session, "order-link", order.id, link.nonce)
            openers = await uow.orders.link_openers(order.id, link.nonce)
            if user_id not in openers:
                until = await valid_until(uow, link)
                uses = ShopPolicy.from_settings(order.shop.settings).order_link_uses
                refusal: DomainError | None = None
                if until is None or now >= until:
                    refusal = LinkExpired(legacy=link.expires_at is None)
                elif len(openers) >= uses:
                    refusal = LinkAlreadyUsed()
                if refusal is not None:
                    if await uow.orders.is_linked(user_id, order.id):
                        return order_view(order)  # their order already: nothing to refuse
                    log.info(
                        "order link refused",
                        extra={
                            "user_id": user_id,
                            "order_id": order.id,
                            "reason": type(refusal).__name__,
                            "legacy": link.expires_at is None,
                        },
                    )
                    raise refusal
                uow.session.add(
                    OrderLinkUse(
                        order_id=order.id, nonce=link.nonce, chat_user_id=user_id, used_at=now
                    )
                )
            await self._link(uow, user_id, order, "deeplink", now)
            await uow.commit()
            return order_view(order)

    async def numbers_known(self, numbers: Sequence[str]) -> set[str]:
        """Which of these numbers are orders of a shop the bot serves: a number shaped
        like a payment card is still an order number when an order has it
        (`handlers/cards.py`).  Only asked about card-shaped numbers (one in ten random
        ones passes the card check), so it tells nobody much about which orders exist,
        and such an order still has to be proved."""
        async with self._uow(readonly=True) as uow:
            return {n for n in numbers if await uow.orders.find_by_number(n)}

    async def find_for_link(self, order_number: str, shop_code: str | None = None) -> list[int]:
        """Ids of orders with this number (in one shop, if given): for shop tools."""
        async with self._uow(readonly=True) as uow:
            found = await uow.orders.find_by_number(order_number.strip())
            if shop_code is not None:
                found = [o for o in found if o.shop.code == shop_code]
            return [o.id for o in found]

    async def order_link(self, order_id: int) -> IssuedLink:
        """A new signed link for the order (for `order-link`): valid for the shop's
        `order_link_days`, for the first `order_link_uses` accounts that open it."""
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise OrderNotFound(order_id)
            policy = ShopPolicy.from_settings(order.shop.settings)
            timezone = order.shop.timezone
            if order.contact_masked:  # as _proof_matches takes it
                proof = "postcode" if order.postal_code else ""
            else:
                proof = "contact" if order.buyer_email or order.buyer_phone else ""
        expires_at = now + timedelta(days=policy.order_link_days)
        # Each link is its own (order, nonce): a new link for the same order is not
        # bound to whoever opened an earlier one.  Nonce 0 is the links from before.
        nonce = secrets.randbelow(2**32 - 1) + 1
        token = self._signer.sign(ORDER_LINK_KIND, order_id, nonce, expires_at=expires_at)
        return IssuedLink(token, expires_at, policy.order_link_uses, timezone, proof)

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
        """The order's card, if this chat user proved it (one statement; a second for
        an order that is cancelled on request: whether the buyer already asked, so the
        card says so instead of offering to ask again)."""
        async with self._uow(readonly=True) as uow:
            order = await uow.orders.get_linked(user_id, order_id)
            if order is None:
                raise OrderNotFound(order_id)
            [view] = await _with_requests(uow, [order])
        return view

    async def orders(self, user_id: int, page: int = 1) -> OrderPage:
        """One page of the orders list (one statement: a buyer has a handful of orders,
        so all their lines are read and the page cut here)."""
        async with self._uow(readonly=True) as uow:
            everything = await uow.orders.lines_linked_to(user_id)
        total = len(everything)
        pages = max(1, -(-total // self.page_size))
        page = min(max(page, 1), pages)
        start = (page - 1) * self.page_size
        chosen = everything[start : start + self.page_size]
        summaries = tuple(
            OrderSummary(o.id, o.order_number, OrderStatus(o.status), o.total_paid, o.currency)
            for o in chosen
        )
        return OrderPage(summaries, page, pages, total)

    async def all_linked(self, user_id: int) -> list[OrderView]:
        async with self._uow(readonly=True) as uow:
            return await _with_requests(uow, await uow.orders.linked_to(user_id))

    async def find_linked(self, user_id: int, order_number: str) -> OrderView | None:
        async with self._uow(readonly=True) as uow:
            for order in await uow.orders.linked_to(user_id):
                if order.order_number == order_number.strip():
                    [view] = await _with_requests(uow, [order])
                    return view
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
            ensure_ours(order.marketplace, "buyer cancellation")  # done on the marketplace
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
                action=ORDER_CANCELLED,
                entity="order",
                entity_id=order.id,
                details={"from": status.value, "refund": str(refund)},
            )
            await uow.commit()
            return Cancelled(order_view(order), refund)


def _proof_matches(order: Order, proof: str, *, phone_only: bool) -> bool:
    if order.contact_masked:
        # The marketplace hid the buyer's email and phone: what is stored is a relay
        # address or a phone with hidden digits, never proof.  The delivery postcode
        # is (typed: a Telegram contact is a phone, so it cannot prove such an order).
        if phone_only or not order.postal_code:
            return False
        given = postcode_in(proof)
        return given is not None and postcodes_match(given, order.postal_code)
    if not phone_only and "@" in proof:
        return bool(order.buyer_email) and normalise_email(proof) == order.buyer_email
    return phones_match(proof, order.buyer_phone)


async def _with_requests(uow: UnitOfWork, orders: Sequence[Order]) -> list[OrderView]:
    """The orders' views, each saying whether the buyer's cancellation request waits
    for the seller (one more statement, only when an order could have one), so a card
    says so instead of offering to ask again."""
    could = [o.id for o in orders if OrderStatus(o.status) in CANCEL_ON_REQUEST]
    asked = await uow.cancel_requests.waiting_among(could) if could else set()
    return [replace(order_view(o), cancel_asked=o.id in asked) for o in orders]
