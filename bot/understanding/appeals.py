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


def asks_to_appeal(text: str) -> bool:
    """Whether the message asks to appeal (or contest) a seller's decision."""
    return bool(_APPEAL.search(normalize(text)))
