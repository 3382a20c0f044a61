"""Small builders for test data, written through the real store."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.clock import FakeClock
from storage.models import (
    ChatUser,
    Order,
    OrderItem,
    OrderLink,
    Payment,
    Shipment,
    Shop,
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
