"""A seller's words typed outside any flow ("approve", "reject R2", a claim number).

The buyer handlers read free text as a buyer's request: "refund" gets the buyer's
menu, a claim number looks like an order number to link, and two misses in a row hand
the person to support as a buyer.  For someone who sells for a shop and has no order
of their own linked in this chat, those words are about their shop's claims, so they
get the claim's card (a claim number of their shop) or a line on where the decisions
are (/claims); anything else they type gets what a seller can do here and how to reach
support, never the buyer's answers (whose two misses would open a buyer's ticket in
their name).  Who is a seller is checked server-side (`SellerClaimService`), the same
check /claims makes; anyone else, and an order number of the seller's shop typed on its
own (linking it), goes on to the buyer handlers unchanged.  Any other number ("12345")
gets a seller's answer with a button that links it, should it be an order they bought.
A request for the list in their words ("show me the returns", "any new claims?") gets
what /claims shows.  Right under a claim's card, the decisions its buttons take can be
typed ("approve", "reject", "refund 12.50"): they act on that claim as the buttons do.  Words about
buyers' cancellation requests ("cancellations", "approve the cancellation for 5761…",
or "approve" with no return request open) bring back the waiting requests' messages,
whose buttons decide them.  A refund with its order and sum ("refund 5 dollars on order
5761…, it arrived late") is what /refund does with them, and "how are my sales", "why do
people return stuff" and "what's my return address" are /stats, /insights and
/returnaddress.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.enums import ClaimStatus, ClaimType, EscalationReason
from bot.domain.errors import ClaimNotFound, NotAllowed
from bot.services.intents import only_chitchat
from bot.services.orders import looks_like_order_number
from bot.understanding import steps as read
from bot.understanding.escapes import Escape, read_escape
from bot.understanding.seller_steps import (
    CancelWords,
    SellerWords,
    asks_for_the_list,
    asks_for_the_photos,
    asks_to_see_it,
    asks_what_waits,
    card_fact_asked,
    is_supported,
    names_a_goodwill_refund,
    names_an_order_to_refund,
    period_in_words,
    read_cancel_words,
    read_card_decision,
    read_carrier,
    read_seller_request,
    read_seller_words,
    read_tracking,
    read_yes_no,
    speaks_to_the_buyer,
)
from handlers.buttons import MAX_DATA_BYTES
from handlers.buyer.answers import chitchat_reply
from handlers.catalog import Safe
from handlers.core import Context, Handler, stamp, within
from handlers.escapes import reprompt
from handlers.fit import Field, fit, line
from handlers.seller.claims import (
    CLAIMS_LISTED,
    SHOWN,
    decide_typed,
    facts_typed,
    mark_replaced,
    offer_question,
    photos_typed,
    queue,
    show_card,
)
from handlers.seller.insights import insights_command
from handlers.seller.onboarding import seller_greeting, seller_help
from handlers.seller.refunds import goodwill_typed, refund_asked_for, show_waiting
from handlers.seller.return_address import return_address
from handlers.seller.stats import stats_command
from handlers.support import escalate
from handlers.types import Button, Keyboard

# A seller's commands asked for in words (`read_seller_request`).
_COMMANDS: dict[str, Handler] = {
    "stats": stats_command,
    "insights": insights_command,
    "returnaddress": return_address,
}


def words_first(then: Handler | None) -> Handler:
    """Wrap the free-text handler (outside a flow): a seller's words are answered
    here, everything else goes to `then`."""

    async def handler(ctx: Context) -> None:
        if not await _answered(ctx) and then is not None:
            await then(ctx)

    return handler


def help_first(then: Handler) -> Handler:
    """Wrap /help: someone who only sells here gets what a seller can do (the buyer's
    help offers adding an order and their returns, none of which is theirs); in a step,
    its question comes again after it, as "help" typed there does.  Anyone else gets
    `then`."""

    async def handler(ctx: Context) -> None:
        if not await ctx.services.seller_claims.only_a_seller(ctx.user.id):
            await then(ctx)
            return
        ctx.reply(seller_help(ctx))
        await reprompt(ctx)

    return handler


async def instead_of_a_shop(ctx: Context) -> bool:
    """At "Which shop?", a request of the seller's own in place of a shop ("refund
    order 5761…", "show me the returns", "cancellations"): the question is left and
    the request answered, as outside it.  Found in the demo: "refund order 5761…" at
    the question was asked whether to go to that order, and the "5" typed next was
    read as a fifth shop.  False for anything else, and for a seller who also buys
    here (their words may be a buyer's)."""
    text = ctx.inbound.text or ""
    if not (
        names_a_goodwill_refund(text)
        or names_an_order_to_refund(text) is not None
        or read_seller_request(text) is not None
        or asks_for_the_list(text)
        or read_cancel_words(text) is not None
    ) or not await ctx.services.seller_claims.only_a_seller(ctx.user.id):
        return False
    ctx.state.clear()
    return await _answered(ctx)


async def _answered(ctx: Context) -> bool:
    inbound = ctx.inbound
    if inbound.text is None or inbound.photo is not None or inbound.document is not None:
        return False
    # The card shown last counts for the next message only: what comes after that
    # ("2", a question, another command's answer) has moved on from it.
    shown = ctx.state.data.pop(SHOWN, None)
    words = read_seller_words(inbound.text)
    claims = ctx.services.seller_claims
    if not await claims.only_a_seller(ctx.user.id):
        return False
    if (cancellation := read_cancel_words(inbound.text)) is not None:
        return await show_waiting(ctx, cancellation)
    if asks_for_the_list(inbound.text):  # "show me the returns": what /claims shows
        await queue(ctx)
        return True
    if asks_what_waits(inbound.text):  # "what needs my attention today"
        await queue(ctx)  # the requests (or "none open"), then any cancellation waiting
        await show_waiting(ctx, CancelWords(None, None), quiet=True)
        return True
    if asks_to_see_it(inbound.text):  # "show me that one", "open it"
        await _the_one_meant(ctx, shown)
        return True
    if shown is not None and await _under_the_card(ctx, int(shown), inbound.text, words):
        return True
    if (
        shown is None
        and (asks_for_the_photos(inbound.text) or card_fact_asked(inbound.text) is not None)
        and (newest := await _newest_open(ctx)) is not None
    ):
        # "what does the photo show", "is this the first time this buyer returns
        # something" under a new request's message, no card opened: about that request,
        # the newest open one (found in the demo: "I can't do anything with that here").
        return await _under_the_card(ctx, newest, inbound.text, words)
    if names_a_goodwill_refund(inbound.text):
        # "refund 5 dollars on order 5761…, it arrived late": what /refund does with
        # those parts, its confirmation first (the seller was told to type the command).
        await goodwill_typed(ctx)
        return True
    if (number := names_an_order_to_refund(inbound.text)) is not None:
        # "refund order 5761…": /refund with that order, asking for the sum and why.
        await refund_asked_for(ctx, number)
        return True
    if (command := read_seller_request(inbound.text)) is not None:
        # "how are my sales this month", "what's my return address": that command.
        ctx.inbound = replace(inbound, args=period_in_words(inbound.text))
        await _COMMANDS[command](ctx)
        return True
    if words is None and await _replacement_shipped(ctx, inbound.text):
        return True  # before an order number: "UPS 1Z…" is the replacement's parcel
    if words is None and looks_like_order_number(inbound.text):
        return await _number(ctx, inbound.text.strip())
    if words is None and await _asks_for_person(ctx, inbound.text):
        # "I need to talk to someone at support": what /human does, in their words
        # (the ticket shows them as the seller), not "I can't do anything with that".
        await escalate(ctx, EscalationReason.REQUESTED)
        return True
    if words is None and await _picked_from_the_list(ctx, inbound.text):
        return True
    typed = read_card_decision(inbound.text)  # "approve", "reject, photo looks fake"
    if words is None and typed is None:
        # Nothing a seller's step or word: the buyer's answers (and, after two misses,
        # a buyer's ticket in their name) are not for them; say what they can do.
        escape = read_escape(inbound.text)
        if escape is Escape.HELP:  # "help": what /help says
            ctx.reply(seller_help(ctx))
        elif escape is Escape.CANCEL:  # "cancel", "stop" with no step to stop
            ctx.reply(ctx.t("common.nothing_to_cancel"))
        elif shown is not None and await _card_hint(ctx, int(shown)):
            pass  # under the card: what it takes, not "open one with /claims"
        elif read_yes_no(inbound.text) is not None:
            # "yes" with nothing asked (typed after a decision was already made): not
            # a failure to be shown the whole help for.
            ctx.reply(ctx.t("seller_typing.nothing_asked"))
        elif only_chitchat(" ".join(inbound.text.lower().split())):
            # "hi", "thanks!": small talk, not something they failed to do.  A hello
            # gets the seller's greeting (what they can do), thanks a short reply.
            key = chitchat_reply(inbound.text)
            if key == "answers.hello":
                ctx.reply(seller_greeting(ctx, inbound.user_name or ""))
            else:
                ctx.reply(ctx.t(key))
        else:
            _not_understood(ctx)
        return True
    if words is not None and words.claim is not None:
        claim_id = await claims.find(ctx.user.id, words.claim)
        if claim_id is not None:
            try:
                await show_card(ctx, claim_id)
                return True
            except (NotAllowed, ClaimNotFound):  # gone or no longer theirs since
                pass
        ctx.reply(ctx.t("seller_typing.no_such_claim", claim=words.claim))
        return True
    open_claims = await claims.queue(ctx.user.id)
    # "approve" with no return request open: the buyer's cancellation request that just
    # came in, most likely; its message again, to tap under.
    if (
        not open_claims
        and typed is not None
        and typed.decision in ("approve", "reject")
        and await show_waiting(ctx, CancelWords(typed.decision, None), quiet=True)
    ):
        return True
    if len(open_claims) == 1:
        # "approve it" with one request open: "it" can only be that one.  Its card
        # has the buttons; nothing is decided before the seller taps and confirms.
        # While the buyer is asked a question there is nothing to decide yet.
        one = open_claims[0]
        if typed is not None and one.status == ClaimStatus.REQUESTED:
            # "approve it", "reject it" with one request open: its card, then what its
            # button does (the approval's question names the request and the money, and
            # pays nothing until confirmed; found in the demo: the card alone, to be
            # told again under it).
            try:
                await show_card(ctx, one.claim_id)
            except (NotAllowed, ClaimNotFound):  # decided or gone since
                ctx.reply(ctx.t("seller_typing.seller_help"))
                return True
            await decide_typed(ctx, one.claim_id, typed)
            return True
        key = _ONE_OPEN.get(one.status, "seller_typing.the_one_open_moved_on")
        ctx.reply(ctx.t(key, claim=one.number))
        try:
            await show_card(ctx, open_claims[0].claim_id)
            return True
        except (NotAllowed, ClaimNotFound):  # decided or gone since
            pass
    ctx.reply(ctx.t("seller_typing.seller_help"))
    return True


# When the seller was last given the whole of what they can do, for not being
# understood: within HELP_SHOWN of it, a line pointing at /help says the same.
HELPED = "seller.helped"
HELP_SHOWN = timedelta(minutes=10)


def _not_understood(ctx: Context) -> None:
    """ "I can't do anything with that here", with what a seller can do the first
    time; again within a few minutes, one line (found in the demo: six messages a
    seller typed got the same eight lines six times)."""
    if within(ctx, ctx.state.data.get(HELPED), HELP_SHOWN):
        ctx.reply(ctx.t("seller_typing.not_understood_again"))
        return
    ctx.state.data[HELPED] = stamp(ctx)
    ctx.reply(ctx.t("seller_typing.not_understood", help=Safe(seller_help(ctx))))


async def _replacement_shipped(ctx: Context, text: str) -> bool:
    """A carrier and a tracking number typed outside the card ("sent it today with ups
    1Z…") while exactly one approved replacement of the seller's waits to be shipped:
    what *Mark replaced* and its steps take, as if tapped (the approval says "tap Mark
    replaced once you've shipped"; typed, it was "I can't do anything with that here").
    False when the text holds no carrier or number, or no request (or several: each
    card's button says which) waits for one."""
    carrier = read_carrier(text)
    if carrier is None or read_tracking(text) is None or not is_supported(carrier):
        return False
    waiting = [
        entry
        for entry in await ctx.services.seller_claims.queue(ctx.user.id)
        if entry.status is ClaimStatus.APPROVED
        and entry.type is ClaimType.REPLACEMENT
        and entry.marketplace is None
    ]
    if len(waiting) != 1:
        return False
    await mark_replaced(ctx, waiting[0].claim_id, carrier, text)
    return True


# What the one open request's card offers, by where it stands: the decision buttons,
# nothing until the buyer answers, or the next step (shown as the card has it).
_ONE_OPEN = {
    ClaimStatus.REQUESTED: "seller_typing.the_one_open",
    ClaimStatus.NEEDS_INFO: "seller_typing.the_one_open_asked",
}


async def _under_the_card(
    ctx: Context, claim_id: int, text: str, words: SellerWords | None
) -> bool:
    """Text typed right under a claim's card: a decision its buttons take ("approve",
    "reject", "refund 12.50") is taken on that claim, as the button would; another of a
    seller's words naming no claim ("refund", "claims") is told what the card takes,
    not sent to /claims for the card it is already looking at."""
    if asks_for_the_photos(text):  # "show me the photos": its Show button
        await photos_typed(ctx, claim_id)
        return True
    if (asked := card_fact_asked(text)) is not None:  # "when was it delivered"
        await facts_typed(ctx, claim_id, asked)
        return True
    if speaks_to_the_buyer(text):  # "can you send me a photo of the label"
        await offer_question(ctx, claim_id, text)
        return True
    typed = read_card_decision(text)
    if typed is not None:
        await decide_typed(ctx, claim_id, typed)
        return True
    if words is None or words.claim is not None:
        return False
    return await _card_hint(ctx, claim_id)


async def _the_one_meant(ctx: Context, shown: object) -> None:
    """ "show me that one" with no number: the card just shown, else the newest open
    request (the one a new request's message just told of), else the list, which says
    when none is open."""
    if shown is not None and await _shown_again(ctx, int(str(shown))):
        return
    newest = await _newest_open(ctx)
    if newest is not None and await _shown_again(ctx, newest):
        return
    await queue(ctx)


async def _newest_open(ctx: Context) -> int | None:
    """The seller's newest open request: the one a new request's message told of."""
    entries = await ctx.services.seller_claims.queue(ctx.user.id)
    return max((e.claim_id for e in entries), default=None)


async def _shown_again(ctx: Context, claim_id: int) -> bool:
    """The card of `claim_id`; False when it is decided or gone since."""
    try:
        await show_card(ctx, claim_id)
    except (NotAllowed, ClaimNotFound):
        return False
    return True


async def _card_hint(ctx: Context, claim_id: int) -> bool:
    """What the card just shown takes, typed or tapped, while it still waits for a
    decision; False (the usual answer) for a card decided or gone since."""
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except (NotAllowed, ClaimNotFound):  # gone or no longer theirs since
        return False
    if card.status != ClaimStatus.REQUESTED or card.marketplace is not None:
        return False
    ctx.reply(ctx.t("seller_typing.on_card", claim=card.number))
    # The hint says "type what it does": what is typed next is still about this card.
    ctx.state.data[SHOWN] = claim_id
    return True


async def _picked_from_the_list(ctx: Context, text: str) -> bool:
    """ "2", "the first one" after /claims: that request's card, as its button in the
    list opens it.  The list is the open requests, most urgent first, so a place in it
    names the same request unless one was decided since; the card names the request
    and decides nothing until a tap."""
    if read.position(text, CLAIMS_LISTED) is None:
        return False
    entries = (await ctx.services.seller_claims.queue(ctx.user.id))[:CLAIMS_LISTED]
    at = read.position(text, len(entries))
    if at is None:
        return False
    try:
        await show_card(ctx, entries[at].claim_id)
    except (NotAllowed, ClaimNotFound):  # decided or gone since
        return False
    return True


async def _number(ctx: Context, number: str) -> bool:
    """A number typed by someone who only sells here.  An order of their shop goes on
    to linking, as for anyone (they may have bought it); any other number ("12345")
    is most likely no order they bought, so they are not led into the buyer's proof
    questions: they get where a seller's work is, and a button to link it if it is
    an order they bought after all.  Other shops' orders are not told apart from no
    order at all."""
    if await ctx.services.seller_claims.sells_order(ctx.user.id, number):
        return False
    data = f"link:{number}"  # the linking starts at the proof, the number given
    if len(data.encode()) > MAX_DATA_BYTES:
        data = "link"  # asks for the number again
    button = Button(ctx.catalog.plain("seller_typing.link_bought"), data)
    text = fit(line(ctx.catalog, "seller_typing.not_an_order", number=Field(number)))
    ctx.reply(text, Keyboard.of([button]))
    return True


async def _asks_for_person(ctx: Context, text: str) -> bool:
    """A request for a person: the escape's words ("human", "talk to support"), or
    read so with confidence ("I need to talk to someone at support about a buyer")."""
    if read_escape(text) is Escape.PERSON:
        return True
    reading = await ctx.services.understanding.read(text)
    return reading.sure and reading.intent == "talk_to_person"
