"""Text from people, made safe to store.

A Telegram name, username or message can carry characters no database column takes:
PostgreSQL refuses NUL (U+0000) in any text value, and a lone surrogate (which a
JSON update can spell as "\\ud800") cannot even be encoded to UTF-8.  One such
character in a first name made every update from that person fail.  Other control
characters are invisible at best.  So text from outside is cleaned once, where it
enters (see `handlers.core.ChatCore.handle`), and again where a profile is stored.
"""

from __future__ import annotations

import unicodedata

# What a message may keep of the C0/C1 controls: line breaks and tabs.
_KEPT_IN_TEXT = frozenset("\n\t")


def _drop(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs")


def clean_text(text: str) -> str:
    """A message or caption: without NUL, other control characters (line breaks and
    tabs stay; a CR LF becomes LF) and lone surrogates."""
    if text.isprintable():  # the usual case, at C speed
        return text
    text = text.replace("\r\n", "\n")
    return "".join(c for c in text if c in _KEPT_IN_TEXT or not _drop(c))


# Characters that show nothing although they are not spaces: a message made of them
# ("\u200b", a Hangul filler) looks empty in the chat, so it is read as empty, not as a
# word (or an emoji) the bot would answer.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def blank(text: str | None) -> bool:
    """True when the text shows nothing: only spaces, line breaks, format characters
    (zero-width spaces and joiners, the byte-order mark) and blank fillers."""
    return not text or all(
        c.isspace() or c in _INVISIBLE or unicodedata.category(c) == "Cf" for c in text
    )


def clean_line(text: str, limit: int | None = None) -> str:
    """A name, username or other one-line value: control characters and surrogates
    removed, spaces trimmed, at most `limit` characters (the column's size)."""
    if not text.isprintable():
        text = "".join(" " if c in "\n\t\r" else c for c in text if c in "\n\t\r" or not _drop(c))
    text = text.strip()
    return text[:limit] if limit is not None else text
