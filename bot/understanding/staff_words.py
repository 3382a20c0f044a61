"""Staff typing what a summary button does, in words, in a ticket's topic.

What staff type in a ticket's topic goes to the requester: that is how they answer.
But a message that is nothing but "close", "close this ticket", "mark as resolved" or
"assign to me" is meant for the bot, and relayed it would reach the buyer as the
team's word ("close this", from Riley).  Such a message is held back and the button
that does it is offered instead.  "summary" gets the ticket's summary again, and
"refund 18" or "give them a refund" (no button of the ticket does that) is held back
with who refunds.  Only whole messages count: "I'll close this once the
refund lands" is a sentence to the buyer and goes to them as before.
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


_POLITE = r"(?:(?:ok(?:ay)?|please|pls|plz|bot|now|then|por\s+favor)\s+)*"
_AFTER = r"(?:\s+(?:please|pls|plz|now|thanks|por\s+favor))*"
_AMOUNT = r"(?:\s+(?:of\s+)?[$€£]?\s?\d+(?:[., ]\d{1,2})?\s*(?:usd|dollars|bucks|eur|euros|gbp)?)?"
_WHOM = r"(?:\s+(?:them|him|her|it|the\s+buyer|the\s+customer|this|this\s+one))?"
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
            rf"me\s+lo\s+asigno){_AFTER}$"
        ),
    ),
    (
        StaffWord.SUMMARY,
        re.compile(
            rf"^{_POLITE}(?:(?:show|see|post|repost|send|give)\s+(?:me\s+)?(?:the\s+)?)?"
            rf"(?:ticket\s+)?(?:summary|resumen|ticket\s+info)(?:\s+again)?{_AFTER}$"
        ),
    ),
    (
        StaffWord.REFUND,
        re.compile(
            rf"^{_POLITE}(?:refund|reembolsa\w*|reembolso){_WHOM}{_AMOUNT}{_AFTER}$|"
            rf"^{_POLITE}(?:give|issue|send|do|process|make){_WHOM}\s+(?:a\s+)?(?:full\s+|"
            rf"partial\s+)?refund{_AMOUNT}{_AFTER}$"
        ),
    ),
)


def read_staff_word(text: str | None) -> StaffWord | None:
    """What this whole message asks the bot to do, if it is nothing else."""
    if not text:
        return None
    said = normalize(text).rstrip("?").strip()
    for word, pattern in _WORDS:
        if pattern.match(said):
            return word
    return None
