"""What a buyer types at the return-tracking step: a carrier by name, a tracking number,
or both ("UPS 1Z999AA10123456784", "it's fedex, number 123456789012").

The step has to tell apart four situations and say something different for each:

* a number that passes its carrier's check digit: record it;
* a carrier alone ("fed ex", "the post office"): keep it and ask for the number;
* a number that is wrong: say whether the check digit fails (a typo) or the shape is
  not the carrier's at all, so the buyer knows what to look at;
* a carrier the bot cannot check (Royal Mail, DPD, Evri...): name it, so the step can
  say it cannot check those instead of claiming not to understand.

Names are matched by rules and a one-letter typo allowance on the longer names
("fedx", "purolater"), not by the intent model: the answer is one of a dozen known
names, and a wrong carrier would send the seller looking in the wrong place.  The
numbers are checked with `bot/domain/carriers.py`, which knows each format's check
digit; a number with no carrier named gets the carrier whose format and check digit it
passes.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.carriers import DHL, FEDEX, KNOWN_CARRIERS, UPS, USPS, is_valid_tracking

# Canonical name → pattern: a carrier named anywhere in a message, free text included
# (slots.carrier reads these too: one list for the whole bot).  Longer, more specific
# names come first ("Correos Express" before "Correos"); the earliest match in the text
# wins.
NAMES: tuple[tuple[str, str], ...] = (
    (
        USPS,
        r"usps|u\.?s\.?p\.?s\.?|u\s+s\s+p\s+s|(?:u\.s\.?|united\s+states)\s+(?:postal\s+service|post\s+office|mail)|"
        r"us\s+postal\s+service",
    ),
    (UPS, r"ups|u\.p\.s\.?|united\s+parcel(?:\s+service)?"),
    (FEDEX, r"fed\s?-?\s?ex|federal\s+express|fed\s+x"),
    (DHL, r"dhl"),
    ("Royal Mail", r"royal\s?ma(?:il|le)"),  # "royal male": as voice typing hears it
    ("Parcelforce", r"parcel\s?force"),
    ("DPD", r"dpd"),
    ("Evri", r"evri|hermes"),
    ("Canada Post", r"canada\s?post|postes?\s+canada"),
    ("Australia Post", r"australia\s?post|aus\s?post"),
    ("An Post", r"an\s+post"),  # Ireland's
    ("Yodel", r"yodel"),
    ("GLS", r"gls"),
    ("Purolator", r"purolator"),
    ("OnTrac", r"on\s?trac"),
    ("PostNL", r"post\s?nl"),
    ("Deutsche Post", r"deutsche\s+post"),
    ("Amazon Logistics", r"amazon\s+(?:logistics|shipping)"),
    ("Aramex", r"aramex"),
    ("Ninja Van", r"ninja\s?van"),
    ("J&T Express", r"j\s?&\s?t(?:\s+express)?|j\s+and\s+t|jnt"),
    ("Flash Express", r"flash\s+express"),
    ("Kerry Express", r"kerry\s+express"),
    ("Pos Malaysia", r"pos\s+malaysia|pos\s?laju"),
    ("NZ Post", r"nz\s?post|new\s+zealand\s+post"),
    ("CourierPost", r"courier\s?post"),
    ("Sendle", r"sendle"),
    ("StarTrack", r"star\s?track"),
    # Where Spanish-speaking buyers post from: named so the tracking step says it
    # cannot check them, rather than that it did not understand ("lo mandé por Correos").
    ("Correos Express", r"correos\s+express"),
    ("Correos de México", r"correos\s+de\s+m[eé]xico|sepomex|mexpost"),
    ("Correo Argentino", r"correo\s+argentino"),
    # In Spanish "correos" are also emails ("me llegan 3 correos de publicidad"): the
    # post only after "por", "con", "en", "de" or "vía", at the start, or with its country.
    (
        "Correos",
        r"correos\s+de\s+(?:espa[ñn]a|chile)|(?:(?<=por\s)|(?<=con\s)|(?<=en\s)|(?<=de\s)|"
        r"(?<=via\s)|(?<=vía\s)|\A)correos",
    ),
    ("Correios", r"correios"),  # Brazil's post
    ("Estafeta", r"estafeta"),
    ("Redpack", r"redpack"),
    ("Paquetexpress", r"paquetexpress"),
    ("SEUR", r"seur"),
    ("MRW", r"mrw"),
    ("Nacex", r"nacex"),
    ("Servientrega", r"servientrega"),
    ("Coordinadora", r"coordinadora"),
    ("Andreani", r"andreani"),
    ("Chilexpress", r"chilexpress"),
)
# At the return-tracking step, where the buyer is telling us how they posted it, the
# post office alone means USPS ("the post office", "priority mail", "el correo de EE.
# UU."); in a free message "us mail" or "the post office" names no carrier.
_AT_THE_STEP: tuple[tuple[str, str], ...] = (
    (
        USPS,
        r"(?:the\s+)?(?:us|u\.s\.?|united\s+states)\s+(?:postal\s+service|post(?:al)?\s+office|"
        r"post|mail)|(?:the\s+)?postal\s+service|(?:the\s+)?post\s+office|"
        r"priority\s+mail|first[\s-]class\s+mail|certified\s+mail|"
        r"(?:el\s+)?(?:correo|servicio\s+postal)\s+(?:de\s+)?(?:los\s+)?"
        r"(?:ee\.?\s?uu\.?|eeuu|estados\s+unidos|usa)",
    ),
    # "quiero un paquete express" asks for fast shipping; at the step it is the brand.
    ("Paquetexpress", r"paquete\s+express"),
)


def names_pattern(names: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One regex over `names`, group `cN` for the Nth: whole words only."""
    return re.compile(
        "|".join(f"(?P<c{i}>(?<![\\w])(?:{p})(?![\\w]))" for i, (_, p) in enumerate(names)),
        re.IGNORECASE,
    )


def first_named(
    pattern: re.Pattern[str], names: tuple[tuple[str, str], ...], text: str
) -> str | None:
    """The canonical name of the first carrier `pattern` (built from `names`) finds, not
    counting phrases where a carrier's letters are no carrier ("ups and downs")."""
    match = pattern.search(NOT_A_CARRIER.sub(" ", text))
    return None if match is None else _name_of(match, names)


def all_named(pattern: re.Pattern[str], names: tuple[tuple[str, str], ...], text: str) -> set[str]:
    """The canonical names of every carrier `pattern` finds, as `first_named` reads them
    ("fedex or dhl": both)."""
    return {_name_of(m, names) for m in pattern.finditer(NOT_A_CARRIER.sub(" ", text))}


def _name_of(match: re.Match[str], names: tuple[tuple[str, str], ...]) -> str:
    return names[int(next(k for k, v in match.groupdict().items() if v)[1:])][0]


# Every carrier named anywhere in a message: what the message reader (`slots.carrier`)
# and the seller's carrier step read.
NAMED = names_pattern(NAMES)

# "correos" alone is Spain's post at the step (last: "correos de México" is another).
_STEP_NAMES = (*_AT_THE_STEP, *NAMES, ("Correos", r"correos"))
_NAME = names_pattern(_STEP_NAMES)
# Phrases where a carrier's letters are not a carrier.
NOT_A_CARRIER = re.compile(
    r"\bups\s+and\s+downs\b|\w-ups\b|"
    r"\b(?:grown|pick|pop|follow|mix|sign|top|set|start|check|back|make|hook|warm)\s?ups\b",
    re.IGNORECASE,
)

# One-word spellings a typo away from a name (compared with spaces, dots and dashes
# removed): only names of five letters or more, where one wrong letter still leaves
# them unmistakable ("fedx", "fedez", "purolater"); "ups" or "dhl" mistyped could be
# any word.
_TYPO_TARGETS: dict[str, str] = {
    "fedex": FEDEX,
    "royalmail": "Royal Mail",
    "parcelforce": "Parcelforce",
    "canadapost": "Canada Post",
    "hermes": "Evri",
    "yodel": "Yodel",
    "purolator": "Purolator",
    "ontrac": "OnTrac",
}
# Everyday words one letter away from a target, which are never a carrier.
_TYPO_EXCEPTIONS = frozenset({"model", "yodels", "hermit", "federal"})


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def _typo_name(text: str) -> str | None:
    words = re.findall(r"[a-z]+", text.lower())
    # Single words and pairs joined ("royal mial", "fed x" is a pattern already).
    candidates = words + [a + b for a, b in itertools.pairwise(words)]
    for word in candidates:
        if len(word) < 4 or word in _TYPO_EXCEPTIONS:
            continue
        for target, name in _TYPO_TARGETS.items():
            if _one_edit(word, target):
                return name
    return None


def carrier_name(text: str) -> str | None:
    """The carrier the text names, canonical spelling ("FedEx", "Royal Mail"), or None."""
    return first_named(_NAME, _STEP_NAMES, text or "") or _typo_name(
        NOT_A_CARRIER.sub(" ", text or "")
    )


def checkable(carrier: str | None) -> bool:
    """Whether the bot can check this carrier's tracking numbers (and so record them)."""
    return carrier in KNOWN_CARRIERS


# ------------------------------------------------------------------ tracking numbers

# The shapes of each checkable carrier's numbers, without their check digits: a number
# of the right shape that fails is a typo ("check digit"), one of no carrier's shape is
# not a tracking number of that carrier at all ("format").
_SHAPES: dict[str, re.Pattern[str]] = {
    FEDEX: re.compile(r"[0-9]{12}|[0-9]{15}|96[0-9]{20}", re.ASCII),
    UPS: re.compile(r"1Z[0-9A-Z]{15}[0-9]", re.ASCII),
    USPS: re.compile(r"9[1-5][0-9]{20}|[0-9]{20}|[A-Z]{2}[0-9]{9}US", re.ASCII),
    DHL: re.compile(r"[0-9]{10}", re.ASCII),
}
# A word that could be (part of) a tracking number: letters and digits with at least
# two digits; groups typed with spaces or dashes are joined below.
_PIECE = re.compile(r"[0-9A-Za-z]*[0-9][0-9A-Za-z]*(?:-[0-9A-Za-z]+)*")
_EDGE = ".,;:!?()[]{}\"'#*"
# UPS's number as its label prints it ("1Z 999 AA1 01 2345 678 4"): its groups hold one
# digit or none, so they are joined before the text is read piece by piece. The message
# reader (`slots.TRACKING_SHAPE`) finds such a number with the same pattern.
UPS_GROUPED = r"1Z(?:[ -]?[0-9A-Z]){16}"
_UPS_GROUPED = re.compile(rf"(?<!\w){UPS_GROUPED}(?!\w)", re.ASCII | re.IGNORECASE)
MIN_NUMBER = 6  # characters: shorter runs are quantities, dates or house numbers
MAX_NUMBER = 40  # longer is not a tracking number, and is not repeated back whole


class Problem(StrEnum):
    CHECK_DIGIT = "check_digit"  # the carrier's shape, but the check digit fails
    FORMAT = "format"  # not the shape of the carrier's numbers (or of any carrier's)


def numbers_in(text: str) -> list[str]:
    """Number-like runs in the text, cleaned (no spaces or dashes, upper-case).

    Digit groups typed with spaces ("9400 1118 9922 ...") are one number; a comma or
    other punctuation between them ends it.
    """
    text = _UPS_GROUPED.sub(lambda m: re.sub(r"[ -]", "", m.group(0)), text or "")
    found: list[str] = []
    current = ""
    for raw in text.split():
        word = raw.strip(_EDGE)
        piece = _PIECE.fullmatch(word) if word else None
        if piece is not None and sum(c.isdigit() for c in word) >= 2:
            current += word.replace("-", "").upper()
            if raw.rstrip(_EDGE) != raw.rstrip():  # "…1234," ends the number here
                found.append(current)
                current = ""
            continue
        if current:
            found.append(current)
        current = ""
    if current:
        found.append(current)
    return [n for n in found if len(n) >= MIN_NUMBER]


def _carriers_of(number: str) -> list[str]:
    return [c for c in KNOWN_CARRIERS if is_valid_tracking(c, number)]


def _shape_of(number: str) -> str | None:
    for carrier, shape in _SHAPES.items():
        if shape.fullmatch(number):
            return carrier
    return None


@dataclass(frozen=True, slots=True)
class TrackingAnswer:
    """What one message at the tracking step gives."""

    carrier: str | None  # named, else the one known before, else the number's own
    named: bool  # the message itself named the carrier
    number: str | None = None  # a tracking number that passes the carrier's check
    typed: str | None = None  # a number the buyer typed that is not (yet) accepted
    problem: Problem | None = None

    @property
    def checkable(self) -> bool:
        return checkable(self.carrier)


def read_tracking_answer(text: str, carrier: str | None = None) -> TrackingAnswer:
    """Read a typed answer to "which carrier, and what is the tracking number?".

    `carrier` is the one the buyer already gave (a button or an earlier message); a
    carrier named in this message replaces it.  A number that passes another carrier's
    check (other than DHL's, which one 10-digit number in seven passes by chance) when
    the carrier was only known from before is taken with its own carrier: the check
    digit is better evidence than an earlier tap.
    """
    named = carrier_name(text)
    chosen = named or carrier
    numbers = [n for n in numbers_in(text) if len(n) <= MAX_NUMBER] or [
        n[:MAX_NUMBER] for n in numbers_in(text)
    ]
    is_named = named is not None
    if chosen is not None and not checkable(chosen):
        return TrackingAnswer(chosen, is_named, typed=numbers[0] if numbers else None)
    if chosen is not None:
        for number in numbers:
            if is_valid_tracking(chosen, number):
                return TrackingAnswer(chosen, is_named, number=number)
        if not is_named:
            for number in numbers:
                others = [c for c in _carriers_of(number) if c != DHL]
                if len(others) == 1:
                    return TrackingAnswer(others[0], False, number=number)
        if not numbers:
            return TrackingAnswer(chosen, is_named)
        typed = numbers[0]
        shaped = bool(_SHAPES[chosen].fullmatch(typed))
        problem = Problem.CHECK_DIGIT if shaped else Problem.FORMAT
        return TrackingAnswer(chosen, is_named, typed=typed, problem=problem)
    for number in numbers:
        found = _carriers_of(number)
        if len(found) == 1:
            return TrackingAnswer(found[0], False, number=number)
    if not numbers:
        return TrackingAnswer(None, False)
    typed = numbers[0]
    shape = _shape_of(typed)
    if shape is not None:
        return TrackingAnswer(shape, False, typed=typed, problem=Problem.CHECK_DIGIT)
    return TrackingAnswer(None, False, typed=typed, problem=Problem.FORMAT)
