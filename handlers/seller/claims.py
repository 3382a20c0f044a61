"""The seller's claim queue, claim card and one-tap decisions.

Handlers only collect input; `SellerClaimService` checks, for every action, that this
chat user is a seller of the claim's shop, whatever the button data says.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from bot.domain.carriers import KNOWN_CARRIERS, TrackingNumberError
from bot.domain.enums import ActorKind, ClaimReason, ClaimStatus, ClaimType
from bot.domain.errors import AmountChanged, ClaimNotFound, InvalidTransition, NotAllowed
from bot.domain.marketplace import MarketplaceOwned, display_name
from bot.domain.money import format_money, minor_units
from bot.services.seller_claims import (
    MAX_NOTE,
    PARTIAL_REASONS,
    REJECT_REASONS,
    AlreadyDecided,
    BadAmount,
    Decision,
    SellerCard,
)
from bot.understanding import seller_steps
from bot.understanding import steps as read
from bot.understanding.seller_steps import CardFact
from handlers import confirm, escapes
from handlers.amounts import amount_problem, unreadable
from handlers.buyer.views import format_date
from handlers.catalog import Catalog, Safe
from handlers.claim_history import Entry, history_lines, note_text
from handlers.claim_labels import seller_money, type_label
from handlers.core import Context, Router, button_args, int_arg
from handlers.fit import Field, Piece, fit, line, lines
from handlers.formatting import duration, line_price
from handlers.seller.marketplace_buttons import marketplace_rows
from handlers.types import Button, Keyboard, PhotoRef, SendPhotos

router = Router()

# The seller's steps.  Every one takes typed text (and is registered with
# `numbers=True`: a long number a seller types there is a tracking number, an amount or
# part of a note, never a wish to switch to a buyer's order).  Text a step cannot use
# gets `escapes.not_understood`: the `steps.expects.<step>` line and the step's prompt.
REJECT_REASON, REJECT_NOTE, QUESTION, AMOUNT, REPLACE_CARRIER, REPLACEMENT = (
    "seller.reject_reason",
    "seller.reject_note",
    "seller.question",
    "seller.amount",
    "seller.replace_carrier",
    "seller.replacement",
)
# Why a partial refund pays less than was asked (the buyer reads it and may appeal).
PARTIAL_REASON = "seller.partial.reason"


def time_left(catalog: Catalog, deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return catalog.plain("seller_claims.no_deadline")
    if deadline <= now:
        return catalog.plain("seller_claims.overdue")
    return catalog.plain("seller_claims.left", left=duration(catalog, deadline - now))


def _item_lines(catalog: Catalog, card: SellerCard) -> list[Piece]:
    return [
        line(
            catalog,
            "card.item",
            quantity=q,
            name=Field(n),
            price=line_price(catalog, q, price, card.currency),
        )
        for n, q, price in card.items
    ]


def _money(catalog: Catalog, card: SellerCard) -> Safe:
    reason = ClaimReason(card.reason)
    return seller_money(
        catalog, card.type, reason, card.amount, card.currency, card.remaining_refundable
    )


def card_text(catalog: Catalog, card: SellerCard, now: datetime) -> str:
    """The card, within Telegram's limit however long the note, the questions and the
    answers of its history are (shortened before escaping, newest history kept)."""
    t, p = catalog.t, catalog.plain
    items = _item_lines(catalog, card)
    reused_count = sum(1 for _, reused in card.photos if reused)
    pieces: list[Piece] = [
        line(
            catalog,
            "seller_claims.card",
            claim=card.number,
            shop=Field(card.shop_name),
            number=card.order_number,
            buyer=Field(card.buyer_name or _no_chat_buyer(catalog, card.marketplace)),
            status=p(f"cards2.seller_status.{card.status.value}"),
            type=type_label(catalog, card.type, ClaimReason(card.reason)),
            reason=p(f"claim_reason.{card.reason}"),
            items=lines(items, catalog, "fit.more_items"),
            money=_money(catalog, card),
            note=Field(card.note or p("returns.no_note")),
            photos=len(card.photos),
            # The catalog trims a template's edge newlines: the line break goes here.
            reused=Safe(
                "\n" + t("seller_notify.reused") + f" ({reused_count})" if reused_count else ""
            ),
        )
    ]
    pieces += facts_lines(catalog, card)
    if card.marketplace is not None:  # its deadline and decisions are the marketplace's
        name = display_name(card.marketplace)
        pieces.append(t("marketplace_claims.card_marker", marketplace=name))
    if (due := deadline_line(catalog, card, now)) is not None:
        pieces.append(due)
    pieces += ["", t("seller_claims.history_title")]
    entries = [Entry(at, status, actor, note) for at, status, actor, note in card.history]
    history = history_lines(catalog, entries, "seller", zone=card.timezone, currency=card.currency)
    pieces.append(lines(history, catalog, "fit.more_earlier", keep="tail"))
    return fit(*pieces, notice=t("fit.notice_seller_card"))


def deadline_line(catalog: Catalog, card: SellerCard, now: datetime) -> str | None:
    """How long the seller has to answer, and by when (the marketplace's deadline for a
    marketplace's request); None with nothing due."""
    if not card.deadline:
        return None
    left = time_left(catalog, card.deadline, now)
    deadline = format_date(card.deadline, zone=card.timezone, language=catalog.language)
    if card.marketplace is not None:
        name = display_name(card.marketplace)
        return catalog.t(
            "marketplace_claims.time_left", marketplace=name, left=left, deadline=deadline
        )
    return catalog.t("seller_claims.time_left", left=left, deadline=deadline)


def facts_lines(catalog: Catalog, card: SellerCard) -> list[str]:
    """What the seller weighs a request by beyond the request itself: when the order
    was delivered, and the buyer's other requests in the shop (a first one, or their
    fifth)."""
    t = catalog.t
    facts: list[str] = []
    if card.delivered_at is not None:
        when = format_date(card.delivered_at, zone=card.timezone, language=catalog.language)
        facts.append(t("seller_claims.delivered", date=when))
    if card.record is not None:
        record = card.record
        facts.append(
            t("seller_claims.record", count=record.earlier, refunded=record.refunded)
            if record.earlier
            else t("seller_claims.record_none")
        )
    return facts


FINISHED = frozenset(
    {ClaimStatus.REFUNDED, ClaimStatus.REPLACED, ClaimStatus.CLOSED, ClaimStatus.CANCELLED}
)


def _no_chat_buyer(catalog: Catalog, marketplace: str | None) -> str:
    """Who the buyer is when nobody in the chat filed the claim."""
    if marketplace is None:
        return "—"
    return catalog.plain("marketplace_claims.buyer_there", marketplace=display_name(marketplace))


def card_keyboard(catalog: Catalog, card: SellerCard) -> Keyboard | None:
    p, cid = catalog.plain, card.claim_id
    rows: list[list[Button]] = []
    if card.marketplace is not None:
        # Only what the marketplace's API takes (bot.domain.marketplace).
        rows.extend(marketplace_rows(catalog, card))
    elif card.status == ClaimStatus.REQUESTED:
        rows.append(
            [
                Button(p("seller_claims.approve"), f"qa:{cid}"),
                Button(p("seller_claims.reject"), f"qr:{cid}"),
            ]
        )
        rows.append(
            [
                Button(p("seller_claims.ask"), f"qi:{cid}"),
                Button(p("seller_claims.partial"), f"qp:{cid}"),
            ]
        )
    elif card.status == ClaimStatus.BUYER_SHIPPED:
        rows.append(
            [
                Button(p("seller_claims.received"), f"qc:{cid}"),
                Button(p("seller_claims.partial"), f"qp:{cid}"),
            ]
        )
    elif card.status == ClaimStatus.APPROVED and card.type == ClaimType.REPLACEMENT:
        rows.append([Button(p("seller_claims.replaced"), f"qm:{cid}")])
    if card.photos:  # sent with the card once; again whenever the seller asks
        rows.append([Button(p("seller2.show_photos", count=len(card.photos)), f"qph:{cid}")])
    if card.status not in FINISHED:  # help on a live claim; finished ones stay as they are
        rows.append([Button(p("seller_claims.ask_support"), f"sh:{cid}")])
    return Keyboard.of(*rows) if rows else None


async def _refuse(ctx: Context, exc: Exception) -> None:
    """Turn a refused seller action into words; nothing was changed."""
    if isinstance(exc, (NotAllowed, ClaimNotFound)):
        key = "seller.only_sellers" if isinstance(exc, NotAllowed) else "claims.gone"
        ctx.state.clear()
        if ctx.inbound.callback_id:
            ctx.answer(ctx.catalog.plain(key), alert=True)
        else:  # typed in a step (e.g. removed as a seller meanwhile): no button to answer
            ctx.reply(ctx.t(key))
    elif isinstance(exc, MarketplaceOwned):  # an old button on a marketplace claim
        ctx.state.clear()
        ctx.reply(ctx.t("marketplace_claims.decided_there"))
    else:  # AlreadyDecided, InvalidTransition: show where the claim is now
        claim_id = ctx.state.data.get("claim_id") or int_arg(ctx.inbound.button or "")
        ctx.state.clear()
        if claim_id is None:
            return
        try:
            card = await ctx.services.seller_claims.card(ctx.user.id, int(claim_id))
        except (NotAllowed, ClaimNotFound):
            return
        status = ctx.catalog.plain(f"cards2.seller_status.{card.status.value}")
        ctx.reply(ctx.t("seller_claims.already", claim=card.number, status=status))


REFUSALS = (NotAllowed, ClaimNotFound, AlreadyDecided, InvalidTransition)


def _still(ctx: Context, card: SellerCard, *statuses: ClaimStatus) -> bool:
    """Whether the claim is still where a step's button expects it.  An old button (a
    reject reason, a carrier, Reject itself) pressed after the claim was decided would
    otherwise start the step again and only say "already decided" once the seller has
    typed a note or a tracking number; this says it at the tap and starts nothing."""
    if card.status in statuses:
        return True
    ctx.state.clear()
    if card.status is ClaimStatus.NEEDS_INFO:
        # Nothing is decided yet: the seller's own question waits for the buyer ("Already
        # decided: … is now 'You asked the buyer a question'" read as if it were).
        ctx.reply(ctx.t("seller_claims.waits_for_buyer", claim=card.number))
        return False
    status = ctx.catalog.plain(f"cards2.seller_status.{card.status.value}")
    ctx.reply(ctx.t("seller_claims.already", claim=card.number, status=status))
    return False


CLAIMS_LISTED = 30  # buttons in the /claims list (a typed "2" picks from these too)
# The conversation's data key for the claim whose card was shown last, outside a step:
# "approve" or "reject" typed next means that card's button (`decide_typed`).
SHOWN = "seller_card"


@router.command("claims")
async def queue(ctx: Context) -> None:
    """The open requests.  It ends a step the seller was at (a reject note, an amount,
    a confirmation; the core says it was stopped and nothing was sent): the list
    invites "2" for its second request, which the old step would have read as its
    own answer ("I didn't catch the reason" for another request)."""
    try:
        entries = await ctx.services.seller_claims.queue(ctx.user.id)
    except NotAllowed:
        ctx.reply(ctx.t("seller.only_sellers"))
        return
    if ctx.state.step is not None:
        ctx.state.clear()
    ctx.state.data.pop(SHOWN, None)  # the list names several: "approve" names none
    if not entries:
        ctx.reply(ctx.t("seller_claims.none"))
        return
    now, p = ctx.services.clock.now(), ctx.catalog.plain
    rows = [
        [
            Button(
                # A marketplace's claim is marked: decided there, by its deadline.
                ("🛍 " if e.marketplace else "")
                + p(
                    "seller_claims.button",
                    claim=e.number,
                    status=p(f"cards2.seller_status.{e.status.value}"),
                    left=time_left(ctx.catalog, e.deadline, now),
                ),
                f"q:{e.claim_id}",
            )
        ]
        for e in entries[:CLAIMS_LISTED]
    ]
    ctx.reply(ctx.t("seller_claims.title", count=len(entries)), Keyboard.of(*rows))


async def show_card(ctx: Context, claim_id: int) -> None:
    """The card; its photos only the first time this chat sees the claim (the new
    request's album counts), then through its Show photos button."""
    card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    if card.photos and await ctx.services.seller_claims.photos_first_time(
        ctx.user.id, claim_id, ctx.chat_id
    ):
        _send_photos(ctx, card)
    now = ctx.services.clock.now()
    ctx.reply(card_text(ctx.catalog, card, now), card_keyboard(ctx.catalog, card))
    if ctx.state.step is None:
        ctx.state.data[SHOWN] = claim_id


async def decide_typed(ctx: Context, claim_id: int, typed: seller_steps.CardDecision) -> None:
    """A decision typed right under the claim's card ("approve", "reject", "partial
    refund 12.50", "ask for info"): what the card's button does, with the same checks
    and the same confirmation before money moves.  A seller who just opened the card
    and typed "approve" was told to open it with /claims; the card is what they mean."""
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    if card.marketplace is not None:  # what its card's own buttons send there
        from handlers.seller.marketplace import decide_typed as decide_there

        await decide_there(ctx, claim_id, typed.decision)
        return
    if typed.decision == "approve":
        if _still(ctx, card, ClaimStatus.REQUESTED):
            await _offer(ctx, "approve", claim_id)
    elif typed.decision == "reject":
        if _still(ctx, card, ClaimStatus.REQUESTED):
            if typed.reason is None:
                _start_reject(ctx, card)
            else:  # "reject, photo looks fake": the reason said, the note still asked
                reason = ctx.catalog.plain(f"reject_reason.{typed.reason}")
                ctx.reply(ctx.t("seller_typing.reason_taken", reason=reason))
                _ask_note(ctx, card, typed.reason)
    elif typed.decision == "ask":
        if _still(ctx, card, ClaimStatus.REQUESTED):
            _start_question(ctx, card)
    elif _still(ctx, card, ClaimStatus.REQUESTED, ClaimStatus.BUYER_SHIPPED):
        ctx.state.go(AMOUNT, claim_id=claim_id)
        said = ctx.inbound.text or ""
        if typed.with_amount or seller_steps.share_of_the_request(said) is not None:
            # "refund 12.50", "give them half": the amount step reads the same text
            await partial_amount(ctx)
        else:
            _ask_amount(ctx, card)


def _send_photos(ctx: Context, card: SellerCard) -> None:
    ctx.add(SendPhotos(ctx.chat_id, tuple(PhotoRef(path=path) for path, _ in card.photos)))


@router.button("qph")
async def show_photos(ctx: Context) -> None:
    """The claim's photos again, on request (only for the claim's shop's sellers)."""
    if (card := await _card(ctx)) is None:
        return
    if card.photos:
        _send_photos(ctx, card)


def _claim_id(ctx: Context) -> int | None:
    claim_id = int_arg(ctx.inbound.button or "")
    if claim_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
    return claim_id


async def _card(ctx: Context) -> SellerCard | None:
    """The card of the claim a button names, if this seller may see it; otherwise the
    refusal is answered and None returned."""
    if (claim_id := _claim_id(ctx)) is None:
        return None
    try:
        return await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return None


@router.button("q")
async def open_card(ctx: Context) -> None:
    if (claim_id := _claim_id(ctx)) is None:
        return
    try:
        await show_card(ctx, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)


def _decided(ctx: Context, decision: Decision, kind: str = "approve") -> None:
    t = ctx.t
    money = (
        format_money(decision.refunded or Decimal(0), decision.currency, ctx.catalog.language)
        if decision.currency
        else ""
    )
    if kind == "received":
        ctx.reply(t("seller_claims.received_done", amount=money, claim=decision.number))
    elif decision.status == ClaimStatus.REFUNDED:
        ctx.reply(t("seller_claims.approved_refund", amount=money, claim=decision.number))
    elif decision.status == ClaimStatus.AWAITING_BUYER_SHIPMENT:
        deadline = (
            format_date(decision.ship_by, zone=decision.timezone, language=ctx.catalog.language)
            if decision.ship_by
            else "—"
        )
        text = t("seller_claims.approved_return", claim=decision.number, deadline=deadline)
        if not decision.return_address_set:  # the buyer was told the seller sends it
            text += "\n\n" + t("journey.no_return_address_seller")
        ctx.reply(text)
    elif decision.status == ClaimStatus.APPROVED:
        ctx.reply(t("seller_claims.approved_replacement", claim=decision.number))


def _ask_decision(ctx: Context, kind: str, preview: Decision, reason: str | None = None) -> None:
    """Show what the decision will pay (and, for a partial refund, the reason the
    buyer will read) and wait for the Confirm tap."""
    amount = preview.refunded or Decimal(0)
    params = {
        "claim": preview.number,
        "amount": format_money(amount, preview.currency, ctx.catalog.language),
        "buyer": confirm.who_gets_it(ctx.catalog, preview.buyer_name),
        "number": preview.order_number,
        "remaining": format_money(
            preview.remaining or Decimal(0), preview.currency, ctx.catalog.language
        ),
    }
    if reason:
        prompt = fit(
            line(
                ctx.catalog,
                "seller2.confirm_partial",
                # A tapped reason's code in words, typed words as typed.
                reason=Field(note_text(ctx.catalog, reason, "REFUNDED", "seller", None) or reason),
                **params,
            )
        )
    else:
        prompt = ctx.t(f"confirm.{kind}", **params)
    confirm.ask(
        ctx,
        kind,
        amount=amount,
        currency=preview.currency,
        prompt=prompt,
        params={"claim_id": preview.claim_id, **({"reason": reason} if reason else {})},
    )


async def _offer(ctx: Context, kind: str, claim_id: int) -> None:
    """Approve or confirm receipt: a dry run first; when it pays, ask; else decide."""
    action = (
        ctx.services.seller_claims.approve
        if kind == "approve"
        else ctx.services.seller_claims.confirm_received
    )
    try:
        preview = await action(ctx.user.id, claim_id, dry_run=True)
        if preview.refunded:
            _ask_decision(ctx, kind, preview)
            return
        decision = await action(ctx.user.id, claim_id, expect=Decimal(0))
    except AmountChanged:  # a refund landed between the dry run and now: ask afresh
        await _offer(ctx, kind, claim_id)
        return
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    _decided(ctx, decision, kind)


@router.button("qa")
async def approve(ctx: Context) -> None:
    if (claim_id := _claim_id(ctx)) is None:
        return
    await _offer(ctx, "approve", claim_id)


@router.button("qc")
async def confirm_received(ctx: Context) -> None:
    if (claim_id := _claim_id(ctx)) is None:
        return
    await _offer(ctx, "received", claim_id)


async def _confirmed(ctx: Context, pending: confirm.Pending) -> None:
    """Approve / confirm receipt as confirmed: paid only if it still pays what was shown."""
    claim_id = int(pending.params["claim_id"])
    action = (
        ctx.services.seller_claims.approve
        if pending.kind == "approve"
        else ctx.services.seller_claims.confirm_received
    )
    try:
        decision = await action(ctx.user.id, claim_id, expect=pending.amount)
    except AmountChanged:
        ctx.reply(ctx.t("confirm.changed"))
        await _offer(ctx, pending.kind, claim_id)
        return
    except REFUSALS as exc:
        ctx.state.data["claim_id"] = claim_id  # for "already decided: it is now …"
        await _refuse(ctx, exc)
        return
    _decided(ctx, decision, pending.kind)


@confirm.changer("approve", "partial")
async def _decided_otherwise(ctx: Context, pending: confirm.Pending, text: str) -> bool:
    """Under "Approve and refund $29.50?", "ok give them half", "no, reject it" or "ask
    them for a photo first" is that decision (found in the demo: "confirm or cancel
    this refund first"); under a partial refund's question, "full refund" is the
    approval.  The same decision again, or no decision, is not a change."""
    typed = seller_steps.read_card_decision(text)
    if typed is None:
        return False
    if typed.decision == pending.kind and not typed.with_amount:
        return False  # the same decision again (a sum typed is a new partial amount)
    ctx.state.clear()  # the question's buttons go stale: nothing is paid
    await decide_typed(ctx, int(pending.params["claim_id"]), typed)
    return True


confirm.executor("approve")(_confirmed)
confirm.executor("received")(_confirmed)


# ----------------------------------------------------------------- reject


@router.button("qr")
async def reject_reason(ctx: Context) -> None:
    if (card := await _card(ctx)) is None or not _still(ctx, card, ClaimStatus.REQUESTED):
        return
    _start_reject(ctx, card)


def _start_reject(ctx: Context, card: SellerCard) -> None:
    ctx.state.go(REJECT_REASON, claim_id=card.claim_id)
    _reason_buttons(ctx, card)


def _reason_buttons(ctx: Context, card: SellerCard) -> None:
    p = ctx.catalog.plain
    rows = [[Button(p(f"reject_reason.{r}"), f"qrr:{card.claim_id}:{r}")] for r in REJECT_REASONS]
    ctx.reply(ctx.t("seller_claims.reject_reason", claim=card.number), Keyboard.of(*rows))


async def _step_card(ctx: Context) -> SellerCard | None:
    """The card of the claim the current step is about, if this seller may still act
    on it; otherwise the refusal is said, the step left and None returned."""
    try:
        return await ctx.services.seller_claims.card(ctx.user.id, int(ctx.state.data["claim_id"]))
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return None


@router.prompt(REJECT_REASON)
async def reject_reason_again(ctx: Context) -> None:
    if (card := await _step_card(ctx)) is not None:
        _reason_buttons(ctx, card)


@router.step(REJECT_REASON, numbers=True)
async def reject_reason_typed(ctx: Context) -> None:
    """A reason typed instead of tapped ("item was used", "outside the window")."""
    if await _taken_back(ctx):
        return
    reason = seller_steps.read_reject_reason(ctx.inbound.text or "")
    if reason is None:
        await escapes.not_understood(ctx)
        return
    if (card := await _step_card(ctx)) is None:
        return
    ctx.reply(
        ctx.t("seller_typing.reason_taken", reason=ctx.catalog.plain(f"reject_reason.{reason}"))
    )
    _ask_note(ctx, card, reason)


@router.button("qrr")
async def reject_pick(ctx: Context) -> None:
    claim_id = _claim_id(ctx)
    reason = (button_args(ctx.inbound.button or "")[1:2] or [""])[0]
    if claim_id is None or reason not in REJECT_REASONS:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    if _still(ctx, card, ClaimStatus.REQUESTED):
        _ask_note(ctx, card, reason)


def _ask_note(ctx: Context, card: SellerCard, reason: str) -> None:
    ctx.state.go(REJECT_NOTE, claim_id=card.claim_id, reason=reason)
    ctx.reply(ctx.t("seller_claims.reject_note", claim=card.number))


@router.prompt(REJECT_NOTE)
async def reject_note_again(ctx: Context) -> None:
    if (card := await _step_card(ctx)) is not None:
        ctx.reply(ctx.t("seller_claims.reject_note", claim=card.number))


async def _typed(ctx: Context) -> str | None:
    """The note or question typed at this step, if it is one worth sending the buyer;
    a photo, "ok" or a bare number get the step's expectation and prompt instead."""
    text = (ctx.inbound.text or "").strip()
    if len(text) > MAX_NOTE:  # said first: whatever it holds, it has to be shorter
        ctx.reply(ctx.t("seller_claims.text_needed", limit=MAX_NOTE))
        return None
    if (
        ctx.inbound.photo is not None
        or ctx.inbound.document is not None
        or not seller_steps.is_note(text)
    ):
        await escapes.not_understood(ctx)
        return None
    return text


async def _taken_back(ctx: Context) -> bool:
    """The seller changed their mind mid-rejection ("wait, don't reject it", "actually
    approve it instead"): that is no reason to give the buyer, so nothing is rejected;
    the step is left and the claim's card shown again with its decision buttons, so
    approving is one tap away.  A decision said with it ("actually approve it", "no
    wait, give them 10 back") is taken, as typed under the card, with its own
    confirmation (found in the demo: the card came back, and the seller had to say it
    again).  True when the text was read so."""
    text = ctx.inbound.text or ""
    if not seller_steps.takes_back(text):
        return False
    claim_id = int(ctx.state.data["claim_id"])
    ctx.state.clear()
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return True
    if not _still(ctx, card, ClaimStatus.REQUESTED):  # decided meanwhile, and said so
        return True
    instead = seller_steps.read_card_decision(text)
    if instead is not None and instead.decision != "reject":
        ctx.reply(ctx.t("seller_typing.not_rejected_instead", claim=card.number))
        await decide_typed(ctx, claim_id, instead)
        return True
    ctx.reply(ctx.t("seller_typing.not_rejected", claim=card.number))
    await show_card(ctx, claim_id)
    return True


@router.step(REJECT_NOTE, numbers=True)
async def reject_note(ctx: Context) -> None:
    if await _taken_back(ctx) or (note := await _typed(ctx)) is None:
        return
    data = ctx.state.data
    try:
        decision = await ctx.services.seller_claims.reject(
            ctx.user.id, int(data["claim_id"]), str(data["reason"]), note
        )
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    ctx.state.clear()
    # The shop's policy sets the appeal window; say what it is, not a default.
    left = (decision.appeal_by - ctx.services.clock.now()) if decision.appeal_by else None
    hours = round(left.total_seconds() / 3600) if left else 48
    ctx.reply(ctx.t("seller_claims.rejected", claim=decision.number, hours=hours))


# -------------------------------------------------------------- ask for info


@router.button("qi")
async def ask_prompt(ctx: Context) -> None:
    if (card := await _card(ctx)) is None or not _still(ctx, card, ClaimStatus.REQUESTED):
        return
    _start_question(ctx, card)


def _start_question(ctx: Context, card: SellerCard) -> None:
    ctx.state.go(QUESTION, claim_id=card.claim_id)
    ctx.reply(ctx.t("seller_claims.ask_prompt", claim=card.number))


@router.prompt(QUESTION)
async def ask_again(ctx: Context) -> None:
    if (card := await _step_card(ctx)) is not None:
        ctx.reply(ctx.t("seller_claims.ask_prompt", claim=card.number))


# The question the seller typed under the card, offered to send as it is.
OFFERED = "offered"


async def offer_question(ctx: Context, claim_id: int, text: str) -> None:
    """A question written to the buyer under the card ("can you send me a photo of the
    label"): one tap sends it as it is.  It was read as "ask for info" and the seller
    was asked what to ask, to type the same words again.  Anything typed next is the
    question instead (as at the ask step); "yes" sends the one offered."""
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    if card.marketplace is not None or len(text) > MAX_NOTE:
        # the marketplace's own ways to ask; a question too long to send as it is
        await decide_typed(ctx, claim_id, seller_steps.CardDecision("ask"))
        return
    if not _still(ctx, card, ClaimStatus.REQUESTED):
        return
    ctx.state.go(QUESTION, claim_id=claim_id, **{OFFERED: text})
    p = ctx.catalog.plain
    ctx.reply(
        ctx.t("seller_claims.ask_offer", claim=card.number, question=text),
        Keyboard.of([Button(p("seller_claims.ask_offer_send"), f"qis:{claim_id}")]),
    )


@router.button("qis")
async def send_offered(ctx: Context) -> None:
    offered = ctx.state.data.get(OFFERED)
    if (
        ctx.state.step != QUESTION
        or not isinstance(offered, str)
        or int_arg(ctx.inbound.button or "") != ctx.state.data.get("claim_id")
    ):
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await _ask(ctx, offered)


@router.step(QUESTION, numbers=True)
async def ask_question(ctx: Context) -> None:
    text = ctx.inbound.text or ""
    offered = ctx.state.data.pop(OFFERED, None)
    if isinstance(offered, str) and (said := read.answer_to_an_offer(text)) is not None:
        if said:
            await _ask(ctx, offered)
        else:
            await ask_again(ctx)
        return
    decided = seller_steps.read_card_decision(text)
    if isinstance(offered, str) and not _a_decision(text, decided):
        await _instead_of_the_offer(ctx, text, decided)
        return
    if decided is not None and _a_decision(text, decided):
        # "reject it", "approve": a decision, never a question for a buyer (it reached
        # the buyer as one); taken as typed under the card.
        claim_id = int(ctx.state.data["claim_id"])
        ctx.state.clear()
        await decide_typed(ctx, claim_id, decided)
        return
    if (question := await _typed(ctx)) is None:
        return
    await _ask(ctx, question)


# At most this many words make a decision typed at the ask step ("reject it please").
DECISION_WORDS = 5


def _a_decision(text: str, decided: seller_steps.CardDecision | None) -> bool:
    """ "reject it", "approve": a decision of the card's other than asking."""
    return (
        decided is not None
        and decided.decision != "ask"
        and len(text.split()) <= DECISION_WORDS
        and not read.asks_something(text)
    )


async def _instead_of_the_offer(
    ctx: Context, text: str, decided: seller_steps.CardDecision | None
) -> None:
    """Words typed while a question was offered, neither yes nor no nor a decision.
    Nothing goes to the buyer without a tap or a "yes": another question written to
    them is offered in its place; anything else withdraws the offer, says nothing was
    sent, and is read as typed under the card ("ask them if the box is dented too": the
    ask step).  Found in the demo: "has this buyer returned stuff before", the seller
    asking the bot, reached the buyer as the seller's question."""
    claim_id = int(ctx.state.data["claim_id"])
    if seller_steps.speaks_to_the_buyer(text):
        await offer_question(ctx, claim_id, text)
        return
    ctx.state.clear()
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    ctx.reply(ctx.t("seller_claims.offer_not_sent", claim=card.number))
    if decided is not None:  # "ask them for a clearer photo": what to ask, then
        await decide_typed(ctx, claim_id, decided)
    elif _still(ctx, card, ClaimStatus.REQUESTED):
        ctx.reply(ctx.t("seller_typing.on_card", claim=card.number))
        ctx.state.data[SHOWN] = claim_id  # what is typed next is still about the card


async def photos_typed(ctx: Context, claim_id: int) -> None:
    """ "show me the photos" under a card: what its Show button does (or that the
    buyer sent none)."""
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    if card.photos:
        _send_photos(ctx, card)
    else:
        ctx.reply(ctx.t("seller_claims.no_photos", claim=card.number))
    ctx.state.data[SHOWN] = claim_id  # the card is still the one being looked at


async def facts_typed(ctx: Context, claim_id: int, asked: CardFact) -> None:
    """ "when was it delivered", "has this buyer returned stuff before", "what did the
    buyer say exactly", "how much did they pay" under a card: the card's facts,
    answered by the bot (the first two were offered to the buyer as the seller's
    question, the others got "tap a button")."""
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    catalog = ctx.catalog
    pieces: list[Piece] = [ctx.t("seller_claims.facts_title", claim=card.number)]
    if asked is CardFact.WORDS:
        pieces += _their_words(catalog, card)
    elif asked is CardFact.PAID:
        pieces += [*_item_lines(catalog, card), _money(catalog, card).html]
    elif asked in (CardFact.DEADLINE, CardFact.THINKING):
        # "how many days do i have", "let me think about it": how long it waits.
        if asked is CardFact.THINKING:
            pieces = [ctx.t("seller_claims.take_your_time", claim=card.number)]
        due = deadline_line(catalog, card, ctx.services.clock.now())
        pieces.append(due or ctx.t("seller_claims.nothing_due"))
        if due and card.marketplace is None and card.status is ClaimStatus.REQUESTED:
            pieces.append(ctx.t("seller_claims.then_approved"))
    elif asked is CardFact.ADVICE:
        # "what would you do", "is this buyer legit": the facts it is weighed by, and
        # that the seller decides; asking the buyer is one tap.
        pieces = [ctx.t("seller_claims.your_call", claim=card.number)]
        pieces += facts_lines(catalog, card)
        pieces.append(ctx.t("seller_claims.photos_count", count=len(card.photos)))
        if card.status is ClaimStatus.REQUESTED:
            ask = catalog.plain("seller_claims.ask")
            pieces += ["", ctx.t("seller_claims.unsure_ask", button=ask)]
    else:
        if card.delivered_at is None:
            pieces.append(ctx.t("seller_claims.not_delivered", number=card.order_number))
        pieces += facts_lines(catalog, card)
    ctx.reply(fit(*pieces))
    ctx.state.data[SHOWN] = claim_id  # the card is still the one being looked at


def _their_words(catalog: Catalog, card: SellerCard) -> list[Piece]:
    """What the buyer wrote: the request's kind and reason, the note whole (the card
    may shorten it), and each answer to the seller's questions."""
    reason = ClaimReason(card.reason)
    p = catalog.plain
    pieces: list[Piece] = [
        catalog.t(
            "seller_claims.words_request",
            type=type_label(catalog, card.type, reason),
            reason=p(f"claim_reason.{card.reason}"),
        ),
        line(catalog, "seller_claims.words_note", note=Field(card.note or p("returns.no_note"))),
    ]
    for at, status, actor, note in card.history[1:]:
        said = note_text(catalog, note, status, "seller", card.currency)
        if actor == ActorKind.BUYER.value and status == ClaimStatus.REQUESTED.value and said:
            when = format_date(at, zone=card.timezone, language=catalog.language)
            pieces.append(line(catalog, "seller_claims.words_answer", date=when, note=Field(said)))
    return pieces


async def _ask(ctx: Context, question: str) -> None:
    try:
        decision = await ctx.services.seller_claims.ask_info(
            ctx.user.id, int(ctx.state.data["claim_id"]), question
        )
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    ctx.state.clear()
    ctx.reply(ctx.t("seller_claims.asked", claim=decision.number))


# ----------------------------------------------------------- partial refund


@router.button("qp")
async def partial_prompt(ctx: Context) -> None:
    card = await _card(ctx)
    if card is None or not _still(ctx, card, ClaimStatus.REQUESTED, ClaimStatus.BUYER_SHIPPED):
        return
    ctx.state.go(AMOUNT, claim_id=card.claim_id)
    _ask_amount(ctx, card)


def _ask_amount(ctx: Context, card: SellerCard) -> None:
    remaining = format_money(card.remaining_refundable, card.currency, ctx.catalog.language)
    ctx.reply(ctx.t("seller_claims.partial_prompt", claim=card.number, remaining=remaining))


@router.prompt(AMOUNT)
async def partial_again(ctx: Context) -> None:
    if (card := await _step_card(ctx)) is not None:
        _ask_amount(ctx, card)


@router.step(AMOUNT, numbers=True)
async def partial_amount(ctx: Context) -> None:
    """The amount as sellers type it: "15", "$15.50", "15,50", "1,000", "refund 12",
    "fifteen".  It is written plainly for the service, which checks the currency, the
    decimals and what remains refundable under the order's payment lock; the Confirm
    question then shows the amount as read, so a misreading cannot pay."""
    text = ctx.inbound.text or ""
    if (card := await _step_card(ctx)) is None:
        return
    places = minor_units(card.currency)
    typed = seller_steps.read_typed_amount(text, places)
    share = seller_steps.share_of_the_request(text) if typed is None else None
    if share is not None:
        # "give them half", "30%": that share of what the buyer asked for, shown in
        # the confirmation as a sum before anything is paid.
        text = str((card.amount * share).quantize(Decimal(1).scaleb(-places), ROUND_DOWN))
        typed = seller_steps.read_typed_amount(text, places)
    if typed is None and not any(c.isdigit() for c in text):
        # "because", "a lot": no amount at all, said as every unreadable amount is.
        ctx.reply(unreadable(ctx.catalog, card.currency))
        await escapes.reprompt(ctx)
        return
    # Digits we could not read as one amount ("-5", "5.555", "12 or 15"): the money
    # rules name what is wrong with the format.
    amount_text = typed.text if typed is not None else text
    try:
        preview = await ctx.services.seller_claims.partial_refund(
            ctx.user.id, card.claim_id, amount_text, dry_run=True
        )
    except BadAmount as exc:
        if exc.problem is not None:  # not written as an amount: say the format
            ctx.reply(amount_problem(ctx.catalog, exc.problem))
            return
        remaining = format_money(exc.remaining, card.currency, ctx.catalog.language)
        ctx.reply(ctx.t("seller_claims.partial_bad", remaining=remaining))
        return
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    amount = preview.refunded or Decimal(0)
    if amount >= card.amount:  # all that was asked: nothing to explain or appeal
        _ask_decision(ctx, "partial", preview)
        return
    ctx.state.go(PARTIAL_REASON, claim_id=card.claim_id, amount=str(amount))
    _ask_partial_reason(ctx, card, amount)


def _ask_partial_reason(ctx: Context, card: SellerCard, amount: Decimal) -> None:
    p, cid = ctx.catalog.plain, card.claim_id
    rows = [[Button(p(f"reject_reason.{r}"), f"qpr:{cid}:{r}")] for r in PARTIAL_REASONS]
    text = ctx.t(
        "seller2.partial_reason",
        claim=card.number,
        amount=format_money(amount, card.currency, ctx.catalog.language),
        requested=format_money(card.amount, card.currency, ctx.catalog.language),
    )
    ctx.reply(text, Keyboard.of(*rows))


@router.prompt(PARTIAL_REASON)
async def partial_reason_again(ctx: Context) -> None:
    if (card := await _step_card(ctx)) is not None:
        _ask_partial_reason(ctx, card, Decimal(str(ctx.state.data["amount"])))


@router.step(PARTIAL_REASON, numbers=True)
async def partial_reason_typed(ctx: Context) -> None:
    """The reason in the seller's words ("the box was opened and one cup is missing");
    "ok" or a photo get what the step expects and the buttons again.  An amount alone
    ("$12,50", "12 dollars", "make it 15", "refund -5") is the seller changing the
    amount, not a reason for the buyer to read ("12 dollars" would have been sent as
    one): the amount step reads it, and asks the reason for the new amount (or confirms
    it, if it is all that was asked), or says what is wrong with it and asks again."""
    if (card := await _step_card(ctx)) is None:
        return
    text = ctx.inbound.text or ""
    if seller_steps.is_only_an_amount(text):
        ctx.state.go(AMOUNT, claim_id=card.claim_id)
        await partial_amount(ctx)
        return
    if await _changed_mind(ctx, card.claim_id, text):
        return
    if (reason := await _typed(ctx)) is None:
        return
    await _offer_partial(ctx, int(ctx.state.data["claim_id"]), reason)


# A decision in this many words or fewer, typed where a reason is asked, is the seller
# changing their mind ("wait no, full refund"); longer, it is a reason that names one.
CHANGED_MIND_WORDS = 6
_MIND_CHANGED_TO = frozenset({"approve", "ask"})


async def _changed_mind(ctx: Context, claim_id: int, text: str) -> bool:
    """The whole refund, a question to the buyer, or the rejection by its verb, typed
    at the partial refund's reason ("wait no, full refund", "actually just approve it",
    "ask them first", "no actually reject it"): that decision, as typed under the card.
    Found in the demo: "wait no, full refund" was sent to the buyer as the reason for
    half, and a Confirm for half offered.  A no alone is not read here: "no refund for
    shipping" is a reason for the part."""
    typed = seller_steps.read_card_decision(text)
    if typed is None or len(text.split()) > CHANGED_MIND_WORDS:
        return False
    if typed.decision not in _MIND_CHANGED_TO and not (
        typed.decision == "reject" and _REJECT_VERB.search(text.lower())
    ):
        return False  # "no refund for shipping": a reason for the part, no rejection
    ctx.state.clear()
    await decide_typed(ctx, claim_id, typed)
    return True


# The rejection named by its verb ("no actually reject it", "deny it instead"): at the
# partial refund's reason, that decision (a "no" alone stays a reason's word).
_REJECT_VERB = re.compile(r"\b(?:reject|deny|decline|rechaza|rechazar|rechazala|rechazalo)\b")


@router.button("qpr")
async def partial_reason_pick(ctx: Context) -> None:
    claim_id = _claim_id(ctx)
    reason = (button_args(ctx.inbound.button or "")[1:2] or [""])[0]
    data = ctx.state.data
    if (
        claim_id is None
        or reason not in PARTIAL_REASONS
        or ctx.state.step != PARTIAL_REASON
        or data.get("claim_id") != claim_id
    ):  # the amount lives in the step: a button from an earlier one is stale
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await _offer_partial(ctx, claim_id, reason)


async def _offer_partial(ctx: Context, claim_id: int, reason: str) -> None:
    """The amount and the reason: a dry run again (what remains may have changed), then
    the Confirm question naming both."""
    amount = str(ctx.state.data["amount"])
    try:
        preview = await ctx.services.seller_claims.partial_refund(
            ctx.user.id, claim_id, amount, reason=reason, dry_run=True
        )
    except BadAmount as exc:  # less remains now: ask for another amount
        await _ask_amount_again(ctx, claim_id, exc)
        return
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    _ask_decision(ctx, "partial", preview, reason)


async def _ask_amount_again(ctx: Context, claim_id: int, exc: BadAmount) -> None:
    """Less remains refundable than the amount asked (now, or since it was typed)."""
    card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    ctx.state.go(AMOUNT, claim_id=claim_id)
    remaining = format_money(exc.remaining, card.currency, ctx.catalog.language)
    ctx.reply(ctx.t("seller_claims.partial_bad", remaining=remaining))


@confirm.executor("partial")
async def partial_confirmed(ctx: Context, pending: confirm.Pending) -> None:
    claim_id = int(pending.params["claim_id"])
    try:
        # The amount shown, written plainly; the service checks it against what
        # remains now, under the order's payment lock.
        reason = pending.params.get("reason")
        decision = await ctx.services.seller_claims.partial_refund(
            ctx.user.id, claim_id, str(pending.amount), reason=str(reason) if reason else None
        )
    except BadAmount as exc:  # less remains than when they typed it: ask for another
        await _ask_amount_again(ctx, claim_id, exc)
        return
    except REFUSALS as exc:
        ctx.state.data["claim_id"] = claim_id
        await _refuse(ctx, exc)
        return
    amount = format_money(decision.refunded or Decimal(0), decision.currency, ctx.catalog.language)
    if decision.appeal_by is not None:  # less than asked: the buyer may appeal
        until = format_date(
            decision.appeal_by, zone=decision.timezone, language=ctx.catalog.language
        )
        ctx.reply(
            ctx.t("seller2.partial_done", amount=amount, claim=decision.number, deadline=until)
        )
    else:
        ctx.reply(ctx.t("seller_claims.partial_done", amount=amount, claim=decision.number))


# ---------------------------------------------------------- mark replaced


@router.button("qm")
async def replacement_carrier(ctx: Context) -> None:
    if (card := await _card(ctx)) is None or not _still(ctx, card, ClaimStatus.APPROVED):
        return
    ctx.state.go(REPLACE_CARRIER, claim_id=card.claim_id)
    _carrier_buttons(ctx, card)


def _carrier_buttons(ctx: Context, card: SellerCard) -> None:
    rows = [[Button(c, f"qmc:{card.claim_id}:{c}") for c in KNOWN_CARRIERS]]
    ctx.reply(ctx.t("seller_claims.replace_carrier", claim=card.number), Keyboard.of(*rows))


@router.prompt(REPLACE_CARRIER)
async def replacement_carrier_again(ctx: Context) -> None:
    if (card := await _step_card(ctx)) is not None:
        _carrier_buttons(ctx, card)


@router.step(REPLACE_CARRIER, numbers=True)
async def replacement_carrier_typed(ctx: Context) -> None:
    """The carrier typed by name ("fedex"), or with the tracking number at once ("UPS
    1Z…", or a number whose format and check digit only one carrier has).  A carrier
    the bot cannot check is named as such; "12345" or "tomorrow" get what the step
    expects and the carrier buttons again."""
    text = ctx.inbound.text or ""
    carrier = seller_steps.read_carrier(text)
    if carrier is None:
        await escapes.not_understood(ctx)
        return
    if not seller_steps.is_supported(carrier):
        ctx.reply(ctx.t("seller_typing.carrier_unsupported", carrier=carrier))
        await escapes.reprompt(ctx)
        return
    if (card := await _step_card(ctx)) is None:
        return
    if seller_steps.read_tracking(text) is not None:
        await mark_replaced(ctx, card.claim_id, carrier, text)
        return
    ctx.state.go(REPLACEMENT, claim_id=card.claim_id, carrier=carrier)
    ctx.reply(ctx.t("seller_claims.replace_tracking", carrier=carrier))


@router.button("qmc")
async def replacement_pick(ctx: Context) -> None:
    claim_id = _claim_id(ctx)
    carrier = (button_args(ctx.inbound.button or "")[1:2] or [""])[0]
    if claim_id is None or carrier not in KNOWN_CARRIERS:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    try:  # button data proves nothing: only the shop's sellers get the prompt
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    if not _still(ctx, card, ClaimStatus.APPROVED):
        return
    ctx.state.go(REPLACEMENT, claim_id=claim_id, carrier=carrier)
    ctx.reply(ctx.t("seller_claims.replace_tracking", carrier=carrier))


@router.prompt(REPLACEMENT)
async def replacement_tracking_again(ctx: Context) -> None:
    carrier = str(ctx.state.data.get("carrier", ""))
    ctx.reply(ctx.t("seller_claims.replace_tracking", carrier=carrier))


@router.step(REPLACEMENT, numbers=True)
async def replacement_tracking(ctx: Context) -> None:
    """The tracking number ("1Z999AA10123456784", "UPS 1Z…"; a named supported carrier
    overrides the tapped one).  Text with no number in it ("tomorrow", a photo) gets
    what the step expects; a number that is not the carrier's ("12345") is told what
    that carrier's numbers look like."""
    text = ctx.inbound.text or ""
    if not any(c.isdigit() for c in text):
        await escapes.not_understood(ctx)
        return
    carrier = str(ctx.state.data["carrier"])
    named = seller_steps.read_carrier(text)
    if named is not None and seller_steps.is_supported(named):
        carrier = named
    await mark_replaced(ctx, int(ctx.state.data["claim_id"]), carrier, text)


def tracking_problem(catalog: Catalog, exc: TrackingNumberError) -> str:
    """What is wrong with a tracking number, in the reader's language: the error's key
    and facts from the catalog, then what the carrier's numbers look like."""
    carriers = ", ".join(KNOWN_CARRIERS)
    key = f"tracking_error.{exc.key}"
    if not catalog.has(key):
        key = "tracking_error.bad_format"
    params = {"number": "", "typed": "", **exc.params, "carriers": carriers}
    said = catalog.plain(key, **params)
    expected = f"tracking_expected.{exc.carrier}"
    if exc.key in ("empty", "bad_format") and exc.carrier and catalog.has(expected):
        said = f"{said} {catalog.plain(expected)}"
    return said


async def mark_replaced(ctx: Context, claim_id: int, carrier: str, text: str) -> None:
    """Record the replacement's parcel (the carrier's check on the number), or say what
    is wrong with the number and wait at the tracking step for another."""
    tracking = seller_steps.read_tracking(text) or text
    try:
        await ctx.services.seller_claims.mark_replaced(ctx.user.id, claim_id, carrier, tracking)
    except TrackingNumberError as exc:
        # Stay (or move) at the tracking step for this carrier: the next try is a number.
        ctx.state.go(REPLACEMENT, claim_id=claim_id, carrier=carrier)
        # The problem quotes what was typed, which may be of any length.
        problem = Field(tracking_problem(ctx.catalog, exc))
        ctx.reply(
            fit(line(ctx.catalog, "seller_claims.replace_bad", carrier=carrier, problem=problem))
        )
        return
    except REFUSALS as exc:
        await _refuse(ctx, exc)
        return
    ctx.state.clear()
    ctx.reply(ctx.t("seller_claims.replaced_done", carrier=carrier, tracking=tracking.upper()))
