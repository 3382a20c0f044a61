"""Reading what the connector left in the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.services.marketplace import TIKTOK
from storage.models import ChatUser, MarketplaceConnection, Order, OrderLink, OutboxMessage
from storage.uow import UnitOfWorkFactory


async def connection(uow_factory: UnitOfWorkFactory) -> MarketplaceConnection:
    async with uow_factory(readonly=True) as uow:
        conn = await uow.session.scalar(
            select(MarketplaceConnection).where(MarketplaceConnection.marketplace == TIKTOK)
        )
    assert conn is not None
    return conn


async def outbox(uow_factory: UnitOfWorkFactory, kind: str) -> list[tuple[int, dict[str, Any]]]:
    async with uow_factory(readonly=True) as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [(r.chat_id, r.payload["params"]) for r in rows if r.payload["kind"] == kind]


async def order(uow_factory: UnitOfWorkFactory, number: str) -> Order | None:
    async with uow_factory(readonly=True) as uow:
        order_id = await uow.session.scalar(select(Order.id).where(Order.order_number == number))
        return None if order_id is None else await uow.orders.get(order_id)


async def link_buyer(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, order_id: int, chat: int
) -> None:
    async with uow_factory() as uow:
        user = ChatUser(channel="telegram", external_id=chat, created_at=clock.now())
        uow.session.add(user)
        await uow.flush()
        uow.session.add(
            OrderLink(
                chat_user_id=user.id, order_id=order_id, method="deeplink", created_at=clock.now()
            )
        )
        await uow.commit()
