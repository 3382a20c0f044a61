"""Whether a return request is first a question: can an item the buyer used go back?

"can I return a candle I already burned" names the buyer's own item and a return, so
the model reads a return request; but what the buyer asks first is whether a used item
can be returned at all, and the returns policy answers that (most shops refuse, or
refund only part, for what was worn, washed, lit or unsealed unless it was faulty).
Starting the return flow would skip the one thing asked.  So such a message gets the
policy's answer first, with a button to start the return anyway
(`handlers/buyer/answers.py`); "I want to return the mug, it arrived cracked" goes
straight to the return, as before.

The rule (`asks_if_used_returnable`), all three needed:

* it asks for permission, not for the return: "can / could / may I (still) return",
  "is it possible / ok to return", "will you take it back", "is it returnable",
  "¿puedo devolver…?", "¿se puede devolver…?", "¿aceptan devoluciones de…?";
* it says the buyer used the item: used, opened, worn, washed, burned, lit, assembled,
  tried on, unsealed, "took the tags off", "usado", "abierto", "lavado", "encendí";
* it names no fault: damaged, defective, wrong or missing items are taken back in
  whatever state they arrived (the return flow's own reason reader,
  `steps.return_reason`, decides), so "I used the mug and it broke, can I return
  it?" is a return.

Pure functions; the routing (`bot/services/routing.py`) applies it.
"""

from __future__ import annotations

import re

from bot.domain.enums import ClaimReason
from bot.understanding.steps import return_reason, words

# Asking whether the item may go back (words as `steps.words` gives them: lower case,
# no apostrophes, accents folded).
_MAY_RETURN = re.compile(
    r"\b(?:can|could|may|might)\s+(?:i|we)\s+(?:still\s+|even\s+|also\s+|actually\s+)?"
    r"(?:return|exchange|send\s+(?:\w+\s+){0,3}back|get\s+(?:a\s+)?refund)"
    r"|\b(?:is|would)\s+it\s+(?:be\s+)?(?:still\s+)?(?:possible|ok|okay|allowed|fine)\s+to\s+"
    r"(?:still\s+)?(?:return|exchange|send)"
    r"|\b(?:am|are)\s+(?:i|we)\s+(?:still\s+)?(?:able|allowed)\s+to\s+(?:return|exchange|send)"
    r"|\b(?:will|would|do|does|can)\s+(?:you|the\s+shop|the\s+seller|they)\s+(?:still\s+)?"
    r"(?:accept|take)\b.{0,40}\b(?:back|returns?)\b"
    r"|\b(?:is|are)\s+(?:it|they|this|these|that|those|the\s+\w+)\s+(?:still\s+)?returnable"
    r"|\bcan\s+(?:it|they|this|these|that|those|the\s+\w+)\s+(?:still\s+)?be\s+"
    r"(?:returned|exchanged|sent\s+back)"
    r"|\b(?:puedo|podemos|podria|se\s+puede|se\s+pueden|aun\s+puedo|todavia\s+puedo)\s+"
    r"(?:\w+\s+){0,2}(?:devolver|regresar|cambiar)"
    r"|\b(?:aceptan|reciben|admiten)\s+(?:\w+\s+){0,2}(?:devoluci\w*|de\s+vuelta)"
)
# The buyer used the item (their own doing, not a fault); not what they used or
# opened on the way ("used the return label", "opened the parcel": it was empty).
_USED = re.compile(
    r"\b(?:(?:used|using|opened)(?!\s+(?:the|a|my|your)\s+(?:return\s+|shipping\s+|gift\s+)?"
    r"(?:labels?|codes?|coupons?|vouchers?|links?|cards?|parcels?|packages?|envelopes?|"
    r"deliver(?:y|ies)|app|chat|site|website|bot))|use\s+it|unsealed|unboxed|unwrapped|worn|wore|wearing|washed|"
    r"washing|burned|burnt|burning|lit|lighting|assembled|installed|tried\s+(?:it\s+|them\s+)?on|"
    r"tested|played\s+with|(?:took|taken|cut|removed|ripped)\s+(?:off\s+)?(?:the\s+)?tags?|"
    r"tags?\s+(?:off|removed)|without\s+(?:the\s+)?(?:tags?|packaging|box)"
    r"|usad[oa]s?|use|usandol[oa]|abiert[oa]s?|abri|abrimos|lavad[oa]s?|lave|encendi|"
    r"encendid[oa]s?|quemad[oa]s?|queme|puest[oa]s?|me\s+(?:lo|la|los|las)\s+puse|"
    r"probad[oa]s?|monte|montad[oa]s?|sin\s+(?:la\s+|las\s+)?(?:etiquetas?|caja|empaque)|"
    r"quite\s+(?:la\s+|las\s+)?etiquetas?)\b"
)
# Reasons the policy takes back in any state: with one of them it is a return.
_FAULTS = frozenset(
    {
        ClaimReason.DAMAGED,
        ClaimReason.DEFECTIVE,
        ClaimReason.WRONG_ITEM,
        ClaimReason.MISSING_ITEM,
        ClaimReason.NOT_RECEIVED,
    }
)

# A fault the reason reader leaves to the flow's photos step: a box that came empty.
_EMPTY = re.compile(r"\b(?:empty|vaci[oa]s?)\b")

# What to search the policies for besides the buyer's words: the section on the
# condition an item must be in (the buyer's words alone name a candle and a verb,
# which a returns policy rarely repeats).  Searched, never shown.
CONDITION_QUESTION = {
    "en": "used item: what condition can it be returned in?",
    "es": "artículo usado: ¿en qué estado se puede devolver?",
}


# A negation just before the used-word: "I never used it", "haven't even opened it",
# "not worn", "sin usar", "no lo he abierto" say the item is as new.
_NOT = re.compile(
    r"\b(?:not|never|no|didnt|did\s+not|havent|have\s+not|hasnt|has\s+not|wasnt|werent|"
    r"dont|do\s+not|doesnt|nunca|sin|ni)\b(?:\s+\w+){0,3}\s*$"
)


def _used(said: str) -> bool:
    """A used-word that is not negated."""
    return any(not _NOT.search(said[: m.start()]) for m in _USED.finditer(said))


# Whether the buyer may (still) send an item back, asked: "just wanted to check if I can
# still return my mug, it's been 3 weeks", "is it too late to return the towel" (read
# as the refund's status, found in a batch of buyer wording); not "how can I return".
_MAY_STILL_RETURN = re.compile(
    r"(?<!\bhow\s)\b(?:(?:can|could|may)\s+(?:i|we)|if\s+(?:i|we)\s+(?:can|could|may))\s+"
    r"(?:still\s+)?(?:return|exchange|send\s+(?:\w+\s+){0,3}back)\b|"
    r"\b(?:too\s+late|still\s+time)\s+to\s+(?:return|exchange|send)\b"
)


def asks_if_returnable(text: str) -> bool:
    """The message asks whether an item may (still) go back: the return flow answers it
    with the order's own window, or starts the return."""
    return _MAY_STILL_RETURN.search(" ".join(words(text))) is not None


def asks_if_used_returnable(text: str) -> bool:
    """True when the message asks whether an item the buyer used can be returned, and
    names no fault (see the module's docstring)."""
    said = " ".join(words(text))
    if not _MAY_RETURN.search(said) or not _used(said) or _EMPTY.search(said):
        return False
    return return_reason(text) not in _FAULTS
