"""A buyer who has no order number to give ("I don't have the order number", "where
do I find my order number?", "no tengo el número de pedido"), or no proof of it.

Everything the bot does for a buyer starts with the order number (the proof comes
after it), so these words come where a number is asked for and outside any flow.  The
intent model read them as the request they are near ("i dont have the order number"
came out as cancelling an order, and "where do I find my order number" as tracking,
which asks for the number again): the answer is where to find it, and a person who
can look it up.  Read by rules: the words always name the number ("number", "#",
"confirmation"), so "I didn't get my order" stays a tracking question.  A buyer who
asks to be looked up by their name or email instead ("can you find it with my email")
is told why the number is needed, and offered the same person.
"""

from __future__ import annotations

import re

from bot.understanding.escapes import normalize

_NUMBER = r"(?:order\s+)?(?:number|no|num|nr|#|id|confirmation(?:\s+(?:email|number))?)"
_LACKS = re.compile(
    # "I don't have the order number", "can't find my order #", "never got a confirmation"
    r"\b(?:dont|do\s+not|didnt|did\s+not|cant|cannot|can\s+not|couldnt|could\s+not|never|no\s+longer)"
    r"\s+(?:have|know|find|remember|see|get|got|receive|received|recall|locate)\s+"
    rf"(?:the|my|an|a|any|that|our)?\s*{_NUMBER}\b|"
    # "lost my order number", "forgot the number", "deleted the confirmation email"
    r"\b(?:lost|forgot|forgotten|misplaced|deleted|threw\s+away)\s+(?:the|my|our)?\s*"
    rf"{_NUMBER}\b|"
    # "where do I find my order number", "how can I get the order number"
    r"\b(?:where|how)\s+(?:do|can|would|should|will)\s+i\s+(?:find|get|see|locate|look\s+up)\s+"
    r"(?:the|my|an|our)?\s*order\s+(?:number|no|num|id)\b|"
    r"\bwhere\s+(?:is|s|can\s+i\s+find)\s+(?:the|my)\s+order\s+(?:number|no|id)\b|"
    r"\bwhat(?:\s+is|\s+s|s)\s+my\s+order\s+(?:number|no|id)\b|"
    r"\b(?:without|no)\s+(?:an?\s+|the\s+)?order\s+(?:number|no|id)\b|"
    # Spanish (folded): "no tengo el número de pedido", "dónde encuentro mi número de pedido"
    r"\bno\s+(?:tengo|encuentro|se|recuerdo|me\s+acuerdo\s+de|me\s+llego)\s+(?:cual\s+es\s+)?"
    r"(?:el|mi|un|ningun)?\s*(?:numero|n|no)\s+de\s+(?:pedido|orden)\b|"
    r"\b(?:perdi|olvide|borre)\s+(?:el|mi)?\s*(?:numero|n|no)\s+de\s+(?:pedido|orden)\b|"
    r"\bdonde\s+(?:encuentro|veo|esta|busco)\s+(?:el|mi)\s+(?:numero|n|no)\s+de\s+(?:pedido|orden)\b|"
    r"\bsin\s+(?:el\s+)?(?:numero|n)\s+de\s+(?:pedido|orden)\b"
)


def lacks_order_number(text: str) -> bool:
    """The buyer says they have no order number, or asks where to find it."""
    said = normalize(text).replace("'", "").replace("?", " ")
    return _LACKS.search(said) is not None


# What a buyer offers to be found by in place of the number: never "order number".
_DETAIL = (
    r"(?:(?:full\s+)?name|e\s*mail(?:\s+address)?|mail|phone(?:\s+number)?|mobile(?:\s+number)?|"
    r"(?:home\s+|delivery\s+|shipping\s+)?address|account|username|telegram)"
)
_LOOK_UP_BY = re.compile(
    # "can you look it up by my name", "could u find my order with my email", "search
    # by my phone number", "look up my order using my email address"
    r"\b(?:look|search|find|check|pull|track)(?:\s+(?:it|them|that|this|my\s+orders?|the\s+orders?|"
    r"me|mine))?(?:\s+up)?(?:\s+(?:it|them|my\s+orders?|the\s+orders?|me))?"
    r"(?:\s+for\s+(?:it|me|my\s+orders?))?\s+(?:by|with|using|via|from|"
    rf"under|through)\s+(?:my|the|our|your)?\s*{_DETAIL}\b|"
    # "can't you just use my email", "use my name to find it"
    rf"\buse\s+my\s+{_DETAIL}\s+(?:to|and)\s+(?:find|look|search|check)\b|"
    rf"\b(?:cant|cannot|can\s+not)\s+you\s+(?:just\s+)?use\s+my\s+{_DETAIL}\b|"
    # Spanish (folded): "¿pueden buscarlo con mi correo?", "búscalo por mi nombre"
    r"\b(?:busca|buscar|buscarlo|buscarla|buscalo|buscala|buscarlos|encontrar|encontrarlo|"
    r"encontrarla|encuentralo|localizar|localizarlo)(?:\s+(?:mi|el)\s+pedido)?\s+(?:con|por|usando)\s+"
    r"(?:mi|el)?\s*(?:nombre|correo|email|mail|telefono|celular|direccion|cuenta)\b"
)


def asks_lookup_by_details(text: str) -> bool:
    """The buyer asks to be found by their name, email or phone instead of the order
    number ("can you look it up by my name", "search by my phone number").  The bot
    finds an order only by its number, then checks the email or phone against it: a
    search by email alone would show anyone's orders to whoever types that email.
    Read by the model, these were small talk ("can you look it up by my name" got
    "👍 Anything else?"), an invoice question, or "which of these?"."""
    said = normalize(text).replace("'", "").replace("?", " ").replace("-", " ")
    return _LOOK_UP_BY.search(said) is not None


_PROOF = (
    r"(?:e\s*mail|mail|email\s+address|address|phone(?:\s+number)?|number|mobile|postcode|"
    r"post\s+code|zip(?:\s*code)?|correo|telefono|codigo\s+postal)"
)
_LACKS_PROOF = re.compile(
    # "i dont remember which email i used", "not sure what phone number i put"
    r"\b(?:dont|do\s+not|cant|cannot|can\s+not|not\s+sure|no\s+idea|unsure|forget|forgot|forgotten)"
    r"\s+(?:remember\s+|know\s+|recall\s+|have\s+(?:access\s+to\s+)?)?"
    rf"(?:which|what|the|my|that|an?)?\s*{_PROOF}\b|"
    # "which email did i use", "what email did I order with"
    rf"\b(?:which|what)\s+{_PROOF}\s+(?:did|do|have)\s+i\b|"
    # "lost access to that email", "i changed my phone number", "no longer have that email"
    rf"\b(?:lost\s+access\s+to|changed|no\s+longer\s+(?:have|use))\s+(?:the|my|that)?\s*{_PROOF}\b|"
    # Spanish (folded): "no recuerdo qué correo usé", "olvidé el correo"
    r"\bno\s+(?:recuerdo|me\s+acuerdo\s+de|se|tengo\s+acceso\s+a)\s+(?:cual|que|el|mi|ese)?\s*"
    r"(?:correo|telefono|numero|codigo\s+postal)\b|"
    r"\b(?:olvide|perdi)\s+(?:el|mi)?\s*(?:correo|telefono|numero)\b"
)


def lacks_proof(text: str) -> bool:
    """At the proof step: the buyer does not know which email, phone or postcode the
    order has ("i dont remember which email i used"), where "please send the email"
    again helps nobody: any one of them is enough, and a person can check."""
    said = normalize(text).replace("'", "").replace("?", " ").replace("-", " ")
    return _LACKS_PROOF.search(said) is not None


# The number just typed was wrong: "wrong number sorry", "oops typo", "that's not my order
# number", "número equivocado".  Found in the demo: at the proof step it was kept as a
# request ("first I need to check that order is yours"), and outside a flow it was a
# change to the order, handed to a person.
_WRONG_NUMBER = re.compile(
    r"\b(?:wrong|incorrect|bad)\s+(?:order\s+)?(?:number|no|num|#)\b|"
    r"\b(?:typo|mistyped|misstyped)\b|\btyped\s+(?:it|that|the\s+number)\s+wrong\b|"
    r"\bthats\s+not\s+(?:my|the\s+right|the\s+correct)\s+(?:order\s+)?number\b|"
    r"\bnumero\s+(?:equivocado|incorrecto|mal)\b|\bme\s+equivoque\s+de\s+numero\b"
)
_WRONG_NUMBER_WORDS = 8


def says_wrong_number(text: str) -> bool:
    """A short message saying the order number typed was wrong."""
    said = normalize(text).replace("'", "")
    return len(said.split()) <= _WRONG_NUMBER_WORDS and _WRONG_NUMBER.search(said) is not None
