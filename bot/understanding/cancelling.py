"""What a buyer means by "cancel": the order, a return request, or the question asked.

"Cancel" is the most overloaded word buyers type. Three readings, one home each:

* `cancels(text)`: the message is nothing but a wish to cancel ("cancel", "plz cancel",
  "can i cancel this", "cancelar"). Inside a flow that is the escape that leaves it
  (`bot.understanding.escapes`); outside one there is no flow to leave, so the buyer
  means their order. "stop", "never mind" and "menu" are escapes too, but they cancel
  nothing: only the words of cancelling count here.
* `withdraws_request(text)`: cancelling a return or refund request ("i changed my
  mind, cancel my return", "withdraw the refund request", "anular la devolución").
  Read before the intent model, which hears "cancel" and means the order: a delivered
  order would get "it can't be cancelled, ask for a return instead" although the
  return already exists.
* `cancels_the_order(text)`: the same wish, with the order named or asked as a
  question ("can I cancel it?"); while the order's proof is asked for, it is what
  the buyer wants once it is proved, not "stop linking".
* `keeps_the_order(text)`: the opposite wish, "never mind, don't cancel", "i want to
  keep my order", "cancel my cancellation request", "ya no quiero cancelarlo": read
  before the model, which hears "cancel" and opened the cancel question.  A request
  already sent to the seller is withdrawn; with none, nothing is cancelled.
* `cancel_answer(text)`: a typed answer to "Cancel order X?". There "cancel" and
  "cancel it" answer yes (the buyer repeats what was asked), so `cancels_it` is read
  before the escapes at that question; "keep it", "keep the order", "conservarlo"
  (the No button's own words, `keeps_it`) answer no; everything else is the shared
  yes/no reader
  (`steps.yes_no`), so every answer the return flow's confirm takes ("sí", "yes,
  cancel my order", "👍") works here too. "stop" stays the escape that keeps the order.

Pure functions, no framework: the handlers and the tests share them.
"""

from __future__ import annotations

import re

from bot.understanding.escapes import Escape, normalize, read_escape
from bot.understanding.steps import asks_something, words, yes_no

# The verbs of cancelling, English and Spanish (accents folded: "cancélalo" → "cancelalo").
_CANCEL_VERB = r"cancel\w*|anul\w*"

# Politeness and filler around "cancel it" at the cancel question: "please cancel",
# "ok cancel it then", "go ahead and cancel", "quiero cancelarlo", "por favor anúlalo".
_AROUND = (
    r"please|pls|plz|ok|okay|just|then|now|yes|yeah|yep|sure|go\s+ahead\s+and|"
    r"i\s+want(?:\s+to)?|i\s+wanna|(?:i\s+)?need(?:\s+to)?|id\s+like\s+to|"
    r"por\s+favor|porfa|si|vale|quiero|mejor|ya"
)
_CANCEL_IT = re.compile(
    rf"(?:(?:{_AROUND})\s+)*"
    r"(?:cancel|cancel+ar|cancela|anular|anula)(?:l[oa])?"
    r"(?:\s+(?:it|that|this|(?:the|my|this|that)\s+(?:order|one)|"
    # "ok then cancel everything", "cancel the whole order", "cancélalo todo"
    r"everything|it\s+all|all(?:\s+of\s+it)?|the\s+(?:whole|entire)\s+(?:order|thing)|the\s+lot|"
    r"(?:el|mi|este)\s+pedido|todo(?:\s+el\s+pedido)?))?"
    rf"(?:\s+(?:{_AROUND}))*"
)

# "keep", "no, keep the order", "I'll keep it", "conservar el pedido", "me lo quedo".
_KEEP_IT = re.compile(
    rf"(?:(?:no|nope|nah|please|pls|ok|okay|i|ill|i\s+will|id\s+rather|{_AROUND})\s+)*"
    r"(?:keep|conservar|conservarlo|conservala|conservarla|mantener|mantenerlo|quedarmelo"
    r"|me\s+lo\s+quedo|lo\s+conservo|lo\s+mantengo)"
    r"(?:\s+(?:it|that|this|(?:the|my|this|that)\s+(?:order|one)|(?:el|mi|este)\s+pedido))?"
    r"(?:\s+(?:please|pls|thanks|por\s+favor|gracias))?"
)

# The requests a buyer files after delivery: a return, a refund, a claim.  A bare
# "request" needs "my"/"the" before it: "send a cancel request" is about the order.
_REQUEST = (
    r"(?:return|refund|claim|exchange|replacement)s?(?:\s+(?:request|claim))?"
    r"|(?:my|the|this|that|our)\s+request"
    # Spanish
    r"|devolucion(?:es)?|reembolso|reclamo|reclamacion|(?:mi|la|esta|esa)\s+solicitud"
)
_DETERMINER = r"my|the|this|that|a|an|our|last|new|mi|la|el|esta|este|esa|ese"
_WITHDRAW_VERB = (
    rf"{_CANCEL_VERB}|withdraw\w*|retract\w*|revoke|undo|call\s+off|take\s+back|drop|"
    r"retir\w*|quit\w*|deshacer"
)
# "cancel my return", "withdraw the refund request", "anular la devolución", and the
# other way round, when the cancelling ends the message: "my return, cancel it", "la
# devolución, cancélala" (not "a refund, cancel the order": that is the order).
_WITHDRAW = re.compile(
    rf"\b(?:{_WITHDRAW_VERB})\s+(?:(?:{_DETERMINER})\s+){{0,2}}(?:{_REQUEST})\b"
    rf"|\b(?:{_REQUEST})\s+(?:(?:please|pls|por\s+favor)\s+)?(?:{_CANCEL_VERB})"
    r"(?:\s+(?:it|that|please|pls))?$"
)


def withdraws_request(text: str) -> bool:
    """A wish to cancel (withdraw) a return or refund request, not the order, nor the
    order's cancellation request ("cancela la solicitud de cancelación" keeps the
    order: `keeps_the_order`)."""
    return _WITHDRAW.search(normalize(text)) is not None and not keeps_the_order(text)


def cancels(text: str) -> bool:
    """Nothing but a wish to cancel: "cancel", "plz cancel", "can i cancel this"
    (not "stop", which cancels nothing, nor "cancel my return": `withdraws_request`)."""
    if read_escape(text) is not Escape.CANCEL or withdraws_request(text):
        return False
    return re.search(rf"\b(?:{_CANCEL_VERB})", normalize(text)) is not None


# What makes a wish to cancel a wish to cancel the order, where "cancel" alone would
# stop what is asked (the proof step): the order named, or asked as a question.
_THE_ORDER = re.compile(
    r"\b(?:order|purchase|pedido|compra)\b|^(?:can|could|may|how\s+(?:do|can))\s+i\b"
    r"|\?$|^(?:puedo|se\s+puede|como)\b"
)


def cancels_the_order(text: str) -> bool:
    """ "cancel my order", "can I cancel it?", "quiero cancelar el pedido": the order,
    even where a bare "cancel" or "cancel it" leaves the step asked (not "do not
    cancel my order": `keeps_the_order`)."""
    said = normalize(text)
    return (
        re.search(rf"\b(?:{_CANCEL_VERB})", said) is not None
        and _THE_ORDER.search(said) is not None
        and not withdraws_request(text)
        and not keeps_the_order(text)
    )


# Words around "don't cancel": "never mind", "actually", "wait", "sorry", "after all".
_NEVER_MIND = (
    r"never\s*mind|nvm|nevermind|actually|wait|sorry|oh|oops|hey|hi|hello|ok|okay|no|nope|"
    r"please|pls|plz|i\s+changed\s+my\s+mind|changed\s+my\s+mind|on\s+second\s+thought|"
    r"olvidalo|perdon|espera|mejor|no\s+no|por\s+favor|cambie\s+de\s+opinion"
)
_THE_ORDER_NAMED = (
    r"it|that|this|anything|(?:(?:the|my|this|that)\s+)?order(?:\s+\d+)?|the\s+request|"
    r"my\s+request|el\s+pedido|mi\s+pedido|nada|\d+"
)
_KEEP_THE_ORDER = re.compile(
    rf"(?:(?:{_NEVER_MIND})\s+)*"
    r"(?:"
    # "don't cancel", "please do not cancel my order", "no need to cancel it"
    r"(?:please\s+)?(?:do\s+not|dont|no\s+need\s+to|you\s+dont\s+need\s+to)\s+cancel\w*"
    rf"(?:\s+(?:{_THE_ORDER_NAMED}))?|"
    # "i don't want to cancel anymore", "i no longer want it cancelled"
    r"i\s+(?:do\s+not|dont|no\s+longer)\s+(?:want|wanna|need)\s+"
    rf"(?:to\s+cancel(?:\s+(?:{_THE_ORDER_NAMED}))?|(?:it|the\s+order|my\s+order)\s+cancel+ed|"
    r"the\s+cancel+ation)|"
    # "i want to keep my order", "i'll keep it after all", "keep my order please"
    r"(?:i\s+(?:want|wanna|would\s+like|d\s+like|ll|will|d\s+rather|prefer|decided)\s+"
    r"(?:to\s+)?)?keep\s+(?:my\s+order|the\s+order|this\s+order)|"
    r"i\s+(?:want|wanna|would\s+like|d\s+like|ll|will|d\s+rather|decided)\s+(?:to\s+)?keep\s+it|"
    # "cancel my cancellation request", "withdraw the cancellation", "undo the cancel"
    r"(?:cancel|withdraw|undo|take\s+back|revoke|retract|stop)\s+(?:my|the|that)\s+"
    r"(?:cancel+ation|cancel)(?:\s+request)?|"
    # Spanish: "no lo canceles", "ya no quiero cancelar", "quiero conservar mi pedido"
    r"no\s+(?:lo\s+|la\s+|me\s+lo\s+)?(?:cancel|anul)\w*(?:\s+(?:el|mi)\s+pedido)?|"
    r"(?:ya\s+)?no\s+quiero\s+(?:cancelar|anular)\w*(?:\s+(?:el|mi)\s+pedido)?|"
    r"(?:quiero\s+)?(?:conservar|mantener|quedarme\s+con)\w*\s+(?:el|mi)\s+pedido|"
    r"(?:anula|anular|cancela|cancelar|retira|retirar)\w*\s+(?:la|mi)\s+"
    r"(?:solicitud\s+de\s+)?cancelacion"
    r")"
    r"(?:\s+(?:anymore|any\s+more|after\s+all|then|please|pls|thanks|thank\s+you|"
    r"i\s+changed\s+my\s+mind|i\s+want\s+it|i\s+still\s+want\s+it|"
    r"ya|al\s+final|por\s+favor|gracias|lo\s+quiero))*"
)
# The requests after delivery are not the order's cancellation ("don't cancel my return").
_ABOUT_A_REQUEST = re.compile(
    r"\b(?:return|refund|claim|exchange|replacement|devolucion|reembolso|reclamo)s?\b"
)


_CANCELLING_OR_THE_ORDER = re.compile(
    r"\b(?:cancel\w*|anul\w*|order|orders|pedido|pedidos|purchase|compra)\b"
)


def names_cancelling_or_the_order(text: str) -> bool:
    """Whether the words name cancelling or the order ("i want to keep it" does not:
    after filing a return it is the item kept)."""
    return _CANCELLING_OR_THE_ORDER.search(" ".join(words(text))) is not None


def keeps_the_order(text: str) -> bool:
    """ "never mind, don't cancel", "i want to keep my order", "cancel my cancellation
    request", "ya no quiero cancelarlo": the buyer does not (or no longer) want the
    order cancelled.  The whole message says only that (not "don't cancel the mug,
    cancel the rest"), and it is about the order, not a return."""
    said = " ".join(words(text))
    return _KEEP_THE_ORDER.fullmatch(said) is not None and not _ABOUT_A_REQUEST.search(said)


def cancels_it(text: str) -> bool:
    """ "cancel", "cancel it", "please cancel the order", "cancélalo": at the cancel
    question, a yes in the question's own words."""
    return _CANCEL_IT.fullmatch(" ".join(words(text))) is not None


# "withdraw it", "cancel it", "yes withdraw the request", "retírala": at the withdraw
# question, a yes in the question's own words.
_WITHDRAW_IT = re.compile(
    rf"(?:(?:{_AROUND})\s+)*"
    r"(?:withdraw|cancel|retirar|retira|anular|anula|cancelar|cancela)(?:l[oa])?"
    r"(?:\s+(?:it|that|this|(?:the|my|this|that)\s+(?:request|return|claim|one)|"
    r"(?:la|mi|esta)\s+(?:solicitud|devolucion)))?"
    rf"(?:\s+(?:{_AROUND}))*"
)


def withdraws_it(text: str) -> bool:
    """ "withdraw it", "yes cancel the request", "anúlala": at the withdraw question, a
    yes in the question's own words (a bare "cancel" there too: it cancels the request
    the question is about, as "cancel" at the cancel question cancels the order)."""
    return _WITHDRAW_IT.fullmatch(" ".join(words(text))) is not None


def keeps_it(text: str) -> bool:
    """ "keep it", "no, keep the order", "conservar el pedido": at the cancel question,
    a no in the No button's own words."""
    return _KEEP_IT.fullmatch(" ".join(words(text))) is not None


# "no, cancel it": a no and a yes in one answer (the "no" may answer something the
# buyer asked themselves); the question is asked again, not guessed.
_BOTH = re.compile(
    rf"^(?:no|nope|nah)\b.*\b(?:{_CANCEL_VERB})"
    r"(?:\s+(?:it|that|this|the\s+order|my\s+order|el\s+pedido))?(?:\s+(?:please|pls|then))?$"
)
# Another change to the order instead of cancelling it ("can I change the address
# instead?", "can I change the size?", "cambiar la dirección"): a person makes it.
_CHANGE_INSTEAD = re.compile(
    r"\b(?:change|update|edit|correct|modify|fix|amend|cambiar|corregir|modificar)\b"
    r".*\b(?:address|addr|postcode|zip|street|apartment|apt|direccion|domicilio|size|colou?r|"
    r"talla|item|items|quantity)\b"
    r"|\b(?:wrong|new|different|otra|nueva)\s+(?:delivery\s+|shipping\s+)?(?:address|direccion)\b"
)


def cancel_answer(text: str) -> bool | None:
    """The answer to "Cancel order X?": True to cancel, False to keep it, None for
    anything else (the question is asked again)."""
    if cancels_it(text):
        return True
    if keeps_it(text) or keeps_the_order(text):
        return False
    if _BOTH.search(" ".join(words(text))):
        return None
    return yes_no(text)


# What a question about the money names: "will i get all my money back?", "do i get a
# refund", "was i charged already?", "¿me devuelven el dinero?".
_MONEY = re.compile(
    r"\b(?:money|refund\w*|charged?|paid|pay|payment|reimburs\w*|back|cash|"
    r"reembols\w*|dinero|cobr\w*|pag\w*|devuelv\w*)\b"
)


def asks_about_the_money(text: str) -> bool:
    """At the cancel question: a question about what happens to the payment, which
    the bot answers from the order before asking again."""
    return asks_something(text) and _MONEY.search(" ".join(words(text))) is not None


# "is it too late to cancel?", "can i still cancel", "is it still possible to cancel
# it", "¿todavía puedo cancelar?", "¿ya es tarde para cancelar?".  Found in the demo:
# kept for after the question, then answered from the late-parcels policy.
_STILL_POSSIBLE = re.compile(
    r"\b(?:too\s+late|still\s+(?:possible|able|time|cancel\w*|ok|okay)|not\s+too\s+late|"
    r"(?:todavia|aun)\s+(?:puedo|se\s+puede|es\s+posible|estoy\s+a\s+tiempo)|"
    r"(?:ya\s+)?es\s+(?:muy\s+)?tarde|a\s+tiempo)\b"
)


def asks_if_still_possible(text: str) -> bool:
    """At the cancel question: whether cancelling is still possible, which the
    question itself answers (it is, or it would not be asked)."""
    return asks_something(text) and _STILL_POSSIBLE.search(" ".join(words(text))) is not None


def changes_instead(text: str) -> bool:
    """At the cancel question: another change to the order is asked for instead."""
    return _CHANGE_INSTEAD.search(" ".join(words(text))) is not None
