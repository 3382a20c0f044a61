"""Typed notification payloads (issue 16): every kind goes into an outbox row and comes
back equal; rows stored before the types existed still load; a row that cannot load
fails once with a log line; and a notice renders in the recipient's language, key by
key falling back to English."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.enums import OutboxStatus
from bot.services import notices as n
from bot.services.outbox import Notification, OutboxWorker, Parts, enqueue
from bot.services.recipients import languages_of
from handlers.notifications import RENDERERS, render
from handlers.types import SendText
from storage.models import ChatUser, OutboxMessage, Shop
from storage.uow import UnitOfWorkFactory
from tests.harness import plain
from tests.languages import spanish_catalog

AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

# One of each kind, every field set: a new kind without a sample fails below.
SAMPLES: list[n.Notice] = [
    n.OrderChanged(
        shop_id=1,
        order_id=1,
        order_number="5781",
        status="IN_TRANSIT",
        event=n.TrackingNews(tag="InTransit", at=AT, message="left", location="Leeds"),
        advice=n.DeliveryAdvice(
            kind="pickup",
            carrier="UPS",
            tracking_number="1Z999",
            tracking_url="https://www.ups.com/track?tracknum=1Z999",
            location="Leeds depot",
            message="held",
        ),
    ),
    n.ClaimNew(
        shop_id=1,
        claim_id=2,
        claim_number="R1",
        order_number="5781",
        type="REFUND",
        reason="DAMAGED",
        amount=Decimal("12.50"),
        currency="USD",
        items=(("Mug", 2), ("Cup", 1)),
        note="cracked",
        photos=("/tmp/a.jpg",),
        reused=True,
        respond_by=AT,
        timezone="Europe/Madrid",
        marketplace="tiktok",
        marketplace_name="TikTok Shop",
    ),
    n.ClaimInfo(claim_id=2, claim_number="R1", text="here", photos=("/tmp/b.jpg",)),
    n.ClaimPhotosAdded(claim_id=2, claim_number="R1", photos=("/tmp/b.jpg",)),
    n.ClaimShipped(claim_id=2, claim_number="R1", carrier="ups", tracking="1Z999"),
    n.ClaimWithdrawn(claim_id=2, claim_number="R1"),
    n.ClaimUpdate(
        claim_id=2,
        claim_number="R1",
        status="REFUNDED",
        amount=Decimal("12.50"),
        refunded=Decimal("5.00"),
        currency="EUR",
        note='{"code":"partial_refund","params":{"amount":"5.00"}}',
        ship_by=AT,
        appeal_by=AT,
        timezone="Europe/Madrid",
        return_address="1 Road",
    ),
    n.CancelRequested(
        request_id=3,
        order_number="5781",
        auto_approved=True,
        refunded=Decimal("9.99"),
        currency="USD",
        deadline=AT,
    ),
    n.CancelWithdrawn(shop_id=1, order_number="5781"),
    n.CancelDecided(
        order_id=1,
        order_number="5781",
        status="rejected",
        refunded=Decimal(0),
        note="packed",
        order_status="AWAITING_SHIPMENT",
    ),
    n.GoodwillRefund(
        order_id=1, order_number="5781", amount=Decimal("1.25"), currency="GBP", reason="late"
    ),
    n.ClaimReminder(claim_id=2, claim_number="R1", hours=12, deadline=AT, timezone="UTC"),
    n.ClaimAppealDecided(
        claim_id=2, claim_number="R1", status="REFUNDED", refunded=Decimal(3), currency="USD"
    ),
    n.SellerRemoved(shop_id=1, shop="Acme", still_seller=True),
    n.TicketSla(
        ticket_id=4,
        thread_id=11,
        summary_message_id=12,
        title=n.TopicTitle(id=4, name="Jane", order="5781", breached=True),
        waited_minutes=17,
        assignee="Kim",
    ),
    n.TiktokConnection(event="expiring", shop="Acme", code="acme", timezone="UTC", at=AT),
    n.DeliveryCare(
        shop_id=1,
        concern="late",
        order_id=1,
        order_number="5781",
        carrier="UPS",
        tracking_number="1Z999",
        tracking_url="https://www.ups.com/track?tracknum=1Z999",
        estimated_delivery=AT,
        last_tag="InTransit",
        last_at=AT,
        last_location="Leeds",
        quiet_days=5,
        express=True,
        can_report=True,
        timezone="Europe/Madrid",
    ),
    n.ExpressLate(
        shop_id=1,
        order_id=1,
        order_number="5781",
        carrier="UPS",
        tracking_number="1Z999",
        tracking_url="https://www.ups.com/track?tracknum=1Z999",
        estimated_delivery=AT,
        last_tag="InTransit",
        last_at=AT,
        timezone="UTC",
    ),
    n.RatingAsk(shop_id=1, order_id=7, order_number="5781", products=("Mug", "Towel")),
]


def test_every_kind_has_a_sample_and_a_renderer() -> None:
    assert {type(s).KIND for s in SAMPLES} == set(n.KINDS)
    assert set(n.KINDS.values()) <= set(RENDERERS)


@pytest.mark.parametrize("notice", SAMPLES, ids=lambda s: type(s).KIND)
def test_a_notice_comes_back_from_its_row_equal(notice: n.Notice) -> None:
    stored = json.loads(json.dumps(notice.to_payload()))  # what the JSON column holds
    assert stored["kind"] == type(notice).KIND
    assert n.from_payload(stored) == notice
    assert render(Notification(7, notice))  # and it renders


def test_a_missing_parameter_is_a_type_error_not_a_send_time_key_error() -> None:
    with pytest.raises(TypeError):
        n.ClaimWithdrawn(claim_id=1)  # type: ignore[call-arg]


def test_rows_stored_before_the_types_still_load_and_render() -> None:
    # As `claim_update` rows were written before: no timezone, marketplace or
    # return address keys, amounts as strings, refunded null.
    old = {
        "kind": "claim_update",
        "params": {
            "claim_id": 9,
            "claim_number": "R9",
            "status": "REJECTED",
            "amount": "10.00",
            "refunded": None,
            "currency": "USD",
            "note": "used_by_buyer: scratched",
            "ship_by": None,
            "appeal_by": "2026-01-20T12:00:00+00:00",
        },
    }
    notice = n.from_payload(old)
    assert isinstance(notice, n.ClaimUpdate)
    assert (notice.timezone, notice.marketplace, notice.amount) == ("UTC", None, Decimal("10"))
    [message] = render(Notification(1, notice))
    assert isinstance(message, SendText)
    assert "Scratched" in message.text and "R9" in message.text
    # The old `ticket_sla` title was a dict; `order_changed` without a status change.
    sla = n.from_payload(
        {
            "kind": "ticket_sla",
            "params": {
                "ticket_id": 1,
                "title": {"id": 1, "name": "Jo", "order": None, "closed": False},
                "waited_minutes": 20,
            },
        }
    )
    assert isinstance(sla, n.TicketSla) and sla.title.name == "Jo"
    moved = n.from_payload(
        {
            "kind": "order_changed",
            "params": {
                "order_id": 1,
                "order_number": "5781",
                "status": "IN_TRANSIT",
                "status_changed": False,
                "event": {"tag": "InTransit", "at": AT.isoformat(), "message": "m"},
            },
        }
    )
    assert isinstance(moved, n.OrderChanged) and moved.event is not None
    assert moved.event.at == AT


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "claim_withdrawn", "params": {"claim_id": 1}},  # no claim number
        {"kind": "no_such_kind", "params": {}},
        {
            "kind": "claim_reminder",
            "params": {"claim_id": 1, "claim_number": "R", "hours": 2, "deadline": "not a date"},
        },
    ],
)
def test_a_row_that_cannot_be_its_notice_is_unreadable(payload: dict[str, object]) -> None:
    with pytest.raises(n.Unreadable):
        n.from_payload(payload)


async def test_the_worker_fails_an_unreadable_row_once_and_sends_the_others(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with uow_factory() as uow:
        uow.outbox.add(
            OutboxMessage(
                chat_id=5,
                payload={"kind": "claim_withdrawn", "params": {"claim_id": 1}},
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=clock.now(),
                created_at=clock.now(),
            )
        )
        await enqueue(uow, Notification(6, n.SellerRemoved(shop="Acme")), now=clock.now())
        await uow.commit()
    sent: list[int] = []

    async def deliver(notification: Notification, parts: Parts) -> None:
        sent.append(notification.chat_id)

    worker = OutboxWorker(uow_factory, clock, deliver)
    with caplog.at_level(logging.WARNING):
        assert await worker.run_once() == 1
    assert sent == [6]
    assert any(r.getMessage() == "outbox row unreadable" for r in caplog.records)
    assert await worker.run_once() == 0  # not picked up again: no retry loop
    async with uow_factory(readonly=True) as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [r.status for r in rows] == [OutboxStatus.FAILED, OutboxStatus.SENT]
    assert (rows[0].last_error or "").startswith("unreadable")


# ------------------------------------------------------------------ languages


def test_a_notice_renders_in_the_recipients_language_falling_back_per_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    withdrawn = n.ClaimWithdrawn(claim_id=1, claim_number="R1")
    reminder = n.ClaimReminder(claim_id=1, claim_number="R1", hours=12, deadline=AT)
    with spanish_catalog(monkeypatch, tmp_path / "locales"):
        [es] = render(Notification(7, withdrawn, language="es"))
        [en] = render(Notification(7, withdrawn, language="en"))
        [fallback] = render(Notification(7, reminder, language="es"))  # no Spanish for it
    assert isinstance(es, SendText) and isinstance(en, SendText)
    assert isinstance(fallback, SendText)
    assert "El comprador retiró la solicitud" in plain(es.text)
    assert "The buyer withdrew return request" in plain(en.text)
    assert "needs your answer within" in plain(fallback.text)


async def test_each_recipient_reads_their_language_the_shops_or_english(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow_factory() as uow:
        spanish = Shop(
            code="es-shop",
            name="Tienda",
            settings={"language": "es"},
            created_at=clock.now(),
        )
        plain_shop = Shop(code="plain", name="Plain", created_at=clock.now())
        uow.session.add_all([spanish, plain_shop])
        for external, language in ((1, "es-MX"), (2, None), (3, "en"), (4, None)):
            uow.session.add(
                ChatUser(external_id=external, language=language, created_at=clock.now())
            )
        await uow.flush()
        notice = n.SellerRemoved(shop="x")
        got = await languages_of(
            uow,
            [
                (1, notice),  # their own, as Telegram spelled it
                (2, n.SellerRemoved(shop_id=spanish.id, shop="x")),  # none: the shop's
                (3, n.SellerRemoved(shop_id=spanish.id, shop="x")),  # their own wins
                (4, n.SellerRemoved(shop_id=plain_shop.id, shop="x")),  # English
                (9, notice),  # never wrote to the bot
                (
                    -100,
                    n.TicketSla(
                        shop_id=spanish.id, ticket_id=1, title=n.TopicTitle(id=1), waited_minutes=1
                    ),
                ),  # the staff group: staff language
            ],
        )
    assert got == ["es", "es", "en", "en", "en", "es"]
