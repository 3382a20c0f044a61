"""Rating an order after delivery: the buyer's answer to the request the bot sent on
its own (`bot.services.order_ratings`, rendered by `handlers.buyer.rating_notices`).

* A star button (`ra:<order id>:<stars>`) or a typed rating ("5", "5 stars", "⭐⭐⭐⭐",
  "five", read by `bot.understanding.ratings`, the reader ticket ratings use) while a
  request is pending.  Only a rating that names its number or stars: the request may
  be days old, and "ok thanks" or "great" typed about something else is no rating.
  The service checks that the order is linked to this buyer and that this chat was
  asked about it: forged data changes nothing.
* Every rating is thanked, and the shop's review link (if set) is offered whatever the
  stars: asking only happy buyers for public reviews is review gating.
* 1-3 stars: sorry, what went wrong (the next typed message is stored as the comment;
  Skip or "cancel" leave it), and the next steps that apply: Return (the one rule of
  `bot.domain.returns`, the card's `rs:` button) and Talk to a person (the `hp:`
  hand-over).  With the shop's `low_rating_ticket` on, a ticket opens for staff with
  the stars, and the comment follows into it.

A typed rating when a closed ticket also waits for one (`handlers.support`): the most
recent request wins, since that is the question the buyer is answering.
"""

from __future__ import annotations

import logging

from bot.domain.enums import EscalationReason
from bot.domain.errors import DomainError
from bot.services.order_ratings import RATEABLE, Rated
from bot.services.routing import stars_said
from bot.understanding.ratings import rating_remark, read_counted_rating
from bot.understanding.steps import adds_nothing
from handlers.buttons import ButtonData, Id, Int
from handlers.buyer.views import card_just_shown
from handlers.catalog import Catalog
from handlers.core import Context, Handler, Router
from handlers.fit import Field, Piece, fit, line
from handlers.types import Button, Keyboard

log = logging.getLogger(__name__)
router = Router()

# The star buttons under a rating request: `ra:<order id>:<1..5 stars>`.
RATE = ButtonData("ra", Id("order"), Int("stars", 1, 5))
# Skip the "what went wrong" question: `rax:<order id>`.
SKIP = ButtonData("rax", Id("order"))
COMMENT = "rating.comment"  # the step: waiting for what went wrong


def star_keyboard(order_id: int) -> Keyboard:
    def star(n: int) -> Button:
        return Button("⭐" * n, RATE.pack(order=order_id, stars=n))

    return Keyboard.of([star(1), star(2), star(3)], [star(4), star(5)])


def thanks_text(
    catalog: Catalog,
    rated: Rated,
    *,
    ticket_id: int | None = None,
    person: bool = True,
    ask: bool = True,
) -> str:
    """The thank-you: for any stars; a low rating also says sorry, says a ticket
    opened (if one did), asks what went wrong and names the buttons below; the review
    line whenever the shop has a link."""
    stars = "⭐" * rated.stars
    pieces: list[Piece] = []
    if rated.low:
        pieces.append(
            line(catalog, "rating.thanks_low", number=Field(rated.order_number), stars=stars)
        )
        if ticket_id is not None:
            pieces.append(catalog.t("rating.ticket_opened", id=ticket_id))
        if ask:  # not when the rating came with what went wrong
            pieces.append(catalog.t("rating.ask_what"))
        steps = {
            (True, True): "rating.next_steps",
            (True, False): "rating.next_steps_return",
            (False, True): "rating.next_steps_person",
        }.get((rated.may_return, person))
        if steps is not None:
            pieces.append(catalog.t(steps))
    else:
        pieces.append(
            line(catalog, "rating.thanks_high", number=Field(rated.order_number), stars=stars)
        )
    if rated.review_link:
        pieces.append(catalog.t("rating.review"))
    return fit(*pieces, sep="\n\n", notice=catalog.t("fit.notice_plain"))


def thanks_keyboard(
    catalog: Catalog, rated: Rated, *, person: bool = True, ask: bool = True
) -> Keyboard | None:
    """Review link (any stars); for a low rating Return (when allowed now), Talk to a
    person (unless a ticket just opened) and Skip (only while what went wrong is asked:
    "2 stars, it came late" said it already)."""
    p = catalog.plain
    rows: list[list[Button]] = []
    if rated.low:
        steps: list[Button] = []
        if rated.may_return:
            steps.append(Button(p("returns.return_button"), f"rs:{rated.order_id}"))
        if person:
            steps.append(Button(p("support.human_button"), f"hp:{rated.order_id}"))
        if steps:
            rows.append(steps)
    if rated.review_link:
        rows.append([Button(p("rating.review_button"), url=rated.review_link)])
    if rated.low and ask:
        rows.append([Button(p("rating.skip_button"), SKIP.pack(order=rated.order_id))])
    return Keyboard.of(*rows) if rows else None


@router.button(RATE.prefix)
async def rate_button(ctx: Context) -> None:
    pressed = RATE.unpack(ctx.inbound.button)
    if pressed is None:  # a rating of 9, a missing part, letters: forged or stale
        ctx.answer(ctx.catalog.plain("rating.not_yours"), alert=True)
        return
    try:
        rated = await ctx.services.ratings.rate(
            ctx.user.id, ctx.chat_id, pressed["order"], pressed["stars"]
        )
    except DomainError:  # not this buyer's order, or this chat was never asked
        ctx.answer(ctx.catalog.plain("rating.not_yours"), alert=True)
        return
    ctx.answer(ctx.catalog.plain("rating.rated_short"))
    await rated_reply(ctx, rated)


async def typed_rating(ctx: Context) -> bool:
    """A typed rating outside any flow, while an order's request is pending and is the
    newest request the buyer got (a ticket closed after it asked its own question,
    which `handlers.support` reads).  False: not ours, the text goes on as usual."""
    text = (ctx.inbound.text or "").strip()
    if not text or ctx.inbound.photo is not None or ctx.inbound.document is not None:
        return False
    stars = read_counted_rating(text)
    if stars is None:
        return False
    pending = await ctx.services.ratings.pending(ctx.user.id, ctx.chat_id)
    if pending is None:
        return await _rated_unasked(ctx, text)
    tickets = ctx.services.tickets
    if await tickets.current(ctx.user.id) is not None:
        return False  # talking with staff: what they type is for them
    closed = await tickets.recently_closed(ctx.user.id)
    if closed is not None and closed.closed_at is not None and closed.closed_at > pending.asked_at:
        return False  # "How did we do?" came after our request: the ticket's rating
    try:
        rated = await ctx.services.ratings.rate(ctx.user.id, ctx.chat_id, pending.order_id, stars)
    except DomainError:
        return False
    await _typed_reply(ctx, rated, text)
    return True


async def _typed_reply(ctx: Context, rated: Rated, text: str) -> None:
    """The thanks for a typed rating; "2 stars, it came a week late" says what went
    wrong already, so it is kept as the comment and not asked for.  So is what a high
    one says ("4 stars, nice towel but the box was crushed": found in the demo, the
    words were dropped)."""
    remark = rating_remark(text)
    await rated_reply(ctx, rated, ask=remark is None)
    if remark is not None:
        # A low rating's comment step holds the order and its ticket; a high one has none.
        data: dict[str, object] = dict(ctx.state.data) if rated.low else {"order": rated.order_id}
        await _save_comment(ctx, data, remark)


async def _rated_unasked(ctx: Context, text: str) -> bool:
    """Stars typed before any request came ("4 stars" under a delivered order's card,
    "3 stars, the candle smell is weak"): that order's rating, when the stars are said
    as stars and one delivered order is meant (the card just shown, else the only one
    delivered).  Before, they were thanked as small talk ("Glad to hear it!" for three
    stars and a complaint) and nothing was kept; the request came minutes later.  False
    otherwise: the words go on as before."""
    stars = stars_said(text)
    if stars is None:
        return False
    tickets = ctx.services.tickets
    if await tickets.current(ctx.user.id) is not None:
        return False  # talking with staff: what they type is for them
    if await tickets.recently_closed(ctx.user.id) is not None:
        return False  # "How did we do?" may be what the stars answer
    delivered = [
        o.id for o in await ctx.services.orders.all_linked(ctx.user.id) if o.status in RATEABLE
    ]
    shown = card_just_shown(ctx)
    order_id = shown if shown in delivered else delivered[0] if len(delivered) == 1 else None
    if order_id is None:
        return False
    try:
        rated = await ctx.services.ratings.rate_unasked(ctx.user.id, order_id, stars)
    except DomainError:  # not theirs, not delivered, or the shop collects no ratings
        return False
    await _typed_reply(ctx, rated, text)
    return True


def typed_first(fallback: Handler | None) -> Handler:
    """Wrap the free-text handler: a typed answer to a pending rating request first."""

    async def handler(ctx: Context) -> None:
        if await typed_rating(ctx):
            return
        if fallback is not None:
            await fallback(ctx)

    return handler


async def rated_reply(ctx: Context, rated: Rated, *, ask: bool = True) -> None:
    """Thank them (a new message: the request keeps its stars, so a second tap
    replaces the rating); after a low one, wait for what went wrong and open the
    shop's low-rating ticket if it wants one."""
    ticket_id: int | None = None
    if rated.low and rated.low_rating_ticket:
        ticket_id = await _low_rating_ticket(ctx, rated)
    person = ticket_id is None  # a ticket is a person already
    ctx.reply(
        thanks_text(ctx.catalog, rated, ticket_id=ticket_id, person=person, ask=ask),
        thanks_keyboard(ctx.catalog, rated, person=person, ask=ask),
    )
    if rated.low:
        ctx.state.go(COMMENT, order=rated.order_id, number=rated.order_number, ticket=ticket_id)
    elif ctx.state.step == COMMENT:
        ctx.state.clear()  # a second, higher tap: nothing more to ask


async def _low_rating_ticket(ctx: Context, rated: Rated) -> int | None:
    """Open (or join) the buyer's ticket about this order and tell staff the stars.
    None when there is no staff chat to open it in."""
    from handlers.staff.relay import place, tell_staff
    from handlers.staff.views import staff_catalog
    from handlers.support import support_available

    if not support_available(ctx):
        return None
    try:
        opened = await ctx.services.tickets.open(
            ctx.user.id, EscalationReason.LOW_RATING, order_id=rated.order_id
        )
    except DomainError:
        log.warning("low-rating ticket not opened", extra={"order_id": rated.order_id})
        return None
    ticket = await place(ctx, opened.ticket, opening=True)
    staff = staff_catalog(ticket)
    told = fit(
        line(
            staff,
            "rating.staff_rated",
            stars="⭐" * rated.stars,
            number=Field(rated.order_number),
            n=rated.stars,
        )
    )
    await tell_staff(ctx, ticket, told)
    return ticket.id


@router.prompt(COMMENT)
async def ask_comment_again(ctx: Context) -> None:
    order_id = int(ctx.state.data.get("order") or 0)
    number = str(ctx.state.data.get("number") or "")
    skip = (
        Keyboard.of([Button(ctx.catalog.plain("rating.skip_button"), SKIP.pack(order=order_id))])
        if order_id
        else None
    )
    ctx.reply(
        fit(line(ctx.catalog, "rating.comment_prompt", number=Field(number))),
        skip,
    )


@router.step(COMMENT)
async def comment(ctx: Context) -> None:
    text = (ctx.inbound.text or "").strip()
    if not text or ctx.inbound.photo is not None:
        ctx.reply(ctx.t("rating.comment_text_only"))
        return
    if adds_nothing(text):  # "skip", "nothing", "no thanks": as the Skip button
        ctx.state.clear()
        ctx.reply(ctx.t("rating.comment_skipped"))
        return
    await _save_comment(ctx, dict(ctx.state.data), text)


async def _save_comment(ctx: Context, data: dict[str, object], text: str) -> None:
    """Keep what went wrong with the rating (`data`: the comment step's), say it was
    passed on, and show it in the low-rating ticket if one opened."""
    if ctx.state.step == COMMENT:
        ctx.state.clear()
    order_id = data.get("order")
    try:
        rated = await ctx.services.ratings.comment(
            ctx.user.id, ctx.chat_id, order_id if isinstance(order_id, int) else 0, text
        )
    except DomainError:
        ctx.reply(ctx.t("rating.not_yours"))
        return
    ctx.reply(ctx.t("rating.comment_saved"))
    ticket_id = data.get("ticket")
    if isinstance(ticket_id, int):
        await _comment_to_staff(ctx, ticket_id, rated, text)


async def _comment_to_staff(ctx: Context, ticket_id: int, rated: Rated, text: str) -> None:
    from handlers.staff.relay import tell_staff
    from handlers.staff.views import staff_catalog

    try:
        ticket = await ctx.services.tickets.get(ticket_id)
    except DomainError:
        return
    staff = staff_catalog(ticket)
    told = fit(
        line(staff, "rating.staff_comment", text=Field(text)),
        notice=staff.t("fit.notice_plain"),
    )
    await tell_staff(ctx, ticket, told)
    log.info("low rating comment sent to staff", extra={"order_id": rated.order_id})


@router.button(SKIP.prefix)
async def skip(ctx: Context) -> None:
    pressed = SKIP.unpack(ctx.inbound.button)
    if (
        pressed is None
        or ctx.state.step != COMMENT
        or ctx.state.data.get("order") != pressed["order"]
    ):
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.state.clear()
    ctx.answer()
    ctx.reply(ctx.t("rating.comment_skipped"))
