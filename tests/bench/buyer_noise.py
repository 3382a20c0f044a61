"""Questions as hurried buyers type them (not collected by pytest): slips of the finger
and chat shorthand put into a well-written question, so the policy search can be
measured, and the encoder tuned, on wording rougher than the tuning sets'.

    python tests/bench/buyer_noise.py "Can you ship my order to Ireland?"

What a phone keyboard and a hurry do, each with a fixed chance: a word of four letters
or more gets one slip (a letter dropped, doubled, swapped with the next, or replaced by
its neighbour on the keyboard; never the first letter, which people rarely miss); "you"
becomes "u", "please" "pls" and the like; apostrophes and the final punctuation go;
everything is lower case. `rough(text)` gives the same rough copy every time (its
randomness is seeded by the text), so a measure on rough questions is repeatable;
`rough(text, rng)` gives a new one for each draw, as training wants.
"""

from __future__ import annotations

import random
import re
import sys
import zlib

SLIP = 0.12  # the chance that a word of 4+ letters gets one slip
SHORTHAND_CHANCE = 0.5
SHORTHAND = {
    "you": "u",
    "your": "ur",
    "you're": "ur",
    "please": "pls",
    "thanks": "thx",
    "because": "cuz",
    "are": "r",
    "okay": "ok",
    "tomorrow": "tmrw",
    "message": "msg",
    "about": "abt",
    "with": "w/",
}
# Neighbours on a QWERTY keyboard, for a slip that hits the key next door.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {
    key: "".join(
        other
        for r2, row2 in enumerate(_ROWS)
        for c2, other in enumerate(row2)
        if other != key and abs(r2 - r) <= 1 and abs(c2 - c) <= 1
    )
    for r, row in enumerate(_ROWS)
    for c, key in enumerate(row)
}
_WORD = re.compile(r"[A-Za-z']+")


def slip(word: str, rng: random.Random) -> str:
    """`word` with one typing slip somewhere after its first letter."""
    at = rng.randrange(1, len(word))
    kind = rng.choice(("drop", "double", "swap", "neighbour"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    if kind == "swap" and at < len(word) - 1:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    near = NEIGHBOURS.get(word[at].lower(), "")
    return word[:at] + rng.choice(near) + word[at + 1 :] if near else word


def rough(text: str, rng: random.Random | None = None) -> str:
    """`text` as a hurried buyer might type it."""
    rng = rng or random.Random(zlib.crc32(text.encode()))

    def word(match: re.Match[str]) -> str:
        w = match.group(0).lower()
        if w in SHORTHAND and rng.random() < SHORTHAND_CHANCE:
            return SHORTHAND[w]
        w = w.replace("'", "")
        if len(w) >= 4 and w.isalpha() and rng.random() < SLIP:
            return slip(w, rng)
        return w

    out = _WORD.sub(word, text.replace("\u2019", "'"))
    return out.rstrip(" ?.!").strip()


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(rough(arg))
