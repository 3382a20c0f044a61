"""Text normalisation and n-gram features for the intent model (pure Python).

The same function turns a message into features at training time (scikit-learn is
handed it as the analyzer) and at inference (a dictionary look-up and a dot product),
so the two can never drift apart. What normalisation buys on real buyer text:

* case and apostrophes ("DONT", "don't", "don’t") read the same;
* numbers become placeholders: an 18-digit order number teaches nothing about its
  digits, only that an order number was given (`<order>`), and "00004587345",
  "#5781339" and "order 4587" give the same token; a tracking number (check digit
  verified, by the slot rules) is `<track>`; an amount with its currency is `<money>`,
  any other number `<num>`. So the model reads an order number the way the slot rules
  do, whatever its length or leading zeros;
* emoji become a token of their own (`<emoji>`, plus the emoji itself), so "😡" and
  "🙏" carry their tone without breaking the character n-grams;
* letters repeated for emphasis collapse ("pleeeease" → "pleease", "sooo" → "soo");
* accents fold (`bot/domain/languages.fold`: "dónde está" reads as "donde esta", the
  way most buyers type it), and Spanish opening marks are the closing ones ("¿" is
  "?"), so one model reads English and Spanish with the same features.

Character n-grams (2 to 5, inside word boundaries) make typos ("cancle", "reciept")
share most of their features with the right spelling.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from bot.domain.language_detect import fold
from bot.understanding.slots import MONEY, ORDER_AFTER_CUE, tracking_spans

# Bump when normalisation or feature extraction changes: cached weights are keyed on it.
FEATURES_VERSION = "4"

_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_APOSTROPHES = re.compile(r"['’`´]")
_NUMBER = re.compile(r"#?\s?\d[\d,.]*")
_TOKEN = re.compile(r"<\w+>|[^\W_]+|[^\w\s]")


def _is_emoji(char: str) -> bool:
    return ord(char) > 0x2000 and unicodedata.category(char) in ("So", "Sk", "Cn")


def normalise(text: str) -> str:
    """The message as the model reads it (lower case, placeholders, emoji tokens)."""
    text = unicodedata.normalize("NFKC", text or "")
    for start, end, _ in reversed(tracking_spans(text)):
        text = f"{text[:start]} <track> {text[end:]}"
    text = MONEY.sub(" <money> ", text)
    text = ORDER_AFTER_CUE.sub(_cued_order, text)
    text = fold(text).replace("¿", " ? ").replace("¡", " ! ")
    text = _APOSTROPHES.sub("", text)
    text = _NUMBER.sub(_number_token, text)
    text = "".join(f" {c} <emoji> " if _is_emoji(c) else c for c in text)
    text = _REPEATS.sub(r"\1\1", text)
    return " ".join(text.split())


def _cued_order(match: re.Match[str]) -> str:
    """ "order 4587": a short number the buyer calls an order number is one."""
    start, end = match.span("n")
    whole = match.group(0)
    offset = match.start()
    cue = re.sub(r"[#:\s]+$", "", whole[: start - offset])  # "#" is part of the number
    return f"{cue} <order> {whole[end - offset :]}"


def _number_token(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    if match.group(0).startswith("#") or digits >= 6:
        return " <order> "
    return " <num> "


def tokens(text: str) -> list[str]:
    """Word tokens of a normalised message (placeholders kept whole)."""
    return [t for t in _TOKEN.findall(text) if t.strip() and t not in ".,!?;:'\"()-"]


_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")


def _skeleton(word: str) -> str:
    """A word's consonants, doubles collapsed, when it is long enough to be misspelt."""
    if len(word) < 4 or word.startswith("<") or not word.isalpha():
        return ""
    return _DOUBLES.sub(r"\1", _VOWELS.sub("", word))


def analyze(text: str) -> list[str]:
    """Every feature of a message: word uni- and bigrams (with a start marker, so the
    first word counts on its own: "how ..." asks, "cancel ..." tells), punctuation
    that matters ("?"), and character 2- to 5-grams inside each word."""
    norm = normalise(text)
    words = tokens(norm)
    feats = [f"w:{w}" for w in words]
    padded = ["<s>", *words]
    feats += [f"b:{a} {b}" for a, b in itertools.pairwise(padded)]
    if "?" in norm:
        feats.append("q:?")
    if not words:
        feats.append("e:empty")
    # Consonant skeletons: "cancle"/"cancel", "adress"/"address", "recieve"/"receive"
    # spell the same word, and a bigram of skeletons carries the phrase through a typo.
    skeletons = [_skeleton(w) for w in words]
    feats += [f"k:{k}" for k in skeletons if k]
    feats += [f"k:{a} {b}" for a, b in itertools.pairwise(skeletons) if a and b]
    for word in words:
        if word.startswith("<"):
            continue
        w = f" {word} "
        n_chars = len(w)
        for n in range(2, 6):
            for i in range(n_chars - n + 1):
                feats.append(f"c:{w[i : i + n]}")
    return feats
