"""Which language a buyer's text is in, and the accent folding both readers share.

The offline readers (the intent model, the policy search, the step interpreters) work
on folded text: buyers type "donde esta" as often as "dónde está", so accents must not
make two words of one.  The guess is deliberately simple (counts of each language's
function words and a few letters only Spanish uses): it is only asked which policy
folder and stemmer to use for one message, and a message too short to tell ("ok",
"5781…") keeps the caller's language.
"""

from __future__ import annotations

import re
import unicodedata

from bot.domain.words import ENGLISH_MARKERS, SPANISH_MARKERS

ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)

_WORD = re.compile(r"[^\W\d_]+")
# Characters that only Spanish text has (ñ, accented vowels), and the opening marks,
# which no other language a buyer writes to the shop uses: one is enough to tell.
_SPANISH_LETTERS = re.compile(r"[ñáéíóú]")
_OPENING_MARKS = re.compile(r"[¿¡]")


def fold(text: str) -> str:
    """Lower case without accents or tildes ("Dónde está" → "donde esta", "año" →
    "ano"): NFKD, then the combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def guess(text: str, default: str | None = None) -> str | None:
    """`es` or `en` when the text says so, else `default`.

    A language wins with more of its marker words than the other (each accented letter
    counts as one, an opening "¿" or "¡" as two), and at least two: "mi order no llega"
    is Spanish ("mi", "llega"), "¿aceptan PayPal?" too, "ok gracias" is not enough to
    tell."""
    lowered = text.lower()
    words = [fold(w) for w in _WORD.findall(lowered)]
    spanish = (
        sum(w in SPANISH_MARKERS for w in words)
        + len(_SPANISH_LETTERS.findall(lowered))
        + 2 * len(_OPENING_MARKS.findall(lowered))
    )
    english = sum(w in ENGLISH_MARKERS for w in words)
    if spanish >= 2 and spanish > english:
        return SPANISH
    if english >= 2 and english > spanish:
        return ENGLISH
    return default
