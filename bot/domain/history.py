"""What a claim's history entry says, stored so it can be told to each reader.

A history note used to be an English sentence ("the appeal window ended"), shown as
stored to buyers and sellers alike.  Notes the bot writes itself are now a code with
parameters (`{"code": "appeal_ended"}`), rendered from the catalog for whoever reads
them; notes people typed (a seller's question, a buyer's answer) stay their text.
Rows written before keep their sentences: `read_note` recognises the ones the bot
used to write, so old and new entries read the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_CODED = '{"code":'

# Sentences the bot wrote before notes had codes, and the code each means now.
LEGACY: dict[str, str] = {
    "seller did not answer in time": "seller_late",
    "under the shop's auto-approve amount": "auto_amount",
    "the item was not sent back in time": "not_sent_back",
    "receipt confirmed automatically": "auto_received",
    "the appeal window ended": "appeal_ended",
    "withdrawn by the buyer": "withdrawn",
    "support granted the replacement": "support_replaced",
    "support upheld the seller's decision": "support_upheld",
}
_PARTIAL = re.compile(r"^partial refund (?P<amount>-?\d+(?:\.\d+)?)$")
_REJECTED = re.compile(r"^(?P<reason>[a-z_]+): (?P<text>.*)$", re.DOTALL)
# A parcel sent back (BUYER_SHIPPED) or a replacement sent (REPLACED): "carrier number".
_SHIPPED = re.compile(r"^(?P<carrier>[A-Za-z0-9_]+) (?P<tracking>[A-Z0-9]+)$")
SHIPPING_STATUSES = frozenset({"BUYER_SHIPPED", "REPLACED"})


def coded(code: str, **params: str) -> str:
    """The note to store for an entry the bot writes: a code and its parameters."""
    return json.dumps({"code": code, "params": params}, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Note:
    """A stored note read back: a `code` with `params` to render, or `text` to show
    as it is (what a person typed, or a sentence nobody has a code for)."""

    code: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    text: str | None = None


def read_note(note: str | None, to_status: str) -> Note | None:
    """Read a stored note; `to_status` is the entry's status (a rejection's note is
    "<reason code>: <the seller's words>")."""
    if not note:
        return None
    if note.startswith(_CODED):
        try:
            data = json.loads(note)
            return Note(str(data["code"]), {k: str(v) for k, v in data.get("params", {}).items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return Note(text=note)
    if note in LEGACY:
        return Note(LEGACY[note])
    if (partial := _PARTIAL.match(note)) is not None:
        return Note("partial_refund", {"amount": partial["amount"]})
    if to_status == "REJECTED" and (rejected := _REJECTED.match(note)) is not None:
        return Note("rejected", {"reason": rejected["reason"], "text": rejected["text"]})
    if to_status in SHIPPING_STATUSES and (shipped := _SHIPPED.match(note)) is not None:
        return Note("shipped", {"carrier": shipped["carrier"], "tracking": shipped["tracking"]})
    return Note(text=note)


def sentence_of(note: Note) -> str | None:
    """The sentence the bot stored for `note` before notes had codes (what a rollback
    of the migration writes back, and what older code reads); None for a code that
    never had one, or a note that is text."""
    if note.code is None:
        return note.text
    p = note.params
    if note.code == "partial_refund" and "amount" in p:
        return f"partial refund {p['amount']}"
    if note.code == "rejected" and {"reason", "text"} <= p.keys():
        return f"{p['reason']}: {p['text']}"
    if note.code == "shipped" and {"carrier", "tracking"} <= p.keys():
        return f"{p['carrier']} {p['tracking']}"
    return _SENTENCES.get(note.code)


_SENTENCES = {code: sentence for sentence, code in LEGACY.items()}
