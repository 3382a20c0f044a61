"""Tell the language of a short chat message, or say it cannot be told.

Why not a library: the bot only needs to choose among the few languages its catalog
has, for messages a person types to a shop ("¿dónde está mi pedido?"), and a wrong
guess is worse than none (the reply would switch language under the person).  So
this is deliberately small and explainable:

- each language has a list of its most frequent function words (articles,
  pronouns, prepositions, auxiliaries); words that two languages share ("a", "no",
  "me") count for neither;
- a message scores one point per word found in a language's list, plus points for
  letters and marks only that language uses (ñ, ¿, ¡, accented vowels for Spanish);
- a language is named only when the message has at least `MIN_WORDS` words, the
  winner has at least `MIN_HITS` points and at least twice the runner-up's.

Order numbers, "hi", "ok", or a mix of both languages give None, and the caller keeps
the language it had.  A new language adds its list here (see README, "Languages").

What the chat asks is `told_language`: the strict reader, then the looser `guess`
below, then small talk (`small_talk_language`): "gracias!!", "hola", "buenas tardes"
are too short for the other two, and yet no English speaker writes them, so they are
Spanish; "ok", "no", "sí", "hi", "bye", "super" are said in both and tell nothing.

The answer engine asks a looser question (`guess`): which policy folder and stemmer
suit one question.  There a wrong guess costs little (the search falls back across
languages) and a short "¿aceptan PayPal?" must still count as Spanish, so two marker
words are enough.  Both readers share `fold`: buyers type "donde esta" as often as
"dónde está", so accents must not make two words of one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from bot.domain.words import ENGLISH_MARKERS, SPANISH_MARKERS

MIN_WORDS = 4
MIN_HITS = 2

_FUNCTION_WORDS: dict[str, str] = {
    "en": """
        the and is are was were be been of to in on at for with my your our his her
        their it this that these those what where when why how which who can could would
        should will did does do have has had not i you we they she him them an
        from by about please thanks thank hello yet still just want need order item
        arrived received there here than then too very some any
    """,
    "es": """
        el la los las un una unos unas y o de del al en con por para mi mis tu tus su
        sus es son está están estaba fue ser estar qué que cómo como dónde donde cuándo
        cuando por qué porque quiero quisiera necesito puedo puede tengo tiene hola
        gracias todavía aún ya pero muy mucho pedido paquete llegó llega recibí devolver
        devolución reembolso cancelar se lo le les nos yo usted ustedes esto esta este
        estos estas hay ayuda favor sin sobre
    """,
}
# Letters and marks that, in the catalog's languages, only one of them uses.
_MARKS: dict[str, str] = {"es": "ñ¿¡áéíóúü"}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@cache
def _lists(languages: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Each language's function words, without those another language has too."""
    words = {lang: frozenset(_FUNCTION_WORDS.get(lang, "").split()) for lang in languages}
    shared: set[str] = set()
    for lang, own in words.items():
        for other, theirs in words.items():
            if other != lang:
                shared |= own & theirs
    return {lang: own - shared for lang, own in words.items()}


def detectable(languages: tuple[str, ...]) -> tuple[str, ...]:
    """The languages this module can recognise (those with a word list)."""
    return tuple(lang for lang in languages if lang in _FUNCTION_WORDS)


def detect_language(text: str | None, languages: tuple[str, ...]) -> str | None:
    """The language of `text` among `languages`, or None when the message is too short
    or too mixed to tell (see the module's docstring for the rule)."""
    if not text:
        return None
    candidates = detectable(languages)
    if len(candidates) < 2:
        return None  # one language (or none) to choose from: nothing to tell apart
    lowered = text.lower()
    words = _WORD.findall(lowered)
    if len(words) < MIN_WORDS:
        return None
    lists = _lists(candidates)
    scores: dict[str, int] = {}
    for lang in candidates:
        hits = sum(1 for word in words if word in lists[lang])
        marks = _MARKS.get(lang, "")
        hits += sum(1 for ch in lowered if ch in marks)
        scores[lang] = hits
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= MIN_HITS and top > 2 * second:
        return best
    return None


# The answer engine's languages and its looser guess (see the module's docstring).
ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)

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


# Small talk that only one language says ("gracias", "buenas tardes", "thank you"),
# written folded; a stretched word counts ("holaaa", "graciasss").  Words borrowed
# across the two languages are in neither list ("ok", "no", "si", "hi", "bye",
# "sorry", "super", "cool", "lol"), so a one-word answer never tells a language.
_SMALL_TALK: dict[str, re.Pattern[str]] = {
    SPANISH: re.compile(
        r"(?:hola+|holi+s?|gracias+|grax|buenas+|buenos|buen|dias|tardes|noches|adios|chao|"
        r"chau|saludos|perdon|disculpas?|disculpe|porfa|vale|genial|perfecto|listo|claro|"
        r"entendido|igualmente|muchas|muchisimas|jaja+|jeje+)"
    ),
    ENGLISH: re.compile(
        r"(?:thanks+|thank|thx|hello+|goodbye|morning|afternoon|evening|cheers|appreciated?|"
        r"please|great|awesome|perfect|haha+)"
    ),
}
_MARKERS = {SPANISH: SPANISH_MARKERS, ENGLISH: ENGLISH_MARKERS}


def small_talk_language(text: str) -> str | None:
    """`es` or `en` for small talk only one of them says, else None: at least one of
    its small-talk words, and no word of the other's (small talk or marker), so "ok
    gracias" is Spanish and "hola, where is it" is neither."""
    words = [fold(w) for w in _WORD.findall(text.lower())]

    def says(language: str) -> bool:
        return any(_SMALL_TALK[language].fullmatch(w) for w in words)

    told = [language for language in _SMALL_TALK if says(language)]
    if len(told) != 1:
        return None
    others = [language for language in _SMALL_TALK if language != told[0]]
    if any(w in _MARKERS[other] for other in others for w in words):
        return None
    return told[0]


def told_language(text: str | None, languages: tuple[str, ...]) -> str | None:
    """The language a typed message is clearly written in, among `languages`, or None
    when it cannot be told (a number, an email, "ok", a mix): the strict reader for
    sentences, then `guess` for short questions ("¿aceptan PayPal?"), then small talk
    ("gracias!!").  The one rule the chat core applies to every channel's updates."""
    if not text:
        return None
    told = detect_language(text, languages)
    if told is None:
        told = guess(text) or small_talk_language(text)
    return told if told in languages else None
