"""Linking an order to this chat: order number, then the email or phone on it (typed,
or the buyer's own Telegram contact).

What the buyer asked for with the number ("cancel 5781…", "I want to return something
from order 5781…") waits in the proof step's draft and goes on after the proof, so a
buyer who has to prove an order first still gets what they asked for, not only its card.
Both steps read what is typed generously: "my order number is 5781…", "my email is
a@b.com" and "it's +1 555 0100" give the number or the proof; text with neither gets the
step's question again.
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
from bot.understanding.slots import extract
from handlers import escapes
from handlers.buyer.views import render_card
from handlers.catalog import Catalog
from handlers.core import Context, Router
from handlers.formatting import duration

router = Router()

ASK_NUMBER = "link.number"
ASK_PROOF = "link.proof"
# In the draft: the intent the buyer asked for with the number, and their words.
THEN = "then"
SAID = "said"

_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")
# A phone number as people type it: "+1 (555) 010-0199", "07700 900123".
_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")


def format_wait(catalog: Catalog, delta: timedelta) -> str:
    """How long to wait, rounded up ("1 hour", never "60 minutes" or too short)."""
    return duration(catalog, max(delta, timedelta(minutes=1)), round_up=True)


@router.button("link")
async def ask_number(ctx: Context) -> None:
    ctx.state.go(ASK_NUMBER)
    await prompt_number(ctx)


@router.prompt(ASK_NUMBER)
async def prompt_number(ctx: Context) -> None:
    ctx.reply(ctx.t("link.ask_number"))


@router.step(ASK_NUMBER, numbers=True)
async def number_step(ctx: Context) -> None:
    text = (ctx.inbound.text or "").strip()
    if looks_like_order_number(text):
        await received_number(ctx, text)
        return
    number = extract(text).order_number  # "my order number is 5781…"
    if number is not None and looks_like_order_number(number):
        await received_number(ctx, number)
        return
    await escapes.not_understood(ctx)


async def received_number(
    ctx: Context, number: str, *, then: str | None = None, said: str | None = None
) -> None:
    """Ask for the proof of `number` (or show it, when already linked).  `then`/`said`:
    what the buyer asked for with it, carried on after the proof; when not given, what
    an earlier message asked for outside any flow ("cancel my order" before the number
    was known) is kept."""
    if then is None and ctx.state.step is None:
        pending, words = ctx.state.data.get(THEN), ctx.state.data.get(SAID)
        if isinstance(pending, str) and isinstance(words, str):
            then, said = pending, words
    orders = ctx.services.orders
    existing = await orders.find_linked(ctx.user.id, number)
    if existing is not None:
        ctx.state.clear()
        if then is not None and said is not None:
            await _continue(ctx, then, said, existing)
            return
        ctx.reply(ctx.t("link.already_linked", number=number))
        ctx.reply(*render_card(ctx.catalog, existing, ctx.services.clock.now()))
        return
    try:
        await orders.check_can_try(ctx.user.id)
    except TooManyAttempts as exc:
        ctx.state.clear()
        ctx.reply(ctx.t("link.throttled", wait=format_wait(ctx.catalog, exc.retry_after)))
        return
    pending = {THEN: then, SAID: said} if then is not None and said is not None else {}
    ctx.state.go(ASK_PROOF, order_number=number, **pending)
    await prompt_proof(ctx)


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
    if not text:
        await escapes.not_understood(ctx)
        return
    postcodes = await ctx.services.orders.postcode_proofs()
    if postcodes and (code := postcode_in(text)) is not None and proof_in(text) is None:
        # "SW1A 1AA", "94105", "my zip is 94105": the delivery postcode (it looks like
        # an order number too, so it is read before the check below).
        await _try(ctx, number, code, via_contact=False)
        return
    if looks_like_order_number(text) and "@" not in text and not _phone_like(text):
        # They sent another order number instead of a proof: start over with it.
        await received_number(ctx, text)
        return
    proof = proof_in(text)
    if proof is None:
        # No email or phone in it ("I don't know", "why?"): nothing to check, and no
        # attempt spent on it.
        if postcodes:  # say the postcode too, then ask again
            ctx.reply(ctx.t("link_postcode.expects"))
            await escapes.reprompt(ctx)
            return
        await escapes.not_understood(ctx)
        return
    await _try(ctx, number, proof, via_contact=False)


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
        if left <= 0:
            ctx.state.clear()
            ctx.reply(ctx.t("link.refused_last"), remove_reply_keyboard=True)
            try:
                await orders.check_can_try(ctx.user.id)
            except TooManyAttempts as exc:
                ctx.reply(ctx.t("link.throttled", wait=format_wait(ctx.catalog, exc.retry_after)))
            return
        ctx.reply(ctx.t("link.refused", count=left))
        return
    then, said = ctx.state.data.get(THEN), ctx.state.data.get(SAID)
    ctx.state.clear()
    ctx.reply(ctx.t("link.linked", number=order.order_number), remove_reply_keyboard=True)
    if isinstance(then, str) and isinstance(said, str):
        await _continue(ctx, then, said, order)
        return
    ctx.reply(*render_card(ctx.catalog, order, ctx.services.clock.now()))


async def _continue(ctx: Context, then: str, said: str, order: OrderView) -> None:
    # Imported here: the answers module starts this one's steps.
    from handlers.buyer.answers import continue_after_link

    await continue_after_link(ctx, then, said, order)


__all__ = ["MAX_FAILED_PROOFS", "SAID", "THEN", "received_number", "router"]
