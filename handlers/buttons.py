"""Typed button data: what a pressed button carries, parsed as untrusted input.

Callback data comes back from the client verbatim, and anyone can send any data with
any button (a modified client, a forged update).  So it is read like any other input
from a stranger: only ASCII digits make a number ("²" and "١٢" are digits to
`str.isdigit()` but not to `int()` or to us), no sign, and a number must fit the
column it will be looked up in.  Every database id in `storage.models` is an `Integer`
primary key (32-bit on PostgreSQL): an 18-digit "id" would not just miss, it would
make PostgreSQL refuse the query (`DataError`).  Data that does not parse is treated
as forged or stale; the handler answers "this button no longer works".

`ButtonData` is a small, framework-free take on aiogram's `CallbackData`: a prefix and
typed fields, `pack` to build the data and `unpack` to read it back validated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SEPARATOR = ":"
# Telegram's limit for callback data, in bytes.
MAX_DATA_BYTES = 64
# The largest value of a 32-bit signed `Integer` column: every `id` in storage.models.
DB_ID_MAX = 2**31 - 1
_ASCII_DIGITS = frozenset("0123456789")


def parse_int(text: str, *, low: int = 0, high: int = DB_ID_MAX) -> int | None:
    """`text` as an int in [low, high] when it is written with ASCII digits only (no
    sign, no spaces); None otherwise.  The one place button and command numbers are
    read, so no handler ever calls `int()` on what a person or a client sent."""
    if not text or len(text) > len(str(high)) or not set(text) <= _ASCII_DIGITS:
        return None
    value = int(text)
    return value if low <= value <= high else None


def button_args(data: str) -> list[str]:
    """`o:42:1` → ["42", "1"]"""
    return data.split(SEPARATOR)[1:]


def int_arg(data: str, index: int = 0, *, low: int = 0, high: int = DB_ID_MAX) -> int | None:
    """The index-th argument of button data as an int in [low, high] (by default: a
    database id), or None when missing or forged."""
    args = button_args(data)
    return parse_int(args[index], low=low, high=high) if index < len(args) else None


@dataclass(frozen=True, slots=True)
class Field:
    """One typed part of button data.  `kind` is "int" (ASCII digits in [low, high])
    or "word" (one of `choices`, or any text without the separator when empty)."""

    name: str
    kind: str = "int"
    low: int = 0
    high: int = DB_ID_MAX
    choices: tuple[str, ...] = ()

    def read(self, raw: str) -> Any:
        if self.kind == "int":
            return parse_int(raw, low=self.low, high=self.high)
        if self.choices:
            return raw if raw in self.choices else None
        return raw if raw and SEPARATOR not in raw else None

    def write(self, value: Any) -> str:
        text = str(value)
        if self.read(text) is None:
            raise ValueError(f"{self.name}={value!r} is not valid button data")
        return text


def Id(name: str) -> Field:
    """A database id (a positive `Integer` primary key)."""
    return Field(name, "int", 1, DB_ID_MAX)


def Int(name: str, low: int, high: int) -> Field:
    return Field(name, "int", low, high)


def Word(name: str, choices: Iterable[str] = ()) -> Field:
    return Field(name, "word", choices=tuple(choices))


class ButtonData:
    """A prefix and typed fields: `ButtonData("rq", Id("item"), Int("qty", 0, 99))`.

    `pack(item=5, qty=2)` → "rq:5:2" (refuses values that would not unpack);
    `unpack("rq:5:2")` → {"item": 5, "qty": 2}; None for anything else: another prefix,
    a missing or extra part, a value out of range, non-ASCII digits."""

    def __init__(self, prefix: str, *fields: Field) -> None:
        if not prefix or SEPARATOR in prefix:
            raise ValueError(f"bad button prefix {prefix!r}")
        self.prefix = prefix
        self.fields = fields

    def pack(self, **values: Any) -> str:
        if set(values) != {f.name for f in self.fields}:
            raise ValueError(f"{self.prefix}: needs {[f.name for f in self.fields]}")
        parts = [self.prefix, *(f.write(values[f.name]) for f in self.fields)]
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"button data over {MAX_DATA_BYTES} bytes: {data!r}")
        return data

    def unpack(self, data: str | None) -> dict[str, Any] | None:
        if data is None:
            return None
        prefix, *raw = data.split(SEPARATOR)
        if prefix != self.prefix or len(raw) != len(self.fields):
            return None
        values = {f.name: f.read(r) for f, r in zip(self.fields, raw, strict=True)}
        return None if any(v is None for v in values.values()) else values
