"""Cancellation requests (seller side) and goodwill refunds (/refund)."""

from __future__ import annotations

import shlex

from bot.domain.errors import InvalidTransition, NotAllowed
from bot.domain.money import format_money
from bot.services.cancellations import GoodwillRefused, RequestDecided
from handlers.core import Context, Router, int_arg
from handlers.fit import Field, fit, line

router = Router()


async def _decide(ctx: Context, approve: bool) -> None:
    request_id = int_arg(ctx.inbound.button or "")
    if request_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    try:
        outcome = await ctx.services.cancellations.decide(ctx.user.id, request_id, approve=approve)
    except NotAllowed:
        ctx.answer(ctx.catalog.plain("seller.only_sellers"), alert=True)
        return
    except RequestDecided:
        ctx.answer(ctx.catalog.plain("cancel_request.decided"), alert=True)
        return
    except InvalidTransition:  # it shipped meanwhile: it can only be turned down now
        ctx.answer(ctx.catalog.plain("cancel_request.shipped"), alert=True)
        return
    amount = format_money(outcome.refunded, outcome.currency)
    key = "cancel_request.approved_seller" if approve else "cancel_request.rejected_seller"
    ctx.edit_or_reply(ctx.t(key, number=outcome.order_number, amount=amount))


@router.button("ka")
async def approve(ctx: Context) -> None:
    await _decide(ctx, approve=True)


@router.button("kr")
async def reject(ctx: Context) -> None:
    await _decide(ctx, approve=False)


@router.command("refund")
async def goodwill(ctx: Context) -> None:
    try:
        words = shlex.split(ctx.inbound.args)
    except ValueError:
        words = []
    if len(words) < 2:
        # The usage is for sellers; anyone else hears the command is not theirs.
        if await ctx.services.sellers.shops_of(ctx.user.id):
            ctx.reply(ctx.t("goodwill.usage"))
        else:
            ctx.reply(ctx.t("seller.only_sellers"))
        return
    number, amount_text, reason = words[0], words[1], " ".join(words[2:])
    try:
        outcome = await ctx.services.cancellations.goodwill_refund(
            ctx.user.id,
            number,
            amount_text,
            reason,
            request_key=f"{ctx.inbound.channel}:{ctx.inbound.update_id}",
        )
    except NotAllowed:
        ctx.reply(ctx.t("seller.only_sellers"))
        return
    except GoodwillRefused as exc:
        remaining = format_money(exc.remaining, exc.currency) if exc.remaining is not None else ""
        # The number is as typed: it may be anything, of any length.
        key = f"goodwill.{exc.reason}"
        ctx.reply(fit(line(ctx.catalog, key, number=Field(number), remaining=remaining)))
        return
    amount = format_money(outcome.refunded, outcome.currency)
    ctx.reply(ctx.t("goodwill.done", amount=amount, number=outcome.order_number))
