"""Benchmark: order import speed and memory (not collected by pytest).

    python tests/bench/import_orders.py                    # 10k, 50k, 100k orders on SQLite
    python tests/bench/import_orders.py --orders 20000     # 2k, 10k, 20k
    python tests/bench/import_orders.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/test

Generates N orders (2 items, 1 shipment with 3 tracking events each) into a temporary
CSV and JSON file, imports each into a fresh migrated database and prints orders/s for
the first import (all inserts) and a second import of the same file (all unchanged),
with peak memory at three file sizes, so that flat memory shows as equal figures.

Each measurement runs in its own process: `ru_maxrss` is a high-water mark of the
whole process and would otherwise only ever grow.  Speed and memory are measured in
separate runs because tracemalloc slows Python down severalfold.

With --pg (or TEST_DATABASE_URL) the PostgreSQL database's schema `public` is DROPPED
and recreated: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from bot.clock import FakeClock
from bot.domain.enums import DeliveryOption, OrderStatus, TrackingTag
from bot.services.order_import import import_orders_file
from storage.db import create_engine, session_factory
from storage.importers.csv_orders import write_csv_orders
from storage.importers.json_orders import write_json_orders
from storage.importers.records import (
    ItemRecord,
    OrderRecord,
    ShipmentRecord,
    TrackingEventRecord,
)
from storage.migrate import upgrade
from storage.uow import make_uow_factory

TARGET_ORDERS_PER_SECOND = 5_000
_CARRIERS = (("FedEx", "7489"), ("UPS", "1Z9"), ("USPS", "9400"), ("DHL", "33"))
_STATUSES = (OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


# ------------------------------------------------------------------------ the data


def generate(count: int) -> Iterator[OrderRecord]:
    """Deterministic, valid orders; cheap enough to make 100,000 in a few seconds."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(count):
        placed = start + timedelta(minutes=n)
        price_a = Decimal(500 + n % 9_000) / 100
        price_b = Decimal(199 + n % 2_000) / 100
        items = (
            ItemRecord(f"SKU-{n % 500:04d}", f"Product {n % 500} in blue", 1 + n % 3, price_a),
            ItemRecord(f"SKU-{(n + 7) % 500:04d}", f"Product {(n + 7) % 500}", 2, price_b),
        )
        subtotal = sum((i.quantity * i.unit_price for i in items), Decimal(0))
        fee, discount = Decimal("4.99"), Decimal(n % 4)
        tax = (subtotal * Decimal("0.08")).quantize(Decimal("0.01"))
        carrier, prefix = _CARRIERS[n % len(_CARRIERS)]
        shipped = placed + timedelta(days=1)
        events = (
            TrackingEventRecord(shipped, TrackingTag.INFO_RECEIVED, "Label created", "Memphis, TN"),
            TrackingEventRecord(
                shipped + timedelta(hours=8), TrackingTag.IN_TRANSIT, "Departed facility", None
            ),
            TrackingEventRecord(
                shipped + timedelta(days=2), TrackingTag.DELIVERED, "Delivered", "Front door"
            ),
        )
        yield OrderRecord(
            order_number=f"B-{n:08d}",
            status=_STATUSES[n % len(_STATUSES)],
            placed_at=placed,
            currency="USD",
            subtotal=subtotal,
            shipping_fee=fee,
            discount=discount,
            tax=tax,
            total_paid=subtotal + fee - discount + tax,
            items=items,
            buyer_name=f"Buyer {n}",
            buyer_email=f"buyer{n}@example.com",
            buyer_phone=f"1555{n:07d}",
            shipping_address=f"{n % 999 + 1} Main St, Springfield, IL 62701, US",
            paid_at=placed + timedelta(minutes=2),
            delivered_at=shipped + timedelta(days=2),
            shipments=(
                ShipmentRecord(
                    carrier=carrier,
                    tracking_number=f"{prefix}{n:014d}",
                    delivery_option=DeliveryOption.STANDARD,
                    estimated_delivery=shipped + timedelta(days=3),
                    shipped_at=shipped,
                    events=events,
                ),
            ),
        )


def write_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        if path.suffix == ".csv":
            write_csv_orders(generate(count), out)
        else:
            write_json_orders(generate(count), out)


# ------------------------------------------------------------------- one measurement


async def _fresh_database(url: str) -> None:
    engine = create_engine(url)
    if not url.startswith("sqlite"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()


async def measure(url: str, path: Path, trace_memory: bool) -> dict[str, float]:
    await _fresh_database(url)
    engine = create_engine(url)
    uow_factory = make_uow_factory(session_factory(engine))
    clock = FakeClock()
    result: dict[str, float] = {}
    if trace_memory:
        tracemalloc.start()
    began, cpu_began = time.perf_counter(), _cpu_seconds()
    report = await import_orders_file(uow_factory, path, "bench", clock)
    result["seconds"] = time.perf_counter() - began
    # CPU time of all threads: unlike wall time, not inflated by other busy processes.
    result["cpu_seconds"] = _cpu_seconds() - cpu_began
    if not report.ok:
        raise SystemExit(str(report))
    result["orders"] = report.orders_read
    if trace_memory:
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        began = time.perf_counter()
        again = await import_orders_file(uow_factory, path, "bench", clock)
        result["reimport_seconds"] = time.perf_counter() - began
        assert again.ok and again.counts.orders_unchanged == report.orders_read, again
    # Linux reports kilobytes.
    result["ru_maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    await engine.dispose()
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_child(url: str, path: Path, trace_memory: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(path), "--db", url]
    if trace_memory:
        command.append("--trace-memory")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=100_000, help="largest file (default 100000)")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="PostgreSQL URL")
    parser.add_argument("--formats", default="csv,json", help="csv,json (default both)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--trace-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(asyncio.run(measure(args.db, args.child, args.trace_memory))))
        return 0

    sizes = sorted({max(1, args.orders // 10), max(1, args.orders // 2), args.orders})
    backends = [("SQLite", None)] + ([("PostgreSQL", args.pg)] if args.pg else [])
    print(
        f"{'format':6} {'backend':10} {'orders':>7} {'wall s':>7} {'orders/s':>8}"
        f" {'cpu s':>6} {'re-import/s':>11} {'tracemalloc MiB':>15} {'maxrss MiB':>10}"
        f" {'file MiB':>8}"
    )
    # The target is for SQLite; PostgreSQL's figures are for comparison.
    sqlite_rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        for fmt in args.formats.split(","):
            for size in sizes:
                path = folder / f"orders-{size}.{fmt}"
                write_file(path, size)
                megabytes = path.stat().st_size / 2**20
                for name, pg_url in backends:
                    url = pg_url or f"sqlite+aiosqlite:///{folder / f'speed-{fmt}-{size}.db'}"
                    speed = run_child(url, path, trace_memory=False)
                    peak = "-"
                    if not args.no_memory:
                        url = pg_url or f"sqlite+aiosqlite:///{folder / f'mem-{fmt}-{size}.db'}"
                        traced = run_child(url, path, trace_memory=True)
                        peak = f"{traced['tracemalloc_peak_mib']:.1f}"
                    rate = size / speed["seconds"]
                    if size == args.orders and pg_url is None:
                        sqlite_rates[fmt] = rate
                    print(
                        f"{fmt:6} {name:10} {size:>7} {speed['seconds']:>7.2f} {rate:>8.0f}"
                        f" {speed['cpu_seconds']:>6.2f} {size / speed['reimport_seconds']:>11.0f}"
                        f" {peak:>15} {speed['ru_maxrss_mib']:>10.1f} {megabytes:>8.1f}",
                        flush=True,
                    )
    for fmt, rate in sqlite_rates.items():
        verdict = "meets" if rate >= TARGET_ORDERS_PER_SECOND else "MISSES"
        print(
            f"{fmt}: first import of {args.orders} orders on SQLite at {rate:.0f} orders/s"
            f" {verdict} the {TARGET_ORDERS_PER_SECOND} orders/s target"
        )
    print("(wall-clock time: other busy processes on the machine lower it; see cpu s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
