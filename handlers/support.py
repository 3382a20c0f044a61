"""The requester's side of a hand-over: asking for a person, appeals, seller help,
relaying while a ticket is open, and rating it afterwards.

While a ticket is open, what the requester writes outside any flow goes to staff;
commands, buttons and flows keep working as usual (the core sends text inside a flow to
its step, never here), and an order number typed on its own starts linking it, since
the order card and the link step are the bot's, not staff's.

After a close, a message within 24 hours is read before it reopens anything: a typed
rating ("5 stars!", "great") rates the ticket; a new request the bot handles itself (an
order question, a return, a policy question) goes to the bot; anything else reopens
the ticket, with a "Start fresh" button for a buyer who meant something new.
"""

from __future__ import annotations

import contextlib
import logging

from bot.domain.enums import EscalationReason
from bot.domain.errors import DomainError, NotFound
from bot.services.desk import DeskError, ThreadGone
from bot.services.intents import only_chitchat
from bot.services.orders import looks_like_order_number
from bot.services.routing import wants_the_bot
from bot.services.tickets import Opened, StaffAlreadyAnswered, TicketView
from bot.understanding.ratings import rating_remark, read_counted_rating, read_rating
from bot.understanding.steps import adds_nothing
from handlers.core import Context, Handler, Router, button_args, int_arg
from handlers.fit import Field, fit, line
from handlers.formatting import format_when
from handlers.staff.relay import (
    content_kind,
    place,
    post_summary,
    rename,
    reopened_view,
    summary_buttons,
    sync_summary,
    tell_staff,
    to_staff,
)
from handlers.staff.views import FRESH, RATE, claim_pieces, fresh_keyboard, staff_catalog
from handlers.types import Button, EditKeyboard, EditText, Keyboard

log = logging.getLogger(__name__)
router = Router()

COMMENT = "ticket_comment"
STAFF_COMMANDS = ("tickets", "note", "close", "transcript", "reopen")
# What the bot answers itself after a ticket closed (read as `sure`): these do not
# reopen the ticket.  A person asked for, a complaint, a change to an order and small
# talk do: they are for the people who just helped.
BOT_HANDLES = frozenset(
    {
        "track_order",
        "cancel_order",
        "return_request",
        "refund_status",
        "question",
        "delivery_time",
        "payment_methods",
        "invoice",
        "product_question",
        "warranty",
    }
)
# The draft keys holding the message that reopened a ticket, for "Start fresh".
FRESH_TEXT = "fresh_text"
FRESH_TICKET = "fresh_ticket"


def support_available(ctx: Context) -> bool:
    return ctx.desk is not None and ctx.services.staff.chat_id is not None


async def escalate(
    ctx: Context,
    reason: EscalationReason,
    *,
    order_id: int | None = None,
    claim_id: int | None = None,
) -> None:
    """Hand the conversation to a person.  The answer engine calls this (reason
    ANSWER_FAILED) after two misses in a row."""
    if not support_available(ctx):
        ctx.reply(ctx.t("support.unavailable"))
        return
    opened = await ctx.services.tickets.open(
        ctx.user.id, reason, order_id=order_id, claim_id=claim_id
    )
    await _placed_and_told(ctx, opened)


async def _placed_and_told(ctx: Context, opened: Opened) -> None:
    ticket = await place(ctx, opened.ticket, opening=True)
    joined = opened.joined_claim
    if not opened.created and joined is not None:
        # About another claim than the ticket's: staff see which, and its facts.
        ctx.reply(ctx.t("support.already_open_claim", id=ticket.id, claim=joined.number))
        staff = staff_catalog(ticket)
        asked = staff.t("staff.asked_about_claim", name=ticket.requester_name)
        await tell_staff(ctx, ticket, fit(asked, "", *claim_pieces(staff, joined, ticket)))
    elif not opened.created:
        ctx.reply(ctx.t("support.already_open", id=ticket.id))
        asked = staff_catalog(ticket).t("staff.asked_again", name=ticket.requester_name)
        await tell_staff(ctx, ticket, asked)
    elif opened.answer_from is not None:
        ctx.reply(
            ctx.t(
                "support.opened_after_hours",
                id=ticket.id,
                at=format_when(
                    opened.answer_from,
                    ticket.timezone,
                    show_zone=True,
                    language=ctx.catalog.language,
                ),
            )
        )
    else:
        ctx.reply(ctx.t("support.opened", id=ticket.id))


@router.command("human", "support")
async def human(ctx: Context) -> None:
    ctx.state.clear()
    await escalate(ctx, EscalationReason.REQUESTED)


@router.button("hp")
async def human_button(ctx: Context) -> None:
    # "hp" alone, or "hp:ORDER" from an order card (the service drops an order the
    # person has not proved).  An order part that is no id is forged: nothing opens.
    data = ctx.inbound.button or ""
    order_id = int_arg(data)
    if button_args(data) and order_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.state.clear()
    ctx.answer()
    await escalate(ctx, EscalationReason.REQUESTED, order_id=order_id)


# The conversation's data key for the one request whose appeal was just offered in
# words (`handlers.buyer.typed_appeal`): a typed "yes" next is the tap.
APPEAL_OFFERED = "appeal_offered"


@router.button("ap")
async def appeal(ctx: Context) -> None:
    ctx.state.data.pop(APPEAL_OFFERED, None)  # tapped: a "yes" after it is for staff
    claim_id = int_arg(ctx.inbound.button or "")
    if claim_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    await appeal_claim(ctx, claim_id)


async def appeal_claim(ctx: Context, claim_id: int) -> None:
    """Appeal the buyer's request `claim_id`, tapped or answered "yes" to the offer
    (the service checks that it is theirs and still within the window)."""
    if not support_available(ctx):
        ctx.reply(ctx.t("support.unavailable"))
        return
    try:
        opened = await ctx.services.tickets.appeal(ctx.user.id, claim_id)
    except NotFound:
        if ctx.inbound.callback_id:
            ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        else:  # typed "yes" to an offer of a request no longer theirs
            ctx.reply(ctx.t("support.appeal_closed"))
        return
    except DomainError:
        ctx.answer()
        ctx.reply(ctx.t("support.appeal_closed"))
        return
    ctx.answer()
    ticket = await place(ctx, opened.ticket)
    if not opened.created and not _placed_now(opened.ticket, ticket):
        # Posted before the appeal: staff need the summary again, with the verdicts.
        # A ticket placed just now got its summary with them (once is enough).
        await _appeal_joined(ctx, ticket)
    ctx.reply(ctx.t("support.appeal_sent", claim=ticket.claim_number or "", id=ticket.id))


def _placed_now(before: TicketView, after: TicketView) -> bool:
    """Whether `place` gave the ticket a new place (and posted its summary there):
    it had none, or none in the staff chat of now."""
    where = (after.staff_chat_id, after.topic_id, after.summary_message_id)
    return where != (before.staff_chat_id, before.topic_id, before.summary_message_id)


async def _appeal_joined(ctx: Context, ticket: TicketView) -> None:
    """The appeal joined a conversation staff already have: its summary was posted
    before the claim was appealed, without the claim or the verdict buttons, so staff
    would never see what to decide.  Post the summary again where the ticket lives."""
    if ctx.desk is None or ticket.staff_chat_id is None:
        return
    if not (ticket.topic_id or ticket.summary_message_id):
        return
    reply_to = None if ticket.topic_id else ticket.summary_message_id
    try:
        posted = await post_summary(ctx, ticket, ticket.staff_chat_id, ticket.topic_id, reply_to)
    except DeskError as exc:
        log.warning("appeal not shown to staff", extra={"ticket_id": ticket.id, "error": str(exc)})
        return
    if posted is None:
        return
    # The new post carries the verdicts and is the summary from now on; the old one's
    # Assign / Close go, so one set of buttons stays live for this ticket.
    if ticket.summary_message_id is not None:
        ctx.add(EditKeyboard(ticket.staff_chat_id, ticket.summary_message_id, None))
    await ctx.services.tickets.move_summary(ticket.id, posted)


@router.button("sh")
async def seller_help(ctx: Context) -> None:
    claim_id = int_arg(ctx.inbound.button or "")
    if claim_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    if not support_available(ctx):
        ctx.reply(ctx.t("support.unavailable"))
        return
    try:
        opened = await ctx.services.tickets.seller_help(ctx.user.id, claim_id)
    except DomainError:  # not their shop's claim, or no such claim: same answer
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer()
    await _placed_and_told(ctx, opened)


@router.command(*STAFF_COMMANDS)
async def staff_command_in_private(ctx: Context) -> None:
    ctx.reply(ctx.t("support.staff_only"))


# -- rating ----------------------------------------------------------------------


@router.button("tr")
async def rate(ctx: Context) -> None:
    if (pressed := RATE.unpack(ctx.inbound.button)) is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ticket_id, stars = pressed["ticket"], pressed["stars"]
    try:
        ticket = await ctx.services.tickets.rate(ctx.user.id, ticket_id, stars)
    except DomainError:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer(ctx.catalog.plain("support.rated_short"))
    await _rated(ctx, ticket, stars)


def rating_thanks(ctx: Context, stars: int) -> str:
    """Thanks that fit the rating: a low one is an apology and asks what went wrong,
    not "thank you for rating us ⭐!"."""
    if stars <= 2:
        return ctx.t("cards2.rated_low")
    if stars == 3:
        return ctx.t("cards2.rated_mid")
    return ctx.t("support.rated", stars="⭐" * stars)


async def _rated(ctx: Context, ticket: TicketView, stars: int) -> None:
    """Thank them, ask for a comment, tell staff (a tap edits the closing message; a
    typed rating gets its own reply)."""
    skip = Keyboard.of([Button(ctx.catalog.plain("support.no_comment"), f"trx:{ticket.id}")])
    ctx.edit_or_reply(rating_thanks(ctx, stars), skip)
    message = ctx.inbound.message_id if ctx.inbound.button is not None else None
    ctx.state.go(COMMENT, ticket=ticket.id, message=message)
    await tell_staff(
        ctx, ticket, staff_catalog(ticket).t("staff.rated", stars="⭐" * stars, n=stars)
    )


async def typed_rating(ctx: Context, ticket: TicketView, stars: int) -> bool:
    """A rating typed after the close ("5 stars!"): rates the ticket, never reopens it;
    what it says besides the stars ("4 stars, quick reply") is its comment, not asked
    for again.  False if the ticket cannot be rated (it is not this requester's, or not
    closed)."""
    try:
        ticket = await ctx.services.tickets.rate(ctx.user.id, ticket.id, stars)
    except DomainError:
        return False
    remark = rating_remark(ctx.inbound.text or "")
    if remark is None:
        await _rated(ctx, ticket, stars)
        return True
    await tell_staff(
        ctx, ticket, staff_catalog(ticket).t("staff.rated", stars="⭐" * stars, n=stars)
    )
    ctx.state.clear()
    await _save_comment(ctx, ticket.id, remark, message_id=None, thanks="support.rated_done")
    return True


@router.prompt(COMMENT)
async def ask_comment_again(ctx: Context) -> None:
    ticket_id = int(ctx.state.data.get("ticket", 0))
    skip = Keyboard.of([Button(ctx.catalog.plain("support.no_comment"), f"trx:{ticket_id}")])
    ctx.reply(ctx.t("ticket_typing.comment_prompt"), skip)


@router.button("trx")
async def no_comment(ctx: Context) -> None:
    ctx.state.clear()
    ctx.answer()
    ctx.edit_or_reply(ctx.t("cards2.thanks_no_comment"))


@router.step(COMMENT)
async def comment(ctx: Context) -> None:
    ticket_id = int(ctx.state.data.get("ticket", 0))
    text = (ctx.inbound.text or "").strip()
    if not text:
        ctx.reply(ctx.t("support.comment_text_only"))
        return
    if (stars := read_counted_rating(text)) is not None and rating_remark(text) is None:
        # "5 stars" under "what could we have done better?": the rating said again,
        # a correction (the first may have been a word read as three stars), not a
        # comment of "5 stars".
        try:
            ticket = await ctx.services.tickets.rate(ctx.user.id, ticket_id, stars)
        except DomainError:
            pass
        else:
            await _rated(ctx, ticket, stars)
            return
    if adds_nothing(text):  # "thanks", "no thanks", "nothing": as No, thanks
        ctx.state.clear()
        ctx.reply(ctx.t("cards2.thanks_no_comment"))
        return
    if await bot_handles(ctx, text):
        # Not a comment but a new request ("where is my refund"): the bot's to answer.
        ctx.state.clear()
        await _to_the_bot(ctx, text)
        return
    message_id = ctx.state.data.get("message")
    ctx.state.clear()
    await _save_comment(ctx, ticket_id, text, message_id if isinstance(message_id, int) else None)


async def _save_comment(
    ctx: Context, ticket_id: int, text: str, message_id: int | None, thanks: str = "support.thanks"
) -> None:
    """Keep the requester's comment on their rating, thank them, and show it to staff."""
    try:
        ticket = await ctx.services.tickets.comment(ctx.user.id, ticket_id, text)
    except NotFound:
        return
    if message_id is not None:
        ctx.add(EditText(ctx.chat_id, message_id, ctx.t("support.rated_done")))
    ctx.reply(ctx.t(thanks))
    staff = staff_catalog(ticket)
    comment = fit(
        line(staff, "staff.commented", text=Field(text)), notice=staff.t("fit.notice_plain")
    )
    await tell_staff(ctx, ticket, comment)


# -- relaying while a ticket is open ---------------------------------------------


def _points_into_list(ctx: Context, text: str) -> bool:
    from handlers.buyer.orders import points_into_list  # the buyer package imports this one

    return points_into_list(ctx, text)


def relay_first(fallback: Handler | None) -> Handler:
    """Wrap the requester's free-text / content handler (outside any flow): with a
    ticket open, what they send goes to staff; after a close, it is read first (see
    the module's docstring); otherwise the bot answers as usual."""

    async def handler(ctx: Context) -> None:
        kind = content_kind(ctx.inbound)
        # A message that shows nothing (only spaces or zero-width characters) is not
        # worth a person's attention: the bot says it arrived empty.
        empty = kind == "text" and not (ctx.inbound.text or "").strip()
        relayable = support_available(ctx) and kind is not None and not empty
        if relayable and await _for_staff(ctx):
            return
        if fallback is not None:
            await fallback(ctx)

    return handler


async def _for_staff(ctx: Context) -> bool:
    """Send the message to a ticket, or claim it for the ticket (a typed rating);
    False when it is the bot's to handle."""
    tickets = ctx.services.tickets
    text = _typed(ctx)
    ticket = await tickets.current(ctx.user.id)
    if ticket is not None:
        if text is not None and looks_like_order_number(text):
            return False  # linking stays the bot's: the link step never reaches staff
        if text is not None and _points_into_list(ctx, text):
            return False  # "1" right under /orders: that order's button, typed
        await to_staff(ctx, ticket)
        return True
    closed = await tickets.recently_closed(ctx.user.id)
    if closed is None:
        return False
    if text is not None:
        # Once the buyer rated, only a rating that names its stars changes it ("actually
        # 4 stars"): "ok thanks" or "great" is their goodbye, not three or five stars,
        # and with the rating given the conversation has ended, so it is the bot's to
        # answer rather than a reason to reopen.
        rated = closed.rating is not None
        stars = read_counted_rating(text) if rated else read_rating(text)
        if stars is not None and await typed_rating(ctx, closed, stars):
            return True
        if await bot_handles(ctx, text) or (rated and await _goodbye(ctx, text)):
            return False
        if not rated and _thanks(text):
            # "ok thx" right after the close, before the stars: the buyer's goodbye.
            # It reopened the ticket (staff called back for a thank-you), and the "4"
            # typed next went to staff instead of rating.  The stars are asked again.
            ctx.reply(ctx.t("support.thanks_after_close"))
            return True
    ticket = await _reopened(ctx, await tickets.reopen(closed.id))
    await to_staff(ctx, ticket)
    return True


async def _goodbye(ctx: Context, text: str) -> bool:
    """Small talk: a verdict word ("ok", "perfect") or thanks and goodbyes."""
    if read_rating(text) is not None:
        return True
    reading = await ctx.services.understanding.read(text)
    return reading.sure and reading.intent == "chitchat"


def _thanks(text: str) -> bool:
    """Only thanks or a goodbye ("ok thx", "thank you!", "bye"): no request in it."""
    from handlers.buyer.answers import chitchat_reply  # which imports this module

    if not only_chitchat(" ".join(text.lower().split())):
        return False
    return chitchat_reply(text) in ("answers.you_are_welcome", "answers.goodbye")


def _typed(ctx: Context) -> str | None:
    """The message's text when it is a plain typed message (no photo or file)."""
    if content_kind(ctx.inbound) != "text":
        return None
    return (ctx.inbound.text or "").strip() or None


async def bot_handles(ctx: Context, text: str) -> bool:
    """A request the bot answers itself, read with confidence: an order number, an
    order question, a return, a policy question."""
    if looks_like_order_number(text):
        return True
    reading = await ctx.services.understanding.read(text)
    # "back to bot", "no human please": not for the people who just helped either.
    return (reading.sure and reading.intent in BOT_HANDLES) or wants_the_bot(reading, text)


async def _to_the_bot(ctx: Context, text: str) -> None:
    """What the bot does with typed text outside a flow (the buyer handlers'; imported
    here because they import this module)."""
    from handlers.buyer import linking
    from handlers.buyer.answers import free_text

    if looks_like_order_number(text):
        await linking.received_number(ctx, text)
    else:
        await free_text(ctx, text)


async def _reopened(ctx: Context, ticket: TicketView) -> TicketView:
    """Staff told the ticket is open again, in its topic (a new one, whose summary
    shows the last messages with staff, when the old one was deleted after the close);
    returns the ticket with its place."""
    placed = False
    if ctx.desk is not None and ticket.staff_chat_id is not None and ticket.topic_id is not None:
        try:
            await ctx.desk.reopen_topic(ticket.staff_chat_id, ticket.topic_id)
        except ThreadGone:
            ticket = await place(ctx, await ctx.services.tickets.forget_place(ticket.id))
            placed = True
        except DeskError:
            pass  # unreachable for now: the relay right after tries again
    elif not (ticket.topic_id or ticket.summary_message_id):
        # No place any more (a new staff chat): made now, so staff read the summary,
        # then that it was reopened, then the message.
        ticket = await place(ctx, ticket)
        placed = True
    if not placed:
        await rename(ctx, ticket)
        sync_summary(ctx, ticket, None)  # the close took its buttons: Assign / Close again
    await tell_staff(
        ctx, ticket, staff_catalog(ticket).t("staff.reopened", name=ticket.requester_name)
    )
    ctx.reply(ctx.t("support.reopened", id=ticket.id), fresh_keyboard(ctx.catalog, ticket.id))
    # Kept for "Start fresh": the message then goes to the bot after all.
    ctx.state.go(None, **{FRESH_TICKET: ticket.id, FRESH_TEXT: _typed(ctx)})
    return ticket


@router.button(FRESH.prefix)
async def start_fresh(ctx: Context) -> None:
    """The buyer meant something new: the ticket closes again (staff are told), and
    the message that reopened it goes to the bot."""
    if (pressed := FRESH.unpack(ctx.inbound.button)) is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    try:
        ticket = await ctx.services.tickets.start_fresh(ctx.user.id, pressed["ticket"])
    except StaffAlreadyAnswered:
        ctx.answer()
        ctx.reply(ctx.t("ticket_typing.fresh_too_late", id=pressed["ticket"]))
        return
    except DomainError:  # not theirs, or closed already (pressed twice)
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer()
    saved = ctx.state.data.get(FRESH_TEXT)
    text = saved if ctx.state.data.get(FRESH_TICKET) == ticket.id and saved else None
    ctx.state.clear()
    ctx.edit_or_reply(ctx.t("ticket_typing.fresh_done", id=ticket.id))
    told = staff_catalog(ticket).t("ticket_typing.staff_fresh", name=ticket.requester_name)
    await tell_staff(ctx, ticket, told)
    await rename(ctx, ticket)
    sync_summary(ctx, ticket, summary_buttons(ctx, reopened_view(ticket)))  # closed again
    if ctx.desk is not None and ticket.staff_chat_id is not None and ticket.topic_id is not None:
        with contextlib.suppress(DeskError):
            await ctx.desk.close_topic(ticket.staff_chat_id, ticket.topic_id)
    if isinstance(text, str):
        await _to_the_bot(ctx, text)
    else:
        ctx.reply(ctx.t("ticket_typing.fresh_ask"))
