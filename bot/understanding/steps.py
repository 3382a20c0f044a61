"""What a typed answer at one step of a flow means, or None when the step cannot use it.

Buyers type far more than they tap: "both", "just the one", "it came cracked", "just
the money", "the blue one". Each function here reads one kind of answer and returns the
value the matching button would carry, or None; a None never becomes a guess, the step
asks again with its buttons. The functions are framework-free and pure, so the flows,
the benchmark (`tests/bench/steps.py`) and an LLM fallback can share them.

Typos are forgiven word by word: a word that is not in a step's vocabulary but is
within a small edit of one of its words ("brokn", "retrun", "twoo") reads as that word.

Spanish answers are read by the same functions (accents folded, so "sí" is "si" and
"llegó dañado" is "llego danado"): "dos", "ambos", "todo"; "sí", "vale", "claro";
"roto", "llegó dañado", "talla equivocada", "no llegó"; "solo el dinero", "cambiarlo";
"listo", "omitir". Each pattern lists the Spanish after the English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import cache
from typing import Literal

from bot.domain.enums import ClaimReason, ClaimType
from bot.domain.language_detect import fold
from bot.domain.words import FUNCTION_WORDS
from bot.understanding.learned import learned

Quantity = int | Literal["all"]
ALL: Literal["all"] = "all"

# ---------------------------------------------------------------- words


_KEYCAP = re.compile(r"([0-9])\ufe0f?\u20e3")


def words(text: str) -> list[str]:
    """Lower-case words: apostrophes dropped ("don't" → "dont"), digits split from
    letters ("2x" → "2 x", "x2" → "x 2"), punctuation and emoji gone, accents
    folded ("sí" → "si"); keycap emoji digits ("3️⃣") read as digits."""
    text = _KEYCAP.sub(r" \1 ", text)
    text = fold(text).replace("’", "").replace("‘", "").replace("'", "")
    text = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", text)
    return re.findall(r"[a-z]+|\d+", text)


def _close(a: str, b: str) -> bool:
    """One typo apart: a word of 4+ letters within about one edit of a known word."""
    if len(a) < 4 or len(b) < 3 or a[0] != b[0]:
        return False
    if abs(len(a) - len(b)) > (2 if min(len(a), len(b)) >= 7 else 1):
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.8


@cache
def _vocabulary(known: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(known))


def corrected(tokens: Iterable[str], known: frozenset[str]) -> list[str]:
    """The words with typos of `known` words replaced by them. A function word is
    never a typo ("does" is not Spanish "dos", two)."""
    out: list[str] = []
    vocab = _vocabulary(known)
    for token in tokens:
        if token in known or token.isdigit() or token in FUNCTION_WORDS:
            out.append(token)
            continue
        best = max(
            (w for w in vocab if _close(token, w)),
            key=lambda w: SequenceMatcher(None, token, w).ratio(),
            default=None,
        )
        out.append(best or token)
    return out


def _has(said: str, pattern: str) -> bool:
    return re.search(rf"\b(?:{pattern})\b", said) is not None


# ------------------------------------------------------------- quantities

_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "single": 1,
    "two": 2,
    "couple": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    # Spanish ("un" is left out: it is the article, "un par" is not one).
    "cero": 0,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "docena": 12,
    # A few words of the languages buyers mix into English ("dalawa lang po", "só uma",
    # "mbili"); "do" (Hindi two) and "um" are English words, left out.
    "isa": 1,
    "dalawa": 2,
    "tatlo": 3,
    "ek": 1,
    "uma": 1,
    "duas": 2,
    "dois": 2,
    "moja": 1,
    "mbili": 2,
}
_ALL_WORDS = {
    "all",
    "full",
    "both",
    "everything",
    "every",
    "each",
    "whole",
    "entire",
    "pair",
    "lot",
    # Spanish: "todo", "todos", "ambos", "el par"
    "todo",
    "todos",
    "todas",
    "ambos",
    "ambas",
    "par",
    "completo",
    "lahat",  # Tagalog
    "dono",  # Hindi: both
    "zote",  # Swahili
}
_NONE_WORDS = {"none", "nothing", "nope", "non", "ninguno", "ninguna", "nada"}
_NUMBER_ALTERNATION = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# Words that look like a number word but are none ("the blue ones").
_NOT_NUMBERS = {"ones"}
# A number after these is not the answer: "the other two are fine", "every last one".
_NOT_THE_COUNT = {
    "other", "every", "each", "last", "first", "second", "third", "keeping", "keep", "single",
}  # fmt: skip
# A number before these is a time or a pack, not how many: "ordered 2 weeks ago", "a box
# of 6", "llegó 3 días tarde".
_NOT_A_COUNT_AFTER = frozenset(
    """
    day days week weeks wk wks month months hour hours hr hrs min mins minute minutes year
    years yr yrs dia dias semana semanas mes meses hora horas pm am
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_PACKS = frozenset("box pack set bundle case carton caja paquete".split())  # noqa: SIM905
# Numbers as voice typing hears them ("to pls", "just won", "return for of them"): "won"
# and "sicks" always; "to", "too", "for", "tree" only alone (with a please or an um) or
# before "of", where nothing else can be meant.
_HEARD_ALWAYS = {"won": "one", "sicks": "six"}
_HEARD_ALONE = {"to": "two", "too": "two", "for": "four", "fore": "four", "tree": "three"}
_AROUND_A_COUNT = frozenset(
    """
    pls plz please just only um uh like so yeah ok okay lol the them those these
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_QUANTITY_WORDS = frozenset({*_NUMBER_WORDS, *_ALL_WORDS, *_NONE_WORDS, *_NOT_NUMBERS})
MAX_QUANTITY = 999  # a longer number is an order, tracking or phone number, not a count


def read_quantity(text: str) -> Quantity | None:
    """How many: an integer (0 = none), "all" for every unit ("both", "all of them"),
    or None. Two different numbers ("1 or 2") are not one answer, except "N (out) of
    M" ("2 out of 3", "two of the three mugs": N); a number after "other" or
    "keeping" names what is kept ("one only, the other two are fine" is 1), and "every
    (last) one" is all of them."""
    tokens = _numbers_as_heard(corrected(words(text), _QUANTITY_WORDS))
    said = " ".join(tokens)
    if _has(
        said,
        r"not\s+any|no\s+(?:items?|units?|pieces?)|not\s+(?:a\s+)?single|no\s+need\s+to\s+\w+\s+any|"
        r"ek\s+bhi\s+nahi|koi\s+(?:bhi\s+)?nahi",  # Hindi: "not even one", "none"
    ):
        return 0
    if _asks(text, tokens, _WH_WORDS):
        return None  # "what is the price of each?" asks, it does not answer
    if _has(said, r"(?:all|everything|todos|todas|todo)\s+(?:but|except|minus|excepto|menos)"):
        return None  # "all but 2": how many is left to count
    if _has(said, r"un\s+par"):
        return 2  # Spanish "a couple"; "el par", the pair, is all of it
    said = re.sub(r"\bthanks?\s+for\s+nothing\b", " ", said)  # an idiom, not "none"
    tokens = said.split()
    part = re.search(
        rf"\b(\d+|{_NUMBER_ALTERNATION})\s+(?:(?:out\s+)?of|de)\s+(?:the\s+|them\s+|las\s+|los\s+)?"
        rf"(?:\d+|{_NUMBER_ALTERNATION})\b",
        said,
    )
    if part:  # "2 out of 3", "two of the three mugs": the first is the answer
        first = part.group(1)
        return int(first) if first.isdigit() else _NUMBER_WORDS[first]
    numbers: set[int] = set()
    for at, token in enumerate(tokens):
        before = tokens[at - 1] if at else ""
        after = tokens[at + 1] if at + 1 < len(tokens) else ""
        if before in _NOT_THE_COUNT or after in _NOT_A_COUNT_AFTER:
            continue
        if before == "of" and at > 1 and tokens[at - 2] in _PACKS:
            continue
        if token.isdigit():
            if len(token) > 3:
                return None
            numbers.add(int(token))
        elif token in _NUMBER_WORDS:
            numbers.add(_NUMBER_WORDS[token])
    if len(numbers) == 1:
        return numbers.pop()
    if numbers:
        return None
    # "all of them, none works": the first of the two is the answer.
    for token in tokens:
        if token in _NONE_WORDS:
            return 0
        if token in _ALL_WORDS:
            return ALL
    return None


def _numbers_as_heard(tokens: list[str]) -> list[str]:
    """Number words as voice typing writes them, put right (see `_HEARD_ALWAYS`)."""
    alone = all(t in _AROUND_A_COUNT or t in _HEARD_ALONE for t in tokens)
    out = []
    for at, token in enumerate(tokens):
        after = tokens[at + 1] if at + 1 < len(tokens) else ""
        if token in _HEARD_ALWAYS:
            token = _HEARD_ALWAYS[token]
        elif token in _HEARD_ALONE and (alone or after == "of"):
            token = _HEARD_ALONE[token]
        out.append(token)
    return out


# Of the words for "all", those that name every item even in a first message ("I want
# to return both items"): "full", "whole", "each" there say something else ("a full
# refund", "the whole thing is broken").
_EVERY_ITEM_WORDS = frozenset({"both", "everything", "ambos", "ambas", "todos", "todas"})


def says_every_item(text: str) -> bool:
    """A whole request that names every item without naming one: "return both items",
    "I want to send everything back"."""
    tokens = corrected(words(text), _QUANTITY_WORDS)
    return read_quantity(text) == ALL and any(t in _EVERY_ITEM_WORDS for t in tokens)


def quantity(text: str, most: int) -> int | None:
    """How many of an item of which `most` may be claimed: "all"/"both" is `most`,
    more than `most` is not an answer (the step says the range)."""
    read = read_quantity(text)
    if read == ALL:
        return most
    if read is None or read > most:
        return None
    return read


# ------------------------------------------------------------------ yes/no

_YES_EMOJI = ("👍", "✅", "✔", "👌", "🆗", "🙆", "🙏")
_NO_EMOJI = ("👎", "❌", "✖", "🚫", "🙅", "⛔")
_NO = (
    r"n+o+|n+a+h+|naw|nope|n|nay|negative|nein|non|go\s+back|keep\s+it|not|dont|do\s+not|never|wrong|incorrect|"
    r"rather\s+not|no\s+way|cancel|stop|discard|"
    # Spanish ("no" is above): "nel", "para nada", "mejor no", "cancelar", "todavia no"
    r"nel|na|nones|nop|nopo|ni\s+en\s+pedo|ni\s+loco|dejalo\s+asi|me\s+lo\s+quedo|para\s+nada|de\s+ninguna\s+manera|cancela\w*|anula\w*|incorrecto|tampoco|"
    r"nunca|mejor\s+no|descartar(?:la|lo)?|"
    # Hindi, Portuguese ("não", folded), Swahili, Tagalog ("hindi po")
    r"nahi|nahin|nao|hapana|hindi\s+po"
)
_YES = (
    r"y+e+s+|y+e+a+h*|y+a+|yep|yup|y|k+|ok+|okay|okey|sure|correct|right|confirm(?:ed)?|"
    r"absolutely|definitely|certainly|of\s+course|course|obviously|righto|defo|ja|oui|evet|affirmative|please\s+do|do\s+it|go\s+ahead|go|"
    r"sounds\s+good|looks\s+(?:good|right|fine)|all\s+good|fine|good|perfect|great|"
    r"submit(?:\s+it)?|send(?:\s+it)?|agreed?|yes+\s+please|proceed|alright|aye|spot\s+on|"
    # Spanish: "sí", "vale", "claro", "dale", "de acuerdo", "confirmo", "envíalo"
    r"s+i+|sip|simon|claro(?:\s+que\s+si)?|vale|dale|va|sale|de\s+acuerdo|por\s+supuesto|"
    r"correcto|confirm[oa]r?|adelante|perfecto|bien|esta\s+bien|enviar(?:lo)?|envialo|"
    r"mandalo|hazlo|listo|exacto|eso\s+es|de\s+una|"
    # Mexico and around: "órale", "ándale", "hágale", "obvio", "sisi"
    r"orale|andale|hagale|obvio|afirmativo|(?:si){2,}|"
    # typed fast: "ofc", "def", "yesyes", "conferm"
    r"ofc|def|(?:yes){2,}|conf[ie]rm\w*|yse|ys|ye|yas|"
    # Hindi ("haan ji"), Tagalog ("opo", "oo", "sige"), Portuguese ("sim"), Swahili
    r"haan|han\s+ji|opo|oo|sige|sim|ndiyo|ndio"
)


# Yes although they hold a "no": "no problem", "why not", "¿por qué no?", "sin problema".
_YES_PHRASES = r"no\s+problem|not\s+a\s+problem|why\s+not|no\s+doubt|por\s+que\s+no|sin\s+problema"


# A message with "?" that starts with one of these asks rather than answers ("what is
# the price of each?", "¿cuánto tarda?"); "could I exchange it?" is a request, so the
# steps that take requests (quantity, claim type) look only at these.
_WH_WORDS = frozenset(
    [
        "what",
        "whats",
        "how",
        "hows",
        "why",
        "when",
        "whens",
        "where",
        "wheres",
        "which",
        "who",
        "q",
        "que",
        "cual",
        "cuanto",
        "cuanta",
        "cuantos",
        "cuantas",
        "donde",
        "cuando",
    ]
)
# Hindi and Tagalog put the question word anywhere ("refund ka paisa kab tak aayega?",
# "ano po mangyayari pag yes?").
_QUESTION_WORDS_ANYWHERE = frozenset(
    ["kab", "kaise", "kyun", "kitna", "kitne", "ano", "paano", "bakit", "kailan"]
)
# For a yes/no question, "could", "if", "does"... ask too ("if I say yes do I still get
# my money back?").
_QUESTION_WORDS = _WH_WORDS | frozenset(
    ["como", "if", "could", "would", "should", "will", "after", "before", "does", "is", "are"]
)


def _asks(text: str, tokens: list[str], question_words: frozenset[str]) -> bool:
    """A question, not an answer: a "?" and one of `question_words` among the first
    three words ("what is the price of each?", "y cuanto tarda?"), or a Hindi or Tagalog
    one anywhere."""
    return "?" in text and bool(
        set(tokens[:3]) & question_words or set(tokens) & _QUESTION_WORDS_ANYWHERE
    )


# The English question words that ask even without a "?" ("what counts as damaged").
# Words said before a question that do not change it ("hmm what's…", "wait how…").
_FILLERS = frozenset(
    ["wait", "hmm", "hm", "um", "umm", "uh", "btw", "actually", "sorry", "hey", "oh", "ok", "okay"]
)
# With "'s" typed without its apostrophe ("wheres my money", "hows that work").
_WH_ASKING = frozenset(
    ["what", "whats", "how", "hows", "why", "when", "whens", "where", "wheres", "which", "who"]
)
_ASKING_FIRST = frozenset(["if", "do", "does", "is", "are", "will", "should"])


def _a_question(text: str, tokens: list[str]) -> bool:
    """Asked, with or without its "?": "what counts as damaged", "if I choose
    replacement how long does it take?" (a WH word or "if" first; "can I get a
    replacement?" is a request, and answers)."""
    while tokens and tokens[0] in _FILLERS:  # "wait what's your return policy"
        tokens = tokens[1:]
    if len(tokens) < 3:
        return False
    # Spanish "que"/"q" starts requests too ("q me manden otra"): only with its "?";
    # "can I…?" and "could you…?" are requests, so they are not among these.
    return tokens[0] in _WH_ASKING or ("?" in text and tokens[0] in _ASKING_FIRST)


def asks_outright(text: str) -> bool:
    """Put as a question by its first word ("what…", "how…", "is it…?"), not a
    request that ends in "?" ("can I get a replacement?")."""
    return _a_question(text, words(text))


_UNDECIDED = (
    r"not\s+sure|unsure|dont\s+know|idk|no\s+idea|difference|how\s+long|how\s+much|"
    r"no\s+se|no\s+estoy\s+segur[oa]"
)
_YES_FIRST = r"y+e+s+|yse|y+e+a+h*|yep|yup|sure|affirmative|si|s+i+|(?:si){2,}|claro|vale"


# A question typed without its "?" (by voice, or in a hurry): these first words ask.
_ASKS_WITHOUT_MARK = (
    rf"^(?:{'|'.join(sorted(_WH_ASKING))}|is\s+it|is\s+there|does\s+it|do\s+i|"
    r"will\s+it|will\s+i|can\s+i\s+still|que|como|cuanto|cuando|donde)\b"
)


# Longer than this, a message is a yes or a no to an offer only when it starts with one
# ("no, it's about my other order"): "thats not fair i never used it" says "never" and
# is no "no" to "Send this to the seller?"; it is a message of its own.
OFFER_ANSWER_WORDS = 4


def answer_to_an_offer(text: str) -> bool | None:
    """Yes or no to an offer the bot made about something typed or decided ("Send this
    to the seller as your answer?", "To appeal R…, tap below"), else None: the text is
    a message of its own, read as any other."""
    said = text.split()
    if len(said) > OFFER_ANSWER_WORDS and yes_no(said[0]) is None:
        return None
    return yes_no(text)


def yes_no(text: str) -> bool | None:
    """Yes or no: "yeah go ahead", "👍", "nope not yet", "I'd rather not"."""
    raw = text.strip()
    if raw and any(e in raw for e in _NO_EMOJI):
        return False
    tokens = words(text)
    if tokens and tokens[0] == "know":
        tokens[0] = "no"  # "know thanks": "no" as voice typing hears it
    if not tokens:
        return True if any(e in raw for e in _YES_EMOJI) else None
    said = " ".join(tokens)
    asks = (
        _asks(raw, tokens, _QUESTION_WORDS)
        or ("?" in raw and _has(said, r"^y\s+si"))
        # Spanish opens a question with "¿": "¿todavía puedo cancelar?" was a no
        # ("todavía"), "¿ya es tarde para cancelar?" a yes ("ya")
        or (raw.startswith("¿") and len(tokens) > 1)
        or (len(tokens) > 2 and _has(said, _ASKS_WITHOUT_MARK))
    )
    if len(tokens) <= LONG_ANSWER:
        if _has(said, _YES_PHRASES):
            return True
        if asks or _has(said, _UNDECIDED):
            return None  # "what happens if I press yes?" asks, "not sure" does not answer
        if _has(tokens[0], _YES_FIRST) and not _has(said, _YEAH_NAH):
            return True  # "yes cancel it": the answer comes first, what follows repeats it
        return _verdict(said, raw)
    # In a longer message the answer is said first ("ok go ahead and send it") or last
    # ("I think that is correct, yes"); a yes or a no in between belongs to a sentence
    # of its own: "it was in the box the whole time, i can send pictures" (its "send")
    # filed a return at its summary, and "it was a gift, i can send it to her later"
    # cancelled an order.
    head = " ".join(tokens[:HEAD_WORDS])
    if _has(head, _YES_PHRASES):
        return True
    if asks or _has(said, _UNDECIDED):
        return None
    first = _verdict(head, raw)
    if _has(tokens[0], _YES_FIRST) and not _has(head, _YEAH_NAH):
        first = True
    last = _verdict(" ".join(_last_clause(raw)), "")
    if first is None or last is None or first == last:
        return first if first is not None else last
    return None  # "yes … no": both said, neither taken


_YEAH_NAH = r"y+e+a+h*\s+n+a+h+"


def _verdict(scope: str, raw: str) -> bool | None:
    """Yes or no in these words (and a thumbs up in `raw`)."""
    if _has(scope, _YEAH_NAH):
        return False  # "yeah nah": no, in Australia and New Zealand
    if _has(scope, _NO):
        return False
    if _has(scope, _YES) or any(e in raw for e in _YES_EMOJI):
        return True
    return None


def _last_clause(raw: str) -> list[str]:
    """The words after a long message's last comma or full stop, when they are a short
    answer ("…the 14th, yes", "That is it, yes indeed"), or its last word alone when it
    is a bare yes or no ("I think that is correct yes"); [] otherwise."""
    clause = words(re.split(r"[,.;!:]", raw.rstrip(" ,.;!:"))[-1])
    if 0 < len(clause) <= HEAD_WORDS and clause != words(raw):
        return clause
    tokens = words(raw)
    return tokens[-1:] if tokens and tokens[-1] in _BARE_ANSWERS else []


_BARE_ANSWERS = frozenset({"yes", "yep", "yeah", "no", "nope", "si", "sí"})


# Longer than LONG_ANSWER words, a message answers yes or no only in its first
# HEAD_WORDS words.
LONG_ANSWER = 4
HEAD_WORDS = 3


# ----------------------------------------------------------- return reason

# In order: the first that matches wins, so the specific comes before the general
# ("wrong size" before "wrong", "never arrived" before "arrived broken").
# A parcel that reached someone else: "stolen from my porch", "delivered to the wrong
# address", "the driver gave my parcel to the wrong neighbour", "me lo robaron".
WENT_ASTRAY = (
    r"\b(?:stolen|stole|nicked|swiped|robad[oa]|robaron|robo)\b|"
    r"(?:delivered|left|dropped(?:\s+off)?|given|handed|gave)\s+"
    r"(?:it\s+|them\s+|(?:my|the)\s+\w+\s+)?(?:to|at)\s+(?:the\s+|a\s+)?"
    r"(?:wrong|another|different|someone\s+elses)\s+(?:address|house|door|person|building|flat|"
    r"apartment|porch|neighbou?r)|entregad[oa]\s+en\s+(?:otra|la\s+direccion\s+equivocada)"
)

_REASONS: tuple[tuple[ClaimReason, str], ...] = (
    (
        ClaimReason.NOT_RECEIVED,
        r"never\s+(?:arrived|came|got|received|showed|turned|delivered|reached)|"
        r"(?:not|didnt|did\s+not|havent|have\s+not|hasnt|has\s+not|wasnt|was\s+not|dont|do\s+not)"
        r"\s+(?:yet\s+)?(?:received?|arrived?|come|came|get|got|delivered)(?!\s+(?:the\s+)?(?:right|correct))|"
        r"(?:parcel|package|order|it)\s+(?:is\s+|was\s+|got\s+)?lost|lost\s+(?:in\s+)?(?:the\s+)?(?:post|mail|transit)|"
        r"not\s+(?:yet\s+)?reached|(?:didnt|did\s+not|hasnt|has\s+not)\s+reach\w*|"
        r"not\s+here|nowhere|no\s+sign\s+of|never\s+got|not\s+delivered|didnt\s+arrive|not\s+arrived|"
        r"(?:nunca|no)\s+(?:me\s+)?(?:ha\s+|han\s+)?(?:llego|llegaron|llegado|recibi|recibido|entregaron)"
        r"|(?:se\s+)?perdi(?:o|do)|extraviado|no\s+lo\s+(?:tengo|recibi)|"
        r"never\s+(?:been\s+)?(?:scanned|shipped|dispatched|sent\s+out)|"
        # Portuguese ("não chegou", folded), Tagalog, Swahili
        r"nao\s+(?:chegou|recebi|veio)|hindi\s+(?:pa\s+)?dumating|haijafika|hazijafika|"
        # "says delivered but there's nowt here", "item never reach me"
        r"(?:says|said|shows|showing|marked)\s+(?:as\s+)?delivered\s+but|never\s+reach\w*|"
        + WENT_ASTRAY,
    ),
    (
        ClaimReason.MISSING_ITEM,
        r"missing|(?:wasnt|was\s+not|isnt|is\s+not|werent|not)\s+in\s+the\s+(?:box|parcel|package)|"
        r"not\s+included|only\s+(?:got|received|came\s+with)\s+\d+\s+(?:of|out\s+of)|"
        # "i only got half my order", "got only part of it"
        r"(?:only\s+(?:got|received)|(?:got|received)\s+only)\s+(?:half|part|some)\b|"
        r"(?:half|part)\s+of\s+(?:the\s+)?order|incomplete|(?:empty)\s+(?:box|parcel|package)|"
        r"falta\w*|incomplet[oa]|caja\s+vacia|no\s+venia|no\s+(?:estaba|venia)\s+en\s+(?:la\s+)?caja|"
        r"(?:not|wasnt|was\s+not|werent|isnt)\s+inside|nothing\s+inside|"
        r"only\s+(?:got|received|came\s+with)\s+(?:one|two|to|too|three|four|for|won)\s+(?:of|out\s+of)|"
        # "charger not there in box"; Tagalog "kulang", "wala yung remote"
        r"not\s+there\s+in\s+(?:the\s+)?(?:box|parcel|package)|kulang|wala\s+(?:yung|ang|po\s+yung)",
    ),
    (
        ClaimReason.WRONG_ITEM,
        r"(?:sent|got|received|gave)\s+(?:me\s+)?(?:a\s+|the\s+)?(?:size|colou?r|model)\s+\w+|"
        r"ordered\s+\w+(?:\s+\w+)?\s+(?:and|but)\s+(?:got|received)|"
        # not "a different colour than the picture": the listing's, not the order's
        # nor "exchange it for a different colour", "i want another colour": a wish
        r"(?<!for\sa\s)(?<!to\sa\s)(?<!want\sa\s)(?<!like\sa\s)(?<!need\sa\s)(?<!for\s)(?<!want\s)"
        r"(?:different|another)\s+(?:model|colou?r|product|item|version)(?!\s+(?:than|from|to)\s+"
        r"(?:(?:in|on)\s+)?(?:the\s+)?(?:pictures?|photos?|pics?|images?|listing|description|ads?|advert|"
        r"website|site|page))(?:\s+than)?|"
        r"w?rong\s+(?:item|one|colou?r|model|product|thing|version|parcel|order)|errad[oa]|"
        r"not\s+what\s+i\s+(?:ordered|bought|paid\s+for)|not\s+my\s+order|sent\s+the\s+wrong|"
        r"(?:producto|articulo|modelo|color)\s+(?:equivocado|incorrecto|distinto|diferente)|"
        r"(?:otro|otra)\s+(?:modelo|color|producto|articulo|cosa)|no\s+es\s+lo\s+que\s+pedi|"
        r"(?:me\s+)?(?:mandaron|enviaron)\s+(?:la\s+|el\s+)?(?:talla|color|modelo)\s+\w+|"
        # "me llegó mal la talla": the wrong size sent, not a damaged parcel
        r"(?:llego|llegaron|vino|vinieron|mandaron|enviaron)\s+mal\s+(?:la\s+talla|el\s+(?:color|modelo|tamano))|"
        # Tagalog: "mali po yung kulay" (the colour is wrong)
        r"\bmali\b",
    ),
    (
        ClaimReason.NOT_AS_DESCRIBED,
        r"wrong\s+size|(?:doesnt|does\s+not|dont|didnt|wont)\s+fit|not\s+fitting|too\s+(?:small|big|large|tight|"
        r"loose|short|long|narrow|wide)|photos?|pictures?|pics?|images?|description|described|"
        # "the item in the video looked different", "not like in the live stream"
        r"(?:in|on|from)\s+the\s+(?:videos?|vids?|live\s*stream)|"
        r"listing|advertised|fake|counterfeit|knock\s*off|(?:poor|bad|low|cheap)\s+(?:quality|material)|"
        # "way thinner than it looked online", "smaller than it seemed"
        r"than\s+(?:it\s+|they\s+)?(?:looked|looks|seemed|appeared|shown|pictured|advertised)|"
        r"looks?\s+nothing\s+like|see\s*through|"
        r"quality|cheap|flimsy|fad(?:ed|es|ing)|shrunk|shrank|pilling|not\s+(?:the\s+)?same\s+as|not\s+like\s+(?:the\s+)?(?:photo|picture|description|ad)|"
        r"talla\s+(?:equivocada|incorrecta)|no\s+me\s+(?:queda|quedan|sirve\s+la\s+talla)|"
        r"(?:muy|demasiado)\s+(?:pequen[oa]|grande|chic[oa]|corto|larg[oa]|apretad[oa])|"
        r"(?:me\s+)?queda\s+(?:pequen[oa]|grande|chic[oa])|foto|fotos|descripcion|falso|falsa|"
        r"mala\s+calidad|calidad|no\s+es\s+como\s+(?:en\s+)?(?:la\s+)?(?:foto|descripcion)|"
        r"no\s+(?:es|era)\s+(?:lo\s+que\s+esperaba|como\s+(?:esperaba|se\s+ve\w*|aparec\w*|sale|salia))|"
        # Tagalog: "hindi kasya" (it doesn't fit)
        r"kasya",
    ),
    (
        ClaimReason.DEFECTIVE,
        r"(?:doesnt|does\s+not|dont|didnt|wont|will\s+not|cant|isnt|not|stopped|stops|stop|no\s+longer)\s+"
        r"(?:work|working|turn\s+on|turning\s+on|switch\s+on|switching\s+on|power\s+on|powering\s+on|"
        r"start|charge|charging|load|connect|"
        r"boot|function|functioning)|faulty|defective|defect|malfunction\w*|dead|broken\s+down|"
        r"keeps?\s+(?:turning|switching|shutting|cutting)\s+off|(?:turns|switches|shuts)\s+off|"
        r"glitch\w*|buggy|wont\s+\w+\s+on|stopped|dud|"
        # "the knife is already dull", "went blunt after a week"
        r"(?:already|went|gone|going|got|getting|is|so|really|very|totally)\s+(?:dull|blunt)\b|"
        r"no\s+(?:funciona|enciende|carga|prende|arranca|conecta)|"
        r"defectuos[oa]|defecto|averiad[oa]|falla|fallo|(?:dejo|deja)\s+de\s+(?:funciona\w*|andar|servir)|"
        # "no sirve" (it is useless), not "no me sirve" (it does not suit me)
        r"(?<!me\s)no\s+(?:sirve|anda)|"
        # Hindi ("kharab", "chalu nahi"), Portuguese, Tagalog ("sira", "ayaw gumana"), Swahili
        r"kharab|chalu\s+(?:hi\s+)?nahi|nao\s+(?:funciona|liga|carrega)|sira|"
        r"(?:hindi|ayaw)\s+gumagana|ayaw\s+gumana|haifanyi\s+kazi|imeharibika|"
        r"sparks?|smok(?:es|ing)|burn(?:ing|s|t)\s+smell|smells?\s+(?:of\s+|like\s+)?burn\w*|"
        # "fan is not on-ing" (Nigerian English), "e no dey work" (Pidgin)
        r"not\s+on\s*ing|no\s+dey\s+work|"
        # "the lamp flickers", "the kettle buzzes", "the charger overheats", "parpadea"
        r"flicker(?:s|ing|ed)?|buzz(?:es|ing)|overheat\w*|parpadea\w*|se\s+calienta\w*",
    ),
    (
        ClaimReason.DAMAGED,
        r"broken?|break|broke|cracked|cracks?|smashed|shattered|crushed|dented|dents?|scratch\w*|"
        r"damaged?|snapped|torn|ripped|chipped|chips?|bent|leak\w*|squashed|stain\w*|dirty|burst|"
        r"in\s+pieces|split|"
        # "the handle fell off after one wash", "it came apart", "the colour ran"
        r"(?:fell|falls|falling|came|comes|coming)\s+(?:right\s+)?(?:off|apart|loose|undone|to\s+pieces)|"
        r"(?:colou?rs?|dye)\s+(?:ran|runs|run|bled|bleeds|bleeding)|"
        # what a textile or a surface shows: "a big stain on it", "a hole in the sleeve"
        r"(?:a|an|big|huge|small|little|some|with|has|have|had|got|black|brown|dark)\s+"
        r"(?:holes?|marks?|spots?)|mou?ldy?|mildew\w*|rust(?:y|ed|ing)?|discolou?r\w*|"
        r"frayed|peel(?:ing|ed|s)|(?:soaking\s+|all\s+)?wet|soaked|water\s+damage\w*|"
        r"rot[oa]s?|danad[oa]s?|dano|rajad[oa]|rayad[oa]|golpead[oa]|aplastad[oa]|"
        r"manchad[oa]|sucio|sucia|abollad[oa]|quebrad[oa]|hecho\s+pedazos|astillad[oa]|"
        r"descosid[oa]|mojad[oa]|estropead[oa]|"
        # what it shows, as nouns: "vino con una mancha", "tiene un hoyo", "it has a tear"
        r"manchas?|hoyos?|agujer[oa]s?|rayon(?:es)?|golpes?|"
        r"(?:a|has|have|had|with|got)\s+(?:tears?|rips?)|"
        # "me llegó mal", "llegó en mal estado", "se rompió", "vino partida", "tiene una grieta"
        r"(?:llego|llegaron|vino|vinieron)\s+(?:todo\s+|toda\s+|muy\s+)?mal|en\s+mal\s+estado|"
        r"(?:se\s+(?:me\s+|le\s+)?)?(?:rompio|rompieron|quebro|partio|rajo)|partid[oa]s?|grietas?|rajadura|"
        # as voice typing hears "damaged"; Hindi, Tagalog, Portuguese, Swahili
        r"damn\s+aged|toota|tuta|tooti|tuti|basag|quebrou|amassad[oa]|imevunjika",
    ),
    (
        ClaimReason.NO_LONGER_NEEDED,
        r"changed?\s+(?:my\s+|me\s+)?mind|(?:dont|do\s+not|no\s+longer)\s+(?:need|want|like|love)|"
        r"not\s+needed|no\s+(?:more|longer)\s+(?:required|needed|wanted)|not\s+required|"
        r"(?:by|in)\s+(?:mistake|accident|error)|mistakenly|accidentally|"
        r"cheaper|better\s+(?:price|deal)|unwanted|not\s+for\s+me|didnt\s+like|dont\s+like|"
        r"no\s+longer\s+needed|(?:was\s+a\s+)?gift|dislike|"
        r"(?:me\s+)?arrepenti|cambie\s+de\s+opinion|ya\s+no\s+(?:lo\s+|la\s+)?(?:quiero|necesito)|"
        r"no\s+(?:me|le|nos)\s+gust[oa]|por\s+error|por\s+equivocacion|mas\s+barat[oa]|no\s+lo\s+necesito|regalo|"
        r"me\s+equivoque|nagbago\s+(?:ang\s+)?isip|"
        # ordered twice, or it came too late to be of use
        r"duplicate|ordered\s+(?:it\s+|this\s+|them\s+)?twice|double\s+order\w*|"
        r"(?:came|arrived|got\s+here|delivered)\s+(?:way\s+|much\s+|too\s+)?late|too\s+late|"
        r"after\s+the\s+(?:event|party|wedding|birthday|trip|holiday|date)|"
        r"pedido\s+duplicado|(?:lo\s+)?ped[ií]\s+dos\s+veces|(?:llego|llegaron|vino)\s+(?:muy\s+)?tarde",
    ),
)
_REASON_WORDS = frozenset(
    [
        "pedido",  # a word of the shop, not a typo of "perdido" (lost)
        "broken",
        "broke",
        "cracked",
        "smashed",
        "shattered",
        "crushed",
        "dented",
        "scratched",
        "damaged",
        "snapped",
        "defective",
        "faulty",
        "working",
        "switch",
        "turn",
        "charge",
        "missing",
        "included",
        "wrong",
        "different",
        "colour",
        "color",
        "model",
        "ordered",
        "described",
        "description",
        "pictures",
        "photos",
        "picture",
        "photo",
        "quality",
        "changed",
        "mistake",
        "accident",
        "needed",
        "arrived",
        "received",
        "delivered",
        "never",
        "package",
        "parcel",
        "lost",
        "cheaper",
        "listing",
        "advertised",
        "counterfeit",
        "chipped",
        "leaking",
        # Spanish
        "roto",
        "rota",
        "danado",
        "danada",
        "rayado",
        "defectuoso",
        "equivocada",
        "equivocado",
        "incorrecto",
        "llego",
        "recibi",
        "funciona",
        "talla",
        "falta",
        "perdido",
        "arrepenti",
        "manchado",
        "rompio",
        "estado",
        "sirve",
    ]
)


# Read only when no pattern above matches: the shape of a story rather than its words
# ("ordered a blue one, got pink", "only 2 in the box, paid for 3", "paket lost i
# think"), which a message that names a reason outright must not be taken for.
_STORIES: tuple[tuple[ClaimReason, str], ...] = (
    (
        ClaimReason.MISSING_ITEM,
        r"only\s+(?:\d+|one|two|three|four|five)\s+(?:\w+\s+)?(?:in|came|arrived|inside)|"
        r"only\s+(?:\d+|one|two|three|four)\s+(?:out\s+)?of\s+(?:the\s+)?(?:\d+|two|three|four|five)|"
        r"paid\s+for\s+(?:\d+|two|three|four|five)|where\s+is\s+(?:the\s+)?(?:other|rest|third|second|last)|"
        r"(?:one|two|\d+)\s+(?:short|less)|(?:solo\s+)?(?:vinieron|venian|llegaron)\s+(?:solo\s+)?\d+|"
        r"\d+\s+de\s+(?:las\s+|los\s+)?\d+",
    ),
    (
        ClaimReason.WRONG_ITEM,
        r"(?:ordered|order|inorder|bought|asked\s+for|paid\s+for)\b.*\b(?:got|received|sent|send|came|gave|"
        r"turned\s+up|showed\s+up|bring|brought|dumating)|"
        # "got the grey one not the navy"
        r"(?:got|received|sent\s+me|came\s+with)\s+(?:the\s+|a\s+)?\w+\s+(?:one\s+)?(?:not|instead\s+of)"
        r"\s+(?:the\s+|a\s+)?\w+|"
        r"(?:got|received|sent|send|came|gave)\b.*\b(?:ordered|order|bought|asked\s+for)|"
        r"not\s+my\s+(?:item|product|thing|stuff)|not\s+mine|(?:other|another)\s+(?:product|thing|item)|"
        r"pedi\b.*\b(?:llego|llegaron|mandaron|enviaron|vino)",
    ),
    (
        # Sold as new but used, or a smell the listing never mentioned: read only here,
        # so "I used it once and it broke" stays damaged and "smells burnt when on" faulty.
        ClaimReason.NOT_AS_DESCRIBED,
        r"(?:its|it\s+is|looks|was|came|arrived|is)\s+(?:already\s+)?used|already\s+used|"
        r"been\s+(?:used|worn)|second\s*hand|pre\s*owned|smells?|stinks?|odou?r|huele\s+mal|"
        r"(?:esta|vino|llego|parece)\s+usad[oa]",
    ),
    (
        ClaimReason.NOT_RECEIVED,
        r"lost|nothing\s+(?:came|arrived|has\s+(?:come|arrived))|still\s+waiting|never\s+showed",
    ),
    (
        ClaimReason.DEFECTIVE,
        r"(?:wont|doesnt|does\s+not|will\s+not|isnt|is\s+not|cant|not)\s+(?:even\s+)?"
        r"(?:heat|cool|play|spin|light|run|open|close|lock|pair|print|blend|cook|hold|read|respond|"
        r"cut|slice)\w*|"
        # "the handle is loose and wobbly", "the zipper is stuck", "it rattles inside",
        # "la pata está floja" (found in the demo: "type what's wrong")
        r"(?:is|are|came|come|comes|got|gets|feels|seems|so|very|really|all)\s+(?:\w+\s+)?loose|"
        r"wobbl\w*|rattl(?:es|ing)|(?:is|are|got|gets|keeps\s+getting)\s+stuck|jam(?:s|med|ming)\b|"
        r"(?:is|are)\s+uneven|unstable|floj[oa]s?|tambalea\w*|cojea|atascad[oa]|atorad[oa]|se\s+traba\w*",
    ),
)
# A question about the choices, not a choice: "what is the difference between damaged and
# defective?", "who pays the postage if I send it back?".
_ASKING = (
    r"difference|differen\w*\s+between|how\s+much|who\s+pays|do\s+i\s+(?:have\s+to\s+|need\s+to\s+)?pay|"
    r"what\s+(?:does|do)\s+\w+(?:\s+\w+)?\s+mean|which\s+(?:one\s+)?should\s+i|"
    r"cuanto\s+(?:sale|cuesta|tarda)|quien\s+paga|diferencia"
)


# A question about what the choices mean, at the step that offers them ("what's the
# difference", "which one should I pick", "no sé cuál me conviene"): answered with what
# each choice does, not with "type one of these".
_ABOUT_THE_CHOICES = (
    r"difference|differen\w*\s+between|what\s+(?:does|do)\s+\w+(?:\s+\w+){0,3}\s+mean|"
    r"which\s+(?:one\s+)?(?:should\s+i|do\s+i|is\s+(?:better|best))|which\s+is\s+which|"
    r"explain|not\s+sure|unsure|confused|what\s+(?:are|r)\s+(?:the|my)\s+(?:options|choices)|"
    r"what\s+should\s+i\s+(?:choose|pick|do|go\s+for)|what\s+do\s+you\s+(?:suggest|recommend)|"
    r"help\s+me\s+(?:choose|decide|pick)|(?:whats|what\s+is)\s+(?:a\s+)?(?:refund\s+only|replacement|"
    r"return\s+and\s+refund)|"
    r"diferencia|no\s+se\s+cual|cual\s+(?:me\s+conviene|es\s+mejor|elijo|escojo)|que\s+significa|"
    r"no\s+entiendo|explica\w*|que\s+me\s+recomienda\w*"
)


def asks_about_the_choices(text: str) -> bool:
    """The buyer asks what the offered choices mean, rather than choosing."""
    return _has(" ".join(words(text)), _ABOUT_THE_CHOICES)


# Photos as evidence ("can i add another photo", "i can send pictures", "puedo mandar
# otra foto"), not as the listing's photos the item does not match ("not like the
# photos"): taken out before the reasons are read, or a photo offered reads as "not
# as described".
_PHOTOS_AS_EVIDENCE = re.compile(
    r"\b(?:(?:add|adding|send|sending|attach|upload|take|took|taken|share|show|have|got|see|look\s+at|"
    r"mandar|mando|enviar|envio|agregar|anadir|subir|adjuntar|tengo|tome)\s+(?:\w+\s+){0,2}|"
    r"(?:another|more|some|a|otra|otras|mas|unas)\s+)"
    r"(?:photos?|pictures?|pics?|images?|fotos?)\b"
)


def return_reason(text: str) -> ClaimReason | None:
    """Why: "it arrived cracked" → DAMAGED, "wrong size" → NOT_AS_DESCRIBED (unless a
    different size than ordered was sent: WRONG_ITEM), "never arrived" → NOT_RECEIVED."""
    tokens = corrected(words(text), _REASON_WORDS)
    said = _PHOTOS_AS_EVIDENCE.sub(" ", " ".join(tokens)).strip()
    if not said or _has(said, _ASKING) or is_skip(text) or _a_question(text, tokens):
        return None  # "no photo" says what the buyer lacks, not what is wrong
    for reason, pattern in (*_REASONS, *_STORIES):
        if _has(said, pattern):
            return reason
    return None


# ------------------------------------------------------------- claim type

_REPLACE_EXPLICIT = (
    r"replace\w*|exchange\w*|swap\w*|new\s+one|another\s+one|send\s+(?:me\s+)?another|"
    # Hindi ("naya bhej do"), Tagalog ("palitan"), Portuguese ("trocar")
    r"naya|palit\w*|troca\w*|nyingine|fresh\s+(?:one|piece)|same\s+model|"
    r"cambi(?:o|arlo|arla|ar|en|ame|amelo|amela)\b|reemplaz\w*|sustitu\w*|otr[oa]\s+(?:nuev[oa]|igual)|uno\s+nuevo|"
    r"reposicion"
)
_REPLACE = (
    _REPLACE_EXPLICIT + r"|same\s+(?:item|one|thing)\s+again|working\s+one|right\s+one|"
    r"correct\s+one|instead|re\s*send|send\s+(?:me\s+)?(?:a\s+|the\s+)?(?:right|correct|proper)|"
    r"one\s+that\s+(?:\w+ly\s+)?(?:isnt|is\s+not|works|does)|change\s+(?:it\s+)?(?:to|for)|change\s+(?:it|the\s+\w+)$|"
    r"same\s+(?:item|product|thing)|otr[oa](?!\s+vez)|nuev[oa]|(?:uno|una)\s+que\s+(?:funcione|sirva|este\s+bien)"
)
_KEEP = (
    r"keep(?:ing)?|(?:dont|do\s+not|not|wont|without|no)\s+(?:want\s+to\s+|have\s+to\s+|need\s+to\s+)?"
    r"(?:send|post|ship|mail|return|give)\w*|no\s+return|refund\s+only|only\s+(?:the\s+)?(?:refund|money)|"
    r"(?:just|only)\s+(?:a\s+|the\s+|my\s+)?(?:refund|money)|money\s+only|"
    r"(?:me\s+lo\s+|me\s+la\s+)?quedo|quedarmelo|quedarmela|solo\s+(?:el\s+)?(?:reembolso|dinero)|"
    r"sin\s+devolver(?:lo|la)?|no\s+(?:quiero\s+)?(?:devolver|enviar|mandar)\w*|quedarme|lo\s+tiro|la\s+tiro|"
    r"no\s+vale\s+la\s+pena\s+(?:mandar|enviar|devolver)\w*|"
    r"not\s+worth\s+(?:the\s+)?(?:send|post|ship|mail|return)\w*|rakh\s+lu\w*|"
    # "can't be arsed sending it back", "no point returning it", "no need to pick up",
    # "I no go return am" (Pidgin)
    r"cant\s+be\s+\w+\s+(?:send|post|ship|mail|return)\w*|no\s+point\s+(?:in\s+)?(?:send|post|ship|"
    r"mail|return)\w*|no\s+need\s+(?:to\s+)?(?:pick|collect|send|post|return)\w*|no\s+go\s+(?:return|send)"
)
# "i just want the money back": only the money is wanted, so the item is kept; unless
# the same words offer it back ("you can have it back, just want the money").
_JUST_MONEY_WANTED = r"(?:just|only)\s+(?:want|need)\s+(?:a\s+|the\s+|my\s+|me\s+)?(?:refund|money)"
# Money in another form than a refund ("a discount instead", "store credit"): none of
# the three choices, so the step asks again rather than guessing.
_OTHER_MONEY = r"discount|store\s+credit|voucher|coupon|gift\s+card"
_SEND_BACK = (
    r"pick\s*up|collect\s+(?:it|them|the\s+\w+)|"
    r"(?:send|sending|post|posting|ship|shipping|mail|mailing|give|bring|drop|take|taking|courier)\s+"
    r"(?:it\s+|them\s+|the\s+(?:\w+\s+){1,2})?back|have\s+(?:it|them)\s+back|"
    r"return\w*|back\s+to\s+you|drop\s+(?:it|them)\s+(?:off|at)|post\s+office|send\s+it\b|"
    # Hindi "wapas le lo", Tagalog "ibabalik", Pidgin "carry am go", Swahili "mkichukua"
    r"wapas|ibabalik|ibalik|carry\s+am|chukua|"
    r"devolver\w*|devuelvo|devolucion|regresar\w*|(?:lo\s+|la\s+)?(?:envio|mando)\s+de\s+vuelta|"
    r"(?:se\s+)?(?:lo|la|los|las)\s+(?:mando|envio|regreso)|de\s+regreso"
)
_MONEY = (
    r"refund\w*|money|reimburse\w*|cash|credit|paisa|pesa|"
    r"reembols\w*|reintegr\w*|dinero|plata|guita|lana|abono"
)
_TYPE_WORDS = frozenset(
    [
        "replace",
        "replacement",
        "exchange",
        "swap",
        "refund",
        "return",
        "returning",
        "money",
        "keep",
        "send",
        "back",
        "another",
        "instead",
        "reembolso",
        "devolver",
        "dinero",
        "cambio",
        "quedo",
    ]
)


def learned_reason(text: str) -> ClaimReason | None:
    """A reason typed at the reason step in words no pattern of `return_reason` knows:
    the one the corpus's labelled reasons make most likely, when sure (`learned`).
    Asked only at the step, after the patterns and the button places, where a reason
    is what is asked: a first message or a note is read by the patterns alone, so no
    reason is guessed from a story."""
    value = learned("return_reason", text)
    return ClaimReason(value) if value is not None else None


def claim_type(text: str, *, strict: bool = False) -> ClaimType | None:
    """What the buyer wants: "just the money" → REFUND (they keep the item), "send it
    back for a refund" → RETURN_AND_REFUND, "exchange"/"replace" → REPLACEMENT.

    `strict`: the text is the buyer's first message ("I want to return the mug"), where
    "return" names the request, not a choice; only an explicit choice counts there."""
    tokens = corrected(words(text), _TYPE_WORDS)
    said = re.sub(r"\bret\s+urn", "return", " ".join(tokens))  # as voice typing splits it
    asked = _asks(text, tokens, _WH_WORDS) or _a_question(text, tokens)
    if not said or _has(said, _ASKING) or asked or _has(said, _OTHER_MONEY):
        return None  # a question about the choices is no choice
    replace = _REPLACE_EXPLICIT if strict else _REPLACE
    money = _has(said, _MONEY)
    # "instead" says the choice changes, not to what: "refund only instead" is a refund.
    if money or _has(said, _KEEP) or _has(said, _SEND_BACK):
        said_of_replacing = re.sub(r"\binstead\b", " ", said)
    else:
        said_of_replacing = said
    if _has(said_of_replacing, replace) and not _has(
        said, r"(?:no|not\s+a|dont\s+want\s+a)\s+replace\w*"
    ):
        return ClaimType.REPLACEMENT
    if _has(said, _KEEP) and (money or not strict):
        return ClaimType.REFUND
    if _has(said, _JUST_MONEY_WANTED) and not _has(said, _SEND_BACK):
        return ClaimType.REFUND
    if _has(said, _SEND_BACK):
        if not strict or money:
            return ClaimType.RETURN_AND_REFUND
        return None
    if money and not strict:
        return ClaimType.REFUND
    return None


# ------------------------------------------------------------ places in a list

_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    # Spanish, either gender, in words or as "1ro", "2da", "3er"
    "primero": 0,
    "primera": 0,
    "primer": 0,
    "segundo": 1,
    "segunda": 1,
    "tercero": 2,
    "tercera": 2,
    "tercer": 2,
    "cuarto": 3,
    "cuarta": 3,
    "quinto": 4,
    "quinta": 4,
    # Tagalog ("yung pangalawa po")
    "pangalawa": 1,
    "ikalawa": 1,
    "pangatlo": 2,
    "ikatlo": 2,
}
_LAST = frozenset({"last", "ultimo", "ultima", "bottom", "lowest"})
_TOP = frozenset({"top", "upper", "topmost"})
# A button named by its letter ("option b", "choice c"), as lists are often lettered.
_LETTERED = re.compile(r"\b(?:option|choice|button|opcion|letter)\s+([a-h])\b")
_FILLER = frozenset(
    [
        "the",
        "a",
        "an",
        "one",
        "ones",
        "please",
        "pls",
        "plz",
        "i",
        "id",
        "like",
        "want",
        "wanna",
        "to",
        "return",
        "send",
        "back",
        "it",
        "this",
        "that",
        "my",
        "item",
        "items",
        "of",
        "them",
        "just",
        "only",
        "and",
        "for",
        "with",
        "is",
        "was",
        "are",
        "product",
        "thing",
        # Spanish: articles and the words around an item's name ("quiero devolver la
        # taza", "solo el de la vela").
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "unos",
        "unas",
        "de",
        "del",
        "mi",
        "mis",
        "quiero",
        "devolver",
        "por",
        "favor",
        "solo",
        "ese",
        "esa",
        "este",
        "esta",
        "eso",
        "articulo",
        "producto",
        "cosa",
    ]
)

# Thinking aloud around a place ("top button I guess", "hmm the second one maybe").
_HEDGES = frozenset({"guess", "suppose", "maybe", "hmm", "um", "uh", "think", "probably", "then"})
# What a place in a list is said with ("option 2", "the 2nd choice", "la 1ra opción").
_PLACE_NOUNS = frozenset(
    {"one", "item", "no", "number", "numero", "opcion", "option", "choice", "button", "boton"}
)


def position(text: str, count: int) -> int | None:
    """An item named by its place in the list: "1", "the second one", "last"."""
    said = words(text)
    if (lettered := _LETTERED.search(" ".join(said))) is not None:
        index = ord(lettered.group(1)) - ord("a")
        return index if index < count else None
    tokens = [t for t in said if t not in _FILLER or t == "one"]
    tokens = [t for t in tokens if t not in _PLACE_NOUNS and t not in _HEDGES]
    joined = " ".join(tokens)
    joined = re.sub(r"\b(\d)\s+(st|nd|rd|th)\b", r"\1\2", joined)
    # Spanish "1ro", "2da", "3er", "4to" (`words` split them "2 da"): the digit's place.
    joined = re.sub(r"\b(\d)\s+(?:ro|ra|do|da|er|ero|era|to|ta|o)\b", r"\1", joined)
    if len(joined.split()) != 1:
        return None
    word = joined
    if word.isdigit():
        index = int(word) - 1
    elif word in _ORDINALS:
        index = _ORDINALS[word]
    elif word in _LAST:
        index = count - 1
    elif word in _TOP:
        index = 0
    elif word == "middle" and count % 2 == 1:
        index = count // 2
    else:
        return None
    return index if 0 <= index < count else None


# ------------------------------------------------------------- moving on

_DONE = (
    r"done|finished|continue|next|go\s+on|ready|ok(?:ay)?|"
    # "that's all", "that's all the pics", "that's it for photos", "those are all of them"
    r"(?:thats?|those\s+are|these\s+are)\s+(?:all|it|everything)(?:\s+(?:of\s+them|i\s+(?:have|got)|"
    r"(?:(?:for|of)\s+)?(?:the|my)?\s*(?:photos?|pics?|pictures?|images?)))?|"
    r"proceed|move\s+on|all\s+(?:done|sent)|thats\s+them|nothing\s+else|no\s+more|"
    r"listo|ya\s+(?:esta|estan)|eso\s+es\s+todo|es\s+todo|seguir|siguiente|continuar|"
    r"termine|ya|nada\s+mas|vale|lista|"
    # "ya son todas", "con eso es todo", "ya elegí", "sigamos", "solo esa"
    r"ya\s+(?:son|estan|esta)\s+(?:tod[oa]s?)|con\s+eso(?:\s+es\s+todo)?|ya\s+elegi|sigue|sigamos|"
    r"eso\s+(?:nomas|seria\s+todo)|seria\s+todo|solo\s+(?:esa|ese|eso|esos|esas)"
)
_SKIP = (
    r"skip(?:\s+(?:it|this|that|photos?|pictures?))?|no|nope|nah|none|nothing|no\s+thanks?|"
    r"n\s?a|no\s+(?:photos?|pictures?|pics?|images?|note|comment)|"
    r"(?:i\s+)?(?:dont|do\s+not|cant|didnt|did\s+not)\s+(?:have|take|got)\s+"
    r"(?:any(?:\s+(?:photos?|pictures?|pics?|images?))?|one|photos?|pictures?|pics?|images?|"
    r"a\s+(?:photo|picture|pic|camera))|"
    r"(?:i\s+)?(?:have\s+)?nothing\s+to\s+add|not\s+(?:needed|necessary)|no\s+need|"
    r"omitir|saltar|sin\s+(?:fotos?|nota|comentarios?)|no\s+tengo\s+(?:fotos?|nada)|nada|"
    r"no\s+gracias|ninguna|no\s+hace\s+falta|nada\s+que\s+(?:anadir|agregar)|"
    # "no hay nada que agregar", "nada más que decir", "no tengo nada más que añadir":
    # the Spanish "nothing to add", which was sent to the seller as the note itself.
    r"(?:no\s+(?:hay|tengo)\s+)?nada\s+(?:mas\s+)?(?:que|para)\s+(?:anadir|agregar|decir|comentar)|"
    r"nada\s+mas|nop|paso|no\s+tengo|ningun[oa]\s+(?:fotos?|nota|comentarios?)|"
    r"no\s+(?:tengo|tome|saque|hice)\s+(?:ninguna\s+)?(?:fotos?|nada)|todo\s+(?:bien|claro)"
)


_PICTURES = r"(?:photos?|pictures?|pics?|images?|videos?|fotos?|imagen\w*)"
_ADD_PICTURES = (
    rf"(?:can|could|may|should|shall|do)\s+i\s+(?:\w+\s+){{0,2}}"
    rf"(?:add|send|attach|upload|include|share|show)\s+(?:\w+\s+){{0,3}}{_PICTURES}|"
    rf"(?:want|need|would\s+like|like|have)\s+to\s+(?:add|send|attach|upload|show)\s+(?:\w+\s+){{0,3}}{_PICTURES}|"
    rf"do\s+you\s+(?:need|want)\s+(?:\w+\s+){{0,2}}{_PICTURES}|"
    rf"where\s+(?:do|can|should)\s+i\s+(?:send|put|add|upload|attach)\s+(?:\w+\s+){{0,2}}{_PICTURES}|"
    rf"(?:puedo|debo|tengo\s+que|quiero|se\s+puede)\s+(?:mandar|enviar|agregar|anadir|subir|adjuntar|poner)"
    rf"\s+(?:\w+\s+){{0,2}}{_PICTURES}|necesita[ns]?\s+(?:\w+\s+){{0,1}}{_PICTURES}"
)


def asks_to_add_photos(text: str) -> bool:
    """The buyer asks whether, or how, to send pictures ("can i add another photo", "do
    you need pictures?", "¿puedo mandar fotos?"): before the photos step, welcome
    them, not a step's "type what you'd like"."""
    return _has(" ".join(words(text)), _ADD_PICTURES)


# The note asked for in so many words: "can you add that it was only washed once",
# "please tell the seller the box was wet", "add a note: fragile", "dile que llegó
# mojado".  Found in the demo: "Add this as your note?", then the note read "can you
# add that it was only washed once".
_NOTE_ASKED = re.compile(
    r"^\s*(?:(?:can|could|would)\s+you\s+(?:please\s+)?|please\s+|pls\s+)?"
    r"(?:add|say|mention|write|tell\s+(?:them|the\s+seller|the\s+shop|him|her))"
    r"(?:\s+(?:a\s+note|to\s+the\s+note|in\s+the\s+note|for\s+me))?\s*(?:that\b|[:,-])?\s*"
    r"(?P<note>\S.*?)\s*\??\s*$|"
    r"^\s*(?:(?:puedes|podrias)\s+)?(?:dile|diles|decirle|agrega|anade|pon)(?:\s+(?:al\s+vendedor|una\s+nota))?"
    r"\s*(?:que\b|[:,-])?\s*(?P<nota>\S.*?)\s*\??\s*$",
    re.IGNORECASE,
)
_NOTE_WORDS_AT_LEAST = 3


def note_asked_for(text: str) -> str | None:
    """The note inside words that ask for it to be added ("can you add that it was
    only washed once" → "it was only washed once"), or None.  What is left must be a
    few words ("can you add a photo" asks for something else)."""
    found = _NOTE_ASKED.match(text)
    if found is None:
        return None
    note = found.group("note") or found.group("nota") or ""
    if len(words(note)) < _NOTE_WORDS_AT_LEAST or asks_to_add_photos(text):
        return None
    if _A_PICTURE.match(note):  # "can you add a photo of the box": a photo, not words
        return None
    return note


_A_PICTURE = re.compile(
    r"(?:an?\s+|some\s+|more\s+|another\s+|the\s+)?(?:photo|picture|pic|image|video|foto)s?\b",
    re.IGNORECASE,
)


# Words that say what a picture just sent shows: "that's the box", "this is the crack",
# "here's the packaging", "see the chip on the rim" (found in the demo: under "Add this
# photo to R…?", "that's the box" started a new return).  Short, not asked, not denied.
_SHOWS_IT = re.compile(
    r"^(?:(?:so|ok|okay|and|look)\s+)?(?:thats|that\s+is|this\s+is|these\s+are|those\s+are|heres|"
    r"here\s+is|here\s+are|theres|there\s+is|see|you\s+can\s+see|it\s+shows|shows|"
    r"esa\s+es|esta\s+es|esto\s+es|aqui\s+(?:esta|estan|se\s+ve)|ahi\s+(?:esta|se\s+ve))\b"
)
_DENIED = re.compile(
    r"\b(?:not|no|dont|isnt|wasnt|arent|wrong|never|nope|ridiculous|unacceptable|crazy|insane|"
    r"joke|terrible|awful|annoying|frustrating|bs|stupid)\b"
)
_SHOWS_IT_WORDS = 12


def shows_the_picture(text: str) -> bool:
    """Words that say what the photo just sent shows, not a message of their own."""
    said = " ".join(words(text))
    return (
        "?" not in text
        and 0 < len(said.split()) <= _SHOWS_IT_WORDS
        and _SHOWS_IT.search(said) is not None
        and _DENIED.search(said) is None
    )


# Words that come with something sent, not a yes to go on: "here you go", "there you
# go", "here it is", "attached", "sending now", "aquí está", "ahí van".
_HANDING_OVER = re.compile(
    r"\b(?:here|there)\s+(?:you\s+go|ya\s+go|it\s+is|they\s+are|are\s+the\w*|is\s+the\w*)|"
    r"\battached\b|\bsending\s+(?:now|them|it)\b|\b(?:aqui|ahi)\s+(?:esta|estan|va|van|tienes)\b"
)


# The buyer cannot take a photo at all: the item is gone ("i threw it away", "i don't
# have it anymore") or the camera is ("my camera is broken", "i can't take pictures");
# "lo tiré", "ya no lo tengo", "no puedo sacar fotos".  Found in the demo: at the photos
# step they got the step's prompt again.
_NO_PHOTO_POSSIBLE = re.compile(
    r"\b(?:"
    r"(?:threw|thrown|throw|tossed|binned|chucked)\s+(?:it|them|the\s+\w+)\s*(?:away|out)?|"
    r"(?:threw|thrown|tossed)\s+(?:away|out)|got\s+rid\s+of|in\s+the\s+(?:bin|trash|garbage)|"
    r"(?:dont|do\s+not|no\s+longer)\s+have\s+(?:it|them|the\s+\w+)\s+(?:any\s*more|now)|"
    r"no\s+longer\s+have\s+(?:it|them)|"
    r"(?:camera|phone)\s+(?:is\s+|s\s+)?(?:broken|broke|dead|not\s+working|doesnt\s+work|cracked)|"
    r"(?:no|without\s+a)\s+camera|"
    r"(?:cant|cannot|can\s+not|unable\s+to|not\s+able\s+to)\s+(?:take|send|upload|attach|get|make)\s+"
    r"(?:a\s+|any\s+|the\s+)?(?:photos?|pictures?|pics?|images?)|"
    r"(?:lo|la|los|las)\s+(?:tire|bote)|ya\s+no\s+(?:lo|la|los|las)\s+tengo|"
    r"no\s+puedo\s+(?:tomar|sacar|hacer|mandar|enviar|subir)\s+(?:\w+\s+)?fotos?|"
    r"(?:camara|telefono|celular|movil)\s+(?:esta\s+)?(?:rot[oa]|no\s+funciona)|sin\s+camara"
    r")\b"
)


# Whether photos are needed, asked at the photos step: "do i need to send photos if its
# just the wrong color", "are pictures required", "can i skip the photos", "¿hay que
# mandar fotos?".  Found in the demo: "send photos now, or type done".
_PHOTOS = r"(?:photos?|pictures?|pics?|images?|fotos?)"
_PHOTOS_NEEDED = re.compile(
    r"\b(?:"
    r"(?:do|must|should)\s+(?:i|we)\s+(?:really\s+|still\s+|even\s+)?(?:need|have)\s+to\s+"
    rf"(?:send|add|upload|take|include|attach)\s+(?:a\s+|any\s+|the\s+)?{_PHOTOS}|"
    rf"(?:do|does)\s+(?:it|the\s+seller|you)\s+(?:really\s+)?need\s+(?:a\s+|any\s+|the\s+)?{_PHOTOS}|"
    rf"(?:are|is)\s+(?:the\s+|a\s+)?{_PHOTOS}\s+(?:really\s+)?(?:needed|required|necessary|mandatory|a\s+must)|"
    rf"why\s+(?:do\s+(?:you|they)\s+need|are|is)\s+(?:a\s+|the\s+)?{_PHOTOS}|"
    rf"(?:can|could|may)\s+i\s+(?:skip|not\s+send|go\s+on\s+without)\s+(?:the\s+|any\s+)?{_PHOTOS}|"
    r"hay\s+que\s+(?:mandar|enviar|subir)\s+fotos?|(?:necesito|tengo\s+que)\s+(?:mandar|enviar|subir)\s+fotos?|"
    r"(?:las\s+)?fotos?\s+(?:son|es)\s+(?:necesari[ao]s?|obligatori[ao]s?)"
    r")"
)


def asks_if_photos_needed(text: str) -> bool:
    """The buyer asks whether the photos step can be skipped for their request."""
    return _PHOTOS_NEEDED.search(" ".join(words(text))) is not None


def cannot_take_photos(text: str) -> bool:
    """The buyer says no photo can be had: the item or the camera is gone."""
    return _NO_PHOTO_POSSIBLE.search(" ".join(words(text))) is not None


# The photos promised for later: "ill send them tomorrow", "can i send the pics later?",
# "i'll take some when i get home", "luego te las mando", "mañana las subo".  Found in
# the demo: at the photos step the first was read as a yes, and got "Please send at
# least one photo first".  The draft waits as it is, and says so.
_LATER = (
    r"(?:later|tomorrow|tonight|in\s+the\s+morning|this\s+evening|when\s+i\s*(?:get|m|am)\s+(?:home|back)|"
    r"after\s+work|in\s+a\s+(?:bit|while|few\s+hours)|soon)"
)
_SENT_LATER = re.compile(
    r"\b(?:ill|i\s+will|i\s+can|can\s+i|could\s+i|let\s+me|im\s+gonna|gonna|going\s+to|i\s+need\s+to|"
    r"is\s+it\s+ok\s+if\s+i|ok\s+if\s+i)\s+(?:\w+\s+){0,2}(?:send|take|upload|add|get|snap|do)\b"
    rf"(?:\s+\w+){{0,3}}\s+{_LATER}\b|"
    r"\b(?:luego|manana|despues|mas\s+tarde|al\s+rato|en\s+la\s+noche)\s+(?:te\s+|se\s+)?(?:las|los)?\s*"
    r"(?:mando|envio|subo|tomo|saco)\b|"
    r"\b(?:te\s+|se\s+)?(?:las|los)\s+(?:mando|envio|subo|tomo|saco)\s+(?:luego|manana|despues|mas\s+tarde|al\s+rato)\b|"
    rf"^(?:(?:ok|okay|um+|hmm+|not\s+now|no)\s+)*(?:{_LATER}|manana|luego|mas\s+tarde|despues)$"
)


def photos_later(text: str) -> bool:
    """The buyer will send the photos later (see above)."""
    return _SENT_LATER.search(" ".join(words(text))) is not None


# The faults a description names outright; "not as described" is left out, which a
# remark on the photos themselves ("sorry the photo is blurry") would be read as.
_FAULTS = frozenset(
    {ClaimReason.DAMAGED, ClaimReason.DEFECTIVE, ClaimReason.MISSING_ITEM, ClaimReason.WRONG_ITEM}
)


def describes_the_fault(text: str) -> bool:
    """At the photos step, words that tell the seller about the fault ("the chip is on
    the rim, hard to see in photos", "the crack is on the bottom"): not a question, and
    a fault named outright."""
    return not asks_something(text) and return_reason(text) in _FAULTS


def hands_something_over(text: str) -> bool:
    """ "here you go", "attached": said with a photo (which may still be on its way),
    not a yes to go on."""
    return _HANDING_OVER.search(" ".join(words(text))) is not None


def _only(text: str, pattern: str) -> bool:
    said = " ".join(words(text))
    filler = (
        r"(?:please|pls|thanks?|thank\s+you|ok(?:ay)?|just|so|i\s+think|im|its|for\s+now|now|"
        r"por\s+favor|porfa|gracias|vale|ya)"
    )
    return re.fullmatch(rf"(?:{filler}\s+)*(?:{pattern})(?:\s+{filler})*", said) is not None


def is_done(text: str) -> bool:
    """The buyer has finished this step: "done", "that's all", "continue"."""
    return _only(text, _DONE)


def is_skip(text: str) -> bool:
    """The buyer leaves an optional step out: "skip", "no", "no photos", "nothing to add";
    and a "no" said with it: "no, nada más", "nope thats it", "no, nothing else" (the
    first reached the seller as the request's note)."""
    if _only(text, _SKIP):
        return True
    first, *rest = words(text) or [""]
    return first in _A_NO and bool(rest) and _only(" ".join(rest), rf"{_SKIP}|{_DONE}")


_A_NO = frozenset({"no", "nope", "nah", "nop"})

_THANKS_ALONE = re.compile(
    r"(?:(?:ok|okay|oh|no|nope|great|perfect|cool)\s+)*(?:thanks?|thank\s+you|thankyou|thx|ty|tysm|"
    r"cheers|gracias|muchas\s+gracias|mil\s+gracias)(?:\s+(?:so\s+much|a\s+lot|again|you|anyway|tho))*"
)


def adds_nothing(text: str) -> bool:
    """Under "anything to add?" about a rating: a skip ("no", "nothing", "that's
    all") or thanks alone ("thanks", "ok thank you", "gracias"), which say there is
    no comment (found in the demo: "thanks" was kept as the comment)."""
    return is_skip(text) or is_done(text) or bool(_THANKS_ALONE.fullmatch(" ".join(words(text))))


# The words a question to the shop starts with ("how long does the refund take", "do
# you ship to Canada", "¿puedo cambiarlo?"), after an opening "and"/"so"/"y".
_ASKING_START = _QUESTION_WORDS | frozenset(
    [
        "do",
        "did",
        "can",
        "may",
        "am",
        "was",
        "were",
        "has",
        "have",
        "puedo",
        "puede",
        "pueden",
        "tienen",
    ]
)
_OPENERS = _FILLERS | frozenset(["and", "so", "also", "but", "y", "pero", "entonces"])


def asks_something(text: str) -> bool:
    """The message is put as a question: it ends with "?", or its first word (after
    an opening "and", "so", "y") is a question word.  At a free-text step (a return's
    note) that is a reason to check whether it was meant for the step at all."""
    if text.strip().rstrip(" )!.").endswith(("?", "？")):
        return True
    tokens = words(text)
    while tokens and tokens[0] in _OPENERS:
        tokens = tokens[1:]
    return bool(tokens) and tokens[0] in _ASKING_START


def a_question_to_keep(text: str) -> bool:
    """A question put to the shop, with enough words to answer ("how long does the
    refund take?"), at a step that takes a choice: kept and answered once the flow
    ends.  "what?" and "huh?" ask what the step means, and get its line again."""
    return asks_something(text) and len(words(text)) >= 3


# ------------------------------------------------- the summary before sending
#
# At the last check of a request ("Send it?") a "no" throws the draft away, photos and
# all, so only a plain "no" may do that.  A buyer who says what is wrong with the
# summary ("wrong reason", "no wait, I want a replacement instead", "change the
# photos") wants to change that part, and one who is not ready ("not yet", "hold on")
# wants the draft kept.

_NOT_YET = (
    r"not\s+yet|wait|hold\s+on|hang\s+on|one\s+(?:sec(?:ond)?|moment|min(?:ute)?)|"
    r"just\s+a\s+(?:sec(?:ond)?|moment|min(?:ute)?)|give\s+me\s+a\s+(?:sec(?:ond)?|moment|min(?:ute)?)|"
    r"later|not\s+(?:ready|now)|let\s+me\s+(?:think|check)(?:\s+(?:about\s+it|first))?|"
    # "hmm let me think about it", "i need to think", "i'll decide later", "lo pienso"
    r"(?:hmm+|um+|uh+|mmm+)(?:\s+(?:let\s+me\s+(?:think|check)(?:\s+about\s+it)?|not\s+sure))|"
    r"i\s+(?:need|want|have)\s+to\s+think(?:\s+about\s+it)?|"
    r"i\s*(?:ll|will)\s+(?:think\s+about\s+it|decide\s+later|let\s+you\s+know)|"
    r"(?:im\s+)?not\s+sure\s+yet|dejame\s+pensarlo|lo\s+(?:pienso|voy\s+a\s+pensar)|"
    r"espera|esperate|todavia\s+no|aun\s+no|un\s+momento|un\s+segundo|mas\s+tarde|luego|"
    r"dejame\s+(?:pensar|ver|revisar)|ahorita\s+no|ahora\s+no|aguanta|aguarda|al\s+rato|despues"
)
_CHANGE_CUE = (
    r"change|edit|fix|update|modify|redo|different|instead|wrong|mistake|"
    r"not\s+(?:right|correct)|isnt\s+right|is\s+not\s+right|meant|back\s+to|"
    r"cambia\w*|corregi\w*|corrige|editar|edita|modifica\w*|en\s+(?:vez|lugar)|equivocad[oa]|"
    r"no\s+es\s+(?:correcto|correcta|asi)|mal|me\s+equivoque|"
    # "mejor un reemplazo", "no, mejor solo el reembolso": rather that (but "mejor no"
    # is a plain no)
    r"mejor\s+(?!(?:no|si)\b)\w+"
)
# Each part of the summary, by the words a buyer names it with; the first that matches
# wins ("wrong reason" names the reason even though "wrong" could start an item).
_PARTS: tuple[tuple[str, str], ...] = (
    ("reason", r"reason|why|motivo|razon|problema"),
    ("photos", r"photos?|pictures?|pics?|images?|fotos?|imagen\w*"),
    ("note", r"note|comment|message|nota|comentario|mensaje"),
    (
        "type",
        r"type|kind|refund\w*|replace\w*|exchange\w*|money|return\s+and\s+refund|"
        r"reembolso|reemplaz\w*|sustitu\w*|dinero|tipo",
    ),
    (
        "items",
        r"items?|products?|things?|quantity|qty|how\s+many|amount\s+of|number\s+of|"
        r"articulos?|productos?|cantidad|cuantos|cuantas",
    ),
)


def not_yet(text: str) -> bool:
    """The buyer is not ready to answer: "not yet", "hold on", "wait", "un momento"."""
    return _only(text, _NOT_YET)


def part_to_change(text: str) -> str | None:
    """The part of a request's summary the buyer wants changed ("wrong reason" →
    "reason", "no wait, I want a replacement instead" → "type", "change the photos" →
    "photos"), "" for a change of something unnamed ("that's not right", "no wait"),
    or None when the message asks for no change ("yes", "no", "send it")."""
    said = " ".join(words(text))
    if not said:
        return None
    cue = _has(said, _CHANGE_CUE) or _has(
        said, r"^(?:no|nope|nah|nop|nel)\s+(?:wait|hold|espera|esperate|aguanta|un\s+momento)"
    )
    if not cue:
        return None
    for part, pattern in _PARTS:
        if _has(said, pattern):
            return part
    return ""
