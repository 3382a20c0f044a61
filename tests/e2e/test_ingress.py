"""Receiving updates: nothing Telegram delivered is lost, nothing forged gets in.

* at-least-once: a real `python run_bot.py run` process is killed with SIGKILL after an
  update was received and acknowledged but before it was handled; the next start
  handles it, once (both frameworks);
* a webhook never runs without a secret: requests without it or with a wrong one are
  refused before anything is read, and change nothing (both frameworks).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.domain.enums import OutboxStatus
from bot.emulator import ScriptedUser, TelegramEmulator, sample_jpeg
from bot.services.inbox import UpdateInbox
from storage.models import (
    ChatUser,
    ConversationState,
    InboxUpdate,
    ProcessedUpdate,
    ReplyOutbox,
)
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BOT_USERNAME, TOKEN, BotProcess
from tests.e2e.test_buyer_orders import NUMBER, ROOT
from tests.e2e.test_returns import tap as tap_and_see
from tests.factories import make_order

Message = dict[str, Any]
SLOW = 30.0  # a subprocess on a busy machine may take a while for a reply
PHOTO_ACK = "Got it: 1 photo"
HOOK_SECRET = "kill-9-hook-secret"


# ----------------------------------------------------------------- helpers


class BotSubprocess:
    """`python run_bot.py run` against the emulator, on the test database."""

    LINK_SECRET = "e2e-link-secret-0123456789abcdef"
    ready_timeout = 60.0  # seconds until the first getUpdates / setWebhook

    def __init__(
        self,
        emulator: TelegramEmulator,
        database_url: str,
        tmp_path: Path,
        framework: str,
        webhook_port: int | None = None,
    ) -> None:
        self.emulator = emulator
        self.log = tmp_path / f"bot-{framework}.log"
        self.ready_call = "getUpdates" if webhook_port is None else "setWebhook"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))},
            "BOT_TOKEN": TOKEN,
            "BOT_USERNAME": BOT_USERNAME,
            "BOT_FRAMEWORK": framework,
            "TELEGRAM_API_URL": emulator.base_url,
            "DATABASE_URL": database_url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "KNOWLEDGE_INDEX": str(tmp_path / "knowledge-index.json"),
            "LINK_SECRET": self.LINK_SECRET,
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "INFO",
        }
        if webhook_port is not None:
            self.env.update(
                WEBHOOK_URL="https://bot.shop.example/tg-hook",
                WEBHOOK_PORT=str(webhook_port),
                WEBHOOK_SECRET=HOOK_SECRET,
            )
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        calls = len(self.emulator.calls(self.ready_call))
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ROOT / "run_bot.py"),
                "run",
                cwd=self.log.parent,  # no .env of the developer's
                env=self.env,
                stdout=log,
                stderr=log,
            )
        await self.emulator.wait_until(
            lambda: len(self.emulator.calls(self.ready_call)) > calls or None,
            timeout=self.ready_timeout,
        )

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no goodbye."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL
        self.process = None

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


async def deliver_to_webhook(emulator: TelegramEmulator, url: str) -> None:
    """Play Telegram's side of a webhook: POST each pending update, one at a time, and
    forget it only when the bot answers 200; otherwise try again."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
    async with aiohttp.ClientSession() as http:
        while True:
            await emulator.wait_until(lambda: emulator.pending_updates or None, timeout=3600)
            update = emulator.pending_updates[0]
            try:
                async with http.post(url, json=update, headers=headers) as response:
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            if status == 200:
                emulator.state.updates.confirm(update["update_id"] + 1)
            else:
                await asyncio.sleep(0.2)


async def tap(user: ScriptedUser, label: str) -> Message:
    """A new message, or the one with the button changed in place (the items step)."""
    return await tap_and_see(user, label, wait=SLOW)


async def say(user: ScriptedUser, text: str) -> Message:
    await user.send(text)
    return await user.wait_message(timeout=SLOW)


async def to_the_photo_step(alex: ScriptedUser) -> None:
    """Link the order and walk the return flow up to "send photos"."""
    assert "make sure order" in (await say(alex, NUMBER))["text"]
    assert "now linked" in (await say(alex, "buyer@example.com"))["text"]
    await alex.wait_message(timeout=SLOW)  # the order card
    assert "step 1 of 5" in (await tap(alex, "↩ Return or refund"))["text"]
    await tap(alex, "Ceramic mug — up to 1")
    await tap(alex, "Continue ›")
    await tap(alex, "Return and refund")
    assert "Photos" in (await tap(alex, "Arrived damaged"))["text"]


def said(user: ScriptedUser, words: str) -> int:
    return sum(words in (m.get("text") or "") for m in user.messages)


async def draft_photos(uow_factory: UnitOfWorkFactory, user_id: int) -> int:
    async with uow_factory(readonly=True) as uow:
        row = await uow.session.scalar(
            select(ConversationState).where(ConversationState.user_id == user_id)
        )
    return len((row.data if row else {}).get("photos", []))


# ------------------------------------------------------------ kill -9


# Each framework once and each mode once: storing an update before it is acknowledged
# is the channels' shared code (the polling loop's offset, the webhook route's 200), so
# the framework × mode product ran the same path twice, at a bot process start each.
@pytest.mark.parametrize(("framework", "mode"), [("aiogram", "polling"), ("ptb", "webhook")])
@pytest.mark.usefixtures("model_in_tmp_path")  # each start loads the weights, not trains
async def test_a_photo_acknowledged_just_before_kill_9_is_handled_once_after_restart(
    framework: str,
    mode: str,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    clock.set(datetime.now(UTC))  # the bot process runs on the real clock
    await make_order(
        uow_factory,
        clock,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=2),
        items=(("Ceramic mug", 1, "12.50"),),
        events=(("Delivered", "Left at front door"),),
    )
    port = free_port() if mode == "webhook" else None
    bot = BotSubprocess(emulator, database_url, tmp_path, framework, webhook_port=port)
    await bot.start()
    telegram = None
    if port is not None:
        url = f"http://127.0.0.1:{port}/tg-hook"
        telegram = asyncio.create_task(deliver_to_webhook(emulator, url))
    try:
        alex = emulator.user(1001, "Alex")
        await to_the_photo_step(alex)
        # Telegram holds the download, so the bot is mid-handling when it dies.
        held = emulator.faults.add(method="getFile", kind="slow", delay=120)
        await alex.send_photo(sample_jpeg(seed="kill-9"))
        # Wait until the bot acknowledged the update to Telegram (its next getUpdates
        # offset, or the webhook's 200) while the handler still waits for the file.
        await emulator.wait_until(
            lambda: (held.fired and not emulator.pending_updates) or None, timeout=SLOW
        )
        await bot.kill()
        emulator.faults.clear()
        assert said(alex, PHOTO_ACK) == 0 and await draft_photos(uow_factory, 1001) == 0

        await bot.start()
        reply = await alex.wait_message(timeout=SLOW)
        assert PHOTO_ACK in reply["text"], bot.output()
        await alex.send("/help")  # anything later is answered after it, and only once
        await alex.wait_message(timeout=SLOW)
        assert said(alex, PHOTO_ACK) == 1 and said(alex, "Got it: 2") == 0
        assert await draft_photos(uow_factory, 1001) == 1  # state written once
        async with uow_factory(readonly=True) as uow:
            stored = await uow.session.scalar(select(func.count()).select_from(InboxUpdate))
            handled = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
        assert stored == handled  # every stored update handled
    finally:
        if telegram is not None:
            telegram.cancel()
        await bot.stop()


# ---------------------------------------------------------- the inbox in-process


async def test_an_update_stored_but_not_handled_is_handled_on_start(
    app: App, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory
) -> None:
    alex = emulator.user(1001, "Alex")
    await alex.send("/start")
    update = emulator.pending_updates[-1]
    emulator.state.updates.confirm(update["update_id"] + 1)  # acknowledged, then a crash
    await app.inbox().record([(update["update_id"], update)])
    process = BotProcess(app, emulator)
    await process.start()
    try:
        assert "Hi Alex" in (await alex.wait_message())["text"]
        await process.restart()  # handled once: not again on the next start
        await alex.send("/help")
        await alex.wait_message()
        assert said(alex, "Hi Alex") == 1
    finally:
        await process.stop()


async def test_an_update_that_cannot_be_stored_is_not_acknowledged(
    bot: BotProcess, emulator: TelegramEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.runner is not None
    inbox = bot.runner.channel.inbox
    assert inbox is not None
    record = inbox.record
    failures = 0

    async def broken_store(updates: Any) -> None:
        nonlocal failures
        failures += 1
        if failures == 1:
            raise OSError("disk full")
        await record(updates)

    monkeypatch.setattr(inbox, "record", broken_store)
    alex = emulator.user(1001, "Alex")
    await alex.send("/start")
    assert "Hi Alex" in (await alex.wait_message())["text"]
    # Not stored the first time, so asked for again (not acknowledged), stored then;
    # handled once all the same.
    await emulator.wait_until(lambda: (failures >= 2 and not emulator.pending_updates) or None)
    await asyncio.sleep(0.3)
    assert said(alex, "Hi Alex") == 1


async def test_old_inbox_rows_and_processed_records_are_pruned(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    inbox = UpdateInbox(uow_factory, clock, "telegram")
    await inbox.record([(1, {"update_id": 1}), (2, {"update_id": 2})])
    async with uow_factory() as uow:
        uow.session.add(ProcessedUpdate(channel="telegram", update_id=1, processed_at=clock.now()))
        for update_id, status in ((1, OutboxStatus.FAILED), (2, OutboxStatus.PENDING)):
            uow.session.add(
                ReplyOutbox(
                    channel="telegram",
                    update_id=update_id,
                    chat_id=7,
                    payload={"actions": []},
                    status=status,
                    attempts=1,
                    next_attempt_at=clock.now(),
                    created_at=clock.now(),
                )
            )
        await uow.commit()
    assert [u["update_id"] for u in await inbox.pending()] == [2]
    await inbox.record([(2, {"update_id": 2, "again": True})])  # redelivered: ignored
    assert await inbox.pending() == [{"update_id": 2}]
    clock.advance(timedelta(days=2))
    assert await inbox.prune() == 0
    clock.advance(timedelta(days=1, minutes=1))
    assert await inbox.prune() == 2
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
        # A reply refused for good goes with them; one still due is kept.
        left = await uow.session.scalars(select(ReplyOutbox.status))
        assert list(left) == [OutboxStatus.PENDING]


# ------------------------------------------------------------- webhook secret


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def post(url: str, update: dict[str, Any] | bytes, secret: str | None) -> int:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    body: dict[str, Any] = {"data": update} if isinstance(update, bytes) else {"json": update}
    async with aiohttp.ClientSession() as http:
        for _ in range(100):  # the server may need a moment to bind
            try:
                async with http.post(url, headers=headers, **body) as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("webhook server never answered")


async def people(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int]:
    async with uow_factory(readonly=True) as uow:
        counts = [
            await uow.session.scalar(select(func.count()).select_from(table))
            for table in (ChatUser, ConversationState, InboxUpdate)
        ]
    return counts[0] or 0, counts[1] or 0, counts[2] or 0


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_webhook_without_a_configured_secret_refuses_forged_updates(
    framework: str,
    app: App,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await make_order(uow_factory, clock)
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    app.settings.webhook_url = "https://bot.shop.example/tg-hook"
    app.settings.webhook_secret = None  # nothing configured: one is generated
    app.settings.http_port = port
    assert app.settings.http_host == "127.0.0.1"  # the default: behind a proxy
    process = BotProcess(app, emulator, framework=framework)
    await process.start()
    try:
        await emulator.wait_until(lambda: emulator.webhook, timeout=5)
        assert emulator.webhook is not None
        secret = emulator.webhook["secret_token"]
        assert secret == await app.webhook_secret()  # stored: every worker checks the same
        assert len(secret) >= 32 and set(secret) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        )
        alex = emulator.user(1001, "Alex")
        await alex.send(NUMBER)  # would start the proof step for this order
        update = emulator.pending_updates[-1]
        before = await people(uow_factory)
        assert await post(url, update, None) in (401, 403)
        assert await post(url, update, secret[:-1] + ("x" if secret[-1] != "x" else "y")) in (
            401,
            403,
        )
        assert await post(url, update, "") in (401, 403)
        # the secret is checked before the body is read: garbage is refused the same way
        assert await post(url, b"\x00 not json", "wrong") in (401, 403)
        assert await post(url, b"\x00 not json", secret) == 400
        await asyncio.sleep(0.3)
        assert await people(uow_factory) == before == (0, 0, 0)  # nothing recorded
        assert alex.messages == []
        assert await post(url, update, secret) == 200
        assert "make sure order" in (await alex.wait_message())["text"]
        assert await people(uow_factory) == (1, 1, 1)
    finally:
        await process.stop()
    app.settings.webhook_secret = None
    assert await app.webhook_secret() == secret  # a restart keeps it
