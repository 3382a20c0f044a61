"""`python run_bot.py tiktok connect|sync|status SHOP`: the command line side of the
connector (bot.cli parses the arguments and hands over here)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.marketplace.tiktok.connector import TikTokConnector
from bot.services.marketplace import MarketplaceError

if TYPE_CHECKING:
    from bot.app import App

BAR = 30


def parse_since(text: str) -> datetime:
    """A date (2026-01-05, midnight UTC) or an ISO date-time (UTC when no offset)."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def progress_bar(what: str, done: int, total: int) -> None:
    filled = BAR * done // total if total else BAR
    bar = "#" * filled + "." * (BAR - filled)
    end = "\n" if done >= total else ""
    print(f"\r{what:<13} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)


async def run(args: argparse.Namespace, app: App) -> int:
    service = app.tiktok()  # returns and cancellations go to the claims, as in the bot
    if service is None:
        print(
            "error: TikTok Shop is not configured: set TIKTOK_APP_KEY and TIKTOK_APP_SECRET",
            file=sys.stderr,
        )
        return 2
    connector = service.connector
    try:
        async with app.uow(readonly=True) as uow:
            shop = await uow.shops.get_by_code(args.shop)
        if shop is None:
            return -1  # the caller lists the shops
        if args.tiktok_command == "connect":
            return await _connect(args, connector, shop.id)
        if args.tiktok_command == "sync":
            since = None
            if args.since:
                try:
                    since = parse_since(args.since)
                except ValueError:
                    print("error: --since takes a date like 2026-01-05", file=sys.stderr)
                    return 2
            report = await connector.sync(shop.id, since=since, progress=progress_bar)
            print(f"synced {args.shop} since {report.since:%Y-%m-%d %H:%M} UTC: {report}")
            return 0
        return await _status(connector, shop.id, args.shop)
    except MarketplaceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await connector.auth.client.close()


async def _connect(args: argparse.Namespace, connector: TikTokConnector, shop_id: int) -> int:
    if not args.code:
        url = await connector.auth.authorization_url(args.shop)
        print(url)
        print(
            "Open this address as the TikTok shop's owner and authorise the app. TikTok then"
            " sends the code to the bot's /tiktok/callback; or copy the address TikTok"
            f" redirects you to and run: python run_bot.py tiktok connect {args.shop}"
            ' --code "ADDRESS"',
            file=sys.stderr,
        )
        return 0
    connected = await connector.auth.connect(args.code, shop_code=args.shop)
    name = connected.external_shop_name or connected.external_shop_id
    print(f"connected TikTok shop {name} to {args.shop}; loading recent orders")
    report = await connector.sync(shop_id, progress=progress_bar)
    print(f"back-filled since {report.since:%Y-%m-%d}: {report}")
    return 0


async def _status(connector: TikTokConnector, shop_id: int, code: str) -> int:
    conn = await connector.auth.connection(shop_id)
    if conn is None:
        print(
            f"{code}: not connected to TikTok Shop (run: python run_bot.py tiktok connect {code})"
        )
        return 0

    def at(moment: datetime | None) -> str:
        return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "—"

    print(f"{code}: {conn.status}")
    print(f"  TikTok shop id:       {conn.external_shop_id or '—'}")
    print(f"  access token until:   {at(conn.access_expires_at)}")
    print(f"  authorisation until:  {at(conn.refresh_expires_at)}")
    print(f"  synced up to:         {at(conn.synced_until)}")
    return 0
