"""Hostile order files through `run_bot.py import-orders`: refused with a list of
problems, never a traceback, nothing written, no email or phone number in the output.

The command runs in-process (`bot.cli.main` with argv, output captured); two cases run
it as a real subprocess.  Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL,
which refuses more than SQLite does (NUL in text, integers over 32 bits).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from bot import cli
from bot.services import order_import
from storage.db import create_engine
from storage.importers.csv_orders import COLUMNS, parse_csv_orders, read_csv_orders
from storage.importers.records import Problem
from storage.models import Base

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


# ------------------------------------------------------------------ the harness


def _run(coro_factory: Callable[[], Any]) -> Any:
    return asyncio.run(coro_factory())


async def _counts(url: str) -> dict[str, int]:
    """Rows per table, in one round trip."""
    tables = Base.metadata.sorted_tables
    query = select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables)
    )
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return dict((await conn.execute(query)).one()._mapping)
    finally:
        await engine.dispose()


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@dataclass
class Outcome:
    status: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Importer:
    """Runs `import-orders` in-process against the test database."""

    url: str
    capsys: pytest.CaptureFixture[str]
    tmp: Path
    files: int = 0
    known_counts: dict[str, int] | None = None  # as of the last refused file

    def counts(self) -> dict[str, int]:
        return _run(lambda: _counts(self.url))

    def write(self, suffix: str, content: str | bytes) -> Path:
        self.files += 1
        path = self.tmp / f"orders-{self.files}{suffix}"
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogatepass")
        path.write_bytes(content)
        return path

    def run(self, path: Path, shop: str = "acme") -> Outcome:
        self.capsys.readouterr()
        status = cli.main(["import-orders", str(path), "--shop", shop])
        captured = self.capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    def refused(self, path: Path, *expected: tuple[str, str, str]) -> Outcome:
        """Import `path`, expect exit status 1, no change, and each (where, field,
        words) among the listed problems."""
        before = self.counts()
        outcome = self.run(path)
        assert outcome.status == 1, outcome.text
        assert "Traceback" not in outcome.text
        assert f"Refused {path.name}" in outcome.err and "nothing was imported" in outcome.err
        for where, name, words in expected:
            assert f"  {where}: {name}: " in outcome.err, outcome.err
            line = outcome.err.split(f"  {where}: {name}: ", 1)[1].split("\n", 1)[0]
            assert words in line, line
        assert self.counts() == before
        return outcome


@pytest.fixture
def importer(
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Importer]:
    if database_url.startswith("postgresql"):
        _run(lambda: _truncate(database_url))
    monkeypatch.chdir(tmp_path)  # no .env from the working copy
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_FORMAT", "text")
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level  # main() installs its own handler
    try:
        yield Importer(database_url, capsys, tmp_path)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def example_order(**changes: Any) -> dict[str, Any]:
    """The first order of examples/orders.json, with `changes` applied."""
    order: dict[str, Any] = json.loads((EXAMPLES / "orders.json").read_text())[0]
    order.update(changes)
    return order


def free_order(quantity: Any, number: str = "FREE-1") -> dict[str, Any]:
    """An order of one line at price 0: the money adds up whatever the quantity."""
    return example_order(
        order_number=number,
        payment={"currency": "EUR", "subtotal": "0", "total_paid": "0"},
        items=[
            {"sku": "GIFT", "product_name": "Gift card", "quantity": quantity, "unit_price": "0"}
        ],
        shipments=[],
    )


def csv_text(rows: list[dict[str, str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def example_row(**changes: str) -> dict[str, str]:
    import csv

    with (EXAMPLES / "orders.csv").open(newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))  # MP-10231, line 1 of 2 (USD 37.50 ...)
    # One item only, so that the money adds up: 2 x 14.00 = 28.00.
    row.update(subtotal="28.00", total_paid="37.32", tax="3.33", shipping_fee="5.99")
    row.update(changes)
    return row


# ------------------------------------------------------- each case seen by the red team


def test_deeply_nested_json_is_a_problem(importer: Importer) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = importer.write(".json", f"[{json.dumps(example_order())}, {deep}]")
    importer.refused(path, ("record 2", "file", "nested too deeply"))
    # JSON Lines: the broken line is listed and the next lines are still checked.
    order = example_order(status="SHIPPED")
    lines = "\n".join([json.dumps(example_order()), deep, json.dumps(order)])
    importer.refused(
        importer.write(".jsonl", lines),
        ("line 2", "file", "nested too deeply"),
        ("line 3", "status", "unknown status 'SHIPPED'"),
    )


def test_integers_over_4300_digits_are_problems(importer: Importer) -> None:
    huge = "9" * 5000
    text_ = json.dumps([free_order(1)]).replace('"quantity": 1', f'"quantity": {huge}')
    importer.refused(importer.write(".json", text_), ("record 1", "file", "4,300 digits"))
    row = example_row(quantity=huge)
    importer.refused(importer.write(".csv", csv_text([row])), ("line 2", "quantity", "at most"))
    row = example_row(unit_price=huge)
    importer.refused(importer.write(".csv", csv_text([row])), ("line 2", "unit_price", "amount"))


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+01:00",  # OverflowError converting to UTC
        "9999-12-31T23:30:00-05:00",
        "1969-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
        "2100-12-31T23:00:00-02:00",  # 2101 in UTC
    ],
)
def test_dates_outside_1970_to_2100_are_problems(importer: Importer, moment: str) -> None:
    path = importer.write(".json", json.dumps([example_order(placed_at=moment)]))
    importer.refused(path, ("record 1", "placed_at", "outside 1970-2100"))
    path = importer.write(".csv", csv_text([example_row(shipped_at=moment)]))
    importer.refused(path, ("line 2", "shipped_at", "outside 1970-2100"))


@pytest.mark.parametrize("quantity", [10**20, 2**31, 100_001])
def test_quantities_above_the_bound_are_problems(importer: Importer, quantity: int) -> None:
    """At price 0 the money adds up whatever the quantity; the write would overflow
    (10**20 anywhere, 2**31 in PostgreSQL's INTEGER)."""
    path = importer.write(".json", json.dumps([free_order(quantity)]))
    importer.refused(path, ("record 1", "items[0].quantity", "at most 100,000"))
    row = example_row(quantity=str(quantity), unit_price="0", subtotal="0", total_paid="9.32")
    importer.refused(importer.write(".csv", csv_text([row])), ("line 2", "quantity", "at most"))
    # The bounds are not too tight: 100,000 x 999,999.99 and a total just below 1e11
    # fit both databases.
    order = free_order(100_000)
    order["items"][0]["unit_price"] = "999999.99"
    order["payment"] = {
        "currency": "EUR",
        "subtotal": "99999999000.00",
        "shipping_fee": "999.99",
        "total_paid": "99999999999.99",
    }
    outcome = importer.run(importer.write(".json", json.dumps([order])))
    assert outcome.status == 0, outcome.text
    assert importer.counts()["order_items"] == 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("buyer_name", "Jan\x00de Vries"),
        ("shipping_address", "Prinsengracht 263\x00"),
        ("order_number", "NL-\x1b[31m-1"),
        ("buyer_email", "jan\x00@example.nl"),
        ("buyer_name", "Jan \ud800"),  # a lone surrogate: not encodable as UTF-8
    ],
)
def test_control_characters_in_text_are_problems(importer: Importer, key: str, value: str) -> None:
    path = importer.write(".json", json.dumps([example_order(**{key: value})]))
    outcome = importer.refused(path, ("record 1", key, "U+"))
    assert "jan" not in outcome.err.lower().replace("json", "")  # the value is not echoed


def test_tabs_and_line_breaks_stay_allowed_where_text_allows_them(importer: Importer) -> None:
    order = example_order(buyer_name="Jan\tde Vries", shipping_address="Prinsengracht 263\r\nNL")
    outcome = importer.run(importer.write(".json", json.dumps([order])))
    assert outcome.status == 0, outcome.text
    path = importer.write(".json", json.dumps([example_order(order_number="NL\t1")]))
    importer.refused(path, ("record 1", "order_number", "U+0009"))


def test_duplicate_json_keys_are_problems(importer: Importer) -> None:
    text_ = json.dumps([example_order()])
    text_ = text_.replace('"status": "DELIVERED"', '"status": "UNPAID", "status": "DELIVERED"')
    text_ = text_.replace('"quantity": 3', '"quantity": 3, "quantity": 1')
    importer.refused(
        importer.write(".json", text_),
        ("record 1", "status", "appears more than once"),
        ("record 1", "items[1].quantity", "appears more than once"),
    )
    importer.refused(
        importer.write(".jsonl", text_[1:-1]), ("line 1", "status", "appears more than once")
    )
    wrapped = '{"orders": [], "orders": ' + json.dumps([example_order()]) + "}"
    importer.refused(importer.write(".json", wrapped), ("record 1", "file", "appears twice"))


def test_a_line_longer_than_the_limit_is_a_problem(importer: Importer) -> None:
    row = example_row(product_name="x" * 200_000)
    path = importer.write(".csv", csv_text([row, example_row(order_number="MP-2")]))
    importer.refused(path, ("line 2", "file", "longer than 65,536 bytes"))
    long_line = json.dumps(example_order(shipping_address="x" * (9 * 1024 * 1024)))
    path = importer.write(".jsonl", long_line + "\n" + json.dumps(example_order(status="LOST")))
    importer.refused(
        path, ("line 1", "file", "longer than 8 MiB"), ("line 2", "status", "unknown status")
    )


def test_a_long_csv_line_is_not_held_in_memory(tmp_path: Path) -> None:
    """A 20 MB line costs a chunk, not the line (was: the line as bytes, then as text)."""
    path = tmp_path / "long.csv"
    with path.open("w") as fh:
        fh.write(",".join(COLUMNS) + "\n")
        fh.write("MP-1," + "x" * 20_000_000 + "\n")
    tracemalloc.start()
    try:
        problems = [p for p in read_csv_orders(path) if isinstance(p, Problem)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(p.where, p.field) for p in problems] == [("line 2", "file")]
    assert peak < 2_000_000, peak


def test_too_many_rows_for_one_order_are_a_problem_not_held() -> None:
    lines = csv_text([example_row()] * 1_500).encode().splitlines(keepends=True)
    found = [p for p in parse_csv_orders(lines) if isinstance(p, Problem)]
    assert [(p.where, p.field) for p in found] == [("line 1002", "order_number")]
    assert "more than 1,000 rows" in found[0].message


# ------------------------------------------------------------- no personal data


def test_problems_never_repeat_emails_or_phone_numbers(importer: Importer) -> None:
    rows = [
        example_row(buyer_email="dana@@example.com", buyer_phone="+1 (212) 555-CALL"),
        example_row(order_number="MP-2", buyer_phone="+1 212 555 0147 999 999"),
        # a shifted column: the email and the phone number land in other fields
        example_row(order_number="MP-3", status="dana.w@example.com", currency="+12125550147"),
        example_row(order_number="MP-4", placed_at="dana.w@example.com"),
        example_row(order_number="MP-4", buyer_email="other@example.com"),  # rows disagree
    ]
    outcome = importer.refused(
        importer.write(".csv", csv_text(rows)),
        ("line 2", "buyer_email", "not an email"),
        ("line 2", "buyer_phone", "not a phone number"),
        ("line 3", "buyer_phone", "at most 15"),
        ("line 4", "status", "unknown status"),
        ("line 4", "currency", "unknown currency"),
        ("line 6", "buyer_email", "differs from the value on line 5"),
    )
    for secret in ("example.com", "555", "2125550147", "CALL"):
        assert secret not in outcome.text, outcome.text
    keys = json.dumps([example_order(**{"dana@example.com": 1, "+31 20 555 0199": 2})])
    outcome = importer.refused(importer.write(".json", keys))
    assert "example.com" not in outcome.text and "555" not in outcome.text


def test_an_unexpected_error_is_one_line_without_personal_data(
    importer: Importer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure the checks did not foresee (here: the database refusing a write, as
    PostgreSQL did with NUL) is a problem; its message, which quotes the SQL
    parameters, is neither printed nor logged."""
    from sqlalchemy.exc import DataError

    from storage.importers.writer import OrderWriter

    async def refuse(self: OrderWriter, records: Any) -> Any:
        raise DataError("INSERT INTO orders ...", {"email": "jan.devries@example.nl"}, None)

    monkeypatch.setattr(OrderWriter, "write", refuse)
    before = importer.counts()
    outcome = importer.run(EXAMPLES / "orders.json")
    assert outcome.status == 1
    assert "Traceback" not in outcome.text and "example.nl" not in outcome.text
    assert "unexpected error while writing (DataError); nothing was imported" in outcome.err
    assert importer.counts() == before

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("dana@example.com +1 212 555 0147")

    monkeypatch.setattr(order_import, "import_orders_file", crash)
    outcome = importer.run(EXAMPLES / "orders.json")
    assert outcome.status == 1
    assert "Traceback" not in outcome.text and "example.com" not in outcome.text
    assert "555" not in outcome.text
    refusals = [line for line in outcome.err.splitlines() if line.startswith("Refused")]
    assert refusals == [
        "Refused orders.json: the import stopped on an unexpected error while importing"
        " (RuntimeError); nothing was imported. The log has details"
    ]
    assert importer.counts() == before


# ---------------------------------------------------------------- as a subprocess


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("deep.json", "[" * 50_000, "nested too deeply"),
        ("nul.json", json.dumps([example_order(buyer_name="Jan\x00")]), "U+0000"),
    ],
)
def test_the_real_command_prints_problems_not_tracebacks(
    database_url: str, tmp_path: Path, name: str, content: str, words: str
) -> None:
    if database_url.startswith("postgresql"):
        _run(lambda: _truncate(database_url))
    path = tmp_path / name
    path.write_text(content)
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_FORMAT": "text"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "import-orders", str(path), "--shop", "acme"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert words in result.stderr and "nothing was imported" in result.stderr
    assert _run(lambda: _counts(database_url))["orders"] == 0


# ------------------------------------------------------------ generated files

# (field, value) pairs that are always refused, in CSV as in JSON.
HOSTILE_VALUES: list[tuple[str, Any]] = [
    ("placed_at", "0001-01-01T00:00:00+14:00"),
    ("placed_at", "9999-12-31T23:59:59-12:00"),
    ("placed_at", "1969-12-31T23:59:59Z"),
    ("buyer_name", "x\x00y"),
    ("shipping_address", "\x07"),
    ("order_number", "A\x1fB"),
    ("buyer_name", "\ud83d"),  # half of an emoji (in CSV: bytes that are not UTF-8)
    ("quantity", "١٢"),  # Arabic-Indic digits
    ("unit_price", "١٢"),
    ("quantity", "1" * 40),
    ("unit_price", "1" * 40),
    ("quantity", -1),
    ("unit_price", -1),
    ("quantity", 10**30),
    ("unit_price", 10**30),
    ("quantity", 1.5),
    ("quantity", float("inf")),
    ("unit_price", float("inf")),
]
ITEM_FIELDS = ("quantity", "unit_price")


@dataclass
class Generated:
    suffix: str
    content: str
    personal: list[str]  # emails and phone numbers written in the file
    refused: bool  # some order is sure to be refused


@st.composite
def hostile_files(draw: st.DrawFn) -> Generated:
    suffix = draw(st.sampled_from([".csv", ".json", ".jsonl"]))
    count = draw(st.integers(1, 4))
    run = uuid.uuid4().hex[:6]
    personal: list[str] = []
    refused = False
    raw: dict[str, str] = {}  # placeholder -> raw JSON text
    orders: list[dict[str, Any]] = []
    for n in range(count):
        local = draw(st.from_regex(r"[a-z]{3,8}\.[a-z]{3,8}", fullmatch=True))
        email = f"{local}{n}@{draw(st.sampled_from(['example.com', 'mail.example.org']))}"
        digits = draw(st.from_regex(r"[2-9][0-9]{9,11}", fullmatch=True))
        phone = draw(st.sampled_from([f"+{digits}", f"+{digits[:2]} {digits[2:5]} {digits[5:]}"]))
        personal += [email, phone, digits]
        order = example_order(order_number=f"GEN-{run}-{n}", buyer_email=email, buyer_phone=phone)
        csv = suffix == ".csv"
        mutation = draw(
            st.sampled_from(
                [
                    "none",
                    "none",
                    "value",
                    "unicode",
                    "nested",
                    "huge_int",
                    "duplicate",
                    "personal_elsewhere",
                    "long",
                    "deep_value",
                ]
            )
        )
        if mutation == "value":
            name, value = draw(st.sampled_from(HOSTILE_VALUES))
            (order["items"][0] if name in ITEM_FIELDS else order)[name] = value
            refused = True
        elif mutation == "unicode":  # valid: odd but storable text
            name = draw(
                st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)
            )
            order["buyer_name"] = name.strip() or "x"
            order["items"][0]["product_name"] = draw(
                st.sampled_from(
                    ["\u202egnp.exe", "Ｗｉｄｅ", "e\u0301", "🧦🧦", "\u2028x", "\ufeffBOM"]
                )
            )
        elif mutation == "nested":
            depth = draw(st.sampled_from([1, 50, 5_000]))
            # In CSV the brackets are only text, which a status never is.
            name = "status" if csv else draw(st.sampled_from(["status", "buyer_name", "items"]))
            order[name] = f"@NESTED{n}@"
            raw[f"@NESTED{n}@"] = "[" * depth + "]" * depth
            refused = True
        elif mutation == "huge_int":
            order["items"][0]["quantity"] = f"@HUGE{n}@"
            raw[f"@HUGE{n}@"] = "7" * draw(st.sampled_from([20, 400, 4_301, 6_000]))
            refused = True
        elif mutation == "duplicate":  # JSON only: CSV has no keys
            order[f"@DUP{n}@"] = 0
            raw[f'"@DUP{n}@": 0'] = f'"status": "UNPAID", "status": "{order["status"]}"'
            refused = refused or not csv
        elif mutation == "personal_elsewhere":  # a shifted column
            order[draw(st.sampled_from(["status", "placed_at"]))] = draw(
                st.sampled_from([email, phone])
            )
            order[email] = phone  # and as an unknown key (JSON)
            refused = True
        elif mutation == "long":
            order["items"][0]["product_name"] = "y" * draw(st.sampled_from([301, 70_000]))
            refused = True
        elif mutation == "deep_value":
            order["items"][0]["unit_price"] = {"a": [{"b": [email, phone]}]}
            refused = True
        orders.append(order)

    if suffix == ".csv":
        content = _as_csv(orders, raw)
    else:
        parts = [json.dumps(o, ensure_ascii=draw(st.booleans())) for o in orders]
        joined = ("\n" if suffix == ".jsonl" else ",\n").join(parts)
        content = joined if suffix == ".jsonl" else f"[{joined}]"
        for marker, fragment in raw.items():
            content = content.replace(f'"{marker}"', fragment).replace(marker, fragment)
    return Generated(suffix, content, personal, refused)


def _as_csv(orders: list[dict[str, Any]], raw: dict[str, str]) -> str:
    """The orders as CSV rows (no tracking events; only what CSV can hold)."""
    rows = []
    for order in orders:
        payment, shipment = order["payment"], (order.get("shipments") or [{}])[0]
        for item in order["items"]:
            row = {c: order.get(c) for c in COLUMNS if c in order}
            row.update({k: payment.get(k) for k in payment})
            row.update({k: v for k, v in shipment.items() if k in COLUMNS})
            row.update(item)
            cells = {}
            for column in COLUMNS:
                value = row.get(column)
                value = "" if value is None else value
                text_ = value if isinstance(value, str) else json.dumps(value)
                cells[column] = raw.get(text_.strip('"'), text_)
            rows.append(cells)
    return csv_text(rows)  # a lone surrogate is written as bytes that are not UTF-8


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=hostile_files())
def test_generated_hostile_files_never_crash_or_leak(importer: Importer, case: Generated) -> None:
    path = importer.write(case.suffix, case.content)
    before = importer.known_counts or importer.counts()
    outcome = importer.run(path)
    assert outcome.status in (0, 1), outcome.text
    assert "Traceback" not in outcome.text
    importer.known_counts = None
    if outcome.status == 1:
        assert importer.counts() == before
        importer.known_counts = before  # unchanged, so the next example need not count
        assert "nothing was imported" in outcome.err
    assert outcome.status == (1 if case.refused else 0), outcome.text
    for secret in case.personal:
        assert secret not in outcome.text, (secret, outcome.text)
    assert not re.search(r"@[a-z.]*example\.(com|org)", outcome.text), outcome.text
