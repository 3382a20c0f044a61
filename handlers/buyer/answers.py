"""Free text outside any flow: read it, then start the right flow or answer it.

The trained intent model reads the message (`services.understanding.read`) and
`bot.services.routing.plan` says what to do with the reading: "where's my package"
opens the order card, "cancel 5781…" that order's cancel step, "I want to send it back"
the return flow with what the buyer said (asking which order when there are several; an
order number the chat has not linked yet is proved first, and what was asked continues
after the proof); a question is answered from the shop's policies (or by the model,
when one is set).  A question that names an order the chat has not linked ("its order
5781… and he needs it by friday, is it going to arrive on time?") proves that order
first too: the buyer named it because the question is about it, so after the proof
they see its card and then the answer.  An email or phone sent on its own, before any
order number, gets a pointer to send the number first.  Below the model's "sure" the
bot asks which of the likely intents the buyer means instead of guessing.  Two misses in
a row (an answer the bot is not sure of, or a clarifying question) hand the conversation
to a person.
"""

from __future__ import annotations

import re

from bot.domain.enums import ClaimStatus, EscalationReason, OrderStatus
from bot.domain.errors import OrderNotFound
from bot.domain.marketplace import buyer_acts_here
from bot.domain.money import format_money
from bot.domain.policy import CANCEL_AT_ONCE, CANCEL_ON_REQUEST, ON_ITS_WAY, TOO_LATE_TO_CHANGE
from bot.domain.returns import IN_TRANSIT
from bot.domain.returns import OPEN as OPEN_CLAIMS
from bot.services.answers import MOST_OFFERED, Answer, Source
from bot.services.intents import (
    FASTER_QUESTION,
    GOES_BACK_QUESTION,
    IN_TIME_QUESTION,
    SEND_BACK_QUESTION,
    Intent,
    RequestTopic,
    about_a_filed_request,
    about_the_request,
    asks_for_their_orders,
    asks_how_much_back,
    asks_when_money_comes,
    changes_where_it_goes,
    names_another_order,
    only_chitchat,
    only_the_other_order,
    points_back,
    praises_by_denying_a_fault,
    says_hello,
    speaks_of_a_decision,
    tells_a_fault,
)
from bot.services.order_ratings import is_low
from bot.services.routing import (
    ACTIONS,
    BOT_AGAIN,
    FASTER,
    FAULT_SHRUGGED,
    GO_AHEAD,
    NOT_THEIRS,
    ORDER_ACTIONS,
    RETURN_IF_USED,
    SEND_BACK,
    WHEN_IT_COMES,
    Action,
    Plan,
    action_of,
    other_requests,
    plan,
    rating_alone,
    request_parts,
)
from bot.services.views import OrderView
from bot.understanding.cancelling import keeps_the_order
from bot.understanding.escapes import Escape, read_escape
from bot.understanding.items import mentioned_items
from bot.understanding.parcel_questions import (
    asks_if_in_time,
    asks_if_it_moved,
    asks_what_to_do,
    asks_why_late,
    missed_the_delivery,
    reports_missing,
)
from bot.understanding.returnable import CONDITION_QUESTION
from bot.understanding.steps import position
from handlers.buttons import ButtonData, Int, Word, parse_int
from handlers.buyer import claims, language, linking, returns, settings
from handlers.buyer.care_text import advice_pieces
from handlers.buyer.orders import (
    OPEN,
    ask_to_cancel,
    cancel_outside_flow,
    keep_typed,
    listed,
    named_among,
    picked_from_list,
    refuse_cancel,
    show_list,
    which_fit,
)
from handlers.buyer.parcel_answers import LineAnswer, answer_in_a_line
from handlers.buyer.views import (
    PICKABLE,
    card_just_shown,
    card_on_screen,
    format_date,
    parcel_advice,
    show_card,
    which_order_keyboard,
)
from handlers.buyer.why import why_asked
from handlers.catalog import Safe
from handlers.core import Context, pressed_under
from handlers.fit import BUTTON, Field, cut, fit, line
from handlers.support import escalate, support_available
from handlers.types import Button, Keyboard

MISSES = "answer_misses"  # unsure answers in a row, kept in the conversation's draft
MAX_MISSES = 2
# The message a clarifying question is about, kept in the draft until a choice is made.
ASKED = "asked"
# The intents a clarifying question offered, in button order: "2" or "the first one"
# typed under it is that button.
CHOICES = "clarify_choices"
# A choice pressed under a clarifying question: "ic:return_request".
CHOICE = ButtonData("ic", Word("intent", tuple(ACTIONS)))
# The sections offered under an answer the bot is not sure of, kept in the draft
# ({"shop", "language" of its policies, "asked": the question's, "ids"}) until the
# next message; "pa:1" shows the second.
OTHERS = "other_sections"
OTHER = ButtonData("pa", Int("n", 0, MOST_OFFERED - 1))
# Which-order buttons per action (cancelling picks among the cancellable orders only:
# `cancel_outside_flow`).
WHICH_ORDER = {Action.ORDER_CARD: "o", Action.RETURN: "rs"}
# What else small talk is, for a reply that fits it: "ok" and "yes" are not thanks, and
# "are you a bot" deserves a straight answer.
_THANKS = re.compile(
    r"\b(thanks?|thx|thnx|ty|tysm|cheers|appreciate\w*|grateful|gracias|merci|great|"
    r"awesome|perfect|brilliant|lovely|amazing|excellent|helpful|genial|perfecto|"
    r"good job|well done|nice one|nice|love it)\b",
    re.I,
)
_BOT = re.compile(
    r"\b(bot|robot|ai|human|real person|machine|automated|eres (un|una) (bot|robot|persona)|"
    r"estoy hablando con (un|una) (persona|humano|maquina|máquina))\b",
    re.I,
)
_BYE = re.compile(
    r"\b(bye|goodbye|good\s*night|nite|see ya|see you|cya|ttyl|adios|adiós|chao|chau)\b", re.I
)


def chitchat_reply(text: str) -> str:
    """The catalog key of the reply to small talk: a hello, you're welcome, a straight
    answer to "are you a bot", a goodbye, or a short acknowledgement."""
    stars = rating_alone(text)
    if stars is not None:  # "5 stars" with no rating asked for, and no order to rate
        return "answers.sorry_for_stars" if is_low(stars) else "answers.thanks_for_stars"
    if praises_by_denying_a_fault(text):  # "no complaints at all", "couldn't fault it"
        return "answers.glad_to_hear"
    if _BOT.search(text):
        return "answers.i_am_a_bot"
    if _THANKS.search(text):
        return "answers.you_are_welcome"
    if _BYE.search(text):
        return "answers.goodbye"
    if says_hello(text):  # a greeting, or "are you there?"
        return "answers.hello"
    return "answers.acknowledged"


async def free_text(ctx: Context, text: str) -> None:
    # "yes" under "Send this to the seller as your answer…?": as its button.
    if await claims.under_the_offer(ctx, text):
        return
    if why_asked(ctx, text):  # "why?" right after the bot said no: the rule behind it
        return
    # "2" typed under offered sections: the second, as if tapped.
    number = parse_int(text.strip().rstrip(".)"), low=1, high=MOST_OFFERED)
    chosen = _offered(ctx, number - 1) if number is not None else None
    if chosen is not None:
        _quote_chosen(ctx, chosen)
        return
    if await _typed_choice(ctx, text):
        return
    if await picked_from_list(ctx, text):  # "the second one" after a list of orders
        return
    if await linking.received_numbers(ctx, text):  # "5781…01 5781…04": one at a time
        return
    if await claims.tracking_typed(ctx, text):  # "UPS 1Z…" for the approved return
        return
    if await claims.where_to_send(ctx, text):  # "where do i send it", that return's card
        return
    # A bare number (also from "switch to that order"), maybe typed in groups.
    if (typed := linking.typed_number(text)) is not None:
        await linking.received_number(ctx, typed)
        return
    if (proof := linking.only_proof(text)) is not None:  # "jordan@x.org": no order yet
        await linking.proof_before_number(ctx, proof)
        return
    if read_escape(text) is Escape.PERSON:
        # "agent", "human please": the words every step takes for a person.  Read by
        # the model, one word is never sure, and the buyer was asked which they meant.
        ctx.state.clear()
        await escalate(ctx, EscalationReason.REQUESTED)
        return
    # "stop sending me messages", "turn them back on": /settings off or on
    if (turned := settings.asks_to_turn_messages(ctx, text)) is not None:
        await settings.set_messages(ctx, on=turned)
        return
    if await language.language_typed(ctx, text):  # "can you speak spanish?": /language
        return
    if linking.number_help(ctx, text):  # "I don't have the order number", "look me up"
        return
    if await what_to_do_asked(ctx, text):  # "where do i pick it up" under the card
        return
    # Typed under the seller's question ("it's in 3 pieces, the box was fine"): the
    # answer it most likely is, offered before the words are read as a new request.
    # Not "i forgot to add a photo": no answer, but how to send one (`_request_asked`).
    small_talk = only_chitchat(" ".join(text.lower().split()))
    topic = about_the_request(text)
    if not small_talk and topic is not RequestTopic.PHOTOS and await claims.answer_typed(ctx, text):
        return
    if await keep_typed(ctx, text):  # "never mind, don't cancel": kept, or taken back
        return
    reading = await ctx.services.understanding.read(text)
    planned = plan(reading, text)
    if ctx.inbound.photo is not None and planned.action in _ASKS_NOTHING:
        # "look at this", "this is what came" under a picture: the picture is the
        # message, and it gets what a photo gets (a return offered for the order it may
        # go with), not "which of these do you mean?" about the words alone.
        await returns.photo_outside_flow(ctx)
        return
    if (
        planned.order_number is None
        and topic is not None
        and await _request_asked(ctx, text, topic)
    ):
        return
    planned = await _refund_amount_asked(ctx, text, planned)
    planned = await _fault_of_an_item_owned(ctx, text, planned)
    before = len(ctx.actions)
    await follow(ctx, text, planned)
    if planned.action not in _ONE_AT_A_TIME:
        return
    others = other_requests(text, planned, ctx.services.understanding.read_now)
    if others and len(ctx.actions) > before:
        _name_the_rest(ctx, others)
        ctx.actions.insert(before, ctx.actions.pop())  # first, above what was started


async def what_to_do_asked(ctx: Context, text: str) -> bool:
    """ "what do i do now", "can i pick it up instead", "until when" right under the
    card of a parcel the carrier could not deliver or holds for pickup: the card's
    advice, in a line (`parcel_answers.answer_in_a_line`); "¿por qué tarda tanto?"
    under a late one, its news.  Read before the model, which has no order in view:
    it gave the help menu, "which of these?", "put it another way" (two misses to a
    person) and the delivery-times policy.  False for anything else."""
    shown = card_just_shown(ctx)
    if shown is None or not card_on_screen(ctx, shown):
        return False
    if not (
        asks_what_to_do(text)
        or asks_why_late(text)
        or asks_if_in_time(text)
        or missed_the_delivery(text)
        or asks_if_it_moved(text)  # "is it lost" (a product question to the model)
    ):
        return False
    try:
        order = await ctx.services.orders.order(ctx.user.id, shown)
    except OrderNotFound:
        return False
    fact = answer_in_a_line(ctx.catalog, order, text, ctx.services.clock.now())
    if fact is None:
        return False
    _reply_line(ctx, fact, order)
    return True


def _reply_line(ctx: Context, fact: LineAnswer, order: OrderView) -> None:
    """A line about the order on screen, with what the buyer may do next: report it
    as not received (the card's Return button: the flow checks again), a person."""
    rows: list[list[Button]] = []
    if fact.offer_report:
        rows.append([Button(ctx.catalog.plain("care.report_button"), f"rs:{order.id}")])
    if fact.offer_person and support_available(ctx):
        rows.append([Button(ctx.catalog.plain("support.human_button"), "hp")])
    ctx.reply(fact.text, Keyboard.of(*rows) if rows else None)


# What the model may make of "how much did i get back" or "why only 10": a choice to
# ask, words to put another way, a policy question.
_UNSURE_OR_ASKED = frozenset({Action.CLARIFY, Action.REPHRASE, Action.ANSWER})


async def _refund_amount_asked(ctx: Context, text: str, planned: Plan) -> Plan:
    """ "how much did i get back", "why only 10", "how long until i get my money" while
    the buyer has requests: about their refund, which a request's card shows (asked,
    refunded, the seller's reason, what it waits for), not "which of these?" (found in
    the demo: that and "put it another way" were two misses to a person).  With no
    request it is how refunds work: as read."""
    if (
        planned.order_number is None
        and planned.action in _UNSURE_OR_ASKED
        and (asks_how_much_back(text) or asks_when_money_comes(text))
        and await ctx.services.returns.claims(ctx.user.id)
    ):
        return Plan(Intent.REFUND_STATUS, action_of(Intent.REFUND_STATUS))
    return planned


async def _fault_of_an_item_owned(ctx: Context, text: str, planned: Plan) -> Plan:
    """ "the towel shrank after the first wash", "the skillet is rusty": the model is
    sure of a product question (answered from the policies), but the buyer owns that
    item in an order that can still be returned, and tells its fault: the return, the
    reason taken from the words.  Read here, not in `routing.plan`, because only the
    buyer's orders tell an owner's fault from a shopper's remark (a rule on the words
    alone lowered the held-out routing figures, README)."""
    if (
        planned.order_number is not None
        or planned.action is not Action.ANSWER
        or planned.intent != Intent.PRODUCT_QUESTION
        or not tells_a_fault(text)
    ):
        return planned
    choices = await ctx.services.returns.choices(ctx.user.id)
    if any(mentioned_items(text, [i.name for i in o.items]) for o in choices.orders):
        return Plan(Intent.RETURN_REQUEST, action_of(Intent.RETURN_REQUEST))
    return planned


async def _request_asked(ctx: Context, text: str, topic: RequestTopic) -> bool:
    """Words about a request already filed ("i forgot to add a photo", "when will the
    seller reply", "do i need to send it back": `intents.about_the_request`, with no
    order number) while the buyer has one under way: its card, which says where it
    stands, until when the seller has and what can be done, after a line on what was
    asked.  With none under way, whether an item goes back is the returns policy's
    answer; the rest is read as it was (False)."""
    filed = await ctx.services.returns.claims(ctx.user.id)
    under_way = [c for c in filed if c.status in OPEN_CLAIMS]
    if under_way:
        ctx.state.clear()
        if topic is RequestTopic.KEEPS_IT:  # "nevermind i'll keep it": withdraw it?
            await claims.withdraw_typed(ctx)
        else:
            await claims.show_about(ctx, under_way, topic)
        return True
    if topic is RequestTopic.GOES_BACK:
        await answer(ctx, _searched_as(ctx, text, GOES_BACK_QUESTION))
        return True
    return False


# The two readings of "I asked for a refund in the app": where it is, or a new one.
_REFUND_OR_RETURN = frozenset({Intent.REFUND_STATUS, Intent.RETURN_REQUEST})

# Readings of a caption that ask the bot for nothing it could do with the words alone.
_ASKS_NOTHING = frozenset({Action.CLARIFY, Action.REPHRASE, Action.CHITCHAT, Action.OFF_TOPIC})

# What the bot does with a message of several requests while the others wait (a person
# who takes over reads the whole message; an unsure reading asks about it first).
_ONE_AT_A_TIME = ORDER_ACTIONS - {Action.CHANGE} | {Action.CLAIMS, Action.ANSWER}
QUOTED = 80  # characters of each other request named back


def _name_the_rest(ctx: Context, others: list[str]) -> None:
    """One line naming what else the message asked, in the buyer's own words, so that
    the bot taking the first request does not drop the others in silence."""
    quoted = ctx.catalog.raw("answers.several_separator").join(
        ctx.t("answers.several_quote", text=cut(part, QUOTED)) for part in others
    )
    ctx.reply(ctx.t("answers.several", others=Safe(quoted)))


async def follow(ctx: Context, text: str, planned: Plan) -> None:
    """Carry out what the reading (or the buyer's choice) asks for."""
    action = planned.action
    number = planned.order_number
    if (
        number is not None
        and action not in ORDER_ACTIONS  # those prove it themselves (`for_order`)
        and action is not Action.PERSON  # a person was asked for: they take it from here
        and await ctx.services.orders.find_linked(ctx.user.id, number) is None
    ):
        # An order named with a question, a complaint or in a long message the model is
        # unsure of: prove it first, then go on with what was asked.
        await linking.received_number(ctx, number, then=after_proof(planned), said=text)
        return
    if action is Action.CLARIFY and set(planned.choices[:2]) == set(WHEN_IT_COMES):
        # "when will it arrive?": their own order or delivery in general?  The
        # buyer's orders tell: one on its way is what they mean (its card shows the
        # estimate); with none, how long delivery takes.
        orders = await ctx.services.orders.all_linked(ctx.user.id)
        intent = (
            Intent.TRACK_ORDER
            if any(o.status in ON_ITS_WAY for o in orders)
            else Intent.DELIVERY_TIME
        )
        planned = Plan(intent, action_of(intent), number)
        action = planned.action
    if (
        planned.intent == Intent.DELIVERY_TIME
        and number is None
        and asks_if_in_time(text)
        and any(o.status in ON_ITS_WAY for o in await ctx.services.orders.all_linked(ctx.user.id))
    ):
        # "can i get it by friday", "will it come before the weekend" with an order on
        # its way: that order's day (its card, or the line under it), not how long
        # delivery takes in general.
        planned = Plan(Intent.TRACK_ORDER, action_of(Intent.TRACK_ORDER), number)
        action = planned.action
    if (
        action is Action.CLARIFY
        and set(planned.choices[:2]) == _REFUND_OR_RETURN
        and await _about_their_request(ctx, text)
    ):
        # "i requested a refund in the app, pls approve it": where their request is, or
        # a new one?  With a request still open, it is that one: the list of requests
        # shows where it stands (a new return stays a button away on the order's card).
        # So is "the seller rejected my return, that's unfair" after a decision.
        planned = Plan(Intent.REFUND_STATUS, action_of(Intent.REFUND_STATUS), number)
        action = planned.action
    if (
        action is Action.CLARIFY
        and number is None
        and Intent.TRACK_ORDER in planned.choices
        and points_back(text)
        and (shown := await _card_pointed_at(ctx)) is not None
    ):
        # "whats happening with that one" right under an order's card: that order's
        # card (where it is) is the likely reading, not a question about which.
        await act_on(ctx, Action.ORDER_CARD, shown, text)
        return
    if action is Action.CLARIFY and number is None:
        general = await _general_for_no_orders(ctx, planned.choices)
        if general is not None:
            planned = Plan(general, Action.ANSWER, None)
            action = planned.action
    if action is Action.CLARIFY:
        await clarify(ctx, text, planned.choices)
    elif action is Action.REPHRASE:
        await rephrase(ctx)
    elif action is Action.PERSON:
        ctx.state.clear()
        if planned.intent == NOT_THEIRS:
            # Why a person, and the bank: the chat cannot stop a stolen card.
            available = support_available(ctx)
            ctx.reply(ctx.t("routing.not_theirs" if available else "routing.not_theirs_alone"))
            if not available:
                return
        await escalate(ctx, EscalationReason.REQUESTED)
    elif action is Action.RETURN and number is None and await _the_filed_one(ctx, text):
        pass  # "the seller isnt answering my return": the request under way
    elif action in ORDER_ACTIONS:
        await for_order(ctx, planned, text)
    elif action is Action.CLAIMS:
        shown = await _card_pointed_at(ctx)
        ctx.state.clear()
        filed = await ctx.services.returns.claims(ctx.user.id)
        if not filed and await _cancel_requests_waiting(ctx):
            pass  # the refund asked about is the cancellation's: "no returns" is noise
        elif not filed and (bought_there := await _bought_elsewhere(ctx, shown)) is not None:
            # "can you refund me here instead" under a TikTok Shop order's card: its
            # refunds are that app's (found in the demo: "You have no return requests"
            # and the refunds policy, 50% sure).
            returns.say_not_eligible(ctx, "marketplace", bought_there)
        elif (
            not filed
            and shown is not None
            and shown.why_no_request(ctx.services.clock.now()) == IN_TRANSIT
        ):
            # "how long should i wait before you refund me" under the card of a parcel
            # on its way and on schedule (nothing can be claimed yet, by the return
            # rules' own reason): when a refund could come for it, not "no requests".
            ctx.reply(ctx.t("returns.not_eligible.in_transit", number=shown.order_number))
            await answer(ctx, text, after="answers.after_claims_sections")
        elif len(filed) == 1:
            # "the seller isnt answering my return": that request's card (where it
            # stands, until when the seller has), not a list of one to tap.
            await claims.show_claim(ctx, filed[0].id)
        elif not await claims.show_claims(ctx, filed):
            # None filed, so "how many days for a refund" asks how refunds work: the
            # policies answer that, after the line that there are no requests.
            await answer(ctx, text, after="answers.after_claims_sections")
    elif action is Action.COMPLAINT and planned.intent == FAULT_SHRUGGED:
        ctx.state.clear()  # "a small chip but its fine": no return wanted, none started
        ctx.reply(ctx.t("routing.fault_shrugged"))
    elif action is Action.COMPLAINT:
        ctx.state.clear()
        key = "routing.complaint" if support_available(ctx) else "routing.complaint_alone"
        ctx.reply(ctx.t(key), person_button(ctx))
    elif action is Action.CHITCHAT:
        ctx.state.clear()
        if planned.intent == BOT_AGAIN:
            ctx.reply(ctx.t("answers.hello"))
        elif planned.intent == GO_AHEAD:
            ctx.reply(ctx.t("answers.go_ahead"))
        else:
            ctx.reply(ctx.t(chitchat_reply(text)))
    elif action is Action.OFF_TOPIC:
        ctx.state.clear()
        ctx.reply(ctx.t("routing.off_topic"))
    elif planned.intent == RETURN_IF_USED:
        await policy_before_return(ctx, text, number)
    elif planned.intent == SEND_BACK:  # "i dont have a printer": how returns go back
        await answer(
            ctx, _searched_as(ctx, text, SEND_BACK_QUESTION), after="answers.send_back_sections"
        )
    elif planned.intent == FASTER:  # "change my shipping method to express"
        await answer(ctx, _searched_as(ctx, text, FASTER_QUESTION))
    elif planned.intent == Intent.DELIVERY_TIME and asks_if_in_time(text):
        # "can i get it by friday" with nothing on its way: how long delivery takes,
        # searched for as that alone (the day's name found the support hours)
        await answer(ctx, _in_their_language(ctx, IN_TIME_QUESTION))
    else:  # a question on a topic the policies may cover
        await answer(ctx, text)


def _searched_as(ctx: Context, text: str, stands_for: dict[str, str]) -> str:
    """The buyer's words with what they stand for, in the buyer's language, to search
    the policies with ("i dont have a printer" names no word of the section on sending
    a return back)."""
    return f"{text} ({_in_their_language(ctx, stands_for)})"


def _in_their_language(ctx: Context, said: dict[str, str]) -> str:
    """The words of `said` in the buyer's language (English where it has none)."""
    return said.get(ctx.catalog.language, said["en"])


async def _the_filed_one(ctx: Context, text: str) -> bool:
    """A return asked for in words that name one already filed ("the seller isnt
    answering my return") while the buyer has requests under way: that request's card
    (several: the list), not a new return for the order's other items.  False with
    none under way: it is a new return."""
    if not about_a_filed_request(text):
        return False
    filed = await ctx.services.returns.claims(ctx.user.id)
    under_way = [c for c in filed if c.status in OPEN_CLAIMS]
    if not under_way:
        return False
    ctx.state.clear()
    if len(under_way) == 1:
        await claims.show_claim(ctx, under_way[0].id)
    else:
        await claims.show_claims(ctx, filed)
    return True


async def _cancel_requests_waiting(ctx: Context) -> bool:
    """With no return requests, the buyer's cancellation requests the seller has not
    answered, each with what it refunds if agreed ("how long until I see the refund"
    after asking to cancel was answered "You have no return requests" and the refund
    policy, as if nothing were under way); False when there are none."""
    waiting = [
        order
        for order in await ctx.services.orders.all_linked(ctx.user.id)
        if order.status in CANCEL_ON_REQUEST
        and await ctx.services.cancellations.waiting(ctx.user.id, order.id)
    ]
    for order in waiting:
        total = format_money(order.total_paid, order.currency, ctx.catalog.language)
        ctx.reply(ctx.t("cancel_request.still_waiting", number=order.order_number, total=total))
    return bool(waiting)


def person_button(ctx: Context) -> Keyboard | None:
    """A "Talk to a person" button, where a person can take over."""
    if not support_available(ctx):
        return None
    return Keyboard.of([Button(ctx.catalog.plain("support.human_button"), "hp")])


# -- not sure ----------------------------------------------------------------------


async def _missed(ctx: Context) -> int | None:
    """Count a miss; the second in a row hands over to a person (returns None then)."""
    misses = int(ctx.state.data.get(MISSES, 0)) + 1
    if misses >= MAX_MISSES:
        ctx.state.clear()
        ctx.reply(ctx.t("answers.unsure_again"))
        await escalate(ctx, EscalationReason.ANSWER_FAILED)
        return None
    return misses


async def _general_for_no_orders(ctx: Context, choices: tuple[str, ...]) -> str | None:
    """ "What if my parcel gets lost?" from a buyer with no orders linked: their own
    parcel, or the shop's policy?  With no order, the own-order reading can only ask
    for an order number, so the one policy reading among the likely ones is answered
    (the answer offers a person, and an order number sent later still links).  None
    unless the choices are own-order readings and exactly one policy reading, and the
    buyer has no orders."""
    general = [c for c in choices if action_of(c) is Action.ANSWER]
    own = [c for c in choices if action_of(c) in ORDER_ACTIONS | {Action.CLAIMS}]
    if len(general) != 1 or len(general) + len(own) != len(choices):
        return None
    if await ctx.services.orders.all_linked(ctx.user.id):
        return None
    return general[0]


async def clarify(ctx: Context, text: str, choices: tuple[str, ...]) -> None:
    """Ask which of the likely intents the buyer means; the message waits in the draft.
    A person alone is no choice ("Which of these do you mean?" over one button, found
    in the demo): the buyer is asked to put it another way, with that button."""
    if set(choices) <= {"talk_to_person"}:
        await rephrase(ctx)
        return
    misses = await _missed(ctx)
    if misses is None:
        return
    ctx.state.go(None, **{MISSES: misses, ASKED: text, CHOICES: list(choices)})
    p = ctx.catalog.plain
    rows = [
        [Button(p(f"routing.choice.{intent}"), CHOICE.pack(intent=intent))] for intent in choices
    ]
    if support_available(ctx) and "talk_to_person" not in choices:  # once is enough
        rows.append([Button(p("support.human_button"), "hp")])
    ctx.reply(ctx.t("routing.clarify"), Keyboard.of(*rows))


async def rephrase(ctx: Context) -> None:
    """Nothing in the message to go on: ask for it in other words (a miss)."""
    misses = await _missed(ctx)
    if misses is None:
        return
    ctx.state.go(None, **{MISSES: misses})
    person = person_button(ctx)
    ctx.reply(ctx.t("answers.unsure" if person else "answers.unsure_alone"), person)


async def chosen(ctx: Context) -> None:
    """A choice under a clarifying question: go on as if the model had been sure of it,
    with the message that was asked about."""
    if (under := pressed_under(ctx, CHOICE, ASKED)) is not None:
        pressed, text = under
        await _go_on_with(ctx, text, pressed["intent"])


async def _go_on_with(ctx: Context, text: str, intent: str) -> None:
    """Carry out the intent chosen under a clarifying question for the message asked."""
    # The miss stays counted: an answer the bot is still not sure of is the second.
    ctx.state.go(None, **{MISSES: int(ctx.state.data.get(MISSES, 0))})
    number = plan(ctx.services.understanding.read_now(text), text).order_number
    await follow(ctx, text, Plan(intent, action_of(intent), number))


async def _typed_choice(ctx: Context, text: str) -> bool:
    """ "2" or "the first one" typed under a clarifying question: that button, as if
    tapped (the person button after the choices counts too).  Anything else is a new
    message, read as one (which replaces the draft, choices and all)."""
    choices = ctx.state.data.get(CHOICES)
    asked = ctx.state.data.get(ASKED)
    if ctx.state.step is not None or not isinstance(choices, list) or not isinstance(asked, str):
        return False
    person = support_available(ctx) and "talk_to_person" not in choices
    index = position(text, len(choices) + int(person))
    if index is None:
        return False
    if index == len(choices):
        ctx.state.clear()
        await escalate(ctx, EscalationReason.REQUESTED)
        return True
    await _go_on_with(ctx, asked, str(choices[index]))
    return True


# -- the buyer's orders -------------------------------------------------------------


async def for_order(ctx: Context, planned: Plan, text: str) -> None:
    """Start what the intent names for the buyer's matching order."""
    # What an earlier message asked before any order was linked ("i want to return
    # something", then "order no. 5781…"): naming the order, read as asking for its
    # card, is the number that request waited for, not a new request.
    waiting = linking.waiting_request(ctx)
    shown = card_just_shown(ctx)
    ctx.state.clear()
    orders = await ctx.services.orders.all_linked(ctx.user.id)
    if planned.order_number is not None:
        match = [o for o in orders if o.order_number == planned.order_number]
        if not match:
            # Not linked yet: prove it first; what was asked continues after the proof.
            then, said = planned.intent, text
            if planned.action is Action.ORDER_CARD and waiting is not None:
                then, said = waiting
            await linking.received_number(ctx, planned.order_number, then=then, said=said)
            return
        orders = match
    if not orders:
        # Kept for the number the buyer sends next: linking continues with it (a change
        # too: a person is handed the order it is for, not a ticket with none).
        linking.wait_for_number(ctx, planned.intent, text)
        ctx.reply(ctx.t("answers.no_orders"))
        return
    other_found = False
    if (
        shown is not None
        and len(orders) > 1
        and planned.order_number is None
        # A return offers the orders it fits; a cancellation those that can be, the
        # one pointed at first (`cancel_outside_flow`).
        and planned.action not in (Action.RETURN, Action.CANCEL)
        and points_back(text)
        and not names_another_order(text)
        and not only_the_other_order(text)  # "not this one"
    ):
        # Right under an order's card, "it" or "this one" is that order; "my order"
        # could still be any of them, so it is asked.
        orders = [o for o in orders if o.id == shown] or orders
    elif (
        shown is not None
        and len(orders) > 1
        and planned.order_number is None
        and planned.action is Action.ORDER_CARD
        and (names_another_order(text) or only_the_other_order(text))
    ):
        # "no i meant the other order" under one of them: the others (found in the
        # demo: "which of these?", then a change handed to a person).
        orders = [o for o in orders if o.id != shown] or orders
        other_found = True  # its card, not "only one is linked"
    if (
        len(orders) == 1
        and planned.order_number is None
        and not other_found
        and names_another_order(text)
        and len(request_parts(text)) <= 1  # not "return the mug, and where's my other order"
    ):
        # "what about my other order": not the one linked; its number, to link it, and
        # what was asked goes on with it (as with no order at all).
        linking.wait_for_number(ctx, planned.intent, text)
        link = Button(ctx.catalog.plain("start.link_order"), "link")
        ctx.reply(
            ctx.t("answers.only_one_order", order=orders[0].order_number), Keyboard.of([link])
        )
        return
    if planned.action is Action.CHANGE:
        await change(ctx, orders[0] if len(orders) == 1 else None, text)
        return
    if planned.action is Action.CANCEL and len(orders) > 1:
        # "cancel my order": only the orders that can still be cancelled are offered
        # (one is asked about at once), or why none can be; never a pick that ends on
        # a card with nothing to cancel.
        await cancel_outside_flow(ctx)
        return
    if len(orders) > 1 and planned.action is Action.RETURN:
        # Only the orders a return can be filed for; what was said goes with the pick.
        await returns.choose_order(ctx, said=text)
        return
    if len(orders) > 1 and planned.action is Action.ORDER_CARD and planned.order_number is None:
        # "where's the stuck one", "is the mug one here yet": the one order the words
        # tell apart, not "which order do you mean?" (found in the demo).
        orders = named_among(ctx, text, orders)
    if (
        len(orders) > 1
        and planned.action is Action.ORDER_CARD
        and (asks_what_to_do(text) or missed_the_delivery(text))
        and len(advised := [o for o in orders if parcel_advice(o) is not None]) == 1
    ):
        # "where do i pick up my package", "what do i do now": the one parcel the
        # carrier could not deliver or holds for pickup (found in the demo: "which
        # order do you mean?" between it and one delivered days ago).
        orders = advised
    if (
        len(orders) > 1
        and planned.action is Action.ORDER_CARD
        and planned.order_number is None
        and (fit := which_fit(ctx, text, orders)) is not None
    ):
        # "which of my orders havent shipped yet": those that fit, as buttons (one:
        # its card), not "which order do you mean?" with all of them.
        if len(fit) == 1:
            await act_on(ctx, planned.action, fit[0], text)
            return
        offered = fit or orders
        listed(ctx, OPEN, [o.id for o in offered[:PICKABLE]])
        key = "answers.these_fit" if fit else "answers.none_fit"
        ctx.reply(ctx.t(key), which_order_keyboard(ctx.catalog, offered, "o"))
        return
    if len(orders) > 1 and planned.action is Action.ORDER_CARD and asks_for_their_orders(text):
        # "show my orders": all of them, as /orders lists them, not "which one?".
        await show_list(ctx)
        return
    if len(orders) > 1:
        prefix = WHICH_ORDER[planned.action]
        if prefix == "o":
            listed(ctx, OPEN, [o.id for o in orders[:PICKABLE]])
        ctx.reply(
            ctx.t(f"answers.which_order.{planned.intent}"),
            which_order_keyboard(ctx.catalog, orders, prefix),
        )
        return
    await act_on(ctx, planned.action, orders[0], text)


# Carried through a proof in place of an intent: the model was unsure of the message,
# so it is read again once the order is proved (and the choices are asked then).
REREAD = "reread"
# What a message sent while the proof is asked for may ask of its own, replacing what
# was carried from before: a request to act on the order, not a question about it.
_OWN_REQUESTS = frozenset({Action.CANCEL, Action.RETURN, Action.CHANGE})


def after_proof(planned: Plan) -> str | None:
    """What to carry on with once the order named in the message is proved (None: its
    card is the answer: nothing more was asked, or a greeting, or off-topic)."""
    if planned.action in ORDER_ACTIONS or planned.action in (
        Action.ANSWER,
        Action.CLAIMS,
        Action.COMPLAINT,
    ):
        return planned.intent
    return REREAD if planned.action is Action.CLARIFY else None


# Decisions a buyer may dispute: the request's card offers the appeal.
_DISPUTABLE = frozenset({ClaimStatus.REJECTED, ClaimStatus.REFUNDED})


async def _about_their_request(ctx: Context, text: str) -> bool:
    """A message the model could not place between a new return and a filed request's
    status is about a request of the buyer's: one still open, or one decided that the
    words speak of ("the seller rejected my return, that's unfair", "i got a refund but
    it was less than i paid": both asked "which of these?")."""
    filed = await ctx.services.returns.claims(ctx.user.id)
    if any(c.status in OPEN_CLAIMS for c in filed):
        return True
    return any(c.status in _DISPUTABLE for c in filed) and speaks_of_a_decision(text)


async def _bought_elsewhere(ctx: Context, shown: OrderView | None) -> OrderView | None:
    """The order a refund question is about (the card on screen, else the buyer's only
    order) when it was bought on a marketplace, whose app takes its returns."""
    if shown is None:
        linked = await ctx.services.orders.all_linked(ctx.user.id)
        shown = linked[0] if len(linked) == 1 else None
    if shown is None or shown.marketplace is None or buyer_acts_here(shown.marketplace):
        return None
    return shown


async def _card_pointed_at(ctx: Context) -> OrderView | None:
    """The order whose card was just shown, if it is still the buyer's."""
    shown = card_just_shown(ctx)
    if shown is None:
        return None
    try:
        return await ctx.services.orders.order(ctx.user.id, shown)
    except OrderNotFound:
        return None


async def own_request(ctx: Context, text: str) -> str | None:
    """The intent of a message that asks to cancel, return or change an order (what a
    proof step keeps to go on with), else None ("do not cancel my order" is none: the
    model hears a cancel in it)."""
    if keeps_the_order(text):
        return None
    planned = plan(await ctx.services.understanding.read(text), text)
    return planned.intent if planned.action in _OWN_REQUESTS else None


async def carried(ctx: Context, text: str, *, instead_of: str | None) -> str | None:
    """What to carry on with after proving the order `text` names, sent while another
    order's proof was asked for.  `instead_of`, what the buyer asked with that order, is
    kept unless this message asks to cancel, return or change."""
    planned = plan(await ctx.services.understanding.read(text), text)
    if instead_of is not None and planned.action not in _OWN_REQUESTS:
        return instead_of
    return after_proof(planned) or instead_of


async def continue_after_link(ctx: Context, intent: str, said: str, order: OrderView) -> None:
    """The order was just proved: carry on with what the buyer asked before the proof
    ("I want to return something from order 5781…", or a question about it: the card,
    then the answer)."""
    if intent == REREAD:
        show_card(ctx, order)
        again = plan(await ctx.services.understanding.read(said), said)
        if again.action is Action.CLARIFY and any(
            action_of(choice) is Action.ORDER_CARD for choice in again.choices
        ):
            # The card just shown answers one of the likely readings, "where is my
            # order" ("hi I bought something on TikTok, order 5769…"): asking which was
            # meant would be a question, and a miss, after an answer.
            return
        if again.action is not Action.ORDER_CARD:  # that card was just shown
            await follow(ctx, said, again)
        return
    action = action_of(intent)
    if action in ORDER_ACTIONS:
        await act_on(ctx, action, order, said)
        return
    show_card(ctx, order)
    if intent == RETURN_IF_USED:
        await policy_before_return(ctx, said, order.order_number)
    elif action is Action.ANSWER:
        await answer(ctx, said, after="answers.after_card_sections")
    elif action in (Action.CLAIMS, Action.COMPLAINT):
        await follow(ctx, said, Plan(intent, action, order.order_number))


async def act_on(ctx: Context, action: Action, order: OrderView, said: str = "") -> None:
    if action is Action.RETURN:
        await returns.start(ctx, order.id, said=said or None)
        return
    if action is Action.CHANGE:
        await change(ctx, order, said)
        return
    if action is Action.CANCEL:
        if order.status in CANCEL_AT_ONCE | CANCEL_ON_REQUEST:
            # "cancel 5780…": straight to that order's cancel question.
            await ask_to_cancel(ctx, order)
        else:
            await refuse_cancel(ctx, order)
        return
    if said and order.status == OrderStatus.DELIVERED and reports_missing(said):
        # "it says delivered but I never got it": the card alone says "Delivered".
        if not card_on_screen(ctx, order.id):
            show_card(ctx, order)
        _where_a_delivered_parcel_may_be(ctx, order, said)
        return
    if said and (card_on_screen(ctx, order.id) or missed_the_delivery(said)):
        # "when will it arrive?", "has it moved at all?", "what carrier is it with"
        # right under its card: that fact, not the card again.  A failed delivery told
        # ("the courier couldnt find my house") gets its answer with or without the
        # card: the card says nothing of an attempt its tracking does not show.
        now = ctx.services.clock.now()
        if (fact := answer_in_a_line(ctx.catalog, order, said, now)) is not None:
            _reply_line(ctx, fact, order)
            return
    show_card(ctx, order)


def _where_a_delivered_parcel_may_be(ctx: Context, order: OrderView, said: str) -> None:
    """Where a parcel marked delivered usually turns up, and a button to report it as
    not received (the return flow with the buyer's words, so the reason is known)."""
    when = (
        format_date(order.delivered_at, zone=order.timezone, language=ctx.catalog.language)
        if order.delivered_at
        else None
    )
    key = "answers.delivered_missing" if when else "answers.delivered_missing_no_date"
    rows = [[returns.offer_report(ctx, order.id, said)]]
    if support_available(ctx):
        rows.append([Button(ctx.catalog.plain("support.human_button"), f"hp:{order.id}")])
    ctx.reply(ctx.t(key, number=order.order_number, date=when or ""), Keyboard.of(*rows))


async def change(ctx: Context, order: OrderView | None, said: str = "") -> None:
    """A change to an order (address, items) is made by a person: the card, then a
    ticket, whose summary shows staff the buyer's own words and the order.  An order
    that has arrived or was cancelled can't change at all: the card and why, with no
    ticket (its card offers what is left: a return, a person).  Where or when a parcel
    the carrier has advice about is delivered (`said`: "can they leave it with my
    neighbour" after a missed delivery) is the carrier's: its advice, and a person
    only if asked."""
    ctx.state.clear()
    if order is not None:
        if not card_on_screen(ctx, order.id):  # the buyer is looking at it already
            show_card(ctx, order)
        if order.status in TOO_LATE_TO_CHANGE:
            why = "cancelled" if order.status is OrderStatus.CANCELLED else "delivered"
            ctx.reply(ctx.t(f"routing.change_too_late_{why}", number=order.order_number))
            return
        advice = parcel_advice(order)
        if advice is not None and _about_delivery(ctx, said):
            # "can they leave it with my neighbour" after a missed delivery: the
            # carrier's to arrange, as the card's advice says; a person only if asked
            # (it opened a ticket at once, and the buyer waited on staff for what the
            # carrier's page does).
            ctx.reply(
                fit(
                    line(ctx.catalog, "routing.change_with_carrier"),
                    *advice_pieces(ctx.catalog, advice),
                ),
                person_button(ctx),
            )
            return
    if support_available(ctx):
        ctx.reply(ctx.t("routing.change_passed_on"))
    await escalate(ctx, EscalationReason.REQUESTED, order_id=order.id if order else None)


def _about_delivery(ctx: Context, said: str) -> bool:
    """Whether the words ask to change where or when the order is delivered (not its
    items)."""
    if not said:
        return False
    reading = ctx.services.understanding.read_now(said)
    return reading.intent == Intent.CHANGE_ADDRESS or changes_where_it_goes(said)


# -- answers from the policies ------------------------------------------------------


async def answer(ctx: Context, question: str, *, after: str | None = None) -> bool:
    """Answer from the policies.  `after`: something already answered the buyer (the
    card of an order just proved, or "you have no return requests"), or comes next:
    when no section is sure, the likely ones are offered as further reading with this
    line, with no "not sure" and no miss.  True when a model handed the conversation
    on instead (to a person, or to the return flow)."""
    result: Answer = await ctx.services.answers.answer(
        question, user_id=ctx.user.id, language=ctx.catalog.language
    )
    # A model may ask for both in one turn (tools run concurrently, in no fixed
    # order): a person wins, being the safer of the two.
    for kind, order_id in sorted(result.handoffs, key=lambda h: h[0] != "talk_to_person"):
        if kind == "start_return" and order_id is not None:
            ctx.state.clear()
            if result.text:
                answer = line(ctx.catalog, "answers.llm", text=Field(result.text), sources="")
                ctx.reply(fit(answer, notice=ctx.t("fit.notice_plain")))
            await returns.start(ctx, order_id)
            return True
        if kind == "talk_to_person":
            ctx.state.clear()
            await escalate(ctx, EscalationReason.REQUESTED)
            return True
    # A person is offered only where one can take over.
    person = person_button(ctx)
    # Not sure of the section: the likely ones, a tap away (the right one is among the
    # first three far more often than it is first).
    others = result.offered
    if result.missed and after is not None:
        if others:
            _offer(ctx, result, others)
            ctx.reply(ctx.t(after), _offer_keyboard(ctx, others, person))
        return False
    if result.missed:
        misses = await _missed(ctx)
        if misses is None:
            return False
        if not others:
            ctx.state.go(None, **{MISSES: misses})
            ctx.reply(ctx.t("answers.unsure" if person else "answers.unsure_alone"), person)
            return False
        _offer(ctx, result, others, {MISSES: misses})
        ctx.reply(ctx.t("answers.unsure_sections"), _offer_keyboard(ctx, others, person))
        return False
    ctx.state.clear()
    sources = ", ".join(source.title for source in result.sources)
    if result.engine == "llm":
        cite = "\n\n" + ctx.t("answers.sources", sources=sources) if sources else ""
        # A model's answer has no length of its own: it is fitted like people's text.
        text = fit(
            line(ctx.catalog, "answers.llm", text=Field(result.text), sources=Safe(cite)),
            notice=ctx.t("fit.notice_plain"),
        )
    else:
        notes = _language_notes(ctx, result)
        key = f"answers.offline_{result.sureness}" + ("_others" if others else "")
        text = fit(
            line(
                ctx.catalog,
                key,
                title=Field(result.sources[0].title),
                quote=Field(plain_quote(result.text)),
                percent=round(result.confidence * 100),
            ),
            *notes,
            notice=ctx.t("fit.notice_plain"),
            sep="\n\n",
        )
    if not others:
        ctx.reply(text, person if result.sureness != "sure" else None)
        return False
    _offer(ctx, result, others)
    ctx.reply(text, _offer_keyboard(ctx, others, person))
    return False


# The words of a buyer who asked whether an item they used can be returned, kept with
# the offer to start the return anyway (the "ru" button) until their next message.
USED_ASKED = "used_return"
START_ASKED = "ru"


async def policy_before_return(ctx: Context, text: str, number: str | None) -> None:
    """ "can I return a candle I already burned": what the returns policy says of an
    item's condition first (searched with the buyer's words and the question they
    stand for, `CONDITION_QUESTION`: their words alone name a candle, which the policy
    may not), then a button that starts the return with what they said, for a buyer
    who still wants to ask: the seller decides on the item's condition, not the bot.
    Never a miss: the question was understood."""
    searched = _searched_as(ctx, text, CONDITION_QUESTION)
    if await answer(ctx, searched, after="answers.used_return_sections"):
        return  # a model handed the conversation on (a person, or the return itself)
    ctx.state.data[USED_ASKED] = {"said": text, "number": number}
    button = Button(ctx.catalog.plain("answers.used_return_button"), START_ASKED)
    ctx.reply(ctx.t("answers.used_return_offer"), Keyboard.of([button]))


async def start_asked_return(ctx: Context) -> None:
    """The offer's button: the return flow, taking what the buyer said (the item, a
    reason), as if they had asked for the return.  An offer older than their last
    message starts a return all the same, with the order to pick; tapped inside a
    flow (a return already under way), it changes nothing."""
    if ctx.inbound.button != START_ASKED or ctx.state.step is not None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    asked = ctx.state.data.get(USED_ASKED)
    ctx.answer()
    said = asked.get("said") if isinstance(asked, dict) else None
    number = asked.get("number") if isinstance(asked, dict) else None
    if not isinstance(said, str):
        ctx.state.clear()
        await returns.choose_order(ctx)
        return
    number = number if isinstance(number, str) else None
    await for_order(ctx, Plan(Intent.RETURN_REQUEST, Action.RETURN, number), said)


def _offer(
    ctx: Context, result: Answer, others: tuple[Source, ...], draft: dict[str, int] | None = None
) -> None:
    """Keep the offered sections in the draft, for the tap."""
    ids = [source.id for source in others]
    offer = {"shop": result.shop, "language": result.language, "asked": result.asked, "ids": ids}
    ctx.state.go(None, **(draft or {}), **{OTHERS: offer})


def _offer_keyboard(ctx: Context, others: tuple[Source, ...], person: Keyboard | None) -> Keyboard:
    rows = [
        [Button(cut(f"📖 {source.title}", BUTTON), OTHER.pack(n=n))]
        for n, source in enumerate(others)
    ]
    return Keyboard.of(*rows, *(person.rows if person else []))


async def other_section(ctx: Context) -> None:
    """A section tapped under an answer the bot was not sure of: quoted as the answer."""
    pressed = OTHER.unpack(ctx.inbound.button)
    chosen = None if pressed is None or ctx.state.step is not None else _offered(ctx, pressed["n"])
    if chosen is None:  # an old or forged button, or the policies changed since
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer()
    _quote_chosen(ctx, chosen)


def _offered(ctx: Context, n: int) -> Answer | None:
    """The `n`-th section offered in the draft, if there is one."""
    offered = ctx.state.data.get(OTHERS)
    if not isinstance(offered, dict) or not 0 <= n < len(offered.get("ids", ())):
        return None
    return ctx.services.answers.section(
        str(offered["shop"]),
        str(offered["language"]),
        str(offered["ids"][n]),
        # An offer kept before the question's language was: quoted as it was then.
        str(offered.get("asked", offered["language"])),
    )


def _quote_chosen(ctx: Context, chosen: Answer) -> None:
    # The buyer found what they asked: no miss counted; the other sections stay offered.
    ctx.state.go(None, **{OTHERS: ctx.state.data[OTHERS]})
    text = fit(
        line(
            ctx.catalog,
            "answers.offline_chosen",
            title=Field(chosen.sources[0].title),
            quote=Field(plain_quote(chosen.text)),
        ),
        *_language_notes(ctx, chosen),
        notice=ctx.t("fit.notice_plain"),
    )
    ctx.reply(text, person_button(ctx))


def _language_notes(ctx: Context, answer: Answer) -> list[str]:
    """A section quoted from policies in another language than the question's (the shop
    has no translation in it) says so, on a line of its own."""
    key = f"answers_language.only_in.{answer.only_in}"
    return [ctx.t(key)] if answer.only_in and ctx.catalog.has(key) else []


_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")


def reflow(text: str) -> str:
    """Hard-wrapped Markdown as phone text: the lines of a paragraph (or of one list
    item) joined into one, so a narrow screen wraps them itself instead of showing the
    source file's ragged breaks; blank lines between paragraphs and each list item on
    its own line are kept."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        items: list[str] = []
        for raw in block.splitlines():
            stripped = raw.strip()
            if not stripped:
                continue
            if _LIST_ITEM.match(raw) or not items:
                items.append(stripped)
            else:  # a wrapped line continues the paragraph or list item above it
                items[-1] = f"{items[-1]} {stripped}"
        if items:
            paragraphs.append("\n".join(items))
    return "\n\n".join(paragraphs)


def plain_quote(markdown: str, limit: int = 900) -> str:
    """A policy section as chat text: Markdown emphasis and list markers dropped,
    hard line breaks inside paragraphs joined (see `reflow`)."""
    text = re.sub(r"[*_`]{1,2}([^*_`]+)[*_`]{1,2}", r"\1", markdown)
    text = reflow(text)
    text = re.sub(r"^\s*[-*+]\s+", "• ", text, flags=re.M)
    return cut(text, limit)
