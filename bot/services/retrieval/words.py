"""The words of a question or a policy section, as the English search compares them.

Buyers and policies say the same thing in different words: "money back" and "refund",
"courier" and "carrier", "hasn't arrived" and "missing".  Both sides go through
`tokenize` (typos fixed against the shop's own words for questions, amounts and places
marked with what they are, phrases joined into one word, stopwords dropped, stemmed,
synonyms mapped to one word), so either wording finds the other.  Spanish has its own
rules (`spanish.py`); `tokenize` hands a Spanish text to them.
"""

from __future__ import annotations

import functools
import re
import threading

import snowballstemmer

from bot.domain.language_detect import ENGLISH, SPANISH
from bot.domain.words import SEARCH_STOPWORDS
from bot.services.retrieval import spanish
from bot.services.retrieval.cues import mark
from bot.services.retrieval.spelling import Speller

DEFAULT_LANGUAGE = ENGLISH
_WORD = re.compile(r"[a-z0-9]+")

# Words that carry no meaning for finding a policy section: function words, question
# words, greetings and fillers (bot/domain/words.py).  A question made only of these has
# nothing to search for, so it is never answered ("because", "although", "ok so").
STOPWORDS = SEARCH_STOPWORDS

# Multi-word phrases buyers use for one idea, turned into one word before the words are
# split (so "money back" counts as "refund", not as "money" and "back").  General
# e-commerce wording, written from how buyers talk, not from any one shop's files.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"money back|my money|pay me back|paid back|refunded", "refund"),
    (r"gift ?cards?|gift ?vouchers?|gift ?certificates?|e-?gift|giftcards?", "giftcard"),
    (r"(promo|promotional|discount|coupon|voucher|offer) codes?|promo", "discount"),
    (r"cash on delivery|\bcod\b|pay on delivery", "cashondelivery"),
    (r"pay (in )?(instal+ments?|parts)|pay later|buy now|split (the |my )?payments?", "instalment"),
    (
        r"(send|sent|sending|ship|shipped|shipping|mail|mailed|mailing|post|posted|posting"
        r"|bring|brought|take|took)(?P<between>(?: [a-z]+){0,2}) back",
        "return",  # the words in between stay: "sent the lamp back"
    ),
    (
        r"where('?s| is| are) (my|the|our) (order|parcel|package|stuff|delivery|shipment|item)s?"
        r"|where('?s| is| are) (it|they)",
        "track",
    ),
    (r"restock(ing)? (fee|charge)s?", "restockfee"),
    (r"out of stock|sold out|back in stock|in stock|restock(ed|ing)?", "stock"),
    (r"p ?& ?p|postage and packing|shipping and handling|s ?& ?h", "delivery cost"),
    (r"open[- ]box", "refurbished"),
    (
        r"never (arrived|came|showed up|got here|got (it|my \w+)|received)|not (arrived|received)"
        r"|(hasnt|havent|didnt|did not|has not|have not) (arrived|come|received|got)",
        "missing",
    ),
    (r"(doesnt|does not|dont|do not|isnt|not|stopped|stop|quit) work(ing|s)?", "defective"),
    (r"put (it |them )?together|flat[- ]?pack(ed)?|set (it )?up", "assembly"),
    (r"look(ing)? after", "care"),
    (r"pick(ed|ing)? (it |them )?up|collect(ion)? (in|from) (the )?(store|shop)", "pickup"),
    (
        r"in person|(physical|retail|local) (store|shop)s?|bricks and mortar"
        r"|visit (a|your|the) (store|shop)",
        "showroom",
    ),
    (r"business days?|working days?|week ?days?", "businessday"),
    (r"too (small|big|large|tight|loose)", "size"),
    (r"(got|get|gets|getting) here", "arrive"),
    (r"customer (service|support|care)|support team", "contact"),
    (r"real (person|human|people)|human being|live (agent|person|chat)", "person"),
    (r"phone number|telephone|hotline", "phone"),
    (
        r"open(ing)? hours|business hours|(are|do) you open|you (guys )?open"
        r"|what time .{0,20}\bopen",
        "hours",
    ),
    (r"sign ?in|log ?in|sign ?up", "account"),
    (r"personal (data|details|information|info)", "privacy"),
    (r"next[- ]day|same[- ]day|overnight", "express"),
    (r"how much|what does it cost|what do you charge", "cost"),
    (r"how long|how many (days|weeks)|how soon|how quickly|how fast|lead time", "time"),
    # Question-type cues: the kind of fact the answer holds (retrieval/cues.py marks it).
    (r"by when|until when", "time"),
    (
        r"(which|what) (countries|country|places|regions|states)"
        r"|where (do|can|will) you (ship|deliver|send|post)",
        "international",
    ),
    (r"charged twice|double charged|charged two times|two charges", "doublecharge"),
    (
        r"price (match(es|ing)?|drops?|reductions?|(went|goes|has gone|dropped) down)|cheaper now"
        r"|price protection|price guarantee|prices? (fall|fell|dropped|lowered)",
        "pricedrop",
    ),
    (r"call (it )?off", "cancel"),
    (
        r"(wont|doesnt|does not|will not|cant|cannot|wouldnt|stopped) (turn on|switch on"
        r"|charge|start|power on|boot|connect)",
        "defective",
    ),
    (r"(payment|paying) (methods?|options?)|ways to pay|pay with", "paymethod"),
    (
        r"missed (the |my )?(delivery|courier|driver|parcel)|(was|wasnt|not|nobody) (at )?home"
        r"|(failed|unsuccessful) (delivery|attempt)",
        "faileddelivery",
    ),
)
_APOSTROPHE_S = re.compile(r"['\u2019]s\b")
# All phrases as one pattern (one pass over a text, not one per phrase: indexing 5,000
# sections took twice as long with separate ones); each alternative is a named group.
_PHRASE = re.compile(
    r"\b(?:" + "|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _) in enumerate(PHRASES)) + r")\b"
)
_PHRASE_WORDS = {f"p{i}": word for i, (_, word) in enumerate(PHRASES)}


def _phrase_word(match: re.Match[str]) -> str:
    groups = match.groupdict()
    name = next(k for k, v in groups.items() if v is not None and k in _PHRASE_WORDS)
    between = groups.get("between") if _PHRASE_WORDS[name] == "return" else None
    return f" {_PHRASE_WORDS[name]} {between or ''} "


# Everyday words buyers use for the terms policies use: each group's words count as its
# first word (applied to questions and policies alike, after stemming, so either wording
# finds the other).
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("refund", "reimburse", "reimbursement", "repay", "repayment", "money", "moneyback"),
    ("parcel", "package", "packages", "shipment", "box", "boxes"),
    (
        "deliver",
        "delivery",
        "deliveries",
        "arrive",
        "arrival",
        "ship",
        "shipping",
        "shipped",
        "dispatch",
        "dispatched",
        "mail",
        "transit",
    ),
    ("carrier", "courier", "couriers", "driver", "postman", "mailman"),
    (
        "damaged",
        "damage",
        "broken",
        "broke",
        "break",
        "crack",
        "cracked",
        "smashed",
        "shattered",
        "dented",
        "dent",
        "scratched",
        "scratch",
        "torn",
        "ripped",
        "crushed",
        "snapped",
        "chipped",
    ),
    ("defective", "defect", "faulty", "fault", "malfunction", "malfunctioning", "died", "dead"),
    ("replace", "replacement", "exchange", "exchanging", "swap", "swapping", "switch", "trade"),
    ("discount", "coupon", "voucher", "promotion", "promo", "code"),
    ("invoice", "receipt", "vat", "proof"),
    (
        "international",
        "internationally",
        "abroad",
        "overseas",
        "worldwide",
        "foreign",
        "country",
        "countries",
    ),
    ("track", "tracking", "trace", "locate", "follow", "following"),
    ("cancel", "cancellation", "cancelled", "canceled", "cancelling"),
    ("warranty", "guarantee", "guaranteed"),
    (
        "person",
        "human",
        "agent",
        "someone",
        "somebody",
        "staff",
        "representative",
        "rep",
        "operator",
    ),
    ("contact", "reach", "speak", "talk", "phone", "call", "chat", "ring"),
    (
        "cost",
        "fee",
        "fees",
        "price",
        "prices",
        "pricing",
        "postage",
        "expensive",
        "cheap",
        "charge",
        "charges",
        "free",
        "cheaper",
        "cheapest",
        "costs",
    ),
    ("pay", "payment", "paid", "paying"),
    ("paymethod", "method", "methods", "paypal", "visa", "mastercard", "amex"),
    ("faileddelivery", "redelivery", "undeliverable", "undelivered"),
    ("slot", "appointment", "book", "booking", "schedule", "scheduled", "timeslot"),
    ("partial", "part", "partly", "portion"),
    ("appeal", "dispute", "disagree", "contest", "unfair"),
    ("reject", "rejected", "refuse", "refused", "denied", "deny"),
    ("repair", "fix", "fixed", "mend", "mended"),
    ("described", "description", "listing", "advertised", "pictured"),
    (
        "instalment",
        "installment",
        "installments",
        "financing",
        "finance",
        "klarna",
        "afterpay",
        "clearpay",
        "affirm",
        "monthly",
    ),
    (
        "stock",
        "restock",
        "available",
        "availability",
        "unavailable",
        "preorder",
        "backorder",
        "backordered",
    ),
    ("signature", "sign", "signed", "signing"),
    ("label", "labels", "slip", "prepaid"),
    ("refurbished", "refurb", "renewed", "reconditioned"),
    ("gift", "gifts", "present", "presents", "gifted"),
    ("store", "shop", "stores", "shops", "boutique"),
    ("water", "wet", "liquid", "spill", "spilled", "spilt"),
    ("hold", "held", "pending"),
    ("bulk", "wholesale", "quantity", "quantities", "b2b", "business", "company", "corporate"),
    ("password", "reset", "forgot", "forgotten"),
    ("recycle", "recycling", "disposal", "dispose", "haul", "recycled"),
    ("address", "house", "flat", "apartment"),
    ("account", "login", "profile", "register", "registration", "guest"),
    ("hours", "hour"),
    ("time", "window", "deadline", "period", "limit"),
    ("assembly", "assemble", "assembled", "instructions", "build"),
    ("care", "clean", "cleaning", "wash", "washing", "washable", "maintain", "maintenance"),
    ("pickup", "collect", "collection"),
    ("showroom", "showrooms", "branch"),
    ("size", "sizes", "sizing", "fit", "fits", "bigger", "smaller", "larger"),
    ("hygiene", "underwear", "lingerie", "swimwear", "earrings", "cosmetics", "makeup"),
    ("sale", "sales", "clearance", "markdown", "outlet"),
    ("secure", "safe", "safely", "security", "fraud", "scam", "encrypted", "encryption"),
    ("holiday", "holidays", "christmas", "thanksgiving"),
    ("declined", "decline", "declining"),
    (
        "colour",
        "color",
        "colours",
        "colors",
        "black",
        "white",
        "red",
        "blue",
        "green",
        "grey",
        "gray",
        "pink",
        "brown",
        "beige",
        "navy",
        "yellow",
        "orange",
        "purple",
        "silver",
        "gold",
    ),
    ("unsubscribe", "newsletter", "newsletters", "marketing", "spam"),
    ("privacy", "data", "gdpr"),
    ("late", "delayed", "delay", "overdue", "stuck"),
    ("missing", "lost", "stolen", "stole", "steal", "theft"),
    ("wrong", "incorrect", "mistake"),
    ("photo", "photos", "picture", "pictures", "pic", "pics", "image", "images"),
    ("tax", "taxes", "duties", "duty", "customs"),
    ("change", "modify", "edit", "amend", "update", "alter"),
    ("weekend", "weekends", "saturday", "sunday"),
    ("order", "purchase", "purchased", "bought"),
    ("use", "used", "worn", "wore", "wear", "tried"),
    ("item", "product", "products", "items"),
    ("express", "fast", "faster", "quick", "quicker", "rush", "expedited", "priority"),
)

_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Snowball stem of one word, remembered: the pure-Python stemmer costs ~40 µs a
    word, which made indexing 5,000 sections take 17 s instead of 1 s.  The stemmer
    object keeps its state between calls and breaks (wrong stems, IndexError) when two
    threads use it at once, as the agent's search tool (run in a worker thread) and an
    offline answer can: one thread at a time."""
    with _STEMMER_LOCK:
        return str(_STEMMER.stemWord(word))


def _synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYM_GROUPS:
        canonical = stem(group[0])
        for word in group:
            table.setdefault(stem(word), canonical)  # a word's first group wins
    return table


SYNONYMS = _synonyms()
# Words never "corrected" into a policy word: they mean something as they are.
PROTECTED = frozenset(SEARCH_STOPWORDS | {w for group in SYNONYM_GROUPS for w in group})
_RAW_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")

# Contractions lose their apostrophe before the stopword check ("what's" → "whats"),
# so they are stopwords of their own; else "whats" weighs as a rare, telling word.
# (Negations such as "doesn't" stay: "doesn't work" and "hasn't arrived" mean something.)
CONTRACTIONS = frozenset(["whats", "thats", "theres", "wheres", "hows", "whos", "youre", "theyre"])


def _plain(text: str) -> str:
    """Lower case without apostrophes: "nobody's", "seller's", "it's" lose the 's (a
    possessive or "is"), the other contractions their apostrophe ("doesn't" →
    "doesnt")."""
    return _APOSTROPHE_S.sub("", text.lower()).replace("'", "").replace("\u2019", "")


def words_in(text: str, language: str) -> list[str]:
    return spanish.words_of(text) if language == SPANISH else words_of(text)


def words_of(text: str) -> list[str]:
    """The plain words of a text, as the spelling fixer sees them."""
    return _WORD.findall(_plain(text))


def tokenize(
    text: str, speller: Speller | None = None, language: str = DEFAULT_LANGUAGE
) -> list[str]:
    """The words of a text that say what it is about: typos fixed (questions, against the
    shop's words), amounts, durations and places marked with what they are, phrases
    joined, stopwords dropped, stemmed, synonyms mapped to one word (each step in the
    text's language)."""
    if language == SPANISH:
        return spanish.tokenize(text, speller)
    text = _plain(text)
    if speller is not None:
        text = _WORD.sub(lambda m: speller.fix(m.group(0)), text)
    text = mark(text)
    text = _PHRASE.sub(_phrase_word, text)
    words = [
        w
        for w in _WORD.findall(text)
        if w not in STOPWORDS and w not in CONTRACTIONS and (len(w) > 1 or w.isdigit())
    ]
    stems = [stem(w) for w in words]
    return [SYNONYMS.get(stem, stem) for stem in stems]


def spelled(question: str, speller: Speller) -> str:
    """The question with each slip the speller fixes replaced by its fix (lower case),
    the rest as typed: what the sentence encoder reads."""

    def fixed(match: re.Match[str]) -> str:
        typed = match.group(0)
        word = typed.lower()
        if not word.isalpha():
            return typed  # "doesn't": the speller sees words without apostrophes
        fix = speller.fix(word)
        return typed if fix == word else fix

    return _RAW_WORD.sub(fixed, question)
