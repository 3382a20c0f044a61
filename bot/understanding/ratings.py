"""A rating typed instead of tapped: "5", "5 stars!", "⭐⭐⭐⭐", "4/5", "great", "terrible".

After staff close a ticket the buyer is asked "How did we do?" with star buttons; many
type the answer instead.  `read_rating` turns such a message into 1–5 stars, and into
nothing at all when the message is something else: a rating read into "I ordered 5 mugs
and got 4" or "the lamp is great but the cable is missing" would swallow a new request,
so a message counts only when every word in it belongs to a rating, or when a rating
("2/5", "not great", "5 stars") comes with a short reason that asks for nothing ("2/5
took forever", "awful, nobody answered"; no question mark, none of the `_REQUEST`
words).

Words map to stars as the corpus README says: terrible/awful 1, bad/not great 2,
ok/meh/fine 3, good 4, great/excellent/perfect 5.  Developed on the `rating` lines of
`bot/understanding/corpus/steps.jsonl` and `steps_others.jsonl`; measured on
`tests/data/understanding/steps_eval_rating.jsonl` and `steps_eval_others.jsonl`, which
it was never tuned on.
"""

from __future__ import annotations

import re
import unicodedata

from bot.domain.language_detect import fold
from bot.understanding.steps import corrected

STAR_GLYPHS = "⭐★🌟✩☆✭✮"

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    # Spanish ("5 estrellas", "cuatro de cinco")
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "diez": 10,  # only in "un diez" (`_FULL_MARKS`): no scale goes past five
}

# A word (or two) that is a whole verdict, and its stars.
VERDICTS: dict[str, int] = {
    **dict.fromkeys(
        (
            "terrible",
            "awful",
            "horrible",
            "useless",
            "worst",
            "dreadful",
            "atrocious",
            "pathetic",
            "abysmal",
            "appalling",
            # Spanish, folded: "pésimo", "fatal", "horrible" (above), "malísimo"
            "pesimo",
            "desastre",
            "pesima",
            "fatal",
            "malisimo",
            "malisima",
            "penoso",
            "lamentable",
            # UK, and Hindi-English ("bekar", "bakwas")
            "shambles",
            "shocking",
            "bekar",
            "bakwas",
            # Portuguese (folded): "horrível", "péssimo", "lixo"
            "horrivel",
            "pessimo",
            "pessima",
            "lixo",
        ),
        1,
    ),
    **dict.fromkeys(
        (
            "bad",
            "poor",
            "disappointing",
            "disappointed",
            "mediocre",
            "unhelpful",
            "slow",
            "mal",
            "malo",
            "mala",
            "lento",
            "decepcionante",
            "rubbish",
            # Portuguese "ruim"; Chilean "penca"; Venezuelan "chimbo"; Swahili "mbaya";
            # Tagalog "panget"
            "ruim",
            "penca",
            "chimbo",
            "mbaya",
            "panget",
        ),
        2,
    ),
    **dict.fromkeys(
        (
            "ok",
            "okay",
            "meh",
            "fine",
            "average",
            "alright",
            "so-so",
            "decent",
            "acceptable",
            "fair",
            "regular",
            "normal",
            "aceptable",
            "pasable",
            "maso",
            "vale",
            # "s'alright"; Hindi "theek (thak)", Swahili "sawa", Tagalog "pwede na"
            "s'alright",
            "theek",
            "thik",
            "sawa",
            "pwede",
            # Portuguese "razoável"; Chilean "fome" (dull)
            "razoavel",
            "fome",
        ),
        3,
    ),
    **dict.fromkeys(
        (
            "good",
            "nice",
            "solid",
            "quick",
            "fast",
            "bien",
            "bueno",
            "buena",
            "rapido",
            "rapida",
            # Hindi "accha", "badhiya"; Tagalog "maganda"; Swahili "nzuri"
            "accha",
            "acha",
            "achha",
            "badhiya",
            "maganda",
            "nzuri",
            # Portuguese "bom", "gostei", "fixe", "porreiro"; Venezuelan "chévere"; Swahili
            # "poa", "safi", "fiti"; Tagalog "sulit"
            "bom",
            "boa",
            "gostei",
            "fixe",
            "porreiro",
            "chevere",
            "poa",
            "safi",
            "fiti",
            "sulit",
        ),
        4,
    ),
    **dict.fromkeys(
        (
            "great",
            "excellent",
            "amazing",
            "perfect",
            "awesome",
            "fantastic",
            "superb",
            "brilliant",
            "outstanding",
            "wonderful",
            "helpful",
            "best",
            "exceptional",
            "stellar",
            "flawless",
            "incredible",
            "lovely",
            "fab",
            "top",
            "faultless",
            "mind-blowing",
            "first-class",
            "bussin",
            # Spanish and Portuguese (folded)
            "espectacular",
            "espetacular",
            "sensacional",
            "impecable",
            "impecavel",
            "otimo",
            "otima",
            "perfeito",
            "perfeita",
            "maravilhoso",
            "amei",
            "bravazo",
            "pulento",
            "excelente",
            "bacan",
            "genial",
            "perfecto",
            "perfecta",
            "estupendo",
            "increible",
            "buenisimo",
            "buenisima",
            "maravilloso",
            "fantastico",
            "mejor",
        ),
        5,
    ),
}

# "not X": what the negation of a verdict is worth.
NEGATED: dict[int, int] = {1: 3, 2: 3, 3: 2, 4: 2, 5: 2}

# Words that may surround a rating without changing it ("it was really great service,
# thank you"); anything else in the message means it is not (only) a rating.
FILLER = frozenset(
    """
    a an the it its it's this that was is were are been be you your u ur guys team
    i i'd id i'm im would say give gave rate rating rated my our me we
    really very so pretty quite super truly extremely just absolutely totally overall
    honestly tbh ngl lol haha thanks thank thx ty cheers much bloody kinda guess suppose
    stuff mate bro bot chat arigatou danke merci obrigado grazie
    yeah yea ya yep bit absolute proper ekdum bahut tha hai thak na po sana
    muito tudo foi o sha yaar sir talaga man cap weon pana pues eh only nomas lang
    valeu obrigada atendimento entrega loja servico notch
    service help support experience job work staff response answer
    and all in of for with from
    el la lo los las fue es ha sido muy super un una le les doy pongo te gracias
    servicio atencion ayuda experiencia todo de con y mi estuvo verdad
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
NEGATIONS = frozenset(
    {"not", "no", "never", "wasn't", "isn't", "wasnt", "isnt", "hardly", "nada", "tan", "nao"}
)

_NUMBER = r"(10|[0-9]|one|two|three|four|five|uno|una|dos|tres|cuatro|cinco)"
# "4/5", "3 out of 5", "10/10", "4 of 5".
_SCALE = re.compile(rf"^{_NUMBER}\s*(?:/|out\s+of|of|de)\s*(5|10|cinco|diez)\b")
# What a scale's top in words is out of ("cuatro de cinco", "three outta five").
_OUT_OF = {"five": 5, "ten": 10, "cinco": 5, "diez": 10}
# "5 stars", "one star", "5 ⭐" (the star glyphs are turned into the word first).
_STARS = re.compile(rf"^{_NUMBER}\s*(?:stars?|estrell(?:a|ita)s?)\b")
# "un 10", "le doy un diez": a school's full marks.
_FULL_MARKS = re.compile(
    r"^(?:(?:le|les|te)\s+)?(?:(?:doy|damos|pongo|ponemos)\s+)?un\s+(?:10|diez)$"
)
# The number alone: "5", "5!", "five".
_BARE = re.compile(rf"^{_NUMBER}$")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z]+)*|/")


def read_rating(text: str) -> int | None:
    """1–5 stars when the message is a rating and nothing else, else None."""
    text = _normalise(text)
    if not text:
        return None
    if (faces := _faces(text)) is not None:
        return faces  # "😡", "🤩🤩"
    glyphs = sum(text.count(g) for g in STAR_GLYPHS)
    if glyphs:
        around = text
        for glyph in STAR_GLYPHS:
            around = around.replace(glyph, " ")
        if all(w in FILLER for w in _WORD.findall(around)):
            return min(glyphs, 5)
        if "?" not in text and not re.search(r"\d", around) and _a_score_reason(around):
            return min(glyphs, 5)  # "⭐⭐ only", "show de bola, amei ⭐⭐⭐⭐⭐"
        # "5 ⭐" / "5⭐": a number and one glyph mean the number.
        text = re.sub(f"[{STAR_GLYPHS}]+", " stars ", text)
    words = _WORD.findall(text)
    if not words:
        return None
    words = _heard(words)
    rest = _strip_lead(words)
    joined = " ".join(rest)
    if _FULL_MARKS.match(" ".join(words)):
        return 5  # "le doy un 10": full marks, as Spanish speakers grade (out of 10)
    if (scale := _SCALE.match(joined)) is not None:
        out_of = _OUT_OF.get(scale.group(2)) or int(scale.group(2))
        stars = _scaled(_value(scale.group(1)), out_of)
        tail = joined[scale.end() :]
        # "2/5 took forever": the scale makes it a rating; a short reason may follow (or
        # lead: below).
        reason = "?" not in text and _a_reason(tail) and _ends_a_score(tail)
        # ...but not a second score to choose from ("4/5 or 5/5").
        if _only_filler(tail) or (reason and not re.search(r"\bor\s+\d|\d\s*/\s*\d", tail)):
            return stars
    if (counted := _STARS.match(joined)) is not None:
        value = _value(counted.group(1))
        # "1 star, nobody helped": the word "star" makes the number a rating, and a
        # short reason may follow it.
        tail = joined[counted.end() :]
        if 1 <= value <= 5 and (_only_filler(tail) or ("?" not in text and _a_reason(tail))):
            return value
    if (late := _STARS_LAST.search(joined)) is not None and _a_reason(joined[: late.start()]):
        value = _value(late.group(1))  # "legend, 5 stars"
        return value if 1 <= value <= 5 else None
    if _BARE.match(joined):
        value = _value(joined)
        return value if 1 <= value <= 5 else None
    if (placed := _PLACED_STAR.search(joined)) is not None and all(
        w in FILLER or w in _CLOSERS
        for w in _WORD.findall(joined[: placed.start()] + " " + joined[placed.end() :])
    ):
        return _STAR_PLACES[placed.group(1)]  # "the last star", "first star only"
    if "?" not in text and (scored := _score_in_a_reason(text.lower())) is not None:
        return scored  # "fiti tu, 4/5 coz the rider called", "I'll say 7/10", "nota 8"
    if "?" not in text and (digit := _digit_at_an_end(rest, text)) is not None:
        return digit  # "bahut accha, 5", "give 4, was good"
    rest = corrected(rest, _RATING_WORDS)  # "terible", "amazin"
    stars = _verdict(rest)
    if stars is None and "?" not in text:
        stars = _verdict_then_reason(rest)
    return stars


def read_counted_rating(text: str) -> int | None:
    """Like `read_rating`, but only a rating that names its number or stars ("5",
    "five", "4/5", "⭐⭐⭐", "2 stars, broken"), not a verdict word alone ("ok",
    "great").  For a request that may be days old: "ok thanks" typed in answer to
    something else must not become three stars."""
    stars = read_rating(text)
    if stars is None:
        return None
    folded = _normalise(text)
    counted = (
        any(glyph in folded for glyph in STAR_GLYPHS)
        or any(ch.isdigit() for ch in folded)
        or any(word in NUMBER_WORDS for word in _WORD.findall(folded))
    )
    return stars if counted else None


# The rating part of a message, first or last: "4 stars", "⭐⭐⭐⭐", "4/5", "five",
# "I'd give it a 4" (what `rating_remark` takes away to leave the buyer's words).
_RATING_PART = (
    rf"(?:(?:i'?d\s+|i\s+would\s+)?(?:give|rate)\s+(?:it\s+|you\s+|u\s+)?(?:a\s+)?)?"
    rf"(?:[{STAR_GLYPHS}]+|(?:\d+|one|two|three|four|five|uno|una|dos|tres|cuatro|cinco)"
    rf"(?:\s*(?:/|out\s+of|de)\s*(?:\d+|cinco|diez))?\s*(?:stars?|estrellas?|[{STAR_GLYPHS}]+)?)"
)
_LEADING_RATING = re.compile(rf"^\s*{_RATING_PART}(?![\w])[\s!.,;:)\-–—]*", re.IGNORECASE)
# Words that, left over around the stars, say nothing more ("5 stars, thanks a lot").
_NO_REMARK = FILLER | frozenset(NUMBER_WORDS) | {
    "/", "star", "stars", "estrella", "estrellas", "ok", "okay", "lot", "lots", "again",
}  # fmt: skip
_TRAILING_RATING = re.compile(rf"[\s,;:(\-–—]*(?<![\w]){_RATING_PART}[\s!.]*$", re.IGNORECASE)


def rating_remark(text: str) -> str | None:
    """What a typed rating says besides its stars ("4 stars, quick reply" → "quick
    reply"), to keep as the rating's comment instead of asking for one; None when the
    rest is only a verdict or filler ("5 stars!", "great, thanks")."""
    rest = _TRAILING_RATING.sub("", _LEADING_RATING.sub("", text.strip()))
    rest = rest.strip(" \t\n!.,;:-–—")
    words = _WORD.findall(_normalise(rest).lower())
    telling = [w for w in words if w not in _NO_REMARK and w not in VERDICTS]
    return rest if telling else None


def _normalise(text: str) -> str:
    text = fold(unicodedata.normalize("NFKC", text))
    text = re.sub(
        r"\bm[aá]s\s+o\s+menos\b|\bmais\s+ou\s+menos\b|\bso\s+so\b", "maso", text, flags=re.I
    )  # "so-so"
    text = re.sub(r"\bfirst\s+class\b", "first-class", text, flags=re.IGNORECASE)
    text = text.replace("\ufe0f", "").replace("’", "'")  # emoji variation selector, quotes
    # "couldn't fault it": nothing to fault
    text = re.sub(r"\bcould(?:n'?t|\s+not)\s+fault\b", "faultless", text, flags=re.IGNORECASE)
    return text.strip()


def _strip_lead(words: list[str]) -> list[str]:
    """Drop the words that introduce a rating: "I'd give it a 4", "rating: 3"."""
    lead = {"i'd", "id", "i", "would", "give", "it", "you", "u", "a", "an", "rating", "rate"}
    lead |= {"gave", "say", "solid", "like", "maybe", "about", "the"}
    # Spanish: "le doy un 5", "te pongo un cuatro", "les damos 5 estrellas"
    lead |= {"le", "les", "te", "doy", "damos", "pongo", "ponemos", "un", "calificacion", "nota"}
    i = 0
    while i < len(words) - 1 and words[i] in lead:
        i += 1
    return words[i:] if i < len(words) and re.fullmatch(_NUMBER, words[i]) else words


def _value(word: str) -> int:
    return NUMBER_WORDS.get(word) or int(word)


def _scaled(value: int, out_of: int) -> int | None:
    if value > out_of:
        return None
    stars = round(value * 5 / out_of) if out_of != 5 else value
    return max(1, min(5, stars))


def _only_filler(tail: str) -> bool:
    return all(w in FILLER for w in _WORD.findall(tail))


# Words that make a message a request, not a rating with its reason ("great, now where is
# my refund").
_REQUEST = frozenset(
    """
    where when why how what which refund order return cancel parcel package delivery
    deliver delivered arrive arrived send sent ship shipped need want can could please pls
    help track tracking money item still address change exchange replace
    question questions bot
    donde cuando como pedido reembolso devolver cancelar quiero necesito puedes pregunta
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
# The words before "help" that make it a request ("can you help", "please help",
# "need help"): anything else before it ("quick help", "great help") describes it.
_HELP_ASKS = frozenset({"can", "could", "please", "pls", "need", "i", "you", "to", "some", "ayuda"})
# A face alone says how it went: the angry ones 1, the sad 2, the straight 3, the
# smiling 4, the delighted 5 (several of one kind count once).
_FACES = {
    **dict.fromkeys("😡🤬💩😠🖕", 1),
    **dict.fromkeys("😞😢😭🙁☹😒", 2),
    **dict.fromkeys("😐😑", 3),
    **dict.fromkeys("🙂😊", 4),
    **dict.fromkeys("😍🤩🥰😁😀😃😄", 5),
}  # not 👍, ❤ or 🙏: as often an "ok" or a thank-you as a verdict


def _faces(text: str) -> int | None:
    """The stars a message of faces alone means (one kind of face), else None."""
    if _WORD.search(text):
        return None
    found = {_FACES[ch] for ch in text if ch in _FACES}
    rest = "".join(ch for ch in text if ch not in _FACES and not ch.isspace())
    if len(found) != 1 or any(unicodedata.category(ch)[0] in "LN" for ch in rest):
        return None
    return found.pop()


# Numbers as voice typing writes them, before "stars" or alone: "for stars", "to".
_HEARD = {"to": "two", "too": "two", "for": "four", "fore": "four", "won": "one"}


def _heard(words: list[str]) -> list[str]:
    if words and words[0] in _HEARD:
        after = words[1:]
        if not after or after[0].startswith("star"):
            return [_HEARD[words[0]], *after]
        if all(w in FILLER for w in after):
            return [_HEARD[words[0]]]  # "for i guess": the number, and thinking aloud
    return words


_STAR_PLACES = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_STAR_PLACES |= {"fourth": 4, "4th": 4, "fifth": 5, "5th": 5, "last": 5}
_PLACED_STAR = re.compile(rf"\b({'|'.join(_STAR_PLACES)})\s+(?:star|one)\b")
# Before a number these say it is no rating: "I waited 5", "it took 5".
_NOT_STARS_BEFORE = frozenset(
    """
    waited took after for in ordered bought got paid of only about around over under than
    waiting since order number no x
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_CLOSERS = frozenset({"po", "ji", "lang", "only", "naman"})


def _digit_at_an_end(words: list[str], text: str) -> int | None:
    """A single digit 1–5 first or last in a short message whose other words give a
    reason and ask nothing ("bakwas service, 1", "give 4, was good"); a digit first is
    set apart from what follows ("5, so quick", not "5 mugs")."""
    while words and words[-1] in _CLOSERS:
        words = words[:-1]
    numbers = [i for i, w in enumerate(words) if w.isdigit() or w in NUMBER_WORDS]
    if len(words) < 2 or len(numbers) != 1 or numbers[0] not in (0, len(words) - 1):
        return None
    at = numbers[0]
    if not words[at].isdigit() or not 1 <= int(words[at]) <= 5:
        return None
    if at and words[at - 1] in _NOT_STARS_BEFORE:
        return None
    first_alone = words[1] not in FILLER and words[1] not in VERDICTS
    if at == 0 and first_alone and not _set_apart(words[0], text):
        return None  # "5 mugs please": a count, not five stars
    others = words[1:] if at == 0 else words[:-1]
    return int(words[at]) if _a_reason(" ".join(others)) else None


def _set_apart(digit: str, text: str) -> bool:
    """The digit is followed by a comma, a stop, a dash or the like ("5, so quick")."""
    return re.search(rf"(?<!\d){re.escape(digit)}\s*[,.!:;-]", text) is not None


_STARS_LAST = re.compile(rf"\b{_NUMBER}\s*(?:stars?|estrell(?:a|ita)s?)$")
# A score said outright anywhere in the message: "4/5", "three outta five", "7/10",
# "5 star from my side", "3 estrelas", "nota 8" (Portuguese and Spanish: out of 10).
_STAR_WORD = r"(?:stars?|estrell(?:a|ita)s?|estrelas?)"
_SCORE = re.compile(
    rf"(?<![\w/])(?P<n>10|[0-9]|one|two|three|four|five|uno|una|dos|tres|cuatro|cinco)\s*"
    rf"(?:(?:/|out\s+of|outta|of|de|sobre)\s*(?P<of>5|10|five|ten|cinco|diez)\b(?:\s*{_STAR_WORD})?"
    rf"|{_STAR_WORD}\b)|\bnota\s+(?P<nota>10|[1-9])\b"
)
# Saying it was good enough to buy again is praise, not an order: "10/10 would order again".
_AGAIN = re.compile(
    r"\b(?:would|will|gonna|i'?ll|i\s+will|definitely|def)\s+(?:order|buy|shop)\s+(?:again|here\s+again)\b|"
    r"\bnever\s+(?:order|buy|shop)\w*\s+(?:again|here)\b|\bno\s+go\s+buy\s+again\b"
)
# Beside a score said outright, only these make the message a request: what happened to a
# parcel or an order is the score's reason ("5/5, parcel came early").
_ASKING = _REQUEST - frozenset(
    """
    order parcel package delivery deliver delivered arrive arrived sent ship shipped item pedido
    """.split()  # noqa: SIM905 (a word list reads better as words)
)


# What may follow a score: a stop, or a word that starts its reason ("4/5 coz the rider
# called", "10/10 would order again"), not a thing counted ("3 out of 5 mugs").
_AFTER_A_SCORE = (
    FILLER
    | NEGATIONS
    | frozenset(VERDICTS)
    | frozenset(
        """
    because cause coz cuz bc but pero mas porque since as and y e with would will easy
    from for de only nomas lang na po tbh ngl fr lol though tho even so
    """.split()  # noqa: SIM905 (a word list reads better as words)
    )
)


def _ends_a_score(after: str) -> bool:
    """The score is not a count of the things named right after it ("3 out of 5 mugs
    broke", "2 of 5 items missing"); "2/5 took forever" and "4/5 coz…" are scores."""
    if re.match(r"\s*(?:$|[^\w\s])", after):
        return True  # "4/5.", "5/5!", "nota 8, chegou certinho", "⭐" or an emoji
    first = _WORD.findall(after)
    if not first or first[0] in _AFTER_A_SCORE:
        return True
    return not re.fullmatch(r"[a-z]{2,}[^s]s|[a-z]+es", first[0]) or first[0] in _VERBS_IN_S


# Words in -s that follow a score as a verb, not as things counted ("5/5 does the job").
_VERBS_IN_S = frozenset(
    "does goes says takes makes works looks feels seems gets this yes plus always kudos".split()  # noqa: SIM905
)


def _a_score_reason(words_text: str) -> bool:
    """What may stand beside a score said outright: a few words, none of them asking."""
    found = _WORD.findall(_AGAIN.sub(" ", words_text))
    return len(found) <= 14 and not any(w in _ASKING for w in found)


def _score_in_a_reason(said: str) -> int | None:
    """The stars of the one score said outright in a message whose other words are its
    reason ("lowkey good ngl, 4/5", "Rubbish, 2/10"), or None ("3 out of 5 mugs broke":
    a count of things, followed by them)."""
    found = list(_SCORE.finditer(said))
    if len(found) != 1 or not _ends_a_score(said[found[0].end() :]):
        return None
    score = found[0]
    if score["nota"]:  # "nota 5" out of five, "nota 8" out of ten
        nota = int(score["nota"])
        stars = _scaled(nota, 5 if nota <= 5 else 10)
    else:
        value = _value(score["n"])
        out_of = _OUT_OF.get(score["of"] or "") or int(score["of"] or 5)
        if score["of"] is None and not 1 <= value <= 5:
            return None
        stars = _scaled(value, out_of)
    rest = said[: score.start()] + " " + said[score.end() :]
    if re.search(r"\d|\b(?:two|three|four|five)\b", rest):
        return None  # another number: "3 stars for 2 mugs" is not said plainly enough
    return stars if stars is not None and _a_score_reason(rest) else None


# The words the spelling fixer may fix toward; number words are among them so that they
# stay as typed ("three" is no slip of "theek").
_RATING_WORDS = frozenset(VERDICTS) | FILLER | NEGATIONS | frozenset(NUMBER_WORDS)


def _a_reason(words_text: str) -> bool:
    """A few words that can follow (or lead) a rating as its reason: at most twelve,
    none of them a request."""
    found = _WORD.findall(words_text)
    if len(found) > 12:
        return False
    # "help" asks only as a verb ("help me", "can you help"); "quick help", "great help,
    # thanks" say how the help was.
    asks = [
        w
        for i, w in enumerate(found)
        if w in _REQUEST
        and not (w == "help" and i > 0 and found[i - 1] not in _HELP_ASKS and "?" not in words_text)
    ]
    return not asks


def _verdict_then_reason(words: list[str]) -> int | None:
    """ "not great, took too long", "awful, nobody answered": a verdict first, then a
    short reason that asks for nothing (see `_a_reason`)."""
    head = 0
    while head < len(words) and (words[head] in FILLER or words[head] in NEGATIONS):
        head += 1
    end = head
    while end < len(words) and (words[end] in VERDICTS or words[end] in FILLER):
        end += 1
    if end == head or words[head] not in VERDICTS:
        return None
    stars = _verdict(words[:end])
    tail = words[end:]
    if stars is None or not _a_reason(" ".join(tail)):
        return None
    if any(w in VERDICTS and VERDICTS[w] != stars for w in tail):
        return None  # "good but slow": two verdicts that disagree
    return stars


# "ok" and a thank-you, nothing else: how people end a conversation, whatever was
# asked.  "ok" alone, or "it was ok", still rates a middling three.
_OKAY = frozenset({"ok", "okay", "k", "kk", "okk", "oki", "okie", "vale"})
_THANKS = frozenset({"thanks", "thank", "thx", "ty", "cheers", "gracias", "tks", "tnx", "thanx"})
_OK_THANKS = _OKAY | _THANKS | frozenset({"you", "u", "so", "much", "a", "lot", "then"})


def _verdict(words: list[str]) -> int | None:
    """Stars for a message of verdict words and filler only ("not great", "it was
    okay", "amazing service, thanks"); None if any other word is in it, or none
    of the words is a verdict."""
    if _OK_THANKS.issuperset(words) and _THANKS & set(words) and _OKAY & set(words):
        return None  # "ok thanks", "okay thank you": a goodbye, not three stars
    stars: int | None = None
    negated = False
    for word in words:
        if word in NEGATIONS:
            negated = True
            continue
        if word in VERDICTS:
            value = NEGATED[VERDICTS[word]] if negated else VERDICTS[word]
            if stars is not None and value != stars:
                return None  # "good but slow": two verdicts that disagree
            stars, negated = value, False
            continue
        if word not in FILLER:
            return None
    return stars
