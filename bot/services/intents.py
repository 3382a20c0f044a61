"""The intents a buyer's message can have, and the hand-written rules that routed them
before the trained model (`bot/understanding`) did.

The chat no longer routes with `route()`: free text is read by the model
(`services.understanding.read`) and `bot/services/routing.py` decides what to do with
the reading.  The rules stay as the baseline the benchmarks compare the model with
(`tests/bench/understanding.py`, `tests/bench/answers.py`); they know eight of the
fifteen intents.

What the rules did (offline, well under a millisecond):

The rule that separates flows from questions: a message about the buyer's own order,
parcel or refund ("where is my package", "I want to send this back") starts the
matching flow; a general policy question ("can I return shoes I wore once", "how long
do refunds take") is answered from the shop's policies.

How a message is read (each step is a family of patterns below, with the reason):

1. An explicit request for a person wins (a buyer who asks for one must get one),
   unless it only asks about the team (hours, phone number): that is a question.
2. A message made only of greetings, thanks, praise or small talk is chit-chat.
3. Two signals decide between a flow and a question:
   * own reference: "my order", "I ordered / I got", an order number, "this / these",
     "it arrived broken": the message is about a real order of this buyer;
   * general frame: the message is phrased as a question ("do you", "can I", "how
     long", "is it possible", "what's your policy") about how things work.
   A message that names a flow in a general frame without any own reference is a
   policy question; anything else that names a flow starts it.
4. Flows are tried from the most specific to the least: address change, refund status,
   cancel, return, track.  The order settles messages that name two things, e.g. "my
   parcel never arrived and I want a refund" asks for money (a return), not tracking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.enums import ClaimReason
from bot.domain.language_detect import fold
from bot.understanding.steps import return_reason, words


class Intent(StrEnum):
    """The intents of tests/data/understanding/README.md (the model's labels)."""

    TRACK_ORDER = "track_order"
    DELIVERY_TIME = "delivery_time"
    CANCEL_ORDER = "cancel_order"
    RETURN_REQUEST = "return_request"
    REFUND_STATUS = "refund_status"
    CHANGE_ADDRESS = "change_address"
    CHANGE_ITEMS = "change_items"
    PAYMENT_METHODS = "payment_methods"
    INVOICE = "invoice"
    COMPLAINT = "complaint"
    PRODUCT_QUESTION = "product_question"
    WARRANTY = "warranty"
    TALK_TO_PERSON = "talk_to_person"
    QUESTION = "question"
    CHITCHAT = "chitchat"


# The eight intents the rules below can return.
RULE_INTENTS = frozenset(
    {
        Intent.TRACK_ORDER,
        Intent.CANCEL_ORDER,
        Intent.RETURN_REQUEST,
        Intent.REFUND_STATUS,
        Intent.CHANGE_ADDRESS,
        Intent.TALK_TO_PERSON,
        Intent.QUESTION,
        Intent.CHITCHAT,
    }
)


FLOW_INTENTS = frozenset(
    {Intent.TRACK_ORDER, Intent.CANCEL_ORDER, Intent.RETURN_REQUEST, Intent.REFUND_STATUS}
)


def _any(*patterns: str) -> re.Pattern[str]:
    # route() lowercases the text once: matching without IGNORECASE is 2-3 times faster.
    return re.compile("|".join(f"(?:{p})" for p in patterns))


ORDER_NUMBER = re.compile(r"\b[A-Za-z]{0,4}\d{6,}\b")

# Word families shared by several rules.  Buyers drop apostrophes ("dont", "hasnt"),
# so negations accept both spellings.
_NOT = r"(?:not|never|no|cannot|(?:has|have|had|is|are|was|were|did|does|do|ca|wo)n'?t)"
_ORDER_NOUN = (
    r"(?:orders?|packages?|parcels?|deliver(?:y|ies)|shipments?|purchases?|stuff|items?|"
    r"things?|box(?:es)?|goods)"
)
# Verbs of getting hold of a thing: "I ordered / bought / got / received ..." is about
# a real purchase; "I've worn" or "I break" are not.
_ACQUIRED = r"(?:ordered|bought|got|received|placed|purchased|paid\s+for|returned|sent)"
_DEFECT = (
    r"(?:broken|broke|damaged|cracked|smashed|shattered|chipped|scratched|stained|leaking|"
    r"defective|faulty|dented|torn|ripped|missing\s+parts?|dead|stopped\s+working)"
)

# ---------------------------------------------------------------- person

# Who the buyer may ask for.  "support" alone is not here: "support hours" asks about
# the team, not for a member of it.  Staff titles are clear on their own; "person" or
# "someone" only count after a verb of talking ("send it to another person" is not a
# request for one).  A "delivery agent" or "courier" is not our staff.
_STAFF = (
    r"(?<!delivery\s)(?<!courier\s)(?<!customs\s)(?<!shipping\s)"
    r"(?:humans?|(?:real|live|actual)\s+(?:person|people|human|agent)|agents?|operators?|"
    r"representatives?|reps?|managers?|supervisors?|customer\s+(?:service|support|care)|"
    r"support\s+(?:team|staff|agent))"
)
_ANYONE = rf"(?:{_STAFF}|person|people|someone|somebody|anyone|anybody|staff)"
_PERSON = _any(
    # Talking to someone: "can I talk to a human", "I want to speak to someone",
    # "is there a human I can chat with".
    rf"\b(?:talk|speak|chat|connect|transfer|put\s+me\s+through|escalate)\b.{{0,25}}"
    rf"\b{_ANYONE}\b",
    rf"\b{_ANYONE}\b.{{0,30}}\b(?:talk|speak|chat)\s+(?:to|with)\b",
    # Asking for a member of staff: "get me your manager", "I need an agent".
    rf"\b(?:get(?:\s+me)?|give\s+me|need|want|wanna)\s+(?:a|an|the|your|some|"
    rf"to\s+see\s+(?:a|an|the|your))?\s*{_STAFF}\b",
    # The title alone, maybe with "please": "operator", "real person pls".
    rf"^\W*(?:an?\s+)?(?:{_STAFF}|person)\W*(?:please|pls|plz|now|asap)?\W*$",
    r"\b(?:call|ring|phone)\s+me\b",
)
# Asking about the team rather than for it: "when is customer service open", "what's
# the phone number of a manager".
_ABOUT_SUPPORT = _any(
    r"\b(?:hours|open|opening|closed?|phone\s+number|e-?mail(?:\s+address)?|what\s+time|"
    r"working\s+days|weekends?)\b"
)

# ---------------------------------------------------------------- chit-chat

# A message is chit-chat when nothing is left after removing these phrases (so
# "hi, where's my parcel" is not).
_CHAT_PHRASES = _any(
    # greetings and farewells
    r"\b(?:hi+|hey+|heya|heyo|hello+|hiya|howdy|yo|greetings|(?:good\s+)?(?:morning|afternoon|"
    r"evening)|good\s*(?:day|night)|nite)(?:\s+there)?\b",
    r"\b(?:bye|goodbye|good\s*bye|see\s+(?:you|ya)(?:\s+later)?|cya|ttyl|take\s+care|later|"
    r"for\s+now|"
    r"have\s+a\s+(?:nice|good|great|lovely)\s+(?:day|one|evening|weekend|night))\b",
    # thanks
    r"\b(?:thank\s+(?:you|u)|thanks?|thx|ty|cheers|much\s+appreciated|appreciate\s+it)\b",
    r"\bfor\s+(?:your|the|all\s+(?:the|your))\s+(?:help|time|support|patience)\b|"
    r"\bfor\s+helping(?:\s+me)?\b",
    r"\b(?:so|very)\s+much\b|\ba\s+lot\b|\bagain\b",
    # praise and acknowledgement
    r"\b(?:you(?:'?re|\s+are|'?ve\s+been|\s+have\s+been)|ur|u\s+r)\s+(?:so\s+|very\s+|"
    r"really\s+)?(?:great|awesome|amazing|the\s+best|helpful|brilliant|a\s+star|a\s+legend|"
    r"cool|nice|smart)\b",
    r"\b(?:(?:nice|good|great)\s+one|great\s+job|good\s+bot|well\s+done|got\s+it|love\s+it|"
    r"great|cool|awesome|perfect|nice|ok(?:ay)?|k|sure|alright|lovely|wonderful|excellent)\b",
    # questions to the bot itself
    r"\b(?:are\s+you\s+(?:a\s+)?(?:bot|robot|real|human|ai)|who\s+are\s+you|what\s+are\s+you|"
    r"how\s+are\s+you(?:\s+doing)?|how'?s\s+it\s+going|what'?s\s+up|sup|what(?:'?s|\s+is)\s+"
    r"your\s+name)\b",
    # fillers that add nothing
    r"\b(?:there|bot|all|everyone|folks|mate|friend|lol|haha+|and|you|u|too|to\s+you)\b",
    # Spanish (folded text: "adiós" is "adios"): greetings, thanks, praise, fillers
    r"\b(?:hola+|ola|holi|buen(?:os|as)?\s+(?:dias?|tardes|noches)|buenas|"
    r"saludos|que\s+tal|como\s+(?:estas|esta|va)|adios|chao|chau|hasta\s+(?:luego|pronto|manana)|"
    r"nos\s+vemos|(?:muchas\s+|mil\s+)?gracias|grac?ias|grax|te\s+lo\s+agradezco|"
    r"de\s+nada|vale|genial|perfecto|estupendo|super|listo|entendido|de\s+acuerdo|claro|"
    r"muy\s+(?:bien|amable|amables)|que\s+amables?|eres\s+(?:un\s+)?(?:bot|robot|humano|"
    r"una\s+persona|genial|(?:muy\s+)?util)|sos\s+(?:un\s+)?(?:bot|crack)|jaja+|jeje+|"
    r"por\s+(?:la|tu|su)\s+ayuda|igualmente|todo\s+bien|bueno|dale|ok(?:ey)?|y|tu|usted)\b",
)

# ---------------------------------------------------------------- own reference

# Greetings and fillers before the first real word ("hey, do you ...") are skipped
# when the first word decides how the message is phrased.
_LEAD_FILLER_PATTERN = (
    r"^\W*(?:(?:hi|hey|hello|yo|so|also|and|um+|ok(?:ay)?|quick\s+question|question)\W+)*"
)

_OWN = _any(
    # Possessives: "my order", "my refund", "our parcel" (not idioms: "if I change my
    # mind" is a hypothetical about anyone).
    r"\b(?:my|our)\b(?!\s+(?:mind|bad|opinion|question|own))|\bmine\b",
    # First person with a verb of getting hold of it: "the lamp I got yesterday",
    # "the order I just placed".
    rf"\b(?:i|we)(?:'?ve|\s+have)?\s+(?:just\s+|already\s+|recently\s+)?{_ACQUIRED}\b",
    # It reached this buyer: "sent to me", "you sent me".
    r"\b(?:sent|shipped|delivered|gave|give)\s+(?:it\s+)?(?:to\s+)?me\b",
    # Demonstratives point at a thing the buyer has: "send this back", "these don't fit".
    r"\b(?:this|these)\b(?!\s+(?:policy|rule|shop|store|site|bot))",
)
# Signs that a message is about one thing that happened, not about a rule; none of
# them count after "if" ("what if it arrives broken" asks about the rule).
_SPECIFIC = _any(
    # Progress of something under way: "is it out for delivery yet", "no money yet".
    r"\byet\b",
    # A question about a past event: "did the refund go through", "has it shipped".
    _LEAD_FILLER_PATTERN + r"(?:did|has|have|was|were)\b",
    # A statement that a specific thing is faulty: "the speaker is faulty".
    rf"\b(?:it|they|the\s+\w+|this\s+\w+|these\s+\w+)\s+(?:is|are|was|were|arrived|came|"
    rf"showed\s+up|got\s+here)\s+(?:\w+\s+)?{_DEFECT}\b",
)
_HYPOTHETICAL = _any(r"\b(?:if|in\s+case|suppose|supposing|whether)\b")

# ---------------------------------------------------------------- general frame

_GENERAL = _any(
    # "did / has / was" are left out: they ask about an event (see _SPECIFIC).
    _LEAD_FILLER_PATTERN + r"(?:can|could|do|does|is|are|will|would|should|may|must|"
    r"what|what'?s|whats|how|which|who|whom|why|when|where|if|until|till)\b",
    r"\b(?:policy|policies|allowed|possible|in\s+general|usually|normally|generally|"
    r"typically|ever)\b",
    r"\bdo\s+you\b|\bdoes\s+(?:your|the\s+shop|the\s+store)\b|\bwhat\s+happens\s+if\b",
)

# ---------------------------------------------------------------- flows

_ADDRESS = _any(
    # The address itself changes or is wrong: "change my delivery address", "wrong
    # address on order ...", "typo in my street name".
    r"\b(?:change|changing|update|updating|correct|fix|edit|amend|wrong|incorrect|"
    r"different|new|typo|mistake|misspelt|misspelled)\b.{0,40}\b(?:address|street|zip|"
    r"post\s*code|postal\s+code|house\s+number|apartment|apt|flat\s+number)\b",
    r"\b(?:address|street|zip|post\s*code|postal\s+code|house\s+number)\b.{0,40}\b(?:change|"
    r"update|wrong|incorrect|typo|mistake|different|new|outdated|old)\b",
    # The parcel should go somewhere else: "ship my order to my office instead",
    # "deliver to my mom's house", "send it to another address".
    r"\b(?:ship|send|deliver|bring|redirect|reroute|re-route|forward)\w*\b.{0,40}\bto\s+"
    r"(?:my|our|a|an|the|another|other)\b.{0,30}\b(?:instead|different|another|new|other|"
    r"office|work|workplace|home|house|place|flat|apartment|neighbou?r'?s?|friend'?s?|"
    r"parents'?|family|pick-?up\s+point|locker|post\s+office)\b",
    r"\b(?:change|redirect)\s+where\b",
    # The buyer is no longer at the old address.
    r"\bi(?:'?ve|\s+have)?\s+(?:just\s+|recently\s+)?moved\b|\bmoving\s+house\b",
)

# Wanting money back for an item starts a return (the dataset rule: broken, wrong,
# never arrived or unwanted all go through the return flow).
_MONEY_WANTED = _any(
    r"\b(?:want|wanna|need|like|get|give\s+me|request|demand|expect|deserve|claim|ask\s+for)"
    r"\s+(?:a\s+|my\s+|the\s+|an\s+)?(?:full\s+)?(?:refund|replacement|exchange|new\s+one|"
    r"money\s+back)\b",
    r"\b(?:refund|reimburse)\s+me\b|\bto\s+be\s+(?:refunded|reimbursed)\b",
)
# ... unless the buyer asks when it comes: "when do I get my refund", "how soon can I
# expect my money back" ask about a refund already under way.
_ASKS_WHEN = _any(
    r"\b(?:when|how\s+(?:long|soon)|what\s+day)\b.{0,30}\b(?:get|expect|see|receive)\b"
)
# Asking where money already promised is: "my refund" / "the money" with a word about
# time or progress, or a complaint that it has not come.
_REFUND_STATUS = _any(
    r"\b(?:my|the|our)\s+(?:refund|money|reimbursement)\b.{0,60}\b(?:yet|status|where|"
    r"when|still|through|processed|received|receive|arrive|arrived|come|back|sent|issued|"
    r"pending|happen|waiting|approved|long|credited|show|taking|forever|ages|delay)",
    r"\b(?:update|news|status|info|progress)\b.{0,20}\b(?:refund|money)\b",
    r"\b(?:where|when|how\s+long)\b.{0,40}\b(?:my|the|our)\s+(?:refund|money|reimbursement)\b",
    # A refund the buyer was told about, and when it lands: "when will it hit my account".
    r"\brefund(?:ed)?\b.{0,40}\b(?:when|yet|hit|show\s+up|appear|credited|land)\b",
    rf"\b{_NOT}\b.{{0,30}}\b(?:refund|money)\b.{{0,20}}\byet\b",
    r"\b(?:still|not|never|no|haven'?t|hasn'?t|didn'?t)\s+(?:\w+\s+){0,3}(?:refund(?:ed)?|"
    r"money|reimburse(?:d|ment))\b",
    rf"\brefund\b.{{0,20}}\b{_NOT}\b",
    r"\b(?:waiting|wait)\s+(?:on|for)\s+(?:my|the|a)\s+(?:refund|money)\b",
    r"\brefund\s+status\b|\bstatus\s+of\s+(?:my\s+|the\s+)?refund\b",
    # "did you refund my order"; "refunded" tells of a refund made (or not): "has it
    # been refunded", "was my order refunded".
    r"\b(?:did|have|has)\s+(?:you|they|the\s+\w+)\s+(?:already\s+)?refund\b|\brefunded\b",
    # The buyer already sent it back and is still waiting: "I sent the parcel back
    # weeks ago and got nothing", "I returned it, when do I get paid".
    r"\b(?:i|we)(?:'?ve|\s+have)?\s+(?:already\s+)?(?:returned\b|(?:sent|shipped|mailed|posted)"
    r"\b.{0,30}\bback\b).{0,60}\b(?:where|when|still|yet|nothing|ago|waiting|paid)\b",
    # The return went through but the money did not: "my return was approved ... no money".
    r"\b(?:my|the)\s+return\b.{0,40}\b(?:approved|accepted|received|arrived)\b"
    r".{0,40}\b(?:money|refund|paid|yet)\b",
)

# Calling an order off.  Past forms ("my cancelled order") describe an order, they do
# not ask to cancel one, so only "cancel" / "cancelling" count.
_CANCEL = _any(
    r"\bcancel(?:l?ing)?\b|\bcall(?:ing)?\s+(?:it\s+|the\s+order\s+|my\s+order\s+)?off\b",
    rf"\b(?:stop|halt|hold|abort|scrap|void|withdraw)\s+(?:my|the|this|that)\s+{_ORDER_NOUN}\b",
    r"\b(?:don'?t|do\s+not|please\s+don'?t)\s+(?:send|ship|dispatch|process)\b",
    r"\b(?:ordered|bought)\s+(?:it\s+|this\s+|that\s+)?(?:by\s+(?:mistake|accident)|twice)\b",
    r"\b(?:no\s+longer|don'?t|do\s+not)\s+(?:want|need)\s+(?:it|this|the\s+order|my\s+order)"
    r"(?:\s+any\s*more)?\b",
    r"\bchanged\s+my\s+mind\b",
)

# Sending an item back, swapping it, or saying what is wrong with it.
_RETURN = _any(
    # "return the blanket", "return order ...", "return it"; not "return policy".
    r"\b(?:return|exchange|swap)\s+(?:it|them|this|these|those|that|the|my|an?|order|item)\b",
    r"\b(?:to|i|i'?ll|i\s+will|can\s+i|could\s+i|let\s+me|wanna)\s+(?:return|exchange|swap)\b",
    r"\b(?:send|sending|sent|ship|shipping|bring|take|mail)\s+(?:it|them|this|these|those|"
    r"the\s+\w+|\w+)\s+back\b|\bsend(?:ing)?\s+back\b",
    r"\b(?:start|open|make|file|request)\s+(?:a\s+)?(?:return|exchange)\b|\breturn\s+request\b",
    # What is wrong with the item.
    rf"\b{_DEFECT}\b",
    rf"\b{_NOT}\s+(?:work|working|fit|fitting|turn\s+on|charge|charging|match)\b",
    r"\b(?:too\s+(?:small|big|large|tight|loose|short|long))\b",
    r"\bwrong\s+(?:item|size|colou?r|product|model|thing|one)\b",
    r"\b(?:got|received|sent\s+me)\s+(?:the\s+|a\s+)?wrong\b",
    # Not what was ordered: "ordered a medium but got a large".
    r"\bordered\b.{0,30}\bbut\b.{0,20}\b(?:got|received|came|arrived|sent|is)\b",
)

# Clear asks about where a parcel is: they start tracking unless the message is a
# general question ("where do you ship from", "do you have tracking").
_TRACK = _any(
    # "where's my package", "where is order ...", "where is it"
    rf"\bwhere(?:'?s|.{{0,15}}\b(?:is|are))\b.{{0,30}}\b(?:{_ORDER_NOUN}|it|they)\b",
    rf"\bwhere\b.{{0,15}}\b(?:my|our)\s+{_ORDER_NOUN}\b",
    r"\bout\s+for\s+delivery\b|\bon\s+(?:its|the)\s+way\b",
    r"\btrack(?:ing)?\b|\btrace\b",
    # It has not come: "hasn't arrived", "still not here", "never came".
    rf"\b(?:{_NOT}|nothing(?:\s+has)?)\s+(?:yet\s+)?(?:arrived|come|came|here|shown\s+up|"
    r"showed\s+up|delivered|shipped|dispatched|received)\b",
    r"\bstill\s+(?:waiting|not\s+here)\b",
    rf"\b{_NOT}\s+(?:have|got|get|receive)\s+(?:it|them|anything|my|the)\b",
    # "any update on my parcel", "status of my order"
    rf"\b(?:update|news|status|info|progress)\b.{{0,20}}\b{_ORDER_NOUN}\b",
    rf"\b{_ORDER_NOUN}\s+status\b",
)
# Words about delivery time are just as common in policy questions ("how long does
# delivery take", "do you ship abroad"), so they need the buyer's own order.
_TRACK_OWN = _any(
    r"\b(?:arrive|arriving|arrival|come|coming|get(?:ting)?\s+here|be\s+here|be\s+delivered|"
    r"delivered|ship|shipped|dispatched|sent\s+out)\b",
    r"\b(?:eta|late|delayed|stuck|lost|yet|today|tomorrow|check\s+on|where|expect|waiting)\b",
    r"\b(?:going\s+on|happening|happened)\s+(?:with|to)\b",
    # Silence about it: "haven't heard anything", "no sign of my delivery".
    r"\bheard\s+(?:anything|nothing|back)\b|\bno\s+(?:sign|news|word|updates?)\b",
)


@dataclass(frozen=True, slots=True)
class Routed:
    intent: Intent
    order_number: str | None  # an order number the message mentions, if any


# Emojis of anger, sadness or disappointment: a message of emojis with one of these is
# unhappy, not a friendly reaction ("🤬🤬" must not get "You're welcome!").
_UPSET_EMOJI = frozenset("😡🤬😠😤😭😢😞😔😟🙁☹😩😫😣😖😾👎💔🖕")


# Only upset, in a few words, nothing asked: "so fed up", "horrendous experience", "you
# lot are hopeless", "what a joke", "estoy muy enojado", "qué desastre", "me
# decepcionaron".  Short, so the model (which never acts on one or two words) is unsure
# of them and asked "which of these?" or to put it another way; they are complaints.
_UPSET_WORDS = re.compile(
    r"^\W*(?:(?:honestly|seriously|ugh+|wow|omg|man|dude|sigh|pfff*|jeez|bro|la\s+verdad|"
    r"en\s+serio|uff+|vaya)\W+)*(?:"
    r"(?:(?:i\s*(?:am|m)|we\s*(?:are|re)|so|very|really|extremely|totally|absolutely|just|"
    r"getting)\s+)*(?:fed\s+up|angry|furious|annoyed|upset|disappointed|frustrated|livid|"
    r"pissed(?:\s+off)?|mad|sick\s+of\s+(?:this|it|you)|done\s+with\s+(?:this|you))"
    r"(?:\s+(?:with\s+(?:you|this|your\s+(?:shop|store|service|company))|right\s+now|now))?|"
    r"(?:what|such)\s+an?\s+(?:disaster|joke|mess|shambles|nightmare|rip\s*off|scam)|"
    r"(?:(?:this\s+is|its|it\s+s|that\s+s|thats)\s+)?(?:so\s+|just\s+|absolutely\s+|really\s+)?"
    r"(?:horrible|horrendous|terrible|awful|appalling|dreadful|pathetic|useless|hopeless|ridiculous|"
    r"unacceptable|disgraceful|shocking|disgusting|outrageous|a\s+joke|a\s+disgrace)"
    r"(?:\s+(?:service|experience|shop|store|company|customer\s+service|support))?|"
    r"(?:you|u|you\s+(?:lot|guys|people))\s+(?:are|r|re)\s+(?:so\s+|just\s+|absolutely\s+)?"
    r"(?:hopeless|useless|a\s+joke|terrible|the\s+worst|pathetic|clowns|ridiculous|incompetent)|"
    r"(?:the\s+)?worst\s+(?:shop|store|service|experience|company|seller)\s+ever|"
    # "that's not fair", "so unfair", "are you kidding me": said back to the bot's news
    # (a refund of less, a rejection); the model read the first as small talk, sure.
    r"(?:(?:(?:this|that|it)\s+is|it['’]?s|it\s+s|that['’]?s|that\s+s)\s+)?(?:so\s+|just\s+|really\s+|totally\s+)?"
    r"(?:not\s+fair|unfair|not\s+ok(?:ay)?|not\s+acceptable)(?:\s+at\s+all)?|"
    r"(?:are\s+)?(?:you|u)\s+(?:kidding|joking)(?:\s+me)?|"
    r"(?:i|we)\s+(?:don['’]?t|do\s+not|can['’]?t|cannot|won['’]?t|will\s+not)\s+accept\s+(?:this|that|it)|"
    r"(?:no\s+es\s+justo|(?:que|es|muy)\s+injusto|es\s+una\s+broma|me\s+estas\s+bromeando)|"
    r"(?:(?:estoy|estamos)\s+)?(?:muy\s+|super\s+|bien\s+|re\s+)?(?:enojad[oa]s?|molest[oa]s?|"
    r"furios[oa]s?|hart[oa]s?|decepcionad[oa]s?|indignad[oa]s?|enfadad[oa]s?)|"
    r"me\s+(?:decepcionaron|fallaron|decepciono|tienen\s+hart[oa])|"
    r"que\s+(?:desastre|verguenza|mal\s+servicio|pesimo\s+servicio|horror|estafa|mala\s+onda)|"
    r"(?:pesimo|horrible|fatal|malisimo)(?:\s+(?:servicio|atencion))?|"
    r"son\s+(?:unos\s+)?(?:inutiles|un\s+desastre|una\s+estafa)"
    r")\W*$"
)


# Asking to complain, the complaint still to come: "I want to complain", "I'd like to
# make a complaint", "quiero quejarme", "quiero poner una queja" (the model heard a
# return in "quejarme").
_WANTS_TO_COMPLAIN = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hola|buenas|ok)\W+)*(?:i\s*(?:want|would\s+like|d\s+like|wanna|need)\s+"
    r"(?:to\s+)?(?:complain|make\s+a\s+complaint|file\s+a\s+complaint|lodge\s+a\s+complaint|"
    r"raise\s+a\s+complaint)|"
    r"(?:quiero|quisiera|necesito|deseo)\s+(?:quejarme|poner\s+una\s+queja|hacer\s+una\s+queja|"
    r"presentar\s+una\s+queja))(?:\s+(?:please|pls|por\s+favor))?\W*$"
)


def wants_to_complain(text: str) -> bool:
    """Only "I want to complain", the complaint still to come."""
    return _whole_message(_WANTS_TO_COMPLAIN, text)


# How a return is sent back: a label to print, a printer, a pickup, where to drop it:
# "i dont have a printer", "can you pick it up from my house", "can i get a qr code
# instead of a label", "where do i drop off the return", "no tengo impresora".  The
# model read them as a product question, off-topic, an address change and "which of
# these?"; the returns policy says how parcels go back.
_SENDING_IT_BACK = re.compile(
    r"\b(?:printer|printers|print(?:ing|ed)?\s+(?:out\s+)?(?:a\s+|the\s+|my\s+)?"
    r"(?:return\s+|shipping\s+|postage\s+)?(?:label|labels|it|slip)|qr\s*code|"
    r"(?:return|shipping|prepaid|postage)\s+label|"
    r"pick(?:ed)?\s+(?:it|them|the\s+(?:parcel|package|return|item))?\s*up\s+from\s+(?:my|the|our)\s+"
    r"(?:house|home|door|doorstep|place|flat|apartment|office)|"
    r"(?:courier|carrier|driver|someone|somebody)\s+(?:to\s+)?(?:come\s+and\s+|come\s+to\s+)?"
    r"(?:collect|pick\s+up|pickup)|collect\s+(?:the\s+return|my\s+return|it\s+from\s+me)|"
    r"drop\s+(?:it\s+|them\s+|the\s+(?:return|parcel|package)\s+)?off|drop-?off\s+(?:point|location)|"
    r"where\s+do\s+i\s+(?:send|ship|post|mail|take)\s+(?:it|them|the\s+return|my\s+return)|"
    r"impresora|imprimir\s+(?:la\s+)?etiqueta|etiqueta\s+de\s+(?:devolucion|envio)|"
    r"(?:recoger|recogerlo|recogerla|recogen|recogerian)\s+(?:en|de|a)\s+(?:mi\s+)?(?:casa|domicilio)|"
    r"vienen\s+a\s+(?:recogerlo|recogerla|recoger)|donde\s+(?:lo|la|los)\s+(?:envio|mando|dejo|llevo))\b"
)


# What such a question stands for, searched with it: "i dont have a printer" names no
# word of the policy that answers it.
SEND_BACK_QUESTION = {
    "en": "return shipping: sending the item back, label, postage",
    "es": "devoluciones: enviar de vuelta el artículo devuelto, gastos de envío de la devolución",
}

# And what a parcel wished faster stands for: "can i change my shipping method to
# express" found "American Express" in the payments policy by its words.
FASTER_QUESTION = {
    "en": "delivery options: Standard and Express delivery, chosen at checkout",
    "es": "opciones de envío: envío estándar y urgente, se eligen al pagar",
}

# And what "can i get it by friday" stands for with no order on its way: how long
# delivery takes (its words found the support hours' policy, by "friday").
IN_TIME_QUESTION = {
    "en": "delivery times: how many business days delivery takes",
    "es": "plazos de entrega: cuántos días hábiles tarda el envío",
}

# And what "do i need to send it back", "can i keep the item" stand for, with no request
# filed: the returns policy's options ("can i keep the item" found the cancellation of
# some items by its words).
GOES_BACK_QUESTION = {
    "en": "refund only, keep the item, or return and refund: which option",
    "es": "reembolso sin devolución, quedarse el artículo, o devolución y reembolso",
}


def asks_how_to_send_it_back(text: str) -> bool:
    """The buyer asks how a return travels back: a label, a printer, a pickup, where to
    take it (the returns policy answers it)."""
    return _SENDING_IT_BACK.search(fold(text).replace("'", "")) is not None


# The shipping fee asked back: "i paid for express but it's been 4 days, i want the
# shipping fee back", "refund my express shipping", "que me devuelvan el envío".
# A refund of the fee alone is the seller's goodwill, which a person asks for; the model
# read these as questions about delivery (the delivery-times or shipping-costs policy).
_FEE = r"(?:express|shipping|delivery|postage|envio)"
_FEE_BACK = re.compile(
    rf"\b(?:want|get|have|need|like)\s+(?:my\s+|the\s+|that\s+)?{_FEE}\s+"
    r"(?:shipping\s+|delivery\s+)?(?:fee|fees|cost|costs|charge|charges|money|payment)?\s*back\b|"
    rf"\b(?:refund|reimburse|repay)\s+(?:me\s+)?(?:for\s+)?(?:my\s+|the\s+|that\s+)?{_FEE}"
    r"(?:\s+(?:shipping|delivery))?(?:\s+(?:fee|fees|cost|costs|charge|charges))?\b(?!\s+(?:policy|time))|"
    r"\b(?:devuelv\w*|reembols\w*)\s+(?:me\s+)?(?:el|los|lo\s+del?)\s+(?:costo\s+|gastos?\s+|precio\s+)?"
    r"(?:de(?:l)?\s+)?(?:envio|express)\b"
)


_ASKED_IN_GENERAL = re.compile(
    r"^\W*(?:do|does|did|is|are|will|would|can|could|should|how|what|when|why|if|"
    r"reembolsan|devuelven|se)\b"
)


def wants_the_fee_back(text: str) -> bool:
    """The buyer asks for the shipping fee back (a late Express parcel, most often);
    not the question whether the shop refunds shipping ("do you refund shipping?"),
    which its policies answer."""
    said = fold(text).replace("'", "")
    return "?" not in said and not _ASKED_IN_GENERAL.search(said) and bool(_FEE_BACK.search(said))


# Amends asked for a late parcel: "the lamp is late, can i get a discount", "my order
# is 5 days late, i want compensation", "llegó tarde, ¿me dan un descuento?".  Like the
# fee back, a gesture of the seller's that a person asks for; the model answered them
# from the policies (which say nothing of it) or asked "which of these?".  The parcel's
# lateness is said as a fact of the buyer's own, so "do you give discounts for late
# deliveries?" stays a question for the policies.
_LATE_FACT = re.compile(
    r"\b(?:is|was|arrived|came|got\s+here|been|its|it\s+s|running|showed\s+up)\s+(?:\w+\s+){0,2}"
    r"(?:late|delayed)\b|\b\d+\s+(?:days?|weeks?)\s+late\b|\bthe\s+delay\b|\btook\s+(?:forever|ages)\b|"
    r"\b(?:llego|vino|llegaron|esta|estuvo)\s+(?:muy\s+)?(?:tarde|retrasad[oa])\b|\bel\s+retraso\b"
)
_AMENDS = re.compile(
    r"\b(?:discount|compensat\w*|voucher|coupon|store\s+credit|credit|goodwill|"
    r"(?:something|anything)\s+(?:back|for\s+(?:it|that|this|the\s+(?:delay|wait|trouble)))|"
    r"descuento|compensaci\w*|compensen|cupon)\b"
)


def wants_amends_for_lateness(text: str) -> bool:
    """The buyer's parcel was late, and they ask for something for it."""
    said = fold(text.lower()).replace("'", "")
    return bool(_LATE_FACT.search(said)) and bool(_AMENDS.search(said))


def only_upset(text: str) -> bool:
    """Only upset, in words or in emojis, nothing asked."""
    return only_upset_emoji(text) or _whole_message(_UPSET_WORDS, text)


def only_upset_emoji(text: str) -> bool:
    """True when the message is only emojis (and spaces or punctuation) and one of them
    is angry, sad or a thumbs down: an unhappy buyer, to be met like a complaint."""
    return not re.search(r"\w", text) and any(c in _UPSET_EMOJI for c in text)


def only_chitchat(text: str) -> bool:
    """True when everything in the message is a greeting, thanks, praise or an emoji
    (lower-cased text).  Precise enough to override the model: nothing is left to ask."""
    if not re.search(r"\w", text):
        # A lone emoji ("👍", "🙏") is a reaction; lone punctuation ("??") is not, and
        # nor is an unhappy one ("🤬").
        return any(ord(c) > 0x2000 for c in text) and not only_upset_emoji(text)
    rest = _CHAT_PHRASES.sub(" ", fold(text))
    return re.search(r"[^\W_]", rest) is None


# Praise said by denying a fault: "no complaints at all", "couldn't fault it", "can't
# complain", "faultless", "nothing to complain about".  The model reads the fault's word
# ("complaint", "fault") and is sure of a complaint or a return; with nothing else in
# the message, it is a thank-you.
_NO_FAULT = re.compile(
    r"\b(?:no\s+(?:complaints?|issues?|problems?)(?:\s+(?:at\s+all|whatsoever|here))?|"
    r"can(?:'|’)?t\s+complain|cannot\s+complain|nothing\s+to\s+complain\s+about|"
    r"could(?:n(?:'|’)?t|\s+not)\s+(?:have\s+)?fault(?:ed)?(?:\s+(?:it|you|them|the\s+\w+|anything))?|"
    r"faultless|flawless|spot\s+on|top\s+notch|10\s*/\s*10)\b"
)


# What such praise is about, and the words around it: "faultless service", "no
# complaints with the delivery so far".
_PRAISED = re.compile(
    r"\b(?:service|delivery|experience|job|work|help|support|shop|store|order|product|"
    r"everything|so\s+far|here|with|the|your|it|was|is|been|has|really|honestly|at\s+all)\b"
)


def praises_by_denying_a_fault(text: str) -> bool:
    """True when the message is praise said by denying a fault ("no complaints at all,
    thanks", "couldn't fault it") and nothing else."""
    folded = " ".join(fold(text).lower().split())
    if _NO_FAULT.search(folded) is None:
        return False
    rest = _PRAISED.sub(" ", _NO_FAULT.sub(" ", folded))
    return re.search(r"[^\W_]", rest) is None or only_chitchat(rest)


# "where is it", "where are they", "dónde está": a where-question with nothing else in
# it.  Said to a shop's bot, it asks where the buyer's order is (the order card answers
# it, and asks which order when there are several); "where are you" is about the bot.
_WHERE = re.compile(r"\b(?:where|wheres|whereabouts|where's|donde)\b")
_TO_THE_BOT = re.compile(r"\b(?:you|u|ya|your|ur|usted|tu|estas)\b")


def asks_where(text: str) -> bool:
    """True when a message with no other request in it (the caller checks that the
    model found no word it knows) asks *where*: "where is it", "where are they now?"."""
    folded = fold(text.lower())
    return _WHERE.search(folded) is not None and _TO_THE_BOT.search(folded) is None


# A greeting, stretched as people type it when they wait ("helloooo", "heyyy", "hiii",
# "holaaa"): answered with hello, not with the thanks-reply of other small talk.
_GREETING = re.compile(
    r"\W*(?:(?:h+i+|he+y+|heya|heyo|hel+o+|hiya|yo+|good|howdy|ho+la+|ola+|holi+|buenas|buenos|buen|"
    r"saludos)\b|👋)",
    re.I,
)
# A buyer waiting for an answer: "are you there?", "anyone there", "reply pls", "...",
# "!!!", "¿hay alguien?".  Nothing to understand and no miss: the bot says hello.
_NUDGE = re.compile(
    r"^[\W_]*(?:(?:hello+\s+|hi+\s+|hey+\s+)?(?:(?:are\s+)?(?:you|u)\s+(?:still\s+)?there|"
    r"(?:is\s+)?(?:any\s*one|any\s*body|some\s*one|some\s*body)\s+(?:there|here|home)|"
    r"(?:pls\s+|please\s+)?(?:reply|respond|answer)(?:\s+me)?(?:\s+(?:pls|please|plz|now))?|"
    r"wake\s+up|(?:hola\s+)?(?:estas|esta|estan)\s+ahi|hay\s+alguien(?:\s+ahi)?|"
    r"(?:respond|contest)(?:a|e|an|en)?(?:me|nos)?(?:\s+(?:por\s+favor|porfa|xfa|pf))?|"
    r"(?:hola\s+)?alguien\s+(?:me\s+)?(?:responde|contesta|atiende)))?[\W_]*$",
    re.I,
)


# Not goods: a broken website, link, code or voucher is no item to return ("the checkout
# page is broken", "your discount code is broken", "voucher not working").
_NOT_GOODS = re.compile(
    r"\b(?:(?:site|website|web|link|page|app|checkout|payment|card|code|coupon|promo|voucher|"
    r"discount|button|login|account|email|password|form|cart|basket|bot|chat|pagina|enlace|"
    r"cupon|codigo|descuento)(?:e?s)?)\b",
    re.IGNORECASE,
)


def reports_damage(text: str) -> bool:
    """The message says an item came damaged or faulty ("my knife came but the tip is
    bent", "the kettle stopped working"), in the words the return flow's reason step
    reads, and about goods, not the shop's website."""
    return _goods_reason(text) in (ClaimReason.DAMAGED, ClaimReason.DEFECTIVE)


def _goods_reason(text: str) -> ClaimReason | None:
    """What the return's reason step reads in the message, when it is about goods."""
    return None if _NOT_GOODS.search(fold(text)) else return_reason(text)


# Only the packaging came damaged, the item itself is fine: "box was crushed but mug
# ok", "the parcel was damaged but the item is fine", "the item is fine but the box was
# torn", "la caja llegó aplastada pero el producto está bien".  Nothing to return (the
# model, and the damage rule, started a return): a complaint, which a person can hear.
_BOX = (
    r"(?:box|boxes|package|packaging|parcel|outer\s+box|carton|envelope|wrapping|caja|paquete|"
    r"empaque|embalaje)"
)
_BOX_HURT = (
    r"(?:damaged|crushed|dented|torn|ripped|wet|soaked|smashed|broken|battered|bashed|squashed|"
    r"beaten\s+up|opened|open|aplastad[oa]|rot[oa]|danad[oa]|mojad[oa]|abiert[oa]|golpead[oa])"
)
_BUT = r"(?:but|though|although|yet|luckily|thankfully|pero|aunque)"
_ITEM_FINE = (
    r"(?<!n.t\s)(?<!nt\s)(?:fine|ok|okay|intact|undamaged|unharmed|perfect|alright|"
    r"all\s+right|good|safe|survived|no\s+damage|bien|intact[oa]|perfect[oa]|sano|sana)"
)
_PACKAGING_ONLY = re.compile(
    rf"\b{_BOX}\b.{{0,40}}\b{_BOX_HURT}\b.{{0,30}}\b{_BUT}\b.{{0,40}}\b{_ITEM_FINE}\b|"
    rf"\b{_ITEM_FINE}\b.{{0,30}}\b{_BUT}\b.{{0,30}}\b{_BOX}\b.{{0,40}}\b{_BOX_HURT}\b"
)


def only_the_packaging_damaged(text: str) -> bool:
    """The box came damaged and the item inside is fine: nothing to return."""
    return _PACKAGING_ONLY.search(fold(text.lower())) is not None


# A fault told and shrugged off: "the mug has a small chip but its fine", "one candle is
# a bit scuffed, no big deal, just letting you know", "tiene un rayón pero no pasa nada".
# Found in the demo: the return flow started (the model, and the damage rule, heard a
# return).  Nothing asked, nothing wanted: sorry, thanks, and where a return is if the
# buyer changes their mind.
_SHRUGGED = re.compile(
    r"\b(?:but|though|although|pero|aunque)\b(?:\s+\w+){0,3}?\s+"
    r"(?:fine|ok|okay|alright|all\s+right|no\s+big\s+deal|not\s+a\s+big\s+deal|no\s+biggie|"
    r"bien|no\s+pasa\s+nada|no\s+importa)\b|"
    r"\b(?:but|though|pero)\s+i\s+(?:still\s+)?(?:like|love|dont\s+mind|can\s+still\s+use)\s+it\b|"
    r"\b(?:i\s+can\s+live\s+with\s+it|no\s+need\s+to\s+do\s+anything|no\s+big\s+deal|"
    r"just\s+(?:wanted\s+to\s+)?let(?:ting)?\s+you\s+know|just\s+(?:an\s+)?fyi|"
    r"(?:i\s+)?(?:dont|do\s+not)\s+(?:need|want)\s+(?:a\s+|an\s+)?(?:refund|return|replacement|"
    r"anything)|not\s+asking\s+for\s+anything|no\s+pasa\s+nada|"
    r"solo\s+(?:queria\s+)?(?:avisar|informar)\w*|no\s+necesito\s+(?:nada|devolucion|reembolso))\b"
)
# Something wanted after all: "…but its fine, i want a replacement", "can i get…".
_WANTS_AMENDS = re.compile(
    r"(?<!dont\s)(?<!not\s)\b(?:want|need|like|get|send)\s+(?:a\s+|an\s+|my\s+|me\s+a\s+)?"
    r"(?:refund|return|replacement|exchange|new\s+one|money|discount)\b|"
    r"\b(?:can|could|would|will)\s+(?:i|you|we)\b|\b(?:quiero|necesito)\s+(?:un|una|mi)\b"
)


def tolerates_a_fault(text: str) -> bool:
    """A fault with what came, told and shrugged off, asking nothing ("the mug has a
    small chip but its fine"): no return to start."""
    said = " ".join(words(text))
    return (
        "?" not in text
        and _SHRUGGED.search(said) is not None
        and _WANTS_AMENDS.search(said) is None
        and reports_a_fault(text)
    )


# What is wrong with goods that came: broken or faulty, the wrong thing, not as the
# listing showed, or something missing from the box.
_GOODS_FAULTS = frozenset(
    {
        ClaimReason.DAMAGED,
        ClaimReason.DEFECTIVE,
        ClaimReason.WRONG_ITEM,
        ClaimReason.NOT_AS_DESCRIBED,
        ClaimReason.MISSING_ITEM,
    }
)


def reports_a_fault(text: str) -> bool:
    """The message says what came is wrong: damaged or faulty, as `reports_damage`, or
    the wrong item, not as described ("the towel is a different color than the
    picture"), or short of something; about goods, never a question about them."""
    return _goods_reason(text) in _GOODS_FAULTS


def tells_a_fault(text: str) -> bool:
    """A fault told, not asked about: "the towel shrank after the first wash", "the
    skillet is rusty" (not "does the towel shrink in the wash?", "will the mug chip
    easily")."""
    return reports_a_fault(text) and _ASKED_IN_GENERAL.search(fold(text.lower())) is None


# How to use or look after a product: "how do i care for the cutting board", "how
# should i wash the towels", "care instructions?", "¿cómo se lava?".  The model has few
# of them and read the first as off-topic ("I can only help with your orders").
_HOW_TO_USE = re.compile(
    r"\bhow\s+(?:do|should|can|would|to|does\s+one)\s+(?:i\s+|you\s+|we\s+)?(?:best\s+)?"
    r"(?:care\s+for|take\s+care\s+of|look\s+after|clean|wash|use|maintain|store|sharpen|hone|"
    r"oil|season|assemble|put\s+together|set\s+up|dry|iron|descale|treat|condition)\b|"
    r"\b(?:care|washing|cleaning|usage|assembly)\s+(?:instructions|guide|tips|label)\b|"
    r"\bcomo\s+(?:se\s+)?(?:lava|limpia|cuida|usa|guarda|afila|monta|arma)\b|"
    r"\bcomo\s+(?:lo|la|los|las)\s+(?:lavo|limpio|cuido|uso|guardo|afilo|monto|armo)\b"
)


def asks_how_to_use(text: str) -> bool:
    """The buyer asks how to use or look after a product: a product question."""
    return _HOW_TO_USE.search(" ".join(fold(text).replace("’", "'").split())) is not None


# The parcel wished faster: "can you make it go faster", "can you expedite my order",
# "can it come sooner", "please rush it", "¿pueden enviarlo más rápido?".  Read as a
# change to the order's items, a cancellation or a product question; the shipping
# policy answers it (the delivery option is chosen at checkout and can't be switched).
_FASTER = r"(?:faster|quicker|sooner|earlier|quickly|asap)"
_WANTS_IT_FASTER = re.compile(
    r"\b(?:"
    rf"(?:make|get)\s+(?:it|them|this|my\s+(?:order|parcel|package|delivery))\s+"
    rf"(?:go\s+|come\s+|arrive\s+|here\s+|ship\s+|delivered\s+|to\s+me\s+)?{_FASTER}|"
    r"speed\s+(?:it|this|things|my\s+\w+|the\s+\w+)\s+up|"
    r"speed\s+up\s+(?:the\s+|my\s+)?(?:delivery|shipping|order|parcel|package)|"
    r"expedite|hurry\s+(?:it|up)|rush\s+(?:it|my|the|this)\b|"
    rf"(?:come|arrive|get\s+here|ship|be\s+here|be\s+delivered)\s+(?:any\s+|a\s+bit\s+|a\s+little\s+)?{_FASTER}|"
    r"(?:mas\s+rapido|acelerar|apurar|que\s+llegue\s+antes|llegue\s+mas\s+pronto)|"
    # the delivery option itself switched: "can i change my shipping method to express",
    # "upgrade to express", "cambiar el método de envío a express" ("which of these?")
    r"(?:chang\w*|switch\w*|upgrad\w*)\s+(?:my\s+|the\s+|it\s+)?(?:(?:shipping|delivery|postage)\s+"
    r"(?:method|option|speed|type|service)?\s*)?to\s+(?:express|expedited|priority|next\s+day|overnight)|"
    r"(?:cambia\w*|pasa\w*)\s+(?:el\s+)?(?:(?:metodo|tipo|modo|forma)\s+de\s+envio\s+)?a\s+(?:envio\s+)?"
    r"(?:express|exprés|expres|urgente|rapido)"
    r")"
)
_NOT_THE_PARCEL = re.compile(r"\b(?:refund\w*|reembols\w*|money|dinero|reply|answer|respond\w*)\b")


def wants_it_faster(text: str) -> bool:
    """The buyer asks for the parcel to come faster than its delivery option (see
    above); not a refund or an answer wished faster."""
    return _says(_WANTS_IT_FASTER, text, unless=_NOT_THE_PARCEL)


# Where the parcel goes, changed: "could you update where my order is going", "change
# where it gets delivered", "quiero cambiar donde me lo envían".  The model hears
# "where my order is" (its card) or "cambiar" (an item's change) in them.
_CHANGES_WHERE = re.compile(
    r"\b(?:chang\w*|updat\w*|correct\w*|fix\w*|edit\w*|redirect\w*|cambia\w*|"
    r"corregir|modifica\w*)\s+(?:a\s+)?(?:where|donde)\b.{0,30}\b(?:going|goes|go|sent|"
    r"send\w*|ship\w*|deliver\w*|headed|heading|env[ií]\w*|mand\w*|lleg\w*|entreg\w*)"
)


def changes_where_it_goes(text: str) -> bool:
    """The message asks to change where an order is delivered."""
    return _CHANGES_WHERE.search(fold(text.lower())) is not None


# An account, a login or a subscription: "cancel my account", "delete my profile",
# "cancel my membership", "I want to cancel my newsletter subscription". No order flow
# changes one (rule 14 of tests/data/understanding/README.md: a question the policies or
# a person answer); the model hears "cancel" or "update" and reads an order's flow.
_ACCOUNT_THING = re.compile(
    r"\b(?:accounts?|profiles?|passwords?|log\s*ins?|usernames?|user\s*names?|sign\s*ups?|"
    r"registration|subscriptions?|memberships?|newsletters?|mailing\s+lists?|marketing|"
    r"promo(?:tional)?\s+e-?mails?|my\s+e-?mail(?:\s+address)?|e-?mail\s+address|"
    r"cuenta|perfil|contrasena|suscripcion|membresia|boletin|mi\s+correo)\b"
)
# An email address typed out is the proof of an order, not the account's.
_AN_EMAIL = re.compile(r"\S+@\S+")
# ...unless the message also names what an order flow does change: the order itself,
# its address, its items, or a way to pay ("cancel the order on my account", "update
# the address on my profile", "change the card on my account").
_ORDER_THING = re.compile(
    rf"\b(?:{_ORDER_NOUN}|address\w*|addr|postcode|zip|pin\s*code|street|delivery|shipping|"
    r"size|colou?r|quantity|cards?|payments?|pedidos?|compras?|direccion|envio|talla|tarjeta)\b"
)


def about_the_account(text: str) -> bool:
    """The message is about the buyer's account, login or a subscription, and names no
    order, address, item or payment that a flow could change."""
    folded = fold(text.lower())
    if ORDER_NUMBER.search(folded) or _ORDER_THING.search(folded) or _AN_EMAIL.search(folded):
        return False
    return _ACCOUNT_THING.search(folded) is not None


# "when will it arrive?", "when do they come": no order named, no "my". The buyer's own
# parcel or delivery in general? The buyer's orders tell (`handlers.buyer.answers`): one
# on its way is what they mean; with none, how long delivery takes.  The model learned
# both readings ("DHL 3948… when will it arrive" is the buyer's own) and leans either way.
# "what about the blanket, when does it ship": one of the buyer's items named first.
_LEAD = (
    r"(?:(?:so|and|ok|okay|hi|hey|hello|um+|erm?|hm+)\W+)?"
    r"(?:(?:what|how)\s+about\s+(?:the\s+|my\s+)?\w+(?:\s+\w+)?\W+)?"
)
# "how long until it ships if i keep it": asked at a cancel question.
_IF_KEPT = r"(?:\s+if\s+i\s+(?:keep|dont\s+cancel|don'?t\s+cancel)\s+(?:it|them|the\s+order))?"
_UNTIL_IT_COMES = (
    r"(?:(?:till|until|til|before)\s+(?:it|they|my\s+(?:parcel|package|stuff|order))\s+"
    r"(?:arrives?|comes?|gets?\s+here|is\s+here|shows?\s+up|turns?\s+up|ships?|is\s+shipped|"
    rf"gets?\s+shipped|(?:is|gets?)\s+sent|goes\s+out){_IF_KEPT}|for\s+(?:it|them|"
    r"my\s+(?:parcel|package|stuff|order))(?:\s+to\s+(?:arrive|come|get\s+here))?)"
)
_WHEN_IT_COMES = re.compile(
    rf"^\W*{_LEAD}when\s+(?:will|would|does|do|is|are|should)\s+"
    r"(?:it|they|this|that|these|those)\s+(?:arrive|come|get\s+(?:here|delivered)|ship|"
    r"turn\s+up|show\s+up|reach\s+me|be\s+(?:here|delivered|shipped|arriving|coming))"
    r"(?:\s+(?:here|to\s+me|then|now))?\W*$|"
    # "how much longer?", "how many more days", "how long till it gets here", "when do
    # I get it", "when's it coming": the wait for something already ordered
    rf"^\W*{_LEAD}how\s+(?:much\s+longer|many\s+more\s+(?:days|weeks)|"
    r"many\s+(?:days|weeks)\s+(?:more|longer|left)|long\s+(?:now|still|more))"
    r"(?:\s+(?:will|do|does|is|should)\s+(?:it|they|i|we)\s+(?:take|have\s+to\s+wait|"
    r"need\s+to\s+wait|wait|be))?(?:\s+(?:to\s+wait|now|still|then))?"
    rf"(?:\s+{_UNTIL_IT_COMES})?\W*$|"
    rf"^\W*{_LEAD}how\s+long\s+(?:now\s+)?{_UNTIL_IT_COMES}\W*$|"
    rf"^\W*{_LEAD}when\s+(?:do|will|can|would|should)\s+(?:i|we)\s+(?:get|receive|expect|see)\s+"
    r"(?:it|them|this|that)(?:\s+(?:then|now|here|delivered))?\W*$|"
    rf"^\W*{_LEAD}when\W?s\s+(?:it|that|this)\s+(?:coming|arriving|getting\s+here|"
    r"gonna\s+(?:come|arrive|get\s+here)|due)\W*$|"
    # "¿cuándo llega?", "y cuándo me llegará", "¿cuánto falta?": the same, in Spanish
    r"^\W*(?:(?:hola|y|ok|bueno|oye)\W+)?cuando\s+(?:me\s+)?(?:llega|llegan|llegara|llegaran|"
    r"viene|vienen|vendra|lo\s+entregan|la\s+entregan|"
    # "¿cuándo lo envían?", "¿cuándo sale?": when it ships (found in the demo: the
    # dispatch policy, where "when will it ship" got the order's card)
    r"(?:lo|la|los|las)\s+(?:envian|mandan|despachan|envias|mandas|van\s+a\s+(?:enviar|mandar))|"
    r"sale|se\s+envia|(?:lo|la)\s+(?:enviaran|mandaran))\W*$|"
    r"^\W*(?:(?:hola|y|ok|bueno|oye)\W+)?cuanto\s+(?:(?:mas\s+)?falta|(?:tiempo\s+)?mas|"
    r"mas\s+tengo\s+que\s+esperar)(?:\s+para\s+que\s+(?:me\s+)?llegue)?\W*$"
)


def asks_when_it_comes(text: str) -> bool:
    """Only "when will it arrive?", with nothing that says whose or which."""
    return _whole_message(_WHEN_IT_COMES, text)


# "help me file a claim", "I want to make a claim", "open a case about my order": on a
# marketplace a buyer's claim is the after-sales request, a return or a refund (here the
# return flow, which offers both). Rare words for the model: it read them as off-topic.
# A warranty or guarantee claim is the warranty's, a complaint the complaint's.
_FILES_A_CLAIM = re.compile(
    r"\b(?:file|open|make|submit|lodge|raise|start|put\s+in|create|do|place|initiate)\s+"
    r"(?:a\s+|an\s+|my\s+|the\s+|new\s+)*(?:claim|dispute|case)\b|"
    r"\b(?:abrir|hacer|presentar|poner|iniciar)\s+(?:un\s+|una\s+)?(?:reclamo|reclamacion|disputa)\b"
)
_NOT_A_RETURN_CLAIM = re.compile(
    r"\b(?:warrant\w*|guarant\w*|garantia|insurance|complaint|queja|police|bank|chargeback)\b"
)


def files_a_claim(text: str) -> bool:
    """The buyer asks to file a claim (a return or a refund), not a warranty claim."""
    return _says(_FILES_A_CLAIM, text, unless=_NOT_A_RETURN_CLAIM)


# "the seller isnt answering my return", "whats happening with my return request": a
# request already filed, named as the buyer's own; not one to start ("I want to start
# my return", "how do i make a return") nor a thing of the returns ("my return label").
_MY_REQUEST = re.compile(
    r"\b(?:my|mi|the)\s+(?:return(?:\s+request)?|refund\s+request|request|claim|case|"
    r"devolucion|solicitud|reclamo)\b(?!\s+(?:label|address|window|policy|policies|period|process|"
    r"rules?|shipping|postage|fees?|costs?|time|deadline|form|etiqueta|direccion|plazo|politica))"
)
_STARTS_ONE = re.compile(
    r"\b(?:start|make|file|open|begin|submit|send|create|do|want|need|like|wanna|how|can\s+i|"
    r"could\s+i|iniciar|hacer|quiero|como|cancel|withdraw|this\s+is|here\s+is|heres)\b"
)


# What asking how a filed request stands says: nobody answered, any news, still waiting.
_HOW_IT_STANDS = re.compile(
    r"\b(?:answer\w*|repl\w*|respond\w*|response|news|updates?|status|happening|going\s+on|"
    r"pending|approved?|accepted|rejected|declined|waiting|wait|stuck|heard|decid\w*|still|yet|"
    r"progress|ignor\w*|days|weeks|avanza|respuesta|respond\w*|pendiente|aprobad\w*|noticias|"
    r"esperando|todavia|aun)\b"
)


def about_a_filed_request(text: str) -> bool:
    """The buyer asks how their filed request stands, or complains it is not answered
    ("the seller isnt answering my return", "any news on my claim")."""
    said = fold(text.lower())
    return (
        _MY_REQUEST.search(said) is not None
        and _HOW_IT_STANDS.search(said) is not None
        and _STARTS_ONE.search(said) is None
    )


# "show my orders", "what orders do i have", "ver mis pedidos": the buyer's orders, as
# /orders lists them.  Found in the demo: the model, with no such line in its corpus,
# answered "what orders do i have" from the cancellation policy (sure, 0.99) and read
# "i want to see my orders" as a change to an order.  Only the whole message, so
# "invoices for all my orders" and "combine my orders" keep their own readings.
_MY_ORDERS = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|please|pls|um+)\W+)*"
    r"(?:(?:can|could|would)\s+(?:you|u|i)\s+(?:please\s+)?|"
    r"i\s*(?:want|would\s+like|d\s+like|wanna|need)\s+(?:to\s+)?|let\s+me\s+)?"
    r"(?:"
    r"(?:(?:show|list|see|view|check|display|get|give|pull\s+up|bring\s+up|open|find)\s+"
    r"(?:me\s+)?(?:a\s+list\s+of\s+)?(?:all\s+)?(?:of\s+)?)?"
    r"(?:all\s+)?(?:my|mine)\s+(?:orders|purchases|order\s+history|purchase\s+history)|"
    r"orders|order\s+history|purchase\s+history|"
    r"(?:what|which)\s+(?:orders|purchases)\s+(?:do|did|have)\s+i\s+(?:got|have|make|place|made|placed)"
    r"(?:\s+(?:with\s+you|here|so\s+far|on\s+file|open))?|"
    r"(?:which|what)\s+orders\s+(?:are|r)\s+mine|"
    r"do\s+i\s+have\s+(?:any\s+)?(?:orders|purchases)(?:\s+(?:with\s+you|here|on\s+file|open))?|"
    r"(?:what|wat)\s+(?:have|did)\s+i\s+(?:bought|buy|ordered|purchased|purchase)"
    r"(?:\s+(?:from\s+you|so\s+far|recently|here))?|"
    r"(?:ver|mostrar|muestrame|ensename|consultar|revisar)?\s*(?:todos\s+)?mis\s+(?:pedidos|compras|ordenes)|"
    r"(?:que|cuales)\s+(?:pedidos|compras|ordenes)\s+tengo|"
    r"historial\s+de\s+(?:pedidos|compras)|tengo\s+(?:algun\s+pedido|pedidos)"
    r")(?:\W+(?:please|pls|thanks|thank\s+you|por\s+favor|porfa|gracias))*\W*$"
)


# Only whether the chat is a person or a bot: "is this a real person", "is this
# automated", "am I talking to a human?", "¿estoy hablando con una persona?".  A straight
# answer (a bot, and /human for a person), as "are you a bot" gets; the model read the
# first as a wish for a person and handed the chat over.
_PERSON_OR_BOT = (
    r"(?:a\s+)?(?:real\s+)?(?:person|human|human\s+being|bot|robot|machine|an?\s+ai|ai|"
    r"automated|automatic)"
)
# The shop asked to chase the carrier: "can you contact the carrier for me", "could
# you call ups and ask them", "pueden llamar a la paquetería".  Only a person can (found
# in the demo under a stuck parcel's card: "which of these?").
_CHASE_THE_CARRIER = re.compile(
    r"\b(?:can|could|would|will|pls|please|plz|pueden|puedes|podrian|podrias)\s+(?:you\s+|u\s+|ustedes\s+)?"
    r"(?:please\s+)?(?:contact|call|phone|email|ring|chase|check\s+with|reach\s+out\s+to|talk\s+to|"
    r"speak\s+to|ask|get\s+in\s+touch\s+with|open\s+(?:a\s+)?(?:claim|case|trace)\s+with|"
    r"contactar|llamar|hablar\s+con|preguntar\s+a|preguntarle\s+a|escribir\s+a)\s+"
    r"(?:a\s+)?(?:the\s+|la\s+|el\s+)?(?:carrier|courier|shipping\s+company|delivery\s+company|"
    r"post\s+office|postal\s+service|ups|fedex|usps|dhl|royal\s+mail|paqueteria|mensajeria|"
    r"transportista|correo|repartidor)\b"
)


def asks_to_chase_the_carrier(text: str) -> bool:
    """The buyer asks the shop to contact the carrier about their parcel."""
    return _CHASE_THE_CARRIER.search(fold(text.lower())) is not None


_ASKS_IF_A_PERSON = re.compile(
    r"^\W*(?:(?:hi|hello|hey|um+|wait|so|ok)\W+)*"
    rf"(?:(?:is|am)\s+(?:this|it|i\s+(?:talking|chatting|speaking)\s+(?:to|with))\s+{_PERSON_OR_BOT}|"
    rf"are\s+(?:you|u)\s+{_PERSON_OR_BOT}|"
    r"(?:eres|es)\s+(?:un|una)\s+(?:persona(?:\s+real)?|humano|bot|robot|maquina)|"
    r"estoy\s+hablando\s+con\s+(?:un|una)\s+(?:persona(?:\s+real)?|humano|bot|robot|maquina))"
    r"(?:\s+or\s+(?:a\s+)?(?:bot|person|human|real\s+person|robot))?\W*$"
)


def asks_if_a_person(text: str) -> bool:
    """Only "is this a real person?" (or the like): whether a bot answers."""
    return _whole_message(_ASKS_IF_A_PERSON, text)


def asks_for_their_orders(text: str) -> bool:
    """Only "show my orders" (or the like): the list, not one order's question."""
    return _whole_message(_MY_ORDERS, text)


# "what's in my order", "how many items are in my order", "what color mug did i
# order", "¿qué hay en mi pedido?": what the buyer bought, which the order's card lists.
# Found in the demo: the model read "what items are in my order" as a change to it
# (handed to a person) and "how many items are in my order" as "which of these?".
# Only the whole message, so "what's in my order is broken" keeps its own reading.
_WHAT_WAS_ORDERED = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|um+|sorry|quick\s+question|hola|oye|perdon)\W+)*"
    r"(?:(?:can|could)\s+(?:you|u)\s+(?:please\s+)?(?:tell|remind)\s+me\s+|"
    r"(?:i\s+)?(?:forgot|dont\s+remember|do\s+not\s+remember|don'?t\s+remember)\s+|"
    r"(?:me\s+)?(?:recuerdas|recuerdame|dime|me\s+dices|no\s+recuerdo|olvide)\s+)?"
    r"(?:"
    r"(?:what|wat)(?:'?s|\s+is|\s+was|\s+are|\s+were)?\s+(?:all\s+)?(?:the\s+)?"
    r"(?:(?:items?|things?|products?|stuff)\s+)?(?:in|inside|on)\s+(?:(?:my|the|this|that)\s+)?"
    r"(?:order|package|parcel|box|purchase|shipment)|"
    r"(?:which|what)\s+(?:items?|things?|products?|stuff)\s+(?:are|were|is|was|did\s+i\s+(?:order|buy|get|purchase))"
    r"(?:\s+(?:in|on)\s+(?:my|the|this)\s+(?:order|package|parcel|purchase))?|"
    r"how\s+many\s+(?:items?|things?|products?|pieces?|units?)\s+(?:are|were|is|was)\s+(?:there\s+)?"
    r"(?:in|on)\s+(?:my|the|this)\s+(?:order|package|parcel|box|purchase)|"
    r"how\s+many\s+(?:items?|things?|products?|pieces?|units?|of\s+them)\s+did\s+i\s+(?:order|buy|get|purchase)|"
    r"(?:what|which)\s+(?:colou?r|size|model|version|one)\s+(?:of\s+)?(?:\w+\s+){0,2}did\s+i\s+(?:order|buy|get|pick|choose)|"
    r"(?:what|wat)\s+did\s+i\s+(?:order|buy|purchase)|(?:what|wat)\s+i\s+(?:ordered|bought|purchased)|"
    r"(?:que|cuales)\s+(?:productos\s+|articulos\s+|cosas\s+)?(?:hay|viene|vienen|venia|trae|traia|lleva|tiene)\s+"
    r"(?:en\s+)?(?:mi|el)\s+(?:pedido|paquete|orden|compra)|"
    r"(?:que|cuales)\s+(?:productos\s+|articulos\s+|cosas\s+)?(?:pedi|compre|ordene)|"
    r"cuant[oa]s\s+(?:articulos|productos|cosas|piezas|unidades)\s+(?:tiene|hay\s+en|trae|lleva|vienen\s+en|pedi|compre)"
    r"(?:\s+(?:mi|el)\s+(?:pedido|paquete|orden|compra))?|"
    r"(?:que|cual)\s+(?:color|talla|tamano|modelo)\s+(?:de\s+)?(?:\w+\s+){0,2}(?:pedi|compre|ordene|elegi)"
    r")(?:\s+again|\s+otra\s+vez)?(?:\s+(?:order\s+|pedido\s+)?(?:no\.?\s*|#\s*)?\d{6,})?"
    r"(?:\W+(?:please|pls|thanks|thank\s+you|por\s+favor|porfa|gracias))*\W*$"
)


def asks_what_was_ordered(text: str) -> bool:
    """Only "what's in my order" (or the like): the order's card, which lists it."""
    return _whole_message(_WHAT_WAS_ORDERED, text)


# "how much did i get back", "why only 10", "¿cuánto me van a devolver?": the amount of
# a refund, which a filed request's card shows (asked, refunded, and the seller's
# reason for less).  Found in the demo: with a request filed, the first was asked
# "which of these?" and the second was put another way, two misses to a person.  Read
# by the chat only while the buyer has requests (`handlers.buyer.answers`): with none,
# "how much will i get back" asks how refunds are worked out, which the policies say.
_HOW_MUCH_BACK = re.compile(
    r"\b(?:"
    r"how\s+much\s+(?:money\s+)?(?:did|will|do|would|am|should|can)\s+i\s+(?:\w+\s+){0,2}"
    r"(?:get(?:ting)?\s+back|get\s+refunded|be\s+refunded|receive|getting|recover)|"
    r"how\s+much\s+(?:are|r|will|did|do|would)\s+(?:you|u|they|the\s+seller)\s+(?:\w+\s+){0,1}"
    r"(?:refund(?:ing)?|pay(?:ing)?\s+(?:me\s+)?back|giv(?:e|ing)\s+(?:me\s+)?back|send(?:ing)?\s+(?:me\s+)?back)|"
    r"how\s+much\s+(?:was|is|will\s+be|has\s+been)\s+(?:refunded|returned\s+to\s+me|paid\s+back)|"
    r"why\s+(?:only|just)\s+(?:\$|€|£)?\d|"
    r"why\s+(?:did|do|was|am|have)\s+i\s+(?:only|just)\s+(?:get|got|receive|received|refunded|been\s+refunded|given)|"
    r"why\s+(?:is|was)\s+(?:my|the)\s+refund\s+(?:only|so\s+(?:small|low|little)|less)|"
    r"cuanto\s+(?:dinero\s+)?me\s+(?:van\s+a\s+|vas\s+a\s+|va\s+a\s+)?"
    r"(?:devuelven|devolver|devolvieron|devolvio|reembolsan|reembolsar|reembolsaron|regresan|regresaron)|"
    r"por\s*que\s+(?:solo|nada\s+mas)\s+(?:me\s+)?(?:\$|€)?\d"
    r")"
)


# When the money comes: "how long until i get my money", "when will i see my refund",
# "how soon do i get the money back", "¿cuándo me devuelven el dinero?".
_WHEN_MONEY = re.compile(
    r"\b(?:how\s+long|when|how\s+soon)\b.{0,30}\b(?:get|see|receive|have|be\s+paid)\b"
    r".{0,15}\b(?:money|refund|cash)\b|"
    r"\b(?:how\s+long|when)\b.{0,20}\b(?:my\s+)?(?:refund|money)\b.{0,20}"
    r"\b(?:take|come|arrive|show|land|hit)\w*|"
    r"\bcuando\b.{0,25}\b(?:devuelven|reembolsan|recibo|llega|veo)\b.{0,15}\b(?:dinero|reembolso)\b|"
    r"\bcuando\s+(?:me\s+)?(?:devuelven|reembolsan)\b"
)


def asks_when_money_comes(text: str) -> bool:
    """The buyer asks when their money comes back; with a request of theirs filed, its
    card says where its refund stands."""
    said = fold(text.lower())
    return _WHEN_MONEY.search(said) is not None and _SUPPOSING.search(said) is None


def asks_how_much_back(text: str) -> bool:
    """The buyer asks how much money comes back to them, or why so little; not "if I
    return it", which asks how refunds are worked out."""
    said = fold(text.lower())
    return _HOW_MUCH_BACK.search(said) is not None and _SUPPOSING.search(said) is None


# Words that only make sense about a request already filed, and what about it: photos
# added after it ("i forgot to add a photo", "can i add more photos to my request"), the
# request changed ("change my request to a replacement"), the parcel sent back ("i
# shipped it back today"), whether the item goes back ("do i need to send it back",
# "can i keep the item"), or where it stands in words the model has few of ("the seller
# asked for more info", "when will the seller reply", "how many days does the seller
# have").  Found in the demo right after a return was filed: the first two were told
# the order "can't be changed any more", the third was "which of these?", "the seller
# asked for more info" and "when will the seller reply" two misses handed to a person,
# "can i keep the item" a change to the order.  Read by the chat only while the buyer
# has a request under way (`handlers.buyer.answers`), whose card answers them, with a
# line for the first four; with none, whether an item goes back is the returns
# policy's answer and the rest is read as it was.
class RequestTopic(StrEnum):
    PHOTOS = "photos"
    CHANGE = "change"
    SENT_BACK = "sent_back"
    GOES_BACK = "goes_back"
    WHERE_IT_STANDS = "where_it_stands"
    KEEPS_IT = "keeps_it"  # "nevermind, i'll keep it": the request withdrawn, if asked
    IF_REFUSED = "if_refused"  # "what happens if they say no": the appeal
    IF_SILENT = "if_silent"  # "what if the seller never answers": approved by itself


_PHOTO = r"(?:photos?|pictures?|pics?|images?|fotos?|imagen(?:es)?)"
_THE_REQUEST = (
    r"(?:my|the|mi|la|el)\s+(?:return\s+)?"
    r"(?:request|claim|return|refund|case|solicitud|reclamo|devolucion)"
)
_SELLER = r"(?:seller|shop|store|vendor|merchant|vendedor|tienda)"
_ADDS_PHOTOS = re.compile(
    r"\b(?:"
    r"(?:forgot|forget|forgotten|missed|didnt|did\s+not)\s+(?:to\s+)?"
    rf"(?:add|attach|include|send|upload|put)\b[^.?!]{{0,20}}\b{_PHOTO}|"
    rf"(?:add|attach|upload|send|include)\s+(?:\w+\s+){{0,2}}{_PHOTO}\s+(?:to|for|on|in)\s+{_THE_REQUEST}|"
    rf"(?:olvide|se\s+me\s+olvido)\s+(?:\w+\s+){{0,3}}{_PHOTO}|"
    rf"(?:agregar|anadir|mandar|enviar|subir)\s+(?:\w+\s+){{0,2}}{_PHOTO}\s+(?:a|en)\s+{_THE_REQUEST}"
    r")"
)
_CHANGES_IT = re.compile(
    rf"\b(?:(?:change|switch|edit|update|modify|amend)\s+{_THE_REQUEST}|cambiar\s+{_THE_REQUEST})"
)
_SENT_IT_BACK = re.compile(
    r"\b(?:"
    r"i\s+(?:have\s+|already\s+|just\s+|ve\s+)?(?:shipped|sent|posted|mailed|dropped\s+off|returned)\s+"
    r"(?:it|them|the\s+(?:\w+\s+)?(?:items?|package|parcel|box|return)|everything)\s+back|"
    r"i\s+(?:have\s+|already\s+|just\s+|ve\s+)?(?:dropped\s+off|shipped|sent|posted|mailed)\s+(?:off\s+)?"
    r"(?:the|my)\s+return\b|"
    r"ya\s+(?:lo|la|los|las)\s+(?:envie|mande|devolvi|regrese)"
    r")"
)
_SELLER_TO_ANSWER = re.compile(
    r"\b(?:"
    rf"(?:{_SELLER}|they)\s+(?:has\s+|have\s+)?(?:asked|asks|want|wants|wanted|requested|requests|needs?|needed)\s+"
    rf"(?:me\s+)?(?:for\s+)?(?:more|some|extra|additional|further|another|other)\s+(?:info\w*|details?|{_PHOTO}|proof|evidence)|"
    rf"{_SELLER}\s+(?:me\s+)?(?:pidio|pide|quiere)\s+(?:mas\s+)?(?:info\w*|detalles|{_PHOTO})|"
    rf"(?:when|how\s+long|how\s+many\s+days|how\s+soon)\b[^.?!]{{0,30}}\b{_SELLER}\s+"
    r"(?:\w+\s+){0,2}(?:answer|reply|respond|get\s+back|decide|review|look|check|have)\b|"
    rf"(?:has|did|have)\s+the\s+{_SELLER}\s+(?:even\s+)?"
    r"(?:seen|looked|read|answered|replied|responded|reviewed|checked|decided)|"
    rf"(?:cuando|cuantos\s+dias)\s+(?:\w+\s+){{0,2}}(?:responde|contesta|decide|tiene)\s+(?:el\s+)?{_SELLER}|"
    # no seller named: "when will they answer", "how long until someone looks at it"
    r"(?:when|how\s+soon)\s+(?:will|do|does|would|are|is)\s+(?:they|someone|somebody|anyone|you(?:\s+guys)?)\s+"
    r"(?:\w+\s+)?(?:answer|reply|respond|get\s+back|decide|look\s+at\s+it|review\s+it)|"
    r"how\s+long\s+(?:until|till|til|before)\s+(?:someone|somebody|anyone|they|you)\s+(?:\w+\s+)?"
    r"(?:looks?|reviews?|checks?|answers?|replies|responds?|decides?|gets?\s+back)|"
    r"cuando\s+me\s+(?:responden|contestan|resuelven|dicen\s+algo|van\s+a\s+(?:responder|contestar|resolver))"
    r")"
    # only "what happens now", "whats next", "y ahora qué": with a request under way,
    # where it stands (found in the demo right after filing: an unsure policy answer)
    r"|^\W*(?:(?:ok|okay|so|and|alright|great|thanks|thank\s+you|cool|vale|bueno|gracias)\W+)*"
    r"(?:what\s+happens\s+(?:now|next)|what\s+now|now\s+what|whats\s+next|what\s+is\s+next|"
    r"what\s+(?:do|should)\s+i\s+do\s+now|y\s+ahora(?:\s+que(?:\s+pasa)?)?|que\s+sigue|"
    r"que\s+pasa\s+ahora)\W*$"
)
# A question of the product's or the parcel's, not of the request: "when will the seller
# answer my question", "how many days does the seller have to ship".
_NOT_THE_REQUEST = re.compile(
    r"\b(?:question|pregunta|ship|dispatch|send\s+(?:it|my\s+order)|pack|deliver|enviar\s+mi\s+pedido)\b"
)
# "nevermind i want to keep it", "i'll keep it after all", "me lo quedo": the request is
# not wanted any more (the withdraw question asks first); not "keep it and get a refund".
_KEEPS_IT = re.compile(
    r"\b(?:"
    r"i\s*(?:want\s+to|wanna|will|ll|would\s+rather|d\s+rather|decided\s+to|think\s+i\s*ll|am\s+going\s+to|m\s+going\s+to)\s+"
    r"keep\s+(?:it|them|the\s+(?:\w+\s+)?(?:items?|products?|\w+))\b|"
    r"(?:me\s+(?:lo|la|los|las)\s+quedo|(?:mejor\s+)?(?:lo|la)\s+conservo)"
    r")"
)
_KEEPS_AND_GETS = re.compile(r"\b(?:refund|money|reembolso|dinero|and\s+(?:still\s+)?get)\b")
_SENDS_BACK = re.compile(
    r"\b(?:"
    r"(?:do|would|will|should|must)\s+i\s+(?:need\s+to|have\s+to|got\s+to|gotta)\s+"
    r"(?:send|ship|return|post|mail)\s+(?:it|them|this|that|(?:the|my)\s+\w+(?:\s+\w+)?)\s+back|"
    r"(?:do|would|will|should|must)\s+i\s+(?:send|ship|post|mail)\s+"
    r"(?:it|them|this|that|(?:the|my)\s+\w+(?:\s+\w+)?)\s+back|"
    r"(?:do|can|could|may|should|will)\s+i\s+(?:get\s+to\s+)?keep\s+"
    r"(?:it|them|this|that|the\s+(?:\w+\s+)?(?:items?|products?))\s*"
    r"(?:[?.!]|$|or\b|and\s+(?:still\s+)?get)|"
    r"tengo\s+que\s+(?:devolver|regresar|enviar|mandar)(?:lo|la|los|las)?\b|"
    r"me\s+(?:lo|la|los|las)\s+puedo\s+quedar|puedo\s+quedarme(?:lo|la|los|las)?"
    r")"
)


# "what happens if they say no", "what if the seller rejects it", "¿y si lo rechazan?";
# and "what if they never answer", "¿y si no contesta?" (found in the demo: "which of
# these do you mean?" right after filing).
_WHAT_IF = r"(?:what\s+(?:happens|will\s+happen|do\s+i\s+do|then)\s+if|what\s+if|and\s+if|if)"
_WHO_DECIDES = r"(?:(?:the\s+)?(?:seller|shop|store|vendor)|they|he|she)"
_IF_REFUSED = re.compile(
    rf"\b{_WHAT_IF}\s+{_WHO_DECIDES}\s+(?:\w+\s+)?(?:says?\s+no|reject\w*|refuse\w*|"
    r"den(?:y|ies|ied)|decline\w*|turns?\s+(?:it\s+|me\s+)?down|"
    r"(?:doesnt|dont|wont|does\s+not|do\s+not|will\s+not)\s+(?:accept|agree|approve))|"
    r"\b(?:que\s+pasa|y)\s+si\s+(?:el\s+vendedor\s+|la\s+tienda\s+)?(?:me\s+)?(?:lo\s+|la\s+)?"
    r"(?:rechaza\w*|dice\s+que\s+no|niega\w*|no\s+(?:lo\s+|la\s+)?acepta\w*)"
)
_IF_SILENT = re.compile(
    rf"\b{_WHAT_IF}\s+{_WHO_DECIDES}\s+(?:\w+\s+)?(?:doesnt|dont|never|wont|does\s+not|do\s+not|"
    r"will\s+not)\s+(?:\w+\s+)?(?:answer|reply|respond|get\s+back)|"
    rf"\b{_WHAT_IF}\s+(?:nobody|no\s+one)\s+(?:\w+\s+)?(?:answers|replies|responds|gets\s+back)|"
    r"\b(?:que\s+pasa|y)\s+si\s+(?:el\s+vendedor\s+|la\s+tienda\s+)?(?:nunca|no)\s+(?:me\s+)?"
    r"(?:responde|contesta)"
)


def about_the_request(text: str) -> RequestTopic | None:
    """What the words ask about a request already filed (see above), or None."""
    said = re.sub(r"['’]", "", fold(text.lower()))  # "i'll", "didn't": "ill", "didnt"
    if _SENDS_BACK.search(said):
        return RequestTopic.GOES_BACK
    if _SENT_IT_BACK.search(said):
        return RequestTopic.SENT_BACK
    if _ADDS_PHOTOS.search(said):
        return RequestTopic.PHOTOS
    if _CHANGES_IT.search(said):
        return RequestTopic.CHANGE
    if _KEEPS_IT.search(said) and not _KEEPS_AND_GETS.search(said):
        return RequestTopic.KEEPS_IT
    if _IF_REFUSED.search(said):
        return RequestTopic.IF_REFUSED
    if _IF_SILENT.search(said):
        return RequestTopic.IF_SILENT
    if _SELLER_TO_ANSWER.search(said) and not _NOT_THE_REQUEST.search(said):
        return RequestTopic.WHERE_IT_STANDS
    return None


_SUPPOSING = re.compile(r"\b(?:if|when\s+i|si\s+(?:lo|la|los|las)?\s*devuelvo)\b")


# A bare yes or no ("no", "nope", "nah", "yeah", "sí"), with nothing asked: a buyer's
# reply to what the bot said last (a card, an answer), not a question to understand.
# Found in the demo: "no" after an order's card was to be put another way, a miss.
_YES_OR_NO = re.compile(
    r"^\W*(?:no+|nope|nah+|nop|yes+|yeah|yep|yup|ya|si|sip|nel|neh)(?:\W+(?:sorry|thanks|gracias))?\W*$"
)


def only_yes_or_no(text: str) -> bool:
    """Nothing but a yes or a no."""
    return _whole_message(_YES_OR_NO, text)


# "I have a question", "quick question", "can I ask something?", "tengo una duda": the
# buyer announces a request and has not said it yet. Nothing to understand and no miss:
# the bot asks them to go ahead (a clarifying question offering "a product question" or
# "just saying hello" was what it used to send).
_ANNOUNCES = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|um+|excuse\s+me|sorry)\W+)*(?:"
    r"i\s+(?:have|got|ve\s+got|'ve\s+got)\s+(?:a\s+|one\s+|another\s+|some\s+|an\s+)?"
    r"(?:quick\s+|small\s+|little\s+|simple\s+|urgent\s+|big\s+)?"
    r"(?:question|query|doubt|request|enquiry|inquiry|problem|issue|concern)s?|"
    r"there\s*(?:is|s|'s)\s+(?:a\s+)?(?:problem|issue)|(?:tengo|hay)\s+un\s+problema|"
    r"(?:a\s+|one\s+)?(?:quick|small|simple)\s+(?:question|query)|one\s+question|"
    r"(?:can|could|may)\s+i\s+ask\s+(?:you\s+)?(?:a\s+(?:quick\s+)?question|something|smth|a\s+thing)|"
    r"(?:tengo|tenia)\s+(?:una\s+)?(?:pregunta|duda|consulta)|una\s+(?:pregunta|duda|consulta)|"
    r"(?:puedo|te\s+puedo)\s+(?:hacer(?:te)?\s+una\s+pregunta|preguntar(?:te)?\s+algo)"
    r")(?:\W+(?:please|pls|thanks|por\s+favor|porfa))*\W*$"
)


def announces_a_request(text: str) -> bool:
    """Only "I have a question" (or the like), with the question still to come."""
    return _whole_message(_ANNOUNCES, text)


def _says(pattern: re.Pattern[str], text: str, *, unless: re.Pattern[str]) -> bool:
    """`pattern` is found in the message (lower-cased, accents folded) and `unless` is
    not."""
    folded = fold(text.lower())
    return pattern.search(folded) is not None and unless.search(folded) is None


# "why?", "but why not", "how come", "why can't you", "¿y por qué no?": nothing but why,
# which asks about what the bot just said (`handlers.buyer.why`).
_ONLY_WHY = re.compile(
    r"^\W*(?:(?:but|and|ok|okay|so|um+|hm+|pero|y|vale)\W+)?(?:"
    r"why(?:\s+(?:not|is\s+that|so|though|that|cant\s+(?:i|you|it)|can\s*not\s+(?:i|you|it)|"
    r"not\s+here|do\s+i\s+have\s+to|does\s+it\s+matter))?|how\s+come|"
    r"por\s*que(?:\s+(?:no|no\s+se\s+puede|no\s+puedo|no\s+puedes|tengo\s+que))?"
    r")\W*$"
)


def asks_only_why(text: str) -> bool:
    """Only "why?" (or "why not", "how come"), with nothing of its own asked."""
    return _whole_message(_ONLY_WHY, text)


def _whole_message(pattern: re.Pattern[str], text: str) -> bool:
    """The message, lower-cased and with accents folded, is what `pattern` (anchored at
    both ends) describes."""
    return pattern.match(fold(text.lower())) is not None


# "why was my order cancelled?", "my order got cancelled and I didn't do it": a question
# about a cancellation that happened, which the order's card answers (its status and
# history); not a wish to cancel, which the model hears in "cancelled".
_WAS_CANCELLED = re.compile(
    r"\b(?:was|been|got|is|has\s+been|were|are)\s+(?:just\s+|suddenly\s+|automatically\s+)?"
    r"cancell?ed\b|\b(?:why|how\s+come|who)\b.{0,40}\bcancell?(?:ed|ing)\b|"
    # "why did you cancel my order without telling me" (the model: a wish to cancel)
    r"\b(?:why|how\s+come)\s+(?:(?:did|would|have|has|do|does)\s+)?(?:you|u|they|you\s+guys|u\s+guys|"
    r"the\s+(?:shop|seller|store)|someone|somebody)\s+(?:\w+\s+)?cancel\b|"
    r"\b(?:you|u|they)\s+(?:just\s+|already\s+)?cancell?ed\s+(?:my|the|our)\b|"
    # "fue cancelado", "me lo cancelaron", "por qué cancelaron mi pedido" (not a wish:
    # "quiero que esta orden sea cancelada" asks for the cancellation)
    r"\b(?:fue|ha\s+sido|esta|estaba|quedo)\s+(?:cancelad[oa]|anulad[oa])\b|"
    r"\bme\s+(?:lo|la)\s+(?:cancelaron|anularon)\b|"
    # "se canceló solo mi pedido", "me cancelaron el pedido" (the model: a wish to cancel)
    r"\bse\s+(?:me\s+)?(?:cancelo|anulo)\b|"
    r"\b(?:me\s+)?(?:cancelaron|anularon)\s+(?:el|mi)\s+(?:pedido|orden|compra)\b|"
    r"\bpor\s*que\b.{0,40}\b(?:cancelaron|cancelado|cancelada|anularon)\b"
)
_MONEY_BACK = re.compile(r"\b(?:refund\w*|money|reembols\w*|dinero|charged|cobr\w*)\b")


def asks_why_cancelled(text: str) -> bool:
    """A question about a cancellation that has happened (not one for the money back)."""
    return _says(_WAS_CANCELLED, text, unless=_MONEY_BACK)


# "cancel one item", "cancel the gift wrap", "cancel just the socks": part of the order,
# which rule 9 of tests/data/understanding/README.md makes a change to its items (a
# person drops it and keeps the rest), not the whole order's cancellation.
_PART_OF_IT = re.compile(
    r"\b(?:one|1|an?|some|single|first|second|third|last)\s+(?:of\s+(?:the|my)\s+)?"
    r"(?:items?|things?|products?|articles?|pieces?)\b|\bone\s+of\s+(?:them|the|my|these)\b|"
    r"\bgift\s*-?\s*wrap\w*|\bpart\s+of\s+(?:my|the)\s+order\b|"
    r"\b(?:only|just)\s+(?:one\b|the\s+(?!order\b|whole\b|entire\b|purchase\b|full\b)\w+)"
)
# ...unless it is a whole order after all: all of it, or one of two orders placed twice
# ("ordered twice by mistake, cancel one of them": the training lines' duplicate order).
_THE_WHOLE = re.compile(
    r"\b(?:whole|entire|everything|all\s+of\s+it|full\s+order|todo|orders|twice|double\w*|"
    r"duplicate\w*|same\s+order|dos\s+veces|duplicad[oa])\b"
)


def cancels_part(text: str) -> bool:
    """The buyer asks to cancel a part of an order (an item, the gift wrap), not all."""
    return _says(_PART_OF_IT, text, unless=_THE_WHOLE)


def nudge(text: str) -> bool:
    """A message that only asks whether anyone is there (or is only dots and marks;
    only question marks, "??", ask for help: the chat's escapes read them first)."""
    stripped = fold(text).strip()
    if not stripped or set(stripped) <= {"?"} or _emoji_only(stripped):
        return False
    return _NUDGE.match(stripped) is not None


def _emoji_only(text: str) -> bool:
    return not re.search(r"\w", text) and any(ord(c) > 0x2000 and c != "…" for c in text)


def says_hello(text: str) -> bool:
    """Small talk that the hello answers (what the bot can do): a greeting, or a nudge
    from a buyer waiting; thanks and praise get the thanks-reply instead."""
    return _GREETING.match(text) is not None or nudge(text)


def route(text: str) -> Routed:
    """The rules' intent for a message (see the module docstring for the order).  Not
    used for routing any more: the benchmarks' baseline."""
    cleaned = " ".join(text.replace("’", "'").split())
    number_match = ORDER_NUMBER.search(cleaned)  # before lowercasing: keeps the number as sent
    cleaned = cleaned.lower()
    number = number_match.group(0) if number_match else None

    if _PERSON.search(cleaned) and not _ABOUT_SUPPORT.search(cleaned):
        return Routed(Intent.TALK_TO_PERSON, number)
    if only_chitchat(cleaned):
        return Routed(Intent.CHITCHAT, number)

    needs_own = False
    wants_money = _MONEY_WANTED.search(cleaned) is not None and not _ASKS_WHEN.search(cleaned)
    if _ADDRESS.search(cleaned):
        intent = Intent.CHANGE_ADDRESS
    elif _REFUND_STATUS.search(cleaned) and not wants_money:
        intent = Intent.REFUND_STATUS
    elif _CANCEL.search(cleaned):
        intent = Intent.CANCEL_ORDER
    elif wants_money or _RETURN.search(cleaned):
        intent = Intent.RETURN_REQUEST
    elif _TRACK.search(cleaned):
        intent = Intent.TRACK_ORDER
    elif _TRACK_OWN.search(cleaned):
        # Only a word about delivery time ("how long does delivery take"): tracking
        # only when the buyer's own order is named (checked below).
        intent, needs_own = Intent.TRACK_ORDER, True
    else:
        return Routed(Intent.QUESTION, number)

    own = (
        number is not None
        or _OWN.search(cleaned) is not None
        or (_SPECIFIC.search(cleaned) is not None and not _HYPOTHETICAL.search(cleaned))
    )
    # A flow named in a question about how things work for anyone is a policy question.
    if not own and (needs_own or _GENERAL.search(cleaned)):
        return Routed(Intent.QUESTION, number)
    return Routed(intent, number)


# "what about my other order", "cancel the second one i placed", "¿y mi otro pedido?": an
# order other than the one linked.  With one order linked, its card would answer a
# question the buyer did not ask; the number of the other one is what is missing.
_ANOTHER_ORDER = re.compile(
    r"\b(?:other|another|second|2nd|different)\s+(?:order|parcel|package|purchase|"
    r"delivery|one\s+i\s+(?:ordered|bought|placed))\b|"
    r"\b(?:otro|segundo)\s+(?:pedido|paquete)\b|\bla\s+otra\s+(?:orden|compra)\b"
)


# Only the correction "i meant the other order" ("no, the other one", "not this one",
# "me refería al otro pedido"): the buyer's other order, whatever the model heard in it
# (a change of items, "which of these?").
_THE_OTHER_ONE = re.compile(
    r"^\W*(?:(?:no|nope|nah|sorry|oops|wait|actually|hmm+|um+|ah)\W+)*"
    r"(?:(?:i\s+)?(?:meant|mean)\s+|what\s+about\s+|show\s+me\s+|not\s+(?:this|that)\s+one\W+)?"
    r"(?:(?:the|my)\s+other\s+(?:one|order|parcel|package|purchase)|not\s+(?:this|that)\s+one)"
    r"(?:\s+(?:please|pls|then|instead))?\W*$|"
    r"^\W*(?:(?:no|perdon|espera|oye)\W+)*(?:me\s+referia\s+a(?:l)?\s+|quise\s+decir\s+)?"
    r"(?:el\s+otro(?:\s+pedido)?|(?:mi|el)\s+otro\s+pedido|ese\s+no|este\s+no|"
    r"(?<=al\s)otro(?:\s+pedido)?)"
    r"(?:\s+(?:por\s+favor|porfa))?\W*$"
)


def only_the_other_order(text: str) -> bool:
    """Only "i meant the other order" (or the like), nothing else asked."""
    return _whole_message(_THE_OTHER_ONE, text)


# A decision on a request spoken of: "the seller rejected my return", "they denied
# it", "that's unfair", "less than i paid", "me la rechazaron".
_A_DECISION = re.compile(
    r"\b(?:rejected|denied|declined|refused|turned\s+down|unfair|not\s+fair|less\s+than|"
    r"only\s+(?:got|gave|refunded|paid)|partial|not\s+the\s+(?:full|whole)|"
    r"rechaz\w*|denegad[oa]|negaron|injust[oa]|menos\s+de\s+lo)\b"
)


def speaks_of_a_decision(text: str) -> bool:
    """The message speaks of a decision on a request (a rejection, a partial refund)."""
    return _A_DECISION.search(fold(text.lower())) is not None


def names_another_order(text: str) -> bool:
    """The message is about another order than the one on screen."""
    return _ANOTHER_ORDER.search(fold(text.lower())) is not None


# "whats happening with it??", "when will this arrive", "¿y eso cuándo llega?": the order
# just shown, pointed back to; "my order" or "my package" could be any of the buyer's.
_POINTS_BACK = re.compile(r"\b(?:it|its|it'?s|this|that|this\s+one|that\s+one|esto|eso|este|ese)\b")


def points_back(text: str) -> bool:
    """The message points back at what is on screen ("it", "this one") rather than
    naming an order ("my order" could be any of several)."""
    return _POINTS_BACK.search(fold(text.lower())) is not None
