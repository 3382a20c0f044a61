"""The offline demo's TikTok Shop: a local TikTok emulator with one shop, connected to
the bot the way a seller connects theirs, and `:tiktok` commands that act on it.

When `python run_bot.py demo` starts, this module starts the TikTok Shop emulator on
127.0.0.1, seeds three orders there, points the bot's TikTok settings at it (demo app
credentials; nothing reaches the internet) and connects the demo shop `tiktok`
through the real flow: the authorisation link the bot hands out, the emulator's
"Authorize" page, its redirect with a one-time code to the bot's /tiktok/callback,
which exchanges the code and loads the orders.  One order is the demo buyer's: Alex
proves it in chat with its number and delivery postcode (TikTok masks buyers'
emails and phones).

In the console, `:tiktok ship|deliver ORDER` changes the order on "TikTok Shop",
which sends the signed webhook to the bot's /hooks/tiktok, so the buyer hears about
it in chat; `:tiktok return ORDER` files a return with a photo on "TikTok Shop", which
reaches the seller as a claim, and `:tiktok cancel ORDER` the buyer's request to cancel
an order not shipped yet, which the seller answers in chat; the decisions the bot
sends to "TikTok Shop" are printed as the emulator recorded them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import aiohttp
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.emulator.tiktok import TikTokEmulator, tiktok_order
from bot.emulator.tiktok.state import CANCEL_PENDING, RETURN_PENDING, Decision, EmShop
from bot.marketplace.tiktok.hooks import CALLBACK_PATH, WEBHOOK_PATH
from bot.services.marketplace import TIKTOK, MarketplaceError
from storage.models import Claim, MarketplaceConnection, Order, OrderLink, Shop

if TYPE_CHECKING:
    from bot.app import App, BotRunner
    from bot.config import Settings
    from bot.demo import Wait, Write

SHOP_CODE = "tiktok"
SHOP_NAME = "Harbor & Home on TikTok"
APP_KEY = "offline-demo-app-key"
APP_SECRET = "offline-demo-app-secret-not-valid-on-tiktok"
EXTERNAL_SHOP_ID = "7496000000000000001"
BUYER_POSTCODE = "94105"  # Alex's order is delivered here: the proof TikTok leaves
SERVER_WAIT = 5.0  # seconds for the bot's HTTP server to come up

# (status, buyer, postcode, items) of the orders seeded on "TikTok Shop"; the first
# is the demo buyer's, ready to ship.
SEED = (
    ("AWAITING_SHIPMENT", "Alex", BUYER_POSTCODE, (("MUG-1", "Ceramic mug", "12.50", 2),)),
    ("IN_TRANSIT", "Casey Moore", "10001", (("LAMP-2", "Linen table lamp", "39.00", 1),)),
    ("DELIVERED", "Morgan Diaz", "60601", (("TOWEL-3", "Waffle towel set", "24.00", 1),)),
)

USAGE = """TikTok Shop (a local emulator; the demo shop `tiktok` is connected to it):
  :tiktok               this list, and the orders on TikTok Shop
  :tiktok ship ORDER    the seller ships the order on TikTok Shop (a tracking number)
  :tiktok scan ORDER    the carrier scans the parcel: out for delivery
  :tiktok deliver ORDER the carrier delivers it
  :tiktok return ORDER  the buyer asks TikTok Shop for a refund, with a photo
  :tiktok cancel ORDER  the buyer asks TikTok Shop to cancel an order not shipped yet
ORDER is the order number or its last digits. Each change reaches the bot as TikTok's
signed webhook; the buyer who linked the order hears about it in chat, and the seller
(:as sam) gets a return as a claim, or the cancellation request, to approve or reject,
which goes back to TikTok Shop."""

# What `:tiktok ACTION ORDER` can do to an order on "TikTok Shop" (USAGE says each).
ACTIONS = ("ship", "scan", "deliver", "return", "cancel")

DECISION_WORDS = {
    "approve_return": "return {id} approved",
    "reject_return": "return {id} rejected",
    "approve_cancellation": "cancellation {id} approved",
    "reject_cancellation": "cancellation {id} rejected",
}


@dataclass(frozen=True)
class DemoOrder:
    number: str
    status: str
    buyer: str
    postcode: str


def demo_settings(settings: Settings, tiktok_url: str) -> Settings:
    """The bot's settings with TikTok Shop pointed at the emulator (demo credentials),
    and the HTTP server on a free local port for TikTok's callback and webhooks."""
    return settings.model_copy(
        update={
            "tiktok_app_key": APP_KEY,
            "tiktok_app_secret": SecretStr(APP_SECRET),
            "tiktok_api_url": tiktok_url,
            "tiktok_auth_url": tiktok_url,
            "tiktok_authorize_url": f"{tiktok_url}/open/authorize",
            "tiktok_service_id": None,
            "http_host": "127.0.0.1",
            "http_port": 0,
        }
    )


class DemoTikTok:
    """The demo's TikTok Shop: the emulator, its one shop, and the console commands."""

    def __init__(self, app: App, emulator: TikTokEmulator, shop: EmShop, write: Write) -> None:
        self.app = app  # its store; the bot's own App has the TikTok settings
        self.emulator = emulator
        self.shop = shop
        self.write = write
        self.hook_url = ""
        self.returns_filed = 0
        self._decisions_told = 0

    @classmethod
    async def start(cls, app: App, write: Write) -> DemoTikTok:
        """The emulator on a free local port, with the shop and its orders.  Order
        numbers are new each run (a new TikTok each time), so a run never meets the
        previous run's orders in a state this TikTok does not know (the time they start
        with, then a count past the orders earlier runs left)."""
        now = app.clock.now()
        run = int(now.timestamp()) % 10**10
        async with app.uow(readonly=True) as uow:  # earlier runs' orders: numbered on
            earlier = await uow.session.scalar(
                select(func.count(Order.id)).join(Shop).where(Shop.code == SHOP_CODE)
            )
        emulator = TikTokEmulator(app_key=APP_KEY, app_secret=APP_SECRET, now=app.clock.now)
        await emulator.start()
        shop = emulator.state.add_shop(SHOP_NAME, shop_id=EXTERNAL_SHOP_ID)
        for n, (status, buyer, postcode, items) in enumerate(SEED, start=1):
            number = f"5769{run:010d}{(earlier or 0) + n:04d}"
            order = tiktok_order(
                number,
                status=status,
                items=items,
                buyer_name=buyer,
                postal_code=postcode,
                tracking_number=f"9400{number}" if status != "AWAITING_SHIPMENT" else None,
                created=int((now - timedelta(days=4 - n)).timestamp()),
            )
            if status == "DELIVERED":
                order["delivery_time"] = int((now - timedelta(hours=5)).timestamp())
            emulator.state.put_order(shop.id, order)
        return cls(app, emulator, shop, write)

    async def stop(self) -> None:
        await self.emulator.stop()

    @property
    def url(self) -> str:
        return self.emulator.url

    # ------------------------------------------------------------ before the bot

    async def prepare(self, seller_chat_id: int) -> None:
        """The demo shop `tiktok` in the store, the demo seller one of its sellers
        (through an invite, as a real seller joins), and a connection left by an
        earlier run set back to pending: that run's TikTok, and its tokens, are gone."""
        app = self.app
        now = app.clock.now()
        async with app.uow() as uow:
            if await uow.shops.get_by_code(SHOP_CODE) is None:
                uow.shops.add(
                    Shop(
                        code=SHOP_CODE,
                        name=SHOP_NAME,
                        currency="USD",
                        timezone="America/New_York",
                        created_at=now,
                    )
                )
            conn = await uow.session.scalar(
                select(MarketplaceConnection)
                .join(Shop, Shop.id == MarketplaceConnection.shop_id)
                .where(MarketplaceConnection.marketplace == TIKTOK, Shop.code == SHOP_CODE)
            )
            if conn is not None and conn.status == "active":
                conn.status = "pending"
                conn.access_token = conn.refresh_token = None
                conn.access_expires_at = conn.refresh_expires_at = None
                conn.updated_at = now
            await uow.commit()
        services = await app.services()
        seller = await services.orders.identify("telegram", seller_chat_id, "Sam", "sam", "en")
        if SHOP_CODE not in {s.code for s in await services.sellers.shops_of(seller.id)}:
            await services.sellers.accept(seller.id, await services.sellers.invite(SHOP_CODE))

    # -------------------------------------------------------------- connecting

    async def connect(self, runner: BotRunner) -> bool:
        """Connect the shop as a seller does: open the bot's authorisation link, click
        Authorize on "TikTok Shop", which sends the browser to the bot's callback with
        a code.  Prints the page the seller ends on; False (and why) when it failed,
        and the demo goes on without TikTok Shop."""
        try:
            bot_url = await _bot_url(runner)
            self.hook_url = bot_url + WEBHOOK_PATH
            self.emulator.server.redirect_url = bot_url + CALLBACK_PATH
            tiktok = runner.app.tiktok()
            if tiktok is None:
                raise RuntimeError("the demo's TikTok settings did not take")
            link = await tiktok.connector.auth.authorization_url(SHOP_CODE)
            async with aiohttp.ClientSession() as browser, browser.get(link) as page:
                text = await page.text()
                if page.status != 200:
                    raise RuntimeError(text)
        except (RuntimeError, aiohttp.ClientError, MarketplaceError) as exc:
            self.write(f"TikTok Shop could not be connected ({exc}); the demo runs without it.")
            return False
        self.write(f"The seller authorised the bot on TikTok Shop; the bot answered:\n  {text}")
        return True

    # ----------------------------------------------------------------- console

    def orders(self) -> list[DemoOrder]:
        return [
            DemoOrder(o["id"], o["status"], o["recipient_address"]["name"], _postcode(o))
            for o in self.shop.orders.values()
        ]

    def intro(self) -> None:
        self.write(f"TikTok Shop (local emulator): {SHOP_NAME}, connected as shop `tiktok`.")
        for order in self.orders():
            mine = "   ← Alex's: send it, then the postcode" if order.buyer == "Alex" else ""
            self.write(f"  {order.number}  {order.status:<18} postcode {order.postcode}{mine}")
        self.write("  :tiktok lists what TikTok Shop can do (ship, scan, deliver, return, cancel).")

    async def command(self, args: str) -> Wait:
        """One `:tiktok ...` line; what the console waits for then."""
        words = args.split()
        if not words:
            self.write(USAGE)
            for order in self.orders():
                self.write(f"  {order.number}  {order.status:<18} {order.buyer}")
            return "none"
        if len(words) != 2 or words[0] not in ACTIONS:
            raise ValueError("try " + ", ".join(f":tiktok {action} ORDER" for action in ACTIONS))
        action, found = words[0], self._order(words[1])
        if action == "return":
            await self._file_return(found)
            return "reply"  # the seller's card
        if action == "cancel":
            await self._ask_cancel(found)
            return "reply"  # the seller's request
        told = await self._move(found, action)
        return "reply" if told else "none"  # no one to wait for

    async def recorded(self) -> list[str]:
        """What "TikTok Shop" recorded from the bot since last asked (decisions).  Each
        decision changed a return or a cancellation there, and TikTok tells the app of
        every such change by webhook, its own sellers' decisions included (an approved
        refund-only return is then refunded, a cancellation done): sent here once the
        bot has answered the seller, so the claim follows TikTok (refunded, out of
        /claims) as it would with the real one."""
        decisions = self.emulator.state.decisions[self._decisions_told :]
        self._decisions_told += len(decisions)
        lines = []
        for decision in decisions:
            words = DECISION_WORDS.get(decision.kind, decision.kind + " {id}")
            line = "TikTok Shop: " + words.format(id=decision.target_id)
            if decision.body.get("decision"):
                line += f" ({decision.body['decision']}"
                if decision.body.get("reject_reason"):
                    line += f", reason {decision.body['reject_reason']}"
                if decision.body.get("comment"):
                    line += f", note “{decision.body['comment']}”"
                line += ")"
            lines.append(line + await self._status_webhook(decision))
        return lines

    async def _status_webhook(self, decision: Decision) -> str:
        """TikTok's webhook for the change a decision made; how the bot answered it."""
        if decision.kind.endswith("_return"):
            event, key = "RETURN_STATUS_CHANGE", "return_id"
            now = self.shop.returns[decision.target_id]["return_status"]
        else:
            event, key = "CANCELLATION_STATUS_CHANGE", "cancel_id"
            now = self.shop.cancellations[decision.target_id]["cancel_status"]
        answer = await self.emulator.send_webhook(
            self.hook_url, event, self.shop.id, {key: decision.target_id}
        )
        return f"; now {now}, webhook to the bot: HTTP {answer}"

    def _order(self, text: str) -> dict[str, Any]:
        found = [o for number, o in self.shop.orders.items() if number.endswith(text)]
        if not text.isdigit() or not found:
            raise ValueError(f"TikTok Shop has no order {text}; :tiktok lists them")
        if len(found) > 1:
            raise ValueError(f"several orders end in {text}: type more digits")
        return found[0]

    async def _move(self, order: dict[str, Any], action: str) -> bool:
        """Ship, scan or deliver the order on "TikTok Shop"; whether a buyer in chat
        hears.  Each move leaves a carrier checkpoint, as TikTok's tracking shows."""
        state = self.emulator.state
        now = int(state.now().timestamp())
        event = "ORDER_STATUS_CHANGE"
        if action == "ship":
            if order["status"] != "AWAITING_SHIPMENT":
                raise ValueError(f"order {order['id']} is {order['status']}, not awaiting shipment")
            tracking = f"9400{order['id']}"  # USPS's 22 digits
            order.update(
                status="IN_TRANSIT",
                tracking_number=tracking,
                shipping_provider="USPS",
                rts_time=now,
            )
            for line in order["line_items"]:
                line.update(
                    display_status="IN_TRANSIT",
                    tracking_number=tracking,
                    shipping_provider_name="USPS",
                )
            state.add_checkpoint(self.shop.id, order["id"], "Picked up by the carrier")
            what = f"shipped with USPS {tracking}"
        elif action == "scan":
            if order["status"] != "IN_TRANSIT":
                raise ValueError(f"order {order['id']} is {order['status']}: ship it first")
            state.add_checkpoint(self.shop.id, order["id"], "Out for delivery")
            event, what = "PACKAGE_UPDATE", "scanned: out for delivery"
        else:
            if order["status"] != "IN_TRANSIT":
                raise ValueError(f"order {order['id']} is {order['status']}: ship it first")
            order.update(status="DELIVERED", delivery_time=now)
            for line in order["line_items"]:
                line["display_status"] = "DELIVERED"
            state.add_checkpoint(self.shop.id, order["id"], "Delivered, left at the front door")
            what = "delivered"
        state.stamp(order)
        answer = await self.emulator.send_webhook(
            self.hook_url, event, self.shop.id, {"order_id": order["id"]}
        )
        self.write(f"TikTok Shop: order {order['id']} {what}; webhook to the bot: HTTP {answer}")
        if await self._linked(order["id"]):
            return True
        self.write(
            f"  (no one has linked this order in chat, so no one is told: as alex, send"
            f" {order['id']}, then the postcode {_postcode(order)})"
        )
        return False

    async def _file_return(self, order: dict[str, Any]) -> None:
        if order["status"] != "DELIVERED":
            raise ValueError(
                f"order {order['id']} is {order['status']}: a return comes after delivery"
            )
        if any(
            r["order_id"] == order["id"] and r["return_status"] in RETURN_PENDING
            for r in self.shop.returns.values()
        ):
            raise ValueError(f"order {order['id']} already has a return waiting for the seller")
        from bot.demo import sample_photo

        state = self.emulator.state
        self.returns_filed += 1
        return_id = f"4036{order['id'][-12:]}{self.returns_filed:02d}"
        photo = f"return-{return_id}.jpg"
        state.images[photo] = await asyncio.to_thread(sample_photo, 100 + self.returns_filed)
        first = order["line_items"][0]
        amount = sum(Decimal(line["sale_price"]) for line in order["line_items"])
        deadline = int((state.now() + timedelta(days=2)).timestamp())
        state.put_return(
            self.shop.id,
            {
                "return_id": return_id,
                "order_id": order["id"],
                "return_type": "REFUND",
                "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
                "return_reason": "ecom_order_delivered_refund_reason_damaged",
                "return_reason_text": f"The {first['product_name'].lower()} arrived broken",
                "refund_amount": {"currency": first["currency"], "refund_total": str(amount)},
                "return_line_items": [
                    {"seller_sku": line["seller_sku"]} for line in order["line_items"]
                ],
                "buyer_images": [{"url": f"{self.url}/images/{photo}"}],
                "seller_next_action_response": [
                    {"action": "SELLER_RESPOND_REFUND", "deadline": deadline}
                ],
            },
        )
        answer = await self.emulator.send_webhook(
            self.hook_url, "RETURN_STATUS_CHANGE", self.shop.id, {"return_id": return_id}
        )
        self.write(
            f"TikTok Shop: {order['recipient_address']['name']} asked for a refund of"
            f" {amount} {first['currency']} on order {order['id']} (return {return_id}, one"
            f" photo); webhook to the bot: HTTP {answer}"
        )
        claim = await self._claim(return_id)
        if claim is None:
            self.write("  (the bot did not open a claim for it: see the warnings above)")
        else:
            self.write(f"  the bot opened claim {claim} for the seller: :as sam")

    async def _ask_cancel(self, order: dict[str, Any]) -> None:
        """The buyer asks "TikTok Shop" to cancel an order the seller has not shipped:
        TikTok leaves the answer to the seller, by a deadline."""
        if order["status"] != "AWAITING_SHIPMENT":
            raise ValueError(
                f"order {order['id']} is {order['status']}: only an order awaiting"
                " shipment can be cancelled"
            )
        shop = self.shop
        if any(
            c["order_id"] == order["id"] and c["cancel_status"] == CANCEL_PENDING
            for c in shop.cancellations.values()
        ):
            raise ValueError(f"order {order['id']} already has a cancellation waiting")
        state = self.emulator.state
        cancel_id = f"5790{order['id'][-12:]}{len(shop.cancellations) + 1:02d}"
        deadline = int((state.now() + timedelta(days=1)).timestamp())
        state.put_cancellation(
            shop.id,
            {
                "cancel_id": cancel_id,
                "order_id": order["id"],
                "cancel_status": CANCEL_PENDING,
                "cancel_reason_text": "No longer needed",
                "seller_next_action_response": [
                    {"action": "SELLER_RESPOND_CANCEL", "deadline": deadline}
                ],
            },
        )
        answer = await self.emulator.send_webhook(
            self.hook_url, "CANCELLATION_STATUS_CHANGE", shop.id, {"cancel_id": cancel_id}
        )
        self.write(
            f"TikTok Shop: {order['recipient_address']['name']} asked to cancel order"
            f" {order['id']} (cancellation {cancel_id}); webhook to the bot: HTTP {answer}"
        )
        self.write("  the seller answers it in chat: :as sam")

    # ------------------------------------------------------- reading the store

    async def _linked(self, number: str) -> bool:
        async with self.app.uow(readonly=True) as uow:
            found = await uow.session.scalar(
                select(OrderLink.id)
                .join(Order, Order.id == OrderLink.order_id)
                .where(Order.order_number == number)
                .limit(1)
            )
        return found is not None

    async def _claim(self, return_id: str) -> str | None:
        async with self.app.uow(readonly=True) as uow:
            return await uow.session.scalar(
                select(Claim.claim_number).where(
                    Claim.marketplace == TIKTOK, Claim.external_id == return_id
                )
            )


def _postcode(order: dict[str, Any]) -> str:
    return str(order["recipient_address"]["postal_code"])


async def _bot_url(runner: BotRunner) -> str:
    """The bot's HTTP server once it listens (it asked for a free port)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SERVER_WAIT
    while runner.http is None or runner.http.port == 0:
        if loop.time() > deadline:
            raise RuntimeError("the bot's HTTP server did not start")
        await asyncio.sleep(0.02)
    return f"http://127.0.0.1:{runner.http.port}"
