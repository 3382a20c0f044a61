"""Linking an order to this chat: order number, then the email or phone on it (typed,
or the buyer's own Telegram contact).

What the buyer asked for with the number ("cancel 5781…", "I want to return something
from order 5781…") waits in the proof step's draft and goes on after the proof, so a
buyer who has to prove an order first still gets what they asked for, not only its card.
Both steps read what is typed generously: "my order number is 5781…" (or "5781-0000-…"
in groups), "my email is a@b.com" and "it's +1 555 0100" give the number or the proof;
text with neither gets the step's question again.  Another order number named while the
proof is asked for ("no wait, it's 5781…", "my order #5781… hasn't moved") moves the
proof to that order: it is no wrong proof, so it costs none of the limited attempts.
An email or phone sent before any order number is kept (for half an hour) and checked
against the number that comes next, so a buyer who sends them the other way round is not
asked for the email twice; when the attempts are used up, they are told how long the
check waits.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.postcodes import postcode_in
from bot.services.orders import (
    MAX_FAILED_PROOFS,
    THROTTLE_ORDER,
    ProofRefused,
    TooManyAttempts,
    looks_like_order_number,
)
from bot.services.views import OrderView
from bot.understanding.cancelling import cancels_the_order
from bot.understanding.order_number_help import (
    asks_lookup_by_details,
    lacks_order_number,
    lacks_proof,
    says_wrong_number,
)
from bot.understanding.slots import extract, named_order_number
from handlers import escapes
from handlers.buyer.views import show_card
from handlers.catalog import Catalog
from handlers.core import Context, Router, button_args, stamp, within
from handlers.formatting import duration
from handlers.types import Button, Keyboard

router = Router()

ASK_NUMBER = "link.number"
ASK_PROOF = escapes.PROOF_STEP  # named there: a proof typed at its switch question
# In the draft: the intent the buyer asked for with the number, and their words.
THEN = "then"
SAID = "said"
# In the draft out of any flow: an email or phone sent before the number, how it came
# (typed, or the buyer's own shared contact) and when; checked with the next number.
EARLY_PROOF = "early_proof"
_EARLY_PROOF_KEPT = timedelta(minutes=30)
_LONGEST_PHONE = 15  # digits, country code included (E.164)

_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")
# A phone number as people type it: "+1 (555) 010-0199", "07700 900123".
_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")


def format_wait(catalog: Catalog, delta: timedelta) -> str:
    """How long to wait, rounded up ("1 hour", never "60 minutes" or too short)."""
    return duration(catalog, max(delta, timedelta(minutes=1)), round_up=True)


@router.button("link")
async def ask_number(ctx: Context) -> None:
    """ "link" asks for the number; "link:NUMBER" (offered to a seller who typed a
    number that is no order of their shop) goes on to the proof of that number."""
    args = button_args(ctx.inbound.button or "")
    if len(args) == 1 and looks_like_order_number(args[0]):
        ctx.state.clear()
        await received_number(ctx, args[0])
        return
    ctx.state.go(ASK_NUMBER)
    await prompt_number(ctx)


@router.prompt(ASK_NUMBER)
async def prompt_number(ctx: Context) -> None:
    ctx.reply(ctx.t("link.ask_number"))


@router.step(ASK_NUMBER, numbers=True)
async def number_step(ctx: Context) -> None:
    text = (ctx.inbound.text or "").strip()
    if await received_numbers(ctx, text):
        return
    if (number := typed_number(text)) is not None:
        await received_number(ctx, number)
        return
    number = extract(text).order_number  # "my order number is 5781…"
    if number is not None and looks_like_order_number(number):
        await received_number(ctx, number)
        return
    if (proof := only_proof(text)) is not None:  # the email before the number
        await proof_before_number(ctx, proof)
        return
    if number_help(ctx, text):  # "I don't have it", "can you look it up by my email"
        return
    await escapes.not_understood(ctx)


def number_help(ctx: Context, text: str) -> bool:
    """Where a buyer finds their order number, with a person to look it up, for one
    who has none to give ("I don't have the order number") or asks to be found by a
    name, email or phone instead ("can you look it up by my email"; the answer then
    says first why the bot can't: the number is what keeps one buyer's orders from
    another's).  False for any other words.  Read at the number step and outside a
    flow alike.  "wrong number sorry" asks for the right one."""
    if says_wrong_number(text):
        # "wrong number sorry": the right one is asked for (it was a change to the
        # order, handed to a person); what was asked with the wrong one waits for it.
        then, said = ctx.state.data.get(THEN), ctx.state.data.get(SAID)
        if isinstance(then, str) and isinstance(said, str):
            wait_for_number(ctx, then, said)
        else:
            ctx.state.clear()
        ctx.reply(ctx.t("link.wrong_number"))
        return True
    if lacks_order_number(text):
        key = "link.find_number"
    elif asks_lookup_by_details(text):
        key = "link.find_by_details"
    else:
        return False
    person = Button(ctx.catalog.plain("support.human_button"), "hp")
    ctx.reply(ctx.t(key), Keyboard.of([person]))
    if (proof := proof_in(text)) is not None and ctx.state.step in (None, ASK_NUMBER):
        # "can you look it up by my email a@b.com": kept for the number sent next (found
        # in the demo: "ok found it 5761…" was asked for the email again)
        ctx.state.data[EARLY_PROOF] = {"proof": proof, "contact": False, "at": stamp(ctx)}
        ctx.reply(ctx.t("link.proof_kept"))
    return True


def typed_number(text: str) -> str | None:
    """The order number when the whole message is one: as typed ("5781…", "AB-1234"),
    or its digits when typed in groups ("5781-0000-0000-0000-02", "5781 0000 …").

    A number shaped like a payment card gets here only when it is an order of the
    shop (`handlers/cards.py` refuses the others first), so it is taken too."""
    text = text.strip()
    slots = extract(text)
    number = slots.order_number or slots.card_number
    if number is not None and re.sub(r"[ -]", "", text) == number:
        return number
    return text if looks_like_order_number(text) else None


# Between order numbers sent together: commas, slashes, "&", "and", "y" (Spanish).
_BETWEEN_NUMBERS = re.compile(r"\s*(?:[,;/&+]|\band\b|\by\b)\s*|\s+", re.IGNORECASE)


def typed_numbers(text: str) -> list[str]:
    """The order numbers when the message is only several of them ("5781…01 5781…04",
    "5781…01, 5781…04 and 5781…09"), distinct, in the order typed; [] for anything
    else, one number typed in groups included ("5781 0000 0000 0000 02")."""
    if typed_number(text) is not None:
        return []
    parts = [p for p in _BETWEEN_NUMBERS.split(text.strip()) if p]
    if len(parts) < 2 or not all(looks_like_order_number(p) and p.isdigit() for p in parts):
        return []
    return list(dict.fromkeys(parts)) if len(set(parts)) > 1 else []


async def received_numbers(ctx: Context, text: str) -> bool:
    """Several order numbers in one message: the proof is asked for the first, and the
    others are named back to send once it is linked (each order has its own proof, so
    they go one at a time).  False when the message is not several numbers."""
    numbers = typed_numbers(text)
    if not numbers:
        return False
    first, rest = numbers[0], numbers[1:]
    ctx.reply(ctx.t("link.one_at_a_time", count=len(numbers), first=first, rest=", ".join(rest)))
    await received_number(ctx, first)
    return True


def wait_for_number(ctx: Context, then: str, said: str) -> None:
    """Keep what a message asked ("cancel my order") for the order number that comes
    next: no step is open, and `waiting_request` reads it back."""
    ctx.state.go(None, **{THEN: then, SAID: said})


def waiting_request(ctx: Context) -> tuple[str, str] | None:
    """What a message outside any flow asked for before an order was known ("cancel my
    order" with no order linked), and its words: kept for the number that comes next."""
    if ctx.state.step is not None:
        return None
    then, said = ctx.state.data.get(THEN), ctx.state.data.get(SAID)
    return (then, said) if isinstance(then, str) and isinstance(said, str) else None


async def received_number(
    ctx: Context, number: str, *, then: str | None = None, said: str | None = None
) -> None:
    """Ask for the proof of `number` (or show it, when already linked).  `then`/`said`:
    what the buyer asked for with it, carried on after the proof; when not given, what
    an earlier message asked for outside any flow ("cancel my order" before the number
    was known) is kept."""
    if then is None and (waiting := waiting_request(ctx)) is not None:
        then, said = waiting
    orders = ctx.services.orders
    existing = await orders.find_linked(ctx.user.id, number)
    if existing is not None:
        ctx.state.clear()
        if then is not None and said is not None:
            await _continue(ctx, then, said, existing)
            return
        ctx.reply(ctx.t("link.already_linked", number=number))
        show_card(ctx, existing)
        return
    try:
        await orders.check_can_try(ctx.user.id)
    except TooManyAttempts as exc:
        ctx.state.clear()
        ctx.reply(ctx.t("link.throttled", wait=format_wait(ctx.catalog, exc.retry_after)))
        return
    early = _early_proof(ctx) or _proof_beside(ctx, number)
    pending = {THEN: then, SAID: said} if then is not None and said is not None else {}
    ctx.state.go(ASK_PROOF, order_number=number, **pending)
    if early is not None:  # the email sent first or with it: checked now, not asked
        proof, via_contact = early
        await _try(ctx, number, proof, via_contact=via_contact)
        return
    await prompt_proof(ctx)


def _proof_beside(ctx: Context, number: str) -> tuple[str, bool] | None:
    """The email or phone typed in the same message as the order number ("5761…01
    alex@example.com", "cancel 5761…01, my phone is 555 010 0199"): the proof asked
    for next, sent already.  Not when the message names other orders too (each has its
    own proof), nor a number that could be another order."""
    text = ctx.inbound.text or ""
    rest = _without(text, number)
    if ctx.inbound.button is not None or rest == " ".join(text.split()):
        return None  # no number typed here (a button)
    proof = proof_in(rest)
    if proof is None:
        return None
    other = named_order_number(rest.replace(proof, " "))
    if other is not None or ("@" not in proof and len(re.sub(r"\D", "", proof)) > _LONGEST_PHONE):
        return None  # another order named too, or digits too many for a phone
    return proof, False


def _early_proof(ctx: Context) -> tuple[str, bool] | None:
    """The email or phone sent before this number (`proof_before_number`), while kept."""
    kept = ctx.state.data.get(EARLY_PROOF) if ctx.state.step in (None, ASK_NUMBER) else None
    if not isinstance(kept, dict) or not within(ctx, kept.get("at"), _EARLY_PROOF_KEPT):
        return None
    proof, via_contact = kept.get("proof"), kept.get("contact")
    if not isinstance(proof, str) or not isinstance(via_contact, bool):
        return None
    return proof, via_contact


# "can I cancel it?" at the proof step is the order's cancellation, kept for after the
# proof (`_request_kept`), not the escape that stops linking; "cancel" alone still is.
router.step_words[ASK_PROOF] = cancels_the_order


@router.prompt(ASK_PROOF)
async def prompt_proof(ctx: Context) -> None:
    number = str(ctx.state.data.get("order_number", ""))
    # Asked the same for every number once any order is proved by its postcode: the
    # question must not tell a stranger which orders exist or where they come from.
    key = "link_postcode.ask_proof" if await ctx.services.orders.postcode_proofs() else None
    ctx.reply(
        ctx.t(key or "link.ask_proof", number=number),
        ask_contact=ctx.catalog.plain("link.share_contact"),
    )


@router.step(ASK_PROOF, numbers=True)
async def proof_step(ctx: Context) -> None:
    number = str(ctx.state.data.get("order_number", ""))
    contact = ctx.inbound.contact
    if contact is not None:
        if contact.user_id != ctx.inbound.user_id:
            ctx.reply(ctx.t("link.not_your_contact"))
            return
        await _try(ctx, number, contact.phone, via_contact=True)
        return
    text = (ctx.inbound.text or "").strip()
    postcodes = await ctx.services.orders.postcode_proofs()
    if not text:  # a photo, a sticker: nothing to check
        await _no_proof(ctx, postcodes)
        return
    if postcodes and (code := postcode_in(text)) is not None and proof_in(text) is None:
        # "SW1A 1AA", "94105", "my zip is 94105": the delivery postcode (it looks like
        # an order number too, so it is read before the check below).
        await _try(ctx, number, code, via_contact=False)
        return
    other = named_order_number(text)  # "576…02", "my order #576…02 hasn't moved"
    if other is None and looks_like_order_number(text) and "@" not in text:
        other = None if _phone_like(text) else text  # "AB1234567" alone
    if other is not None and other != number:
        # Another order named instead of a proof: no wrong proof, no attempt spent.
        await _switch(ctx, other, text)
        return
    if other is not None:
        text = _without(text, other)  # "576…02 jordan@…": the proof is what is left
    proof = proof_in(text) if text else None
    if proof is None and says_wrong_number(text):
        # "wrong number sorry" for the proof: a new number is asked for, no attempt
        # spent (it was kept as a request about the order, and the proof asked again).
        number_help(ctx, text)
        return
    if proof is None and lacks_proof(text):
        # "i dont remember which email i used": any one proof is enough, and a person
        # can check; the step stays.
        key = "link_postcode.proof_help" if postcodes else "link.proof_help"
        person = Button(ctx.catalog.plain("support.human_button"), "hp")
        ctx.reply(ctx.t(key), Keyboard.of([person]))
        return
    if proof is None and await _request_kept(ctx, number, text):
        return
    if proof is None:
        # No email or phone in it ("I don't know", "why?"): nothing to check, and no
        # attempt spent on it.
        await _no_proof(ctx, postcodes)
        return
    await _try(ctx, number, proof, via_contact=False)


async def _request_kept(ctx: Context, number: str, text: str) -> bool:
    """A request about the order typed instead of its proof ("can I cancel it?", "I
    want to send it back"): kept, to go on with once the order is proved, and the
    proof asked again, saying so.  It was read as "stop linking" (for "cancel") or as
    no proof, and the request was lost."""
    from handlers.buyer.answers import own_request  # the answers module imports this one

    intent = await own_request(ctx, text)
    if intent is None:
        return False
    ctx.state.data[THEN], ctx.state.data[SAID] = intent, text
    ctx.reply(ctx.t("link.proof_first", number=number))
    await prompt_proof(ctx)
    return True


async def _no_proof(ctx: Context, postcodes: bool) -> None:
    """Say what the proof step takes (the postcode too, where orders are proved by it),
    then ask again."""
    if postcodes:
        ctx.reply(ctx.t("link_postcode.expects"))
        await escapes.reprompt(ctx)
        return
    await escapes.not_understood(ctx)


async def _switch(ctx: Context, number: str, text: str) -> None:
    """Ask for the proof of `number` instead of the order the proof was asked for.  What
    the buyer asked for with the first number goes on after this proof, unless this
    message asks for something of its own ("cancel 5781… instead")."""
    from handlers.buyer.answers import carried  # the answers module imports this one

    then, said = ctx.state.data.get(THEN), ctx.state.data.get(SAID)
    if not isinstance(then, str) or not isinstance(said, str):
        then = said = None
    if typed_number(text) is None:  # more than the number: what does it ask?
        own = await carried(ctx, text, instead_of=then)
        if own is not None and own != then:
            then, said = own, text
    ctx.state.clear()
    await received_number(ctx, number, then=then, said=said)


async def proof_before_number(ctx: Context, proof: str, *, via_contact: bool = False) -> None:
    """An email or phone sent when no order's proof is asked for: kept for the number,
    which is asked for (what an earlier message asked, kept for the number too, stays).
    While the attempts are used up, say so, and for how long, and keep nothing."""
    try:
        await ctx.services.orders.check_can_try(ctx.user.id)
    except TooManyAttempts as exc:
        ctx.reply(ctx.t("link.locked", wait=format_wait(ctx.catalog, exc.retry_after)))
        return
    waiting = waiting_request(ctx)
    pending = {THEN: waiting[0], SAID: waiting[1]} if waiting is not None else {}
    early = {"proof": proof, "contact": via_contact, "at": stamp(ctx)}
    step = ASK_NUMBER if ctx.state.step == ASK_NUMBER else None  # still asked for there
    ctx.state.go(step, **pending, **{EARLY_PROOF: early})
    ctx.reply(ctx.t("link.number_first"))


def _without(text: str, number: str) -> str:
    """The text with the order number taken out (as typed: maybe in groups)."""
    digits = r"[ -]?".join(re.escape(c) for c in number)
    return " ".join(re.sub(rf"#?\s?{digits}", " ", text, count=1).split())


def only_proof(text: str) -> str | None:
    """The email or phone when that is all the message says ("jordan@x.org", "my email
    is jordan@x.org", "it's +1 512 555 0101"), with no order number in it."""
    if extract(text).order_number is not None or typed_number(text) is not None:
        return None
    proof = proof_in(text)
    if proof is None:
        return None
    rest = re.sub(r"[^\w'’]+", " ", text.replace(proof, " ")).lower().split()
    return proof if all(_AROUND_A_PROOF.fullmatch(word) for word in rest) else None


# The words people put around an email or phone they send on its own.
_AROUND_A_PROOF = re.compile(
    r"my|the|is|it|it'?s|it’s|this|here|here'?s|e|email|mail|address|phone|number|mobile"
    r"|cell|tel|telephone|no|on|order|used|for|and|or|hi|hello|hey|ok|okay|thanks|please"
    r"|pls|i|am|i'?m|use|mi|es|el|la|del|correo|electr[oó]nico|tel[eé]fono|n[uú]mero"
    r"|celular|m[oó]vil|aqu[ií]|hola|gracias|pedido"
)


def proof_in(text: str) -> str | None:
    """The email or phone number in what was typed: the whole text when it is one,
    else the first email, else the first phone number in it."""
    if "@" in text and " " not in text:
        return text
    if _phone_like(text):
        return text
    if (email := _EMAIL.search(text)) is not None:
        return email.group(0).rstrip(".")
    if (phone := _PHONE.search(text)) is not None and _phone_like(phone.group(0)):
        return phone.group(0)
    return None


def _phone_like(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return digits >= 7 and all(c.isdigit() or c in "+-() ." for c in text)


async def _try(ctx: Context, number: str, proof: str, *, via_contact: bool) -> None:
    orders = ctx.services.orders
    try:
        order = await orders.prove(
            ctx.user.id, number, email_or_phone=proof, via_contact=via_contact
        )
    except TooManyAttempts as exc:
        if exc.scope == THROTTLE_ORDER:
            # Too many guesses at this number, from anyone: said the same whether or not
            # the order exists.  The step stays open for the buyer's own contact.
            ctx.reply(ctx.t("link.order_throttled", wait=format_wait(ctx.catalog, exc.retry_after)))
            return
        ctx.state.clear()
        ctx.reply(
            ctx.t("link.throttled", wait=format_wait(ctx.catalog, exc.retry_after)),
            remove_reply_keyboard=True,
        )
        return
    except ProofRefused:
        left = await orders.attempts_left(ctx.user.id)
        # Where orders are proved by postcode too, the refusal names it as well.
        keys = "link_postcode" if await orders.postcode_proofs() else "link"
        if left <= 0:
            ctx.state.clear()
            ctx.reply(ctx.t(f"{keys}.refused_last"), remove_reply_keyboard=True)
            try:
                await orders.check_can_try(ctx.user.id)
            except TooManyAttempts as exc:
                ctx.reply(ctx.t("link.throttled", wait=format_wait(ctx.catalog, exc.retry_after)))
            return
        ctx.reply(ctx.t(f"{keys}.refused", count=left))
        return
    then, said = ctx.state.data.get(THEN), ctx.state.data.get(SAID)
    ctx.state.clear()
    ctx.reply(ctx.t("link.linked", number=order.order_number), remove_reply_keyboard=True)
    if isinstance(then, str) and isinstance(said, str):
        await _continue(ctx, then, said, order)
        return
    show_card(ctx, order)


async def _continue(ctx: Context, then: str, said: str, order: OrderView) -> None:
    # Imported here: the answers module starts this one's steps.
    from handlers.buyer.answers import continue_after_link

    await continue_after_link(ctx, then, said, order)


__all__ = [
    "MAX_FAILED_PROOFS",
    "SAID",
    "THEN",
    "received_number",
    "router",
    "wait_for_number",
    "waiting_request",
]
