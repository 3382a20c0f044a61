"""/orders, the order card, refresh, and cancelling an order that hasn't shipped."""

from __future__ import annotations

from bot.domain.enums import OrderStatus
from bot.domain.errors import InvalidTransition, OrderNotFound
from bot.domain.money import format_money
from bot.domain.policy import CANCEL_AT_ONCE, CANCEL_ON_REQUEST
from bot.services.cancellations import AlreadyRequested
from bot.services.views import OrderView
from handlers.buyer.views import card_fingerprint, orders_list, render_card
from handlers.catalog import Safe
from handlers.core import Context, Router, button_args, int_arg
from handlers.types import Button, Keyboard

router = Router()


@router.command("orders")
async def orders_command(ctx: Context) -> None:
    await _show_list(ctx, 1)


@router.button("ol")
async def orders_page(ctx: Context) -> None:
    page = int_arg(ctx.inbound.button or "")
    if page is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await _show_list(ctx, page)


async def _show_list(ctx: Context, page: int) -> None:
    result = await ctx.services.orders.orders(ctx.user.id, page)
    if result.total == 0:
        ctx.reply(ctx.t("orders.none"))
        return
    text, keyboard = orders_list(ctx.catalog, result)
    if ctx.inbound.button and ctx.inbound.button.startswith("ol:"):
        ctx.edit_or_reply(text, keyboard)
    else:
        ctx.reply(text, keyboard)


async def _order_or_refuse(ctx: Context, index: int = 0) -> OrderView | None:
    """The order named by the button, if this chat user proved it; otherwise say it
    can't be found (the same words whether it exists or not)."""
    order_id = int_arg(ctx.inbound.button or "", index)
    if order_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return None
    try:
        return await ctx.services.orders.order(ctx.user.id, order_id)
    except OrderNotFound:
        ctx.answer(ctx.catalog.plain("orders.gone"), alert=True)
        return None


def _render(ctx: Context, order: OrderView) -> tuple[str, Keyboard]:
    return render_card(ctx.catalog, order, ctx.services.clock.now())


@router.button("o")
async def open_card(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is not None:
        ctx.reply(*_render(ctx, order))


@router.button("or")
async def refresh_card(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is None:
        return
    text, keyboard = _render(ctx, order)
    shown = button_args(ctx.inbound.button or "")[1:2]
    if shown == [card_fingerprint(text)]:
        ctx.answer(ctx.catalog.plain("card.up_to_date"))
        return
    ctx.edit_or_reply(text, keyboard)


@router.button("oc")
async def ask_cancel(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is None:
        return
    if order.status not in CANCEL_AT_ONCE:
        ctx.reply(ctx.t(f"cancel.refused.{order.status.value}", number=order.order_number))
        return
    money = (
        ctx.t("cancel.confirm_paid", total=format_money(order.total_paid, order.currency))
        if order.paid_at is not None and order.total_paid > 0
        else ctx.t("cancel.confirm_unpaid")
    )
    p = ctx.catalog.plain
    ctx.reply(
        ctx.t("cancel.confirm", number=order.order_number, money=Safe(money)),
        Keyboard.of(
            [Button(p("cancel.yes"), f"ocy:{order.id}"), Button(p("cancel.no"), f"ocn:{order.id}")]
        ),
    )


@router.button("ok")
async def ask_cancel_request(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is None:
        return
    if order.status not in CANCEL_ON_REQUEST:
        ctx.reply(ctx.t(f"cancel.refused.{order.status.value}", number=order.order_number))
        return
    p = ctx.catalog.plain
    ctx.reply(
        ctx.t("cancel_request.ask", number=order.order_number),
        Keyboard.of(
            [
                Button(p("cancel_request.send"), f"oky:{order.id}"),
                Button(p("cancel_request.keep"), f"ocn:{order.id}"),
            ]
        ),
    )


@router.button("oky")
async def send_cancel_request(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is None:
        return
    try:
        outcome = await ctx.services.cancellations.request(ctx.user.id, order.id)
    except AlreadyRequested:
        ctx.edit_or_reply(ctx.t("cancel_request.already", number=order.order_number))
        return
    except InvalidTransition:
        fresh = await ctx.services.orders.order(ctx.user.id, order.id)
        ctx.edit_or_reply(ctx.t(f"cancel.refused.{fresh.status.value}", number=fresh.order_number))
        return
    if outcome.status == "approved":
        amount = format_money(outcome.refunded, outcome.currency)
        ctx.edit_or_reply(
            ctx.t("cancel_request.auto_approved", number=order.order_number, amount=amount)
        )
    else:
        ctx.edit_or_reply(ctx.t("cancel_request.sent", number=order.order_number))


@router.button("ocn")
async def keep_order(ctx: Context) -> None:
    ctx.edit_or_reply(ctx.t("cancel.kept"))


@router.button("ocy")
async def confirm_cancel(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is None:
        return
    try:
        result = await ctx.services.orders.cancel(ctx.user.id, order.id)
    except InvalidTransition:
        # It moved on (shipped, or cancelled by a double tap) since the question.
        fresh = await ctx.services.orders.order(ctx.user.id, order.id)
        if fresh.status == OrderStatus.CANCELLED:  # a second tap: keep the first answer
            ctx.answer(ctx.catalog.plain("cancel.already", number=fresh.order_number))
            return
        ctx.edit_or_reply(ctx.t(f"cancel.refused.{fresh.status.value}", number=fresh.order_number))
        return
    if result.refund_amount > 0:
        text = ctx.t(
            "cancel.done_paid",
            number=order.order_number,
            total=format_money(result.refund_amount, order.currency),
        )
    else:
        text = ctx.t("cancel.done_unpaid", number=order.order_number)
    ctx.edit_or_reply(text)
