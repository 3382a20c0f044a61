"""The requester's side of a hand-over: asking for a person, appeals, seller help,
relaying while a ticket is open, and rating it afterwards.

While a ticket is open (or was closed less than 24 hours ago, which reopens it), what
the requester writes outside any flow goes to staff; commands, buttons and flows keep
working as usual.
"""

from __future__ import annotations

import contextlib
import logging

from bot.domain.enums import EscalationReason
from bot.domain.errors import DomainError, NotFound
from bot.services.desk import DeskError
from bot.services.tickets import Opened, TicketView
from handlers.buyer.views import format_date
from handlers.core import Context, Handler, Router, button_args, int_arg
from handlers.fit import Field, fit, line
from handlers.staff.relay import content_kind, place, post_summary, rename, tell_staff, to_staff
from handlers.staff.views import RATE
from handlers.types import Button, EditText, Keyboard

log = logging.getLogger(__name__)
router = Router()

COMMENT = "ticket_comment"
STAFF_COMMANDS = ("tickets", "note", "close", "transcript")


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
    if not opened.created:
        ctx.reply(ctx.t("support.already_open", id=ticket.id))
        await tell_staff(ctx, ticket, ctx.t("staff.asked_again", name=ticket.requester_name))
    elif opened.answer_from is not None:
        ctx.reply(
            ctx.t("support.opened_after_hours", id=ticket.id, at=format_date(opened.answer_from))
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


@router.button("ap")
async def appeal(ctx: Context) -> None:
    claim_id = int_arg(ctx.inbound.button or "")
    if claim_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    if not support_available(ctx):
        ctx.reply(ctx.t("support.unavailable"))
        return
    try:
        opened = await ctx.services.tickets.appeal(ctx.user.id, claim_id)
    except NotFound:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    except DomainError:
        ctx.answer()
        ctx.reply(ctx.t("support.appeal_closed"))
        return
    ctx.answer()
    ticket = await place(ctx, opened.ticket)
    if not opened.created:
        await _appeal_joined(ctx, ticket)
    ctx.reply(ctx.t("support.appeal_sent", claim=ticket.claim_number or "", id=ticket.id))


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
        await post_summary(ctx, ticket, ticket.staff_chat_id, ticket.topic_id, reply_to)
    except DeskError as exc:
        log.warning("appeal not shown to staff", extra={"ticket_id": ticket.id, "error": str(exc)})


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
    skip = Keyboard.of([Button(ctx.catalog.plain("support.no_comment"), f"trx:{ticket.id}")])
    ctx.edit_or_reply(ctx.t("support.rated", stars="⭐" * stars), skip)
    ctx.state.go(COMMENT, ticket=ticket.id, message=ctx.inbound.message_id)
    await tell_staff(ctx, ticket, ctx.t("staff.rated", stars="⭐" * stars, n=stars))


@router.button("trx")
async def no_comment(ctx: Context) -> None:
    ctx.state.clear()
    ctx.answer()
    ctx.edit_or_reply(ctx.t("support.thanks"))


@router.step(COMMENT)
async def comment(ctx: Context) -> None:
    ticket_id = int(ctx.state.data.get("ticket", 0))
    text = (ctx.inbound.text or "").strip()
    if not text:
        ctx.reply(ctx.t("support.comment_text_only"))
        return
    ctx.state.clear()
    try:
        ticket = await ctx.services.tickets.comment(ctx.user.id, ticket_id, text)
    except NotFound:
        return
    message_id = ctx.state.data.get("message")
    if isinstance(message_id, int):
        ctx.add(EditText(ctx.chat_id, message_id, ctx.t("support.rated_done")))
    ctx.reply(ctx.t("support.thanks"))
    comment = fit(
        line(ctx.catalog, "staff.commented", text=Field(text)), notice=ctx.t("fit.notice_plain")
    )
    await tell_staff(ctx, ticket, comment)


# -- relaying while a ticket is open ---------------------------------------------


def relay_first(fallback: Handler | None) -> Handler:
    """Wrap the requester's free-text / content handler: with a ticket open, what they
    send goes to staff; otherwise the bot answers as usual."""

    async def handler(ctx: Context) -> None:
        if support_available(ctx) and content_kind(ctx.inbound) is not None:
            found = await ctx.services.tickets.for_message(ctx.user.id)
            if found is not None:
                ticket, reopened = found
                if reopened:
                    await _reopened(ctx, ticket)
                await to_staff(ctx, ticket)
                return
        if fallback is not None:
            await fallback(ctx)

    return handler


async def _reopened(ctx: Context, ticket: TicketView) -> None:
    if ctx.desk is not None and ticket.staff_chat_id is not None and ticket.topic_id is not None:
        # A deleted topic is recreated by the relay right after; nothing to do here.
        with contextlib.suppress(DeskError):
            await ctx.desk.reopen_topic(ticket.staff_chat_id, ticket.topic_id)
    await rename(ctx, ticket)
    await tell_staff(ctx, ticket, ctx.t("staff.reopened", name=ticket.requester_name))
    ctx.reply(ctx.t("support.reopened", id=ticket.id))
