"""Every text the bot sends fits Telegram's limits by construction.

Telegram refuses a message over 4096 characters, a caption over 1024 and a callback
answer over 200, counted in UTF-16 code units after the HTML is parsed.  A refused card
is worse than a short one (the seller sees the photos but no decision buttons), so
messages that carry people's text are built here, from trusted catalog templates plus
the user-supplied values, and measured before they go out.

Why it is done this way:

* The length measured is that of the HTML source, in UTF-16 units.  Tags and entities
  only ever make the source longer than the text Telegram counts, so a source within
  the limit can never be refused, whatever Telegram's parser makes of it.
* Only user-supplied values (`Field`) are shortened, and before they are escaped: the
  cut is made in the plain text, so it can never fall inside an entity like `&amp;` or
  a tag.  It falls between code points (never inside a surrogate pair), not between an
  emoji and its modifiers, and at a word boundary when one is near.
* Long values are shortened first, all to the same length (the shortest ones are left
  whole); lists (`Lines`) lose entries only when that is not enough, with a line saying
  how many are not shown; a notice from the catalog says where the full text is.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Literal

from handlers.catalog import Catalog, Safe

log = logging.getLogger(__name__)

TEXT = 4096  # sendMessage / editMessageText
CAPTION = 1024  # a photo's or document's caption, each item of an album too
CALLBACK = 200  # answerCallbackQuery
# Telegram documents no limit for a button's label, but shows only its start: ours keep
# people's text (product names, shop names) to a length that stays readable.
BUTTON = 64
TOPIC = 128  # a forum topic's name

ELLIPSIS = "…"
FLOOR = 40  # units a shortened value keeps before lists start losing entries
_WORD_SLACK = 16  # how far back a cut may move to end at a word boundary

_ESCAPED = {"&": 5, "<": 4, ">": 4}  # html.escape(quote=False), as the catalog escapes


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram limit."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _escaped_units(ch: str) -> int:
    return _ESCAPED.get(ch) or _units(ch)


def _extends(ch: str) -> bool:
    """A code point that belongs to the character before it (a combining accent, a
    variation selector, a skin tone, an emoji tag, or what follows a zero-width joiner)."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me")
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or code == 0x200D
    )


def _prefix(text: str, escaped: bool) -> list[int]:
    """Units of text[:i] for every i (escaped: once HTML-escaped)."""
    weigh = _escaped_units if escaped else _units
    return list(accumulate(map(weigh, text), initial=0))


def cut(
    text: str,
    units: int,
    *,
    escaped: bool = False,
    ellipsis: str = ELLIPSIS,
    prefix: list[int] | None = None,
) -> str:
    """`text` if it fits in `units` UTF-16 units, else its longest prefix that fits
    together with `ellipsis`.  With `escaped`, lengths are those of the text once
    HTML-escaped (the caller escapes it afterwards; the cut is made before).  `prefix`:
    `_prefix(text, escaped)`, when the caller cuts the same text many times.

    The prefix ends between whole characters (an emoji is never split from its
    surrogate, modifier or joined parts) and at a word boundary when one is within a
    few characters; trailing spaces are dropped."""
    sums = prefix if prefix is not None else _prefix(text, escaped)
    if sums[-1] <= units:
        return text
    mark = sum(map(_escaped_units if escaped else _units, ellipsis))
    room = units - mark
    if room <= 0:
        return ellipsis if units >= mark else ""
    end = bisect_right(sums, room) - 1  # the longest prefix within room
    # Never end inside a grapheme: step back over what belongs to the next character.
    while end > 0 and (_extends(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    # Regional indicators pair into flags: keep an even run.
    run = 0
    while run < end and 0x1F1E6 <= ord(text[end - 1 - run]) <= 0x1F1FF:
        run += 1
    if run % 2 and end < len(text) and 0x1F1E6 <= ord(text[end]) <= 0x1F1FF:
        end -= 1
    space = max(text.rfind(" ", 0, end + 1), text.rfind("\n", 0, end + 1))
    # A word boundary only when it is near and the text keeps most of what would fit.
    if space > 0 and end - space <= min(_WORD_SLACK, end // 3) and text[:space].strip():
        end = space
    return text[:end].rstrip() + ellipsis


# ------------------------------------------------------------------ building blocks


@dataclass(frozen=True, slots=True)
class Field:
    """A user-supplied value (a note, a name, a question): plain text, escaped when the
    template is rendered, shortened first when the message is over its budget."""

    text: str
    floor: int = FLOOR


@dataclass(frozen=True, slots=True)
class Line:
    """A piece rendered by `render(**params)` (usually a bound `Catalog.t` key).

    Params may be plain values (escaped by the renderer as usual), `Field`s (passed on
    as plain, possibly shortened text), `Line`s and `Lines` (passed on as `Safe` HTML)."""

    render: Callable[..., str]
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Lines:
    """Pieces joined by `sep`.  With `more`, when the budget needs it, entries are left
    out from the end (`keep="head"`) or from the start (`keep="tail"`) and `more(count)`
    (HTML) says how many, where they were; without it every entry stays."""

    pieces: Sequence[Piece]
    more: Callable[[int], str] | None = None
    keep: Literal["head", "tail"] = "head"
    sep: str = "\n"


Piece = str | Line | Lines  # a str is trusted HTML (a catalog rendering without user text)


def line(catalog: Catalog, key: str, **params: Any) -> Line:
    """The catalog template `key` as a piece: `Field` params may be shortened."""
    return Line(lambda **values: catalog.t(key, **values), params)


def lines(
    pieces: Sequence[Piece],
    catalog: Catalog | None = None,
    more_key: str | None = None,
    *,
    keep: Literal["head", "tail"] = "head",
    sep: str = "\n",
) -> Lines:
    more = None
    if catalog is not None and more_key is not None:
        key = more_key

        def more(count: int) -> str:
            return catalog.t(key, count=count)

    return Lines(tuple(pieces), more, keep, sep)


# ------------------------------------------------------------------------- fitting


@dataclass
class _Budget:
    cap: int | None = None  # escaped units each Field may keep; None = whole
    floors: bool = True  # a Field keeps at least its floor
    keep: int | None = None  # entries each Lines keeps; None = all
    sums: dict[int, list[int]] = field(default_factory=dict)  # per Field, see _prefix

    def value(self, value: Field) -> str:
        if self.cap is None:
            return value.text
        cap = max(self.cap, value.floor) if self.floors else self.cap
        sums = self.sums.get(id(value))
        if sums is None:
            sums = self.sums[id(value)] = _prefix(value.text, True)
        return cut(value.text, cap, escaped=True, prefix=sums)


def _render(piece: Piece, budget: _Budget) -> str:
    if isinstance(piece, str):
        return piece
    if isinstance(piece, Line):
        values: dict[str, Any] = {}
        for name, value in piece.params.items():
            if isinstance(value, Field):
                values[name] = budget.value(value)
            elif isinstance(value, Line | Lines):
                values[name] = Safe(_render(value, budget))
            else:
                values[name] = value
        return piece.render(**values)
    entries = list(piece.pieces)
    rendered: list[str] = []
    if budget.keep is not None and piece.more is not None and len(entries) > budget.keep:
        hidden = len(entries) - budget.keep
        shown = entries[: budget.keep] if piece.keep == "head" else entries[hidden:]
        rendered = [_render(p, budget) for p in shown]
        if piece.more is not None:
            note = piece.more(hidden)
            rendered = [*rendered, note] if piece.keep == "head" else [note, *rendered]
    else:
        rendered = [_render(p, budget) for p in entries]
    return piece.sep.join(rendered)


def _walk(piece: Piece) -> Iterator[Field | Lines]:
    if isinstance(piece, Line):
        for value in piece.params.values():
            if isinstance(value, Field):
                yield value
            elif isinstance(value, Line | Lines):
                yield from _walk(value)
    elif isinstance(piece, Lines):
        yield piece
        for p in piece.pieces:
            yield from _walk(p)


def _largest(predicate: Callable[[int], bool], high: int) -> int | None:
    """The largest n in [0, high] with predicate(n), for a monotone predicate."""
    if not predicate(0):
        return None
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        if predicate(mid):
            low = mid
        else:
            high = mid - 1
    return low


def fit(*pieces: Piece, limit: int = TEXT, notice: str = "", sep: str = "\n") -> str:
    """Render `pieces` (joined by `sep`) within `limit` UTF-16 units of HTML.

    When the whole text does not fit, user-supplied `Field`s are shortened (longest
    first, down to their floor), then lists lose entries, then fields go below their
    floor; `notice` (trusted HTML, e.g. "…(shortened, full text in /transcript)") is
    added on a line of its own whenever anything was left out."""
    root = Lines(pieces, sep=sep)
    whole = _render(root, _Budget())
    if utf16_len(whole) <= limit:
        return whole
    tail = f"\n{notice}" if notice else ""
    room = limit - utf16_len(tail)
    found = list(_walk(root))
    fields = [f for f in found if isinstance(f, Field)]
    longest = max((sum(map(_escaped_units, f.text)) for f in fields), default=0)
    entries = max((len(x.pieces) for x in found if isinstance(x, Lines) and x.more), default=0)

    sums: dict[int, list[int]] = {}

    def fits(budget: _Budget) -> bool:
        budget.sums = sums
        return utf16_len(_render(root, budget)) <= room

    def done(budget: _Budget) -> str:
        budget.sums = sums
        return _render(root, budget) + tail

    # 1. Shorten long values, all to the same length, none below its floor.
    cap = _largest(lambda c: fits(_Budget(cap=c)), longest)
    if cap is not None:
        return done(_Budget(cap=cap))
    # 2. Values at their floor; lists keep as many entries as fit, then values grow back.
    keep = _largest(lambda k: fits(_Budget(cap=0, keep=k)), entries)
    if keep is not None:
        cap = _largest(lambda c: fits(_Budget(cap=c, keep=keep)), longest)
        return done(_Budget(cap=cap or 0, keep=keep))
    # 3. Values below their floor, lists at their "more" lines only.
    cap = _largest(lambda c: fits(_Budget(cap=c, floors=False, keep=0)), longest)
    if cap is not None:
        return done(_Budget(cap=cap, floors=False, keep=0))
    # 4. The templates alone are over the limit: a bug in a template, but the person
    # still gets the words (without formatting) rather than nothing.
    log.error("message templates alone exceed the limit", extra={"limit": limit})
    plain = html.unescape(re.sub(r"<[^>]+>", "", whole))
    return html.escape(cut(plain, room, escaped=True), quote=False) + tail


def fits(text: str, limit: int = TEXT) -> bool:
    """Whether an HTML text (measured as its source) is within `limit`."""
    return utf16_len(text) <= limit
