"""Whether a message asks where, or by when, to send a return ("where do i send it",
"what's the return address", "¿a dónde lo envío?", "how long do i have to send it
back").

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
    # How: "ok how do i send it", "how do i ship them back", "how to return it".  Found
    # in the demo: asked right after the approval, it started a new return for the
    # order's other item.
    r"\bhow\s+(?:do|should|can|shall|will|would|must)\s+i\s+(?:send|post|ship|mail|return|get)\s+"
    r"(?:it|them|this|that|the\s+(?:item|items|parcel|package|return|box))(?:\s+back)?\b|"
    r"\bhow\s+(?:to|does\s+one)\s+(?:send|post|ship|mail|return)\s+(?:it|them)(?:\s+back)?\b|"
    r"\bcomo\s+(?:lo|la|los|las)\s+(?:envio|mando|devuelvo|regreso)\b|"
    # Spanish (folded: no accents)
    r"\bdireccion\s+(?:de|para)\s+(?:la\s+)?devoluci|\b(?:a\s+)?donde\s+(?:lo|la|los|las)\s+"
    r"(?:envio|mando|devuelvo|regreso|llevo)\b"
)


def asks_where_to_send(text: str) -> bool:
    """Whether the message asks where (or how) a return is sent."""
    return bool(_WHERE_TO_SEND.search(normalize(text)))


# "how long do i have to send it back", "whats the deadline to send it back", "by when
# do i need to send the item", "¿cuánto tiempo tengo para devolverlo?"
_WHEN_TO_SEND = re.compile(
    r"\b(?:how\s+long|how\s+many\s+days|how\s+much\s+time)\s+(?:do|will|would|have)?\s*i\s+"
    r"(?:have|got|get)\s+(?:left\s+)?to\s+(?:send|ship|post|mail|return|drop)\b|"
    r"\b(?:deadline|last\s+day|cut\s?off|time\s+limit)\s+(?:to|for)\s+(?:send|ship|post|mail|return)\w*\b|"
    r"\b(?:by|until|till)\s+when\s+(?:do|should|must|can|have)\s+i\s+(?:\w+\s+){0,2}"
    r"(?:send|ship|post|mail|return)\b|"
    r"\bwhen\s+(?:do|should|must)\s+i\s+(?:need\s+to\s+|have\s+to\s+)?(?:send|ship|post|mail)\s+"
    r"(?:it|them|this|the\s+\w+)\s+back\b|"
    r"\b(?:cuanto\s+tiempo|cuantos\s+dias|hasta\s+cuando)\s+(?:tengo|hay)\s+(?:de\s+plazo\s+)?para\s+"
    r"(?:enviar|mandar|devolver|regresar)\w*|\bplazo\s+para\s+(?:enviar|mandar|devolver|regresar)\w*"
)


def asks_when_to_send(text: str) -> bool:
    """Whether the message asks by when a return must be sent back."""
    return bool(_WHEN_TO_SEND.search(normalize(text)))
