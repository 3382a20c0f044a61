"""What kind of answer a question wants, and the sections that hold that kind of fact.

A buyer asking "how much is shipping" wants a price; "how long does it take" a duration;
"do you ship to Canada" a list of destinations.  A shop's own section often answers with
the fact alone ("Ground: $5.99", "3–7 business days", "All 50 states, Puerto Rico")
without the words the buyer used.  So the facts themselves are marked with the concept
word the question side produces: an amount of money adds "cost", a duration adds
"time", a place name adds "international" (the word the question's "which countries",
"abroad", "overseas" map to).  Both questions and sections are marked the same way, as
everything else in the search is.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen"
    r"|twenty|thirty|forty|forty-five|sixty|ninety|a few|a couple of|several"
)
_NUMBER = rf"(?:\d+(?:[.,]\d+)?|{_NUMBER_WORDS})"

# "$5.99", "£3.95", "€12", "25 dollars", "15%": an amount, a price or a fee.
MONEY = re.compile(
    r"[$£€]\s?\d[\d,]*(?:\.\d+)?"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars?|pounds?|euros?|usd|gbp|eur|cents?|pence|p\b)"
    r"|\b\d+(?:\.\d+)?\s?%"
)

# "3–7 business days", "two to four working days", "24 hours", "30-day", "1 year".
DURATION = re.compile(
    rf"\b{_NUMBER}(?:\s?(?:-|–|to|or)\s?{_NUMBER})?[\s-]?"
    r"(?:business |working |calendar |full )?"
    r"(?:days?|weeks?|months?|years?|hours?|hrs?|h|minutes?|mins?)\b"
)

# Countries, regions, US states and UK nations, as buyers and policies name them.  Names
# that are also everyday shop words ("china", "turkey", "jersey" as a garment, "georgia",
# "jordan") are left out: a "china mug" is not a destination.
_PLACES = """
    afghanistan albania algeria andorra angola argentina armenia australia austria
    azerbaijan bahamas bahrain bangladesh barbados belarus belgium belize bolivia bosnia
    botswana brazil brunei bulgaria cambodia cameroon canada chile colombia croatia cuba
    cyprus czechia czech denmark ecuador egypt estonia ethiopia fiji finland france
    germany ghana greece guatemala honduras hungary iceland india indonesia iran iraq
    ireland israel italy jamaica japan kazakhstan kenya korea kuwait latvia lebanon
    liechtenstein lithuania luxembourg madagascar malaysia maldives malta mauritius mexico
    moldova monaco mongolia montenegro morocco mozambique namibia nepal netherlands holland
    nicaragua nigeria norway oman pakistan panama paraguay peru philippines poland portugal
    qatar romania russia rwanda serbia singapore slovakia slovenia spain sweden switzerland
    taiwan tanzania thailand tunisia uganda ukraine uruguay uzbekistan venezuela vietnam
    zambia zimbabwe
    europe european eu asia africa oceania scandinavia caribbean benelux
    uk gb britain england scotland wales usa america canadian australian
    alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii
    idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
    michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon
    pennsylvania tennessee texas utah vermont virginia washington wisconsin wyoming
"""
_PLACE_PHRASES = (
    r"united states|united kingdom|great britain|northern ireland|new zealand|south africa"
    r"|saudi arabia|united arab emirates|hong kong|puerto rico|new york|new jersey"
    r"|new mexico|new hampshire|north carolina|south carolina|north dakota|south dakota"
    r"|rhode island|west virginia|channel islands|isle of man|isle of wight|highlands"
    r"|the states|lower 48|contiguous|mainland|apo|fpo|dpo|bfpo|overseas territories"
)
PLACES = frozenset(_PLACES.split())
PLACE_PHRASE = re.compile(rf"\b(?:{_PLACE_PHRASES})\b")
_WORD = re.compile(r"[a-z]+")


def mark(text: str) -> str:
    """The text with a concept word after each amount, duration and place it names
    (lower-cased text in, the same text with words added out)."""
    text = MONEY.sub(lambda m: f"{m.group(0)} cost ", text)
    text = DURATION.sub(lambda m: f"{m.group(0)} time ", text)
    text = PLACE_PHRASE.sub(lambda m: f"{m.group(0)} international ", text)
    # One word at a time against a set: a regex of 200 names tried at every letter
    # made indexing a large shop several times slower.
    return _WORD.sub(_place_word, text)


def _place_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return f"{word} international" if word in PLACES else word
