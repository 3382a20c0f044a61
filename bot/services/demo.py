"""Loading the demo shops and orders (`python run_bot.py demo-data`, and `demo`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from bot.clock import Clock
from storage.demo_data import DEMO_SHOPS, generate_demo_orders
from storage.importers.records import OrderRecord
from storage.importers.writer import OrderWriter, WriteCounts
from storage.models import Shop
from storage.uow import UnitOfWorkFactory

BATCH = 500


@dataclass(frozen=True)
class DemoSummary:
    shops: int
    orders: int
    counts: WriteCounts

    def __str__(self) -> str:
        c = self.counts
        return (
            f"demo data: {self.shops} shops, {self.orders} orders "
            f"({c.orders_created} new, {c.orders_updated} updated, {c.orders_unchanged} unchanged)"
        )


async def load_demo_data(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, seed: int = 7, count: int = 240
) -> DemoSummary:
    """Write the demo shops and orders in one transaction through the same writer as
    file imports, so loading twice updates rather than duplicates."""
    by_shop: dict[str, list[OrderRecord]] = defaultdict(list)
    for shop_code, record in generate_demo_orders(seed=seed, count=count, now=clock.now()):
        by_shop[shop_code].append(record)
    total = WriteCounts()
    async with uow_factory() as uow:
        for demo_shop in DEMO_SHOPS:
            shop = await uow.shops.get_by_code(demo_shop.code)
            if shop is None:
                shop = Shop(
                    code=demo_shop.code,
                    name=demo_shop.name,
                    currency=demo_shop.currency,
                    timezone=demo_shop.timezone,
                    created_at=clock.now(),
                )
                uow.shops.add(shop)
                await uow.flush()
            writer = OrderWriter(
                uow.session, shop_id=shop.id, run_id=str(uuid.uuid4()), clock=clock
            )
            records = by_shop[demo_shop.code]
            for start in range(0, len(records), BATCH):
                outcome = await writer.write(records[start : start + BATCH])
                if outcome.problems:  # generated data is valid; this is a bug, not input
                    raise RuntimeError(f"demo data refused: {outcome.problems[0]}")
            await uow.shops.mark_tracking_updated(shop.id, clock.now())
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(writer.counts, name))
        await uow.commit()
    return DemoSummary(len(DEMO_SHOPS), sum(len(r) for r in by_shop.values()), total)


async def has_orders(uow_factory: UnitOfWorkFactory) -> bool:
    async with uow_factory(readonly=True) as uow:
        return await uow.orders.count() > 0
