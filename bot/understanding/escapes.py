"""The few things a person can say from any step of any flow, and be understood.

Inside a flow the bot reads typed text for the step's own answer (a quantity, a
reason, an amount). A short set of escapes is read first, the same at every step:

* **cancel**: "cancel", "stop", "never mind", "forget it", "start over";
* **person**: "talk to a person", "human", "agent please", "customer service";
* **help**: "help", "?", "what do I do", "I don't understand".

Words that answer a step are not escapes, even when they end a flow elsewhere: "I
changed my mind" is a return reason, "no thanks" skips a note. Only short messages
that are nothing but the escape count ("stop" is an escape, "the
strap stopped working" is a return reason; "cancel" is, "cancel the second item only"
is not): a step never loses a real answer to a keyword inside it.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Escape(StrEnum):
    CANCEL = "cancel"
    PERSON = "person"
    HELP = "help"


# Words of politeness and filler around an escape: "ok cancel please", "pls stop".
_FILLER = (
    r"(?:please|pls|plz|ok(?:ay)?|just|now|then|so|oh|hmm+|um+|uh+|actually|sorry|thanks|"
    r"thank\s+you|i\s+said|i\s+want\s+to|i\s+wanna|i'?d\s+like\s+to|can\s+i|let\s+me|"
    r"could\s+i|can\s+you|could\s+you|(?:i\s+)?need\s+(?:to)?|lol|ugh|hey|hi|"
    r"por\s+favor|porfa|ya|solo|quiero|necesito|gracias|hola|oye)"  # Spanish
)

_CANCEL = (
    r"(?:cancel|stop|quit|exit|abort|end|halt|never\s*mind|nvm|forget\s+(?:it|this|that)|"
    r"start\s+(?:over|again)|go\s+back\s+to\s+(?:the\s+)?(?:start|menu)|main\s+menu|menu)"
    r"(?:\s+(?:it|this|that|everything|all|the\s+(?:return|request|claim)|this\s+(?:return|request)))?"
)

_PERSON = (
    r"(?:(?:talk|speak|chat|connect\s+me)\s+(?:to|with)\s+)?"
    r"(?:a\s+|an\s+|the\s+|some\s*one\s+|somebody\s+)?"
    r"(?:real\s+|live\s+|actual\s+)?"
    r"(?:human(?:\s+being)?|person|people|agent|operator|representative|rep|staff|"
    r"customer\s+(?:service|support|care)|support\s+(?:team|agent|staff)|manager|someone|somebody)"
)
# A bare "person"/"someone" is only an escape after a verb of talking.
_PERSON_BARE = re.compile(
    r"^(?:a\s+|the\s+)?(?:person|people|someone|somebody|staff|rep)$|^(?:una\s+)?persona$"
)

_HELP = (
    r"(?:help(?:\s+me)?|\?+|what\??|huh\??|what\s+now|what\s+do\s+i\s+(?:do|type|say|send)|"
    r"what\s+should\s+i\s+(?:do|type|say|send)|how\s+does\s+this\s+work|i'?m\s+(?:confused|lost|stuck)|"
    r"i\s+(?:don'?t|do\s+not)\s+(?:understand|get\s+it)|options|what\s+are\s+my\s+options)"
)


# Spanish, read with accents folded (see `normalize`).
_CANCEL_ES = (
    r"(?:cancelar|cancela|para|parar|basta|salir|olvidalo|deja(?:lo)?|"
    r"empezar\s+de\s+nuevo|volver\s+a\s+empezar|menu(?:\s+principal)?)"
)
_PERSON_ES = (
    r"(?:hablar\s+con\s+)?(?:una\s+|un\s+|alguien\s+de\s+)?"
    r"(?:persona(?:\s+real)?|humano|agente|asesor|soporte|"
    r"(?:atencion|servicio)\s+al\s+cliente)"
)
_HELP_ES = r"(?:ayuda|ayudame|no\s+entiendo|que\s+hago|que\s+tengo\s+que\s+hacer|opciones)"


def _whole(core: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{_FILLER}\s+)*(?:{core})(?:\s+{_FILLER})*$")


_PATTERNS = (
    (Escape.CANCEL, _whole(f"{_CANCEL}|{_CANCEL_ES}")),
    (Escape.PERSON, _whole(f"{_PERSON}|{_PERSON_ES}")),
    (Escape.HELP, _whole(f"{_HELP}|{_HELP_ES}")),
)
MAX_WORDS = 8


def normalize(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation and emoji around words gone."""
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[^\w\s'?]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=\w)\s+\?", "?", text)


def read_escape(text: str | None) -> Escape | None:
    """The escape this message is, if it is nothing else."""
    if not text:
        return None
    said = normalize(text)
    if not said or len(said.split()) > MAX_WORDS:
        return None
    if text.strip() and set(text.strip()) <= {"?"}:
        return Escape.HELP
    for escape, pattern in _PATTERNS:
        if pattern.match(said):
            if escape is Escape.PERSON and _PERSON_BARE.match(said):
                return None
            return escape
    return None
