"""Whether the buyer says an order is not theirs: fraud, not a question.

"i never ordered this, someone used my card", "i don't recognize this order", "my
account got hacked", "no reconozco este pedido": the buyer did not make the order.
The model, which learned no such class, read them as an order's card, a cancel ("i
dont recognize this order" opened "Cancel order …?"), a payments answer or "which of
these?".  None of these helps: an order someone else placed with the buyer's card or
account is for a person to look into (and for the buyer's bank), so the chat hands it
over (`handlers/buyer/answers.py`).

The rule (`disowns_an_order`): the message says one of

* the buyer did not place, make or authorise an order or a purchase ("i didn't place
  this order", "we never made any purchase", "yo no hice este pedido");
* such an order is not theirs, or not recognised ("this order isn't mine", "i don't
  recognise this order", "no reconozco este pedido");
* someone used or got into their account, or it was hacked ("my account got hacked",
  "me hackearon la cuenta");
* someone used or stole their card, and the message speaks of an order ("i never
  ordered this, someone used my card", "alguien usó mi tarjeta para comprar esto");
* the order was unauthorised or fraudulent ("unauthorized order", "compra no
  autorizada");

and names no one close who placed it ("i didn't place this order, my wife did" is a
family order, which the usual routing takes).  A charge alone ("i dont recognize this
charge", "someone used my card", "unauthorized charge on my card") stays a payments
question, which the shop's policy answers, as the corpus labels it; "this shop is a
fraud" stays a complaint.  "i didn't order this" alone is not enough: said of a
parcel's contents it is a wrong item, which the return flow takes.

Pure functions; the routing (`bot/services/routing.py`) applies it.
"""

from __future__ import annotations

import re

from bot.understanding.steps import words

# Words as `steps.words` gives them: lower case, no apostrophes, accents folded.  Only
# orders: a charge the buyer does not recognise ("i dont recognize this charge") is a
# payments question, which the shop's policy answers (pending holds, double charges).
_ORDER = r"(?:order|purchase|pedido|compra|orden)s?"
_THIS = r"(?:this|that|the|these|those|an?|any|some|este|esta|ese|esa|el|la|un|una|ningun|ninguna)"
_NOT_MADE = re.compile(
    r"\b(?:i|we)\s+(?:didnt|did\s+not|never|havent|have\s+not|dont|do\s+not)\s+"
    rf"(?:place|placed|make|made|authori[sz]ed?|approved?|agree\s+to)\s+{_THIS}\s+(?:\w+\s+)?{_ORDER}\b"
    r"|\b(?:i|we)\s+(?:didnt|did\s+not|never|havent|have\s+not)\s+(?:order|ordered|buy|bought|purchased?)\s+"
    r"(?:anything|any\s+of\s+(?:this|these|that|it)|this\s+order|that\s+order)\b"
    rf"|\bno\s+(?:hice|realice|pedi|compre|autorice|he\s+hecho|he\s+realizado)\s+{_THIS}\s+{_ORDER}\b"
    r"|\bno\s+(?:hice|pedi|compre)\s+nada\b"
)
_NOT_MINE = re.compile(
    rf"\b{_THIS}\s+{_ORDER}\s+(?:isnt|is\s+not|wasnt|was\s+not|arent|are\s+not)\s+(?:mine|ours|from\s+me|made\s+by\s+me)\b"
    rf"|\b(?:i|we)\s+(?:dont|do\s+not|cant|cannot)\s+recogni[sz]e\s+{_THIS}\s+(?:\w+\s+)?{_ORDER}\b"
    rf"|\bno\s+reconozco\s+{_THIS}\s+{_ORDER}\b"
    rf"|\b{_THIS}\s+{_ORDER}\s+no\s+(?:es|era)\s+(?:mio|mia|nuestro|nuestra)\b"
)
# Someone else in the buyer's account: an order may follow, whatever was said of it.
_ACCOUNT_TAKEN = re.compile(
    r"\b(?:someone|somebody|some\s+one|a\s+stranger)\s+(?:else\s+)?(?:has\s+)?(?:used|hacked|got\s+into|"
    r"is\s+using|accessed|logged\s+into|broke\s+into)\s+(?:my|our)\s+account\b"
    r"|\b(?:my|our)\s+account\s+(?:was|got|has\s+been|is|have\s+been)\s+(?:hacked|stolen|compromised)"
    r"|\balguien\s+(?:uso|ha\s+usado|hackeo|entro\s+a|entro\s+en)\s+mi\s+cuenta\b"
    r"|\b(?:me\s+)?(?:hackearon|robaron)\s+(?:la|mi)\s+cuenta\b"
)
# Someone else's hands on the buyer's card: an order when the message speaks of one
# ("i never ordered this, someone used my card"); alone, a charge (the payments policy).
_CARD_TAKEN = re.compile(
    r"\b(?:someone|somebody|some\s+one|a\s+stranger)\s+(?:else\s+)?(?:has\s+)?(?:used|stole|took|is\s+using)\s+"
    r"(?:my|our)\s+(?:credit\s+|debit\s+|bank\s+)?(?:card|paypal|details|payment\s+details)\b"
    r"|\b(?:my|our)\s+(?:credit\s+|debit\s+|bank\s+)?(?:card|paypal)\s+(?:was|got|has\s+been|is)\s+"
    r"(?:stolen|hacked|compromised|used\s+without)"
    r"|\balguien\s+(?:uso|ha\s+usado|robo)\s+mi\s+(?:tarjeta|paypal)\b"
    r"|\b(?:me\s+)?(?:robaron|clonaron)\s+(?:la|mi)\s+tarjeta\b"
)
_ORDER_SPOKEN_OF = re.compile(
    r"\b(?:order|orders|ordered|purchase|purchased|bought|buy|pedido|pedidos|compra|comprar|compro|compraron|pedir|pidio|pidieron)\b"
)
_UNAUTHORISED = re.compile(
    rf"\b(?:unauthori[sz]ed|fraudulent|fake)\s+(?:\w+\s+)?{_ORDER}\b"
    rf"|\b{_ORDER}\s+(?:no\s+autorizad[oa]s?|fraudulent[oa]s?)\b"
)
# Someone close who placed it: then it is a family order, not a stolen card.
_SOMEONE_CLOSE = re.compile(
    r"\b(?:my|mi)\s+(?:wife|husband|partner|son|daughter|kid|kids|child|mom|mum|mother|dad|"
    r"father|friend|brother|sister|boss|boyfriend|girlfriend|roommate|esposa|esposo|hijo|"
    r"hija|mama|papa|madre|padre|amigo|amiga|hermano|hermana|novio|novia|pareja)\b"
)


def disowns_an_order(text: str) -> bool:
    """The buyer says an order or a charge is not theirs (see the module's rule)."""
    said = " ".join(words(text))
    if _SOMEONE_CLOSE.search(said):
        return False
    if _CARD_TAKEN.search(said) and _ORDER_SPOKEN_OF.search(said):
        return True
    return any(
        pattern.search(said) is not None
        for pattern in (_NOT_MADE, _NOT_MINE, _ACCOUNT_TAKEN, _UNAUTHORISED)
    )
