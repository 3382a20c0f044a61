"""Which items of an order a typed answer picks, at the return's items step and in a
first message ("the mug pls", "the grey one", "2", "1 and 3", "both tees", "everything
except the rabbit", "the hoodie, it came with a hole").

Buyers name an item by a word of its name (often not the first: "the hoodie" for
"Women's Oversized Hoodie Fleece Pullover (Grey, L)"), by its variant ("the white L",
"the 10"), by what it is ("the cups" for two tumblers, "the lead" for a cable), by its
place in the list, or several at once; they say what they keep ("the bra is fine",
"not the pad") as often as what they send. Names come as shops and marketplaces write
them: a marketplace title says what the item is before "for"/"with" and what it fits
after ("Replacement Filters for Cat Water Fountain"), so a word after those counts less.

A word that fits several items decides nothing alone: "the black one" of two black
items is asked again, but "the black ones", "both tees" and "the cables" take every
item it fits.  Pure functions, no framework: `tests/bench/item_steps.py` measures them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from bot.understanding.steps import (
    _FILLER,
    _PLACE_NOUNS,
    ALL,
    _close,
    position,
    read_quantity,
    says_every_item,
    words,
)

# Spanish words for the goods and colours shops sell, as their English product names
# say them: a buyer writing Spanish names "la taza" for "Stoneware Mug" and "la azul"
# for "Blue water bottle" (shops' product names are mostly English).
_SPANISH_NAMES: dict[str, tuple[str, ...]] = {
    "taza": ("mug", "cup"),
    "tazon": ("bowl",),
    "vaso": ("glass", "tumbler"),
    "plato": ("plate", "dish"),
    "toalla": ("towel",),
    "vela": ("candle",),
    "lampara": ("lamp",),
    "camisa": ("shirt",),
    "camiseta": ("shirt", "tee"),
    "pantalon": ("pant", "trouser", "jean"),
    "pantalone": ("pant", "trouser", "jean"),
    "vestido": ("dress",),
    "falda": ("skirt",),
    "zapato": ("shoe",),
    "zapatilla": ("shoe", "sneaker", "trainer"),
    "bota": ("boot",),
    "calcetine": ("sock",),
    "chaqueta": ("jacket",),
    "abrigo": ("coat",),
    "sudadera": ("hoodie", "sweatshirt"),
    "jersey": ("sweater", "jumper"),
    "sueter": ("sweater", "jumper"),
    "gorra": ("cap", "hat"),
    "gorro": ("hat", "beanie"),
    "sombrero": ("hat",),
    "bolso": ("bag", "handbag"),
    "bolsa": ("bag",),
    "mochila": ("backpack", "rucksack"),
    "cartera": ("wallet",),
    "reloj": ("watch", "clock"),
    "collar": ("necklace", "collar"),
    "pulsera": ("bracelet",),
    "anillo": ("ring",),
    "pendiente": ("earring",),
    "arete": ("earring",),
    "gafa": ("glasses", "sunglasses"),
    "funda": ("case", "cover"),
    "cargador": ("charger",),
    "auriculare": ("headphone", "earbud"),
    "audifono": ("headphone", "earbud"),
    "altavoz": ("speaker",),
    "parlante": ("speaker",),
    "telefono": ("phone",),
    "movil": ("phone",),
    "celular": ("phone",),
    "teclado": ("keyboard",),
    "raton": ("mouse",),
    "libro": ("book",),
    "juguete": ("toy",),
    "manta": ("blanket", "throw"),
    "cojin": ("cushion", "pillow"),
    "almohada": ("pillow",),
    "sabana": ("sheet",),
    "cortina": ("curtain",),
    "alfombra": ("rug", "carpet", "mat"),
    "espejo": ("mirror",),
    "silla": ("chair",),
    "mesa": ("table",),
    "botella": ("bottle",),
    "termo": ("flask", "thermos"),
    "tetera": ("teapot", "kettle"),
    "jabon": ("soap",),
    "cepillo": ("brush",),
    "sarten": ("pan", "skillet"),
    "olla": ("pot",),
    "cuchillo": ("knife",),
    "azul": ("blue", "navy"),
    "rojo": ("red",),
    "roja": ("red",),
    "verde": ("green",),
    "negro": ("black",),
    "negra": ("black",),
    "blanco": ("white",),
    "blanca": ("white",),
    "gris": ("grey", "gray"),
    "rosa": ("pink", "rose"),
    "amarillo": ("yellow",),
    "amarilla": ("yellow",),
    "marron": ("brown",),
    "morado": ("purple",),
    "morada": ("purple",),
    "naranja": ("orange",),
    "arena": ("sand",),
    "salvia": ("sage",),
    "grande": ("large", "big"),
    "pequeno": ("small",),
    "pequena": ("small",),
    "licuadora": ("blender",),
    "muneca": ("doll",),
    "pelota": ("ball",),
    "balon": ("ball",),
    "volante": ("steering",),
    "cafetera": ("coffee", "maker"),
    # Portuguese, as Brazilian shops name goods
    "toalha": ("towel",),
    "panela": ("pan", "pot"),
    "garrafa": ("bottle", "flask"),
    "cafeteira": ("coffee", "maker"),
    "vermelho": ("red",),
    "vermelha": ("red",),
    "preto": ("black",),
    "preta": ("black",),
    "branco": ("white",),
    "branca": ("white",),
}


def _as_heard(word: str) -> str:
    """A Spanish word as it sounds in most of Latin America, where "z" and a soft "c"
    are "s", "ll" is "y" and "v" is "b": buyers spell by ear ("la tasa" for "la taza",
    "toaya" for "toalla"), and a one-letter typo allowance is too tight for 4 letters."""
    word = re.sub(r"c(?=[ei])", "s", word).replace("z", "s").replace("ll", "y")
    return word.replace("v", "b")


@cache
def _spanish_by_ear() -> dict[str, tuple[str, ...]]:
    return {_as_heard(spanish): english for spanish, english in _SPANISH_NAMES.items()}


# Words for the same goods and colours: a buyer names what an item is ("the cups", "the
# lead", "the necklace"), not always the word its name uses ("Tumbler", "Cable",
# "Pendant").  Each group is one kind; a word of the text matches a name word of its
# group.  Colours by family: "the pink one" is "(Rose Quartz)" or "(Blush)".
_KINDS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "cup mug tumbler beaker",
        "case cover",
        "lead cable cord wire",
        "plug charger adapter adaptor",
        "purse clutch handbag wallet",
        "necklace pendant chain",
        "bunny rabbit",
        "teether teething",
        "hoodie hoody sweatshirt",
        "sweater jumper pullover",
        "trainer sneaker runner",
        "coat jacket raincoat",
        "hat beanie cap bonnet",
        "trouser pant",
        "tee tshirt",
        "spray mister sprayer",
        "voucher giftcard",
        "cushion pillow",
        "earphone earbud headphone headset",
        "glass spectacle spec",
        "jug pitcher",
        "pan skillet",
        "blanket throw",
        "duvet comforter quilt",
        "bottle flask",
        "lamp light",
        "powerbank charger",
        "gele headwrap wrap",
        "tote bag",
        "pink rose blush fuchsia magenta",
        "red cherry burgundy wine maroon crimson scarlet",
        "blue navy cobalt denim azure",
        "green forest sage olive mint emerald khaki",
        "yellow mustard lemon",
        "grey gray charcoal slate ash heather",
        "white cream ivory",
        "brown tan chocolate coffee camel mocha chestnut walnut",
        "purple lilac lavender violet plum mauve",
        "beige sand nude oatmeal stone taupe",
        # Spanish for goods the table above knows in English
        "maceta pot planter",
        "guante glove",
        "semilla seed",
        "cinta tape ribbon",
        "tabla board",
    )
)
# Sizes said in words or letters ("the large one", "the L").
_SIZES = {
    "small": "s",
    "little": "s",
    "medium": "m",
    "large": "l",
    "big": "l",
    "xl": "xl",
    "xs": "xs",
}
# A size word after these says what is wrong, not which item: "it's too big".
_DEGREE = frozenset({"too", "to", "so", "very", "quite", "bit", "way", "really", "abit", "super"})
_SIZE_LETTERS = frozenset({"s", "m", "l", "xl", "xs", "xxl", "xxs"})
# "Size tens", "the 10s": a size said as a word or a plural number.
_SIZE_NUMBERS = {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
# A marketplace title says what the item is before these and what it fits or comes
# with after them ("Carry Strap for Owala Water Bottle"): a word after them counts less.
_ATTRIBUTE_AFTER = frozenset({"for", "with", "compatible", "fits", "para", "con"})
_ATTRIBUTE_WEIGHT = 0.5
# Words that say the buyer means several items a word fits ("the black ones", "both
# tees", "las dos tazas").
_SEVERAL = frozenset(
    {"both", "all", "ones", "two", "three", "those", "these", "ambos", "ambas", "dos", "tres",
     "todos", "todas", "2", "3"}
)  # fmt: skip
# Of those, the ones that say how many: a number beside them is a count, not a size.
_COUNTING = _SEVERAL - {"ones", "those", "these"}
# Words that end like a plural but name no several items ("thanks", "pls", "this").
_NOT_PLURAL = frozenset(
    {"thanks", "thx", "pls", "plz", "this", "its", "was", "is", "has", "does", "yes", "us", "as"}
)
# Words between the names in a list of items ("the mug and the board", "hoody n leggings").
_JOINERS = frozenset({"and", "n", "plus", "or", "also", "y", "e", "o"})
# A name's words that are also everyday words: "can" names the watering can only after
# "the"/"a"/"watering", never in "it can go back".
_EVERYDAY = frozenset({"can", "set", "kit", "top", "back", "go", "pack", "pair", "pairs", "case"})
_UNITS = frozenset({"pair", "pairs", "pack", "pcs", "pc", "piece", "pieces", "set", "x"})


@cache
def _forms(word: str) -> frozenset[str]:
    """A word and the singulars it may be the plural of ("cases": "case"; "boxes":
    "box"; "batteries": "battery"; "glasses": "glass"), so that a plural and its
    singular meet."""
    forms = {word}
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms.add(word[:-1])
        if word.endswith("es"):
            forms.add(word[:-2])
        if len(word) > 4 and word.endswith("ies"):
            forms.add(word[:-3] + "y")
    return frozenset(forms)


@cache
def _kinds_of(word: str) -> frozenset[str]:
    return frozenset().union(*(group for group in _KINDS if _forms(word) & group))


@dataclass(frozen=True, slots=True)
class _Name:
    """An item's name as words to match: those before "for"/"with" (what it is) and
    those after (what it fits); its words as written, its numbers, and the sizes its
    variant names ("(Black, M)": "m")."""

    core: frozenset[str]
    after: frozenset[str]
    raw: frozenset[str]
    numbers: tuple[int, ...]
    joined: frozenset[str]  # two neighbouring words as one ("deskmat", "powerbank")
    sizes: frozenset[str]


@cache
def _name(name: str) -> _Name:
    # The variant in brackets names the item itself ("... with Lid (Rose Quartz)").
    title, _, variant = name.partition("(")
    core: set[str] = set()
    after: set[str] = set()
    numbers: list[int] = []
    joined: set[str] = set()
    for part, attribute_words in ((title, True), (variant, False)):
        said = words(part)
        attribute = False
        for at, word in enumerate(said):
            if attribute_words and word in _ATTRIBUTE_AFTER:
                attribute = True
                continue
            if word.isdigit():
                numbers.append(int(word))
                continue
            if at + 1 < len(said) and not said[at + 1].isdigit():
                joined.add(word + said[at + 1])
            if word in _FILLER and word not in _SIZE_LETTERS:
                continue
            # A shop's Spanish or Portuguese name ("Sartén", "Toalhas") read in English too.
            english = _SPANISH_NAMES.get(word) or _SPANISH_NAMES.get(min(_forms(word), key=len), ())
            (after if attribute else core).update((word, *english))
    sizes = {_SIZES.get(w, w) for w in words(variant) if w in _SIZES or w in _SIZE_LETTERS}
    # "Running Tee (Black, L)" and "Tee XL": a size letter in the title counts too
    sizes |= {w for w in words(title) if w in _SIZE_LETTERS and len(w) > 1}
    return _Name(
        frozenset(core),
        frozenset(after - core),
        frozenset(words(name)),
        tuple(numbers),
        frozenset(joined),
        frozenset(sizes),
    )


# How well a word fits: the word itself, a typo or a part of it, a word of its kind.
_SAME, _NEAR, _KIND = 1.0, 0.9, 0.8


def _word_fit(token: str, word: str) -> float:
    """A word of the text against a word of a name: the same word (or plural), one
    typo apart, one the start of the other ("scratch", "scratching"; "power",
    "PowerCore"), the end of a compound ("coat" in "raincoat"), or a word of the same
    kind ("cups" for "Tumbler")."""
    if _forms(token) & _forms(word):
        return _SAME
    short, long = sorted((token, word), key=len)
    if (
        _close(token, word)
        or (len(short) >= 5 and long.startswith(short))
        or (
            short == token
            and len(short) >= 3
            and len(long) >= len(short) + 3
            and long.endswith(short)
        )
    ):
        return _NEAR
    return _KIND if word in _kinds_of(token) else 0.0


def _fit(token: str, name: _Name) -> float:
    """How well one word of the text fits an item's name: up to 1 for a word of what
    the item is, half that for a word of what it fits or comes with, 0 for none."""
    sizes = (_SIZES.get(f, f) for f in _forms(token) if f in _SIZES or f in _SIZE_LETTERS)
    size = next(sizes, None)
    if size is not None and size in name.sizes:
        # "the L", "the mediums" for "(Black, M)": a size says more than a title's word
        # ("the medium bra" is the M of two "Sports Bra Medium Support")
        return _SAME + 0.1
    if token in _SIZE_LETTERS:
        return 0.0
    if len(token) == 1:
        return 0.0
    english = next(
        (
            found
            for form in sorted(_forms(token), key=len, reverse=True)
            if (found := _SPANISH_NAMES.get(form) or _spanish_by_ear().get(_as_heard(form)))
        ),
        (),
    )
    best = 0.0
    for candidate in (token, *english):
        fit = (
            _SAME
            if candidate in name.joined
            else max((_word_fit(candidate, word) for word in name.core), default=0.0)
        )
        after = max((_word_fit(candidate, word) for word in name.after), default=0.0)
        best = max(best, fit, after * _ATTRIBUTE_WEIGHT)
    return best


# The words before an everyday word that make it a name ("the can", "watering can").
_DETERMINERS = frozenset({"the", "a", "that", "this", "my", "el", "la"})


def _content(tokens: list[str]) -> list[str]:
    """The words of a phrase that may name an item: no filler, no unit ("pair",
    "pack"), no everyday word but after "the"/"a" ("it can go back" is no can)."""
    out = []
    for at, token in enumerate(tokens):
        before = tokens[at - 1] if at else ""
        if token in _EVERYDAY and before not in _DETERMINERS:
            continue
        if token in _SIZES and before in _DEGREE:
            continue
        if token in _UNITS or (token in _FILLER and token not in _SIZE_LETTERS):
            continue
        out.append(token)
    return out


# Comparing two of the same item that differ by a number ("the bigger pot" of 15 cm
# and 20 cm, "the longer lead" of 1 m and 2 m).
_MORE = frozenset("bigger larger longer taller higher heavier more biggest largest longest".split())  # noqa: SIM905
_LESS = frozenset("smaller shorter lower lighter less smallest shortest cheaper".split())  # noqa: SIM905


def _by_number(tokens: list[str], top: list[int], names: Sequence[_Name]) -> list[int] | None:
    """Of items the words cannot tell apart, the one a comparison picks by the number
    only its name has ("the bigger pot", "the longer lead"), or None."""
    more, less = any(t in _MORE for t in tokens), any(t in _LESS for t in tokens)
    if more == less:
        return None
    common = set.intersection(*(set(names[i].numbers) for i in top))
    own = {i: [n for n in names[i].numbers if n not in common] for i in top}
    if any(len(numbers) != 1 for numbers in own.values()):
        return None
    pick = (max if more else min)(top, key=lambda i: own[i][0])
    return [pick]


def _phrase_items(
    tokens: list[str], names: Sequence[_Name], left_out: frozenset[int] = frozenset()
) -> list[int] | None:
    """The items one phrase names ("the white L", "both tees", "the 10"): the items its
    words fit best, [] when it names none, None when it cannot tell two apart.  Items
    in `left_out` ("not the pad") are passed over when the words fit them as well."""
    content = _content(tokens)
    words_ = [t for t in content if not t.isdigit()]
    scores = [0.0] * len(names)
    for token in words_:
        fits = [_fit(token, name) for name in names]
        if len(names) > 1 and min(fits) == max(fits):
            continue  # a word every item shares decides nothing ("the tee" of three tees)
        scores = [s + f for s, f in zip(scores, fits, strict=True)]
    # How many of the numbers typed each name holds ("the 10", "colour 30").
    numbers = [int(t) for t in content if t.isdigit()]
    held = [sum(n in name.numbers for n in numbers) for name in names]
    if not any(scores) and not any(t in _COUNTING for t in tokens):
        # No word names an item: a number may be its size or model ("the 10", "the 9"),
        # but not a count ("all 3").
        scores = [float(h) for h in held]
    best = max(scores, default=0.0)
    if best == 0:
        return []
    top = [i for i, score in enumerate(scores) if score == best]
    most = max(held[i] for i in top)
    if len(top) > 1 and most > 0 and any(held[i] < most for i in top):
        # Words that fit several items, and a number that only some have ("the 16 inch
        # collar ones", "the size 10 regular", "colour 30"): those.
        top = [i for i in top if held[i] == most]
    if (
        len(top) > 1
        and left_out
        and 0 < len(kept := [i for i in top if i not in left_out]) < len(top)
    ):
        top = kept  # "the mouse not the pad": of the two mice, the one not left out
    if len(top) == 1:
        return top
    if (compared := _by_number(tokens, top, names)) is not None:
        return compared  # "the smaller pair of air maxes"
    # "both tees", "the white ones", "the cables", "the tee shirts" (not "cracked in two")
    said_several = any(
        t in _SEVERAL and (at == 0 or tokens[at - 1] != "in") for at, t in enumerate(tokens)
    )
    last = words_[-1] if words_ else ""
    said_plural = len(_forms(last)) > 1 and last not in _NOT_PLURAL
    plural = said_several or (said_plural and not any(last in names[i].raw for i in top))
    return top if plural else None


# Clauses that keep what they name ("the bra is fine, I'll keep it", "keeping the
# toppers", "earbuds are fine", "the others are grand", "me quedo con la taza").
_KEEPS = re.compile(
    r"\b(?:keep(?:ing)?|kept|(?:is|are|was|were|its|theyre)\s+(?:fine|ok|okay|good|perfect|alright|grand|great)|"
    r"fine|grand|can\s+stay|stays?|staying|me\s+(?:quedo|la\s+quedo|lo\s+quedo|los\s+quedo)|"
    r"(?:esta|estan)\s+bien|se\s+queda)\b"
)
# Within one clause typed without commas: what comes after "keeping" is kept ("the 12
# im keeping the others"), and the last words before "is fine" / "is staying" are ("just
# the scrunchies the pillowcase is staying", "the grey hat the yellow ones fine").
_KEPT_AFTER = re.compile(
    r"^(?P<send>.*\S)\s+(?:im\s+|ill\s+|i\s+will\s+|i\s+am\s+|i\s+)?(?:keep|keeping)\s+(?P<keep>.+)$"
)
_KEPT_BEFORE = re.compile(
    r"^(?P<send>.*\S)\s+(?P<keep>(?:the|my)\s+\w+(?:\s+\w+)?)\s+"
    r"(?:(?:is|are|its|s)\s+)?(?:fine|ok|okay|good|staying|grand|alright)\b.*$"
)
# What follows these is left out ("not the pad", "everything except the rabbit", "todo
# menos el gorro").  "not" only before a determiner ("not allowed to put holes in the
# walls" leaves out no wall plugs), Spanish "no" only before an article ("no la azul").
_LEAVES_OUT = re.compile(
    r"\b(?:not\s+(?=(?:the|a|an|my|that|this|those|these|any)\b)|except(?:\s+for)?|excluding|"
    # "nevermind the towel, the mug", "forget the towel": a change of mind
    r"(?:never\s*mind|forget(?:\s+about)?|scratch)\s+(?=(?:the|my|that|this|those|these)\b)|"
    r"apart\s+from|other\s+than|besides|minus|without|excepto|menos|salvo|"
    r"no\s+(?=(?:el|la|los|las)\b))"
)
# "the rest", "everything else", "lo demás": every item not named otherwise; and
# "everything" or "all" before what is left out ("everything except the rabbit").
_THE_REST = re.compile(
    r"\b(?:the\s+rest|rest\s+of\s+(?:it|them)|everything\s+else|all\s+the\s+others?|"
    r"lo\s+demas|el\s+resto|todo\s+lo\s+demas)\b"
)
_EVERYTHING = re.compile(r"\b(?:everything|all|todo|todos|todas|the\s+lot|both|ambos|ambas)\b")


@dataclass(frozen=True, slots=True)
class _Named:
    wanted: list[int]  # the items named to send, in the order named
    left_out: set[int]  # named as kept or left out, and not named to send as well
    rest: bool  # "the rest", "everything except ...": every item not left out
    unclear: bool  # a phrase fits two items equally ("the black one")


def _normalised(text: str) -> str:
    """Sizes and lists as buyers type them: "the 10s" and "size tens" are the 10s
    (not the 10 and a size S), "extra small" is XS, "&" and "+" are "and"."""
    text = text.replace("&", " and ").replace("+", " and ").replace("/", " ")
    text = re.sub(r"\b(\d+)'?s\b", r"\1 ones", text)
    text = re.sub(
        r"\b(six|seven|eight|nine|ten|eleven|twelve)s\b",
        lambda m: f"{_SIZE_NUMBERS[m.group(1).lower()]} ones",
        text,
        flags=re.IGNORECASE,
    )
    extra = re.compile(r"\bextra\s+(small|large)\b", re.IGNORECASE)
    return extra.sub(lambda m: "x" + m.group(1)[0].lower(), text)


def _named(text: str, names: Sequence[str]) -> _Named:
    """What each clause of the text names, sent or kept: the kept first, so that a
    name two items share is read as the one not kept ("the mouse, not the pad")."""
    parsed = [_name(n) for n in names]
    sending: list[str] = []
    leaving: list[str] = []
    rest = False
    cleaned = _normalised(text)
    # "all but the towel" is "all except", not a clause of its own
    cleaned = re.sub(r"\b(all|everything)\s+but\b", r"\1 except", cleaned, flags=re.IGNORECASE)
    for clause in re.split(r"[.,;:!?\n]+|\s(?:but|so|pero|porque|because)\s", cleaned):
        said = _NOT_EVERY.sub(" ", " ".join(words(clause)))
        if (kept := _KEPT_AFTER.search(said) or _KEPT_BEFORE.search(said)) is not None:
            # "just the scrunchies the pillowcase is staying", "the 12 im keeping the others"
            sending.append(kept.group("send"))
            leaving.append(kept.group("keep"))
        elif _KEEPS.search(said):
            leaving.append(said)
        elif cut := _LEAVES_OUT.search(said):
            sending.append(said[: cut.start()])
            leaving.append(said[cut.end() :])
            rest = rest or _EVERYTHING.search(said[: cut.start()]) is not None
        else:
            sending.append(said)
        rest = rest or _THE_REST.search(sending[-1] if sending else "") is not None
    left_out: set[int] = set()
    for phrase in (p for said in leaving for p in _phrases(said)):
        left_out.update(_phrase_items(phrase, parsed) or _place(phrase, len(names)))
    wanted: list[int] = []
    unclear = False
    for phrase in (p for said in sending for p in _phrases(said)):
        found = _phrase_items(phrase, parsed, frozenset(left_out))
        if found == [] and len(phrase) > 1:
            found = _place(phrase, len(names))  # "the mug and the second one"
        unclear = unclear or found is None
        wanted.extend(i for i in found or [] if i not in wanted)
    return _Named(wanted, left_out - set(wanted), rest, unclear)


def _place(phrase: list[str], count: int) -> list[int]:
    """An item named by its place within a longer answer ("except the second one")."""
    at = position(" ".join(phrase), count)
    return [] if at is None else [at]


def _phrases(said: str) -> list[list[str]]:
    """A clause's words cut at "and", "n", "plus", "y": one phrase per item named."""
    phrases: list[list[str]] = [[]]
    for token in said.split():
        if token in _JOINERS:
            phrases.append([])
        else:
            phrases[-1].append(token)
    return [p for p in phrases if p]


def mentioned_items(text: str, names: Sequence[str]) -> list[int]:
    """The items (indexes into `names`) the text names and does not leave out, in the
    order named: "the mug and the board", "the white L", "both tees", "not the pad"
    names none, "the black one" of two black items names none."""
    return _named(text, names).wanted


def left_out_items(text: str, names: Sequence[str]) -> tuple[int, ...]:
    """The items the text keeps or leaves out and does not also name to send ("the
    mug is fine actually", "forget the towel"), as indexes into `names`."""
    return tuple(sorted(_named(text, names).left_out))


@dataclass(frozen=True, slots=True)
class ItemsChosen:
    """What an answer at the items step picks: `indexes` into the item names, and
    `every` when it means every item rather than naming them ("all of them", "both" of
    two, "everything except the rabbit"), so that each is taken whole.  `kept`: items
    the words keep ("the towel is fine"), which leave the return if chosen before;
    `only`: the words say these and no other ("just the mug"), so any chosen before
    that is not named leaves it."""

    indexes: tuple[int, ...]
    every: bool = False
    kept: tuple[int, ...] = ()
    only: bool = False


# "just the mug", "only the towel", "solo la taza": these items and no other.
_ONLY = re.compile(r"\b(?:just|only|solo|solamente|nomas|unicamente)\b")


# An "all" that is no choice of items: "not at all", "all over my hand", "after all".
_NOT_EVERY = re.compile(
    r"\b(?:at\s+all|all\s+over|after\s+all|all\s+(?:the\s+time|day|night|week))\b"
)
# A question about the return rather than an answer ("can I return the tea if it's
# opened?", "how long do I have?", "do you have the raincoat in 9-10?").
_ASKING = re.compile(
    r"^(?:and\s+|so\s+|but\s+)?(?:what|whats|how|why|when|where|which|who|do|does|did|is|are|will|would|should|"
    r"que|cual|cuanto|donde|cuando|como)\b|\bif\b|\bsi\s+(?:ya|lo|la|abri)"
)


def chosen_items(text: str, names: Sequence[str], *, places: bool = True) -> ItemsChosen | None:
    """The items a typed answer at the items step picks: by their places in the list
    ("2", "the second one", "1 and 3", "the last two"), by name ("the mug", "the mug
    and the board", "both tees"), or every item ("all of them", "both" of two,
    "everything except the rabbit", "the rest" beside what is kept); None when it picks
    none, cannot tell two apart, or asks a question.  `places=False` for a first
    message, where a number is no place in a list the buyer has not seen and only
    "both"/"everything" means every item ("a full refund" is no choice of items)."""
    if places:
        if _asks(text) or _TAKEN_BACK.search(" ".join(words(text))):
            return None
        if at := places_in_list(text, len(names)) or _places_first(text, names):
            return ItemsChosen(tuple(at))
    named = _named(text, names)
    picked = named.wanted
    others = [i for i in range(len(names)) if i not in named.left_out and i not in picked]
    kept = tuple(sorted(named.left_out))
    if named.rest and others:
        # "the mug and everything else", "the rest can go back" beside what is kept,
        # "everything except the rabbit" (every unit of each when none is named)
        return ItemsChosen(tuple(picked + others), every=not picked, kept=kept)
    if picked:
        only = _ONLY.search(" ".join(words(text))) is not None
        return ItemsChosen(tuple(picked), kept=kept, only=only)
    # "all of them", "sending the lot back": every item.  An "all" that is no choice
    # ("not at all", "all over") and an order number are no count.
    counted = _NOT_EVERY.sub(" ", re.sub(r"\d{4,}", " ", text))
    if places:
        count = read_quantity(counted)
        every = count == ALL or (len(names) > 1 and count == len(names))
    else:
        every = len(names) > 1 and says_every_item(counted)
    if every and others:
        return ItemsChosen(tuple(others), every=True)
    return None  # nothing named, or a name that fits two items ("the black one")


# A short answer naming an item by a word ("the pillow", "just the lamp", "la vela").
_NAMING = re.compile(r"^(?:(?:just|only|solo)\s+)?(?:the|my|a|an|el|la|los|las|mi)\s+")
# Words after "the" that name no goods: the parcel as a whole, a place in the list,
# a comparison, what is wrong ("the other one", "the whole box", "the broken one").
_NO_GOODS = frozenset(
    """other others same rest last next first second third whole entire full right wrong
    correct order package parcel box delivery shipment lot stuff things thing everything
    money refund cash new old broken damaged cracked faulty defective missing extra
    cheap cheaper expensive big bigger small smaller""".split()  # noqa: SIM905
)


def missing_item(text: str, names: Sequence[str]) -> str | None:
    """The word a short answer names an item by when no item of the order is it ("the
    pillow" of an order of a mug and a towel): the buyer then hears that the order has
    no such item, not only the step's prompt again.  None for any other answer."""
    said = words(text)
    if len(said) > 5 or not _NAMING.match(" ".join(said)):
        return None
    content = [t for t in _content(said) if not t.isdigit()]
    if not 1 <= len(content) <= 2 or any(
        len(t) < 3 or t in _NO_GOODS or t in _SIZES or t in _MORE or t in _LESS for t in content
    ):
        return None
    parsed = [_name(n) for n in names]
    if any(_fit(t, name) > 0 for t in content for name in parsed):
        return None
    typed = {w: t for t in re.findall(r"[^\W\d_]+", text) for w in words(t)}
    return " ".join(typed.get(t, t) for t in content)  # as typed: "cojín", not "cojin"


def _asks(text: str) -> bool:
    """A question about the return rather than an answer: a sentence ending with "?"
    that asks ("can I return the tea if it's opened?"), or a message that starts as a
    question does, typed without the "?" ("is the hoodie final sale", "do the gazelles
    come up small"); "can I send back the card" is a request."""
    if any(_ASKING.search(" ".join(words(q))) for q in re.findall(r"[^.!?]*\?", text)):
        return True
    said = words(text)
    return bool(said) and said[0] in _ASKS_FIRST


# The first words of a question typed without its "?".
_ASKS_FIRST = frozenset(
    "is are do does did will would should how what whats why when where which who".split()  # noqa: SIM905
)
# An answer taken back ("... actually never mind", "forget it", "oh well").
_TAKEN_BACK = re.compile(r"\b(?:never\s*mind|forget\s+it|oh\s+well)\s*$")


def _places_first(text: str, names: Sequence[str]) -> list[int] | None:
    """Places said first, then why ("2 and 3, both came without the box"): the places,
    when what follows names no item."""
    parts = re.split(r"[,.;:!]", text, maxsplit=1)
    if len(parts) < 2 or not parts[1].strip():
        return None
    at = places_in_list(parts[0], len(names))
    return at if at and not _named(parts[1], names).wanted else None


# Several places at once: "1 and 3", "first and last", "2 y 3", "the last two".
_FIRST_OR_LAST_N = re.compile(
    r"^(?:the\s+)?(first|top|last|bottom|primeros?|primeras?|ultimos?|ultimas?)\s+(two|three|2|3|dos|tres)$|"
    r"^(?:the\s+|los\s+|las\s+)?(two|three|2|3|dos|tres)\s+(first|top|last|bottom|primeros?|primeras?|ultimos?|ultimas?)$"
)
_COUNTS = {"two": 2, "three": 3, "2": 2, "3": 3, "dos": 2, "tres": 3}
# Words around places that say nothing ("number 2 po", "1 and 3 pls", "on the list").
_AROUND_PLACES = frozenset(
    [
        "please",
        "pls",
        "plz",
        "thanks",
        "thx",
        "ty",
        "po",
        "lang",
        "lah",
        "naman",
        "mate",
        "ok",
        "okay",
        "on",
        "in",
        "list",
        "the",
        "los",
        "las",
        "el",
        "la",
        "ones",
        "items",
        "por",
        "favor",
        "porfa",
        "gracias",
        "yung",
    ]
)


def places_in_list(text: str, count: int) -> list[int] | None:
    """Items named by their places only: one ("2", "the second one", "last") or several
    ("1 and 3", "first and last", "el primero y el último", "the last two")."""
    said = [t for t in words(text.replace("&", " and ")) if t not in _AROUND_PLACES]
    joined = " ".join(t for t in said if t not in _PLACE_NOUNS or t == "one")
    joined = re.sub(r"\b(one)\b", "", joined).strip()
    if (m := _FIRST_OR_LAST_N.match(joined)) is not None:
        end, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        size = _COUNTS[n]
        if size > count:
            return None
        first = end in {"first", "top"} or end.startswith("primer")
        return list(range(size)) if first else list(range(count - size, count))
    parts = [p.strip() for p in re.split(r"\b(?:and|y|n|plus)\b|,", " ".join(said)) if p.strip()]
    found = [position(part, count) for part in parts]
    if not found or any(i is None for i in found):
        return None
    return sorted({i for i in found if i is not None})


def item_choice(text: str, names: Sequence[str]) -> int | None:
    """The one item (index into `names`) a typed answer picks, or None (see
    `chosen_items`)."""
    chosen = chosen_items(text, names)
    return chosen.indexes[0] if chosen and len(chosen.indexes) == 1 and not chosen.every else None
