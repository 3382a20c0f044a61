"""What staff see: topic titles, the ticket summary, the open-ticket list, transcripts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.domain.enums import ActorKind, ClaimStatus, ClaimType, EscalationReason, TicketStatus
from bot.domain.history import read_note
from bot.domain.languages import recipient_language, staff_language
from bot.domain.money import format_money
from bot.services.notices import TopicTitle
from bot.services.tickets import ClaimFacts, Line, Summary, TicketView, title_parts
from handlers import fit as fitting
from handlers.buttons import ButtonData, Id, Int
from handlers.catalog import Catalog, Safe, available_languages
from handlers.fit import TOPIC, Field, Piece, cut, fit, lines
from handlers.formatting import duration, format_when, zone_name
from handlers.types import Button, Keyboard

# The requester's rating buttons under a closed ticket: `tr:<ticket id>:<1..5 stars>`.
RATE = ButtonData("tr", Id("ticket"), Int("stars", 1, 5))
RECENT_PREVIEW = 200  # characters of each of the last messages shown in a summary


def topic_title(parts: TopicTitle) -> str:
    """`#12 · Alex · 5781…` plus a mark: ✅ resolved, ⏰ first response overdue."""
    name = cut(" ".join(str(parts.name or "").split()), 40) or "?"
    title = f"#{parts.id} · {name}"
    if parts.order:
        title += f" · {parts.order}"
    if parts.closed:
        title = "✅ " + title
    elif parts.breached:
        title = "⏰ " + title
    return cut(title, TOPIC)


def title_of(ticket: TicketView) -> str:
    return topic_title(title_parts(ticket))


def staff_catalog(ticket: TicketView) -> Catalog:
    """What the bot writes in the ticket's place, whoever's update it is: the staff
    group is shared, so it reads the shop's staff language, not the requester's."""
    return Catalog(staff_language(ticket.language_settings, available_languages()))


def requester_catalog(ticket: TicketView) -> Catalog:
    """What the bot writes to the requester from a staff member's update: in the
    requester's language, not the staff group's."""
    language = recipient_language(
        ticket.requester_language,
        ticket.requester_language_chosen,
        ticket.language_settings,
        available_languages(),
    )
    return Catalog(language)


def close_button(catalog: Catalog, ticket_id: int) -> Button:
    """The summary's Close, for ticket `ticket_id`."""
    return Button(catalog.plain("staff.close"), f"tk:c:{ticket_id}")


def assign_button(catalog: Catalog, ticket_id: int) -> Button:
    """The summary's Assign to me, for ticket `ticket_id`."""
    return Button(catalog.plain("staff.assign"), f"tk:a:{ticket_id}")


def uphold_button(catalog: Catalog, ticket: TicketView) -> Button:
    """The appeal's *Uphold seller*, for the ticket holding it."""
    return Button(catalog.plain("staff.appeal_uphold"), f"av:u:{ticket.claim_id}")


def grant_button(catalog: Catalog, ticket: TicketView) -> Button:
    """The appeal's *Refund buyer* (*Replace* for a replacement), for the ticket
    holding it."""
    replacement = ticket.claim_type == ClaimType.REPLACEMENT
    grant = "staff.appeal_replace" if replacement else "staff.appeal_refund"
    return Button(catalog.plain(grant), f"av:r:{ticket.claim_id}")


def summary_keyboard(catalog: Catalog, ticket: TicketView) -> Keyboard | None:
    """Under the summary: appeal verdicts (while the appeal waits), Assign, Close."""
    rows: list[list[Button]] = []
    if ticket.holds_appeal:
        # Only the ticket holding the appeal: one live set of verdicts per appeal.
        rows.append([uphold_button(catalog, ticket), grant_button(catalog, ticket)])
    if ticket.status != TicketStatus.OPEN:
        return Keyboard.of(*rows) if rows else None
    if ticket.assignee_id is None:
        rows.append([assign_button(catalog, ticket.id), close_button(catalog, ticket.id)])
    else:
        rows.append([close_button(catalog, ticket.id)])
    return Keyboard.of(*rows)


# Under "I've reopened your ticket": the requester meant something new, not the old
# ticket: `tfr:<ticket id>` closes it again and hands their message to the bot.
FRESH = ButtonData("tfr", Id("ticket"))


def fresh_keyboard(catalog: Catalog, ticket_id: int) -> Keyboard:
    label = catalog.plain("ticket_typing.fresh_button")
    return Keyboard.of([Button(label, FRESH.pack(ticket=ticket_id))])


def event_label(catalog: Catalog, what: str) -> str:
    """A transcript event's name (the older events' names live under `staff.event`)."""
    for key in (f"staff.event.{what}", f"ticket_typing.event.{what}"):
        if catalog.has(key):
            return catalog.plain(key)
    return what


def rating_keyboard(ticket_id: int) -> Keyboard:
    def star(n: int) -> Button:
        return Button("⭐" * n, RATE.pack(ticket=ticket_id, stars=n))

    return Keyboard.of([star(1), star(2), star(3)], [star(4), star(5)])


def summary_text(catalog: Catalog, summary: Summary) -> str:
    """The ticket's first post, within Telegram's limit: people's text (names, the
    claim's note, the last messages) is shortened before it is escaped, with a pointer
    to /transcript, which has it whole."""
    t = catalog.t
    ticket = summary.ticket
    pieces: list[Piece] = [
        t("staff.summary_title", id=ticket.id),
        fitting.line(
            catalog,
            f"staff.summary_who_{summary.role}",
            name=Field(ticket.requester_name),
            username=Field(f"@{ticket.requester_username}" if ticket.requester_username else "—"),
            user_id=ticket.requester_chat,
        ),
        t("staff.summary_reason", reason=_why(catalog, summary)),
    ]
    if ticket.order_number is not None:
        # Which order they asked about (an order card's button): the list below has them all.
        pieces.append(
            fitting.line(catalog, "staff.summary_order_asked", order=Field(ticket.order_number))
        )
    if ticket.requester_unreachable:
        pieces.append(t("staff.summary_unreachable"))
    if summary.answer_from is not None:
        at = format_when(
            summary.answer_from, summary.ticket.timezone, show_zone=True, language=catalog.language
        )
        pieces.append(t("staff.summary_after_hours", at=at))
    if summary.orders:
        orders = [
            fitting.line(
                catalog,
                "staff.summary_order",
                number=Field(number),
                status=(
                    catalog.plain(f"status.{status}.label")
                    if catalog.has(f"status.{status}.label")
                    else status
                ),
                shop=Field(shop),
            )
            for number, status, shop in summary.orders
        ]
        pieces += ["", t("staff.summary_orders"), lines(orders, catalog, "fit.more_lines")]
    if summary.claims:
        requests = [
            fitting.line(
                catalog,
                "staff.summary_claim_listed",
                claim=Field(number),
                status=catalog.plain(f"claim_status.{status}")
                if catalog.has(f"claim_status.{status}")
                else status,
                number=Field(order),
            )
            for number, status, order in summary.claims
        ]
        pieces += ["", t("staff.summary_claims"), lines(requests, catalog, "fit.more_lines")]
    if summary.claim is not None:
        pieces += ["", *claim_pieces(catalog, summary.claim, ticket)]
    if summary.recent:
        recent = [
            fitting.line(
                catalog,
                "staff.summary_line",
                at=format_when(at, summary.ticket.timezone, language=catalog.language),
                who=catalog.plain("staff.said_in" if direction == "in" else "staff.said_out"),
                text=Field(cut(" ".join(text.split()), RECENT_PREVIEW)),
            )
            for direction, text, at in summary.recent
        ]
        latest = summary.recent[-1][2]
        pieces += [
            "",
            t("staff.summary_recent", zone=zone_name(latest, summary.ticket.timezone)),
            lines(recent, catalog, "fit.more_earlier", keep="tail"),
        ]
    if summary.conversation:
        pieces += ["", *_conversation(catalog, summary)]
    pieces += ["", t("staff.summary_help")]
    return fit(*pieces, notice=t("fit.notice_staff"))


def _conversation(catalog: Catalog, summary: Summary) -> list[Piece]:
    """The last messages between the requester and staff, newest kept when space runs
    short: a summary posted again (a reopened ticket's new topic, an appeal joining
    the ticket) is all staff see of them there."""
    zone = summary.ticket.timezone
    said = []
    for message in summary.conversation:
        text = message.text or ""
        if message.kind != "text":
            text = f"[{message.kind}] {text}".strip()
        if message.direction == "staff":
            who: Field | str = Field(message.author or catalog.plain("staff.someone"))
        else:
            who = catalog.plain("staff.said_in")
        said.append(
            fitting.line(
                catalog,
                "staff.summary_line",
                at=format_when(message.at, zone, language=catalog.language),
                who=who,
                text=Field(cut(" ".join(text.split()), RECENT_PREVIEW)),
            )
        )
    latest = summary.conversation[-1].at
    return [
        catalog.t("staff.summary_conversation", zone=zone_name(latest, zone)),
        lines(said, catalog, "fit.more_earlier", keep="tail"),
    ]


def claim_pieces(catalog: Catalog, claim: ClaimFacts, ticket: TicketView) -> list[Piece]:
    """A claim as staff read it in `ticket`'s place: the summary's claim part, and the
    claim a later request joined the ticket about (named on its own)."""
    pieces: list[Piece] = [
        catalog.t(
            "staff.summary_claim",
            claim=claim.number,
            order=claim.order_number,
            status=catalog.plain(f"claim_status.{claim.status.value}"),
            type=catalog.plain(f"claim_type.{claim.type}"),
            reason=catalog.plain(f"claim_reason.{claim.reason}"),
            amount=format_money(claim.amount, claim.currency, catalog.language),
            count=len(claim.photos),
        )
    ]
    if claim.note:
        pieces.append(fitting.line(catalog, "staff.summary_claim_note", note=Field(claim.note)))
    return pieces + _claim_sections(catalog, claim, ticket)


def _why(catalog: Catalog, summary: Summary) -> str:
    """Why staff have the ticket: an appeal of its claim is what they decide now, even
    when the ticket was first opened for something else (said in brackets)."""
    ticket, claim = summary.ticket, summary.claim
    first = catalog.plain(f"staff.reason.{ticket.reason.value}")
    if claim is None or claim.appealed_from is None or summary.role == "seller":
        return first  # a seller's ticket is never the appeal (the buyer's ticket is)
    partial = claim.appealed_from == ClaimStatus.REFUNDED
    appeal = catalog.plain("seller2.reason_appeal_partial" if partial else "staff.reason.appeal")
    if ticket.reason == EscalationReason.APPEAL:
        return appeal
    return catalog.plain("seller2.reason_joined", appeal=appeal, first=first)


def _decision_note(catalog: Catalog, note: str | None) -> tuple[str, str]:
    """A seller's reason and note as people read them: a rejection is stored as
    "reason_code: note", a tapped partial-refund reason as its code."""
    read = read_note(note, ClaimStatus.REJECTED)  # coded, or "reason_code: note" before
    if read is not None and read.code == "rejected":
        code, text = read.params.get("reason", ""), read.params.get("text", "")
        if catalog.has(f"reject_reason.{code}"):
            return catalog.plain(f"reject_reason.{code}"), text
    said = note or ""
    if catalog.has(f"reject_reason.{said}"):
        return catalog.plain(f"reject_reason.{said}"), ""
    return said, ""


def _claim_sections(catalog: Catalog, claim: ClaimFacts, ticket: TicketView) -> list[Piece]:
    """Under the claim: the seller's decision (a rejection's reason and note, or a
    partial refund, when and why), what support refunded on appeal, what to decide on
    an appeal (or which ticket decides it), the questions and answers about the
    claim, and its timeline."""
    t, zone = catalog.t, ticket.timezone
    pieces: list[Piece] = []
    history = claim.history
    rejected = next((h for h in reversed(history) if h[1] == ClaimStatus.REJECTED), None)
    # The seller's own refunds: after an appeal paid the rest, the claim's total is no
    # longer what the seller refunded.
    by_seller = claim.refunded_by(ActorKind.SELLER)
    partial = by_seller > 0 and by_seller < claim.amount
    refunded_note = next(
        (h[3] for h in reversed(history) if h[1] == ClaimStatus.REFUNDED and h[3]), None
    )
    if claim.appealed_from == ClaimStatus.REFUNDED or (partial and refunded_note):
        reason, _ = _decision_note(catalog, refunded_note)
        pieces.append(
            fitting.line(
                catalog,
                "seller2.summary_partial",
                refunded=format_money(by_seller, claim.currency, catalog.language),
                amount=format_money(claim.amount, claim.currency, catalog.language),
                at=_refunded_at(catalog, claim, ActorKind.SELLER, zone),
                reason=Field(reason or "—"),
            )
        )
    elif rejected is not None:
        reason, note = _decision_note(catalog, rejected[3])
        pieces.append(
            fitting.line(
                catalog,
                "seller2.summary_rejected",
                reason=Field(reason or "—"),
                note=Field(note or "—"),
            )
        )
    by_staff = claim.refunded_by(ActorKind.STAFF)
    if by_staff > 0:
        pieces.append(
            t(
                "seller2.summary_support_refund",
                refunded=format_money(by_staff, claim.currency, catalog.language),
                at=_refunded_at(catalog, claim, ActorKind.STAFF, zone),
                total=format_money(claim.refunded, claim.currency, catalog.language),
            )
        )
    if claim.status == ClaimStatus.APPEALED and ticket.appeal_ticket_id != ticket.id:
        # Another ticket holds the appeal and its buttons: say where, decide nothing here.
        if ticket.appeal_ticket_id is not None:
            pieces.append(t("staff.summary_appeal_elsewhere", id=ticket.appeal_ticket_id))
    elif claim.status == ClaimStatus.APPEALED:
        if claim.appealed_from == ClaimStatus.REFUNDED:
            rest = max(claim.amount - claim.refunded, Decimal(0))
            pieces.append(
                t(
                    "seller2.summary_appeal_partial",
                    refunded=format_money(claim.refunded, claim.currency, catalog.language),
                    amount=format_money(claim.amount, claim.currency, catalog.language),
                    rest=format_money(rest, claim.currency, catalog.language),
                )
            )
        else:
            pieces.append(t("staff.summary_appeal"))
    messages: list[Piece] = []
    said_at: list[datetime] = []
    for at, status, actor, said in history:
        asked = status == ClaimStatus.NEEDS_INFO and actor == ActorKind.SELLER
        answered = status == ClaimStatus.REQUESTED and actor == ActorKind.BUYER
        if said and (asked or answered):
            said_at.append(at)
            messages.append(
                fitting.line(
                    catalog,
                    "seller2.summary_message",
                    at=format_when(at, zone, language=catalog.language),
                    who=catalog.plain("seller2.who_asked" if asked else "seller2.who_answered"),
                    text=Field(cut(" ".join(said.split()), RECENT_PREVIEW)),
                )
            )
    if messages:
        pieces += [
            "",
            t("seller2.summary_messages", zone=zone_name(said_at[-1], zone)),
            lines(messages, catalog, "fit.more_earlier", keep="tail"),
        ]
    if history:
        timeline = [
            fitting.line(
                catalog,
                "seller2.summary_event",
                at=format_when(at, zone, language=catalog.language),
                status=catalog.plain(f"seller2.status.{status}"),
                actor=catalog.plain(f"seller_claims.actor.{actor}"),
            )
            for at, status, actor, _note in history
        ]
        pieces += [
            "",
            t("seller2.summary_timeline", zone=zone_name(history[-1][0], zone)),
            lines(timeline, catalog, "fit.more_earlier", keep="tail"),
        ]
    return pieces


def _refunded_at(catalog: Catalog, claim: ClaimFacts, issuer: ActorKind, zone: str | None) -> str:
    """When `issuer` last refunded on the claim, in the shop's time ("—" if never): a
    time on its own, so it names its zone."""
    times = [at for at, _, kind in claim.refunds if kind == issuer]
    if not times:
        return "—"
    return format_when(times[-1], zone, show_zone=True, language=catalog.language)


def tickets_list(catalog: Catalog, tickets: list[TicketView], now: datetime) -> str:
    """The open tickets, with how long each requester has waited and who has it; the
    appeals waiting for a verdict are marked and come first (a closed ticket still
    holding one is listed too, with how to reopen it), then the rest, oldest first."""
    t = catalog.t
    if not tickets:
        return t("staff.no_tickets")
    # Stable: oldest first within each group.
    ordered = sorted(tickets, key=lambda ticket: not ticket.holds_appeal)
    entries: list[Piece] = []
    for ticket in ordered:
        if ticket.status != TicketStatus.OPEN:
            waiting = t("staff.tickets_closed", id=ticket.id)
        elif ticket.waiting_since is not None:
            waiting = t("staff.waiting", time=duration(catalog, now - ticket.waiting_since))
        else:
            waiting = t("staff.answered")
        entries.append(
            fitting.line(
                catalog,
                "staff.tickets_line_appeal" if ticket.holds_appeal else "staff.tickets_line",
                title=Field(title_of(ticket)),
                waiting=Safe(waiting),
                assignee=Field(ticket.assignee_name or catalog.plain("staff.unassigned")),
            )
        )
    opened = sum(1 for ticket in tickets if ticket.status == TicketStatus.OPEN)
    # Only closed tickets holding an appeal: "Open tickets (0)" above them misreads.
    title = t("staff.tickets_title", count=opened) if opened else t("staff.tickets_none_open")
    head: list[Piece] = [title]
    appeals = sum(1 for ticket in tickets if ticket.holds_appeal)
    if appeals:
        head.append(t("staff.tickets_appeals", count=appeals))
    # As many as fit in one message, then how many more.
    listed = lines(entries, catalog, "staff.tickets_more")
    return fit(*head, listed)


def transcript_text(
    catalog: Catalog, ticket: TicketView, lines: list[Line], summary: Summary | None = None
) -> str:
    """Plain text (a file, not HTML): everything said, notes marked as internal.  With
    the summary, its head also has, whole, what the summary may have shortened to fit
    one message (the claim's note, the last messages before the ticket)."""
    p = catalog.plain

    def stamp(at: datetime) -> str:
        # A file read later and elsewhere: every line names its zone.
        return format_when(at, ticket.timezone, show_zone=True, language=catalog.language)

    out = [
        # plain() fills the template itself: a bare plain(key) would fail on {id}.
        p(
            "staff.transcript_head",
            id=ticket.id,
            name=ticket.requester_name,
            order=ticket.order_number or "—",
        ),
        "",
    ]
    claim = summary.claim if summary else None
    if claim is not None:
        out.append(
            p(
                "staff.transcript_claim",
                claim=claim.number,
                order=claim.order_number,
                status=p(f"claim_status.{claim.status.value}"),
            )
        )
        if claim.note:
            out.append(p("staff.transcript_claim_note", note=claim.note))
        out.append("")
    if summary is not None and summary.recent:
        out.append(p("staff.transcript_recent"))
        for direction, text, at in summary.recent:
            who = p("staff.said_in" if direction == "in" else "staff.said_out")
            flat = " ".join(text.split())  # one line each, as the summary shows them
            out.append(f"[{stamp(at)}] {who}: {flat}")
        out.append("")
    for line in lines:
        when = stamp(line.at)
        if line.direction == "event":
            what, _, detail = (line.text or "").partition(":")
            label = event_label(catalog, what)
            extra = f" ({detail})" if detail else ""
            by = f" — {line.author}" if line.author else ""
            out.append(f"[{when}] * {label}{extra}{by}")
            continue
        role = {
            "buyer": "staff.role_requester",
            "staff": "staff.role_staff",
            "note": "staff.role_note",
        }
        who = f"{p(role.get(line.direction, 'staff.role_staff'))} {line.author or ''}".strip()
        body = line.text or ""
        if line.kind != "text":
            body = f"[{line.kind}] {body}".strip()
        out.append(f"[{when}] {who}: {body}")
    return "\n".join(out) + "\n"
