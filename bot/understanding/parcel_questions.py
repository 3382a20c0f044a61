"""Questions about a parcel whose order card is already on the buyer's screen.

Right after the card, "has it moved at all?", "why is it stuck" or "what carrier is it
with" ask for one fact the card holds.  Showing the whole card again for each (items,
money, timeline) buries the answer; these readers let the chat answer in a line
instead (`handlers/buyer/answers.act_on`).  They read only questions about the
parcel: anything else under the card goes on to the card, or where it was routed.

Pure functions over the text, English then Spanish, accents folded by `words`.
"""

from __future__ import annotations

import re

from bot.domain.enums import ClaimReason
from bot.understanding.steps import WENT_ASTRAY, return_reason, words

_WHEN = re.compile(
    r"\b(?:when|what\s+day|which\s+day|what\s+date|eta|how\s+long|how\s+many\s+(?:more\s+)?days|"
    r"arrive\s+by|get\s+here\s+by|cuando|que\s+dia|cuanto\s+(?:tarda|falta|demora))\b"
)

# The buyer missed the carrier: "i wasn't home when they came", "missed the delivery",
# "they left a card", "no estaba en casa cuando vino el cartero".  The card of a failed
# attempt has the carrier's advice; the model, unsure, asked "which of these?".
_MISSED = re.compile(
    r"\b(?:"
    r"(?:i|we)\s+(?:wasnt|was\s+not|werent|were\s+not)\s+(?:at\s+)?(?:home|in|around)\s+(?:when|as)|"
    r"(?:nobody|no\s+one|noone)\s+(?:was\s+)?(?:home|in|there)\b.{0,30}\b(?:deliver\w*|came|come|tried|knock\w*|driver|courier)|"
    r"missed\s+(?:the\s+|my\s+|a\s+)?(?:delivery|courier|driver|postman|mailman|parcel|package|carrier)|"
    r"(?:left|put)\s+(?:me\s+)?(?:a|the)\s+(?:card|note|slip|notice)\b(?!\s+(?:in|inside)\s+the\s+box)|"
    r"(?:got|found)\s+(?:a|the)\s+(?:missed\s+delivery|delivery|we\s+missed\s+you)\s+(?:card|note|slip|notice)|"
    r"no\s+(?:estaba|estabamos|habia\s+nadie)\s+(?:en\s+casa\s+)?cuando|"
    r"no\s+habia\s+nadie\s+en\s+casa|(?:deje|dejaron)\s+(?:un\s+)?aviso|"
    # or the carrier missed the buyer: "the driver never came", "el repartidor no vino"
    r"(?:courier|driver|delivery\s+(?:guy|man|person|driver)|postman|mailman|repartidor|cartero|"
    r"mensajero)\s+(?:never|didnt|did\s+not|hasnt|has\s+not|no|nunca)\s+(?:\w+\s+)?"
    r"(?:came|come|showed\s+up|show\s+up|turned\s+up|vino|llego|ha\s+venido|paso)|"
    # The carrier's side of a failed attempt, told by the buyer: "the delivery guy said
    # he couldnt find my house", "ups says nobody was home but i was home all day", "el
    # repartidor no encontró mi casa" (read as an address change, or "which of these?").
    r"(?<!\bi\s)(?<!\bwe\s)(?:couldnt|could\s+not|cant|cannot|can\s+not|was\s+unable\s+to|"
    r"were\s+unable\s+to|"
    r"didnt|did\s+not|no\s+(?:pudo|pudieron))\s+(?:find|locate|access|get\s+to|reach|"
    r"encontrar|ubicar|dar\s+con)\s+(?:my|the|our|mi|la|el|nuestra)\s+(?:house|home|address|place|"
    r"building|apartment|apt|flat|door|street|casa|direccion|edificio|departamento|calle)|"
    r"no\s+(?:encontro|encontraron|ubico|ubicaron)\s+(?:mi|la|el|nuestra)\s+"
    r"(?:casa|direccion|edificio|departamento|calle)|"
    r"(?:says?|said|claims?|claimed|marked|dice|dijo|dicen|dijeron)\s+(?:that\s+)?(?:nobody|no\s+one|noone|"
    r"no\s+habia\s+nadie)(?:\s+was)?(?:\s+(?:home|in|there|en\s+casa))?"
    r")"
)


def missed_the_delivery(text: str) -> bool:
    """The buyer says they missed the carrier's delivery attempt."""
    return _MISSED.search(_said(text)) is not None


# Whether it comes on a day, or at what time: "will it come today", "will it be here
# by friday", "i need it by saturday will it make it", "what time will it arrive
# tomorrow", "¿llega hoy?", "¿a qué hora llega?".  Found in the demo: under an order's
# card they got the card again, and "what time will it come tomorrow" was taken for
# small talk ("I can only help with your orders").
# The day a buyer needs the parcel by: a weekday, "tomorrow", "the weekend", "the 12th",
# an occasion ("christmas", "her birthday").
_NEEDED_DAY = (
    r"(?:(?:this\s+|next\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tonight|"
    r"tomorrow|tmrw|the\s+weekend|this\s+week(?:end)?|next\s+week|the\s+\d{1,2}(?:st|nd|rd|th)?|"
    r"\d{1,2}(?:st|nd|rd|th)|christmas|xmas|(?:her|his|my|our|their)\s+(?:birthday|wedding|party)|"
    r"an?\s+(?:birthday|wedding|party|trip|holiday))"
)

# A day named for a delivery, in the buyer's words: "on saturday", "mañana".
_A_DAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the\s+weekend|weekend|"
    r"tomorrow|tonight)"
)
_UN_DIA = r"(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|fin\s+de\s+semana|manana)"

# What a buyer may need by a day that is no parcel: "i need the refund by monday".
_NOT_A_PARCEL = r"(?:refund|money|reimbursement|return|label|answer|reply|invoice|receipt)\b"

_IN_TIME = re.compile(
    r"\b(?:"
    r"(?:will|would|is|does|can|could|should|gonna)\s+(?:it|they|my\s+(?:order|parcel|package))\s+"
    r"(?:still\s+|even\s+|actually\s+)?(?:be\s+)?(?:come|coming|arrive|arriving|get\s+here|getting\s+here|"
    r"here|there|delivered|make\s+it|reach\s+me|turn\s+up|show\s+up)\s+(?:\w+\s+)?"
    r"(?:today|tonight|tomorrow|tmrw|tmr|soon|this\s+week(?:end)?|on\s+time|in\s+time|by|before)|"
    r"make\s+it\s+(?:by|in\s+time|on\s+time|before)|(?:need|want)\s+it\s+(?:by|before)|"
    # "can i get it by friday", "could i have them before the weekend"
    r"(?:can|could|will|would)\s+i\s+(?:get|have|receive)\s+(?:it|them|my\s+(?:order|parcel|package))\s+"
    rf"(?:by|before)\s+{_NEEDED_DAY}|"
    # A day it is needed by, said rather than asked: "my son needs it for a school
    # trip on thursday", "it has to be here by the 12th", "lo necesito para el jueves".
    rf"(?:need|needs|needed|want|wanted)\s+(?:it|them|this|that|(?:the|my)\s+(?!{_NOT_A_PARCEL})\w+)\s+"
    rf"(?!back\b)(?:\w+\s+){{0,5}}?(?:by|before|for|on|until|til|till)\s+{_NEEDED_DAY}|"
    rf"(?:has|have|needs?)\s+to\s+(?:be\s+here|arrive|get\s+here|come|be\s+delivered)\s+"
    rf"(?:by|before|on|for)\s+{_NEEDED_DAY}|"
    rf"(?:lo|la|los|las)\s+necesito\s+(?:para|antes\s+del?)\s+(?:el\s+)?(?:{_UN_DIA}|hoy|\d{{1,2}})|"
    r"what\s+time|what\s+hour|(?:morning|afternoon|evening)\s+or\s+(?:morning|afternoon|evening)|"
    r"(?:llega|llegara|viene|vendra|lo\s+entregan|la\s+entregan)\s+(?:hoy|manana|esta\s+semana|a\s+tiempo)|"
    r"a\s+que\s+hora|para\s+el\s+\w+\s+(?:llega|llegara)"
    r")\b"
)

# "what time will it arrive", "a qué hora": the time of day, which no estimate has.
_WHAT_TIME = re.compile(
    r"\b(?:what\s+time|what\s+hour|a\s+que\s+hora|(?:morning|afternoon|evening)\s+or)\b"
)

# "has it moved", "any news", "is it stuck", "is it lost", "where is it now", "last
# scan"; "se ha movido", "no se mueve", "alguna novedad", "está perdido".
_MOVED = re.compile(
    r"\b(?:"
    r"(?:has|did|is)\s+(?:it|the\s+(?:parcel|package|order|box))\s+(?:even\s+)?(?:moved|moving|move|left|shipped\s+out)|"
    r"(?:hasnt|havent|didnt|isnt|not|never)\s+(?:even\s+)?(?:moved|moving|move|budged|updated|changed)|"
    r"any\s+(?:news|update|updates|movement|progress|change|changes)|"
    r"(?:no|zero)\s+(?:news|updates?|movement|progress)|"
    r"(?:is|its|it\s+is|seems|looks)\s+(?:\w+\s+){0,2}(?:stuck|lost|frozen|stalled|stopped)|why\s+(?:\w+\s+){0,3}stuck|stuck|"
    r"where\s+(?:is\s+it|its|exactly)\s*(?:now|right\s+now|at|at\s+the\s+moment)?$|"
    r"where\s+is\s+it\s+(?:now|right\s+now|at|at\s+the\s+moment)|"
    # "where is my lamp", "wheres the blanket now": the thing the parcel carries (not
    # "where is my refund", which the request answers, nor "where is my order", which
    # its card does)
    r"^(?:where\s+is|wheres|where\s+s)\s+(?:my|the)\s+(?!(?:refund|money|return|request|claim|receipt|"
    r"invoice|reembolso|dinero|devolucion|factura|tracking|order|orders|package|packages|parcel|"
    r"parcels|stuff|shipment|delivery|pedido|paquete)\b)\w+"
    r"(?:\s+(?:now|right\s+now|at))?$|"
    r"(?:last|latest)\s+(?:scan|update|news|location|checkpoint)|"
    r"se\s+ha\s+movido|no\s+se\s+(?:ha\s+)?mueve|no\s+se\s+ha\s+movido|alguna\s+novedad|"
    r"sin\s+moverse|sin\s+(?:ningun\s+)?(?:movimiento|actualizaci\w*|novedad\w*)|"
    r"(?:esta|se)\s+(?:perdido|perdio|atorado|atascado|estancado|parado)|"
    r"donde\s+(?:esta|va)\s+(?:ahora|ahorita)"
    r")\b"
)

# "what carrier", "which courier", "who's delivering it", "tracking number?", "is it
# ups or fedex"; "qué paquetería", "número de guía".
_CARRIER = re.compile(
    r"\b(?:"
    r"(?:what|which|who\s+is\s+the|whats\s+the|what\s+is\s+the)\s+(?:carrier|courier|shipping\s+company|"
    r"delivery\s+company|shipper|post(?:al)?\s+service|company)|"
    r"(?:carrier|courier)\s*$|"
    r"who\s+(?:is|s|will\s+be)\s+(?:delivering|bringing|shipping)|whos\s+(?:delivering|bringing)|"
    r"tracking\s+(?:number|no|num|code|id|link)|track(?:ing)?\s+(?:it|number)\s+myself|"
    r"(?:ups|usps|fedex|dhl)\s+or\s+(?:ups|usps|fedex|dhl)|"
    r"(?:que|cual)\s+(?:paqueteria|transportista|mensajeria|empresa)|"
    r"(?:numero|codigo)\s+de\s+(?:guia|seguimiento|rastreo)|con\s+quien\s+(?:viene|va|lo\s+mandaron)"
    r")\b"
)

# The shop's carriers in general ("which courier do you use?", "¿con qué paquetería
# envían?"): a question for the policies, not about one parcel.
_IN_GENERAL = re.compile(
    r"\b(?:you\s+(?:guys\s+)?(?:use|ship|send|work)|do\s+you\s+(?:use|ship)|usually|"
    r"usan|utilizan|envian|mandan|trabajan)\b"
)


# What to do about a parcel the carrier could not deliver or holds for pickup, asked
# under its card: "what do i do now", "can they try again tomorrow", "can i pick it
# up instead", "where do i pick it up", "until when", "what do i need to bring", "can
# someone else collect it"; "¿qué hago?", "¿dónde lo recojo?", "¿hasta cuándo?".
# Found in the demo: they got the help menu, the card again, "which of these?" and
# "put it another way" (two misses to a person), while the card's advice answers them.
_WHAT_TO_DO = re.compile(
    r"\b(?:"
    r"what\s+(?:do|should|can|shall|must)\s+i\s+do|what\s+now|now\s+what|what\s+are\s+my\s+options|"
    r"what\s+happens\s+(?:now|next)|"
    r"(?:try|come|deliver|attempt|bring\s+it|drop\s+it\s+off)\s+(?:\w+\s+){0,2}again|redeliver\w*|"
    r"another\s+(?:attempt|try|delivery)|reschedul\w*|"
    # another day or time, or somewhere else to leave it: "can you deliver it on
    # saturday instead", "i work until 6, can they come in the evening", "leave it with
    # my neighbour" (found in the demo: the support hours' policy, "which of these?")
    rf"(?:deliver|bring|drop\s+(?:it\s+)?off|come|send)\s+(?:it\s+|them\s+|back\s+)?(?:on\s+|this\s+|next\s+)?{_A_DAY}|"
    r"(?:deliver|bring|come|send)\s+(?:it\s+|them\s+|back\s+)?(?:in\s+the\s+(?:evening|morning|afternoon)|"
    r"after\s+\d|before\s+\d|later|another\s+day|a\s+different\s+(?:day|time))|"
    r"(?:leave|drop)\s+(?:it|them)\s+(?:with|at)\s+(?:my\s+|the\s+)?(?:neighbou?rs?|door|front\s+door|"
    r"reception|concierge|porch|office|work)|"
    # when the buyer is in: "i'll be home friday", "im only home after 6", "i'm back
    # tomorrow" (found in the demo: "I can only help with your orders…")
    r"i\s*(?:ll|will|m|am)\s+(?:only\s+|not\s+)?(?:be\s+)?(?:home|in|around|back|there|available)\s+"
    rf"(?:on\s+|this\s+|next\s+|until\s+|till\s+|after\s+|from\s+|in\s+the\s+)?(?:{_A_DAY}|\d|evening|morning|afternoon)|"
    rf"estoy\s+(?:en\s+casa\s+)?(?:el\s+)?{_UN_DIA}|estare\s+(?:en\s+casa\s+)?(?:el\s+)?{_UN_DIA}|"
    rf"(?:entregar(?:lo|la)?|traer(?:lo|la)?|venir|vengan|pasar)\s+(?:el\s+)?(?:{_UN_DIA}|en\s+la\s+(?:tarde|manana|noche)|otro\s+dia)|"
    r"pick\s+(?:it|them|the\s+\w+)\s+up|pick\s+up|pickup|collect\s+(?:it|them|the\s+\w+)|"
    r"go\s+get\s+it|get\s+it\s+myself|"
    r"where\s+(?:do|can|should|would|will)\s+i\s+(?:go|get|find|collect|pick)|"
    r"where\s+is\s+it\s+(?:waiting|being\s+held|held|kept)|"
    r"until\s+when|by\s+when|how\s+long\s+(?:will|do|does|can|would)\s+(?:they|it|the\s+\w+)\s+"
    r"(?:keep|hold|wait|stay)|"
    r"what\s+(?:do|should|will|must)\s+i\s+(?:need\s+to\s+|have\s+to\s+)?(?:bring|take|show)|"
    r"do\s+i\s+need\s+(?:an?\s+|my\s+)?(?:id|identification|ticket|notice|slip)|"
    r"(?:someone|somebody|my\s+\w+|a\s+friend|a\s+neighbou?r)\s+(?:else\s+)?(?:can|could|to)\s+"
    r"(?:pick|collect|get)|"
    r"(?:can|could)\s+(?:someone|somebody|my\s+\w+|a\s+friend|a\s+neighbou?r)\s+(?:else\s+)?"
    r"(?:pick|collect|get)|"
    r"que\s+hago|que\s+(?:debo|puedo|tengo\s+que)\s+hacer|y\s+ahora\s+que|"
    r"(?:vuelven|volveran|van)\s+a\s+(?:intentar|traer|entregar)|otro\s+intento|"
    r"recoger\w*|recojo|retirar\w*|donde\s+(?:lo|la)\s+(?:recojo|busco)|"
    r"hasta\s+cuando|que\s+(?:necesito|tengo\s+que)\s+llevar|"
    # "¿pueden dejarlo con el vecino?", "que lo dejen en la portería" (found in the
    # demo: "which of these?", where "leave it with my neighbour" got the advice)
    r"(?:dejar|dejen|dejan|deje|entregar|entreguen|entregan|den)(?:lo|la|los|las)?\s+"
    r"(?:con|a|en)\s+(?:el\s+|la\s+|mi\s+|un\s+|una\s+)?(?:vecin[oa]s?|porteria|portero|conserje|"
    r"recepcion|puerta|oficina|trabajo|tienda)"
    r")\b|^(?:where|donde|and\s+where|y\s+donde)$"
)

# "until when", "how long will they keep it": how long a pickup point holds it.
_UNTIL_WHEN = re.compile(
    r"\b(?:until\s+when|by\s+when|how\s+long\s+(?:will|do|does|can|would)\s+(?:they|it|the\s+\w+)\s+"
    r"(?:keep|hold|wait|stay)|hasta\s+cuando)\b"
)


# Why a late parcel is late, or that it still is: "why is it late", "why the delay",
# "it's still not here", "¿por qué tarda tanto?".  Read only under the card of a late
# order, whose news answers it.
_LATE = re.compile(
    r"\b(?:"
    r"why\s+(?:is|s|it|its|does|did|has|was)\s+(?:\w+\s+){0,3}(?:late|delayed|taking|take|so\s+long)|"
    r"why\s+the\s+delay|what\s+(?:is|s)\s+the\s+delay|"
    r"(?:still|yet)\s+(?:not\s+)?(?:here|arrived|delivered|nothing)|"
    r"(?:not|hasnt|never)\s+(?:\w+\s+)?(?:arrived|come|here)\s+yet|"
    r"(?:is\s+it|it\s+s|its|it\s+is)\s+(?:running\s+)?late|"
    r"por\s*que\s+(?:\w+\s+){0,2}(?:tarda|demora|retras)\w*|"
    r"(?:todavia|aun)\s+no\s+(?:llega|ha\s+llegado|llego)"
    r")\b"
)


def asks_why_late(text: str) -> bool:
    """The buyer asks why the parcel is late, or says it still has not come."""
    return _LATE.search(_said(text)) is not None


def asks_what_to_do(text: str) -> bool:
    """The buyer asks what to do about a parcel the carrier could not deliver or holds
    for pickup: try again, pick it up, where, until when, what to bring."""
    return _WHAT_TO_DO.search(_said(text)) is not None


def asks_until_when(text: str) -> bool:
    """ "until when", "how long will they keep it": how long it waits for the buyer."""
    return _UNTIL_WHEN.search(_said(text)) is not None


def _said(text: str) -> str:
    return " ".join(words(text))


def asks_when_it_arrives(text: str) -> bool:
    """A question about an order asks for the day ("when will it arrive?", "eta?",
    "cuándo llega?", "how long until it gets here"): read with the tracking intent."""
    said = _said(text)
    return _WHEN.search(said) is not None or _IN_TIME.search(said) is not None


def asks_if_in_time(text: str) -> bool:
    """The buyer asks whether the parcel comes on a day, or at what time ("will it
    come today", "i need it by friday, will it make it", "what time will it arrive")."""
    return _IN_TIME.search(_said(text)) is not None


def asks_what_time(text: str) -> bool:
    """The buyer asks for the time of day the parcel comes."""
    return _WHAT_TIME.search(_said(text)) is not None


def asks_if_it_moved(text: str) -> bool:
    """The buyer asks whether the parcel has moved lately, or why not ("has it moved at
    all?", "any update?", "why is it stuck", "where is it now", "¿se ha movido?")."""
    return _MOVED.search(_said(text)) is not None


def asks_for_the_carrier(text: str) -> bool:
    """The buyer asks who carries the parcel or for its tracking number ("what carrier
    is it with", "tracking number?", "¿qué paquetería es?")."""
    said = _said(text)
    return _CARRIER.search(said) is not None and _IN_GENERAL.search(said) is None


def asks_about_the_parcel(text: str) -> bool:
    """Either question: whether it moved, or who carries it."""
    return asks_if_it_moved(text) or asks_for_the_carrier(text)


_ASTRAY = re.compile(WENT_ASTRAY)


def went_astray(text: str) -> bool:
    """The buyer says the parcel reached someone else: stolen, or delivered to the
    wrong door ("my package was stolen from my porch")."""
    return _ASTRAY.search(_said(text)) is not None


def reports_missing(text: str) -> bool:
    """The buyer says the parcel never came ("it says delivered but I never got it",
    "no me llegó"): about an order marked delivered, where to look, and the report."""
    return return_reason(text) == ClaimReason.NOT_RECEIVED
