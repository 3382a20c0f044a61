"""Whether a message asks where to send a return ("where do i send it", "what's the
return address", "¿a dónde lo envío?").

Read by rules, and only where it matters: while exactly one of the buyer's approved
returns waits for them to ship it, the answer is that request's card, which says
where (the shop's return address, or that the seller will send it) and has *Enter
return tracking* (`handlers/buyer/claims.py`).  Without it "where do i send it" showed
the order card, and "what's the return address" the returns policy in general.
"""

from __future__ import annotations

import re

from bot.understanding.escapes import normalize

_WHERE_TO_SEND = re.compile(
    r"\breturn(?:s|ing)?\s+(?:address|addy|adress|adres)\b|"
    r"\baddress\s+(?:for|of)\s+(?:the\s+)?returns?\b|"
    r"\bwhere\s+(?:do|should|can|shall|will|must|would)\s+i\s+(?:send|post|ship|mail|return|drop)\b|"
    r"\bwhere\s+(?:to|does\s+it)\s+(?:send|post|ship|mail|go)\b|"
    r"\bwhat\s+address\s+(?:do|should|can)\s+i\s+(?:send|post|ship|mail|use)\b|"
    r"\bwhere\s+(?:is|s)\s+(?:it|the\s+(?:return|parcel|package))\s+(?:going|meant\s+to\s+go)\b|"
    # Spanish (folded: no accents)
    r"\bdireccion\s+(?:de|para)\s+(?:la\s+)?devoluci|\b(?:a\s+)?donde\s+(?:lo|la|los|las)\s+"
    r"(?:envio|mando|devuelvo|regreso|llevo)\b"
)


def asks_where_to_send(text: str) -> bool:
    """Whether the message asks where a return goes."""
    return bool(_WHERE_TO_SEND.search(normalize(text)))
