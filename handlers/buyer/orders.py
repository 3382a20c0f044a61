"""/orders, the order card, refresh, and cancelling an order that hasn't shipped."""

from __future__ import annotations

import contextlib
from datetime import datetime

from bot.domain.enums import ClaimStatus, OrderStatus
from bot.domain.errors import InvalidTransition, OrderNotFound
from bot.domain.marketplace import MarketplaceOwned, buyer_acts_here, display_name
from bot.domain.money import format_money
from bot.domain.policy import CANCEL_AT_ONCE, CANCEL_ON_REQUEST, ON_ITS_WAY
from bot.services.cancellations import AlreadyRequested, NothingToWithdraw
from bot.services.intents import cancels_part, points_back
from bot.services.views import OrderView
from bot.understanding import order_pick
from bot.understanding.cancelling import (
    asks_about_the_money,
    asks_if_still_possible,
    cancel_answer,
    cancels_it,
    changes_instead,
    keeps_the_order,
    names_cancelling_or_the_order,
)
from bot.understanding.items import mentioned_items
from bot.understanding.slots import named_order_number
from bot.understanding.steps import a_question_to_keep, not_yet, position
from handlers import escapes
from handlers.buyer.views import (
    LISTED,
    PICKABLE,
    card_fingerprint,
    card_just_shown,
    orders_list,
    render_card,
    show_card,
    which_order_keyboard,
)
from handlers.buyer.why import refused
from handlers.catalog import Safe
from handlers.core import Context, Router, button_args, int_arg
from handlers.types import Button, Keyboard

router = Router()

# The cancel question, while it waits for its answer: typed answers are read by
# `bot.understanding.cancelling.cancel_answer` (the shared yes/no reader, so "sí",
# "yes, cancel my order" and "👍" count as at every other confirmation).  There
# "cancel" and "cancel it" answer yes, in the question's own words: they reach the step
# before the escapes would read them as "leave"; "stop" still leaves, keeping the order.
CANCEL = "order.cancel"
# In the draft outside any flow: "Which order would you like to cancel?" was just asked.
CANCEL_PICK = "cancel_pick"
router.step_words[CANCEL] = cancels_it


# In the draft outside any flow: the orders a list just showed, as buttons ("2", "the
# first one" typed next means that button), and what its buttons do (`views.LISTED`).
OPEN, CANCEL_IT, RETURN_IT = "open", "cancel", "return"


def listed(ctx: Context, does: str, order_ids: list[int]) -> None:
    """Remember the orders a list shows, in its order, until the next message."""
    if ctx.state.step is None:
        ctx.state.data[LISTED] = {"does": does, "ids": order_ids}


def points_into_list(ctx: Context, text: str) -> bool:
    """Whether the text is a place in the list of orders just shown ("1", "the first
    one"): an answer to the bot's list, even with a ticket open (not words for staff)."""
    shown = ctx.state.data.get(LISTED)
    if ctx.state.step is not None or not isinstance(shown, dict):
        return False
    return position(text, len(shown.get("ids", []))) is not None


def named_among(ctx: Context, text: str, orders: list[OrderView]) -> list[OrderView]:
    """The one of `orders` the words tell apart ("the stuck one", "the mug one"), as a
    list of one; else all of them."""
    now = ctx.services.clock.now()
    at = order_pick.named(text, [_as_listed(order, now) for order in orders])
    return [orders[at]] if at is not None else orders


def which_fit(ctx: Context, text: str, orders: list[OrderView]) -> list[OrderView] | None:
    """For "which of my orders haven't shipped yet", those of `orders` that fit (maybe
    none); None for any other message (`order_pick.which_fit`)."""
    now = ctx.services.clock.now()
    found = order_pick.which_fit(text, [_as_listed(order, now) for order in orders])
    return None if found is None else [orders[i] for i in found]


async def picked_from_list(ctx: Context, text: str) -> bool:
    """ "2", "the first one", "last", and "the late one", "the candle one", "the one
    ending 011" (`order_pick`), typed right after a list of orders: what that order's
    button does (its card, the question to cancel it, or its return), as if tapped.
    Found in the demo: "the late one" under "Which order do you mean?" was told what
    the bot can do.  The list counts for the next message only; anything else is read
    as usual."""
    shown = ctx.state.data.pop(LISTED, None)
    if ctx.state.step is not None or not isinstance(shown, dict):
        return False
    ids = [i for i in shown.get("ids", []) if isinstance(i, int)]
    # In one read, in the list's order; an order unlinked since is no choice now.
    linked = {order.id: order for order in await ctx.services.orders.all_linked(ctx.user.id)}
    orders = [linked[order_id] for order_id in ids if order_id in linked]
    now = ctx.services.clock.now()
    at = order_pick.pick(text, [_as_listed(order, now) for order in orders])
    if at is None:
        return False
    order = orders[at]
    does = shown.get("does")
    wanted = order_pick.asked_to(text)
    if does == OPEN and wanted == "return":  # "return the mug one": with what was said
        from handlers.buyer.returns import start  # it imports this module

        await start(ctx, order.id, said=text)
        return True
    if does == OPEN and wanted == "cancel":  # "cancel the one that hasn't shipped"
        does = CANCEL_IT
    if does == CANCEL_IT:
        ctx.state.data.pop(CANCEL_PICK, None)
        await _offer_cancel(ctx, order)
    elif does == RETURN_IT:
        from handlers.buyer.returns import start_picked  # it imports this module

        await start_picked(ctx, order.id)
    else:
        show_card(ctx, order)
    return True


def _as_listed(order: OrderView, now: datetime) -> order_pick.Listed:
    eta = order.estimated_delivery
    late = order.status in ON_ITS_WAY and eta is not None and now > eta
    stuck = order.status in ON_ITS_WAY and order.gone_quiet(now)
    return order_pick.Listed(
        order.order_number, order.status, late, tuple(item.name for item in order.items), stuck
    )


@router.command("orders")
async def orders_command(ctx: Context) -> None:
    await show_list(ctx, 1)


@router.button("ol")
async def orders_page(ctx: Context) -> None:
    page = int_arg(ctx.inbound.button or "")
    if page is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await show_list(ctx, page)


async def show_list(ctx: Context, page: int = 1) -> None:
    """/orders: the buyer's orders, a page of buttons; also "show my orders" typed."""
    result = await ctx.services.orders.orders(ctx.user.id, page)
    if result.total == 0:
        ctx.reply(ctx.t("orders.none"))
        return
    text, keyboard = orders_list(ctx.catalog, result)
    listed(ctx, OPEN, [o.id for o in result.orders])
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
        show_card(ctx, order)


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
    if order is not None:
        await _offer_cancel(ctx, order)


async def _offer_cancel(ctx: Context, order: OrderView) -> None:
    """The cancel question that fits the order now, or why it can't be cancelled."""
    if cancel_elsewhere(ctx, order):
        return
    if order.status not in CANCEL_AT_ONCE | CANCEL_ON_REQUEST:
        ctx.reply(ctx.t(f"cancel.refused.{order.status.value}", number=order.order_number))
        return
    # A card from before the order moved on: ask the question that fits it now (the
    # seller's agreement) instead of pointing at a button this card doesn't have.
    await ask_to_cancel(ctx, order)


async def cancel_outside_flow(ctx: Context) -> None:
    """ "cancel", "plz cancel", "can i cancel this" typed outside any flow (there is no
    flow to leave, so the buyer means an order), and "cancel my order" naming none.
    The one order that can still be cancelled gets the cancel question; with several
    the buyer picks one of those; with none, why not."""
    orders = await ctx.services.orders.all_linked(ctx.user.id)
    cancellable = [o for o in orders if o.status in CANCEL_AT_ONCE | CANCEL_ON_REQUEST]
    # "cancel it" right under a card of an order that can be: that one.
    shown = card_just_shown(ctx) if points_back(ctx.inbound.text or "") else None
    cancellable = [o for o in cancellable if o.id == shown] or cancellable
    if len(cancellable) == 1:
        await ask_to_cancel(ctx, cancellable[0])
    elif cancellable:
        # Remembered until the next message: "no", "keep it" typed under the pick
        # answers it (`kept_under_pick`), instead of reaching the intent model.
        ctx.state.go(None, **{CANCEL_PICK: True})
        listed(ctx, CANCEL_IT, [o.id for o in cancellable[:PICKABLE]])
        ctx.reply(
            ctx.t("answers.which_order.cancel_order"),
            which_order_keyboard(ctx.catalog, cancellable, "oc"),
        )
    elif len(orders) == 1:
        await refuse_cancel(ctx, orders[0])
    elif orders:
        ctx.reply(ctx.t("cancel.none_cancellable"))
    else:
        ctx.reply(ctx.t("common.nothing_to_cancel"))


def kept_under_pick(ctx: Context, text: str) -> bool:
    """ "no", "keep it", "keep the order" typed right after "Which order would you
    like to cancel?": nothing is cancelled (said so); True when that was the answer.
    Read before the intent model, which takes "keep the order" for a change to it."""
    if ctx.state.step is not None or not ctx.state.data.pop(CANCEL_PICK, None):
        return False  # (the pick is answered by the next message, whatever it is)
    if cancel_answer(text) is not False:
        return False
    ctx.state.clear()
    ctx.reply(ctx.t("cancel.kept_all"))
    return True


# The reason behind a cancel refused, for a "why?" typed next (`handlers.buyer.why`).
_WHY_NO_CANCEL = {
    OrderStatus.AWAITING_SHIPMENT: "prepared",
    OrderStatus.AWAITING_COLLECTION: "shipped",
    OrderStatus.PARTIALLY_SHIPPING: "shipped",
    OrderStatus.IN_TRANSIT: "shipped",
    OrderStatus.DELIVERED: "delivered",
}


async def refuse_cancel(ctx: Context, order: OrderView) -> None:
    """Why this order can't be cancelled (the caller checked it can't).  A delivered
    order is returned instead, unless a return or refund request for it exists
    already: then that request is where things stand (never "ask for a return" twice)."""
    if order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        claims = await ctx.services.returns.claims(ctx.user.id)
        filed = [c for c in claims if c.order_id == order.id and c.status != ClaimStatus.CANCELLED]
        if filed:
            ctx.reply(
                ctx.t(
                    "cancel.refused_with_request", number=order.order_number, claim=filed[0].number
                )
            )
            return
    key = f"cancel.refused.{order.status.value}"
    if ctx.catalog.has(key):
        ctx.reply(ctx.t(key, number=order.order_number))
        if (why := _WHY_NO_CANCEL.get(order.status)) is not None:
            refused(ctx, why, number=order.order_number)
    else:  # a status with no sentence of its own: the card says where the order is
        show_card(ctx, order)


def cancel_elsewhere(ctx: Context, order: OrderView) -> bool:
    """For a marketplace order, say where it is cancelled (its app) and return True."""
    if order.marketplace is None or buyer_acts_here(order.marketplace):
        return False
    name = display_name(order.marketplace)
    ctx.reply(ctx.t("marketplace_buyer.cancel_there", number=order.order_number, marketplace=name))
    refused(ctx, "marketplace", number=order.order_number, marketplace=name)
    return True


async def ask_to_cancel(ctx: Context, order: OrderView) -> None:
    """The cancel question for an order that can be cancelled at once or on request
    (the caller checked which): what the Cancel button and a typed "cancel 5780…" ask.
    An order whose cancellation request already waits for the seller gets that said,
    not the question again."""
    if cancel_elsewhere(ctx, order):
        return
    if order.status in CANCEL_AT_ONCE:
        ctx.state.go(CANCEL, order_id=order.id, order_number=order.order_number, ask="now")
        _ask_cancel(ctx, order)
    elif await ctx.services.cancellations.waiting(ctx.user.id, order.id):
        ctx.reply(ctx.t("cancel_request.already", number=order.order_number))
    else:
        ctx.state.go(CANCEL, order_id=order.id, order_number=order.order_number, ask="request")
        _ask_cancel_request(ctx, order)


def _ask_cancel(ctx: Context, order: OrderView) -> None:
    money = (
        ctx.t(
            "cancel.confirm_paid",
            total=format_money(order.total_paid, order.currency, ctx.catalog.language),
        )
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
    if order is None or cancel_elsewhere(ctx, order):
        return
    if order.status not in CANCEL_ON_REQUEST:
        ctx.reply(ctx.t(f"cancel.refused.{order.status.value}", number=order.order_number))
        return
    await ask_to_cancel(ctx, order)


@router.button("kw")
async def withdraw_cancel_request(ctx: Context) -> None:
    """ "Keep my order" on the card of an order whose cancellation request waits for
    the seller: the request is taken back, and the card shows the order as it is."""
    order = await _order_or_refuse(ctx)
    if order is None or cancel_elsewhere(ctx, order):
        return
    if await _withdraw(ctx, order):
        fresh = await ctx.services.orders.order(ctx.user.id, order.id)
        ctx.edit_or_reply(*_render(ctx, fresh))


async def _withdraw(ctx: Context, order: OrderView) -> bool:
    """Take back the order's cancellation request and say so; when none waits any
    more (the seller answered meanwhile), say that and show where the order is."""
    try:
        await ctx.services.cancellations.withdraw(ctx.user.id, order.id)
    except (NothingToWithdraw, OrderNotFound):
        ctx.reply(ctx.t("cancel_request.nothing_to_withdraw", number=order.order_number))
        with contextlib.suppress(OrderNotFound):  # unlinked meanwhile: nothing to show
            show_card(ctx, await ctx.services.orders.order(ctx.user.id, order.id))
        return False
    ctx.reply(ctx.t("cancel_request.withdrawn", number=order.order_number))
    return True


async def keep_typed(ctx: Context, text: str) -> bool:
    """ "never mind, don't cancel", "i want to keep my order", "ya no quiero cancelarlo"
    typed outside any flow (the model heard "cancel" and asked to cancel).  The one
    cancellation request waiting for the seller (the order named or on screen first) is
    withdrawn; several: which one; none: nothing is cancelled, said so.  False when the
    words are not that."""
    if not keeps_the_order(text):
        return False
    orders = await ctx.services.orders.all_linked(ctx.user.id)
    if not orders:
        return False  # no order to keep: what was meant is asked as usual
    asked = [o for o in orders if o.cancel_asked and buyer_acts_here(o.marketplace)]
    if not asked and not names_cancelling_or_the_order(text):
        return False  # "i want to keep it" after filing a return: the item, not this
    ctx.state.clear()
    number, shown = named_order_number(text), card_just_shown(ctx)
    asked = [o for o in asked if o.order_number == number or o.id == shown] or asked
    if len(asked) == 1:
        await _withdraw(ctx, asked[0])
    elif asked:
        ctx.reply(
            ctx.t("cancel_request.which_withdraw"), which_order_keyboard(ctx.catalog, asked, "kw")
        )
    else:
        ctx.reply(ctx.t("cancel.kept" if len(orders) == 1 else "cancel.kept_all"))
    return True


def _ask_cancel_request(ctx: Context, order: OrderView) -> None:
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


def _leave_question(ctx: Context) -> list[str]:
    """The cancel question is answered (a tap or typed): typed text is no longer its
    answer.  The questions asked meanwhile, to answer after what the answer did."""
    if ctx.state.step != CANCEL:
        return []
    questions = escapes.kept_questions(ctx.state.data)
    ctx.state.clear()
    return questions


async def _asked_order(ctx: Context) -> OrderView | None:
    """The order the pending cancel question is about, if the buyer still has it."""
    try:
        return await ctx.services.orders.order(ctx.user.id, int(ctx.state.data["order_id"]))
    except (OrderNotFound, KeyError, ValueError):
        return None


@router.prompt(CANCEL)
async def cancel_prompt(ctx: Context) -> None:
    order = await _asked_order(ctx)
    if order is None:
        ctx.state.clear()
        ctx.reply(ctx.t("orders.gone"))
        return
    if ctx.state.data.get("ask") == "request":
        _ask_cancel_request(ctx, order)
    else:
        _ask_cancel(ctx, order)


@router.step(CANCEL)
async def cancel_typed(ctx: Context) -> None:
    """ "yes" or "no" typed to the cancel question: the same as its buttons."""
    text = ctx.inbound.text or ""
    answer = cancel_answer(text)
    if answer is None and not_yet(text):
        # "hmm let me think about it": nothing is cancelled, the question stays (it got
        # "tap one of the buttons", and the question again)
        ctx.reply(ctx.t("cancel.not_yet"))
        return
    if (
        answer is None
        and (order := await _asked_order(ctx))
        and (changes_instead(text) or _names_a_part(text, order))
    ):
        # "can I change the address instead?": the order stays; a person makes changes.
        # So is "only the pillow cover", "just one of them": part of the order, which a
        # person takes out (found in the demo: "tap one of the buttons").
        from handlers.buyer.answers import change  # answers imports this module

        ctx.reply(ctx.t("cancel.kept"))
        await change(ctx, order, text)
        return
    if answer is None and asks_about_the_money(text) and (order := await _asked_order(ctx)):
        # "will I get all my money back?": what decides the answer, from the order
        ctx.reply(_money_if_cancelled(ctx, order))
        await cancel_prompt(ctx)
        return
    if asks_if_still_possible(text) and (order := await _asked_order(ctx)):
        # "is it too late to cancel?": it is not, or the question would not be asked
        # ("¿todavía puedo cancelar?" was read as a no, and the order kept).
        ctx.reply(ctx.t("cancel.still_possible", number=order.order_number))
        await cancel_prompt(ctx)
        return
    if answer is None and a_question_to_keep(text):
        # Any other question ("how long does shipping take?"): answered once the
        # cancel question is, as at a return's steps.
        await escapes.keep_question(ctx, text)
        return
    if answer is None:
        await escapes.not_understood(ctx)
        return
    order = await _asked_order(ctx)
    ask = ctx.state.data.get("ask")
    questions = _leave_question(ctx)
    if order is None:
        ctx.reply(ctx.t("orders.gone"))
    elif not answer:
        ctx.reply(ctx.t("cancel.kept"))
    elif ask == "request":
        await _send_cancel_request(ctx, order)
    else:
        await _cancel(ctx, order)
    await escapes.answer_kept(ctx, questions)


def _names_a_part(text: str, order: OrderView) -> bool:
    """At the cancel question, the answer names part of the order: "only the pillow
    cover", "just one of them", or some of its items by name ("the blanket")."""
    if cancels_part(text):
        return True
    names = [item.name for item in order.items]
    return 0 < len(mentioned_items(text, names)) < len(names)


def _money_if_cancelled(ctx: Context, order: OrderView) -> str:
    """What happens to the payment if the order is cancelled (by the seller's
    agreement, for a request)."""
    if order.paid_at is None or order.total_paid <= 0:
        return ctx.t("cancel.money_unpaid")
    total = format_money(order.total_paid, order.currency, ctx.catalog.language)
    agreed = ctx.state.data.get("ask") == "request"
    return ctx.t("cancel.money_if_agreed" if agreed else "cancel.money_paid", total=total)


@router.button("oky")
async def send_cancel_request(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is None:
        return
    questions = _leave_question(ctx)
    await _send_cancel_request(ctx, order)
    await escapes.answer_kept(ctx, questions)


async def _send_cancel_request(ctx: Context, order: OrderView) -> None:
    try:
        outcome = await ctx.services.cancellations.request(ctx.user.id, order.id)
    except AlreadyRequested:
        ctx.edit_or_reply(ctx.t("cancel_request.already", number=order.order_number))
        return
    except MarketplaceOwned:
        cancel_elsewhere(ctx, order)
        return
    except InvalidTransition:
        fresh = await ctx.services.orders.order(ctx.user.id, order.id)
        ctx.edit_or_reply(ctx.t(f"cancel.refused.{fresh.status.value}", number=fresh.order_number))
        return
    if outcome.status == "approved":
        amount = format_money(outcome.refunded, outcome.currency, ctx.catalog.language)
        ctx.edit_or_reply(
            ctx.t("cancel_request.auto_approved", number=order.order_number, amount=amount)
        )
    else:
        ctx.edit_or_reply(ctx.t("cancel_request.sent", number=order.order_number))


@router.button("ocn")
async def keep_order(ctx: Context) -> None:
    questions = _leave_question(ctx)
    ctx.edit_or_reply(ctx.t("cancel.kept"))
    await escapes.answer_kept(ctx, questions)


@router.button("ocy")
async def confirm_cancel(ctx: Context) -> None:
    order = await _order_or_refuse(ctx)
    if order is None:
        return
    questions = _leave_question(ctx)
    await _cancel(ctx, order)
    await escapes.answer_kept(ctx, questions)


async def _cancel(ctx: Context, order: OrderView) -> None:
    try:
        result = await ctx.services.orders.cancel(ctx.user.id, order.id)
    except MarketplaceOwned:
        cancel_elsewhere(ctx, order)
        return
    except InvalidTransition:
        # It moved on (shipped, or cancelled by a double tap) since the question.
        fresh = await ctx.services.orders.order(ctx.user.id, order.id)
        if fresh.status == OrderStatus.CANCELLED and ctx.inbound.button is not None:
            # A second tap: keep the first answer on screen.
            ctx.answer(ctx.catalog.plain("cancel.already", number=fresh.order_number))
            return
        if fresh.status == OrderStatus.CANCELLED:
            ctx.reply(ctx.t("cancel.already", number=fresh.order_number))
            return
        ctx.edit_or_reply(ctx.t(f"cancel.refused.{fresh.status.value}", number=fresh.order_number))
        return
    if result.refund_amount > 0:
        text = ctx.t(
            "cancel.done_paid",
            number=order.order_number,
            total=format_money(result.refund_amount, order.currency, ctx.catalog.language),
        )
    else:
        text = ctx.t("cancel.done_unpaid", number=order.order_number)
    ctx.edit_or_reply(text)
