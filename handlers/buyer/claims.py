"""Following a return: /returns, the claim card with its history, withdrawing,
answering the seller's question, and entering the return parcel's tracking number."""

from __future__ import annotations

from typing import Any

from bot.domain.carriers import KNOWN_CARRIERS, TrackingNumberError
from bot.domain.enums import ClaimStatus
from bot.domain.errors import ClaimNotFound, InvalidTransition
from bot.domain.money import format_money
from bot.domain.returns import MAX_PHOTOS, WITHDRAWABLE
from bot.services.returns import ClaimView, DraftInvalid, PhotoDraft
from handlers.buyer.views import format_date
from handlers.catalog import Catalog
from handlers.core import Context, Router, button_args, int_arg
from handlers.fit import Field, Piece, fit, line, lines
from handlers.media import PhotoRefused, receive_photo
from handlers.types import Button, Keyboard

router = Router()

ANSWER = "claim.answer"
TRACKING = "claim.tracking"
MAX_ANSWER = 2000


def claim_text(catalog: Catalog, claim: ClaimView) -> str:
    """The request with its full history, within Telegram's limit however long the
    seller's questions and the buyer's answers are (shortened before escaping)."""
    t = catalog.t
    items = [
        line(catalog, "returns.summary_item", quantity=q, name=Field(n)) for n, q in claim.items
    ]
    pieces: list[Piece] = [
        line(
            catalog,
            "claims.card",
            claim=claim.number,
            number=claim.order_number,
            status=catalog.plain(f"claim_status.{claim.status.value}"),
            type=catalog.plain(f"claim_type.{claim.type.value}"),
            reason=catalog.plain(f"claim_reason.{claim.reason.value}"),
            items=lines(items, catalog, "fit.more_items"),
            amount=format_money(claim.amount, claim.currency),
            photos=claim.photo_count,
        )
    ]
    if claim.status == ClaimStatus.REQUESTED and claim.respond_by:
        pieces.append(t("claims.respond_by", deadline=format_date(claim.respond_by)))
    if claim.status == ClaimStatus.AWAITING_BUYER_SHIPMENT and claim.ship_by:
        pieces.append(t("claims.ship_by", deadline=format_date(claim.ship_by)))
    if claim.return_tracking:
        pieces.append(
            t("claims.return_parcel", carrier=claim.return_carrier, tracking=claim.return_tracking)
        )
    pieces += ["", t("claims.history_title")]
    history = [
        line(
            catalog,
            "claims.history_entry",
            date=format_date(entry.at),
            status=catalog.plain(f"claim_status.{entry.to_status.value}"),
            actor=catalog.plain(f"claims.actor.{entry.actor.value}"),
            note=line(catalog, "claims.history_note", note=Field(entry.note)) if entry.note else "",
        )
        for entry in claim.history
    ]
    pieces.append(lines(history, catalog, "fit.more_earlier", keep="tail"))
    return fit(*pieces, notice=t("fit.notice_buyer_card"))


def claim_keyboard(catalog: Catalog, claim: ClaimView) -> Keyboard | None:
    p = catalog.plain
    rows: list[list[Button]] = []
    if claim.status == ClaimStatus.NEEDS_INFO:
        rows.append([Button(p("claims.answer"), f"ca:{claim.id}")])
    if claim.status == ClaimStatus.AWAITING_BUYER_SHIPMENT:
        rows.append([Button(p("claims.ship"), f"cs:{claim.id}")])
    if claim.status in WITHDRAWABLE:
        rows.append([Button(p("claims.withdraw"), f"cw:{claim.id}")])
    if claim.status == ClaimStatus.REJECTED:  # the service checks the appeal window
        rows.append([Button(p("claims.appeal"), f"ap:{claim.id}")])
    return Keyboard.of(*rows) if rows else None


@router.command("returns")
async def list_claims(ctx: Context) -> None:
    claims = await ctx.services.returns.claims(ctx.user.id)
    if not claims:
        ctx.reply(ctx.t("claims.none"))
        return
    p = ctx.catalog.plain
    rows = [
        [
            Button(
                p("claims.list_button", claim=c.number, status=p(f"claim_status.{c.status.value}")),
                f"cl:{c.id}",
            )
        ]
        for c in claims[:20]
    ]
    ctx.reply(ctx.t("claims.list_title", count=len(claims)), Keyboard.of(*rows))


async def _claim(ctx: Context) -> ClaimView | None:
    claim_id = int_arg(ctx.inbound.button or "")
    if claim_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return None
    try:
        return await ctx.services.returns.claim(ctx.user.id, claim_id)
    except ClaimNotFound:
        ctx.answer(ctx.catalog.plain("claims.gone"), alert=True)
        return None


@router.button("cl")
async def open_claim(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is not None:
        ctx.reply(claim_text(ctx.catalog, claim), claim_keyboard(ctx.catalog, claim))


# ----------------------------------------------------------------- withdraw


@router.button("cw")
async def ask_withdraw(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is None:
        return
    p = ctx.catalog.plain
    ctx.reply(
        ctx.t("claims.withdraw_confirm", claim=claim.number),
        Keyboard.of(
            [
                Button(p("claims.withdraw_yes"), f"cwy:{claim.id}"),
                Button(p("claims.withdraw_no"), f"cwn:{claim.id}"),
            ]
        ),
    )


@router.button("cwn")
async def keep_claim(ctx: Context) -> None:
    ctx.edit_or_reply(ctx.t("claims.kept"))


@router.button("cwy")
async def withdraw(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is None:
        return
    try:
        claim = await ctx.services.returns.withdraw(ctx.user.id, claim.id)
    except InvalidTransition:
        fresh = await ctx.services.returns.claim(ctx.user.id, claim.id)
        if fresh.status == ClaimStatus.CANCELLED:  # a double tap: keep the "withdrawn" reply
            ctx.answer(ctx.catalog.plain("claims.already_withdrawn", claim=fresh.number))
            return
        status = ctx.catalog.plain(f"claim_status.{fresh.status.value}")
        ctx.edit_or_reply(ctx.t("claims.not_withdrawable", claim=fresh.number, status=status))
        return
    ctx.edit_or_reply(ctx.t("claims.withdrawn", claim=claim.number))


# ------------------------------------------------------------------ answer


@router.button("ca")
async def start_answer(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is None:
        return
    if claim.status != ClaimStatus.NEEDS_INFO:
        ctx.reply(ctx.t("claims.not_waiting", claim=claim.number))
        return
    ctx.state.go(ANSWER, claim_id=claim.id, photos=[])
    ctx.reply(
        ctx.t("claims.answer_prompt", claim=claim.number),
        Keyboard.of(
            [
                Button(ctx.catalog.plain("claims.answer_send"), "cas"),
                Button(ctx.catalog.plain("common.cancel"), "cax"),
            ]
        ),
    )


@router.step(ANSWER)
async def answer_step(ctx: Context) -> None:
    photos: list[dict[str, Any]] = ctx.state.data.get("photos", [])
    if ctx.inbound.photo or ctx.inbound.document or ctx.inbound.other:
        if len(photos) >= MAX_PHOTOS:
            ctx.reply(ctx.t("returns.photo_too_many", max=MAX_PHOTOS))
            return
        try:
            photo = await receive_photo(ctx)
        except PhotoRefused as exc:
            ctx.reply(ctx.t(f"returns.photo_{exc.reason}", count=len(photos)))
            return
        # A new list, not append(): the core saves the state only when it compares
        # unequal to a shallow copy taken before the handler ran.
        photos = ctx.state.data["photos"] = [*photos, photo.to_json()]
        group = ctx.inbound.media_group_id
        if ctx.inbound.text and group is None:  # a caption is the answer
            await _send_answer(ctx, ctx.inbound.text)
            return
        if ctx.inbound.text:  # an album's caption: the rest of the album is still coming
            ctx.state.data["caption"] = ctx.inbound.text
        if group is None or ctx.state.data.get("album") != group:
            ctx.state.data["album"] = group
            ctx.reply(
                ctx.t("claims.answer_photo_received", count=len(photos)),
                Keyboard.of([Button(ctx.catalog.plain("claims.answer_send"), "cas")]),
            )
        return
    text = (ctx.inbound.text or "").strip()
    if not text:
        ctx.reply(ctx.t("claims.answer_empty"))
        return
    if len(text) > MAX_ANSWER:
        ctx.reply(ctx.t("returns.note_too_long", limit=MAX_ANSWER))
        return
    await _send_answer(ctx, text)


@router.button("cas")
async def send_answer_button(ctx: Context) -> None:
    if ctx.state.step != ANSWER:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    if not ctx.state.data.get("photos"):
        ctx.answer(ctx.catalog.plain("claims.answer_empty"), alert=True)
        return
    await _send_answer(ctx, None)


@router.button("cax")
async def cancel_answer(ctx: Context) -> None:
    if ctx.state.step in (ANSWER, TRACKING):  # the Cancel button of both flows
        ctx.state.clear()
    ctx.reply(ctx.t("common.cancelled"))


async def _number(ctx: Context, claim_id: int) -> str:
    """The claim's number for a message, or "" if it is gone."""
    try:
        return (await ctx.services.returns.claim(ctx.user.id, claim_id)).number
    except ClaimNotFound:
        return ""


async def _send_answer(ctx: Context, text: str | None) -> None:
    claim_id = int(ctx.state.data["claim_id"])
    caption = ctx.state.data.get("caption")
    if caption:  # an album's caption, perhaps followed by a typed answer: keep both
        text = f"{caption}\n{text}" if text else caption
    photos = [PhotoDraft.from_json(p) for p in ctx.state.data.get("photos", [])]
    try:
        claim = await ctx.services.returns.answer_info(ctx.user.id, claim_id, text, photos)
    except (InvalidTransition, ClaimNotFound):
        ctx.state.clear()
        ctx.reply(ctx.t("claims.not_waiting", claim=await _number(ctx, claim_id)))
        return
    except DraftInvalid as exc:
        ctx.reply(ctx.t(f"returns.invalid.{exc.reason}"))
        return
    ctx.state.clear()
    deadline = format_date(claim.respond_by) if claim.respond_by else "—"
    ctx.reply(ctx.t("claims.answered", deadline=deadline))


# --------------------------------------------------------------- ship back


@router.button("cs")
async def start_ship(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is None:
        return
    if claim.status != ClaimStatus.AWAITING_BUYER_SHIPMENT:
        ctx.reply(ctx.t("claims.not_awaiting_shipment", claim=claim.number))
        return
    ctx.state.go(TRACKING, claim_id=claim.id)
    rows = [[Button(c, f"cc:{c}") for c in KNOWN_CARRIERS]]
    ctx.reply(
        ctx.t("claims.ship_carrier"),
        Keyboard.of(*rows, [Button(ctx.catalog.plain("common.cancel"), "cax")]),
    )


@router.button("cc")
async def pick_carrier(ctx: Context) -> None:
    carrier = (button_args(ctx.inbound.button or "") or [""])[0]
    if ctx.state.step != TRACKING or carrier not in KNOWN_CARRIERS:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.state.data["carrier"] = carrier
    ctx.reply(ctx.t("claims.ship_tracking", carrier=carrier))


@router.step(TRACKING, numbers=True)
async def tracking_step(ctx: Context) -> None:
    carrier = ctx.state.data.get("carrier")
    if carrier is None:
        ctx.reply(ctx.t("claims.ship_carrier"))
        return
    number = (ctx.inbound.text or "").strip()
    claim_id = int(ctx.state.data["claim_id"])
    try:
        claim = await ctx.services.returns.ship_back(ctx.user.id, claim_id, carrier, number)
    except TrackingNumberError as exc:
        # The problem quotes what was typed, which may be of any length.
        problem = Field(str(exc))
        ctx.reply(fit(line(ctx.catalog, "claims.ship_bad", carrier=carrier, problem=problem)))
        return
    except (InvalidTransition, ClaimNotFound):
        ctx.state.clear()
        ctx.reply(ctx.t("claims.not_awaiting_shipment", claim=await _number(ctx, claim_id)))
        return
    ctx.state.clear()
    ctx.reply(
        ctx.t(
            "claims.shipped",
            claim=claim.number,
            carrier=claim.return_carrier,
            tracking=claim.return_tracking,
        )
    )
