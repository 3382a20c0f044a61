"""Notifications survive Telegram's bad moments; the second channel speaks the same
conversation; groups are not answered as if they were private chats."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.domain.enums import OutboxStatus
from bot.emulator import TelegramEmulator
from bot.services.outbox import Notification, enqueue
from storage.models import OutboxMessage
from storage.uow import UnitOfWorkFactory
from tests.conftest import seed_model
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import NUMBER, ROOT, buttons, link
from tests.factories import make_order


async def _queue(uow_factory: UnitOfWorkFactory, clock: FakeClock, chat_id: int, key: str) -> None:
    async with uow_factory() as uow:
        params = {
            "order_id": 1,
            "order_number": NUMBER,
            "status": "DELIVERED",
            "status_changed": True,
        }
        await enqueue(
            uow,
            Notification.load(chat_id, "order_changed", params),
            now=clock.now(),
            dedupe_key=key,
        )
        await uow.commit()


async def _rows(uow_factory: UnitOfWorkFactory) -> list[OutboxMessage]:
    async with uow_factory(readonly=True) as uow:
        return list((await uow.session.scalars(select(OutboxMessage))).all())


async def test_outbox_retries_rate_limits_and_server_errors(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    await link(alex)
    emulator.faults.add(method="sendMessage", kind="429", retry_after=30, times=1)
    emulator.faults.add(method="sendMessage", kind="500", times=1)
    await _queue(uow_factory, clock, 1001, "k1")
    assert await bot.flush_outbox() == 0  # 429: kept, retried after retry_after
    (row,) = await _rows(uow_factory)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert (row.next_attempt_at - clock.now()).total_seconds() >= 30
    clock.advance(row.next_attempt_at - clock.now())
    assert await bot.flush_outbox() == 0  # 500: kept again
    (row,) = await _rows(uow_factory)
    clock.advance(row.next_attempt_at - clock.now())
    assert await bot.flush_outbox() == 1
    assert "Update on order" in (await alex.wait_message())["text"]
    (row,) = await _rows(uow_factory)
    assert row.status == OutboxStatus.SENT and row.attempts == 3
    assert await bot.flush_outbox() == 0  # sent once, never again


async def test_outbox_gives_up_on_a_buyer_who_blocked_the_bot(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = emulator.user(1001, "Alex")
    await alex.send("/start")
    await alex.wait_message()
    alex.block_bot()
    await _queue(uow_factory, clock, 1001, "k2")
    assert await bot.flush_outbox() == 0
    (row,) = await _rows(uow_factory)
    assert row.status == OutboxStatus.FAILED and "blocked" in (row.last_error or "")
    async with uow_factory(readonly=True) as uow:
        user = await uow.chat_users.get_by_external("telegram", 1001)
    assert user is not None and user.unreachable  # no more notifications queued for them
    assert [r.error_code for r in emulator.rejections] == [403]
    emulator.rejections.clear()  # the one refusal this test provoked on purpose


async def test_same_dedupe_key_is_stored_once(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    for _ in range(3):
        await _queue(uow_factory, clock, 1001, "same")
    assert len(await _rows(uow_factory)) == 1


async def test_python_telegram_bot_channel_runs_the_same_flow(
    app: App, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, status="UNPAID", paid=False, carrier=None)
    process = BotProcess(app, emulator, framework="ptb")
    await process.start()
    try:
        alex = emulator.user(1001, "Alex")
        await alex.send("/start")
        assert "Hi Alex" in (await alex.wait_message())["text"]
        card = await link(alex)
        assert "Awaiting payment" in card["text"]
        await alex.press("✖ Cancel order")
        await alex.wait_callback_answer()
        assert "Nothing has been charged" in (await alex.wait_message())["text"]
        await alex.press("Yes, cancel the order")
        await alex.wait_callback_answer()
        assert any("is cancelled" in (m.get("text") or "") for m in alex.messages)
        await alex.send("/orders")
        listing = await alex.wait_message()
        assert buttons(listing)[0].startswith(f"{NUMBER} · Cancelled")
    finally:
        await process.stop()


async def test_group_messages_get_a_pointer_to_the_private_chat(
    bot: BotProcess, emulator: TelegramEmulator
) -> None:
    group = emulator.supergroup(-1009000000001, "Fans", forum=False, members={1001: "member"})
    alex = emulator.user(1001, "Alex")
    await alex.send("/orders", chat=group)
    reply = await group.wait_message()
    assert "private chat" in reply["text"]
    await alex.send("just chatting", chat=group)  # plain chatter in a group: stay quiet
    await asyncio.sleep(0.3)
    assert len(group.messages(from_bot=True)) == 1


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_demo_runs_offline_from_a_fresh_directory(
    tmp_path: Path, model_weights: Path, framework: str
) -> None:
    """`python run_bot.py demo` as a newcomer runs it: no token, no .env, no network;
    `BOT_FRAMEWORK=ptb` runs it on python-telegram-bot."""
    # The intent model's weights where the demo keeps them (data/, next to its policy
    # index), so it loads them rather than training: training offline from the corpus
    # is tested in tests/unit/test_understanding.py.
    seed_model(model_weights, tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "BOT_"))}
    script = "/start\n576100000000000004\ncasey.morgan@example.com\n:2\n:1\n/orders\n:quit\n"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        "demo",
        cwd=tmp_path,
        env={**env, "LOG_LEVEL": "WARNING", "BOT_FRAMEWORK": framework},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(script.encode()), timeout=90)
    text = out.decode()
    assert process.returncode == 0, err.decode()[-2000:]
    assert "Hi Alex" in text
    assert "Order *576100000000000004* is now linked" in text  # bold, as *bold*
    assert "Awaiting payment" in text
    assert "is cancelled. Nothing was charged" in text
    assert "576100000000000004 · Cancelled" in text
    assert "Traceback" not in err.decode() and "rejected" not in err.decode()
    assert (tmp_path / "data" / "bot.db").exists()


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_webhook_mode_receives_updates_and_checks_the_secret(
    framework: str, app: App, emulator: TelegramEmulator
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Telegram needs a public HTTPS URL; TLS ends at the shop's proxy, which forwards
    # to the bot's local port: here the test plays the proxy.
    public = "https://bot.shop.example/tg-hook"
    url = f"http://127.0.0.1:{port}/tg-hook"
    app.settings.webhook_url = public
    app.settings.webhook_secret = SecretStr("hook-secret-123")
    app.settings.http_host, app.settings.http_port = "127.0.0.1", port
    process = BotProcess(app, emulator, framework=framework)
    await process.start()
    try:
        await emulator.wait_until(lambda: emulator.webhook, timeout=5)
        assert emulator.webhook is not None and emulator.webhook["url"] == public
        alex = emulator.user(1001, "Alex")
        await alex.send("/start")
        update = emulator.pending_updates[-1]
        async with aiohttp.ClientSession() as http:
            for _ in range(50):  # the server may need a moment to bind
                try:
                    forged = await http.post(url, json=update)
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            assert forged.status in (401, 403)  # no secret header: refused
            ok = await http.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret-123"}
            )
            assert ok.status == 200
        assert "Hi Alex" in (await alex.wait_message())["text"]
    finally:
        await process.stop()
