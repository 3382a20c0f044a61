"""Following a return: /returns, the claim card with its history, withdrawing,
answering the seller's question, and entering the return parcel's tracking number."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bot.domain.carriers import KNOWN_CARRIERS, TrackingNumberError
from bot.domain.enums import ClaimStatus, ClaimType
from bot.domain.errors import ClaimNotFound, InvalidTransition, OrderNotFound
from bot.domain.marketplace import display_name
from bot.domain.money import format_money
from bot.domain.returns import MAX_PHOTOS, OPEN, WITHDRAWABLE, summary_kind
from bot.services.intents import RequestTopic
from bot.services.returns import (
    ClaimView,
    DraftInvalid,
    PhotoDraft,
    QuestionWaiting,
    other_carrier_name,
    other_tracking_number,
)
from bot.understanding.cancelling import keeps_it, withdraws_it
from bot.understanding.carrier_names import (
    Problem,
    TrackingAnswer,
    carrier_name,
    numbers_in,
    read_tracking_answer,
)
from bot.understanding.return_address import asks_when_to_send, asks_where_to_send
from bot.understanding.steps import answer_to_an_offer, yes_no
from handlers import escapes
from handlers.buttons import ButtonData, Id
from handlers.buyer.views import format_date
from handlers.catalog import Catalog, Safe
from handlers.claim_history import Entry, history_lines, latest_to_buyer
from handlers.claim_labels import type_label
from handlers.core import NOT_ANSWERS, Context, Router, button_args, int_arg, pressed_under
from handlers.fit import Field, Line, Piece, cut, fit, line, lines
from handlers.media import PhotoRefused, refusal_text, with_photo
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
            type=type_label(catalog, claim.type, claim.reason),
            reason=catalog.plain(f"claim_reason.{claim.reason.value}"),
            items=lines(items, catalog, "fit.more_items"),
            money=Safe(
                t(
                    f"journey.card_money.{summary_kind(claim.type, claim.reason)}",
                    amount=format_money(claim.amount, claim.currency, catalog.language),
                )
            ),
            photos=claim.photo_count,
        )
    ]
    if claim.marketplace is not None:  # its actions and refund are the marketplace's
        name = display_name(claim.marketplace)
        pieces.append(t("marketplace_buyer.card_marker", marketplace=name))
    if claim.status == ClaimStatus.REQUESTED and claim.respond_by:
        deadline = format_date(claim.respond_by, zone=claim.timezone, language=catalog.language)
        pieces.append(t("claims.respond_by", deadline=deadline))
    if claim.status == ClaimStatus.AWAITING_BUYER_SHIPMENT and claim.ship_by:
        pieces.append(
            t(
                "claims.ship_by",
                deadline=format_date(claim.ship_by, zone=claim.timezone, language=catalog.language),
            )
        )
        if claim.return_address:
            pieces.append(
                line(catalog, "journey.card_return_address", address=Field(claim.return_address))
            )
        else:
            pieces.append(t("journey.card_return_address_pending"))
    if claim.return_tracking:
        pieces.append(
            t("claims.return_parcel", carrier=claim.return_carrier, tracking=claim.return_tracking)
        )
    pieces += ["", t("claims.history_title")]
    history = buyer_history(catalog, claim)
    pieces.append(lines(history, catalog, "fit.more_earlier", keep="tail"))
    return fit(*pieces, notice=t("fit.notice_buyer_card"))


def _entries(claim: ClaimView) -> list[Entry]:
    return [Entry(e.at, e.to_status.value, e.actor.value, e.note) for e in claim.history]


def buyer_history(catalog: Catalog, claim: ClaimView) -> list[Line]:
    """The request's history as the buyer reads it, oldest first."""
    return history_lines(
        catalog, _entries(claim), "buyer", zone=claim.timezone, currency=claim.currency
    )


def latest_event(catalog: Catalog, claim: ClaimView) -> Line | None:
    """What happened to the request last, in a line (no date)."""
    return latest_to_buyer(catalog, _entries(claim), claim.currency)


def claim_keyboard(catalog: Catalog, claim: ClaimView) -> Keyboard | None:
    p = catalog.plain
    rows: list[list[Button]] = []
    if claim.marketplace is not None:  # withdrawn, shipped back, appealed there
        return None
    if claim.status == ClaimStatus.NEEDS_INFO:
        rows.append([Button(p("claims.answer"), f"ca:{claim.id}")])
    if claim.status == ClaimStatus.AWAITING_BUYER_SHIPMENT:
        rows.append([Button(p("claims.ship"), f"cs:{claim.id}")])
    if claim.status in WITHDRAWABLE:
        rows.append([Button(p("claims.withdraw"), f"cw:{claim.id}")])
    # A rejection, or a refund of less than was asked (it keeps an appeal deadline);
    # the service checks the window.
    partly = claim.status == ClaimStatus.REFUNDED and claim.appeal_by is not None
    if claim.status == ClaimStatus.REJECTED or partly:
        rows.append([Button(p("claims.appeal"), f"ap:{claim.id}")])
    return Keyboard.of(*rows) if rows else None


@router.command("returns")
async def list_claims(ctx: Context) -> None:
    step = ctx.state.step
    drafting = step is not None and escapes.family(step) == "ret" and "order_id" in ctx.state.data
    filed = await ctx.services.returns.claims(ctx.user.id)
    if filed or not drafting:  # "you have no return requests" above a draft is noise
        await show_claims(ctx, filed)
    if drafting:
        # /returns keeps a return being written; it is not among the requests yet, so
        # say where it is rather than "you have no return requests" and nothing else.
        try:
            order = await ctx.services.orders.order(ctx.user.id, int(ctx.state.data["order_id"]))
        except OrderNotFound:  # unlinked since: the step itself will say so
            return
        ctx.reply(ctx.t("claims.draft_waiting", number=order.order_number))
        await escapes.reprompt(ctx)


async def show_claims(ctx: Context, found: list[ClaimView] | None = None) -> bool:
    """The buyer's return and refund requests, as buttons; False when there are none
    (and the buyer was told so).  `found`: the requests, when the caller has just
    read them."""
    claims = found if found is not None else await ctx.services.returns.claims(ctx.user.id)
    if not claims:
        ctx.reply(ctx.t("claims.none"))
        return False
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
    return True


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


def reply_card(ctx: Context, claim: ClaimView) -> None:
    """The request's card with the buttons its status allows."""
    ctx.reply(claim_text(ctx.catalog, claim), claim_keyboard(ctx.catalog, claim))


@router.button("cl")
async def open_claim(ctx: Context) -> None:
    claim = await _claim(ctx)  # a vanished request: an alert on the tapped button
    if claim is not None:
        reply_card(ctx, claim)


async def show_claim(ctx: Context, claim_id: int) -> None:
    """One of the buyer's requests, for a typed question about it; as `open_claim`,
    but a request gone since is said in a line (nothing was tapped to alert on)."""
    try:
        claim = await ctx.services.returns.claim(ctx.user.id, claim_id)
    except ClaimNotFound:
        ctx.reply(ctx.t("claims.none"))
        return
    reply_card(ctx, claim)


async def show_about(ctx: Context, under_way: list[ClaimView], topic: RequestTopic) -> None:
    """The buyer's requests under way, for words about one already filed
    (`intents.about_the_request`): with one, a line on what was asked (photos can't be
    added, a request can't be changed, the item stays or goes back and when), then its
    card; with several, the list to pick from.  What happens if the seller says no
    (the appeal) or never answers (approved by itself) are lines too."""
    if len(under_way) > 1:
        await show_claims(ctx, under_way)
        return
    claim = under_way[0]
    if claim.marketplace is None and (key := _about_line(claim, topic)) is not None:
        p = ctx.catalog.plain
        button = p("claims.ship") if key == "enter_tracking" else p("claims.answer")
        ctx.reply(ctx.t(f"claims.about.{key}", claim=claim.number, button=button))
    reply_card(ctx, claim)


_BEFORE_AN_ANSWER = frozenset({ClaimStatus.REQUESTED, ClaimStatus.NEEDS_INFO})


def _about_line(claim: ClaimView, topic: RequestTopic) -> str | None:
    """Which line answers `topic` for this request, by its kind and where it stands;
    None where the card alone does (it says where the request stands)."""
    status = claim.status
    if topic is RequestTopic.PHOTOS:
        return {ClaimStatus.REQUESTED: "photos", ClaimStatus.NEEDS_INFO: "photos_asked"}.get(status)
    if topic is RequestTopic.CHANGE:
        return "change" if status in WITHDRAWABLE else None
    if topic is RequestTopic.IF_REFUSED:
        return "if_refused" if status in _BEFORE_AN_ANSWER else None
    if topic is RequestTopic.IF_SILENT:
        return "if_silent" if status is ClaimStatus.REQUESTED else None
    if topic in (RequestTopic.GOES_BACK, RequestTopic.SENT_BACK):
        if claim.type is ClaimType.REFUND:
            return "keep"
        if status in _BEFORE_AN_ANSWER:
            return "too_early" if topic is RequestTopic.SENT_BACK else "goes_back_later"
        if status is ClaimStatus.AWAITING_BUYER_SHIPMENT:
            return "enter_tracking" if topic is RequestTopic.SENT_BACK else "goes_back_now"
    return None


# ----------------------------------------------------------------- withdraw


@router.button("cw")
async def ask_withdraw(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is not None:
        _ask_withdraw(ctx, claim)


async def withdraw_typed(ctx: Context) -> None:
    """ "i changed my mind, cancel my return" typed outside a flow
    (`bot.understanding.cancelling.withdraws_request`): the withdraw question for the
    buyer's request that can still be withdrawn, asking which when several; when none
    can, where to see them (/returns), and when there are none, so."""
    claims = await ctx.services.returns.claims(ctx.user.id)
    # A marketplace's request is withdrawn in its app (its card says so).
    open_ = [c for c in claims if c.status in WITHDRAWABLE and c.marketplace is None]
    if len(open_) == 1:
        _ask_withdraw(ctx, open_[0])
    elif open_:
        p = ctx.catalog.plain
        rows = [
            [
                Button(
                    p(
                        "claims.list_button",
                        claim=c.number,
                        status=p(f"claim_status.{c.status.value}"),
                    ),
                    f"cw:{c.id}",
                )
            ]
            for c in open_[:20]
        ]
        ctx.reply(ctx.t("claims.which_withdraw"), Keyboard.of(*rows))
    elif claims:
        ctx.reply(ctx.t("claims.none_withdrawable"))
    else:
        ctx.reply(ctx.t("claims.none_to_withdraw"))


# "Withdraw return request R…?", while it waits for its answer: typed, "yes" or "no"
# (the shared yes/no reader, "no wait keep it" and "keep it" too) answer it as its
# buttons do, and so do "withdraw it" and "cancel it" (read before the escapes, as at
# the cancel question); "stop" leaves it, and the request stays.
WITHDRAW = "claim.withdraw"
router.step_words[WITHDRAW] = withdraws_it


def _ask_withdraw(ctx: Context, claim: ClaimView) -> None:
    ctx.state.go(WITHDRAW, claim_id=claim.id, number=claim.number)
    _withdraw_question(ctx, claim.id, claim.number)


def _withdraw_question(ctx: Context, claim_id: int, number: str) -> None:
    p = ctx.catalog.plain
    ctx.reply(
        ctx.t("claims.withdraw_confirm", claim=number),
        Keyboard.of(
            [
                Button(p("claims.withdraw_yes"), f"cwy:{claim_id}"),
                Button(p("claims.withdraw_no"), f"cwn:{claim_id}"),
            ]
        ),
    )


@router.prompt(WITHDRAW)
async def withdraw_prompt(ctx: Context) -> None:
    _withdraw_question(ctx, int(ctx.state.data["claim_id"]), str(ctx.state.data["number"]))


@router.step(WITHDRAW)
async def withdraw_typed_answer(ctx: Context) -> None:
    """ "yes" or "no" typed to the withdraw question: what its buttons do."""
    text = ctx.inbound.text or ""
    answer = False if keeps_it(text) else True if withdraws_it(text) else yes_no(text)
    if answer is None:
        await escapes.not_understood(ctx)
        return
    claim_id = int(ctx.state.data["claim_id"])
    ctx.state.clear()
    if answer:
        await _withdraw(ctx, claim_id)
    else:
        ctx.reply(ctx.t("claims.kept"))


@router.button("cwn")
async def keep_claim(ctx: Context) -> None:
    if ctx.state.step == WITHDRAW:
        ctx.state.clear()
    ctx.edit_or_reply(ctx.t("claims.kept"))


@router.button("cwy")
async def withdraw(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is None:
        return
    if ctx.state.step == WITHDRAW:
        ctx.state.clear()
    await _withdraw(ctx, claim.id)


async def _withdraw(ctx: Context, claim_id: int) -> None:
    """Withdraw the request (the service checks it is the buyer's and still open)."""
    try:
        claim = await ctx.services.returns.withdraw(ctx.user.id, claim_id)
    except ClaimNotFound:
        ctx.reply(ctx.t("claims.gone"))
        return
    except InvalidTransition:
        fresh = await ctx.services.returns.claim(ctx.user.id, claim_id)
        if fresh.status == ClaimStatus.CANCELLED and ctx.inbound.callback_id:
            # A double tap: keep the "withdrawn" reply, and say so on the button.
            ctx.answer(ctx.catalog.plain("claims.already_withdrawn", claim=fresh.number))
            return
        if fresh.status == ClaimStatus.CANCELLED:
            ctx.reply(ctx.t("claims.already_withdrawn", claim=fresh.number))
            return
        status = ctx.catalog.plain(f"claim_status.{fresh.status.value}")
        ctx.edit_or_reply(ctx.t("claims.not_withdrawable", claim=fresh.number, status=status))
        return
    ctx.edit_or_reply(ctx.t("claims.withdrawn", claim=claim.number))


# ------------------------------------------------------------------ answer

# Words that are about the step, not an answer for the seller: with photos added they
# send the photos; without, there is nothing to send (and a question cannot be skipped).
_SKIP = re.compile(r"(?:skip|skip (?:it|this|that)|pass|no answer)", re.IGNORECASE)
_SEND = re.compile(
    r"(?:send|send it|send (?:them|the photos?)|done|that'?s (?:it|all)|finished|submit)",
    re.IGNORECASE,
)


def _answer_keyboard(ctx: Context) -> Keyboard:
    p = ctx.catalog.plain
    return Keyboard.of([Button(p("claims.answer_send"), "cas"), Button(p("common.cancel"), "cax")])


@router.button("ca")
async def start_answer(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is None:
        return
    if claim.status != ClaimStatus.NEEDS_INFO:
        ctx.reply(ctx.t("claims.not_waiting", claim=claim.number))
        return
    # Photos already on the request count toward the maximum: the answer may add the rest.
    room = max(0, MAX_PHOTOS - claim.photo_count)
    ctx.state.go(ANSWER, claim_id=claim.id, number=claim.number, photos=[], room=room)
    ctx.reply(ctx.t("claims.answer_prompt", claim=claim.number), _answer_keyboard(ctx))


@router.prompt(ANSWER)
async def answer_prompt(ctx: Context) -> None:
    """The question again (after help or a file the step can't take), with the photos
    already added counted, so the buyer knows they are not lost."""
    number = ctx.state.data.get("number") or await _number(ctx, int(ctx.state.data["claim_id"]))
    ctx.reply(ctx.t("claims.answer_prompt", claim=number), _answer_keyboard(ctx))
    photos = len(ctx.state.data.get("photos", []))
    if photos:
        ctx.reply(ctx.t("claim_typing.answer_photos_kept", count=photos))


# A free-text answer for the seller may well be a long number (a serial number, the
# order number the seller asked for), so a number here is an answer, not a switch.
@router.step(ANSWER, numbers=True, photos=True)
async def answer_step(ctx: Context) -> None:
    photos: list[dict[str, Any]] = ctx.state.data.get("photos", [])
    if ctx.inbound.photo or ctx.inbound.document or ctx.inbound.other:
        room = int(ctx.state.data.get("room", MAX_PHOTOS))
        if len(photos) >= room:
            key = "journey.answer_photo_over" if room else "journey.answer_photo_full"
            ctx.reply(ctx.t(key, max=MAX_PHOTOS, count=room))
            return
        try:
            photos = ctx.state.data["photos"] = await with_photo(ctx, photos)
        except PhotoRefused as exc:
            ctx.reply(refusal_text(ctx.catalog, exc.reason, len(photos)))
            return
        group = ctx.inbound.media_group_id
        if ctx.inbound.text and group is None:  # a caption is the answer
            await _send_answer(ctx, ctx.inbound.text)
            return
        if ctx.inbound.text:  # an album's caption: the rest of the album is still coming
            ctx.state.data["caption"] = ctx.inbound.text
        send = Keyboard.of([Button(ctx.catalog.plain("claims.answer_send"), "cas")])
        if len(photos) >= room:  # the last one there is room for: say so, not "send more"
            ctx.state.data["album"] = group
            ctx.reply(ctx.t("journey.answer_photo_received_max", count=len(photos)), send)
        elif group is None or ctx.state.data.get("album") != group:
            ctx.state.data["album"] = group
            ctx.reply(ctx.t("claims.answer_photo_received", count=len(photos)), send)
        return
    text = (ctx.inbound.text or "").strip()
    # Step words: "send"/"done" after photos sends them; "skip" cannot skip a question.
    bare = re.sub(r"[\s.!]+$", "", text)
    if _SEND.fullmatch(bare) or _SKIP.fullmatch(bare):
        if photos or ctx.state.data.get("caption"):
            await _send_answer(ctx, None)
            return
        key = "claim_typing.answer_cannot_skip" if _SKIP.fullmatch(bare) else "claims.answer_empty"
        ctx.reply(ctx.t(key))
        await answer_prompt(ctx)
        return
    if not re.search(r"\w", text):  # nothing but spaces, dots or emoji
        ctx.reply(ctx.t("claims.answer_empty"))
        return
    if len(text) > MAX_ANSWER:
        ctx.reply(ctx.t("claim_typing.answer_too_long", length=len(text), limit=MAX_ANSWER))
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
        ctx.reply(ctx.t("steps.cancelled.claim"))
        return
    ctx.reply(ctx.t("common.cancelled"))


# ------------------------------------------- an answer typed without the button

# The seller's question says "tap below to answer"; many buyers just type.  Typed
# outside any step, that text was read as a new request ("it's in 3 pieces, the box
# was fine" started a second return) and the seller never got it.  So while a question
# waits, the text is offered as the answer first: the buyer's tap sends it (answering
# restarts the seller's clock, so it is never sent on a guess), and "No" handles it as
# any message (and the offer is not made again for that question).
TYPED_ANSWER = "typed_answer"  # the text offered, kept until a tap
SEND_TYPED = ButtonData("tas", Id("claim"))
NOT_AN_ANSWER = ButtonData("tan")


def _question_key(question: QuestionWaiting) -> str:
    return f"{question.claim_id}:{question.asked_at.isoformat()}"


async def answer_typed(ctx: Context, text: str | None) -> bool:
    """Offer text typed outside any step as the answer to the seller's question,
    while one waits (several: one button each); False, the usual answer, when none
    waits or the buyer said it was not the answer to those waiting.  A photo (its
    caption too) goes to the answer step, to send with a tap or with what is typed
    next, as the step says ("send a photo of the box" is asked often)."""
    if text is not None and len(text) > MAX_ANSWER:
        return False
    declined = ctx.state.data.get(NOT_ANSWERS) or []
    waiting = [
        q
        for q in await ctx.services.returns.questions_waiting(ctx.user.id)
        if _question_key(q) not in declined
    ]
    if ctx.inbound.photo is not None or ctx.inbound.document is not None:
        return len(waiting) == 1 and await _photo_answer(ctx, waiting[0])
    if not waiting or text is None:
        return False
    ctx.state.data[TYPED_ANSWER] = text
    p = ctx.catalog.plain
    no = [Button(p("claim_typing.typed_answer_no"), NOT_AN_ANSWER.pack())]
    if len(waiting) == 1:
        [question] = waiting
        send = Button(p("claim_typing.typed_answer_send"), SEND_TYPED.pack(claim=question.claim_id))
        key, keyboard = "claim_typing.typed_answer_offer", Keyboard.of([send], no)
    else:
        rows = [
            [
                Button(
                    p("claim_typing.typed_answer_for", claim=q.number),
                    SEND_TYPED.pack(claim=q.claim_id),
                )
            ]
            for q in waiting
        ]
        key, keyboard = "claim_typing.typed_answer_which", Keyboard.of(*rows, no)
    claim = waiting[0].number
    ctx.reply(fit(line(ctx.catalog, key, claim=claim, text=Field(text))), keyboard)
    return True


async def _photo_answer(ctx: Context, question: QuestionWaiting) -> bool:
    try:
        claim = await ctx.services.returns.claim(ctx.user.id, question.claim_id)
    except ClaimNotFound:
        return False
    room = max(0, MAX_PHOTOS - claim.photo_count)
    # Words offered as the answer a moment ago ("here you go, the box was squashed",
    # then the photo instead of a tap) go with it: they were lost, and the seller got
    # the photo alone.
    offered = ctx.state.data.get(TYPED_ANSWER)
    typed = offered if isinstance(offered, str) else None
    caption = "\n".join(t for t in (typed, ctx.inbound.text) if t)
    ctx.state.go(ANSWER, claim_id=claim.id, number=claim.number, photos=[], room=room)
    if caption:  # kept to go with the photos, sent by the buyer's tap or next words
        ctx.state.data["caption"] = caption
        ctx.inbound = replace(ctx.inbound, text=None)
    await answer_step(ctx)
    if typed is not None and ctx.state.step == ANSWER:
        ctx.reply(fit(line(ctx.catalog, "claim_typing.answer_text_kept", text=Field(typed))))
    return True


@router.button(SEND_TYPED.prefix)
async def send_typed_answer(ctx: Context) -> None:
    """ "Send it to the seller" under a typed answer: sent as the answer step sends."""
    if (under := pressed_under(ctx, SEND_TYPED, TYPED_ANSWER)) is not None:
        pressed, text = under
        await _send_offered(ctx, int(pressed["claim"]), text)


@router.button(NOT_AN_ANSWER.prefix)
async def typed_not_an_answer(ctx: Context) -> None:
    """ "No, it's something else": the text is read as any message outside a flow
    would be, and the questions waiting now are not offered for again."""
    if (under := pressed_under(ctx, NOT_AN_ANSWER, TYPED_ANSWER)) is not None:
        ctx.state.data.pop(TYPED_ANSWER)
        waiting = await ctx.services.returns.questions_waiting(ctx.user.id)
        await _read_instead(ctx, under[1], waiting)


async def under_the_offer(ctx: Context, text: str) -> bool:
    """ "yes" or "no" typed under "Send this to the seller as your answer…?": what its
    buttons do ("yes" only with one question waiting: with several, the request's
    button says which).  The offer counts for the next message only: anything else is
    a new message, and the offer's buttons no longer work."""
    offered = ctx.state.data.pop(TYPED_ANSWER, None)
    if not isinstance(offered, str) or ctx.inbound.photo is not None:
        return False
    said = answer_to_an_offer(text)
    if said is None:
        return False
    waiting = await ctx.services.returns.questions_waiting(ctx.user.id)
    if said and len(waiting) == 1:
        await _send_offered(ctx, waiting[0].claim_id, offered)
        return True
    if said:
        return False
    await _read_instead(ctx, offered, waiting)
    return True


async def _send_offered(ctx: Context, claim_id: int, text: str) -> None:
    ctx.state.go(ANSWER, claim_id=claim_id, photos=[])
    await _send_answer(ctx, text)


async def _read_instead(ctx: Context, text: str, waiting: list[QuestionWaiting]) -> None:
    """The offered text read as any message, the questions now waiting not offered for
    again."""
    ctx.state.data[NOT_ANSWERS] = [_question_key(q) for q in waiting]
    ctx.inbound = replace(ctx.inbound, text=text, button=None, callback_id=None)
    from handlers.buyer.start import on_text  # the buyer's reading of a message

    await on_text(ctx)


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
    deadline = (
        format_date(claim.respond_by, zone=claim.timezone, language=ctx.catalog.language)
        if claim.respond_by
        else "—"
    )
    ctx.reply(ctx.t("claims.answered", deadline=deadline))


# --------------------------------------------------------------- ship back


def _expected(ctx: Context, carrier: str) -> Safe:
    """What the carrier's tracking numbers look like (a catalog line, already HTML)."""
    return Safe(ctx.t(f"claim_typing.format.{carrier}"))


OTHER = "other"  # the "Other carrier" button: its name is typed next


def _carrier_rows(ctx: Context) -> list[list[Button]]:
    p = ctx.catalog.plain
    return [
        [Button(c, f"cc:{c}") for c in KNOWN_CARRIERS],
        [Button(p("journey.other_carrier"), f"cc:{OTHER}")],
        [Button(p("common.cancel"), "cax")],
    ]


def _fragment(text: str, number: str) -> str | None:
    """Where in the text the buyer typed this (cleaned) number, as they typed it."""
    if not number:
        return None
    pattern = r"[\s\-]*".join(re.escape(c) for c in number)
    found = re.search(pattern, text, re.IGNORECASE)
    return found.group(0) if found else None


def _as_typed(text: str, number: str) -> str:
    """The number as the buyer typed it (their case, their spaces), not as cleaned for
    checking ("hello123" is not shouted back as "HELLO123"), shortened for quoting."""
    return cut(_fragment(text, number) or number, MAX_QUOTE)


MAX_QUOTE = 30  # characters of a typed number repeated back


@router.button("cs")
async def start_ship(ctx: Context) -> None:
    claim = await _claim(ctx)
    if claim is None:
        return
    if claim.status != ClaimStatus.AWAITING_BUYER_SHIPMENT:
        ctx.reply(ctx.t("claims.not_awaiting_shipment", claim=claim.number))
        return
    ctx.state.go(TRACKING, claim_id=claim.id)
    ctx.reply(ctx.t("claims.ship_carrier"), Keyboard.of(*_carrier_rows(ctx)))


@router.prompt(TRACKING)
async def tracking_prompt(ctx: Context) -> None:
    """Which carrier (with its buttons), or, once the carrier is known, its number with
    what that carrier's numbers look like."""
    carrier = ctx.state.data.get("carrier")
    if carrier is None:
        if ctx.state.data.get(OTHER):
            ctx.reply(ctx.t("journey.other_carrier_ask"), Keyboard.of(*_carrier_rows(ctx)))
            return
        ctx.reply(ctx.t("claims.ship_carrier"), Keyboard.of(*_carrier_rows(ctx)))
        return
    if carrier not in KNOWN_CARRIERS:
        ctx.reply(
            ctx.t("journey.other_tracking", carrier=carrier), Keyboard.of(*_carrier_rows(ctx))
        )
        return
    ctx.reply(
        ctx.t(
            "claim_typing.ship_tracking_again",
            carrier=carrier,
            expected=_expected(ctx, carrier),
        ),
        Keyboard.of(*_carrier_rows(ctx)),
    )


@router.button("cc")
async def pick_carrier(ctx: Context) -> None:
    carrier = (button_args(ctx.inbound.button or "") or [""])[0]
    if ctx.state.step != TRACKING or carrier not in (*KNOWN_CARRIERS, OTHER):
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    if carrier == OTHER:  # its name comes typed
        ctx.state.data.pop("carrier", None)
        ctx.state.data[OTHER] = True
        ctx.reply(ctx.t("journey.other_carrier_ask"))
        return
    ctx.state.data.pop(OTHER, None)
    ctx.state.data["carrier"] = carrier
    ctx.reply(ctx.t("claims.ship_tracking", carrier=carrier))


@router.step(TRACKING, numbers=True)
async def tracking_step(ctx: Context) -> None:
    """A typed carrier, number, or both: record a number that passes its carrier's
    check, keep a carrier named alone, and say exactly what is wrong otherwise.  A
    carrier the bot cannot check ("Royal Mail", or any name after "Other carrier") is
    kept by its name, and its number needs only a plausible shape."""
    text = (ctx.inbound.text or "").strip()
    if not text:  # a photo of the label, a sticker: the step needs the number typed
        await escapes.not_understood(ctx)
        return
    known = ctx.state.data.get("carrier")
    if known is not None and known not in KNOWN_CARRIERS:
        await _other_number(ctx, known, text)
        return
    reading = read_tracking_answer(text, known)
    if reading.carrier is not None and not reading.checkable:
        await _other_named(ctx, reading.carrier, reading.typed)
        return
    if ctx.state.data.get(OTHER) and reading.carrier is None:
        # After "Other carrier": the name, perhaps with the number after it.
        fragment = _fragment(text, reading.typed) if reading.typed else None
        name = text.replace(fragment, " ") if fragment else text
        await _other_named(ctx, name, reading.typed)
        return
    if reading.carrier is not None and reading.named:
        ctx.state.data.pop(OTHER, None)
        ctx.state.data["carrier"] = reading.carrier
    if reading.carrier is not None and reading.number is not None:
        await _ship(ctx, reading.carrier, reading.number)
        return
    if reading.typed is not None:
        _refuse_number(ctx, reading, text)
        return
    if reading.named:  # a carrier alone: now the number
        assert reading.carrier is not None
        ctx.reply(ctx.t("claims.ship_tracking", carrier=reading.carrier))
        return
    if known is not None:  # words with no number in them, the carrier already given
        ctx.reply(
            ctx.t(
                "claim_typing.no_number",
                carrier=known,
                expected=_expected(ctx, known),
            )
        )
        return
    await escapes.not_understood(ctx)


async def where_to_send(ctx: Context, text: str) -> bool:
    """ "where do i send it", "what's the return address" while exactly one of the
    buyer's approved returns waits for them to ship it: that request's card, which
    says where (the shop's return address, or that the seller will send it) and has
    *Enter return tracking*.  False otherwise: the words are read as usual (the
    returns policy answers where returns go in general)."""
    when = asks_when_to_send(text)  # "how long do i have to send it back": the same
    if not (when or asks_where_to_send(text)):
        return False
    claim = await _the_one_to_ship(ctx)
    if claim is not None:
        reply_card(ctx, claim)
        return True
    return await _nothing_to_send(ctx, by_when=when)


# Requests under way whose item is not (or not yet) to be sent back.
_UNDECIDED = frozenset({ClaimStatus.REQUESTED, ClaimStatus.NEEDS_INFO, ClaimStatus.APPEALED})
_UNDER_WAY = OPEN - {ClaimStatus.AWAITING_BUYER_SHIPMENT}


async def _nothing_to_send(ctx: Context, *, by_when: bool = False) -> bool:
    """ "where do i send it back" with requests under way but none waiting for a
    parcel: that nothing is to be sent (yet), with the request's card (several: the
    list).  Found in the demo: asked after a replacement was approved (which needs
    nothing back), it started a new return for the rest of the order.  False with no
    request under way: the words are read as usual."""
    claims = await ctx.services.returns.claims(ctx.user.id)
    under_way = [c for c in claims if c.status in _UNDER_WAY]
    if len(under_way) > 1:
        return await show_claims(ctx, claims)
    if not under_way:
        return False
    [claim] = under_way
    if claim.status in _UNDECIDED and by_when:
        # "how long do i have to send it back": the clock starts with the approval.
        days = claim.ship_back_days
        ctx.reply(ctx.t("claim_typing.send_when_decided", claim=claim.number, days=days))
    elif claim.status in _UNDECIDED:
        ctx.reply(ctx.t("claim_typing.send_not_yet", claim=claim.number))
    elif claim.status is ClaimStatus.APPROVED:
        ctx.reply(ctx.t("claim_typing.send_nothing", claim=claim.number))
    reply_card(ctx, claim)
    return True


async def _the_one_to_ship(ctx: Context) -> ClaimView | None:
    """The buyer's one approved return waiting for them to ship it; None for none or
    several (each card's button says which)."""
    claims = await ctx.services.returns.claims(ctx.user.id)
    waiting = [c for c in claims if c.status == ClaimStatus.AWAITING_BUYER_SHIPMENT]
    return waiting[0] if len(waiting) == 1 else None


async def tracking_typed(ctx: Context, text: str) -> bool:
    """A return parcel's tracking number typed outside the step ("el número de
    seguimiento es 1Z…", "sent it UPS 1Z…") while exactly one of the buyer's requests
    waits for it: taken as if its *Enter return tracking* button had been tapped
    first.  The approval says "tap below", and many type the number instead; read as a
    question, it opened the order card and the parcel went unrecorded.  A number of a
    carrier's shape that its check refuses (a digit mistyped) goes to the step too,
    which says what is wrong and waits for it again.  False when the message holds no
    tracking number, or when no request (or several: the card's button says which)
    waits for one, and for digits alone, which are an order number first (as they
    always were)."""
    if text.strip().isdigit():
        return False
    reading = read_tracking_answer(text)
    refused = reading.typed is not None and reading.problem is not None
    if (reading.number is None or reading.carrier is None) and not refused:
        return False
    claim = await _the_one_to_ship(ctx)
    if claim is None:
        return False
    ctx.state.go(TRACKING, claim_id=claim.id)
    await tracking_step(ctx)
    return True


async def _other_named(ctx: Context, name: str, number: str | None) -> None:
    """A carrier the bot has no check for: keep its name; record at once when the
    number came with it, else ask for the number."""
    carrier = other_carrier_name(name)
    if carrier is None:
        ctx.state.data[OTHER] = True
        ctx.reply(ctx.t("journey.other_carrier_bad"), Keyboard.of(*_carrier_rows(ctx)))
        return
    ctx.state.data.pop(OTHER, None)
    ctx.state.data["carrier"] = carrier
    if number is not None:
        await _other_number(ctx, carrier, number)
        return
    ctx.reply(ctx.t("journey.other_tracking", carrier=carrier))


async def _other_number(ctx: Context, carrier: str, text: str) -> None:
    """The number for a carrier the bot cannot check: any run of letters and digits of
    a tracking number's length.  A known carrier named now replaces the other one."""
    named = carrier_name(text)
    if named in KNOWN_CARRIERS:
        ctx.state.data.pop("carrier", None)
        ctx.state.data.pop(OTHER, None)
        await tracking_step(ctx)
        return
    number = other_tracking_number(text)
    if number is None:
        typed = numbers_in(text)
        if typed:  # a number in words ("it's AB1234…"): that number alone
            number = other_tracking_number(typed[0])
        if number is None and not any(c.isdigit() for c in text):
            ctx.reply(ctx.t("journey.other_tracking", carrier=carrier))  # words: ask again
            return
        if number is None:
            quoted = _as_typed(text, typed[0]) if typed else cut(text, MAX_QUOTE)
            ctx.reply(ctx.t("journey.other_tracking_bad", number=quoted))
            return
    await _ship(ctx, carrier, number)


def _refuse_number(ctx: Context, reading: TrackingAnswer, text: str) -> None:
    carrier = reading.carrier
    typed = _as_typed(text, reading.typed or "")
    if carrier is None:  # no carrier's shape, none named: ask which one
        ctx.reply(
            ctx.t("claim_typing.unknown_number", number=typed),
            Keyboard.of(*_carrier_rows(ctx)),
        )
        return
    if reading.problem is Problem.CHECK_DIGIT:
        ctx.reply(ctx.t("claim_typing.check_digit", number=typed, carrier=carrier))
        return
    ctx.reply(
        ctx.t(
            "claim_typing.wrong_format",
            number=typed,
            carrier=carrier,
            expected=_expected(ctx, carrier),
        )
    )


async def _ship(ctx: Context, carrier: str, number: str) -> None:
    claim_id = int(ctx.state.data["claim_id"])
    try:
        claim = await ctx.services.returns.ship_back(ctx.user.id, claim_id, carrier, number)
    except TrackingNumberError:  # read_tracking_answer checked it; the service agrees
        typed = cut(number, MAX_QUOTE)
        if carrier in KNOWN_CARRIERS:
            ctx.reply(ctx.t("claim_typing.check_digit", number=typed, carrier=carrier))
        else:
            ctx.reply(ctx.t("journey.other_tracking_bad", number=typed))
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
