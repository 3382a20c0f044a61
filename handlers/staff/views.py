"""What staff see: topic titles, the ticket summary, the open-ticket list, transcripts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.enums import ClaimStatus, ClaimType, TicketStatus
from bot.domain.money import format_money
from bot.services.tickets import Line, Summary, TicketView, title_parts
from handlers.buttons import ButtonData, Id, Int
from handlers.buyer.views import format_date
from handlers.catalog import Catalog, Safe
from handlers.types import Button, Keyboard

TITLE_LIMIT = 128  # Telegram's limit for a topic name
# The requester's rating buttons under a closed ticket: `tr:<ticket id>:<1..5 stars>`.
RATE = ButtonData("tr", Id("ticket"), Int("stars", 1, 5))


def topic_title(parts: dict[str, Any]) -> str:
    """`#12 · Alex · 5781…` plus a mark: ✅ resolved, ⏰ first response overdue."""
    name = " ".join(str(parts["name"]).split())[:40] or "?"
    title = f"#{parts['id']} · {name}"
    if parts.get("order"):
        title += f" · {parts['order']}"
    if parts.get("closed"):
        title = "✅ " + title
    elif parts.get("breached"):
        title = "⏰ " + title
    return title[:TITLE_LIMIT]


def title_of(ticket: TicketView) -> str:
    return topic_title(title_parts(ticket))


def summary_keyboard(catalog: Catalog, ticket: TicketView) -> Keyboard | None:
    """Under the summary: appeal verdicts (while the appeal waits), Assign, Close."""
    p = catalog.plain
    rows: list[list[Button]] = []
    if ticket.claim_status == ClaimStatus.APPEALED and ticket.claim_id is not None:
        replacement = ticket.claim_type == ClaimType.REPLACEMENT
        grant = "staff.appeal_replace" if replacement else "staff.appeal_refund"
        rows.append(
            [
                Button(p("staff.appeal_uphold"), f"av:u:{ticket.claim_id}"),
                Button(p(grant), f"av:r:{ticket.claim_id}"),
            ]
        )
    if ticket.status != TicketStatus.OPEN:
        return Keyboard.of(*rows) if rows else None
    if ticket.assignee_id is None:
        rows.append(
            [
                Button(p("staff.assign"), f"tk:a:{ticket.id}"),
                Button(p("staff.close"), f"tk:c:{ticket.id}"),
            ]
        )
    else:
        rows.append([Button(p("staff.close"), f"tk:c:{ticket.id}")])
    return Keyboard.of(*rows)


def rating_keyboard(ticket_id: int) -> Keyboard:
    def star(n: int) -> Button:
        return Button("⭐" * n, RATE.pack(ticket=ticket_id, stars=n))

    return Keyboard.of([star(1), star(2), star(3)], [star(4), star(5)])


def summary_text(catalog: Catalog, summary: Summary) -> str:
    t = catalog.t
    ticket = summary.ticket
    who = t(
        f"staff.summary_who_{summary.role}",
        name=ticket.requester_name,
        username=f"@{ticket.requester_username}" if ticket.requester_username else "—",
        user_id=ticket.requester_chat,
    )
    lines = [
        t("staff.summary_title", id=ticket.id),
        who,
        t("staff.summary_reason", reason=catalog.plain(f"staff.reason.{ticket.reason.value}")),
    ]
    if ticket.order_number is not None:
        # Which order they asked about (an order card's button): the list below has them all.
        lines.append(t("staff.summary_order_asked", order=ticket.order_number))
    if ticket.requester_unreachable:
        lines.append(t("staff.summary_unreachable"))
    if summary.answer_from is not None:
        lines.append(t("staff.summary_after_hours", at=format_date(summary.answer_from)))
    if summary.orders:
        lines += ["", t("staff.summary_orders")]
        for number, status, shop in summary.orders:
            label = (
                catalog.plain(f"status.{status}.label")
                if catalog.has(f"status.{status}.label")
                else status
            )
            lines.append(t("staff.summary_order", number=number, status=label, shop=shop))
    claim = summary.claim
    if claim is not None:
        lines += [
            "",
            t(
                "staff.summary_claim",
                claim=claim.number,
                order=claim.order_number,
                status=catalog.plain(f"claim_status.{claim.status.value}"),
                type=catalog.plain(f"claim_type.{claim.type}"),
                reason=catalog.plain(f"claim_reason.{claim.reason}"),
                amount=format_money(claim.amount, claim.currency),
                photos=len(claim.photos),
            ),
        ]
        if claim.note:
            lines.append(t("staff.summary_claim_note", note=claim.note))
        if claim.status == ClaimStatus.APPEALED:
            lines.append(t("staff.summary_appeal"))
    if summary.recent:
        lines += ["", t("staff.summary_recent")]
        for direction, text, at in summary.recent:
            who_said = catalog.plain("staff.said_in" if direction == "in" else "staff.said_out")
            lines.append(
                t("staff.summary_line", at=at.strftime("%H:%M"), who=who_said, text=_short(text))
            )
    lines += ["", t("staff.summary_help")]
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3990] + "…"


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def tickets_list(catalog: Catalog, tickets: list[TicketView], now: datetime) -> str:
    t = catalog.t
    if not tickets:
        return t("staff.no_tickets")
    lines = [t("staff.tickets_title", count=len(tickets))]
    for ticket in tickets[:50]:
        if ticket.waiting_since is not None:
            minutes = int((now - ticket.waiting_since).total_seconds() // 60)
            waiting = t("staff.waiting", time=_duration(minutes))
        else:
            waiting = t("staff.answered")
        lines.append(
            t(
                "staff.tickets_line",
                title=title_of(ticket),
                waiting=Safe(waiting),
                assignee=ticket.assignee_name or catalog.plain("staff.unassigned"),
            )
        )
    if len(tickets) > 50:
        lines.append(t("staff.tickets_more", count=len(tickets) - 50))
    return "\n".join(lines)


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min"
    return f"{hours // 24} d {hours % 24} h"


def transcript_text(catalog: Catalog, ticket: TicketView, lines: list[Line]) -> str:
    """Plain text (a file, not HTML): everything said, notes marked as internal."""
    p = catalog.plain
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
    for line in lines:
        stamp = line.at.strftime("%Y-%m-%d %H:%M UTC")
        if line.direction == "event":
            what, _, detail = (line.text or "").partition(":")
            key = f"staff.event.{what}"
            label = p(key) if catalog.has(key) else what
            extra = f" ({detail})" if detail else ""
            by = f" — {line.author}" if line.author else ""
            out.append(f"[{stamp}] * {label}{extra}{by}")
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
        out.append(f"[{stamp}] {who}: {body}")
    return "\n".join(out) + "\n"
