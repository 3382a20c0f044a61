"""Cancellation requests (seller side) and goodwill refunds (/refund).

Both move money, so both take a confirming tap (handlers.confirm): the seller sees the
amount, the order, who gets it and what stays refundable, and nothing is paid until
they confirm.  The same goodwill refund (order and amount) again within a few minutes
is asked about as such ("you already refunded … at 14:05. Refund again?")."""

from __future__ import annotations

import shlex
from decimal import Decimal

from bot.domain.errors import AmountChanged, InvalidTransition, NotAllowed
from bot.domain.marketplace import MarketplaceOwned
from bot.domain.money import format_money, take_amount
from bot.services.cancellations import (
    CancelOutcome,
    DuplicateGoodwill,
    EarlierRefund,
    GoodwillRefused,
    RequestDecided,
)
from bot.services.outbox import Notification
from bot.understanding.seller_steps import CancelWords, plain_number
from bot.understanding.slots import extract
from handlers import confirm, escapes
from handlers.amounts import amount_problem
from handlers.core import Context, Router, int_arg
from handlers.fit import Field, fit, line
from handlers.formatting import format_when
from handlers.seller.marketplace import cancellation_typed
from handlers.types import EditText

router = Router()

# `/refund` without all of ORDER AMOUNT REASON: the seller may type them next, in one
# message ("578… 5.00 late delivery"; the order number is kept if the command had it).
REFUND = "seller.refund"


async def _refused(ctx: Context, exc: Exception) -> bool:
    """Answer a refused decision with a popup; False if `exc` is not a refusal."""
    if isinstance(exc, NotAllowed):
        ctx.answer(ctx.catalog.plain("seller.only_sellers"), alert=True)
    elif isinstance(exc, RequestDecided):
        key = "cancel_request.withdrawn_seller" if exc.withdrawn else "cancel_request.decided"
        ctx.answer(ctx.catalog.plain(key), alert=True)
    elif isinstance(exc, MarketplaceOwned):  # filed on a marketplace: its own buttons
        ctx.answer(ctx.catalog.plain("marketplace_claims.cancel_decided_there"), alert=True)
    elif isinstance(exc, InvalidTransition):  # it shipped meanwhile: only Reject is left
        ctx.answer(ctx.catalog.plain("cancel_request.shipped"), alert=True)
    else:
        return False
    return True


def _result(ctx: Context, outcome: CancelOutcome, approve: bool, message_id: int | None) -> None:
    """The request message becomes the answer (its buttons go with it)."""
    amount = format_money(outcome.refunded, outcome.currency, ctx.catalog.language)
    key = "cancel_request.approved_seller" if approve else "cancel_request.rejected_seller"
    text = ctx.t(key, number=outcome.order_number, amount=amount)
    if message_id is not None:
        ctx.add(EditText(ctx.chat_id, message_id, text))
    else:
        ctx.reply(text)


async def _offer_cancel(ctx: Context, request_id: int, origin: int | None) -> None:
    """Approve: a dry run first; if it refunds anything, ask; else cancel at once."""
    cancellations = ctx.services.cancellations
    try:
        preview = await cancellations.decide(ctx.user.id, request_id, approve=True, dry_run=True)
        if preview.refunded > 0:
            prompt = ctx.t(
                "confirm.cancel_order",
                number=preview.order_number,
                amount=format_money(preview.refunded, preview.currency, ctx.catalog.language),
                buyer=confirm.who_gets_it(ctx.catalog, preview.buyer_name),
                remaining=format_money(
                    preview.remaining or Decimal(0), preview.currency, ctx.catalog.language
                ),
            )
            confirm.ask(
                ctx,
                "cancel",
                amount=preview.refunded,
                currency=preview.currency,
                prompt=prompt,
                params={"request_id": request_id},
                origin=origin,
            )
            return
        outcome = await cancellations.decide(
            ctx.user.id, request_id, approve=True, expect=Decimal(0)
        )
    except AmountChanged:
        await _offer_cancel(ctx, request_id, origin)
        return
    except (NotAllowed, RequestDecided, InvalidTransition) as exc:
        await _refused(ctx, exc)
        return
    _result(ctx, outcome, True, origin)


async def show_waiting(ctx: Context, said: CancelWords, *, quiet: bool = False) -> bool:
    """The cancellation requests waiting for this seller, each again as the message
    its push was (its Approve and Reject buttons), for words about them typed
    ("cancellations", "approve the cancellation for 5761…").  With one request waiting,
    a decision typed is taken, asked about first: an approval is its Approve button,
    which asks before money moves; for a marketplace's request, a rejection goes to
    the marketplace's reasons (the one the words name, asked about).  A rejection of
    the shop's own request is tapped under it, as on the push; with several waiting,
    the seller taps under the one meant.
    With `quiet`, no request waiting returns False (the words were only maybe about
    one: "approve")."""
    waiting = await ctx.services.cancellations.waiting_for_seller(ctx.user.id, said.order_number)
    if not waiting:
        if quiet:
            return False
        if said.order_number is not None:
            ctx.reply(ctx.t("cancel_request.none_for", number=said.order_number))
        else:
            ctx.reply(ctx.t("cancel_request.none_waiting"))
        return True
    if said.decision == "approve" and len(waiting) == 1 and waiting[0].marketplace is None:
        # "ok approve that one" with one request waiting: what its Approve button does,
        # the refund asked about before it is paid ("yes" or a tap confirms).  Shown
        # the request again with "tap Approve under it", the seller typed "yes" and
        # was told "I can't do anything with that here".
        await _offer_cancel(ctx, waiting[0].request_id, None)
        return True
    if said.decision is not None and len(waiting) == 1 and waiting[0].marketplace is not None:
        # "approve it", "no, it's already packed" with one marketplace request waiting:
        # asked about (the reason named, or the marketplace's list) before it is sent.
        await cancellation_typed(ctx, waiting[0].request_id, said.decision, ctx.inbound.text or "")
        return True
    if said.decision is not None:
        button = ctx.catalog.plain(f"cancel_request.{said.decision}")
        ctx.reply(ctx.t("cancel_request.tap_under", count=len(waiting), button=button))
    else:
        ctx.reply(ctx.t("cancel_request.waiting", count=len(waiting)))
    # Imported here: the notification renderers import the buyer's handlers, which
    # import these (the seller's invite link starts in the buyer's /start).
    from handlers.notifications import render

    for notice in waiting:
        ctx.add(*render(Notification(ctx.chat_id, notice), ctx.catalog))
    return True


@router.button("ka")
async def approve(ctx: Context) -> None:
    request_id = int_arg(ctx.inbound.button or "")
    if request_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await _offer_cancel(ctx, request_id, ctx.inbound.message_id)


@confirm.executor("cancel")
async def cancel_confirmed(ctx: Context, pending: confirm.Pending) -> None:
    request_id = int(pending.params["request_id"])
    try:
        outcome = await ctx.services.cancellations.decide(
            ctx.user.id, request_id, approve=True, expect=pending.amount
        )
    except AmountChanged:
        ctx.reply(ctx.t("confirm.changed"))
        await _offer_cancel(ctx, request_id, pending.origin)
        return
    except (NotAllowed, RequestDecided, InvalidTransition) as exc:
        await _refused(ctx, exc)
        return
    _result(ctx, outcome, True, pending.origin)


@router.button("kr")
async def reject(ctx: Context) -> None:
    request_id = int_arg(ctx.inbound.button or "")
    if request_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    try:
        outcome = await ctx.services.cancellations.decide(ctx.user.id, request_id, approve=False)
    except (NotAllowed, RequestDecided, InvalidTransition) as exc:
        await _refused(ctx, exc)
        return
    _result(ctx, outcome, False, ctx.inbound.message_id)


# -------------------------------------------------------------------- /refund


def _goodwill_prompt(
    ctx: Context, outcome: CancelOutcome, reason: str, earlier: EarlierRefund | None
) -> str:
    params = {
        "number": outcome.order_number,
        "amount": format_money(outcome.refunded, outcome.currency, ctx.catalog.language),
        "buyer": confirm.who_gets_it(ctx.catalog, outcome.buyer_name),
        "reason": reason,
        "remaining": format_money(
            outcome.remaining or Decimal(0), outcome.currency, ctx.catalog.language
        ),
    }
    if earlier is None:
        return ctx.t("confirm.goodwill", **params)
    at = format_when(earlier.at, outcome.timezone, show_zone=True, language=ctx.catalog.language)
    return ctx.t("confirm.goodwill_again", time=at, **params)


def _goodwill_refused(ctx: Context, exc: GoodwillRefused, number: str) -> None:
    if exc.problem is not None:  # not written as an amount: say the format
        ctx.reply(amount_problem(ctx.catalog, exc.problem))
        return
    remaining = (
        format_money(exc.remaining, exc.currency, ctx.catalog.language)
        if exc.remaining is not None
        else ""
    )
    # The number is as typed: it may be anything, of any length.
    key = f"goodwill.{exc.reason}"
    ctx.reply(fit(line(ctx.catalog, key, number=Field(number), remaining=remaining)))


async def _offer_goodwill(ctx: Context, number: str, amount_text: str, reason: str) -> None:
    """A dry run of the refund (every check), then the question; a pending action of
    its own names the refund, so confirming it twice pays once."""
    try:
        preview = await ctx.services.cancellations.goodwill_refund(
            ctx.user.id, number, amount_text, reason, request_key="preview", dry_run=True
        )
    except NotAllowed:
        ctx.reply(ctx.t("seller.only_sellers"))
        return
    except MarketplaceOwned:  # a marketplace's order: the marketplace pays refunds
        ctx.reply(ctx.t("marketplace_claims.goodwill_refused", number=number))
        return
    except GoodwillRefused as exc:
        _goodwill_refused(ctx, exc, number)
        return
    earlier = preview.earlier
    confirm.ask(
        ctx,
        "goodwill",
        amount=preview.refunded,
        currency=preview.currency,
        prompt=_goodwill_prompt(ctx, preview, reason.strip(), earlier),
        params={
            "number": number,
            "reason": reason,
            "acknowledged": earlier.refund_id if earlier else None,
        },
    )


@router.command("refund")
async def goodwill(ctx: Context) -> None:
    try:
        words = shlex.split(ctx.inbound.args)
    except ValueError:
        words = []
    # "/refund ORDER sorry": one word after the order and no digit in it is a reason
    # without its amount, not an amount without its reason: asked like a bare order.
    no_amount = len(words) == 2 and not any(c.isdigit() for c in words[1])
    if len(words) < 2 or no_amount:
        # The usage is for sellers; anyone else hears the command is not theirs.
        if await ctx.services.sellers.shops_of(ctx.user.id):
            number = words[0] if words and extract(words[0]).order_number else None
            ctx.state.go(REFUND, **({"order_number": number} if number else {}))
            ctx.reply(ctx.t("goodwill.usage"))
            ctx.reply(ctx.t("seller_typing.refund_ask"))
        else:
            ctx.reply(ctx.t("seller.only_sellers"))
        return
    number = words[0]
    amount_text, rest = take_amount(words[1:])  # "5", "$5", "5 dollars", "USD 5"
    reason = " ".join(rest)
    await _offer_goodwill(ctx, number, amount_text, reason)


@router.prompt(REFUND)
async def goodwill_again(ctx: Context) -> None:
    ctx.reply(ctx.t("seller_typing.refund_ask"))


@router.step(REFUND, numbers=True)
async def goodwill_typed(ctx: Context) -> None:
    """ORDER AMOUNT REASON typed after a bare /refund, the way sellers write it:
    "578… $5 late delivery", "order 578… 5,50 box dented", or just "5 late" when the
    command named the order.  Text with no amount in it gets what the step expects; an
    order or amount the service refuses is said, and the seller can type again."""
    text = ctx.inbound.text or ""
    stored = ctx.state.data.get("order_number")
    number = extract(text).order_number
    if number is not None:
        text = text.replace(number, " ", 1)
    number = number or (str(stored) if stored else None)
    words = [w for w in text.split() if w.lower().strip("#:.,") not in _CUES]
    start = next((i for i, w in enumerate(words) if any(c.isdigit() for c in w)), None)
    asked = ctx.state.data.get(_AMOUNT)
    if number is not None and start is None and asked and words:
        # The reason, asked for after the amount came alone ("5", then "late delivery").
        await _offer_goodwill(ctx, number, str(asked), " ".join(words))
        return
    if number is None or start is None:
        await escapes.not_understood(ctx)
        return
    amount_text, rest = take_amount(words[start:])
    amount_text = " ".join(plain_number(w) or w for w in amount_text.split())
    reason = " ".join(words[:start] + rest).strip(" ,.;:-–—")  # ", it arrived late"
    if not reason:
        # "5" after "refund order 5761…": the reason is asked for, the sum kept (every
        # check runs once the reason comes, before the confirmation).
        ctx.state.data.update({"order_number": number, _AMOUNT: amount_text})
        ctx.reply(
            fit(
                line(
                    ctx.catalog,
                    "seller_typing.refund_why",
                    amount=Field(amount_text),
                    number=Field(number),
                )
            )
        )
        return
    await _offer_goodwill(ctx, number, amount_text, reason)


# The sum typed alone at the /refund step, kept while its reason is asked for.
_AMOUNT = "amount"


async def refund_asked_for(ctx: Context, number: str) -> None:
    """ "refund order 5761…" typed by a seller, with no sum: the /refund step, the
    order kept, asking for the amount and the reason (or taking them, if the words
    after the order hold a number: "refund 5761… 5 late").  An order that is not their
    shop's is said at once, as /refund says it."""
    if not await ctx.services.seller_claims.sells_order(ctx.user.id, number):
        ctx.reply(fit(line(ctx.catalog, "goodwill.not_found", number=Field(number))))
        return
    ctx.state.go(REFUND, order_number=number)
    rest = (ctx.inbound.text or "").replace(number, " ", 1)
    if any(c.isdigit() for c in rest):
        await goodwill_typed(ctx)
        return
    ctx.reply(ctx.t("seller_typing.refund_ask_for", number=number))


# Words around the order number and the amount that are not part of the reason.
_CUES = frozenset({"order", "order:", "no", "number", "refund", "amount", "#", "of", "on"})


@confirm.executor("goodwill")
async def goodwill_confirmed(ctx: Context, pending: confirm.Pending) -> None:
    number, reason = str(pending.params["number"]), str(pending.params["reason"])
    acknowledged = pending.params.get("acknowledged")
    try:
        outcome = await ctx.services.cancellations.goodwill_refund(
            ctx.user.id,
            number,
            str(pending.amount),
            reason,
            # One refund per pending action, whoever (or however often) confirms it.
            request_key=f"{ctx.inbound.channel}:{ctx.chat_id}:{pending.id}",
            acknowledged=int(acknowledged) if acknowledged is not None else None,
        )
    except NotAllowed:
        ctx.reply(ctx.t("seller.only_sellers"))
        return
    except MarketplaceOwned:  # a marketplace's order: the marketplace pays refunds
        ctx.reply(ctx.t("marketplace_claims.goodwill_refused", number=number))
        return
    except GoodwillRefused as exc:
        _goodwill_refused(ctx, exc, number)
        return
    except DuplicateGoodwill:
        # The same refund was just made (another tap, another seller): say so and ask.
        await _offer_goodwill(ctx, number, str(pending.amount), reason)
        return
    amount = format_money(outcome.refunded, outcome.currency, ctx.catalog.language)
    ctx.reply(ctx.t("goodwill.done", amount=amount, number=outcome.order_number))
