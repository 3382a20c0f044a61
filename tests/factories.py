"""Small builders for test data, written through the real store."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.clock import FakeClock
from storage.models import (
    CancelRequest,
    ChatUser,
    Claim,
    ClaimItem,
    Order,
    OrderItem,
    OrderLink,
    OrderRating,
    Payment,
    Seller,
    Shipment,
    Shop,
    Ticket,
    TrackingEvent,
)
from storage.uow import UnitOfWorkFactory


async def make_shop(uow_factory: UnitOfWorkFactory, clock: FakeClock, code: str = "acme") -> int:
    async with uow_factory() as uow:
        shop = await uow.shops.get_by_code(code)
        if shop is None:
            shop = Shop(
                code=code, name=code.title() + " Store", currency="USD", created_at=clock.now()
            )
            uow.shops.add(shop)
            await uow.commit()
        return shop.id


async def make_order(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    *,
    number: str = "578000000000000001",
    status: str = "IN_TRANSIT",
    email: str = "buyer@example.com",
    phone: str = "15550100001",
    shop_code: str = "acme",
    items: tuple[tuple[str, int, str], ...] = (("Ceramic mug", 2, "12.50"),),
    shipping: str = "4.99",
    paid: bool = True,
    carrier: str | None = "UPS",
    tracking: str | None = "1Z999AA10123456784",
    express: bool = False,
    eta: datetime | None = None,
    delivered_at: datetime | None = None,
    events: tuple[tuple[str, str], ...] = (("InfoReceived", "Label created"),),
) -> int:
    shop_id = await make_shop(uow_factory, clock, shop_code)
    now = clock.now()
    async with uow_factory() as uow:
        order = Order(
            shop_id=shop_id,
            order_number=number,
            status=status,
            buyer_name="Jane Buyer",
            buyer_email=email,
            buyer_phone=phone,
            placed_at=now - timedelta(days=3),
            paid_at=now - timedelta(days=3) if paid else None,
            delivered_at=delivered_at,
            updated_at=now,
        )
        subtotal = Decimal(0)
        for line, (name, quantity, price) in enumerate(items, start=1):
            order.items.append(
                OrderItem(
                    line_no=line,
                    sku=f"SKU-{line}",
                    product_name=name,
                    quantity=quantity,
                    unit_price=Decimal(price),
                )
            )
            subtotal += Decimal(price) * quantity
        order.payment = Payment(
            currency="USD",
            subtotal=subtotal,
            shipping_fee=Decimal(shipping),
            discount=Decimal(0),
            tax=Decimal(0),
            total_paid=subtotal + Decimal(shipping),
        )
        if carrier and tracking:
            shipment = Shipment(
                carrier=carrier,
                tracking_number=tracking,
                delivery_option="Express" if express else "Standard",
                estimated_delivery=eta or now + timedelta(days=2),
                shipped_at=now - timedelta(days=2),
            )
            for index, (tag, message) in enumerate(events):
                shipment.events.append(
                    TrackingEvent(
                        at=now - timedelta(days=2) + timedelta(hours=index * 6),
                        tag=tag,
                        message=message,
                        location="Memphis, TN",
                    )
                )
            order.shipments.append(shipment)
        uow.orders.add(order)
        await uow.commit()
        return order.id


# ------------------------------------------------ insight data (issue 17, /insights)
# Sales, claims, ratings, tickets and cancellation requests placed at chosen moments,
# for figures whose right answer is worked out by hand.

_serial = itertools.count(1)


async def make_person(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, external_id: int, name: str = "Sam"
) -> int:
    """The chat user with this Telegram id (created once); returns its row id."""
    async with uow_factory() as uow:
        user = await uow.chat_users.get_by_external("telegram", external_id)
        if user is None:
            user = ChatUser(external_id=external_id, first_name=name, created_at=clock.now())
            uow.chat_users.add(user)
            await uow.commit()
        return user.id


async def make_shop_seller(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, external_id: int, shop_code: str = "acme"
) -> int:
    """A seller of the shop (what an accepted invite does); returns the chat user's id."""
    shop_id = await make_shop(uow_factory, clock, shop_code)
    user_id = await make_person(uow_factory, clock, external_id)
    async with uow_factory() as uow:
        uow.session.add(Seller(shop_id=shop_id, chat_user_id=user_id, created_at=clock.now()))
        await uow.commit()
    return user_id


@dataclass(frozen=True)
class Sale:
    order_id: int
    items: dict[str, int]  # product name → order item id


async def make_sale(
    uow_factory: UnitOfWorkFactory,
    shop_id: int,
    products: tuple[str, ...],
    placed: datetime,
    delivered: datetime | None = None,
) -> Sale:
    """An order of one unit of each product (SKU: the name upper-cased, cut to 64)."""
    async with uow_factory() as uow:
        order = Order(
            shop_id=shop_id,
            order_number=f"S{next(_serial):09d}",
            status="DELIVERED" if delivered else "AWAITING_SHIPMENT",
            placed_at=placed,
            paid_at=placed,
            delivered_at=delivered,
            updated_at=delivered or placed,
        )
        for line, name in enumerate(products, start=1):
            order.items.append(
                OrderItem(
                    line_no=line,
                    sku=name.upper().replace(" ", "-")[:64],
                    product_name=name,
                    quantity=1,
                    unit_price=Decimal("10.00"),
                )
            )
        uow.orders.add(order)
        await uow.commit()
        return Sale(order.id, {item.product_name: item.id for item in order.items})


async def make_claim_on(
    uow_factory: UnitOfWorkFactory,
    sale: Sale,
    reason: str,
    created: datetime,
    products: tuple[str, ...] | None = None,
    buyer_id: int | None = None,
) -> int:
    """A return request on `products` of the sale (all of them by default)."""
    async with uow_factory() as uow:
        claim = Claim(
            claim_number=f"C{next(_serial):09d}",
            order_id=sale.order_id,
            buyer_id=buyer_id,
            type="RETURN_AND_REFUND",
            reason=reason,
            status="REQUESTED",
            requested_amount=Decimal("10.00"),
            currency="USD",
            created_at=created,
            updated_at=created,
        )
        claim.items = [
            ClaimItem(order_item_id=sale.items[name], quantity=1)
            for name in (products or tuple(sale.items))
        ]
        uow.session.add(claim)
        await uow.commit()
        return claim.id


async def make_rating(
    uow_factory: UnitOfWorkFactory,
    shop_id: int,
    sale: Sale,
    buyer_id: int,
    stars: int,
    at: datetime,
) -> None:
    async with uow_factory() as uow:
        uow.session.add(
            OrderRating(
                order_id=sale.order_id,
                shop_id=shop_id,
                buyer_id=buyer_id,
                stars=stars,
                created_at=at,
                updated_at=at,
            )
        )
        await uow.commit()


async def make_ticket(
    uow_factory: UnitOfWorkFactory,
    shop_id: int,
    buyer_id: int,
    opened: datetime,
    first_response: datetime | None = None,
    closed: datetime | None = None,
) -> None:
    async with uow_factory() as uow:
        uow.session.add(
            Ticket(
                shop_id=shop_id,
                buyer_id=buyer_id,
                status="closed" if closed else "open",
                reason="other",
                opened_at=opened,
                first_response_at=first_response,
                closed_at=closed,
            )
        )
        await uow.commit()


async def make_cancel_request(
    uow_factory: UnitOfWorkFactory, sale: Sale, created: datetime
) -> None:
    async with uow_factory() as uow:
        uow.session.add(
            CancelRequest(order_id=sale.order_id, status="requested", created_at=created)
        )
        await uow.commit()


async def link_buyer(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    order_id: int,
    external_id: int = 1001,
    name: str = "Jane",
    language: str | None = None,
) -> int:
    """A Telegram user who proved the order (as linking by email does); their chat user id."""
    async with uow_factory() as uow:
        user = await uow.chat_users.get_by_external("telegram", external_id)
        if user is None:
            user = ChatUser(
                external_id=external_id, first_name=name, language=language, created_at=clock.now()
            )
            uow.chat_users.add(user)
            await uow.flush()
        uow.session.add(
            OrderLink(
                chat_user_id=user.id, order_id=order_id, method="email", created_at=clock.now()
            )
        )
        await uow.commit()
        return user.id


async def shop_settings(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    code: str = "acme",
    *,
    timezone: str | None = None,
    **settings: Any,
) -> int:
    """Set some of a shop's settings (as `shop set` stores them); the shop's id."""
    shop_id = await make_shop(uow_factory, clock, code)
    async with uow_factory() as uow:
        shop = await uow.shops.get(shop_id)
        assert shop is not None
        shop.settings = {**(shop.settings or {}), **settings}
        if timezone is not None:
            shop.timezone = timezone
        await uow.commit()
    return shop_id
