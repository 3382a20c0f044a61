"""Every card and notification that carries people's text fits Telegram's limits and
parses, however long and hostile that text is: checked in-process with the emulator's
own HTML parser, at sizes beyond what one conversation reaches in the e2e tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.domain.enums import (
    ActorKind,
    ClaimReason,
    ClaimStatus,
    ClaimType,
    EscalationReason,
    TicketStatus,
)
from bot.emulator.text import format_text, utf16_len
from bot.services.notices import TopicTitle
from bot.services.outbox import Notification
from bot.services.returns import ClaimView, HistoryEntry
from bot.services.seller_claims import SellerCard
from bot.services.tickets import ClaimFacts, Line, Summary, TicketView
from handlers.buyer.claims import claim_text
from handlers.catalog import Catalog
from handlers.notifications import render
from handlers.seller.claims import card_text
from handlers.staff.views import summary_text, tickets_list, topic_title
from handlers.types import SendPhotos, SendText

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
UNIT = "<&><&><&>😀 "


def hostile(label: str, length: int) -> str:
    return f"{label} " + (UNIT * (length // len(UNIT) + 1))[: length - len(label) - 1]


def accepted(text: str, limit: int = 4096) -> str:
    visible, _ = format_text(text, "HTML", None)
    assert utf16_len(text) <= limit and utf16_len(visible) <= limit
    return visible


def rounds(count: int) -> tuple[tuple[datetime, str, str, str | None], ...]:
    """A claim's history: filed with a note, then `count` ask-for-info rounds."""
    history = [(NOW, "REQUESTED", "buyer", hostile("NOTE", 1000))]
    for n in range(count):
        at = NOW + timedelta(hours=n + 1)
        history.append((at, "NEEDS_INFO", "seller", hostile(f"Q{n}", 1000)))
        history.append((at, "REQUESTED", "buyer", hostile(f"A{n}", 2000)))
    return tuple(history)


def test_seller_card_after_fifty_rounds_keeps_the_newest_history() -> None:
    card = SellerCard(
        claim_id=1,
        number="R260115-ABCDE",
        status=ClaimStatus.REQUESTED,
        type=ClaimType.REFUND,
        reason="DAMAGED",
        order_number="578000000000000001",
        shop_name=hostile("Shop", 200),
        buyer_name=hostile("Buyer", 200),
        items=tuple((hostile(f"Item{n}", 300), 1, Decimal("1.00")) for n in range(100)),
        amount=Decimal("100.00"),
        currency="USD",
        note=hostile("NOTE", 1000),
        photos=(),
        reused_evidence=False,
        deadline=NOW + timedelta(hours=40),
        remaining_refundable=Decimal("100.00"),
        history=rounds(50),
    )
    visible = accepted(card_text(Catalog(), card, NOW))
    assert "Q49 <&>" in visible and "A49 <&>" in visible  # the latest round
    assert "Q0 <&>" not in visible and "earlier entries not shown" in visible
    assert "more items" in visible and "Buyer's note: NOTE" in visible
    assert visible.endswith("reached this chat in full when it was sent)")


def test_buyer_card_after_fifty_rounds() -> None:
    history = tuple(
        HistoryEntry(at, None, ClaimStatus(status), ActorKind(actor), note)
        for at, status, actor, note in rounds(50)
    )
    claim = ClaimView(
        id=1,
        number="R260115-ABCDE",
        order_id=1,
        order_number="578000000000000001",
        shop_id=1,
        status=ClaimStatus.REQUESTED,
        type=ClaimType.REFUND,
        reason=ClaimReason.DAMAGED,
        amount=Decimal("1.00"),
        currency="USD",
        items=tuple((hostile(f"Item{n}", 300), 1) for n in range(100)),
        photo_count=0,
        reused_evidence=False,
        ship_back_days=5,
        note=hostile("NOTE", 1000),
        respond_by=NOW,
        ship_by=None,
        return_carrier=None,
        return_tracking=None,
        created_at=NOW,
        history=history,
    )
    visible = accepted(claim_text(Catalog(), claim))
    assert "Return request R260115-ABCDE" in visible and "A49 <&>" in visible


def ticket(**changes: object) -> TicketView:
    values: dict[str, object] = dict(
        id=7,
        status=TicketStatus.OPEN,
        reason=EscalationReason.APPEAL,
        requester_id=1,
        requester_chat=1001,
        requester_name=hostile("Name", 128),
        requester_username="alex",
        requester_unreachable=False,
        order_id=1,
        order_number="578000000000000001",
        claim_id=1,
        claim_number="R260115-ABCDE",
        claim_status=ClaimStatus.APPEALED,
        claim_type=ClaimType.REFUND,
        shop_name="Acme",
        staff_chat_id=-100,
        topic_id=3,
        summary_message_id=None,
        assignee_id=None,
        assignee_name=hostile("Staff", 128),
        rating=None,
        sla_breached=False,
        waiting_since=NOW - timedelta(minutes=5),
        opened_at=NOW,
        closed_at=None,
        signature=None,
        appeal_ticket_id=7,  # this ticket holds the appeal and its buttons
    )
    values.update(changes)
    return TicketView(**values)  # type: ignore[arg-type]


def test_staff_summary_with_hostile_names_note_and_last_messages() -> None:
    summary = Summary(
        ticket=ticket(),
        role="buyer",
        orders=tuple(
            (f"57800000000000000{n}", "DELIVERED", hostile("Shop", 200)) for n in range(5)
        ),
        claim=ClaimFacts(
            number="R260115-ABCDE",
            status=ClaimStatus.APPEALED,
            type="REFUND",
            reason="DAMAGED",
            amount=Decimal("25.00"),
            currency="USD",
            note=hostile("NOTE", 1000),
            photos=(),
            order_number="578000000000000001",
        ),
        recent=tuple(("in", hostile(f"said{n}", 500), NOW) for n in range(10)),
        answer_from=None,
    )
    visible = accepted(summary_text(Catalog(), summary))
    assert "Buyer's note: NOTE <&>" in visible and "said9 <&>" in visible
    assert "The buyer appeals the seller's rejection" in visible
    assert visible.endswith("…(shortened, full text in /transcript)")


def test_staff_summary_with_a_long_conversation_with_staff_keeps_the_newest() -> None:
    """A reopened ticket's summary: the last messages with the bot and with staff, each
    long and hostile, and a staff member's hostile name; it fits and keeps the newest."""
    conversation = tuple(
        Line(
            NOW + timedelta(minutes=n),
            "staff" if n % 2 else "buyer",
            hostile("Staff", 200) if n % 2 else "Alex",
            "text" if n % 3 else "photo",
            hostile(f"talk{n}", 4000),
        )
        for n in range(10)
    )
    summary = Summary(
        ticket=ticket(),
        role="buyer",
        orders=(),
        claim=None,
        recent=tuple(("in", hostile(f"said{n}", 4000), NOW) for n in range(10)),
        answer_from=None,
        conversation=conversation,
    )
    visible = accepted(summary_text(Catalog(), summary))
    assert "Last messages with staff (times in UTC)" in visible
    assert "Staff <&>" in visible and "talk9 <&>" in visible  # the newest, by its author
    assert "[photo] talk6 <&>" in visible
    assert visible.endswith("…(shortened, full text in /transcript)")


def test_appeal_summary_with_long_decision_messages_and_timeline_fits() -> None:
    """An appealed claim with a long rejection note, many questions and answers and a
    long timeline: the summary still fits, naming the decision, the newest messages
    and the newest events."""
    history = [(NOW, "REQUESTED", "buyer", None)]
    for n in range(20):
        history.append((NOW, "NEEDS_INFO", "seller", hostile(f"ask{n}", 300)))
        history.append((NOW, "REQUESTED", "buyer", hostile(f"reply{n}", 300)))
    history.append((NOW, "REJECTED", "seller", "used_by_buyer: " + hostile("WHY", 1000)))
    history.append((NOW, "APPEALED", "buyer", None))
    summary = Summary(
        ticket=ticket(reason=EscalationReason.REQUESTED),
        role="buyer",
        orders=(),
        claim=ClaimFacts(
            number="R260115-ABCDE",
            status=ClaimStatus.APPEALED,
            type="REFUND",
            reason="DAMAGED",
            amount=Decimal("25.00"),
            currency="USD",
            note=hostile("NOTE", 1000),
            photos=(),
            order_number="578000000000000001",
            history=tuple(history),
            appealed_from=ClaimStatus.REJECTED,
        ),
        recent=(),
        answer_from=None,
    )
    visible = accepted(summary_text(Catalog(), summary))
    assert "Why: appeal of a rejected claim (the ticket was opened earlier" in visible
    assert "Seller's rejection: Item used or damaged by the buyer" in visible
    assert "Seller's note: WHY <&>" in visible
    assert "buyer answered: reply19 <&>" in visible  # the newest kept
    assert "Appealed to support (buyer)" in visible
    assert "The buyer appeals the seller's rejection" in visible


def test_tickets_list_of_three_hundred_says_how_many_more() -> None:
    visible = accepted(tickets_list(Catalog(), [ticket(id=n) for n in range(300)], NOW))
    listed = visible.count("• ")
    assert 5 < listed < 300 and f"…and {300 - listed} more." in visible


def test_topic_title_is_at_most_128_utf16_units() -> None:
    title = topic_title(TopicTitle(id=12, name="😀" * 100, order="5" * 64, breached=True))
    assert utf16_len(title) <= 128 and title.startswith("⏰ #12 · 😀")


def test_notifications_with_the_longest_texts_fit() -> None:
    catalog = Catalog()
    claim_new = Notification.load(
        9001,
        "claim_new",
        {
            "claim_id": 1,
            "claim_number": "R260115-ABCDE",
            "order_number": "578000000000000001",
            "type": "REFUND",
            "reason": "DAMAGED",
            "items": [[hostile(f"Item{n}", 300), 1] for n in range(100)],
            "amount": "100.00",
            "currency": "USD",
            "note": hostile("NOTE", 1000),
            "photos": ["a.jpg", "b.jpg"],
            "reused": True,
            "respond_by": NOW.isoformat(),
        },
    )
    answer = Notification.load(
        9001, "claim_info", {"claim_id": 1, "claim_number": "R1", "text": hostile("ANSWER", 2000)}
    )
    update = Notification.load(
        1001,
        "claim_update",
        {
            "claim_id": 1,
            "claim_number": "R1",
            "status": "REJECTED",
            "note": "other: " + hostile("WHY", 1000),
            "amount": "1.00",
            "currency": "USD",
            "appeal_by": NOW.isoformat(),
        },
    )
    goodwill = Notification.load(
        1001,
        "goodwill_refund",
        {
            "order_id": 1,
            "order_number": "578000000000000001",
            "amount": "1.00",
            "currency": "USD",
            "reason": hostile("REASON", 4000),
        },
    )
    for notification in (claim_new, answer, update, goodwill):
        for action in render(notification, catalog):
            if isinstance(action, SendText):
                accepted(action.text)
            elif isinstance(action, SendPhotos) and action.caption:
                accepted(action.caption, 1024)
