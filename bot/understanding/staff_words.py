"""Staff typing what a summary button does, in words, in a ticket's topic.

What staff type in a ticket's topic goes to the requester: that is how they answer.
But a message that is nothing but "close", "close this ticket", "mark as resolved" or
"assign to me" is meant for the bot, and relayed it would reach the buyer as the
team's word ("close this", from Riley).  Such a message is held back and the button
that does it is offered instead.  "summary" gets the ticket's summary again, and
"refund 18", "give them a refund" or "refund her 10 dollars for the trouble" (no
button of the ticket does that) is held back with who refunds, as is a short message
that ends by asking for the rest of the money ("looks like the buyer is right, refund
the rest": an appeal's verdict, which has its button).  A short question to the team
about the requester ("can we send them the sheath separately?") is held back too,
with one tap to send it or keep it as a note.  An appeal's verdict for the seller
("uphold the seller", "reject the appeal") is held with *Uphold seller* offered (and
"refund the buyer", on an appeal, with *Refund buyer*).  So is an address to change
("change the address to calle mayor 5"): the bot cannot, and the requester cannot
either; the reply says where it is done.  Otherwise only whole messages count: "I'll
close this once the refund lands" is a sentence to the buyer and goes to them as
before.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.understanding.escapes import normalize


class StaffWord(StrEnum):
    CLOSE = "close"
    ASSIGN = "assign"
    SUMMARY = "summary"  # the ticket's summary again
    REFUND = "refund"  # not staff's to do here: who does it is said
    ASIDE = "aside"  # a question to the team about the requester, not to them
    CHANGE = "change"  # an order's address to change: not the bot's to do, nor theirs
    UPHOLD = "uphold"  # an appeal's verdict for the seller: its button does it


_POLITE = r"(?:(?:ok(?:ay)?|please|pls|plz|bot|now|then|por\s+favor)\s+)*"
_AFTER = r"(?:\s+(?:please|pls|plz|now|thanks|por\s+favor))*"
_AMOUNT = r"(?:\s+(?:of\s+)?[$€£]?\s?\d+(?:[., ]\d{1,2})?\s*(?:usd|dollars|bucks|eur|euros|gbp)?)?"
_WHOM = r"(?:\s+(?:them|him|her|it|the\s+buyer|the\s+customer|this|this\s+one))?"
# What is refunded, named: "refund the shipping", "refund them the express fee".
_WHAT = (
    r"(?:\s+(?:the\s+|their\s+|his\s+|her\s+)?(?:shipping|postage|delivery|express|"
    r"order|item|items|whole\s+thing|full\s+amount|envio)(?:\s+(?:fee|fees|cost|costs|charge|price))?)?"
)
_WORDS = (
    (
        StaffWord.CLOSE,
        re.compile(
            rf"^{_POLITE}(?:close|cerrar|cierra|cierro)(?:\s+(?:it|this|that|the\s+ticket|"
            r"this\s+ticket|ticket|this\s+one|el\s+ticket|este\s+ticket|el\s+caso|este))?"
            rf"{_AFTER}$|^{_POLITE}mark(?:\s+(?:it|this|the\s+ticket))?\s+(?:as\s+)?"
            rf"(?:resolved|solved|closed){_AFTER}$"
        ),
    ),
    (
        StaffWord.ASSIGN,
        re.compile(
            rf"^{_POLITE}(?:assign(?:\s+(?:it|this|this\s+ticket|the\s+ticket))?(?:\s+to)?\s+me|"
            rf"assign(?:\s+(?:it|this|this\s+ticket))?|asignarme(?:lo)?|asignamelo|"
            # "take this one", "i'll take it", "i got this", "claiming this one", "yo lo
            # tomo" (found in the demo: "take this one" reached the buyer from Riley);
            # not "i got it", which answers the buyer
            r"(?:i\s*'?(?:ll|will)\s+)?take\s+(?:it|this|this\s+one|that\s+one|this\s+ticket)|"
            r"i\s*(?:'?ve\s+)?got\s+this(?:\s+one)?|mine|claim(?:ing)?\s+(?:it|this)(?:\s+one)?|"
            rf"(?:yo\s+)?(?:lo\s+tomo|me\s+encargo)|me\s+lo\s+asigno){_AFTER}$"
        ),
    ),
    (
        StaffWord.SUMMARY,
        re.compile(
            rf"^{_POLITE}(?:(?:show|see|post|repost|send|give)\s+(?:me\s+)?(?:the\s+)?)?"
            rf"(?:ticket\s+)?(?:summary|resumen|ticket\s+info)(?:\s+again)?{_AFTER}$|"
            # "order info", "what's the order status": the summary lists the orders
            rf"^{_POLITE}(?:(?:show|see|post|send|give)\s+(?:me\s+)?(?:the\s+|their\s+)?|"
            r"what(?:'?s|\s+is)\s+(?:the\s+|their\s+)?)?(?:orders?|buyer|customer|"
            rf"requester)(?:'?s)?\s+(?:info|details|status|summary)(?:\s+again)?{_AFTER}$|"
            rf"^{_POLITE}(?:show|see)\s+(?:me\s+)?(?:the\s+|their\s+)?orders?{_AFTER}$|"
            # "what did they order", "what's her order": the summary lists the orders
            r"^what\s+(?:did|has|have)\s+(?:they|he|she|the\s+(?:buyer|customer|requester))\s+"
            rf"(?:order|ordered|buy|bought){_AFTER}$|"
            rf"^what(?:'?s|\s+is|\s+are)\s+(?:their|his|her)\s+orders?{_AFTER}$|"
            # asked of the bot, not of the requester (found in the demo: both reached
            # the buyer): "whats their email", "who is this", "when does it arrive",
            # "has it shipped yet", "what's the tracking number"
            r"^what(?:'?s|\s+is|\s+are)\s+(?:their|his|her|the\s+(?:buyer|customer|requester)'?s?)\s+"
            rf"(?:email|e-mail|phone|phone\s+number|number|address|name|order\s+number|tracking(?:\s+number)?){_AFTER}$|"
            rf"^who\s+is\s+(?:this|the\s+(?:buyer|customer|requester)|he|she|it){_AFTER}$|"
            r"^when\s+(?:does|will|should|is)\s+(?:it|their\s+(?:order|parcel|package)|the\s+(?:order|parcel|package))\s+"
            rf"(?:arrive|get\s+there|be\s+delivered|ship|supposed\s+to\s+arrive|due){_AFTER}$|"
            rf"^(?:has|did)\s+(?:it|the\s+(?:order|parcel|package)|their\s+order)\s+(?:shipped|ship|arrived|arrive)(?:\s+yet)?{_AFTER}$|"
            rf"^what(?:'?s|\s+is)\s+the\s+tracking(?:\s+number)?{_AFTER}$|"
            # "whats the tracking say", "what does the tracking show", "where is their
            # parcel now" (found in the demo: relayed to the buyer)
            r"^what(?:'?s|\s+does|\s+do|\s+did)?\s+(?:the\s+|their\s+)?tracking\s+(?:say|says|show|shows)"
            rf"(?:\s+now)?{_AFTER}$|"
            r"^where(?:'?s|\s+is)\s+(?:their|his|her)\s+(?:order|parcel|package)"
            rf"(?:\s+(?:now|at))?{_AFTER}$"
        ),
    ),
    (
        StaffWord.UPHOLD,
        re.compile(
            rf"^{_POLITE}uphold\s+(?:the\s+)?(?:seller|sellers?\s+decision|seller'?s\s+decision|"
            rf"rejection|decision|it|this){_AFTER}$|"
            rf"^{_POLITE}(?:keep|side\s+with|go\s+with|agree\s+with)\s+(?:the\s+)?"
            r"(?:seller|sellers?\s+decision|seller'?s\s+decision|rejection|decision)"
            rf"(?:\s+(?:on\s+this(?:\s+one)?|here))?{_AFTER}$|"
            rf"^{_POLITE}(?:reject|deny|decline|dismiss|refuse)\s+(?:the\s+|this\s+)?appeal{_AFTER}$|"
            rf"^{_POLITE}(?:the\s+)?seller\s+(?:is|was)\s+right{_AFTER}$|"
            rf"^{_POLITE}(?:mantener|confirmar|mantengo|confirmo)\s+(?:la\s+)?(?:decision|rechazo)"
            rf"(?:\s+del\s+vendedor)?{_AFTER}$|^{_POLITE}(?:rechazar|rechazo)\s+(?:la\s+)?apelacion{_AFTER}$"
        ),
    ),
    (
        StaffWord.REFUND,
        re.compile(
            rf"^{_POLITE}(?:refund|reembolsa\w*|reembolso){_WHOM}{_WHAT}{_AMOUNT}{_AFTER}$|"
            rf"^{_POLITE}(?:give|issue|send|do|process|make){_WHOM}\s+(?:a\s+)?(?:full\s+|"
            rf"partial\s+)?refund{_AMOUNT}{_AFTER}$"
        ),
    ),
)


# A refund told with its sum or whom and why: "refund her 10 dollars for the trouble",
# "give them $5 for the delay".  Found in the demo: relayed, the buyer read "refund her
# 10 dollars for the trouble" from Riley, a refund promised that nobody paid.  The sum or
# the person must be named ("refund for the order arrives in 3 days" is to the buyer).
_SUM = r"\s+(?:of\s+)?[$€£]?\s?\d+(?:[., ]\d{1,2})?\s*(?:usd|dollars|bucks|eur|euros|gbp)?"
_PERSON = r"\s+(?:them|him|her|the\s+buyer|the\s+customer)"
_WHY = r"\s+(?:for|because|as|since|due\s+to|por)\b[^.?!]{0,60}\W*$"
_REFUND_WITH_WHY = re.compile(
    rf"^{_POLITE}(?:refund|reembolsa\w*)(?:{_PERSON}{_WHAT}(?:{_SUM})?|{_WHAT}{_SUM}){_WHY}|"
    rf"^{_POLITE}(?:give|send|pay){_PERSON}(?:\s+back)?{_SUM}(?:\s+back)?(?:{_WHY}|{_AFTER}$)"
)

# A refund asked for last, after a few words to a colleague or to the bot: "looks like
# the buyer is right, refund the rest", "ok so pay them the difference".  Read in short
# messages only (a sentence to the buyer is longer, and says more than the order).
_REFUND_LAST = re.compile(
    r"(?:^|[,;.!:]\s*|\s(?:so|then|just|pls|please)\s+)(?:refund|pay(?:\s+back)?|give)\s+"
    r"(?:them\s+|him\s+|her\s+|the\s+(?:buyer|customer)\s+)?(?:the\s+)?"
    r"(?:rest|remaining|remainder|difference|balance|full\s+amount|other\s+[$€£]?\d+\S*)"
    rf"(?:\s+[$€£]?\d[\d.,]*)?(?:\s+(?:back|of\s+it))?{_AFTER}\W*$"
)
_REFUND_LAST_CHARS = 80


# A question to the team about the requester, typed in their topic: "can we send them
# the sheath separately?", "should I refund him?", "does anyone know if she ordered
# twice?".  Staff (or "anyone") act, the requester is "them", nobody is "you": relayed,
# the buyer read the team's deliberation.  Short messages only.
_ASIDE_ASKS = re.compile(
    r"^(?:(?:ok|okay|so|hey|hmm|guys|team|btw)\W*\s+)*(?:can|could|should|shall|do|would|will|"
    r"may|must|did|does|have|has|is|are|what|how|who|any(?:one|body)?|some(?:one|body))\b"
)
_ASIDE_ACTORS = re.compile(r"\b(?:we|us|our|i|anyone|anybody|someone|somebody|team|guys)\b")
_ASIDE_ABOUT = re.compile(
    r"\b(?:them|him|his|he|she|her|the\s+(?:buyer|customer|client|requester))\b"
)
_TO_THEM = re.compile(r"\b(?:you|your|yours|u|ur|ya)\b")
_ASIDE_CHARS = 160


def _an_aside(said: str) -> bool:
    return (
        len(said) <= _ASIDE_CHARS
        and _ASIDE_ASKS.search(said) is not None
        and _ASIDE_ACTORS.search(said) is not None
        and _ASIDE_ABOUT.search(said) is not None
        and _TO_THEM.search(said) is None
    )


# An order's address to change, told to the bot: "change the address to calle mayor 5",
# "update their shipping address", "pls fix the delivery address".  Found in the demo:
# relayed, the buyer read "change the address to calle mayor 5" from Riley, which they
# cannot do either.  Short messages that start by telling it, only.
_CHANGE_ADDRESS = re.compile(
    rf"^{_POLITE}(?:change|update|edit|correct|fix|amend|modify|set|cambia\w*|actualiza\w*|corrige)\s+"
    r"(?:the\s+|their\s+|his\s+|her\s+|the\s+(?:buyer|customer)s?\s+|la\s+|su\s+)?"
    r"(?:(?:shipping|delivery|postal)\s+)?(?:address|direccion)\b"
)
_CHANGE_CHARS = 120


def read_staff_word(text: str | None) -> StaffWord | None:
    """What this whole message asks the bot to do, if it is nothing else."""
    if not text:
        return None
    said = normalize(text).rstrip("?").strip()
    for word, pattern in _WORDS:
        if pattern.match(said):
            return word
    if _REFUND_WITH_WHY.match(said):
        return StaffWord.REFUND
    typed = " ".join(text.lower().replace("’", "'").split())  # its commas kept
    if len(typed) <= _REFUND_LAST_CHARS and _REFUND_LAST.search(typed):
        return StaffWord.REFUND
    if _an_aside(" ".join(normalize(text).split())):
        return StaffWord.ASIDE
    if len(said) <= _CHANGE_CHARS and _CHANGE_ADDRESS.match(said):
        return StaffWord.CHANGE
    return None
