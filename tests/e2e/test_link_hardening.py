"""Deep links that expire and bind to one account, and a proof throttle that many
accounts cannot get around, through real Telegram traffic (aiogram ↔ emulator)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.emulator import TelegramEmulator
from bot.services.links import LEGACY_GRACE, LEGACY_SINCE_KEY
from bot.services.orders import MAX_FAILED_PROOFS_PER_ORDER
from bot.services.shops import ShopAdmin
from storage.models import KeyValue
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BOT_USERNAME, BotProcess
from tests.factories import make_order
from tests.unit.test_deep_links import legacy_token

NUMBER = "578000000000000001"
UNKNOWN = "578999999999999999"
ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-link-secret-0123456789abcdef"


async def run_cli(database_url: str, tmp_path: Path, *argv: str) -> tuple[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LINK_SECRET": SECRET,
        "BOT_USERNAME": BOT_USERNAME,
    }
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        *argv,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(done.communicate(), timeout=60)
    assert done.returncode == 0, err.decode()
    return out.decode(), err.decode()


async def text_of(user) -> str:  # type: ignore[no-untyped-def]
    return str((await user.wait_message())["text"])


async def test_order_link_prints_its_expiry_and_works_for_the_first_account_only(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    await make_order(uow_factory, clock)
    await ShopAdmin(uow_factory).set("acme", "timezone", "America/New_York")
    out, err = await run_cli(database_url, tmp_path, "order-link", NUMBER)
    # stdout is the link alone (scripts take it from there); the expiry is said beside it.
    url = out.strip()
    assert re.fullmatch(rf"https://t\.me/{BOT_USERNAME}\?start=o[A-Za-z0-9_-]{{1,63}}", url)
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    assert re.search(rf"valid until {stamp} UTC \({stamp} America/New_York\)", err), err
    assert "first Telegram account that opens it" in err
    token = url.split("start=")[1]

    alex, mallory = emulator.user(1001, "Alex"), emulator.user(1002, "Mallory")
    await alex.send(f"/start {token}")
    assert "now linked" in await text_of(alex)
    assert f"Order {NUMBER}" in await text_of(alex)

    # Forwarded to someone else, the link links nothing and says what to do instead.
    await mallory.send(f"/start {token}")
    refused = await text_of(mallory)
    assert "already used by another Telegram account" in refused and "order number" in refused
    await mallory.send("/orders")
    assert "no linked orders" in await text_of(mallory)

    # Alex opening it again is fine.
    await alex.send(f"/start {token}")
    assert "now linked" in await text_of(alex)
    assert f"Order {NUMBER}" in await text_of(alex)


async def test_an_expired_link_says_how_to_link_the_order_by_number(
    bot: BotProcess,
    emulator: TelegramEmulator,
    app: App,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    order_id = await make_order(uow_factory, clock)
    link = await (await app.services()).orders.order_link(order_id)
    clock.advance(timedelta(days=60, minutes=1))

    alex = emulator.user(1001, "Alex")
    await alex.send(f"/start {link.token}")
    told = await text_of(alex)
    assert "expired" in told and "order number" in told
    await alex.send("/orders")
    assert "no linked orders" in await text_of(alex)
    # What it says works.
    await alex.send(NUMBER)
    assert "make sure order" in await text_of(alex)
    await alex.send("buyer@example.com")
    assert "now linked" in await text_of(alex)


async def test_links_from_before_the_upgrade_work_for_thirty_days(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    other_id = await make_order(uow_factory, clock, number="578000000000000002")
    async with uow_factory() as uow:  # the upgrade happened now
        row = await uow.session.get(KeyValue, LEGACY_SINCE_KEY)
        if row is None:
            uow.key_values.set(LEGACY_SINCE_KEY, clock.now().isoformat())
        else:
            row.value = clock.now().isoformat()
        await uow.commit()
    secret = SECRET.encode()

    clock.advance(LEGACY_GRACE - timedelta(hours=1))
    alex = emulator.user(1001, "Alex")
    await alex.send(f"/start {legacy_token('o', order_id, secret=secret)}")
    assert "now linked" in await text_of(alex)
    assert f"Order {NUMBER}" in await text_of(alex)

    clock.advance(timedelta(hours=1))
    await alex.send(f"/start {legacy_token('o', other_id, secret=secret)}")
    told = await text_of(alex)
    assert "expired" in told and "order number" in told
    await alex.send("/orders")
    listing = await alex.wait_message()
    assert "(1)" in listing["text"]


async def test_an_expired_seller_invite_says_so_and_registers_nobody(
    bot: BotProcess,
    emulator: TelegramEmulator,
    app: App,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await make_order(uow_factory, clock)
    sellers = (await app.services()).sellers
    token = await sellers.invite("acme")
    clock.advance(timedelta(days=7, seconds=1))
    sam = emulator.user(2001, "Sam")
    await sam.send(f"/start {token}")
    told = await text_of(sam)
    assert "invite has expired" in told and "Ask the shop owner for a new one" in told
    assert await sellers.sellers("acme") == []
    assert emulator.commands(scope={"type": "chat", "chat_id": 2001}) == []


async def _guess(user, number: str, proof: str) -> str:  # type: ignore[no-untyped-def]
    await user.send(number)
    asked = await text_of(user)
    assert "make sure order" in asked, asked
    await user.send(proof)
    return await text_of(user)


async def test_many_accounts_guessing_one_order_are_slowed_but_the_buyer_is_not_locked_out(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, phone="15550100001")
    replies: dict[str, list[str]] = {NUMBER: [], UNKNOWN: []}
    for n in range(MAX_FAILED_PROOFS_PER_ORDER + 2):
        for first_id, number in ((3000, NUMBER), (4000, UNKNOWN)):
            guesser = emulator.user(first_id + n, f"G{n}")
            replies[number].append(await _guess(guesser, number, f"g{n}@example.com"))
            await guesser.send("/cancel")
            await guesser.wait_message()
    # An order that exists and one that does not: the very same replies, throttle included.
    assert replies[NUMBER] == replies[UNKNOWN]
    assert all("couldn't match" in r for r in replies[NUMBER][:MAX_FAILED_PROOFS_PER_ORDER])
    throttled = replies[NUMBER][MAX_FAILED_PROOFS_PER_ORDER:]
    assert all("too many attempts" in r and "Share my contact" in r for r in throttled)

    # The real buyer typing the right email waits like everyone (and learns nothing) ...
    buyer = emulator.user(1001, "Alex", phone="+15550100001")
    typed = await _guess(buyer, NUMBER, "buyer@example.com")
    stranger = emulator.user(1002, "Sam")
    assert typed == await _guess(stranger, UNKNOWN, "buyer@example.com")
    # ... but their own contact still links the order, in the same step.
    await buyer.share_contact()
    assert "now linked" in await text_of(buyer)
    assert f"Order {NUMBER}" in await text_of(buyer)
