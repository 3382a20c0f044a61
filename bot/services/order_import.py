"""Import a shop's order export (`python run_bot.py import-orders FILE --shop SHOP`).

All or nothing: a file with any invalid order is refused whole and the report lists
what to fix, because a half-imported export leaves a shop unsure which orders the bot
knows.  Two passes over the file make that cheap in memory:

1. validate the whole file, writing nothing (streamed, so a 1 GB export does not need
   1 GB of memory);
2. only if it is clean, read it again and write it in batches inside ONE unit of work,
   committed once at the end.

Pass 2 also catches the one problem pass 1 cannot see without remembering every order
number: the same order appearing twice, far apart.  Each order written is stamped with
this run's id (`Order.import_run`), so meeting a stamped order again means a duplicate;
the transaction is then rolled back and the report says where.

Pass 1 runs in a worker thread, so a bot that imports in-process keeps answering;
pass 2 alternates parsing a batch and writing it on the event loop (a thread would only
contend with the writer for the GIL; measured slower).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from storage.importers.common import MAX_PROBLEMS
from storage.importers.csv_orders import read_csv_orders
from storage.importers.json_orders import read_json_orders, read_jsonl_orders
from storage.importers.records import OrderRecord, Problem
from storage.importers.writer import OrderChange, OrderWriter, WriteCounts
from storage.models import Shop
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

OnChange = Callable[[UnitOfWork, OrderChange], Awaitable[None]]
Reader = Callable[[Path], Generator[OrderRecord | Problem, None, None]]

READERS: dict[str, Reader] = {
    ".csv": read_csv_orders,
    ".json": read_json_orders,
    ".jsonl": read_jsonl_orders,
    ".ndjson": read_jsonl_orders,
}
# Records per batch of statements: large enough that per-statement overhead vanishes,
# small enough for SQLite's and asyncpg's bound-parameter limits.
BATCH_SIZE = 500
MAX_SHOP_CODE_LENGTH = 64
GC_THRESHOLD = 50_000


@dataclass
class ImportReport:
    """What an import did, or why it did nothing.  `str()` is the CLI's output."""

    path: Path
    shop_code: str
    problems: list[Problem] = field(default_factory=list)
    problems_omitted: int = 0  # beyond MAX_PROBLEMS: counted, not listed
    orders_read: int = 0  # valid orders in the file
    counts: WriteCounts = field(default_factory=WriteCounts)  # zero unless committed
    notified: int = 0  # changes handed to `on_change`
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_omitted

    def add_problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1

    def __str__(self) -> str:
        from handlers.catalog import Catalog

        def count(key: str, n: int) -> str:
            return Catalog().plain(f"cli2.{key}", count=n)

        if not self.ok:
            lines = [
                f"Refused {self.path.name}: {count('problems', self.problem_count)};"
                " nothing was imported. Fix these and import the file again:"
            ]
            lines += [f"  {problem}" for problem in self.problems]
            if self.problems_omitted:
                lines.append(f"  ... and {count('more_problems', self.problems_omitted)}")
            return "\n".join(lines)
        c = self.counts
        return "\n".join(
            [
                f"Imported {self.path.name} into shop {self.shop_code!r}:"
                f" {count('orders', self.orders_read)} in {self.seconds:.1f} s",
                f"  orders: {c.orders_created} created, {c.orders_updated} updated,"
                f" {c.orders_unchanged} unchanged",
                f"  items: {c.items_written} written, {c.items_removed} removed;"
                f" shipments: {c.shipments_written} written;"
                f" tracking events: {c.events_added} added",
            ]
        )


def reader_for(path: Path) -> Reader | None:
    return READERS.get(path.suffix.lower())


# A spreadsheet's own file: it is saved as CSV to be imported.
SPREADSHEETS = frozenset({".xlsx", ".xls", ".xlsm", ".ods", ".numbers", ".tsv"})


async def import_orders_file(
    uow_factory: UnitOfWorkFactory,
    path: Path,
    shop_code: str,
    clock: Clock,
    *,
    on_change: OnChange | None = None,
) -> ImportReport:
    """Import `path` (.csv, .json, .jsonl) into the shop `shop_code`, creating the shop
    (named after its code, in the first order's currency) if it does not exist.

    `on_change` is awaited inside the import's transaction for every order that
    existed before and whose status changed or that got new tracking events, so what
    it writes (e.g. outbox messages to the buyer) commits or rolls back with the
    import.  It must write only through the unit of work it is given.
    """
    started = time.perf_counter()
    path = Path(path)
    shop_code = shop_code.strip()
    report = ImportReport(path=path, shop_code=shop_code)
    read = reader_for(path)
    if read is None:
        message = f"unsupported file type {path.suffix!r}; use {', '.join(READERS)}"
        if path.suffix.lower() in SPREADSHEETS:  # the workbook itself, not an export
            message += " (in the spreadsheet: Save As or Download as CSV UTF-8, comma-separated)"
        report.add_problem(Problem("file", "name", message))
    if not shop_code or len(shop_code) > MAX_SHOP_CODE_LENGTH or not shop_code.isprintable():
        report.add_problem(
            Problem(
                "shop",
                "code",
                f"a shop code of 1 to {MAX_SHOP_CODE_LENGTH} printable characters is needed",
            )
        )
    if read is None or not report.ok:
        return report
    try:
        before = _fingerprint(path)
        with _fewer_gc_pauses():
            first_currency = await asyncio.to_thread(_validate, read, path, report)
    except OSError as exc:
        report.add_problem(_unreadable(exc))
        return report
    except Exception as exc:  # a parser bug: the file is refused, not the process
        report.add_problem(unexpected_problem(exc, "reading the file"))
        return report
    if report.ok and report.orders_read:
        try:
            with _fewer_gc_pauses():
                await _write(
                    uow_factory, read, path, report, clock, on_change, first_currency, before
                )
        except Exception as exc:
            # The checks should have refused whatever the database did not take; if
            # one was missed, the transaction is rolled back and the file refused.
            # The error's text is not shown: it carries the SQL parameters (emails).
            report.add_problem(unexpected_problem(exc, "writing"))
    report.seconds = time.perf_counter() - started
    log.info(
        "order import %s",
        "done" if report.ok else "refused",
        extra={
            "file": path.name,
            "shop": shop_code,
            "orders": report.orders_read,
            "problems": report.problem_count,
        },
    )
    return report


def _validate(read: Reader, path: Path, report: ImportReport) -> str:
    """Pass 1: read everything, write nothing.  Returns the first order's currency."""
    first_currency = ""
    for entry in read(path):
        if isinstance(entry, Problem):
            report.add_problem(entry)
        else:
            report.orders_read += 1
            first_currency = first_currency or entry.currency
    return first_currency


async def _write(
    uow_factory: UnitOfWorkFactory,
    read: Reader,
    path: Path,
    report: ImportReport,
    clock: Clock,
    on_change: OnChange | None,
    currency: str,
    before: tuple[int, int],
) -> None:
    """Pass 2: write the (valid) file in one transaction; commit only if still clean."""
    records = read(path)
    try:
        async with uow_factory() as uow:
            shop = await uow.shops.get_by_code(report.shop_code)
            if shop is None:
                shop = Shop(
                    code=report.shop_code,
                    name=report.shop_code,
                    currency=currency,
                    created_at=clock.now(),
                )
                uow.shops.add(shop)
                await uow.flush()
            writer = OrderWriter(
                uow.session, shop_id=shop.id, run_id=str(uuid.uuid4()), clock=clock
            )
            notified = 0
            tracked = False  # the file carries tracking events (see below)
            while True:
                try:
                    batch, problems = _next_batch(records)
                except OSError as exc:  # the file went away or became unreadable
                    report.add_problem(_unreadable(exc))
                    break
                if not batch and not problems:
                    break
                outcome = await writer.write(batch)
                tracked = tracked or carries_tracking(batch)
                for problem in [*problems, *outcome.problems]:
                    report.add_problem(problem)
                # Once the file is known to be refused, stop telling anyone anything;
                # the whole transaction is about to be rolled back.
                if on_change is not None and report.ok:
                    for change in outcome.changes:
                        if change.worth_telling:
                            await on_change(uow, change)
                            notified += 1
            if report.ok and _fingerprint(path) != before:
                report.add_problem(
                    Problem("file", "file", "the file changed during the import; run it again")
                )
            if report.ok:
                if tracked:  # the shop's tracking is as fresh as this file (delivery care)
                    await uow.shops.mark_tracking_updated(shop.id, clock.now())
                await uow.commit()
                report.counts = writer.counts
                report.notified = notified
            # else: leaving the unit of work without commit rolls everything back
    except IntegrityError as exc:
        # Only a concurrent writer can break a unique key we checked in this
        # transaction (PostgreSQL: another import of the same orders or shop).
        log.warning("order import conflicted with a concurrent write: %s", exc.orig)
        report.add_problem(
            Problem("file", "file", "another import wrote the same orders meanwhile; run it again")
        )
    finally:
        records.close()


def carries_tracking(records: list[OrderRecord]) -> bool:
    """Whether these orders bring tracking with them.  Only then does writing them bring
    the shop's tracking up to date (`Shop.tracking_updated_at`): an export of orders
    without their checkpoints says nothing about whether a parcel went quiet."""
    return any(shipment.events for record in records for shipment in record.shipments)


def _next_batch(
    records: Iterator[OrderRecord | Problem],
) -> tuple[list[OrderRecord], list[Problem]]:
    """Up to BATCH_SIZE records, and problems met on the way: none for a file that
    passed pass 1, unless it was edited in between."""
    batch: list[OrderRecord] = []
    problems: list[Problem] = []
    for entry in records:
        if isinstance(entry, Problem):
            problems.append(entry)
            continue
        batch.append(entry)
        if len(batch) == BATCH_SIZE:
            break
    return batch, problems


def unexpected_problem(exc: BaseException, during: str) -> Problem:
    """A problem for an error the checks did not foresee, logged without its message
    (database errors quote the rows they were given: emails, phones, addresses)."""
    log.error(
        "order import failed unexpectedly",
        extra={"during": during, "error": type(exc).__name__, "at": _where_raised(exc)},
    )
    return Problem(
        "file",
        "file",
        f"the import stopped on an unexpected error while {during}"
        f" ({type(exc).__name__}); nothing was imported. The log has details",
    )


def _where_raised(exc: BaseException) -> str:
    """file:line of the innermost frames, for the log: where, never what."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))


def _unreadable(exc: OSError) -> Problem:
    return Problem("file", "file", f"cannot read it: {exc.strerror or exc}")


_gc_relief_users = 0
_gc_thresholds_before: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def _fewer_gc_pauses() -> Iterator[None]:
    """Run the cyclic garbage collector less often while importing.

    An import allocates millions of small objects that each live for one batch.  With
    CPython's default gen-0 threshold (700) many of them are still alive at a
    collection, get promoted, and then trigger full collections that walk every object
    in the process: about a tenth of an import's time.  The import itself makes
    almost no cyclic garbage (the writer's statements are built once for that
    reason), so a higher threshold does not grow memory.  Concurrent imports share
    one setting; the last one out restores the previous thresholds.
    """
    global _gc_relief_users, _gc_thresholds_before
    if _gc_relief_users == 0:
        _gc_thresholds_before = gc.get_threshold()
        gc.set_threshold(max(_gc_thresholds_before[0], GC_THRESHOLD), *_gc_thresholds_before[1:])
    _gc_relief_users += 1
    try:
        yield
    finally:
        _gc_relief_users -= 1
        if _gc_relief_users == 0:
            gc.set_threshold(*_gc_thresholds_before)


def _fingerprint(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns
