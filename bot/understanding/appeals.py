"""A buyer asking in words to appeal a seller's decision ("I want to appeal", "I
disagree with the rejection", "quiero apelar").

Read by rules, and only where it matters: the words count when the buyer has a request
they may still appeal (rejected, or refunded less than asked, within the window), and
what the bot does then is offer the appeal button, so a misreading costs one message
and decides nothing.  No intent of the model covers appeals: without this, the words
reached the answer engine, or staff with no verdict to give (the claim was never
appealed, so its ticket had no verdict buttons).
"""

from __future__ import annotations

import re

from bot.understanding.escapes import normalize

_APPEAL = re.compile(
    r"\bappeal(?:s|ed|ing)?\b|\bdispute\b|\bdisagree\b|\breconsider\b|"
    r"(?:not|don'?t|do\s+not|can'?t|cannot)\s+(?:accept|agree\s+with)\s+"
    r"(?:the|this|your|that|his|her|their)\s+(?:decision|rejection|refusal|answer)|"
    r"(?:rejection|decision|refusal)\s+(?:is|was)\s+(?:wrong|unfair|not\s+fair)|"
    r"unfair(?:ly)?\s+reject|review\s+(?:the|this|my)\s+(?:decision|rejection)|"
    # Spanish (folded: no accents)
    r"\bapel(?:ar|o|acion|ar\s+la)\b|\bimpugn|no\s+estoy\s+de\s+acuerdo|"
    r"reclamar\s+(?:la|esta|el)\s+(?:decision|rechazo)|revis(?:ar|en|e)\s+(?:la|el)\s+"
    r"(?:decision|rechazo)"
)


# Disagreeing, without the word "appeal" ("that's not true", "it IS cracked", "es
# mentira"): counted only while a decision of the seller may still be appealed, when it
# is most likely an answer to that decision (handlers/buyer/typed_appeal.py).
_DISAGREES = re.compile(
    r"\bnot\s+true\b|\buntrue\b|\bthats?\s+(?:a\s+)?(?:lie|wrong|false|ridiculous|unfair|"
    r"not\s+(?:right|fair|true)|bs|bull\w*|nonsense|rubbish|a\s+joke)\b|\blie(?:s|d)?\b|\bliars?\b|"
    r"\bunfair\b|\bridiculous\b|\bno\s+way\b|\bare\s+you\s+(?:kidding|serious|joking)\b|"
    r"\b(?:it|its|it\s+is|it\s+was|was|is)\s+(?:really\s+|definitely\s+|clearly\s+|obviously\s+)?"
    r"(?:broken|cracked|damaged|chipped|smashed|faulty|defective)\b|"
    r"\b(?:i|we)\s+(?:dont|do\s+not)\s+agree\b|\bwrong\s+decision\b|"
    # "i don't accept this" (found in the demo: the payments policy, "we accept Visa")
    r"\b(?:i|we)\s+(?:dont|do\s+not|cant|cannot|wont|will\s+not)\s+accept\s+(?:this|that|it)\b|"
    r"\bnot\s+acceptable\b|\bunacceptable\b|\bno\s+(?:lo\s+)?acepto\b|"
    # What a partial refund paid is too little: "that's not enough", "only 5 dollars??",
    # "I want the full refund", "it's unusable"
    r"\bnot\s+enough\b|\bnowhere\s+near\b|\bis\s+that\s+(?:it|all)\b|"
    # "that's way too little", "too low" (found in the demo: "👍 Anything else?")
    r"\btoo\s+(?:little|low|less)\b|\bthats\s+nothing\b|\bpeanuts\b|"
    r"\bonly\s+(?:\$|€|£)?\d|\b(?:full|whole|entire)\s+(?:refund|amount)\b|\bunusable\b|"
    r"\bworthless\b|\binsult\w*\b|"
    # Spanish (folded)
    r"\bmentira\b|\bno\s+es\s+(?:verdad|cierto|justo|suficiente)\b|\bno\s+alcanza\b|"
    r"\breembolso\s+complet|\b(?:muy|demasiado)\s+poco\b|\bes\s+(?:muy\s+)?poco\b|\bsolo\s+(?:\$|€)?\d|\binjust[oa]\b|\bsi\s+esta\s+(?:roto|rota|danad[oa])\b"
)


def asks_to_appeal(text: str) -> bool:
    """Whether the message asks to appeal (or contest) a seller's decision."""
    return bool(_APPEAL.search(normalize(text)))


def disagrees(text: str) -> bool:
    """Whether the message disputes what was decided, without asking to appeal."""
    return bool(_DISAGREES.search(normalize(text).replace("'", "")))
