"""`python -m bot.emulator.tiktok`: a TikTok Shop emulator to point a bot at.

Starts on 127.0.0.1, creates one shop with a few orders, and prints the settings to
give the bot.  `POST /_emulator/orders/{id}?status=IN_TRANSIT` moves an order on and
sends the signed ORDER_STATUS_CHANGE webhook to `--webhook` (the bot's
/hooks/tiktok), as TikTok would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from aiohttp import web

from bot.emulator.tiktok.emulator import TikTokEmulator
from bot.emulator.tiktok.state import tiktok_order


async def _serve(args: argparse.Namespace) -> None:
    tiktok = TikTokEmulator(app_key=args.app_key, app_secret=args.app_secret)
    shop = tiktok.state.add_shop(args.shop_name)
    for n in range(1, 4):
        tiktok.state.put_order(
            shop.id, tiktok_order(f"57600000000000{n:04d}", tracking_number=None)
        )
    if args.callback:
        tiktok.server.redirect_url = args.callback

    async def move(request: web.Request) -> web.Response:
        order = shop.orders.get(request.match_info["id"])
        status = request.query.get("status", "")
        if order is None or not status:
            return web.Response(status=404, text="no such order, or no ?status=")
        order["status"] = status
        if status == "IN_TRANSIT" and not order["tracking_number"]:
            order["tracking_number"] = f"9400{order['id'][-12:]}"
            order["shipping_provider"] = "USPS"
        tiktok.state.stamp(order)
        sent = "not sent (no --webhook)"
        if args.webhook:
            answer = await tiktok.send_webhook(
                args.webhook, "ORDER_STATUS_CHANGE", shop.id, {"order_id": order["id"]}
            )
            sent = f"webhook answered HTTP {answer}"
        return web.Response(text=f"order {order['id']} is {status}; {sent}\n")

    tiktok.server.extra_routes.append(web.post("/_emulator/orders/{id}", move))
    await tiktok.start(port=args.port)
    print(f"TikTok Shop emulator at {tiktok.url}, shop {shop.name} ({shop.id})")
    print("Give the bot:")
    print(f"  TIKTOK_APP_KEY={args.app_key}")
    print(f"  TIKTOK_APP_SECRET={args.app_secret}")
    print(f"  TIKTOK_API_URL={tiktok.url}")
    print(f"  TIKTOK_AUTH_URL={tiktok.url}")
    print(f"  TIKTOK_AUTHORIZE_URL={tiktok.url}/open/authorize")
    first = next(iter(shop.orders))
    print(
        f"Move an order on: curl -X POST '{tiktok.url}/_emulator/orders/{first}?status=IN_TRANSIT'"
    )
    try:
        await asyncio.Event().wait()
    finally:
        await tiktok.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator.tiktok")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--app-key", default="emulated-app-key")
    parser.add_argument("--app-secret", default="emulated-app-secret")
    parser.add_argument("--shop-name", default="Demo shop on TikTok")
    parser.add_argument("--webhook", default=None, help="the bot's /hooks/tiktok URL")
    parser.add_argument("--callback", default=None, help="the bot's /tiktok/callback URL")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
