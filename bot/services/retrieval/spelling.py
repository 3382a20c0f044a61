"""Typos in questions, fixed against the words the shop's own policies use.

Buyers type "shiping", "refud", "recieved", "adress".  A misspelt word matches nothing,
and because a word no policy uses weighs as much as the rarest one, one typo can sink a
question.  A word the policies (or the search's synonym lists) do not know is replaced
by a known word one slip away: a letter dropped ("shiping"), doubled or added
("refundd"), or two letters swapped ("recieved"); the most frequent if there are several.
Not a changed letter: one changed letter turns real words into other real words ("plate"
→ "place", "night" → "right", "trade" → "trace"), and a question about a plate is not
about a place.  Short words (under 5 letters), words whose stem the policies know
("laptop" where they say "laptops"), slips in the first letter (rare in typing;
"iphone" is not "phone") and, given a dictionary (`real`: the sentence model's
vocabulary), the words it holds are left alone: "three" is not "there", "split" not
"spilt", "county" not "country", though only the second of each is in the policies.
(A dictionary does not make a changed letter safe: the model's vocabulary lacks many
real forms, "mins", "dads", "snipped", "shrank", which are one letter from "mind",
"days", "shipped", "shrink".)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

MIN_LENGTH = 5


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _swaps(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


class Speller:
    def __init__(
        self,
        words: Iterable[str],
        protected: Iterable[str] = (),
        stem: Callable[[str], str] = str,
        real: frozenset[str] | None = None,
    ) -> None:
        """`words`: every word of the policies (with repeats: frequency breaks ties);
        `protected`: words never corrected (stopwords, synonym words); `stem`: the
        search's stemmer; `real`: a dictionary, if the language has one."""
        protected = set(protected)
        self.real = real
        # The protected words (synonyms buyers use) are targets too, as rare words.
        counts = Counter(w for w in words if w.isalpha())
        counts.update(w for w in protected if w.isalpha() and w not in counts)
        self.counts = counts
        self.stem = stem
        self.known = set(counts) | set(protected)
        self.known_stems = {stem(w) for w in self.known}
        # Each known word under its one-letter deletions: a question word that is one
        # of them lacks a letter.
        self._shorter: dict[str, list[str]] = {}
        for word in counts:
            if len(word) >= MIN_LENGTH:
                for key in _deletes(word):
                    self._shorter.setdefault(key, []).append(word)
        self._cache: dict[str, str] = {}

    def fix(self, word: str) -> str:
        """`word`, or the known word it most likely misspells."""
        if word in self.known or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        if self.real is not None and word in self.real:
            return word  # a real word, though not the shop's
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        best = word
        if self.stem(word) not in self.known_stems:
            candidates = set(self._shorter.get(word, ()))  # a letter too few
            candidates |= {w for w in _deletes(word) | _swaps(word) if w in self.counts}
            candidates = {c for c in candidates if c[0] == word[0] and len(c) >= MIN_LENGTH}
            best = max(sorted(candidates), key=lambda c: self.counts[c], default=word)
        if len(self._cache) < 10_000:
            self._cache[word] = best
        return best
