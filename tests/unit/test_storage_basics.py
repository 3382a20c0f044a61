"""The store keeps money exact, time in UTC, and rolls back what a use case did not commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from storage.migrate import current_revision, head_revision
from storage.models import Order, OrderItem, Payment, Shop
from storage.uow import UnitOfWorkFactory


async def _shop(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    async with uow_factory() as uow:
        shop = Shop(code="acme", name="Acme", created_at=clock.now())
        uow.shops.add(shop)
        await uow.commit()
        return shop.id


async def test_database_is_at_the_latest_migration(engine) -> None:  # type: ignore[no-untyped-def]
    assert await current_revision(engine) == head_revision()


async def test_money_round_trips_exactly(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    shop_id = await _shop(uow_factory, clock)
    async with uow_factory() as uow:
        order = Order(
            shop_id=shop_id,
            order_number="1001",
            status="DELIVERED",
            placed_at=clock.now(),
            updated_at=clock.now(),
        )
        order.items.append(
            OrderItem(
                line_no=1, sku="A", product_name="Mug", quantity=3, unit_price=Decimal("0.10")
            )
        )
        order.payment = Payment(
            currency="USD",
            subtotal=Decimal("0.30"),
            shipping_fee=Decimal("4.99"),
            discount=Decimal("0"),
            tax=Decimal("0.0125"),
            total_paid=Decimal("5.3025"),
        )
        uow.orders.add(order)
        await uow.commit()
    async with uow_factory(readonly=True) as uow:
        loaded = await uow.orders.get_by_number(shop_id, "1001")
        assert loaded is not None and loaded.payment is not None
        assert loaded.items[0].unit_price * 3 == Decimal(
            "0.30"
        )  # a float would give 0.30000000000000004
        assert loaded.payment.total_paid == Decimal("5.3025")


async def test_times_come_back_aware_utc(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    shop_id = await _shop(uow_factory, clock)
    local = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    async with uow_factory() as uow:
        uow.orders.add(
            Order(
                shop_id=shop_id,
                order_number="1",
                status="UNPAID",
                placed_at=local,
                updated_at=clock.now(),
            )
        )
        await uow.commit()
    async with uow_factory(readonly=True) as uow:
        loaded = await uow.orders.get_by_number(shop_id, "1")
        assert loaded is not None
        assert loaded.placed_at == datetime(2026, 3, 1, 6, 30, tzinfo=UTC)
        assert loaded.placed_at.tzinfo is not None


async def test_naive_time_is_refused(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    shop_id = await _shop(uow_factory, clock)
    async with uow_factory() as uow:
        uow.orders.add(
            Order(
                shop_id=shop_id,
                order_number="1",
                status="UNPAID",
                placed_at=datetime(2026, 1, 1),
                updated_at=clock.now(),
            )
        )
        with pytest.raises(Exception, match="naive"):
            await uow.commit()


async def test_leaving_without_commit_writes_nothing(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    shop_id = await _shop(uow_factory, clock)
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            uow.orders.add(
                Order(
                    shop_id=shop_id,
                    order_number="X",
                    status="UNPAID",
                    placed_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
            await uow.flush()
            raise RuntimeError("crash half-way through a use case")
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Order)) == 0


async def test_foreign_keys_are_enforced(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    async with uow_factory() as uow:
        uow.orders.add(
            Order(
                shop_id=999,
                order_number="1",
                status="UNPAID",
                placed_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            await uow.commit()


async def test_migrations_match_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    """A model change without its migration would break every existing database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
