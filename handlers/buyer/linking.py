"""Linking an order to this chat: order number, then the email or phone on it (typed,
or the buyer's own Telegram contact)."""

from __future__ import annotations

from datetime import timedelta

from bot.services.orders import (
    MAX_FAILED_PROOFS,
    THROTTLE_ORDER,
    ProofRefused,
    TooManyAttempts,
    looks_like_order_number,
)
from handlers.buyer.views import render_card
from handlers.core import Context, Router

router = Router()

ASK_NUMBER = "link.number"
ASK_PROOF = "link.proof"


def format_wait(delta: timedelta) -> str:
    minutes = max(1, -(-int(delta.total_seconds()) // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@router.button("link")
async def ask_number(ctx: Context) -> None:
    ctx.state.go(ASK_NUMBER)
    ctx.reply(ctx.t("link.ask_number"))


@router.step(ASK_NUMBER, numbers=True)
async def number_step(ctx: Context) -> None:
    text = (ctx.inbound.text or "").strip()
    if not looks_like_order_number(text):
        ctx.reply(ctx.t("link.not_an_order_number"))
        return
    await received_number(ctx, text)


async def received_number(ctx: Context, number: str) -> None:
    orders = ctx.services.orders
    existing = await orders.find_linked(ctx.user.id, number)
    if existing is not None:
        ctx.state.clear()
        ctx.reply(ctx.t("link.already_linked", number=number))
        ctx.reply(*render_card(ctx.catalog, existing, ctx.services.clock.now()))
        return
    try:
        await orders.check_can_try(ctx.user.id)
    except TooManyAttempts as exc:
        ctx.state.clear()
        ctx.reply(ctx.t("link.throttled", wait=format_wait(exc.retry_after)))
        return
    ctx.state.go(ASK_PROOF, order_number=number)
    ctx.reply(
        ctx.t("link.ask_proof", number=number),
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
        ctx.reply(ctx.t("link.ask_proof", number=number))
        return
    if looks_like_order_number(text) and "@" not in text and not _phone_like(text):
        # They sent another order number instead of a proof: start over with it.
        await received_number(ctx, text)
        return
    await _try(ctx, number, text, via_contact=False)


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
            ctx.reply(ctx.t("link.order_throttled", wait=format_wait(exc.retry_after)))
            return
        ctx.state.clear()
        ctx.reply(
            ctx.t("link.throttled", wait=format_wait(exc.retry_after)), remove_reply_keyboard=True
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
                ctx.reply(ctx.t("link.throttled", wait=format_wait(exc.retry_after)))
            return
        ctx.reply(ctx.t("link.refused", left=left))
        return
    ctx.state.clear()
    ctx.reply(ctx.t("link.linked", number=order.order_number), remove_reply_keyboard=True)
    ctx.reply(*render_card(ctx.catalog, order, ctx.services.clock.now()))


__all__ = ["MAX_FAILED_PROOFS", "received_number", "router"]
