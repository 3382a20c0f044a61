"""Cancellation requests (buyer asks, seller decides) and goodwill refunds, at the
service level, on the real store: who may do what, what is written, who is told."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.clock import FakeClock
from bot.domain.enums import ActorKind
from bot.domain.errors import InvalidTransition, NotAllowed, OrderNotFound, RefundExceedsPaid
from bot.services.cancellations import (
    AlreadyRequested,
    CancellationService,
    GoodwillRefused,
    RequestDecided,
)
from bot.services.outbox import Notification
from bot.services.refunds import record_refund, remaining_refundable
from bot.services.shops import ShopAdmin
from handlers.notifications import render
from handlers.types import SendText
from storage.models import (
    AuditEntry,
    CancelRequest,
    ChatUser,
    Order,
    OrderLink,
    OutboxMessage,
    Refund,
    Seller,
)
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, make_shop

NUMBER = "578000000000000001"
ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00"))  # 33.00 + 4.99 = 37.99
TOTAL = Decimal("37.99")
BUYER, STRANGER, SELLER, OTHER_SELLER = 1001, 1002, 2001, 2002


class World:
    """Shop acme with seller Sam and an AWAITING_SHIPMENT order Jane proved; shop
    "other" with seller Eve; Mallory, a chat user who proved nothing."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
        self.uow, self.clock = uow_factory, clock
        self.service = CancellationService(uow_factory, clock)
        self.users: dict[int, int] = {}

    async def setup(self, status: str = "AWAITING_SHIPMENT") -> None:
        self.order_id = await make_order(
            self.uow, self.clock, number=NUMBER, status=status, items=ITEMS, carrier=None
        )
        other_shop = await make_shop(self.uow, self.clock, "other")
        async with self.uow() as uow:
            acme = await uow.shops.get_by_code("acme")
            assert acme is not None
            self.shop_id = acme.id
            for external, name in (
                (BUYER, "Jane"),
                (STRANGER, "Mallory"),
                (SELLER, "Sam"),
                (OTHER_SELLER, "Eve"),
            ):
                user = ChatUser(external_id=external, first_name=name, created_at=self.clock.now())
                uow.session.add(user)
                await uow.flush()
                self.users[external] = user.id
            uow.session.add_all(
                [
                    OrderLink(
                        chat_user_id=self.users[BUYER],
                        order_id=self.order_id,
                        method="email",
                        created_at=self.clock.now(),
                    ),
                    Seller(
                        shop_id=acme.id,
                        chat_user_id=self.users[SELLER],
                        created_at=self.clock.now(),
                    ),
                    Seller(
                        shop_id=other_shop,
                        chat_user_id=self.users[OTHER_SELLER],
                        created_at=self.clock.now(),
                    ),
                ]
            )
            await uow.commit()

    @property
    def buyer(self) -> int:
        return self.users[BUYER]

    @property
    def seller(self) -> int:
        return self.users[SELLER]

    # -------------------------------------------------------------- reading back

    async def order_status(self, order_id: int | None = None) -> str:
        async with self.uow(readonly=True) as uow:
            order = await uow.session.get(Order, order_id or self.order_id)
            assert order is not None
            return order.status

    async def set_order(self, **values: Any) -> None:
        async with self.uow() as uow:
            await uow.session.execute(
                update(Order).where(Order.id == self.order_id).values(**values)
            )
            await uow.commit()

    async def ledger(self) -> list[tuple[int, Decimal, str, str, int | None, str]]:
        async with self.uow(readonly=True) as uow:
            rows = await uow.session.scalars(select(Refund).order_by(Refund.id))
            return [
                (r.order_id, r.amount, r.issuer_kind, r.reason, r.issuer_id, r.status) for r in rows
            ]

    async def amounts(self) -> list[Decimal]:
        return [row[1] for row in await self.ledger()]

    async def requests(self) -> list[tuple[str, str | None, int | None]]:
        async with self.uow(readonly=True) as uow:
            rows = await uow.session.scalars(select(CancelRequest).order_by(CancelRequest.id))
            return [(r.status, r.decided_by_kind, r.decided_by) for r in rows]

    async def outbox(self) -> list[tuple[int, str, dict[str, Any]]]:
        async with self.uow(readonly=True) as uow:
            rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            return [(r.chat_id, r.payload["kind"], r.payload["params"]) for r in rows]

    async def snapshot(self) -> tuple[Any, ...]:
        async with self.uow(readonly=True) as uow:
            audits = await uow.session.scalar(select(func.count()).select_from(AuditEntry))
        return (
            await self.order_status(),
            await self.ledger(),
            await self.requests(),
            await self.outbox(),
            audits,
        )


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    w = World(uow_factory, clock)
    await w.setup()
    return w


@pytest.fixture
async def world_unpaid(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    w = World(uow_factory, clock)
    await w.setup("UNPAID")
    return w


async def requested(world: World) -> int:
    outcome = await world.service.request(world.buyer, world.order_id)
    assert outcome.status == "requested"
    return outcome.request_id


# ------------------------------------------------------------------ buyer asks


async def test_request_is_stored_and_the_shops_sellers_are_told(world: World) -> None:
    outcome = await world.service.request(world.buyer, world.order_id)

    assert (outcome.status, outcome.refunded, outcome.currency) == ("requested", Decimal(0), "USD")
    assert (outcome.order_id, outcome.order_number) == (world.order_id, NUMBER)
    assert await world.requests() == [("requested", None, None)]
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []
    # Only acme's seller hears about it (not Eve, not the buyer).
    assert await world.outbox() == [
        (
            SELLER,
            "cancel_requested",
            {
                "shop_id": world.shop_id,
                "request_id": outcome.request_id,
                "order_number": NUMBER,
                "auto_approved": False,
                "refunded": None,
                "currency": None,
                "marketplace": None,
                "marketplace_name": None,
                "deadline": None,
                "timezone": "UTC",
            },
        )
    ]


async def test_shop_record_chat_ids_are_told_too(world: World) -> None:
    await ShopAdmin(world.uow).set("acme", "seller_chat_ids", "-100555")
    await requested(world)
    assert sorted(chat for chat, kind, _ in await world.outbox()) == [-100555, SELLER]


async def test_a_second_request_while_one_is_pending_is_refused(world: World) -> None:
    await requested(world)
    before = await world.snapshot()
    with pytest.raises(AlreadyRequested):
        await world.service.request(world.buyer, world.order_id)
    assert await world.snapshot() == before


@pytest.mark.parametrize(
    "status",
    [
        "UNPAID",
        "ON_HOLD",
        "PARTIALLY_SHIPPING",
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
        "COMPLETED",
        "CANCELLED",
    ],
)
async def test_other_statuses_cannot_be_requested(world: World, status: str) -> None:
    await world.set_order(status=status)
    before = await world.snapshot()
    with pytest.raises(InvalidTransition):
        await world.service.request(world.buyer, world.order_id)
    assert await world.snapshot() == before


async def test_a_buyer_who_did_not_prove_the_order_gets_not_found(world: World) -> None:
    before = await world.snapshot()
    for user in (world.users[STRANGER], world.seller):  # a seller is no buyer either
        with pytest.raises(OrderNotFound):
            await world.service.request(user, world.order_id)
    with pytest.raises(OrderNotFound):  # the same answer when there is no such order
        await world.service.request(world.buyer, world.order_id + 999)
    assert await world.snapshot() == before


# ------------------------------------------------------------------ seller decides


async def test_approve_cancels_refunds_everything_and_tells_the_buyer(world: World) -> None:
    request_id = await requested(world)
    world.clock.advance(timedelta(hours=1))

    outcome = await world.service.decide(world.seller, request_id, approve=True)

    assert (outcome.status, outcome.refunded, outcome.currency) == ("approved", TOTAL, "USD")
    assert str(outcome.refunded) == "37.99"
    assert await world.order_status() == "CANCELLED"
    assert await world.requests() == [("approved", "seller", world.seller)]
    assert await world.ledger() == [
        (
            world.order_id,
            Decimal("37.99"),
            "seller",
            "order cancelled at the buyer's request",
            world.seller,
            "pending",
        )
    ]
    told = [(chat, kind, params) for chat, kind, params in await world.outbox() if chat == BUYER]
    assert len(told) == 1
    _, kind, params = told[0]
    assert kind == "cancel_decided"
    assert params["status"] == "approved" and params["order_number"] == NUMBER
    assert Decimal(params["refunded"]) == TOTAL and params["currency"] == "USD"


async def test_approve_refunds_only_what_is_left_after_a_goodwill_refund(world: World) -> None:
    await world.service.goodwill_refund(world.seller, NUMBER, "5.01", "sorry", request_key="g1")
    request_id = await requested(world)
    outcome = await world.service.decide(world.seller, request_id, approve=True)
    assert outcome.refunded == Decimal("32.98")
    assert await world.amounts() == [Decimal("5.01"), Decimal("32.98")]
    assert sum(await world.amounts()) == TOTAL


async def test_reject_keeps_the_order_and_tells_the_buyer(world: World) -> None:
    request_id = await requested(world)

    outcome = await world.service.decide(
        world.seller, request_id, approve=False, note="  already packed  "
    )

    assert (outcome.status, outcome.refunded) == ("rejected", Decimal(0))
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []
    assert await world.requests() == [("rejected", "seller", world.seller)]
    told = [(kind, params) for chat, kind, params in await world.outbox() if chat == BUYER]
    assert len(told) == 1
    kind, params = told[0]
    assert (kind, params["status"], params["refunded"]) == ("cancel_decided", "rejected", "0")
    assert params["note"] == "already packed"


@pytest.mark.parametrize(
    ("status", "said", "not_said"),
    [
        ("AWAITING_SHIPMENT", "it is being prepared and will ship as planned", "on its way"),
        ("AWAITING_COLLECTION", "packed and waiting for the carrier", "on its way"),
        ("IN_TRANSIT", "it is already on its way to you", "being prepared"),
    ],
)
async def test_a_rejection_tells_the_buyer_what_is_true_of_the_order(
    world: World, status: str, said: str, not_said: str
) -> None:
    """The buyer is not told "it's on its way out" about an order still being prepared:
    the words follow where the order is when the seller says no."""
    request_id = await requested(world)
    await world.set_order(status=status)  # the warehouse moved on (or not) meanwhile

    await world.service.decide(world.seller, request_id, approve=False)

    [(chat, kind, params)] = [row for row in await world.outbox() if row[0] == BUYER]
    [message] = render(Notification.load(chat, kind, params))
    assert isinstance(message, SendText)
    assert said in message.text and not_said not in message.text
    assert NUMBER in message.text


async def test_a_buyer_who_blocked_the_bot_is_not_queued_a_message(world: World) -> None:
    request_id = await requested(world)
    async with world.uow() as uow:
        buyer = await uow.session.get(ChatUser, world.buyer)
        assert buyer is not None
        buyer.unreachable = True
        await uow.commit()
    await world.service.decide(world.seller, request_id, approve=True)
    assert await world.amounts() == [TOTAL]
    assert [kind for _, kind, _ in await world.outbox()] == ["cancel_requested"]


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("second", [True, False])
async def test_a_second_decision_is_refused(world: World, first: bool, second: bool) -> None:
    request_id = await requested(world)
    await world.service.decide(world.seller, request_id, approve=first)
    before = await world.snapshot()
    with pytest.raises(RequestDecided):
        await world.service.decide(world.seller, request_id, approve=second)
    assert await world.snapshot() == before


@pytest.mark.parametrize("approve", [True, False])
async def test_nobody_but_the_shops_sellers_decides(world: World, approve: bool) -> None:
    request_id = await requested(world)
    before = await world.snapshot()
    for who in (OTHER_SELLER, BUYER, STRANGER):
        with pytest.raises(NotAllowed):
            await world.service.decide(world.users[who], request_id, approve=approve)
    with pytest.raises(NotAllowed):  # no such request: the same refusal
        await world.service.decide(world.seller, request_id + 999, approve=approve)
    assert await world.snapshot() == before


async def test_approve_and_reject_at_once_have_exactly_one_outcome(world: World) -> None:
    request_id = await requested(world)
    results = await asyncio.gather(
        world.service.decide(world.seller, request_id, approve=True),
        world.service.decide(world.seller, request_id, approve=False),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], RequestDecided), repr(lost[0])
    requests = await world.requests()
    assert requests == [(won[0].status, "seller", world.seller)]
    if won[0].status == "approved":
        assert (await world.order_status(), await world.amounts()) == ("CANCELLED", [TOTAL])
    else:
        assert (await world.order_status(), await world.amounts()) == ("AWAITING_SHIPMENT", [])
    decided = [p for _, kind, p in await world.outbox() if kind == "cancel_decided"]
    assert [p["status"] for p in decided] == [won[0].status]


async def test_two_approvals_at_once_refund_once(world: World) -> None:
    request_id = await requested(world)
    results = await asyncio.gather(
        *(world.service.decide(world.seller, request_id, approve=True) for _ in range(3)),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == [
        "CancelOutcome",
        "RequestDecided",
        "RequestDecided",
    ]
    assert await world.amounts() == [TOTAL]


async def test_approve_after_the_order_shipped_is_refused_and_refunds_nothing(
    world: World,
) -> None:
    request_id = await requested(world)
    await world.set_order(status="IN_TRANSIT")  # the warehouse was faster
    before = await world.snapshot()
    with pytest.raises(InvalidTransition):
        await world.service.decide(world.seller, request_id, approve=True)
    assert await world.snapshot() == before
    assert await world.ledger() == []
    assert await world.order_status() == "IN_TRANSIT"


# ------------------------------------------------------------------ auto-approval


async def test_inside_the_auto_cancel_window_the_request_is_approved_at_once(
    world: World,
) -> None:
    await ShopAdmin(world.uow).set("acme", "auto_cancel_minutes", "30")
    await world.set_order(paid_at=world.clock.now() - timedelta(minutes=30))  # just inside

    outcome = await world.service.request(world.buyer, world.order_id)

    assert (outcome.status, outcome.refunded) == ("approved", TOTAL)
    assert await world.order_status() == "CANCELLED"
    assert await world.requests() == [("approved", "system", None)]
    ledger = await world.ledger()
    assert [(amount, kind, issuer) for _, amount, kind, _, issuer, _ in ledger] == [
        (TOTAL, "system", None)
    ]
    # The buyer's chat shows the answer at once; the sellers, who hold the parcel, hear
    # that it is cancelled (no buttons: nothing to decide).
    assert await world.outbox() == [
        (
            SELLER,
            "cancel_requested",
            {
                "shop_id": world.shop_id,
                "request_id": outcome.request_id,
                "order_number": NUMBER,
                "auto_approved": True,
                "refunded": "37.99",
                "currency": "USD",
                "marketplace": None,
                "marketplace_name": None,
                "deadline": None,
                "timezone": "UTC",
            },
        )
    ]
    with pytest.raises(RequestDecided):  # a stale seller button does nothing
        await world.service.decide(world.seller, outcome.request_id, approve=False)


async def test_outside_the_auto_cancel_window_the_seller_decides(world: World) -> None:
    await ShopAdmin(world.uow).set("acme", "auto_cancel_minutes", "30")
    await world.set_order(paid_at=world.clock.now() - timedelta(minutes=30, seconds=1))
    outcome = await world.service.request(world.buyer, world.order_id)
    assert (outcome.status, outcome.refunded) == ("requested", Decimal(0))
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []
    assert [(chat, kind) for chat, kind, _ in await world.outbox()] == [
        (SELLER, "cancel_requested")
    ]


async def test_auto_cancel_off_by_default_even_right_after_payment(world: World) -> None:
    await world.set_order(paid_at=world.clock.now())
    assert (await world.service.request(world.buyer, world.order_id)).status == "requested"


# ------------------------------------------------------------------ goodwill


async def test_goodwill_refund_is_recorded_with_reason_and_issuer(world: World) -> None:
    outcome = await world.service.goodwill_refund(
        world.seller, f" {NUMBER} ", "$5.25", "  late delivery <sorry>  ", request_key="tg:1"
    )

    assert (outcome.status, outcome.refunded, outcome.currency) == (
        "refunded",
        Decimal("5.25"),
        "USD",
    )
    assert outcome.order_number == NUMBER
    assert await world.ledger() == [
        (
            world.order_id,
            Decimal("5.25"),
            "seller",
            "goodwill: late delivery <sorry>",
            world.seller,
            "pending",
        )
    ]
    assert await world.outbox() == [
        (
            BUYER,
            "goodwill_refund",
            {
                "shop_id": world.shop_id,
                "order_id": world.order_id,
                "order_number": NUMBER,
                "amount": "5.25",
                "currency": "USD",
                "reason": "late delivery <sorry>",
            },
        )
    ]
    assert await world.order_status() == "AWAITING_SHIPMENT"  # a refund is no cancellation


async def test_goodwill_refund_of_everything_that_is_left(world: World) -> None:
    await world.service.goodwill_refund(world.seller, NUMBER, "0.99", "a", request_key="k1")
    outcome = await world.service.goodwill_refund(
        world.seller, NUMBER, "37.00", "b", request_key="k2"
    )
    assert outcome.refunded == Decimal("37.00")
    assert sum(await world.amounts()) == TOTAL
    with pytest.raises(GoodwillRefused) as refused:
        await world.service.goodwill_refund(world.seller, NUMBER, "0.01", "c", request_key="k3")
    assert refused.value.reason == "fully_refunded"  # said as such, not "more than $0.00"


async def test_goodwill_on_an_unpaid_order_is_refused(world_unpaid: World) -> None:
    """An order awaiting payment carries its total (what is due), but nothing was paid:
    a refund would tell the buyer they got money back that they never paid."""
    world = world_unpaid
    with pytest.raises(GoodwillRefused) as refused:
        await world.service.goodwill_refund(world.seller, NUMBER, "5", "goodwill", request_key="k")
    assert refused.value.reason == "unpaid"
    assert await world.amounts() == [] and await world.outbox() == []
    async with world.uow() as uow:  # the ledger refuses it too, whoever asks
        with pytest.raises(RefundExceedsPaid):
            await record_refund(
                uow,
                order_id=world.order_id,
                amount=Decimal("5.00"),
                issuer_kind=ActorKind.SELLER,
                issuer_id=world.seller,
                reason="goodwill",
                idempotency_key="direct",
                now=world.clock.now(),
            )
        assert await remaining_refundable(uow, world.order_id) == Decimal(0)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("0", "bad_amount"),
        ("0.00", "bad_amount"),
        ("-5", "bad_amount"),
        ("-0.01", "bad_amount"),
        ("abc", "bad_amount"),
        ("", "bad_amount"),
        ("$", "bad_amount"),
        ("1.005", "bad_amount"),
        ("5,00", "bad_amount"),
        ("NaN", "bad_amount"),
        ("Infinity", "bad_amount"),
        ("1e400", "bad_amount"),
        ("38.00", "too_much"),
        ("37.991", "bad_amount"),
        ("99999999999", "too_much"),
    ],
)
async def test_goodwill_amounts_that_do_not_work(world: World, amount: str, reason: str) -> None:
    before = await world.snapshot()
    with pytest.raises(GoodwillRefused) as refused:
        await world.service.goodwill_refund(
            world.seller, NUMBER, amount, "late delivery", request_key="tg:1"
        )
    assert refused.value.reason == reason
    assert (refused.value.remaining, refused.value.currency) == (TOTAL, "USD")
    assert await world.snapshot() == before


async def test_goodwill_above_what_is_left_after_an_earlier_refund(world: World) -> None:
    await world.service.goodwill_refund(world.seller, NUMBER, "30.00", "x", request_key="k1")
    before = await world.snapshot()
    with pytest.raises(GoodwillRefused) as refused:
        await world.service.goodwill_refund(world.seller, NUMBER, "8.00", "y", request_key="k2")
    assert (refused.value.reason, refused.value.remaining) == ("too_much", Decimal("7.99"))
    assert await world.snapshot() == before


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
async def test_goodwill_needs_a_reason(world: World, reason: str) -> None:
    before = await world.snapshot()
    with pytest.raises(GoodwillRefused) as refused:
        await world.service.goodwill_refund(world.seller, NUMBER, "5.00", reason, request_key="k")
    assert refused.value.reason == "no_reason"
    assert await world.snapshot() == before


async def test_goodwill_on_another_shops_order_is_not_found(world: World) -> None:
    other = await make_order(
        world.uow, world.clock, number="578000000000000009", shop_code="other", status="DELIVERED"
    )
    before = await world.snapshot()
    for number in ("578000000000000009", "578000000000000404", ""):
        with pytest.raises(GoodwillRefused) as refused:
            await world.service.goodwill_refund(
                world.seller, number, "5.00", "sorry", request_key="k"
            )
        assert refused.value.reason == "not_found", number
    assert await world.snapshot() == before
    # Eve refunds her own shop's order; acme's is "not found" for her.
    await world.service.goodwill_refund(
        world.users[OTHER_SELLER], "578000000000000009", "1.00", "sorry", request_key="e"
    )
    with pytest.raises(GoodwillRefused):
        await world.service.goodwill_refund(
            world.users[OTHER_SELLER], NUMBER, "1.00", "sorry", request_key="e2"
        )
    assert [(row[0], row[1]) for row in await world.ledger()] == [(other, Decimal("1.00"))]


async def test_goodwill_picks_the_sellers_own_shop_when_numbers_collide(world: World) -> None:
    other = await make_order(world.uow, world.clock, number=NUMBER, shop_code="other")
    await world.service.goodwill_refund(
        world.users[OTHER_SELLER], NUMBER, "2.00", "sorry", request_key="e"
    )
    await world.service.goodwill_refund(world.seller, NUMBER, "3.00", "sorry", request_key="s")
    assert [(row[0], row[1]) for row in await world.ledger()] == [
        (other, Decimal("2.00")),
        (world.order_id, Decimal("3.00")),
    ]


async def test_goodwill_by_a_non_seller_is_not_allowed(world: World) -> None:
    before = await world.snapshot()
    for who in (BUYER, STRANGER):
        with pytest.raises(NotAllowed):
            await world.service.goodwill_refund(
                world.users[who], NUMBER, "5.00", "I deserve it", request_key="k"
            )
    assert await world.snapshot() == before


@pytest.mark.parametrize("amount", ["5.00", "37.99"])
async def test_the_same_request_key_twice_refunds_once(world: World, amount: str) -> None:
    first = await world.service.goodwill_refund(
        world.seller, NUMBER, amount, "late", request_key="tg:77"
    )
    again = await world.service.goodwill_refund(
        world.seller, NUMBER, amount, "late", request_key="tg:77"
    )
    assert again == first
    assert await world.amounts() == [Decimal(amount)]
    assert [kind for _, kind, _ in await world.outbox()] == ["goodwill_refund"]


async def test_goodwill_refunds_at_once_never_exceed_what_was_paid(world: World) -> None:
    results = await asyncio.gather(
        *(
            world.service.goodwill_refund(
                world.seller, NUMBER, "20.00", "sorry", request_key=f"k{i}"
            )
            for i in range(3)
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 2, results
    for exc in refused:
        assert isinstance(exc, GoodwillRefused) and exc.reason == "too_much", repr(exc)
    assert await world.amounts() == [Decimal("20.00")]


async def test_a_goodwill_refund_racing_an_approval_never_overpays(world: World) -> None:
    request_id = await requested(world)
    results = await asyncio.gather(
        world.service.goodwill_refund(world.seller, NUMBER, "20.00", "sorry", request_key="g"),
        world.service.decide(world.seller, request_id, approve=True),
        return_exceptions=True,
    )
    goodwill, approval = results
    assert not isinstance(approval, BaseException), repr(approval)
    assert approval.status == "approved"
    assert await world.order_status() == "CANCELLED"
    if isinstance(goodwill, BaseException):  # the approval refunded everything first
        assert isinstance(goodwill, GoodwillRefused)
        assert goodwill.reason in {"too_much", "fully_refunded"}
        assert await world.amounts() == [TOTAL]
    else:
        assert approval.refunded == Decimal("17.99")
        assert sorted(await world.amounts()) == [Decimal("17.99"), Decimal("20.00")]


async def test_two_linked_chats_asking_at_once_make_one_request(world: World) -> None:
    async with world.uow() as uow:
        uow.session.add(
            OrderLink(
                chat_user_id=world.users[STRANGER],
                order_id=world.order_id,
                method="phone",
                created_at=world.clock.now(),
            )
        )
        await uow.commit()
    results = await asyncio.gather(
        world.service.request(world.buyer, world.order_id),
        world.service.request(world.users[STRANGER], world.order_id),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadyRequested", "CancelOutcome"]
    assert await world.requests() == [("requested", None, None)]
    assert [kind for _, kind, _ in await world.outbox()] == ["cancel_requested"]
