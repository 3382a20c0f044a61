"""Logs never carry emails, phones or passwords, and still let support find an order:
free text is redacted, identifiers, times and counts in known fields are not."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logging import JsonFormatter, TextFormatter, redact
from storage.models import Shop
from storage.uow import UnitOfWorkFactory


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("buyer wrote jörg.müller@bücher.de", "müller"),
        ("buyer wrote иван.петров@почта.рф", "петров"),
        ("proof 用户@例子.广告 failed", "用户"),
        ("call me at 555/010-4477", "010-4477"),
        ("call me at 555/0104477", "0104477"),
        ("phone 555–010–4477 (en dash)", "010–4477"),
        ("phone +1 555—010—4477 (em dash)", "010—4477"),
        ("phone +1 (555) 010-4477", "010-4477"),
        ("phone +44 20 7946 0958", "7946"),
        ("phone 15550104477", "5550104477"),
        ("db postgresql+asyncpg://app:s3cr3t-pw@10.0.0.5:5432/shop down", "s3cr3t"),
        ("db postgresql://app:s3cr3t-pw@[2001:db8::1]:5432/shop down", "s3cr3t"),
        ("db postgresql://app:s3cr3t-pw@db.internal/shop down", "s3cr3t"),
        ("GET https://example.com/hook?token=s3cr3t-pw&x=1", "s3cr3t"),
        ("GET /bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getUpdates", "AAHdq"),
    ],
)
def test_free_text_is_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "order 578123456789012345 linked",
        "orders 578123456789012345, 578000000000000001",
        "at 2026-12-02T06:25:51.123+00:00",
        "at 2026-12-02 06:25:51,123 and 2026-12-02T06:25:51Z",
        "refund of 12345.67 recorded",
        "took 0.1234567 s",
        "peer 192.168.100.200 refused",
        "run 550e8400-e29b-41d4-a716-446655440000",
        "photo 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "3 of 12 sent",
    ],
)
def test_order_numbers_times_and_amounts_survive(text: str) -> None:
    assert redact(text) == text


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO, io.StringIO]]:
    as_json, as_text = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(as_json), logging.StreamHandler(as_text)]
    handlers[0].setFormatter(JsonFormatter())
    handlers[1].setFormatter(TextFormatter())
    logger = logging.getLogger("test.log_redaction")
    logger.propagate = False
    for handler in handlers:
        logger.addHandler(handler)
    try:
        yield logger, as_json, as_text
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
        logger.propagate = True


def test_known_fields_are_never_masked_and_free_text_fields_are(
    logged: tuple[logging.Logger, io.StringIO, io.StringIO],
) -> None:
    logger, as_json, as_text = logged
    at = datetime(2026, 12, 2, 6, 25, 51, tzinfo=UTC)
    logger.warning(
        "proof failed for order %s",
        "578123456789012345",
        extra={
            "order_number": "578123456789012345",
            "update_id": 5550104477,
            "chat_id": "5550104477",
            "claim_ids": ["1234567", "7654321"],
            "sent_at": at,
            "count": 1234567,
            "error": "asyncpg: value jörg@bücher.de, 555–010–4477 rejected",
            "detail": {"phone": "+1 555/010 4477", "order_id": 1234567},
        },
    )
    entry = json.loads(as_json.getvalue())
    assert entry["event"] == "proof failed for order 578123456789012345"
    assert entry["order_number"] == "578123456789012345"
    assert entry["update_id"] == 5550104477 and entry["chat_id"] == "5550104477"
    assert entry["claim_ids"] == ["1234567", "7654321"]
    assert entry["sent_at"] == "2026-12-02 06:25:51+00:00" and entry["count"] == 1234567
    assert entry["error"] == "asyncpg: value <email>, <phone> rejected"
    assert entry["detail"] == {"phone": "<phone>", "order_id": 1234567}
    text = as_text.getvalue()
    for kept in ("order_number=578123456789012345", "chat_id=5550104477", "06:25:51"):
        assert kept in text
    for secret in ("bücher", "010–4477", "010 4477"):
        assert secret not in text and secret not in as_json.getvalue()


async def test_a_database_error_logs_no_parameters(
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    logged: tuple[logging.Logger, io.StringIO, io.StringIO],
) -> None:
    """SQLAlchemy puts a failed statement's parameters into the exception's text; the
    engine hides them, so not even words no pattern knows reach the log."""
    logger, as_json, as_text = logged
    now = datetime(2026, 12, 2, tzinfo=UTC)
    async with uow_factory() as uow:
        uow.shops.add(Shop(code="acme", name="Acme", created_at=now))
        await uow.commit()
    private = "Jörg Müller, jörg@bücher.de, 555–010–4477, my dog's name is Waldo"
    with pytest.raises(IntegrityError) as failed:
        async with uow_factory() as uow:
            uow.shops.add(Shop(code="acme", name=private, created_at=now))
            await uow.commit()
    try:
        raise failed.value
    except IntegrityError:
        logger.exception("handler crashed", extra={"update_id": 578123456789012345})
    for out in (as_json.getvalue(), as_text.getvalue()):
        assert "IntegrityError" in out and "578123456789012345" in out
        for secret in ("Waldo", "Müller", "bücher", "010–4477"):
            assert secret not in out
