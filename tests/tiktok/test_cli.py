"""`python run_bot.py tiktok ...` as a shop owner types it, against the emulator
(running in a thread of its own: `main` runs its own event loop)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.clock import FakeClock
from bot.emulator.tiktok import TikTokEmulator, tiktok_order
from storage.db import create_engine, session_factory
from storage.uow import make_uow_factory
from tests.factories import make_shop
from tests.tiktok.conftest import APP_KEY, APP_SECRET
from tests.unit.test_cli import cli, run

__all__ = ["cli"]  # the CLI tests' fixture, used here too


@pytest.fixture
def emulator() -> Iterator[TikTokEmulator]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    tiktok = TikTokEmulator(app_key=APP_KEY, app_secret=APP_SECRET)
    asyncio.run_coroutine_threadsafe(tiktok.start(), loop).result(10)
    yield tiktok
    asyncio.run_coroutine_threadsafe(tiktok.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


async def _shop(database_url: str) -> None:
    engine = create_engine(database_url)
    await make_shop(make_uow_factory(session_factory(engine)), FakeClock())
    await engine.dispose()


def test_connect_sync_and_status_from_the_command_line(
    cli: pytest.MonkeyPatch,
    emulator: TikTokEmulator,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    asyncio.run(_shop(database_url))
    for name, value in {
        "TIKTOK_APP_KEY": APP_KEY,
        "TIKTOK_APP_SECRET": APP_SECRET,
        "TIKTOK_API_URL": emulator.url,
        "TIKTOK_AUTH_URL": emulator.url,
        "TIKTOK_AUTHORIZE_URL": emulator.url + "/open/authorize",
    }.items():
        cli.setenv(name, value)
    shop = emulator.state.add_shop("Acme on TikTok")
    emulator.state.put_order(shop.id, tiktok_order("576000000000000701"))

    code, out, err = run(capsys, "tiktok", "status", "acme")
    assert (code, out.strip()) == (
        0,
        "acme: not connected to TikTok Shop (run: python run_bot.py tiktok connect acme)",
    )

    code, out, err = run(capsys, "tiktok", "connect", "acme")
    assert code == 0 and out.startswith(emulator.url + "/open/authorize?state=")
    assert "--code" in err
    state = parse_qs(urlsplit(out.strip()).query)["state"][0]

    # The seller authorises; the redirect URL is pasted whole.
    pasted = (
        "https://bot.example.com/tiktok/callback?code="
        f"{emulator.state.authorize(shop.id)}&state={state}"
    )
    code, out, err = run(capsys, "tiktok", "connect", "acme", "--code", pasted)
    assert code == 0, err
    assert "connected TikTok shop Acme on TikTok to acme" in out
    assert "orders: 1 new" in out

    code, out, err = run(capsys, "tiktok", "sync", "acme", "--since", "2020-01-01")
    assert code == 0, err
    assert "orders: 0 new, 0 updated, 1 unchanged" in out
    assert "[" + "#" * 30 + "] 1/1" in err  # the progress bar, on stderr

    code, out, err = run(capsys, "tiktok", "status", "acme")
    assert code == 0 and "acme: active" in out and shop.id in out

    code, out, err = run(capsys, "tiktok", "sync", "nope")
    assert code == 1 and "no shop with code nope" in err
    code, out, err = run(capsys, "tiktok", "sync", "acme", "--since", "last tuesday")
    assert code == 2 and "--since takes a date" in err


def test_without_app_credentials_it_says_what_to_set(
    cli: pytest.MonkeyPatch,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(_shop(database_url))
    cli.delenv("TIKTOK_APP_KEY", raising=False)
    code, _, err = run(capsys, "tiktok", "connect", "acme")
    assert code == 2 and "TIKTOK_APP_KEY and TIKTOK_APP_SECRET" in err


def test_tiktok_status_loads_neither_the_chat_nor_aiohttp(
    database_url: str, tmp_path: Path
) -> None:
    from tests.unit.test_cli import HEAVY, _modules_after

    asyncio.run(_shop(database_url))
    loaded = _modules_after(
        "import os\n"
        "os.environ.update(TIKTOK_APP_KEY='k', TIKTOK_APP_SECRET='s')\n"
        "import bot.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()),"
        " contextlib.redirect_stderr(io.StringIO()):\n"
        "    assert bot.cli.main(['tiktok', 'status', 'acme']) == 0\n",
        database_url,
        tmp_path,
    )
    assert "sqlalchemy" in loaded  # it did reach the database
    assert not loaded & {*HEAVY, "aiohttp"}, loaded & {*HEAVY, "aiohttp"}


def test_connecting_a_shop_that_sells_on_tiktok_only_creates_it(
    cli: pytest.MonkeyPatch,
    emulator: TikTokEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A shop with no orders to import first used to be refused ("no shop with code");
    connecting creates it, as an import does, under the same rule for new codes."""
    cli.delenv("TIKTOK_APP_KEY", raising=False)
    code, _, err = run(capsys, "tiktok", "connect", "tt-only")  # not configured
    assert code == 2 and "TIKTOK_APP_KEY" in err
    code, _, err = run(capsys, "shop", "show", "tt-only")
    assert code == 1  # nothing was created

    for name, value in {
        "TIKTOK_APP_KEY": APP_KEY,
        "TIKTOK_APP_SECRET": APP_SECRET,
        "TIKTOK_API_URL": emulator.url,
        "TIKTOK_AUTH_URL": emulator.url,
        "TIKTOK_AUTHORIZE_URL": emulator.url + "/open/authorize",
    }.items():
        cli.setenv(name, value)
    code, out, err = run(capsys, "tiktok", "connect", "TT Only")
    assert code == 2 and "'TT Only' can't be a new shop's code" in err and out == ""

    code, out, err = run(capsys, "tiktok", "connect", "tt-only")
    assert code == 0 and out.startswith(emulator.url + "/open/authorize?state=")
    assert "created shop 'tt-only'" in err and 'shop set tt-only name "Your Shop Name"' in err
    code, out, err = run(capsys, "tiktok", "status", "tt-only")
    assert code == 0 and "tt-only: pending" in out
    code, out, err = run(capsys, "tiktok", "connect", "tt-only")  # again: no second shop
    assert code == 0 and "created shop" not in err
