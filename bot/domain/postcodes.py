"""Postcodes as buyers type them: the proof of an order whose contact details the
marketplace masked (a TikTok Shop order shows neither the buyer's email nor phone).

`postcode_in` finds one in what was typed, alone ("SW1A 1AA", "94105") or in a
sentence ("my postcode is SW1A 1AA", "zip 94105-1234"); it returns the normalised form
orders store (`storage.importers.records.postal_code`), so proofs compare exactly.
"""

from __future__ import annotations

import re

# The shapes a postcode has where the shops sell, written the ways people write them.
_SHAPES = (
    r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}",  # United Kingdom: SW1A 1AA, M1 1AE
    r"[A-Z]\d[A-Z]\s*\d[A-Z]\d",  # Canada: K1A 0B1
    r"\d{4}\s*[A-Z]{2}",  # Netherlands: 1012 AB
    r"\d{3}-\d{4}",  # Japan: 100-0001
    r"\d{5}(?:-\d{4})?",  # United States ZIP (+4), also DE, FR, ES, IT: 94105, 10115
    r"\d{3}\s\d{2}",  # Sweden, Czechia: 114 55
    r"\d{2}-\d{3}",  # Poland: 00-950
    r"\d{4,6}",  # Australia, Denmark, India, China ...: 2000, 110001
)
_WHOLE = re.compile(rf"^(?:{'|'.join(_SHAPES)})$", re.IGNORECASE)
# After a word that says it is one: "postcode SW1A 1AA", "my zip is 94105".
_SAID = re.compile(
    rf"\b(?:post\s*code|postal\s*code|zip(?:\s*code)?|postcode)\b\W*(?:is\W+)?"
    rf"(?P<code>{'|'.join(_SHAPES)})\b",
    re.IGNORECASE,
)
# Shapes distinctive enough to find inside any sentence (letters and digits mixed).
_DISTINCT = re.compile(rf"\b(?P<code>{_SHAPES[0]}|{_SHAPES[1]})\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Upper-case, without spaces or dashes (as `postal_code` stores them)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def postcode_in(text: str) -> str | None:
    """The postcode in `text`, normalised; None when there is none."""
    text = text.strip()
    if not text or "@" in text or len(text) > 200:
        return None
    if _WHOLE.fullmatch(text):
        return normalise(text)
    for pattern in (_SAID, _DISTINCT):
        if (found := pattern.search(text)) is not None:
            return normalise(found.group("code"))
    return None


def postcodes_match(given: str, stored: str) -> bool:
    """Same postcode (both normalised); a US ZIP+4 matches its five-digit ZIP."""
    if given == stored:
        return True
    short, long_ = sorted((given, stored), key=len)
    return len(short) == 5 and len(long_) == 9 and long_.isdigit() and long_.startswith(short)
