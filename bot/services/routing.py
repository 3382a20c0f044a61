"""Where a buyer's free text goes, from how it was read (`services.understanding.read`).

The trained model says what the message wants and how sure it is; this module turns that
into one of a few actions the chat (and `run_bot.py ask`) carries out.  One table for
both, so what `ask` prints is what the chat does.

* **Own-order intents start flows**: tracking opens the order card, cancelling the
  order's cancel step, a return the return flow, a refund question the list of claims.
  An order number in the message picks that order (linking it first).
* **Changes to an order need a person**: the card, and a ticket with the buyer's words.
* **Topic intents are answered from the shop's policies** when a section fits; when none
  does the bot says so and offers a person (the question reaches staff with the ticket).
  So is a return request that asks whether a used item can go back at all ("can I
  return a candle I already burned"): the returns policy first, with a button to start
  the return (`RETURN_IF_USED`); "I want to return the mug, it arrived cracked" starts
  the return at once.
* **Below `SURE` the bot does not guess**: it asks which of the two or three likely
  intents the buyer means, with buttons (unless they all lead to the same action: then
  there is nothing to ask).  A message with nothing the model learned from
  ("because", "5.00") gets no guessed choices: the buyer is asked to put it another way.
  Either counts as a miss for the two-misses-then-a-person rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.services.intents import (
    Intent,
    about_a_filed_request,
    about_the_account,
    announces_a_request,
    asks_for_their_orders,
    asks_how_to_send_it_back,
    asks_how_to_use,
    asks_if_a_person,
    asks_to_chase_the_carrier,
    asks_what_was_ordered,
    asks_when_it_comes,
    asks_where,
    asks_why_cancelled,
    cancels_part,
    changes_where_it_goes,
    files_a_claim,
    nudge,
    only_chitchat,
    only_the_other_order,
    only_the_packaging_damaged,
    only_upset,
    only_yes_or_no,
    praises_by_denying_a_fault,
    reports_a_fault,
    tolerates_a_fault,
    wants_amends_for_lateness,
    wants_it_faster,
    wants_the_fee_back,
    wants_to_complain,
)
from bot.understanding.model import SURE
from bot.understanding.not_theirs import disowns_an_order
from bot.understanding.parcel_questions import (
    asks_about_the_parcel,
    asks_if_in_time,
    missed_the_delivery,
    went_astray,
)
from bot.understanding.ratings import read_counted_rating, read_rating
from bot.understanding.returnable import asks_if_returnable, asks_if_used_returnable

if TYPE_CHECKING:
    from bot.understanding.model import Reading

# An intent below this probability is not offered as a choice in a clarifying question:
# a button for something the buyer almost surely did not mean is noise.
CHOICE_FLOOR = 0.05
MAX_CHOICES = 3
# Intents that agree on the action count together only for a message with at least this
# many words the model learned from: one word is never enough to act without asking.
AGREEING_EVIDENCE = 2
# A class a model may have for messages the shop cannot help with at all ("tell me a
# joke"): answered with what the bot can do, never with a policy quote.
OUT_OF_SCOPE = "out_of_scope"
# The model's share for that class (held back from the served intents) above which an
# unsure message is taken as off-topic.
OFF_TOPIC_SHARE = 0.5
# What the model may read a damaged or faulty item as when it is not sure: a return,
# a warranty claim, a complaint, a product question; anything else read with some
# confidence (a payment question, a tracking one) keeps its reading.
_DAMAGE_READINGS = frozenset(
    {
        Intent.RETURN_REQUEST,
        Intent.WARRANTY,
        Intent.COMPLAINT,
        Intent.PRODUCT_QUESTION,
        Intent.QUESTION,
        OUT_OF_SCOPE,
    }
)


class Action(StrEnum):
    ORDER_CARD = "order_card"
    CANCEL = "cancel"
    RETURN = "return"
    CLAIMS = "claims"
    CHANGE = "change"  # the order card and a person, with what was asked
    ANSWER = "answer"  # from the policies; a person offered when no section fits
    COMPLAINT = "complaint"
    PERSON = "person"
    CHITCHAT = "chitchat"
    OFF_TOPIC = "off_topic"
    CLARIFY = "clarify"  # unsure: which of the likely intents?
    REPHRASE = "rephrase"  # nothing to go on: please put it another way


ACTIONS: dict[str, Action] = {
    Intent.TRACK_ORDER: Action.ORDER_CARD,
    Intent.CANCEL_ORDER: Action.CANCEL,
    Intent.RETURN_REQUEST: Action.RETURN,
    Intent.REFUND_STATUS: Action.CLAIMS,
    Intent.CHANGE_ADDRESS: Action.CHANGE,
    Intent.CHANGE_ITEMS: Action.CHANGE,
    Intent.DELIVERY_TIME: Action.ANSWER,
    Intent.PAYMENT_METHODS: Action.ANSWER,
    Intent.INVOICE: Action.ANSWER,
    Intent.WARRANTY: Action.ANSWER,
    Intent.PRODUCT_QUESTION: Action.ANSWER,
    Intent.QUESTION: Action.ANSWER,
    Intent.COMPLAINT: Action.COMPLAINT,
    Intent.TALK_TO_PERSON: Action.PERSON,
    Intent.CHITCHAT: Action.CHITCHAT,
    OUT_OF_SCOPE: Action.OFF_TOPIC,
}
# Actions so cheap to get wrong that "likely" (not sure) is enough: a friendly hello
# back to "hello again" asks nothing of the buyer, while a menu of choices would.
CHEAP_ACTIONS = frozenset({Action.CHITCHAT})
# A typed rating of this many stars or fewer, with nothing asked, is a complaint.
LOW_STARS = 2
# Actions that only show the buyer what is theirs (an order's card, their requests):
# taken without asking when they are the one likely choice.
SHOW_ACTIONS = frozenset({Action.ORDER_CARD, Action.CLAIMS})
# Taken without asking when the one likely choice: showing what is theirs, and a
# policy answer (which says how sure it is and offers the next sections).
_ONE_CHOICE_ACTIONS = SHOW_ACTIONS | {Action.ANSWER}
# Actions about one of the buyer's orders: an order number in the message picks it.
ORDER_ACTIONS = frozenset({Action.ORDER_CARD, Action.CANCEL, Action.RETURN, Action.CHANGE})
# What `run_bot.py ask` says the chat does, for actions that are not a policy answer.
DESCRIPTIONS: dict[Action, str] = {
    Action.ORDER_CARD: "opens the buyer's order card (asks which order when several)",
    Action.CANCEL: "opens the order's cancel step, or says why it can't be cancelled",
    Action.RETURN: "starts the return flow for the buyer's order, with what they said",
    Action.CLAIMS: "lists the buyer's return and refund requests",
    Action.CHANGE: "shows the order card and hands the request to a person",
    Action.COMPLAINT: "acknowledges the complaint and offers a person",
    Action.PERSON: "hands the conversation to a person (staff ticket)",
    Action.CHITCHAT: "answers with a short friendly reply",
    Action.OFF_TOPIC: "says what the bot can help with",
    Action.CLARIFY: "asks which of the likely intents the buyer means (buttons)",
    Action.REPHRASE: "asks the buyer to put it another way (nothing to go on)",
}


def action_of(intent: str) -> Action:
    """The action for an intent the buyer is sure of (read or chosen).  An intent this
    table does not know (a newer model's class) is treated as a general question."""
    return ACTIONS.get(intent, Action.ANSWER)


@dataclass(frozen=True, slots=True)
class Plan:
    intent: str
    action: Action
    order_number: str | None = None
    # For CLARIFY: the intents offered, most likely first.
    choices: tuple[str, ...] = ()


# Shops whose order numbers start with letters ("AB1234567"): the slot rules take digit
# runs only, so a lettered number is taken here (a tracking number the rules found is
# never one: "LZ123456785US" ends in letters, UPS's "1Z…" starts with a digit).  Nor
# is the first part of a return request's number ("R261207-AJ5SH"): found in the demo,
# "what's the status of my refund for R261207-AJ5SH" asked to prove order R261207.
_LETTERED_ORDER = re.compile(r"(?<![\w-])[A-Za-z]{1,4}\d{6,}(?![\w]|-[A-Za-z0-9])")


# Words for a person, English and Spanish: a message with one of them may well ask for
# a person ("a person, not a bot").
_A_PERSON = re.compile(
    r"\b(?:human|person|people|agent|someone|somebody|staff|operator|rep|representative|"
    r"manager|real|humano|persona|agente|alguien|operador|asesor)\b",
    re.I,
)
_NO_PERSON = re.compile(
    r"\b(?:no|not|don'?t|do\s+not|dont|without|sin|ya\s+no|no\s+necesito|no\s+quiero)\s+"
    r"(?:need\s+|want\s+|an?\s+|the\s+|any\s+|un\s+|una\s+)*(?:a\s+|an\s+)?"
    r"(?:human|person|people|agent|staff|humano|persona|agente)\b",
    re.I,
)
_BOT = re.compile(r"\bbot\b", re.I)
# "not the bot", "i don't want to talk to a bot", "no quiero hablar con un bot".
_NO_BOT = re.compile(r"\b(?:no|not|don'?t|dont|do\s+not|without|sin)\b[^.!?]{0,25}\bbots?\b", re.I)
# A refusal of the bot and little else ("no bot", "no quiero bot", "sin bot por favor"):
# a person is what is left to want.
REFUSAL_WORDS = 5
# The plan's intent for a message that asks for the bot instead of a person: small talk
# answered with the hello (what the bot can do), not with the thanks-reply.
BOT_AGAIN = "bot_again"
# The plan's intent for a message that only announces a request ("I have a question"):
# small talk answered with "go ahead".
GO_AHEAD = "go_ahead"
# The plan's intent for an order the buyer says they did not make
# (`bot/understanding/not_theirs.py`): a person takes it, told why first.
NOT_THEIRS = "not_theirs"
# The plan's intent for a return request that first asks whether an item the buyer
# used can go back at all ("can I return a candle I already burned"): answered from
# the returns policy, with a button to start the return (`bot/understanding/
# returnable.py`).  Read as either: the model learned both for such messages.
RETURN_IF_USED = "return_if_used"
# The plan's intent for a question on how a return goes back ("i dont have a printer"):
# answered from the policies, searched with what it stands for (`SEND_BACK_QUESTION`).
SEND_BACK = "send_back"
# The plan's intent for a fault told and shrugged off ("the mug has a small chip but
# its fine"): thanks, and where a return is if the buyer changes their mind.
FAULT_SHRUGGED = "fault_shrugged"
# The plan's intent for a parcel wished faster ("can you expedite my order", "change my
# shipping method to express"): the shipping policy's delivery options, searched with
# what it stands for (`FASTER_QUESTION`).
FASTER = "faster"
_RETURN_OR_POLICY = frozenset({Intent.RETURN_REQUEST, Intent.QUESTION})
# What the model reads a question about a cancellation that happened as.
_ABOUT_A_CANCEL = frozenset({Intent.CANCEL_ORDER, Intent.TRACK_ORDER})
# What the model reads a failed delivery attempt told by the buyer as ("the driver
# couldnt find my house"), besides the parcel's own question.
_MISSED_MISREADINGS = frozenset({Intent.CHANGE_ADDRESS, Intent.TRACK_ORDER, Intent.COMPLAINT})
# Words that amend the address itself ("it couldnt find my house, the address is wrong"):
# an address change, which a person makes.
_ADDRESS_AMENDED = re.compile(
    r"\b(?:change|update|correct|fix|edit|modify|amend|wrong|incorrect|typo|missing|"
    r"cambiar|actualizar|corregir|equivocad[ao]|incorrect[ao])\b",
    re.I,
)
# What the model reads cancelling part of an order as ("cancel one item").
_PART_CANCELS = frozenset({Intent.CANCEL_ORDER, Intent.CHANGE_ITEMS})
# The two readings of "when will it arrive?" (the buyer's orders tell them apart).
WHEN_IT_COMES = (Intent.TRACK_ORDER, Intent.DELIVERY_TIME)
# What the model reads "how much longer?" as: those two, or a question for the policies
# or about a product ("what about the blanket, when does it ship"); never a refund's:
# "when can I expect it" after a refund is the refund's.
_WAITING_READINGS = frozenset({*WHEN_IT_COMES, Intent.QUESTION, Intent.PRODUCT_QUESTION})
# Readings a question about the parcel ("what carrier is it with", "¿se ha movido?")
# may get from a model unsure of it; a refund's, a return's or a cancel's keep theirs
# ("my refund hasn't moved").
# What "i want the shipping fee back" was read as: a question for the policies (or,
# unsure, a return: "refund my express shipping, it came late").
_FEE_MISREADINGS = frozenset(
    {Intent.QUESTION, Intent.DELIVERY_TIME, Intent.REFUND_STATUS, Intent.PAYMENT_METHODS}
)

# What a question on sending a return back was read as, sure: a change to the order
# ("can i get a qr code instead of a label").
_SEND_BACK_MISREADINGS = frozenset({Intent.CHANGE_ADDRESS, Intent.CHANGE_ITEMS})

# What a parcel that reached someone else was read as, unsure: a return, its card, a
# complaint, a person ("someone stole my parcel").
_ASTRAY_READINGS = frozenset(
    {Intent.RETURN_REQUEST, Intent.TRACK_ORDER, Intent.COMPLAINT, Intent.TALK_TO_PERSON}
)

_PARCEL_MISREADINGS = frozenset(
    {
        Intent.TRACK_ORDER,
        Intent.QUESTION,
        Intent.PRODUCT_QUESTION,
        Intent.DELIVERY_TIME,
        # "el paquete lleva una semana sin moverse": upset, and asking where it is
        Intent.COMPLAINT,
        OUT_OF_SCOPE,
    }
)
# Readings of a message about the buyer's filed request ("whats happening with my
# return request") that would answer something else: a question, a complaint.  Read as
# a return ("the seller isnt answering my return"), only the buyer's requests can tell
# (`handlers.buyer.answers`): with none open it is a new one.
_FILED_MISREADINGS = frozenset(
    {
        Intent.REFUND_STATUS,
        Intent.QUESTION,
        Intent.COMPLAINT,
        Intent.TRACK_ORDER,
    }
)
# Readings of "can you make it go faster" that would act on the order or answer
# something else (a complaint or a person stay theirs: "why is it so slow, i want a
# refund" is not asked how long delivery takes).
_FASTER_MISREADINGS = frozenset(
    {
        Intent.CHANGE_ITEMS,
        Intent.CANCEL_ORDER,
        Intent.PRODUCT_QUESTION,
        Intent.QUESTION,
        Intent.CHITCHAT,
        Intent.DELIVERY_TIME,
        Intent.CHANGE_ADDRESS,
    }
)
# The flows that cancel or change one of the buyer's orders.
_ORDER_CHANGES = frozenset({Intent.CANCEL_ORDER, Intent.CHANGE_ADDRESS, Intent.CHANGE_ITEMS})


def wants_the_bot(reading: Reading, text: str) -> bool:
    """Read as asking for a person, but it asks for the opposite: the bot again ("back
    to bot", "i want talk to bot again", "volver al bot") or no person ("no human
    please", "i don't need a person anymore").  The model learned the words of the
    hand-over, not which way they point; opening (or reopening) a ticket here is the
    one thing the buyer did not want."""
    if reading.intent != Intent.TALK_TO_PERSON:
        return False
    if _NO_PERSON.search(text):
        return True
    if _NO_BOT.search(text):
        return False
    return _BOT.search(text) is not None and _A_PERSON.search(text) is None


def refuses_the_bot(reading: Reading, text: str) -> bool:
    """A short message that turns the bot down without turning a person down: the model
    knows "talk to a person", not every way of saying "not you"."""
    if reading.sure or not _NO_BOT.search(text) or _NO_PERSON.search(text):
        return False
    return len(re.findall(r"\w+", text)) <= REFUSAL_WORDS


def plan(reading: Reading, text: str = "") -> Plan:
    """What to do with a message read this way (`text`: the message, for a lettered
    order number the slot rules do not take)."""
    number = reading.slots.order_number
    if number is None and (lettered := _LETTERED_ORDER.search(text)) is not None:
        number = lettered.group(0)
    if wants_the_bot(reading, text):
        # Here it is: the hello that says what it can do.
        return Plan(BOT_AGAIN, Action.CHITCHAT, number)
    if refuses_the_bot(reading, text):
        return Plan(Intent.TALK_TO_PERSON, action_of(Intent.TALK_TO_PERSON), number)
    if disowns_an_order(text):
        # "i never ordered this, someone used my card", "i dont recognize this order":
        # an order the buyer did not make is for a person (the model opened a cancel,
        # a card or a payments answer).
        return Plan(NOT_THEIRS, Action.PERSON, number)
    if number is None and only_the_other_order(text):
        # "no i meant the other order": the others' card or list, which the chat picks
        # from the card just shown (`handlers.buyer.answers.for_order`).
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER))
    if asks_what_was_ordered(text):
        # "what items are in my order", "what color mug did i order": the card lists
        # them (the model heard a change to the order, which a person takes).
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER), number)
    if asks_to_chase_the_carrier(text):
        # "can you contact the carrier for me": only a person can (it was "which of
        # these?", with a person as one choice).
        return Plan(Intent.TALK_TO_PERSON, action_of(Intent.TALK_TO_PERSON), number)
    if number is None and asks_if_a_person(text):
        # "is this a real person": a straight answer (a bot, /human for a person), not
        # the hand-over the model heard in "real person".
        return Plan(Intent.CHITCHAT, Action.CHITCHAT)
    if number is None and asks_for_their_orders(text):
        # "show my orders", "what orders do i have": the card, or with several the
        # list (`handlers.buyer.answers.for_order`), whatever the model made of it.
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER))
    if (
        reading.intent in _MISSED_MISREADINGS
        and number is None
        and missed_the_delivery(text)
        and not _ADDRESS_AMENDED.search(text)
    ):
        # "the courier couldnt find my house", "ups says nobody was home but i was
        # home all day": a delivery attempt that failed, which the order's card answers
        # (the carrier's latest scan and advice, a person a tap away); the model heard
        # an address change, which handed the words to a person without the card.
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER))
    if reading.intent != Intent.CHANGE_ADDRESS and changes_where_it_goes(text):
        # "update where my order is going": read as its card, or as an item's change.
        return Plan(Intent.CHANGE_ADDRESS, action_of(Intent.CHANGE_ADDRESS), number)
    if number is None and (only_upset(text) or wants_to_complain(text)):
        # "🤬🤬", "😭😭😭": the model learned words, not faces; these are unhappy.  So
        # are "so fed up", "qué desastre": too short for the model to be sure of; and
        # "quiero quejarme", a complaint to come (the model heard a return).
        return Plan(Intent.COMPLAINT, Action.COMPLAINT)
    if (
        (
            reading.intent in _FEE_MISREADINGS
            or (not reading.sure and reading.intent == Intent.RETURN_REQUEST)
        )
        and wants_the_fee_back(text)
    ) or (reading.intent not in _ORDER_CHANGES and wants_amends_for_lateness(text)):
        # "i paid for express but it's been 4 days, i want the shipping fee back", "the
        # lamp is late, can i get a discount": a refund of the fee or amends for the
        # wait are the seller's goodwill, which a person asks for; the model answered
        # them from the policies.  Sorry, and a person a tap away.
        return Plan(Intent.COMPLAINT, Action.COMPLAINT, number)
    if (not reading.sure or reading.intent in _SEND_BACK_MISREADINGS) and asks_how_to_send_it_back(
        text
    ):
        # "i dont have a printer", "can you pick it up from my house", "can i get a qr
        # code instead of a label": how a return goes back, which the returns policy
        # says; they were "which of these?", off-topic and an address change.
        return Plan(SEND_BACK, Action.ANSWER, number)
    if reading.intent in _FASTER_MISREADINGS and wants_it_faster(text):
        # "can you make it go faster", "can you expedite my order": read as a change to
        # the order's items, a cancellation or a product question; the shipping policy
        # says the delivery option is chosen at checkout (how long each takes).
        return Plan(FASTER, action_of(Intent.DELIVERY_TIME), number)
    if number is None and announces_a_request(text):
        # "I have a question": asked to go ahead, not asked which of two guesses.
        return Plan(GO_AHEAD, Action.CHITCHAT)
    if number is None and nudge(text):
        # "are you there?", "...": a buyer waiting, not a question to understand.
        return Plan(Intent.CHITCHAT, Action.CHITCHAT)
    if only_the_packaging_damaged(text) and reading.intent in _DAMAGE_READINGS:
        # "box was crushed but mug ok": nothing to return, though the model (and the
        # damage rule below) heard one; said to a person as a complaint.
        return Plan(Intent.COMPLAINT, Action.COMPLAINT, number)
    if tolerates_a_fault(text) and reading.intent in _DAMAGE_READINGS:
        # "the mug has a small chip but its fine": told, not asked; the return the
        # model heard is not wanted (said so, with where it is if that changes).
        return Plan(FAULT_SHRUGGED, Action.COMPLAINT, number)
    if number is None and praises_by_denying_a_fault(text):
        # "no complaints at all", "couldn't fault it": a thank-you, although the model
        # is sure of a complaint (or a return: "fault") from the fault's word.
        return Plan(Intent.CHITCHAT, Action.CHITCHAT)
    if not reading.sure and number is None and only_chitchat(" ".join(text.lower().split())):
        # "hey there", "ok 👍": the model is unsure of short greetings by design (one
        # or two words are never enough for it), and the rules are exact here.
        return Plan(Intent.CHITCHAT, Action.CHITCHAT)
    if number is None and only_yes_or_no(text):
        # "no", "nope", "yeah" with nothing asked (a pending question reads it first):
        # an acknowledgement, not a miss.
        return Plan(Intent.CHITCHAT, Action.CHITCHAT)
    stars = rating_alone(text) if number is None else None
    if stars is not None and (not reading.sure or _praise_misread(reading, stars)):
        # "5 stars", "⭐⭐", "2/5" with no rating asked for (a pending request reads it
        # first): praise gets a thank-you, a low mark is a complaint; neither is a miss.
        # The model may be sure of a complaint for praise with a reason ("5 stars from
        # me, will buy again"): the stars say otherwise.
        if stars <= LOW_STARS:
            return Plan(Intent.COMPLAINT, Action.COMPLAINT)
        return Plan(Intent.CHITCHAT, Action.CHITCHAT)
    if not reading.sure and reading.intent in _DAMAGE_READINGS and reports_a_fault(text):
        # "my knife came but the tip is bent": a word the model never saw ("bent",
        # "dented") left it unsure, and off-topic; the reason step's rules know it.
        # So do they "the towel is a different color than the picture", which the
        # model read as a product question.
        return Plan(Intent.RETURN_REQUEST, action_of(Intent.RETURN_REQUEST), number)
    if not reading.sure and files_a_claim(text):
        # "help me file a claim": the after-sales request, i.e. a return or a refund.
        return Plan(Intent.RETURN_REQUEST, action_of(Intent.RETURN_REQUEST), number)
    if (
        not reading.sure
        and number is None
        and reading.intent in _PARCEL_MISREADINGS
        and (asks_about_the_parcel(text) or missed_the_delivery(text))
    ):
        # "what carrier is it with", "no se mueve": words the model has few of, but the
        # parcel's own question; its card answers it (a line, when the card is on
        # screen).
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER), number)
    if not reading.sure and reading.intent in _ASTRAY_READINGS and went_astray(text):
        # "my package was stolen from my porch", "it was delivered to the wrong
        # address": asked "return or where it is?", where the order's card answers it
        # (for a parcel marked delivered: where such parcels turn up, and the report).
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER), number)
    if number is None and reading.intent in _FILED_MISREADINGS and about_a_filed_request(text):
        # "whats happening with my return request": the request filed, not a policy
        # answer or "which of these?".
        return Plan(Intent.REFUND_STATUS, action_of(Intent.REFUND_STATUS))
    if not reading.sure and reading.off_topic >= OFF_TOPIC_SHARE:
        if asks_how_to_use(text):
            # "how do i care for the cutting board": a product's question, not small
            # talk; the shop's policies or a person answer it.
            return Plan(Intent.PRODUCT_QUESTION, action_of(Intent.PRODUCT_QUESTION), number)
        if reading.intent in _WAITING_READINGS and number is None and asks_if_in_time(text):
            # "what time will it come tomorrow" has the words of "what time is it":
            # whose parcel, the buyer's orders tell (`handlers.buyer.answers`).
            return Plan(reading.intent, Action.CLARIFY, None, WHEN_IT_COMES)
        # "tell me a joke", "what's the weather": say what the bot can do instead of
        # offering choices the buyer never meant.
        return Plan(OUT_OF_SCOPE, Action.OFF_TOPIC, number)
    if reading.intent in _ABOUT_A_CANCEL and asks_why_cancelled(text):
        # "why was my order cancelled?": what happened to it, which its card shows.
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER), number)
    if reading.intent in _PART_CANCELS and cancels_part(text):
        # "cancel one item", "cancel the gift wrap": the rest of the order stays.
        return Plan(Intent.CHANGE_ITEMS, action_of(Intent.CHANGE_ITEMS), number)
    if reading.intent in _WAITING_READINGS and number is None and asks_when_it_comes(text):
        # Whose parcel? The buyer's orders tell (`handlers.buyer.answers`).
        return Plan(reading.intent, Action.CLARIFY, None, WHEN_IT_COMES)
    if reading.intent in _ORDER_CHANGES and number is None and about_the_account(text):
        # "help me cancel my account", "update the password on my profile": no order
        # of the buyer's is to be cancelled or changed; the policies answer it.
        return Plan(Intent.QUESTION, action_of(Intent.QUESTION))
    if reading.intent in _RETURN_OR_POLICY and asks_if_used_returnable(text):
        # The policy's answer is what was asked first; the return is a tap away.
        return Plan(RETURN_IF_USED, Action.ANSWER, number)
    if reading.intent == Intent.REFUND_STATUS and asks_if_returnable(text):
        # "just wanted to check if I can still return my mug, it's been 3 weeks": no
        # refund to look up yet; the return flow says whether the order's window is
        # open (and when it closed), or starts the return.
        return Plan(Intent.RETURN_REQUEST, action_of(Intent.RETURN_REQUEST), number)
    action = action_of(reading.intent)
    if reading.sure or (action in CHEAP_ACTIONS and not reading.unsure and number is None):
        return Plan(reading.intent, action, number)
    if reading.evidence == 0 and asks_where(text):
        # No word the model knows, so it is never sure; but "where is it" to a shop is
        # about the buyer's order, and its card is a harmless answer to act on.
        return Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER), number)
    choices = likely_choices(reading)
    if reading.evidence == 0 or not choices:
        return Plan(reading.intent, Action.REPHRASE, number)
    if len(choices) == 1 and action_of(choices[0]) in _ONE_CHOICE_ACTIONS:
        # "any update?", "still nothing", "eta?": too short for the model to be sure,
        # yet nothing else is likely; asking "which of these?" with one choice would only
        # delay a card the buyer can read and leave.  So with "discount?", "tienen
        # descuentos": the policy answer says itself how sure it is, and offers others.
        return Plan(choices[0], action_of(choices[0]), number)
    if reading.evidence >= AGREEING_EVIDENCE and agreeing(reading, action) >= SURE:
        # Unsure between intents that all lead to the same place ("how long do refunds
        # take?": a general question or delivery time, both answered from the
        # policies): asking which would not change what happens.
        return Plan(reading.intent, action, number)
    return Plan(reading.intent, Action.CLARIFY, number, choices)


_STARS_SAID = re.compile(r"\d|stars?\b|estrellas?\b|[⭐★🌟]{2,}", re.I)


def _praise_misread(reading: Reading, stars: int) -> bool:
    return stars > LOW_STARS and reading.intent in (Intent.COMPLAINT, Intent.CHITCHAT)


def rating_alone(text: str) -> int | None:
    """The stars of a message that is only a rating and says so in stars or a mark
    ("5 stars", "⭐⭐⭐", "4/5"); with nothing asked, a bare "5" could be anything, and
    "good" or one ⭐ is small talk."""
    if not _STARS_SAID.search(text) or text.strip().isdigit():
        return None
    return read_rating(text)


def stars_said(text: str) -> int | None:
    """The stars of a message that gives a rating in stars or a mark, maybe with what
    it thinks ("3 stars, the candle smell is weak", "⭐⭐⭐⭐", "4/5"); a bare "5" or
    "good" is none (with nothing asked, they could be anything)."""
    if not _STARS_SAID.search(text) or text.strip().isdigit():
        return None
    return read_counted_rating(text)


def agreeing(reading: Reading, action: Action) -> float:
    """The probability of the likely intents that lead to `action`."""
    ranked = [(reading.intent, reading.probability), *reading.alternatives]
    return sum(p for intent, p in ranked if action_of(intent) is action)


def likely_choices(reading: Reading) -> tuple[str, ...]:
    """The two or three intents worth offering as buttons: known ones, likely enough."""
    ranked = [(reading.intent, reading.probability), *reading.alternatives]
    choices: list[str] = []
    for intent, probability in ranked:
        if probability < CHOICE_FLOOR or intent not in ACTIONS or intent == OUT_OF_SCOPE:
            continue
        if intent not in choices:
            choices.append(intent)
    return tuple(choices[:MAX_CHOICES])


# -- several requests in one message ------------------------------------------------

# Where one message moves on to another request: a sentence's end, a joining word
# ("also", "plus", "btw", "y también"), or "and" before a new question or wish ("…, and
# when is my refund", "… and i want to change my email").
_NEXT_REQUEST = re.compile(
    r"[.!?;]+\s+|\s*,?\s*\b(?:and\s+also|also|plus|btw|by\s+the\s+way|another\s+thing|"
    r"y\s+tambi[eé]n|tambi[eé]n|adem[aá]s)\b[\s,:]*|,?\s+and\s+(?=(?:when|where|how|what|why|"
    r"can|could|is|are|do|does|will|i\s+(?:want|need|would|wanna))\b)",
    re.I,
)
# A part shorter than this is no request of its own ("thanks", "cracked").
REQUEST_WORDS = 3
# What other parts of a message are worth naming: what the bot would act on or answer
# (not small talk, nor a complaint: "…, this is ridiculous" is how the buyer feels).
_REQUESTS = frozenset(ACTIONS.values()) - {Action.CHITCHAT, Action.OFF_TOPIC, Action.COMPLAINT}


def request_parts(text: str) -> list[str]:
    """The parts of a message that could each be a request of their own."""
    parts = (part.strip(" ,") for part in _NEXT_REQUEST.split(text))
    return [part for part in parts if len(part.split()) >= REQUEST_WORDS]


def other_requests(text: str, planned: Plan, read: Callable[[str], Reading]) -> list[str]:
    """The parts of a message that ask for something else than what the bot is doing
    with it ("my mug came cracked, also i want to change my email, and when is my
    refund for the other thing": a return, and two more).  The bot does one thing at a
    time; these are named back to the buyer so that nothing they asked is lost in
    silence.  Only parts read as sure, leading somewhere else."""
    parts = request_parts(text)
    if len(parts) < 2:
        return []
    others = []
    for part in parts:
        reading = read(part)
        part_plan = plan(reading, part)
        # A rule that overrode the model is as sure as the model's own sure readings
        # ("i want to change my email" is the account's, whatever the model leaned to).
        sure = reading.sure or part_plan.intent != reading.intent
        if sure and part_plan.action in _REQUESTS and part_plan.action is not planned.action:
            others.append(part)
    return others
