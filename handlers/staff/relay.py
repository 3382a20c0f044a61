"""Handing a conversation to staff and relaying it both ways, through the desk port.

* `place` gives a ticket its place in the staff chat: a topic whose first post is the
  summary (forum), or a summary message staff reply to (a plain group).
* `to_staff` copies what the requester sent into that place; a deleted topic is
  recreated for the same ticket and the message goes there, so nothing is lost.
* `to_requester` relays a staff message, introduced by the staff member's name (or
  the shop's); a requester who blocked the bot is marked unreachable and staff told.

Every message relayed either way is recorded on the ticket (the transcript, and the
map from a copy back to its ticket for replies in a plain group).
"""

from __future__ import annotations

import dataclasses
import logging

from bot.domain.enums import TicketStatus
from bot.services.desk import DeskError, NoTopicRights, ThreadGone, Unreachable
from bot.services.tickets import TicketView
from handlers.core import Context
from handlers.fit import BUTTON, CAPTION, TEXT, cut, fits
from handlers.staff.views import (
    requester_catalog,
    staff_catalog,
    summary_keyboard,
    summary_text,
    title_of,
)
from handlers.types import EditKeyboard, Inbound, Keyboard, PhotoRef, SendPhotos, SendText

log = logging.getLogger(__name__)

# Kinds whose copy can carry a caption (the staff member's name goes there).
CAPTIONED = frozenset({"photo", "document", "voice", "video", "audio", "animation"})


def content_kind(inbound: Inbound) -> str | None:
    """What a message carries, for relaying and the transcript; None = nothing to relay
    (service messages such as "topic created")."""
    if inbound.photo is not None:
        return "photo"
    if inbound.document is not None:
        return "document"
    if inbound.other is not None:
        return inbound.other
    if inbound.contact is not None:
        return "contact"
    if inbound.text is not None:
        return "text"
    return None


async def place(ctx: Context, ticket: TicketView, *, opening: bool = False) -> TicketView:
    """Make sure staff can see the ticket; returns it with its place (unchanged when
    the staff chat cannot be reached: the next message tries again).  `opening`: the
    current message opened the ticket and is not relayed, so the summary shows it."""
    staff = ctx.services.staff
    chat = staff.chat_id
    if ctx.desk is None or chat is None:
        return ticket
    if ticket.staff_chat_id == chat and (ticket.topic_id or ticket.summary_message_id):
        return ticket
    topic_id: int | None = None
    try:
        if staff.mode == "forum":
            try:
                topic_id = await ctx.desk.create_topic(chat, title_of(ticket))
            except NoTopicRights:
                log.error("no right to create topics: relaying by replies in the group")
                staff.topics_lost()
        summary_id = await post_summary(ctx, ticket, chat, topic_id, opening=opening)
    except DeskError as exc:
        log.error("staff chat unreachable", extra={"ticket_id": ticket.id, "error": str(exc)})
        if topic_id is None:
            return ticket
        summary_id = None
    return await ctx.services.tickets.place(
        ticket.id, staff_chat_id=chat, topic_id=topic_id, summary_message_id=summary_id
    )


async def post_summary(
    ctx: Context,
    ticket: TicketView,
    chat: int,
    topic_id: int | None,
    reply_to: int | None = None,
    *,
    opening: bool = False,
) -> int | None:
    """Post the ticket's summary (with its buttons, then the claim's photos); returns the
    summary's message id.  Raises DeskError."""
    assert ctx.desk is not None
    summary = await ctx.services.tickets.summary(ticket.id)
    inbound = ctx.inbound
    if opening and inbound.text and inbound.command is None and inbound.button is None:
        # The chat log is written after the handler returns, so the message that opened
        # the ticket ("I'd like a real person", the second question the bot could not
        # answer) would be missing from "Last messages", and it is not relayed either.
        now = ctx.services.clock.now()
        recent = (*summary.recent, ("in", inbound.text, now))
        summary = dataclasses.replace(summary, recent=recent)
    staff = staff_catalog(ticket)
    keyboard = summary_keyboard(staff, ticket)
    text = summary_text(staff, summary)
    summary_id = await ctx.desk.send(
        SendText(chat, text, keyboard, thread_id=topic_id, reply_to=reply_to)
    )
    if summary.claim is not None and summary.claim.photos:
        photos = tuple(PhotoRef(path=path) for path in summary.claim.photos)
        await ctx.desk.send(SendPhotos(chat, photos, thread_id=topic_id))
    return summary_id


async def to_staff(ctx: Context, ticket: TicketView) -> bool:
    """Copy the requester's message into the ticket's place; False if it could not be
    delivered (the requester is told to send it again)."""
    inbound = ctx.inbound
    kind = content_kind(inbound)
    if ctx.desk is None or inbound.message_id is None or kind is None:
        return False
    copied: int | None = None
    for _attempt in range(2):
        ticket = await place(ctx, ticket)
        if ticket.staff_chat_id is None or not (ticket.topic_id or ticket.summary_message_id):
            break
        try:
            copied = await ctx.desk.copy(
                to_chat=ticket.staff_chat_id,
                from_chat=inbound.chat_id,
                message_id=inbound.message_id,
                thread_id=ticket.topic_id,
                reply_to=None if ticket.topic_id else ticket.summary_message_id,
            )
            break
        except ThreadGone:
            log.warning(
                "ticket topic was deleted; opening a new one", extra={"ticket_id": ticket.id}
            )
            ticket = await ctx.services.tickets.forget_place(ticket.id)
        except DeskError as exc:
            log.error("relay to staff failed", extra={"ticket_id": ticket.id, "error": str(exc)})
            break
    if copied is None:
        ctx.reply(ctx.t("support.not_delivered"))
        return False
    assert ticket.staff_chat_id is not None
    if inbound.forwarded_from is not None:
        await _say_forwarded(ctx, ticket, copied)
    await ctx.services.tickets.record_requester(
        ticket.id,
        author_name=inbound.user_name,
        kind=kind,
        text=inbound.text,
        copy=(ticket.staff_chat_id, copied),
    )
    return True


async def _say_forwarded(ctx: Context, ticket: TicketView, copied: int) -> None:
    """A copy drops Telegram's "Forwarded from" line: without this note staff read a
    courier's or a friend's words as the requester's own."""
    assert ctx.desk is not None and ticket.staff_chat_id is not None
    told = staff_catalog(ticket)
    origin = ctx.inbound.forwarded_from or told.plain("staff.forwarded_unknown")
    note = told.t("staff.forwarded", name=ticket.requester_name, origin=origin)
    try:
        await ctx.desk.send(
            SendText(ticket.staff_chat_id, note, thread_id=ticket.topic_id, reply_to=copied)
        )
    except DeskError as exc:  # the message itself arrived: the note is a courtesy
        log.warning("forwarded note failed", extra={"ticket_id": ticket.id, "error": str(exc)})


async def to_requester(ctx: Context, ticket: TicketView) -> None:
    """Relay a staff message in the ticket's place to the requester."""
    inbound = ctx.inbound
    kind = content_kind(inbound)
    desk = ctx.desk
    if desk is None or kind is None or inbound.message_id is None:
        return
    if ticket.status != TicketStatus.OPEN:
        ctx.reply(ctx.t("staff.ticket_closed_hint"))
        return
    if kind == "contact":
        ctx.reply(ctx.t("staff.cannot_relay"))
        return
    # A shop's name may be long; the words relayed never are shortened: a message that
    # does not fit with its name goes as it is, after a line that says who wrote it.
    told = requester_catalog(ticket)
    name = cut(ticket.signature or inbound.user_name or told.plain("staff.someone"), BUTTON)
    to = ticket.requester_chat
    try:
        if kind == "text":
            text = told.t("support.staff_says", name=name, text=inbound.text or "")
            if fits(text, TEXT):
                copied = await desk.send(SendText(to, text))
            else:  # too long to prefix: introduce it, then copy it as it is
                await desk.send(SendText(to, told.t("support.staff_sent", name=name)))
                copied = await desk.copy(
                    to_chat=to, from_chat=inbound.chat_id, message_id=inbound.message_id
                )
        elif kind in CAPTIONED:
            caption = told.t("support.staff_caption", name=name, text=inbound.text or "").strip()
            if fits(caption, CAPTION):
                copied = await desk.copy(
                    to_chat=to,
                    from_chat=inbound.chat_id,
                    message_id=inbound.message_id,
                    caption=caption,
                )
            else:
                await desk.send(SendText(to, told.t("support.staff_sent", name=name)))
                copied = await desk.copy(
                    to_chat=to, from_chat=inbound.chat_id, message_id=inbound.message_id
                )
        else:  # stickers, video notes, locations carry no caption
            await desk.send(SendText(to, told.t("support.staff_sent", name=name)))
            copied = await desk.copy(
                to_chat=to, from_chat=inbound.chat_id, message_id=inbound.message_id
            )
    except Unreachable:
        await ctx.services.tickets.requester_unreachable(ticket.id)
        ctx.reply(ctx.t("staff.requester_blocked", name=ticket.requester_name))
        return
    except DeskError as exc:
        log.error("relay to requester failed", extra={"ticket_id": ticket.id, "error": str(exc)})
        ctx.reply(ctx.t("staff.not_delivered"))
        return
    replied = await ctx.services.tickets.record_staff(
        ticket.id,
        staff_id=inbound.user_id,
        staff_name=inbound.user_name,
        kind=kind,
        text=inbound.text,
        copy=(to, copied) if copied else None,
    )
    if replied.was_breached:
        await rename(ctx, replied.ticket)


async def rename(ctx: Context, ticket: TicketView) -> None:
    """Bring the topic's title in line with the ticket (resolved, overdue marks)."""
    if ctx.desk is None or ticket.staff_chat_id is None or ticket.topic_id is None:
        return
    try:
        await ctx.desk.rename_topic(ticket.staff_chat_id, ticket.topic_id, title_of(ticket))
    except DeskError as exc:
        log.warning("topic not renamed", extra={"ticket_id": ticket.id, "error": str(exc)})


async def tell_staff(ctx: Context, ticket: TicketView, text: str) -> None:
    """A line from the bot in the ticket's place (best effort: the ticket records
    what matters; a topic that is gone is recreated by the next relayed message)."""
    if ctx.desk is None or ticket.staff_chat_id is None:
        return
    if not (ticket.topic_id or ticket.summary_message_id):
        return
    try:
        await ctx.desk.send(
            SendText(
                ticket.staff_chat_id,
                text,
                thread_id=ticket.topic_id,
                reply_to=None if ticket.topic_id else ticket.summary_message_id,
            )
        )
    except DeskError as exc:
        log.warning(
            "staff chat line not delivered", extra={"ticket_id": ticket.id, "error": str(exc)}
        )


def summary_buttons(ctx: Context, ticket: TicketView) -> Keyboard | None:
    """The buttons the ticket's summary shows in this state: Assign / Close (and the
    verdicts) while it is open, none once it is closed."""
    if ticket.status != TicketStatus.OPEN:
        return None
    return summary_keyboard(staff_catalog(ticket), ticket)


def sync_summary(ctx: Context, ticket: TicketView, shown: Keyboard | None) -> None:
    """Bring the summary's buttons in line with the ticket, given the buttons it shows
    now.  An edit to what the message already shows is refused by Telegram ("message
    is not modified"), so none is sent when nothing changes (a second Assign, a close
    of a summary whose buttons are gone)."""
    if ticket.summary_message_id is None or ticket.staff_chat_id is None:
        return
    wanted = summary_buttons(ctx, ticket)
    if wanted != shown:
        ctx.add(EditKeyboard(ticket.staff_chat_id, ticket.summary_message_id, wanted))


def reopened_view(ticket: TicketView) -> TicketView:
    """The ticket as it was while open (what its summary showed before a close)."""
    return dataclasses.replace(ticket, status=TicketStatus.OPEN)
