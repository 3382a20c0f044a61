"""A claim's history told to its reader: the buyer reads it in the buyer's voice
("The seller asked you a question (seller)"), the seller in theirs ("Question sent to
the buyer (you)"), and notes the bot wrote (codes, see `bot.domain.history`) become
sentences from the catalog; a rejection's reason code becomes its label."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Literal

from bot.domain.history import read_note
from bot.domain.money import format_money
from handlers.catalog import Catalog
from handlers.fit import Field, Line, line
from handlers.formatting import format_when

Reader = Literal["buyer", "seller"]


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    status: str  # ClaimStatus value the claim moved to
    actor: str  # ActorKind value
    note: str | None
    # The note of the approval merged into this entry (see `merged`), told first.
    approval_note: str | None = None


def merged(entries: Iterable[Entry]) -> list[Entry]:
    """An approval followed at the same moment by what it led to (refunded, waiting for
    the item back) is one event to people: keep the second, with both notes (a partial
    refund's approval says how much, its refund the seller's reason)."""
    out: list[Entry] = []
    for entry in entries:
        if (
            out
            and out[-1].status == "APPROVED"
            and out[-1].at == entry.at
            and out[-1].actor == entry.actor
        ):
            entry = Entry(entry.at, entry.status, entry.actor, entry.note, out[-1].note)
            out.pop()
        out.append(entry)
    return out


def note_text(
    catalog: Catalog, note: str | None, status: str, reader: Reader, currency: str | None
) -> str | None:
    """A stored note as `reader` should read it; None when it says nothing the line
    doesn't (or there is none)."""
    read = read_note(note, status)
    if read is None:
        return None
    if read.code is None:
        # A reason tapped for a partial refund is stored as its code ("used_by_buyer").
        if read.text and catalog.has(f"reject_reason.{read.text}"):
            return catalog.plain(f"reject_reason.{read.text}")
        return read.text
    params = dict(read.params)
    if read.code == "rejected":
        key = f"reject_reason.{params['reason']}"
        if not catalog.has(key):
            return note
        # Glued after the reason ("Item used. There are stains"): a sentence of its own.
        text = str(params["text"]).strip()
        text = text[:1].upper() + text[1:]
        return catalog.plain("cards2.note.rejected", reason=catalog.plain(key), text=text)
    if "amount" in params and currency:
        with contextlib.suppress(InvalidOperation, ValueError):
            params["amount"] = format_money(Decimal(params["amount"]), currency, catalog.language)
    for key in (
        f"cards2.note.{reader}.{read.code}",
        f"cards2.note.{read.code}",
        f"history_note.{read.code}",
    ):
        if catalog.has(key):
            text = catalog.plain(key, **params)
            return text or None
    return note


def history_lines(
    catalog: Catalog,
    entries: Iterable[Entry],
    reader: Reader,
    *,
    zone: tzinfo | str | None = None,
    currency: str | None = None,
) -> list[Line]:
    """The history entries as lines for `reader` (shortened as `fit` needs)."""
    status_table = "claim_status" if reader == "buyer" else "cards2.seller_status"
    actor_table = "claims.actor" if reader == "buyer" else "cards2.seller_actor"
    out: list[Line] = []
    for index, entry in enumerate(merged(entries)):
        note = _entry_note(catalog, entry, reader, currency)
        status = catalog.plain(f"{status_table}.{entry.status}")
        if reader == "seller" and entry.status == "REQUESTED" and entry.actor == "buyer":
            # What the buyer did, not what the seller now has to do.
            status = catalog.plain(
                "cards2.seller_filed" if index == 0 else "cards2.seller_answered"
            )
        out.append(
            line(
                catalog,
                "claims.history_entry",
                date=format_when(entry.at, zone, language=catalog.language),
                status=status,
                actor=catalog.plain(f"{actor_table}.{entry.actor}"),
                note=line(catalog, "claims.history_note", note=Field(note)) if note else "",
            )
        )
    return out


def _entry_note(catalog: Catalog, entry: Entry, reader: Reader, currency: str | None) -> str | None:
    """What an entry's notes say to `reader` (an approval merged into it first)."""
    said = [
        text
        for text in (
            note_text(catalog, entry.approval_note, "APPROVED", reader, currency),
            note_text(catalog, entry.note, entry.status, reader, currency),
        )
        if text
    ]
    if len(said) == 2 and said[0] != said[1]:
        return catalog.plain("claims.history_notes", first=said[0], second=said[1])
    return said[0] if said else None


def latest_to_buyer(
    catalog: Catalog, entries: Iterable[Entry], currency: str | None
) -> Line | None:
    """The newest event as the buyer reads it, without its date and actor ("Rejected
    by the seller: Item used. The handle shows drop marks"): the decision a buyer
    disputes, said again above the appeal offer."""
    events = merged(entries)
    if not events:
        return None
    last = events[-1]
    note = _entry_note(catalog, last, "buyer", currency)
    return line(
        catalog,
        "claims.latest",
        status=catalog.plain(f"claim_status.{last.status}"),
        note=line(catalog, "claims.history_note", note=Field(note)) if note else "",
    )
