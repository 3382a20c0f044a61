"""Column types that keep the domain's rules at the database edge.

* `Amount`: Decimal in Python, an exact integer count of 1/10_000 units in the
  database.  SQLite has no decimal type (NUMERIC degrades to float), and integers let
  both SQLite and PostgreSQL `SUM()` refunds exactly inside the transaction.
* `UTCDateTime`: timezone-aware UTC in Python on every backend; naive values are refused
  so a local time can never sneak into storage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from bot.domain.money import STORAGE_SCALE

_FACTOR = Decimal(10) ** STORAGE_SCALE


class Amount(TypeDecorator[Decimal]):
    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be Decimal, got {type(value).__name__}")
        scaled = value * _FACTOR
        if scaled != scaled.to_integral_value():
            raise ValueError(f"amount {value} has more than {STORAGE_SCALE} decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)) / _FACTOR


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: storage is UTC, pass an aware value")
        value = value.astimezone(UTC)
        # SQLite stores text without an offset; PostgreSQL keeps timestamptz.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
