"""What staff do in the staff chat: list tickets, take and close them, write internal
notes, fetch transcripts, decide appeals, and talk to the requester."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
from decimal import Decimal

from bot.domain.enums import ClaimStatus, TicketStatus
from bot.domain.errors import AmountChanged, DomainError, InvalidTransition, NotFound
from bot.domain.money import format_money
from bot.services.desk import DeskError, Unreachable
from bot.services.tickets import (
    AppealDecided,
    AppealDecision,
    TicketClosed,
    TicketNotFound,
    TicketView,
)
from bot.understanding.staff_words import StaffWord, read_staff_word
from handlers import confirm
from handlers.catalog import Catalog
from handlers.core import Context, Handler, Router, button_args, int_arg
from handlers.fit import cut
from handlers.staff.relay import (
    rename,
    summary_buttons,
    sync_summary,
    tell_staff,
    to_requester,
)
from handlers.staff.reopen import reopen, ticket_number
from handlers.staff.views import (
    assign_button,
    close_button,
    grant_button,
    rating_keyboard,
    requester_catalog,
    staff_catalog,
    summary_keyboard,
    summary_text,
    tickets_list,
    transcript_text,
    uphold_button,
)
from handlers.types import Button, EditKeyboard, Keyboard, SendDocument, SendText

router = Router()


async def ticket_here(ctx: Context) -> TicketView | None:
    """The ticket this staff message belongs to: its topic, or (plain group) the
    ticket message it replies to."""
    inbound, tickets = ctx.inbound, ctx.services.tickets
    if inbound.thread_id is not None:
        found = await tickets.by_topic(inbound.chat_id, inbound.thread_id)
        if found is not None:
            return found
    if inbound.reply_to_message_id is not None:
        return await tickets.by_message(inbound.chat_id, inbound.reply_to_message_id)
    return None


async def _ticket_or_hint(ctx: Context) -> TicketView | None:
    ticket = await ticket_here(ctx)
    if ticket is None:
        ctx.reply(ctx.t("staff.no_ticket_here"))
    return ticket


@router.command("help", "start")
async def staff_help(ctx: Context) -> None:
    ctx.reply(ctx.t("staff.help"))


@router.command("tickets")
async def list_tickets(ctx: Context) -> None:
    tickets = await ctx.services.tickets.open_tickets()
    ctx.reply(tickets_list(ctx.catalog, tickets, ctx.services.clock.now()))


@router.command("note")
async def note(ctx: Context) -> None:
    ticket = await _ticket_or_hint(ctx)
    if ticket is None:
        return
    text = ctx.inbound.args.strip()
    if not text:
        ctx.reply(ctx.t("staff.note_empty"))
        return
    await ctx.services.tickets.record_note(
        ticket.id, staff_id=ctx.inbound.user_id, staff_name=ctx.inbound.user_name, text=text
    )
    ctx.reply(ctx.t("staff.note_saved"), reply_to=ctx.inbound.message_id)


@router.command("transcript")
async def transcript(ctx: Context) -> None:
    ticket = await _ticket_or_hint(ctx)
    if ticket is None:
        return
    view, lines = await ctx.services.tickets.transcript(ticket.id)
    # The summary's facts, whole: the summary itself may be shortened to fit a message.
    summary = await ctx.services.tickets.summary(ticket.id)
    content = transcript_text(ctx.catalog, view, lines, summary).encode()
    ctx.add(
        SendDocument(
            ctx.chat_id,
            f"ticket-{ticket.id}.txt",
            content,
            caption=ctx.t("staff.transcript_caption", id=ticket.id, count=len(lines)),
            thread_id=ctx.inbound.thread_id,
        )
    )


@router.command("close")
async def close_command(ctx: Context) -> None:
    """`/close` in the ticket's topic (or replying to its message), `/close N` anywhere
    in the staff chat.  A number names the ticket to close: one that names no ticket,
    or words ("/close 99", "/close abc"), close nothing, never the ticket of the topic
    it was typed in instead."""
    args = ctx.inbound.args.strip()
    if not args:
        ticket = await _ticket_or_hint(ctx)
        if ticket is not None:
            await close(ctx, ticket)
        return
    ticket_id = ticket_number(args)
    if ticket_id is None:
        ctx.reply(ctx.t("ticket_typing.close_usage"))
        return
    try:
        ticket = await ctx.services.tickets.get(ticket_id)
    except TicketNotFound:
        ctx.reply(ctx.t("ticket_typing.reopen_unknown", id=ticket_id))
        return
    await close(ctx, ticket)


@router.command("reopen")
async def reopen_command(ctx: Context) -> None:
    """`/reopen N` (or `/reopen` in the ticket's topic): open a closed ticket again,
    its topic too, and tell the requester.  Staff membership was checked at the door."""
    await reopen(ctx, ticket_here)


@router.command("*")
async def unknown(ctx: Context) -> None:
    """A command staff do not have.  `/refund` (a seller's command) says where a refund
    is decided here; a slip of a staff command ("/clsoe") names the command meant.
    Neither runs anything: a guessed command could close or reopen the wrong thing."""
    command = ctx.inbound.command or ""
    if command.lower() == "refund":
        ctx.reply(ctx.t("staff_typing.refund_here"))
        return
    known = [name for name in router.commands if name != "*"]
    meant = difflib.get_close_matches(command.lower(), known, n=1, cutoff=0.7)
    if meant:
        ctx.reply(ctx.t("staff_typing.did_you_mean", command=command, meant=meant[0]))
        return
    ctx.reply(ctx.t("staff.unknown_command", command=command))


@router.button("tk")
async def ticket_button(ctx: Context) -> None:
    args = button_args(ctx.inbound.button or "")
    ticket_id = int_arg(ctx.inbound.button or "", 1)
    if len(args) != 2 or args[0] not in ("a", "c") or ticket_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    try:
        ticket = await ctx.services.tickets.get(ticket_id)
    except NotFound:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    if args[0] == "a":
        await assign(ctx, ticket)
    else:
        ctx.answer()
        await close(ctx, ticket)


async def assign(ctx: Context, ticket: TicketView) -> None:
    before, name = ticket, ctx.inbound.user_name
    try:
        ticket = await ctx.services.tickets.assign(
            ticket.id, staff_id=ctx.inbound.user_id, staff_name=name
        )
    except TicketClosed:
        ctx.answer(ctx.catalog.plain("staff.already_closed"), alert=True)
        return
    ctx.answer(ctx.catalog.plain("staff.assigned_short"))
    if ctx.inbound.message_id is not None:
        # Assign again (another staff member, or the same one twice): the summary
        # already shows just Close, and an identical edit is refused by Telegram.
        shown = summary_keyboard(ctx.catalog, before)
        keyboard = summary_keyboard(ctx.catalog, ticket)
        if keyboard != shown:
            ctx.add(EditKeyboard(ctx.chat_id, ctx.inbound.message_id, keyboard))
    ctx.reply(ctx.t("staff.assigned", name=name))


async def close(ctx: Context, ticket: TicketView) -> None:
    before = ticket
    if ticket.holds_appeal and ticket.status == TicketStatus.OPEN:
        # Closing would take the verdict buttons away and leave the buyer's appeal
        # with no answer: the verdict comes first (then the ticket closes as usual).
        if ctx.inbound.button is not None:
            ctx.answer(ctx.catalog.plain("ticket_typing.close_appeal_waits_short"), alert=True)
        else:
            claim = ticket.claim_number or ""
            ctx.reply(ctx.t("ticket_typing.close_appeal_waits", id=ticket.id, claim=claim))
        return
    try:
        ticket = await ctx.services.tickets.close(ticket.id, staff_name=ctx.inbound.user_name)
    except TicketClosed:
        if ctx.inbound.button is not None:
            ctx.answer(ctx.catalog.plain("staff.already_closed"), alert=True)
        else:  # a typed /close has no button to answer: say it in the chat
            ctx.reply(ctx.t("ticket_typing.close_already_closed", id=ticket.id))
        return
    told = await _tell_requester_closed(ctx, ticket)
    name = ctx.inbound.user_name
    here = await ticket_here(ctx)
    if here is not None and here.id == ticket.id:
        ctx.reply(ctx.t("staff.closed" if told else "staff.closed_untold", name=name))
    else:
        # `/close N` typed in General or in another ticket's topic: the line names the
        # ticket, and the ticket's own place says it too (before its topic closes).
        key = "ticket_typing.close_done" if told else "ticket_typing.close_done_untold"
        done = ctx.t(key, id=ticket.id, name=name, requester=ticket.requester_name)
        ctx.reply(done)
        await tell_staff(ctx, ticket, done)
    # An open ticket's summary shows its buttons (a reopen puts them back); they go.
    sync_summary(ctx, ticket, summary_buttons(ctx, before))
    await rename(ctx, ticket)
    if ctx.desk is not None and ticket.topic_id is not None and ticket.staff_chat_id is not None:
        # The bot manages topics, so it may still post in the closed topic (our
        # replies go out after this handler returns).
        with contextlib.suppress(DeskError):
            await ctx.desk.close_topic(ticket.staff_chat_id, ticket.topic_id)


async def _tell_requester_closed(ctx: Context, ticket: TicketView) -> bool:
    if ctx.desk is None:
        return False
    text = requester_catalog(ticket).t("support.closed", id=ticket.id)
    try:
        await ctx.desk.send(SendText(ticket.requester_chat, text, rating_keyboard(ticket.id)))
    except Unreachable:
        await ctx.services.tickets.requester_unreachable(ticket.id)
        return False
    except DeskError:
        return False
    return True


@router.button("av")
async def appeal_verdict(ctx: Context) -> None:
    args = button_args(ctx.inbound.button or "")
    claim_id = int_arg(ctx.inbound.button or "", 1)
    if len(args) != 2 or args[0] not in ("u", "r") or claim_id is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    if args[0] == "r":
        await _offer_refund(ctx, claim_id, ctx.inbound.message_id)
    else:
        await _verdict(ctx, claim_id, refund=False, origin=ctx.inbound.message_id)


async def _offer_refund(ctx: Context, claim_id: int, origin: int | None) -> None:
    """Grant: a dry run first; when it pays, show what and wait for Confirm; a granted
    replacement (no money) is decided at once."""
    try:
        preview = await ctx.services.tickets.decide_appeal(
            claim_id,
            staff_id=ctx.user.id,
            staff_name=ctx.inbound.user_name,
            refund=True,
            dry_run=True,
        )
    except DomainError as exc:
        await _appeal_refused(ctx, exc)
        return
    if not preview.refunded:
        await _verdict(ctx, claim_id, refund=True, origin=origin, expect=Decimal(0))
        return
    prompt = ctx.t(
        "confirm.appeal",
        claim=preview.claim_number,
        amount=format_money(preview.refunded, preview.currency, ctx.catalog.language),
        buyer=confirm.who_gets_it(ctx.catalog, preview.buyer_name),
        number=preview.order_number,
        remaining=format_money(
            preview.remaining or Decimal(0), preview.currency, ctx.catalog.language
        ),
    )
    confirm.ask(
        ctx,
        "appeal",
        amount=preview.refunded,
        currency=preview.currency,
        prompt=prompt,
        params={"claim_id": claim_id},
        origin=origin,
    )


@confirm.executor("appeal")
async def refund_confirmed(ctx: Context, pending: confirm.Pending) -> None:
    claim_id = int(pending.params["claim_id"])
    await _verdict(ctx, claim_id, refund=True, origin=pending.origin, expect=pending.amount)


async def _appeal_refused(ctx: Context, exc: DomainError) -> None:
    if isinstance(exc, AppealDecided) and exc.by:
        ctx.answer(ctx.catalog.plain("staff.appeal_decided_by", name=exc.by), alert=True)
    elif isinstance(exc, InvalidTransition):
        ctx.answer(ctx.catalog.plain("staff.appeal_decided_already"), alert=True)
    else:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    # An old verdict button tapped after the decision: it goes from the message tapped.
    # The ticket's own summary lost them when the appeal was decided: editing it to
    # the same buttons again is refused by Telegram ("message is not modified").
    button = ctx.inbound.button or ""
    if button.startswith("av:") and ctx.inbound.message_id is not None:
        here = await ticket_here(ctx)
        if here is not None and here.summary_message_id == ctx.inbound.message_id:
            return
        keyboard = summary_buttons(ctx, here) if here is not None else None
        ctx.add(EditKeyboard(ctx.chat_id, ctx.inbound.message_id, keyboard))


async def _verdict(
    ctx: Context,
    claim_id: int,
    *,
    refund: bool,
    origin: int | None,
    expect: Decimal | None = None,
) -> None:
    try:
        decision = await ctx.services.tickets.decide_appeal(
            claim_id,
            staff_id=ctx.user.id,
            staff_name=ctx.inbound.user_name,
            refund=refund,
            expect=expect,
        )
    except AmountChanged:  # another refund on the order came first: ask afresh
        ctx.reply(ctx.t("confirm.changed"))
        await _offer_refund(ctx, claim_id, origin)
        return
    except DomainError as exc:
        await _appeal_refused(ctx, exc)
        return
    ctx.answer(ctx.catalog.plain("staff.appeal_done_short"))
    ctx.reply(_verdict_text(ctx.catalog, decision, refund, ctx.inbound.user_name))
    await _decided_everywhere(ctx, decision, refund, origin)


def _verdict_text(catalog: Catalog, decision: AppealDecision, refund: bool, name: str) -> str:
    if refund and decision.status == ClaimStatus.APPROVED:  # a replacement granted
        return catalog.t("staff.appeal_replaced", claim=decision.claim_number, name=name)
    if refund:
        amount = format_money(decision.refunded or Decimal(0), decision.currency, catalog.language)
        return catalog.t(
            "staff.appeal_refunded", claim=decision.claim_number, amount=amount, name=name
        )
    return catalog.t("staff.appeal_upheld", claim=decision.claim_number, name=name)


async def _decided_everywhere(
    ctx: Context, decision: AppealDecision, refund: bool, origin: int | None
) -> None:
    """Every ticket about the claim shows the appeal decided: its summary loses the
    verdict buttons, and a ticket other than this one is told the verdict and where it
    was taken, so no place still offers to pay."""
    here = await ticket_here(ctx)
    edited: set[int] = set()
    for ticket in decision.tickets:
        # What its summary showed while the appeal waited (the verdicts, if it held it).
        before = dataclasses.replace(
            ticket, claim_status=ClaimStatus.APPEALED, appeal_ticket_id=decision.appeal_ticket_id
        )
        shown = summary_buttons(ctx, before)
        sync_summary(ctx, ticket, shown)
        if ticket.summary_message_id is not None and shown != summary_buttons(ctx, ticket):
            edited.add(ticket.summary_message_id)
        if here is None or ticket.id != here.id:
            catalog = staff_catalog(ticket)
            done = _verdict_text(catalog, decision, refund, ctx.inbound.user_name)
            where = here.id if here is not None else ticket.id
            await tell_staff(
                ctx, ticket, catalog.t("staff.appeal_decided_in", decision=done, id=where)
            )
    # The message the verdict was tapped on showed verdicts, whatever its ticket now
    # says it showed (an older summary, or one posted before a single set was kept).
    if origin is not None and origin not in edited:
        ctx.add(EditKeyboard(ctx.chat_id, origin, summary_buttons(ctx, here) if here else None))


@router.command("cancel")
async def cancel_pending(ctx: Context) -> None:
    """/cancel drops this staff member's own refund question (an appeal granted but not
    yet confirmed); nothing is paid.  The staff chat has no other steps to leave.  Only
    in the topic it was asked in: elsewhere /cancel is about another ticket."""
    if confirm.pending_here(ctx) is None:
        ctx.reply(ctx.t("staff_typing.nothing_to_cancel"))
        return
    ctx.state.clear()
    ctx.reply(ctx.t("staff_typing.cancelled"))


def held_or(then: Handler) -> Handler:
    """Text typed in the staff chat goes on to `then` (the requester), except a short
    yes-like word ("yes", "ok", "sure") or a bare "no" while the writer's refund
    question waits (see `confirm.held_in_staff_chat`)."""

    async def handle(ctx: Context) -> None:
        if not confirm.held_in_staff_chat(ctx):
            await then(ctx)

    return handle


async def relay(ctx: Context) -> None:
    ticket = await ticket_here(ctx)
    if ticket is None:
        return  # not about a ticket: staff talking among themselves
    if await _held_as_a_command(ctx, ticket):
        return
    await to_requester(ctx, ticket)


async def _held_as_a_command(ctx: Context, ticket: TicketView) -> bool:
    """ "close this", "assign to me", "summary", "refund 18" typed in an open ticket's
    topic: meant for the bot, so not relayed to the requester
    (`bot/understanding/staff_words.py`); the summary's button that does it is offered
    instead, the summary shown again, or who refunds said.  True when held back."""
    inbound = ctx.inbound
    if ticket.status != TicketStatus.OPEN or inbound.photo is not None:
        return False
    word = read_staff_word(inbound.text)
    if word is None:
        return False
    # Short by construction: only a few words of a command are ever read as one.
    said = {"text": (inbound.text or "").strip(), "name": ticket.requester_name, "id": ticket.id}
    if word in (StaffWord.UPHOLD, StaffWord.REFUND) and ticket.holds_appeal:
        # An appeal's verdict in words: its button, which asks before money moves.
        verdict = uphold_button if word is StaffWord.UPHOLD else grant_button
        ctx.reply(
            ctx.t("staff_typing.command_held", **said),
            Keyboard.of([verdict(staff_catalog(ticket), ticket)]),
        )
        return True
    if word is StaffWord.UPHOLD:  # a verdict with no appeal to decide here
        ctx.reply(ctx.t("staff_typing.uphold_no_appeal", **said))
        return True
    if word is StaffWord.REFUND:  # no button of a ticket refunds but an appeal's
        ctx.reply(ctx.t("staff_typing.refund_held", **said))
        return True
    if word in (StaffWord.ASIDE, StaffWord.CHANGE):
        # A question to the team, or an address to change (which the bot cannot do):
        # sent or noted on one tap.
        ctx.state.data[ASIDE] = {"text": said["text"], "message": inbound.message_id}
        p = ctx.catalog.plain
        send = p("staff_typing.aside_send", name=cut(ticket.requester_name, BUTTON_NAME))
        ctx.reply(
            ctx.t(f"staff_typing.{word.value}_held", **said),
            Keyboard.of(
                [Button(send, f"as:s:{ticket.id}")],
                [Button(p("staff_typing.aside_note"), f"as:n:{ticket.id}")],
            ),
        )
        return True
    if word is StaffWord.SUMMARY:  # the summary again, without its buttons (the first
        # one keeps them, kept in step with the ticket)
        ctx.reply(ctx.t("staff_typing.summary_again", **said))
        summary = await ctx.services.tickets.summary(ticket.id)
        ctx.reply(summary_text(staff_catalog(ticket), summary))
        return True
    offered = close_button if word is StaffWord.CLOSE else assign_button
    ctx.reply(
        ctx.t("staff_typing.command_held", **said), Keyboard.of([offered(ctx.catalog, ticket.id)])
    )
    return True


# The question to the team held back last in this topic (`_held_as_a_command`).
ASIDE = "aside"
BUTTON_NAME = 24  # the requester's name on the Send button, at most


@router.button("as")
async def aside_decided(ctx: Context) -> None:
    """Send the held question to the requester after all, or keep it as an internal
    note; the buttons work once, in the topic they were offered in."""
    args = button_args(ctx.inbound.button or "")
    held = ctx.state.data.pop(ASIDE, None)
    ticket = await ticket_here(ctx)
    if (
        len(args) != 2
        or not isinstance(held, dict)
        or not isinstance(held.get("text"), str)
        or ticket is None
        or str(ticket.id) != args[1]
    ):
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer()
    if ctx.inbound.message_id is not None:  # the choice is made: its buttons go
        ctx.add(EditKeyboard(ctx.chat_id, ctx.inbound.message_id, None))
    text = held["text"]
    if args[0] == "n":
        await ctx.services.tickets.record_note(
            ticket.id, staff_id=ctx.inbound.user_id, staff_name=ctx.inbound.user_name, text=text
        )
        ctx.reply(ctx.t("staff.note_saved"))
        return
    message = held.get("message")
    ctx.inbound = dataclasses.replace(
        ctx.inbound,
        text=text,
        button=None,
        message_id=message if isinstance(message, int) else ctx.inbound.message_id,
    )
    await to_requester(ctx, ticket)


router.on_text = held_or(relay)
router.on_other = relay
router.on_contact = relay
