"""The few things a person can say from any step of any flow, and be understood.

Inside a flow the bot reads typed text for the step's own answer (a quantity, a
reason, an amount). A short set of escapes is read first, the same at every step:

* **cancel**: "cancel", "stop", "never mind", "forget it", "start over";
* **person**: "talk to a person", "human", "agent please", "customer service";
* **help**: "help", "?", "what do I do", "I don't understand";
* **back**: "back", "go back", "previous step", "undo" (in a flow with a Back button,
  it does what the button does; elsewhere it is no escape and goes to the step).

And the same in Spanish (read on folded text, accents optional): "cancelar", "para",
"olvídalo", "empezar de nuevo"; "hablar con una persona", "un humano", "agente por
favor", "con una persona" (the verb left out), "atención al cliente"; "ayuda", "qué
hago", "no entiendo"; "atrás", "volver", "paso anterior".

Words that answer a step are not escapes, even when they end a flow elsewhere: "I
changed my mind" is a return reason, "no thanks" skips a note. Only short messages
that are nothing but the escape count ("stop" is an escape, "the
strap stopped working" is a return reason; "cancel" is, "cancel the second item only"
is not): a step never loses a real answer to a keyword inside it.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.domain.language_detect import fold


class Escape(StrEnum):
    CANCEL = "cancel"
    PERSON = "person"
    HELP = "help"
    BACK = "back"


# Words of politeness and filler around an escape: "ok cancel please", "pls stop".
_FILLER = (
    r"(?:please|pls|plz|ok(?:ay)?|just|now|then|so|oh|hmm+|um+|uh+|actually|sorry|thanks|"
    # "i want" / "i need" with or without "to": "i want talk with human", "i need human"
    # (English as many buyers write it).
    r"thank\s+you|i\s+said|(?:i\s+)?want(?:\s+to)?|i\s+wanna|i'?d\s+like\s+to|can\s+i|"
    r"let\s+me|could\s+i|can\s+you|could\s+you|(?:i\s+)?need(?:\s+to)?|give\s+me|lol|ugh|"
    r"hey|hi|"
    # Spanish
    r"por\s+favor|porfa|porfavor|xfa|vale|ya|bueno|pues|perdon|gracias|quiero|quisiera|"
    r"necesito|puedo|me\s+puedes|me\s+pueden|puedes|pueden|oye|hola|mejor)"
)

_CANCEL = (
    r"(?:cancel|stop|quit|exit|abort|end|halt|never\s*mind|nvm|forget\s+(?:it|this|that)|"
    r"start\s+(?:over|again)|go\s+back\s+to\s+(?:the\s+)?(?:start|menu)|main\s+menu|menu)"
    r"(?:\s+(?:it|this|that|everything|all|the\s+(?:return|request|claim)|this\s+(?:return|request)))?"
    # Spanish: "cancelar", "cancela", "para", "déjalo", "olvídalo", "salir", "empezar de nuevo"
    r"|(?:cancelar|cancela|cancelalo|anular|anula|parar|para|basta|detener|salir|sal|deja|"
    r"dejalo|olvidalo|olvida(?:lo)?|no\s+importa|da\s+igual|empezar\s+de\s+nuevo|"
    r"volver\s+(?:a\s+empezar|al\s+(?:inicio|menu))|menu(?:\s+principal)?)"
    r"(?:\s+(?:todo|esto|eso|la\s+(?:devolucion|solicitud)|esta\s+(?:devolucion|solicitud)))?"
)

_PERSON = (
    r"(?:(?:talk|speak|chat|connect\s+me)\s+(?:(?:to|with)\s+)?)?"
    r"(?:a\s+|an\s+|the\s+|some\s*one\s+|somebody\s+)?"
    r"(?:real\s+|live\s+|actual\s+)?"
    r"(?:human(?:\s+being)?|person|people|agent|operator|representative|rep|staff|"
    r"customer\s+(?:service|support|care)|support\s+(?:team|agent|staff)|manager|someone|somebody)"
    # Spanish: "hablar con una persona", "un humano", "pasame con un agente"
    r"|(?:(?:hablar|habla|pasame|pasa(?:me)?|comunicame|ponme|conectame|"
    r"quiero\s+hablar|atiendame|que\s+me\s+atienda)\s+(?:con\s+)?|con\s+)?"
    r"(?:un\s+|una\s+|el\s+|la\s+|alguien\s+)?"
    r"(?:humano|persona(?:\s+real)?|ser\s+humano|agente|operador(?:a)?|asesor(?:a)?|"
    r"encargado|(?:atencion|servicio)\s+al\s+cliente|soporte|alguien(?:\s+(?:real|de\s+verdad))?)"
)
# A bare "person"/"someone" is only an escape after a verb of talking.
_PERSON_BARE = re.compile(
    r"^(?:a\s+|the\s+|una\s+|la\s+)?(?:person|people|someone|somebody|staff|rep|persona|alguien)$"
)

_HELP = (
    r"(?:help(?:\s+me)?|\?+|what\??|huh\??|what\s+now|what\s+do\s+i\s+(?:do|type|say|send)|"
    r"what\s+should\s+i\s+(?:do|type|say|send)|how\s+does\s+this\s+work|i'?m\s+(?:confused|lost|stuck)|"
    r"i\s+(?:don'?t|do\s+not)\s+(?:understand|get\s+it)|options|what\s+are\s+my\s+options|"
    # Asking the bot what it is for: "what can you do", "what can you help me with",
    # "how can you help", "what is this bot", "how do I use this".
    r"what\s+(?:can|could|do)\s+(?:you|u|this\s+bot|this|the\s+bot)\s+(?:do|help(?:\s+me)?"
    r"(?:\s+with)?)(?:\s+for\s+me)?\??|how\s+(?:can|could|do)\s+(?:you|u)\s+help(?:\s+me)?\??|"
    r"what\s+(?:is|are)\s+(?:this|this\s+bot|you)\s+for\??|what\s+is\s+this(?:\s+bot)?\??|"
    r"what\s+can\s+i\s+(?:do|ask)(?:\s+(?:you|here))?\??|how\s+do\s+i\s+use\s+(?:this|you)(?:\s+bot)?\??|"
    # Spanish: "qué puedes hacer", "en qué me puedes ayudar", "para qué sirves"
    r"que\s+(?:puedes|podes|sabes)\s+hacer\??|en\s+que\s+(?:me\s+)?(?:puedes|podes|puede)\s+"
    r"ayudar(?:me)?\??|para\s+que\s+(?:sirves|sirve\s+esto|sirve\s+este\s+bot)\??|"
    # Spanish: "ayuda", "qué hago", "no entiendo", "cómo funciona", "opciones"
    r"ayuda(?:me)?|socorro|que\s+hago\??|que\s+tengo\s+que\s+(?:hacer|poner|escribir)\??|"
    r"como\s+funciona(?:\s+esto)?|no\s+(?:entiendo|lo\s+entiendo|se\s+que\s+hacer)|"
    r"estoy\s+(?:perdido|perdida|confundido|confundida)|opciones|que\??)"
)

_BACK = (
    r"(?:go\s+|step\s+|one\s+step\s+|a\s+step\s+)?back(?:\s+(?:a\s+step|one\s+step|one|up))?|"
    r"(?:go\s+to\s+(?:the\s+)?)?previous(?:\s+(?:step|question|page|screen|one))?|undo|"
    # Spanish: "atrás", "volver", "volver atrás", "paso anterior", "regresar"
    r"(?:ir\s+|volver\s+|vuelve\s+|regresar\s+)?(?:para\s+)?atras|volver|vuelve|regresar|regresa|"
    r"(?:al\s+)?paso\s+anterior|anterior"
)


def _whole(core: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{_FILLER}\s+)*(?:{core})(?:\s+{_FILLER})*$")


_PATTERNS = (
    (Escape.CANCEL, _whole(_CANCEL)),
    (Escape.PERSON, _whole(_PERSON)),
    (Escape.HELP, _whole(_HELP)),
    (Escape.BACK, _whole(_BACK)),
)
MAX_WORDS = 8


def normalize(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation and emoji around words gone."""
    text = fold(text).replace("’", "'").replace("‘", "'").replace("¿", " ")
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
