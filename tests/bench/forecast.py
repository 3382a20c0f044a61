"""Benchmark: the demand forecast's backtest on the demo history (not collected by pytest).

    python tests/bench/forecast.py                 # the demo data as `run_bot.py demo` loads it
    python tests/bench/forecast.py --folds 4       # + rolling origins: 4 hold-outs of 14 days
    python tests/bench/forecast.py --orders 2000   # more demo orders (when the demo takes a count)
    python tests/bench/forecast.py --synthetic --folds 4   # simulated half-years, no database

What is measured
----------------
The demo data (`bot.services.demo.load_demo_data`) is loaded into a fresh temporary
SQLite database, migrated, with a fixed clock (2026-12-03 12:00 UTC), so every run sees
the same orders.  For each demo shop, `InsightService.for_shop(code, 90)` builds what a
seller's `/insights 90` shows: orders per whole day of the shop's timezone, from its
first order to yesterday, and the same for its top products (by orders in the period).

For each series the backtest holds out the last 14 days, fits the forecast on the days
before, and compares its forecast of those 14 days with what happened, next to the naive
"same as last week" forecast (the last 7 days before the hold-out, repeated).  Errors:
MAE (orders per day) and WAPE (sum of absolute errors ÷ sum of actual orders; defined
on days without orders, unlike MAPE).  `--folds N` repeats this at N origins, 14 days
apart (the last 14 days, the 14 before them, ...; each fitted only on what came before
its hold-out), and reports the errors summed over all of them, which moves less with
one unusual fortnight than a single hold-out does.

Output: one line per shop and product: history length, method, the model's MAE and
WAPE, naive's, and whether the model was better; then one `name = value` line per shop
total for the README.  The exit status is 0 whatever the figures: this measures, the
tests (`tests/unit/test_forecast.py`) assert.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bot.clock import FakeClock  # noqa: E402
from bot.domain.forecast import BACKTEST_DAYS, backtest  # noqa: E402
from bot.services.demo import load_demo_data  # noqa: E402
from bot.services.insights import Demand, InsightService  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.uow import make_uow_factory  # noqa: E402

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


@dataclass
class Score:
    folds: int = 0
    abs_error: float = 0.0
    naive_abs_error: float = 0.0
    actual: float = 0.0
    days: int = 0

    @property
    def mae(self) -> float:
        return self.abs_error / self.days if self.days else float("nan")

    @property
    def naive_mae(self) -> float:
        return self.naive_abs_error / self.days if self.days else float("nan")

    @property
    def wape(self) -> float | None:
        return self.abs_error / self.actual if self.actual else None

    @property
    def naive_wape(self) -> float | None:
        return self.naive_abs_error / self.actual if self.actual else None


def score(demand: Demand, folds: int) -> Score:
    """The backtest at `folds` origins, 14 days apart, errors summed."""
    result = Score()
    history = np.asarray(demand.history, dtype=float)
    for fold in range(folds):
        end = len(history) - fold * BACKTEST_DAYS
        test = backtest(history[:end], demand.first_day)
        if test is None:
            break
        actual = np.asarray(test.actual)
        result.folds += 1
        result.days += test.days
        result.actual += float(actual.sum())
        result.abs_error += float(np.abs(actual - np.asarray(test.predicted)).sum())
        result.naive_abs_error += float(np.abs(actual - np.asarray(test.naive)).sum())
    return result


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def row(label: str, demand: Demand, folds: int) -> Score:
    s = score(demand, folds)
    fc = demand.forecast
    span = f"{len(demand.history)} days"
    if demand.history:
        last = demand.first_day + timedelta(days=len(demand.history) - 1)
        span += f" ({demand.first_day} – {last}, {sum(demand.history)} orders)"
    if not s.folds:
        print(f"  {label:<44} {span}; {fc.method.value}; too short for a backtest")
        return s
    better = "yes" if s.abs_error < s.naive_abs_error else "no"
    print(
        f"  {label:<44} {span}; {fc.method.value}; {s.folds} fold(s): "
        f"MAE {s.mae:.2f} (WAPE {pct(s.wape)}) vs same-as-last-week {s.naive_mae:.2f} "
        f"({pct(s.naive_wape)}); better: {better}"
    )
    return s


async def main(folds: int, orders: int | None) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        engine = create_engine(url)
        await upgrade(engine)
        uow_factory = make_uow_factory(session_factory(engine))
        clock = FakeClock(NOW)
        started = time.perf_counter()
        summary = (
            await load_demo_data(uow_factory, clock)
            if orders is None
            else await load_demo_data(uow_factory, clock, count=orders)
        )
        print(f"{summary} (loaded in {time.perf_counter() - started:.1f} s, clock {NOW})")
        async with uow_factory(readonly=True) as uow:
            codes = sorted(shop.code for shop in await uow.shops.all())
        service = InsightService(uow_factory, clock)
        totals: list[tuple[str, Score, date | None]] = []
        for code in codes:
            started = time.perf_counter()
            ins = await service.for_shop(code, 90)
            took = time.perf_counter() - started
            print(f"{code} ({ins.shop.timezone}), insight built in {took * 1000:.0f} ms:")
            total = row("all orders", ins.demand, folds)
            for product in ins.products:
                row(f"product {product.name[:34]}", product, folds)
            peaks = ins.demand.forecast.peaks()
            totals.append((code, total, peaks[0] if peaks else None))
        await engine.dispose()
    print()
    for code, s, peak in totals:
        if not s.folds:
            print(f"{code}: too short for a backtest")
            continue
        print(
            f"{code}_mae = {s.mae:.2f}  {code}_naive_mae = {s.naive_mae:.2f}  "
            f"{code}_wape = {pct(s.wape)}  {code}_naive_wape = {pct(s.naive_wape)}  "
            f"{code}_folds = {s.folds}  {code}_beats_naive = {s.abs_error < s.naive_abs_error}  "
            f"{code}_first_peak = {peak}"
        )
    return 0


def synthetic(folds: int, seeds: int = 12) -> int:
    """Simulated shops, for a history longer than the demo's: 185 days from June 1 of
    Poisson orders around `base` a day × a weekly profile (Saturday 1.4, Tuesday 0.85)
    × a slow growth (0.2% a day) × a seasonal peak (up to 2.5× around November 27, a
    bell of about 12 days), so the hold-outs fall on the peak's rise, the hardest part.
    MAE per base volume, averaged over `seeds` random series and `folds` origins."""
    start = date(2026, 6, 1)
    profile = np.array([0.9, 0.85, 0.9, 1.0, 1.1, 1.4, 1.2])
    peak = date(2026, 11, 27)
    print(f"synthetic: 185 days from {start}, weekly rhythm, peak around {peak}")
    for base in (1, 3, 10, 30):
        model = naive = actual = 0.0
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            days = [start + timedelta(days=i) for i in range(185)]
            mean = [
                base
                * profile[d.weekday()]
                * (1 + 0.002 * i)
                * (1 + 1.5 * np.exp(-(((d - peak).days / 12) ** 2)))
                for i, d in enumerate(days)
            ]
            history = rng.poisson(mean).astype(float)
            for fold in range(folds):
                test = backtest(history[: len(history) - fold * BACKTEST_DAYS], start)
                assert test is not None
                model += test.mae
                naive += test.naive_mae
                actual += float(np.mean(test.actual))
        n = seeds * folds
        print(
            f"  base {base:>2}/day: MAE {model / n:.2f} (WAPE {pct(model / actual)}) vs "
            f"same-as-last-week {naive / n:.2f} ({pct(naive / actual)}); "
            f"better: {'yes' if model < naive else 'no'}"
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=1, help="hold-outs of 14 days (default 1)")
    parser.add_argument("--orders", type=int, default=None, help="demo orders (default: demo's)")
    parser.add_argument(
        "--synthetic", action="store_true", help="simulated half-years instead of the demo"
    )
    args = parser.parse_args()
    if args.synthetic:
        sys.exit(synthetic(max(args.folds, 1)))
    sys.exit(asyncio.run(main(args.folds, args.orders)))
