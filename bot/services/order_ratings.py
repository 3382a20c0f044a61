"""Rating after delivery: asking buyers how an order went, and what they answer.

The job (`RatingAskJob`) follows `bot.services.deadlines`: each run asks the database
"which delivered orders are due for a rating request now?" (the injected clock), so a
restart loses nothing and tests move a fake clock.  A request goes through the outbox
with the dedupe key `rating:ask:{order}:chat:{chat}`, so it is sent once per order and
chat even when the job runs twice or on two workers at once: each order is handled in
its own transaction that locks the order row (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
the serialised writer on SQLite) and re-checks it, and the second worker's enqueue
finds the key and does nothing.

Who is asked (shop setting `ratings` on, `rating_after_days` after delivery):
* orders DELIVERED at least `rating_after_days` ago and at most `ASK_WINDOW` more:
  turning ratings on does not ask about every old order;
* never while the order has an open claim (the buyer is waiting for a decision, not
  for a survey), nor while the buyer has any open ticket, about this order or another:
  a person is talking with them, a star prompt in the middle of that conversation
  would be tone-deaf, and what they type then goes to staff anyway.  Both are
  re-checked on every run, so the request goes once the claim or ticket is over, if
  that is still within the window;
* each linked chat that has not turned such messages off (`/settings`,
  `ChatUser.proactive_off`), is reachable, and has not rated the order.

The answer (`OrderRatingService`): stars by button or typed while a request is
pending (`PENDING_FOR` after it was sent), stored per order and buyer in
`order_ratings` (rating again replaces the stars), and a comment after a low rating.
Every call checks server-side that the order is this buyer's and that this chat was
asked about it; button data is only a request.  Stars typed before any request came,
about a delivered order of theirs, are stored too (`rate_unasked`), and that order is
then never asked about.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.care import CarePolicy
from bot.domain.enums import OrderStatus
from bot.domain.errors import NotAllowed, OrderNotFound
from bot.domain.returns import may_request_return
from bot.services.notices import RatingAsk
from bot.services.outbox import Notification, enqueue
from bot.services.views import order_view
from storage.models import Order, OrderRating
from storage.ratings import DueAsk, OrderRatingRepository, PendingAsk, ask_key
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

# After `rating_after_days`, how long an order stays due: a claim or ticket that ends
# within it still lets the request go; older orders are never asked.
ASK_WINDOW = timedelta(days=7)
# How long after a request a typed "5" is read as the answer to it.
PENDING_FOR = timedelta(days=7)
# A buyer who answered a step this recently is mid-flow: the request waits until the
# flow ends (or is left this long), so it never comes between a question and its answer.
BUSY_FOR = timedelta(hours=1)
LOW = 3  # 1-3 stars: ask what went wrong, offer the next step
# Orders a buyer may rate without being asked: they have arrived.
RATEABLE = frozenset({OrderStatus.DELIVERED, OrderStatus.COMPLETED})
MAX_COMMENT = 1000
PRODUCTS_SHOWN = 3


def is_low(stars: int) -> bool:
    return stars <= LOW


def due_window(now: datetime, policy: CarePolicy) -> tuple[datetime, datetime]:
    """The delivery times that are due for a rating request at `now`:
    `[now - after - ASK_WINDOW, now - after]`."""
    latest = now - timedelta(days=policy.rating_after_days)
    return latest - ASK_WINDOW, latest


@dataclass(frozen=True, slots=True)
class Rated:
    """A stored rating and what the chat offers next."""

    order_id: int
    order_number: str
    shop_id: int
    stars: int
    comment: str | None
    review_link: str | None  # offered with every thank-you, whatever the stars
    low_rating_ticket: bool
    may_return: bool  # the one rule of bot.domain.returns, now

    @property
    def low(self) -> bool:
        return is_low(self.stars)


@dataclass
class RatingAskReport:
    asked: int = 0
    skipped: int = 0  # asked already (another worker), or no longer due
    errors: list[str] = field(default_factory=list)


class RatingAskJob:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def run_once(self) -> RatingAskReport:
        now = self._clock.now()
        report = RatingAskReport()
        due: list[DueAsk] = []
        async with self._uow(readonly=True) as uow:
            ratings = OrderRatingRepository(uow.session)
            for shop in await uow.shops.all():
                policy = CarePolicy.from_settings(shop.settings)
                if not policy.ratings:
                    continue
                start, end = due_window(now, policy)
                due += await ratings.due(
                    shop.id, delivered_from=start, delivered_to=end, busy_since=now - BUSY_FOR
                )
        for ask in due:
            try:
                if await self._ask(ask, now):
                    report.asked += 1
                else:
                    report.skipped += 1
            except Exception as exc:  # one bad order must not stop the others
                log.exception("rating request failed", extra={"order_id": ask.order_id})
                report.errors.append(f"order {ask.order_id}: {type(exc).__name__}")
        if report.asked or report.errors:
            log.info(
                "rating requests run",
                extra={"asked": report.asked, "skipped": report.skipped},
            )
        return report

    async def _ask(self, ask: DueAsk, now: datetime) -> bool:
        async with self._uow() as uow:
            # Locked, skipping an order another worker is asking about right now: it
            # commits its request first, and the dedupe key makes ours a no-op on the
            # next run (without the lock both would insert it, and one would fail).
            ratings = OrderRatingRepository(uow.session)
            if not await ratings.lock_order(ask.order_id):
                return False
            if not await ratings.still_due(ask.order_id, ask.buyer_id, now - BUSY_FOR):
                return False
            full = await uow.orders.get(ask.order_id)
            assert full is not None
            products = tuple(
                item.product_name for item in sorted(full.items, key=lambda i: i.line_no)
            )
            sent = await enqueue(
                uow,
                Notification(
                    ask.chat_id,
                    RatingAsk(
                        shop_id=ask.shop_id,
                        order_id=ask.order_id,
                        order_number=full.order_number,
                        products=products[:PRODUCTS_SHOWN],
                    ),
                ),
                now=now,
                dedupe_key=ask_key(ask.order_id, ask.chat_id),
            )
            await uow.commit()
        return sent

    async def run_forever(self, every_seconds: float = 30.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("rating request loop error")
            await asyncio.sleep(every_seconds)


class OrderRatingService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def rate(self, buyer_id: int, chat_id: int, order_id: int, stars: int) -> Rated:
        """Store (or replace) the buyer's stars for an order this chat was asked about.

        NotAllowed: stars outside 1-5.  OrderNotFound: the order is not linked to this
        buyer, or this chat was never asked to rate it (forged button data)."""
        if not 1 <= stars <= 5:
            raise NotAllowed("a rating is 1 to 5 stars")
        now = self._clock.now()
        async with self._uow() as uow:
            order = await self._asked_order(uow, buyer_id, chat_id, order_id)
            rated = await self._store(uow, order, buyer_id, stars, now)
            await uow.commit()
        log.info("order rated", extra={"order_id": order_id, "stars": stars})
        return rated

    async def rate_unasked(self, buyer_id: int, order_id: int, stars: int) -> Rated:
        """Store the stars a buyer typed before any request came ("4 stars" right under
        a delivered order's card): the order must be linked to them and delivered, and
        the shop must collect ratings.  A request is then never sent for it (`due`
        skips rated orders).  NotAllowed: stars outside 1-5, or the shop does not
        collect ratings; OrderNotFound: not theirs, or not delivered."""
        if not 1 <= stars <= 5:
            raise NotAllowed("a rating is 1 to 5 stars")
        now = self._clock.now()
        async with self._uow() as uow:
            if not await uow.orders.is_linked(buyer_id, order_id):
                raise OrderNotFound(str(order_id))
            order = await uow.orders.get(order_id)
            if order is None or OrderStatus(order.status) not in RATEABLE:
                raise OrderNotFound(str(order_id))
            if not CarePolicy.from_settings(order.shop.settings).ratings:
                raise NotAllowed("this shop does not collect ratings")
            rated = await self._store(uow, order, buyer_id, stars, now)
            await uow.commit()
        log.info("order rated unasked", extra={"order_id": order_id, "stars": stars})
        return rated

    async def _store(
        self, uow: UnitOfWork, order: Order, buyer_id: int, stars: int, now: datetime
    ) -> Rated:
        ratings = OrderRatingRepository(uow.session)
        rating = await ratings.get(order.id, buyer_id)
        if rating is None:
            rating = OrderRating(
                order_id=order.id,
                shop_id=order.shop_id,
                buyer_id=buyer_id,
                stars=stars,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(rating)
        else:
            rating.stars = stars
            rating.updated_at = now
        return self._rated(order, rating.stars, rating.comment, now)

    async def comment(self, buyer_id: int, chat_id: int, order_id: int, text: str) -> Rated:
        """What went wrong, in the buyer's words (kept to MAX_COMMENT characters).
        OrderNotFound when the order is not theirs or was never rated."""
        now = self._clock.now()
        async with self._uow() as uow:
            rating = await OrderRatingRepository(uow.session).get(order_id, buyer_id)
            if rating is None:  # never rated: nothing to comment on
                raise OrderNotFound(str(order_id))
            # Rated when asked, or unasked (`rate_unasked`): either way still theirs.
            order = await uow.orders.get(order_id)
            if order is None or not await uow.orders.is_linked(buyer_id, order_id):
                raise OrderNotFound(str(order_id))
            rating.comment = text.strip()[:MAX_COMMENT]
            rating.updated_at = now
            rated = self._rated(order, rating.stars, rating.comment, now)
            await uow.commit()
        return rated

    async def pending(self, buyer_id: int, chat_id: int) -> PendingAsk | None:
        """The newest request this chat saw within PENDING_FOR and has not answered."""
        since = self._clock.now() - PENDING_FOR
        async with self._uow(readonly=True) as uow:
            return await OrderRatingRepository(uow.session).pending(buyer_id, chat_id, since)

    async def proactive_off(self, buyer_id: int) -> bool:
        async with self._uow(readonly=True) as uow:
            return await uow.chat_users.proactive_off(buyer_id)

    async def set_proactive_off(self, buyer_id: int, off: bool) -> None:
        """The buyer's choice from /settings: no delivery care and no rating requests
        while off (status and claim notices still go)."""
        async with self._uow() as uow:
            await uow.chat_users.set_proactive_off(buyer_id, off)
            await uow.commit()
        log.info("proactive messages set", extra={"buyer_id": buyer_id, "off": off})

    @staticmethod
    async def _asked_order(uow: UnitOfWork, buyer_id: int, chat_id: int, order_id: int) -> Order:
        ratings = OrderRatingRepository(uow.session)
        if not await uow.orders.is_linked(buyer_id, order_id):
            raise OrderNotFound(str(order_id))
        if not await ratings.asked(order_id, chat_id):
            raise OrderNotFound(str(order_id))
        order = await uow.orders.get(order_id)
        if order is None:
            raise OrderNotFound(str(order_id))
        return order

    @staticmethod
    def _rated(order: Order, stars: int, comment: str | None, now: datetime) -> Rated:
        care = CarePolicy.from_settings(order.shop.settings)
        view = order_view(order)  # the card's reading, so the Return button agrees
        return Rated(
            order_id=order.id,
            order_number=order.order_number,
            shop_id=order.shop_id,
            stars=stars,
            comment=comment,
            review_link=care.review_link,
            low_rating_ticket=care.low_rating_ticket,
            may_return=may_request_return(
                OrderStatus(order.status),
                now=now,
                delivered_at=order.delivered_at,
                estimated_delivery=view.estimated_delivery,
                policy=view.policy,
                marketplace=order.marketplace,
            ),
        )


__all__ = [
    "ASK_WINDOW",
    "PENDING_FOR",
    "OrderRatingService",
    "Rated",
    "RatingAskJob",
    "RatingAskReport",
    "due_window",
    "is_low",
]
