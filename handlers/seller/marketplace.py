"""The seller's decisions on claims and cancellations filed on a marketplace.

Every decision goes to the marketplace first (`MarketplaceDecisions`); the seller is
told what the marketplace answered: accepted (the claim moved), refused (the claim now
shows the marketplace's status), or not reachable / not connected (nothing changed).
A rejection takes one of the marketplace's own reasons, tapped from its list or named
in words ("it's already packed"; the one reason sharing the most words), and for a
claim an optional note.  A cancellation's decision typed rather than tapped ("approve
it", "no, it's already packed") is asked about first, with what would be sent.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from bot.domain.enums import ClaimStatus
from bot.domain.errors import InvalidTransition, NotAllowed
from bot.domain.marketplace import display_name
from bot.domain.money import format_money
from bot.services.marketplace import (
    DecisionRefused,
    MarketplaceError,
    NotConnected,
    RejectReason,
)
from bot.services.marketplace_decisions import MarketplaceDecisions
from bot.services.seller_claims import MAX_NOTE, AlreadyDecided, Decision
from bot.understanding.seller_steps import pick_label
from handlers import confirm, escapes
from handlers.buttons import ButtonData
from handlers.catalog import Catalog
from handlers.core import Context, Router
from handlers.seller.claims import REFUSALS, _refuse, show_card
from handlers.seller.marketplace_buttons import (
    APPROVE_CANCEL,
    APPROVE_CLAIM,
    MAX_REASONS,
    REJECT_CANCEL,
    REJECT_CANCEL_REASON,
    REJECT_CLAIM,
    REJECT_CLAIM_REASON,
    REJECT_CLAIM_SEND,
)
from handlers.types import Button, Keyboard

router = Router()

APPROVE_KIND = "mp_approve"  # a typed "approve", confirmed
REASON_STEP = "mp.reject_reason"
NOTE_STEP = "mp.reject_note"
# A cancellation's decision typed ("approve it", "no, it's already packed"), confirmed.
CANCEL_APPROVE_KIND = "mp_cancel_approve"
CANCEL_REJECT_KIND = "mp_cancel_reject"
CANCEL_REASON_STEP = "mp.cancel_reason"


def _decisions(ctx: Context) -> MarketplaceDecisions | None:
    if ctx.services.marketplace is None:
        _not_connected(ctx)
    return ctx.services.marketplace


def why(catalog: Catalog, exc: MarketplaceError) -> str:
    """Why a marketplace call failed, in the reader's language: the error's key and
    facts from the catalog (its `message` is for the logs)."""
    key = f"marketplace_error.{exc.key}"
    if not catalog.has(key):
        key = "marketplace_error.failed"
    try:
        return catalog.plain(key, **exc.params)
    except KeyError:  # a parameter the template wants and this error lacks
        return catalog.plain("marketplace_error.failed")


def _not_connected(ctx: Context) -> None:
    ctx.state.clear()
    ctx.reply(ctx.t("marketplace_claims.not_connected"))


def _arg(ctx: Context, data: ButtonData, name: str) -> int | None:
    values = data.unpack(ctx.inbound.button)
    if values is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return None
    return int(values[name])


async def _failed(ctx: Context, exc: Exception, claim_id: int | None = None) -> None:
    """The marketplace's answer when it was not "yes", in words; or a refusal of ours."""
    if isinstance(exc, NotConnected):
        _not_connected(ctx)
    elif isinstance(exc, DecisionRefused):
        ctx.state.clear()
        ctx.reply(ctx.t("marketplace_claims.refused", reason=why(ctx.catalog, exc)))
        if claim_id is not None:  # the card as the marketplace has it now
            with contextlib.suppress(*REFUSALS):
                await show_card(ctx, claim_id)
    elif isinstance(exc, MarketplaceError):
        ctx.state.clear()
        ctx.reply(ctx.t("marketplace_claims.unreachable", reason=why(ctx.catalog, exc)))
    elif isinstance(exc, REFUSALS):
        if claim_id is not None:
            ctx.state.data["claim_id"] = claim_id  # for "already decided: it is now …"
        await _refuse(ctx, exc)
    else:
        raise exc


def _done(ctx: Context, decision: Decision, marketplace: str) -> None:
    status = ctx.catalog.plain(f"cards2.seller_status.{decision.status.value}")
    ctx.reply(
        ctx.t(
            "marketplace_claims.accepted",
            claim=decision.number,
            status=status,
            marketplace=display_name(marketplace),
        )
    )


async def _marketplace_of(ctx: Context, claim_id: int) -> str | None:
    card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    return card.marketplace


# ------------------------------------------------------------------ approve


@router.button(APPROVE_CLAIM.prefix)
async def approve(ctx: Context) -> None:
    if (claim_id := _arg(ctx, APPROVE_CLAIM, "claim")) is None:
        return
    await _approve(ctx, claim_id)


async def decide_typed(ctx: Context, claim_id: int, decision: str) -> None:
    """ "approve" or "reject" typed right under a marketplace claim's card: what its
    Approve and Reject buttons do (a rejection then takes one of the marketplace's
    reasons, tapped).  A partial refund or a question to the buyer is not the
    marketplace's to take, and the seller is told so."""
    if decision == "approve":
        await _offer_approval(ctx, claim_id)
    elif decision == "reject":
        await _ask_reason(ctx, claim_id)
    else:
        ctx.reply(ctx.t("marketplace_claims.decided_there"))


async def _offer_approval(ctx: Context, claim_id: int) -> None:
    """Typed "approve": the claim it names and what the marketplace refunds, to confirm
    (a tap, or "yes").  The card the word was typed under may not be the one the seller
    last looked at (a new request may have come in since), and the marketplace acts at
    once."""
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _failed(ctx, exc, claim_id)
        return
    if card.status not in (ClaimStatus.REQUESTED, ClaimStatus.BUYER_SHIPPED):
        ctx.state.data["claim_id"] = claim_id  # "already decided: it is now …"
        await _refuse(ctx, AlreadyDecided(card.number))
        return
    confirm.ask(
        ctx,
        APPROVE_KIND,
        amount=card.amount,
        currency=card.currency,
        prompt=ctx.t(
            "marketplace_claims.confirm_approve",
            claim=card.number,
            number=card.order_number,
            amount=format_money(card.amount, card.currency, ctx.catalog.language),
            buyer=confirm.who_gets_it(ctx.catalog, card.buyer_name),
            marketplace=display_name(card.marketplace or ""),
        ),
        params={"claim_id": claim_id},
        button=ctx.catalog.plain(
            "marketplace_claims.confirm_approve_button",
            marketplace=display_name(card.marketplace or ""),
        ),
    )


@confirm.executor(APPROVE_KIND)
async def _approval_confirmed(ctx: Context, pending: confirm.Pending) -> None:
    await _approve(ctx, int(pending.params["claim_id"]))


async def _approve(ctx: Context, claim_id: int) -> None:
    if (decisions := _decisions(ctx)) is None:
        return
    try:
        marketplace = await _marketplace_of(ctx, claim_id)
        decision = await decisions.approve(ctx.user.id, claim_id)
    except (MarketplaceError, *REFUSALS) as exc:
        await _failed(ctx, exc, claim_id)
        return
    _done(ctx, decision, marketplace or "")


# ------------------------------------------------------------------- reject


def _reason_keyboard(
    reasons: list[RejectReason], data: ButtonData, name: str, id_: int
) -> Keyboard:
    return Keyboard.of(
        *[
            [Button(r.label[:60], data.pack(**{name: id_, "reason": i}))]
            for i, r in enumerate(reasons[:MAX_REASONS])
        ]
    )


async def _ask_reason(ctx: Context, claim_id: int) -> None:
    if (decisions := _decisions(ctx)) is None:
        return
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
        reasons = await decisions.reject_reasons(ctx.user.id, claim_id)
    except (MarketplaceError, *REFUSALS) as exc:
        await _failed(ctx, exc, claim_id)
        return
    if not reasons:
        ctx.state.clear()
        ctx.reply(ctx.t("marketplace_claims.no_reasons"))
        return
    ctx.state.go(REASON_STEP, claim_id=claim_id)
    ctx.reply(
        ctx.t(
            "marketplace_claims.pick_reason",
            claim=card.number,
            marketplace=display_name(card.marketplace or ""),
        ),
        _reason_keyboard(reasons, REJECT_CLAIM_REASON, "claim", claim_id),
    )


@router.button(REJECT_CLAIM.prefix)
async def reject(ctx: Context) -> None:
    if (claim_id := _arg(ctx, REJECT_CLAIM, "claim")) is None:
        return
    await _ask_reason(ctx, claim_id)


@router.prompt(REASON_STEP)
async def reason_again(ctx: Context) -> None:
    await _ask_reason(ctx, int(ctx.state.data["claim_id"]))


@router.step(REASON_STEP, numbers=True)
async def reason_typed(ctx: Context) -> None:
    """The marketplace takes only its own reasons: words that name one ("the buyer
    used it", "2") take it, as its button would (the note step after it names the
    reason, and nothing is sent before the seller sends it); other words get the list
    again."""
    text = (ctx.inbound.text or "").strip()
    claim_id = int(ctx.state.data["claim_id"])
    await _reason_chosen(ctx, claim_id, None, text)


@router.button(REJECT_CLAIM_REASON.prefix)
async def reason_picked(ctx: Context) -> None:
    values = REJECT_CLAIM_REASON.unpack(ctx.inbound.button)
    if values is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await _reason_chosen(ctx, int(values["claim"]), int(values["reason"]), None)


async def _reason_chosen(ctx: Context, claim_id: int, index: int | None, said: str | None) -> None:
    """The reason at `index` of the marketplace's list (tapped) or the one `said` names
    (typed); then the note step."""
    if (decisions := _decisions(ctx)) is None:
        return
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
        reasons = await decisions.reject_reasons(ctx.user.id, claim_id)
    except (MarketplaceError, *REFUSALS) as exc:
        await _failed(ctx, exc, claim_id)
        return
    if said is not None:
        index = pick_label(said, [r.label for r in reasons[:MAX_REASONS]]) if said else None
        if index is None:
            await escapes.not_understood(ctx)
            return
    if index is None or index >= len(reasons):  # the list changed since: show it again
        await _ask_reason(ctx, claim_id)
        return
    picked = reasons[index]
    ctx.state.go(NOTE_STEP, claim_id=claim_id, reason=picked.code, label=picked.label)
    _ask_note(ctx, card.number, picked.label, claim_id)


def _ask_note(ctx: Context, number: str, label: str, claim_id: int) -> None:
    ctx.reply(
        ctx.t("marketplace_claims.note_prompt", claim=number, reason=label),
        Keyboard.of(
            [
                Button(
                    ctx.catalog.plain("marketplace_claims.send_without_note"),
                    REJECT_CLAIM_SEND.pack(claim=claim_id),
                )
            ]
        ),
    )


@router.prompt(NOTE_STEP)
async def note_again(ctx: Context) -> None:
    data = ctx.state.data
    claim_id = int(data["claim_id"])
    try:
        card = await ctx.services.seller_claims.card(ctx.user.id, claim_id)
    except REFUSALS as exc:
        await _failed(ctx, exc, claim_id)
        return
    _ask_note(ctx, card.number, str(data.get("label", "")), claim_id)


@router.step(NOTE_STEP, numbers=True)
async def note_typed(ctx: Context) -> None:
    text = (ctx.inbound.text or "").strip()
    if not text or ctx.inbound.photo is not None or ctx.inbound.document is not None:
        await escapes.not_understood(ctx)
        return
    if len(text) > MAX_NOTE:
        ctx.reply(ctx.t("seller_claims.text_needed", limit=MAX_NOTE))
        return
    await _send_rejection(ctx, text)


@router.button(REJECT_CLAIM_SEND.prefix)
async def send_without_note(ctx: Context) -> None:
    claim_id = _arg(ctx, REJECT_CLAIM_SEND, "claim")
    if claim_id is None:
        return
    if ctx.state.step != NOTE_STEP or ctx.state.data.get("claim_id") != claim_id:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await _send_rejection(ctx, None)


async def _send_rejection(ctx: Context, note: str | None) -> None:
    if (decisions := _decisions(ctx)) is None:
        return
    data = ctx.state.data
    claim_id = int(data["claim_id"])
    try:
        marketplace = await _marketplace_of(ctx, claim_id)
        decision = await decisions.reject(ctx.user.id, claim_id, str(data["reason"]), note)
    except (MarketplaceError, *REFUSALS) as exc:
        await _failed(ctx, exc, claim_id)
        return
    ctx.state.clear()
    _done(ctx, decision, marketplace or "")


# ------------------------------------------------------------ cancellations


@router.button(APPROVE_CANCEL.prefix)
async def approve_cancellation(ctx: Context) -> None:
    if (request_id := _arg(ctx, APPROVE_CANCEL, "request")) is None:
        return
    await _decide_cancellation(ctx, request_id, approve=True)


@router.button(REJECT_CANCEL.prefix)
async def reject_cancellation(ctx: Context) -> None:
    if (request_id := _arg(ctx, REJECT_CANCEL, "request")) is None:
        return
    await _ask_cancel_reason(ctx, request_id)


async def cancellation_typed(ctx: Context, request_id: int, decision: str, text: str) -> None:
    """ "approve it" or "reject, it's already packed" typed about the one marketplace
    cancellation waiting for this seller.  Typed, a decision is asked about before it
    is sent: an approval with what it does (the marketplace refunds the buyer), a
    rejection with the marketplace's reason the words name, or, naming none, its list
    of reasons (what the Reject button shows).  Found in the demo: each of these got
    the request's message again with "tap Reject under it"."""
    if decision == "approve":
        await _confirm_cancel_decision(ctx, request_id, None)
    else:
        await _ask_cancel_reason(ctx, request_id, said=text)


async def _cancel_reasons(ctx: Context, request_id: int) -> list[RejectReason] | None:
    """The marketplace's reasons to turn this cancellation down; None (and the seller
    told why) when they can't be had: not connected, decided, not theirs."""
    if (decisions := _decisions(ctx)) is None:
        return None
    try:
        return await decisions.cancellation_reasons(ctx.user.id, request_id)
    except (MarketplaceError, NotAllowed, InvalidTransition, AlreadyDecided) as exc:
        if ctx.state.step == CANCEL_REASON_STEP:
            ctx.state.clear()
        await _cancel_failed(ctx, exc)
        return None


async def _ask_cancel_reason(ctx: Context, request_id: int, said: str | None = None) -> None:
    """The marketplace's reasons to turn a cancellation down, as buttons; a reason the
    seller's words already name (`said`) is asked about at once instead."""
    if (reasons := await _cancel_reasons(ctx, request_id)) is None:
        return
    if not reasons:
        ctx.state.clear()
        ctx.reply(ctx.t("marketplace_claims.no_reasons"))
        return
    labels = [r.label for r in reasons[:MAX_REASONS]]
    if said is not None and (at := pick_label(said, labels)) is not None:
        await _confirm_cancel_decision(ctx, request_id, reasons[at])
        return
    ctx.state.go(CANCEL_REASON_STEP, request_id=request_id)
    ctx.reply(
        ctx.t("marketplace_claims.pick_cancel_reason"),
        _reason_keyboard(reasons, REJECT_CANCEL_REASON, "request", request_id),
    )


@router.prompt(CANCEL_REASON_STEP)
async def cancel_reason_again(ctx: Context) -> None:
    await _ask_cancel_reason(ctx, int(ctx.state.data["request_id"]))


@router.step(CANCEL_REASON_STEP, numbers=True)
async def cancel_reason_typed(ctx: Context) -> None:
    """A reason typed at the list ("it's been packed", "2"): the one it names, asked
    about before it is sent; words naming none get the list again."""
    request_id = int(ctx.state.data["request_id"])
    text = (ctx.inbound.text or "").strip()
    if (reasons := await _cancel_reasons(ctx, request_id)) is None:
        return
    at = pick_label(text, [r.label for r in reasons[:MAX_REASONS]]) if text else None
    if at is None:
        await escapes.not_understood(ctx)
        return
    await _confirm_cancel_decision(ctx, request_id, reasons[at])


# The Confirm button of a typed decision on a marketplace cancellation, by decision.
_CANCEL_CONFIRM_BUTTON = {
    "approve": "marketplace_claims.confirm_approve_button",
    "reject": "marketplace_claims.confirm_cancel_reject_button",
}


async def _confirm_cancel_decision(
    ctx: Context, request_id: int, reason: RejectReason | None
) -> None:
    """Ask before a typed decision goes to the marketplace: an approval (`reason`
    None) or a rejection with that reason, naming the order.  No sum of ours moves
    either way (the marketplace refunds the buyer), so the question carries none."""
    if (decisions := _decisions(ctx)) is None:
        return
    try:
        number, marketplace = await decisions.cancellation_order(ctx.user.id, request_id)
    except (NotAllowed, InvalidTransition) as exc:
        ctx.state.clear()
        await _cancel_failed(ctx, exc)
        return
    name = display_name(marketplace)
    which = "approve" if reason is None else "reject"
    facts: dict[str, str] = {"number": number, "marketplace": name}
    params: dict[str, object] = {"request_id": request_id}
    if reason is not None:
        facts["reason"] = reason.label
        params["reason"] = reason.code
    confirm.ask(
        ctx,
        CANCEL_APPROVE_KIND if reason is None else CANCEL_REJECT_KIND,
        amount=Decimal(0),
        currency="USD",
        prompt=ctx.t(f"marketplace_claims.confirm_cancel_{which}", **facts),
        params=params,
        button=ctx.catalog.plain(_CANCEL_CONFIRM_BUTTON[which], marketplace=name),
    )


@confirm.executor(CANCEL_APPROVE_KIND)
async def _cancel_approval_confirmed(ctx: Context, pending: confirm.Pending) -> None:
    await _decide_cancellation(ctx, int(pending.params["request_id"]), approve=True)


@confirm.executor(CANCEL_REJECT_KIND)
async def _cancel_rejection_confirmed(ctx: Context, pending: confirm.Pending) -> None:
    request_id, reason = int(pending.params["request_id"]), str(pending.params["reason"])
    await _decide_cancellation(ctx, request_id, approve=False, reason=reason)


@router.button(REJECT_CANCEL_REASON.prefix)
async def cancellation_reason_picked(ctx: Context) -> None:
    values = REJECT_CANCEL_REASON.unpack(ctx.inbound.button)
    if values is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    request_id, index = int(values["request"]), int(values["reason"])
    if (reasons := await _cancel_reasons(ctx, request_id)) is None:
        return
    if index >= len(reasons):
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    if ctx.state.step == CANCEL_REASON_STEP:
        ctx.state.clear()
    await _decide_cancellation(ctx, request_id, approve=False, reason=reasons[index].code)


async def _decide_cancellation(
    ctx: Context, request_id: int, *, approve: bool, reason: str | None = None
) -> None:
    if (decisions := _decisions(ctx)) is None:
        return
    try:
        decided = await decisions.decide_cancellation(
            ctx.user.id, request_id, approve=approve, reason=reason
        )
    except (MarketplaceError, NotAllowed, InvalidTransition, AlreadyDecided) as exc:
        await _cancel_failed(ctx, exc)
        return
    key = "cancel_approved" if decided.status == "approved" else "cancel_rejected"
    ctx.reply(ctx.t(f"marketplace_claims.{key}", number=decided.order_number))


async def _cancel_failed(ctx: Context, exc: Exception) -> None:
    if isinstance(exc, DecisionRefused):  # the next sync brings the marketplace's answer
        ctx.reply(ctx.t("marketplace_claims.cancel_refused", reason=why(ctx.catalog, exc)))
    elif isinstance(exc, MarketplaceError):
        await _failed(ctx, exc)
    elif isinstance(exc, NotAllowed):
        ctx.reply(ctx.t("seller.only_sellers"))
    else:  # decided already (here or on the marketplace)
        ctx.reply(ctx.t("marketplace_claims.cancel_decided_already"))
