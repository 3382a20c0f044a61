"""An order cancelled before it was paid has nothing refundable, though its payment
record carries the total that was due (`bot.services.refunds.never_paid`): known from
a paid time, or from the audit of a cancellation straight from UNPAID, which an import
that sees the order go from UNPAID to CANCELLED writes too."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.clock import FakeClock
from bot.services.refunds import never_paid, remaining_refundable
from storage.models import Order
from storage.uow import UnitOfWorkFactory
from tests.unit.test_import_service import example_docs, imported, write_json


async def refundable(uow_factory: UnitOfWorkFactory, number: str) -> tuple[bool, Decimal]:
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.scalar(select(Order).where(Order.order_number == number))
        assert order is not None
        return await never_paid(uow, order), await remaining_refundable(uow, order.id)


async def test_an_import_that_cancels_an_unpaid_order_leaves_nothing_refundable(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    docs = example_docs()
    await imported(uow_factory, write_json(tmp_path / "day1.json", docs), clock)
    assert await refundable(uow_factory, "NL-2026-0416") == (True, Decimal(0))  # UNPAID
    # Cancelled in the file already, with a paid time: paid, so refundable.
    assert await refundable(uow_factory, "NL-2026-0410") == (False, Decimal("141.61"))

    unpaid = next(d for d in docs if d["order_number"] == "NL-2026-0416")
    unpaid["status"] = "CANCELLED"
    await imported(uow_factory, write_json(tmp_path / "day2.json", docs), clock)
    assert await refundable(uow_factory, "NL-2026-0416") == (True, Decimal(0))


async def test_an_unpaid_order_paid_then_cancelled_stays_refundable(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    docs = example_docs()
    await imported(uow_factory, write_json(tmp_path / "day1.json", docs), clock)
    unpaid = next(d for d in docs if d["order_number"] == "NL-2026-0416")
    unpaid["status"], unpaid["paid_at"] = "CANCELLED", "2026-01-11T10:00:00+01:00"
    await imported(uow_factory, write_json(tmp_path / "day2.json", docs), clock)
    assert await refundable(uow_factory, "NL-2026-0416") == (False, Decimal("34.53"))
