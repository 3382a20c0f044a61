"""Staff reopen a closed ticket: `/reopen N` anywhere in the staff chat, or `/reopen`
inside the ticket's topic.

The ticket number is checked on the server (an unknown number, a ticket that is open,
a requester with another ticket open are each refused with a plain line, changing
nothing); the topic is reopened through the desk (or a new place made when it is gone),
its summary gets its buttons back, and the requester is told that their messages go
to staff again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.services.desk import DeskError, ThreadGone, Unreachable
from bot.services.tickets import OtherTicketOpen, TicketAlreadyOpen, TicketNotFound, TicketView
from handlers.core import Context
from handlers.staff.relay import place, rename, sync_summary, tell_staff
from handlers.staff.views import requester_catalog
from handlers.types import SendText

_NUMBER = re.compile(r"^#?(\d{1,9})$")


def ticket_number(args: str) -> int | None:
    """The ticket a staff command names ("12", "#12"); None for anything else ("abc",
    "12 34"), which the command answers with its usage rather than guessing."""
    matched = _NUMBER.match(args.strip())
    return int(matched.group(1)) if matched else None


async def reopen(
    ctx: Context, ticket_here: Callable[[Context], Awaitable[TicketView | None]]
) -> None:
    args = ctx.inbound.args.strip()
    ticket_id: int | None = None
    if args:
        ticket_id = ticket_number(args)
    else:
        here = await ticket_here(ctx)
        ticket_id = here.id if here is not None else None
    if ticket_id is None:
        ctx.reply(ctx.t("ticket_typing.reopen_usage"))
        return
    name = ctx.inbound.user_name
    try:
        ticket = await ctx.services.tickets.reopen_by_staff(ticket_id, staff_name=name)
    except TicketNotFound:
        ctx.reply(ctx.t("ticket_typing.reopen_unknown", id=ticket_id))
        return
    except TicketAlreadyOpen:
        ctx.reply(ctx.t("ticket_typing.reopen_already_open", id=ticket_id))
        return
    except OtherTicketOpen as exc:
        requester = (await ctx.services.tickets.get(ticket_id)).requester_name
        ctx.reply(ctx.t("ticket_typing.reopen_other_open", name=requester, other=exc.ticket_id))
        return
    ticket = await _reopen_topic(ctx, ticket)
    told = await _tell_requester(ctx, ticket)
    done = ctx.t(
        "ticket_typing.reopen_done" if told else "ticket_typing.reopen_done_untold",
        id=ticket.id,
        name=name,
        requester=ticket.requester_name,
    )
    ctx.reply(done)
    if ctx.inbound.thread_id is None or ctx.inbound.thread_id != ticket.topic_id:
        await tell_staff(ctx, ticket, done)  # and where the ticket lives


async def _reopen_topic(ctx: Context, ticket: TicketView) -> TicketView:
    """The ticket's place open again; returns the ticket with its place (a new one when
    the topic was deleted after the close)."""
    desk = ctx.desk
    if desk is None or ticket.staff_chat_id is None:
        return ticket
    if ticket.topic_id is not None:
        try:
            await desk.reopen_topic(ticket.staff_chat_id, ticket.topic_id)
        except ThreadGone:
            # Deleted after the close: a new topic, whose summary shows the last
            # messages with staff (the old topic held them).
            return await place(ctx, await ctx.services.tickets.forget_place(ticket.id))
        except DeskError:
            pass  # unreachable for now: the relay tries again with the next message
        await rename(ctx, ticket)
    elif not ticket.summary_message_id:
        return await place(ctx, ticket)
    sync_summary(ctx, ticket, None)  # the close took its buttons: Assign / Close again
    return ticket


async def _tell_requester(ctx: Context, ticket: TicketView) -> bool:
    if ctx.desk is None:
        return False
    text = requester_catalog(ticket).t("ticket_typing.reopened_by_staff", id=ticket.id)
    try:
        await ctx.desk.send(SendText(ticket.requester_chat, text))
    except Unreachable:
        await ctx.services.tickets.requester_unreachable(ticket.id)
        return False
    except DeskError:
        return False
    return True
