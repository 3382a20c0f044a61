"""The HTTP side of the TikTok Shop emulator: the Open API's paths and JSON shapes.

Every API call is checked the way TikTok checks it, in this order, and refused with
TikTok's envelope (`{"code", "message", "request_id", "data"}`) when wrong: injected
faults first, then app key, timestamp (within 5 minutes of the emulator's clock),
`sign` (recomputed here, independently of the bot's signing module), the
`x-tts-access-token` (known, not revoked, not expired) and, for shop calls, the
`shop_cipher` (the token's shop's).  The token host (`/api/v2/token/...`) is not
signed: it checks app key and secret instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.emulator.tiktok.state import (
    CANCEL_PENDING,
    REJECT_REASONS,
    RETURN_PENDING,
    Decision,
    EmShop,
    Json,
    TikTokState,
)

# Error codes (the bot's client knows the same numbers).
INVALID_APP_KEY = 36009001
INVALID_TIMESTAMP = 36009003
INVALID_SIGNATURE = 36009004
INVALID_PARAMS = 36009002
ACCESS_TOKEN_INVALID = 105001
ACCESS_TOKEN_EXPIRED = 105002
REFRESH_TOKEN_INVALID = 105003
AUTH_CODE_INVALID = 105004
INVALID_SHOP_CIPHER = 106011
NOT_FOUND = 21001001
STATUS_NOT_ALLOWED = 21001002
INVALID_REJECT_REASON = 21001003
RATE_LIMITED = 36009009
SERVER_ERROR = 36009500

AUTH_CODE_TTL = timedelta(minutes=10)
MAX_BODY = 1024 * 1024


class Refusal(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def envelope(data: Json | None, code: int = 0, message: str = "Success") -> Json:
    return {"code": code, "message": message, "request_id": uuid.uuid4().hex, "data": data or {}}


def expected_sign(secret: str, path: str, query: dict[str, str], body: bytes) -> str:
    """TikTok's rule, written out again here on purpose (not the bot's code)."""
    text = path + "".join(k + query[k] for k in sorted(query) if k not in ("sign", "access_token"))
    wrapped = secret.encode() + text.encode() + body + secret.encode()
    return hmac.new(secret.encode(), wrapped, hashlib.sha256).hexdigest()


Handler = Callable[[web.Request, EmShop | None, Json], Awaitable[Json]]


class TikTokServer:
    def __init__(self, state: TikTokState) -> None:
        self.state = state
        self.redirect_url: str | None = None  # the app's OAuth callback
        self.extra_routes: list[web.RouteDef] = []  # the command line's controls

    # ----------------------------------------------------------------- plumbing

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        api = self._api
        app.add_routes(
            [
                web.get("/api/v2/token/get", self._token_get),
                web.get("/api/v2/token/refresh", self._token_refresh),
                web.get("/open/authorize", self._authorize_page),
                web.get("/images/{name}", self._image),
                web.get("/authorization/202309/shops", api(self._shops, cipher=False)),
                web.post("/order/202309/orders/search", api(self._orders_search)),
                web.get("/order/202309/orders", api(self._orders_get)),
                web.get("/fulfillment/202309/orders/{id}/tracking", api(self._tracking_get)),
                web.post("/return_refund/202309/returns/search", api(self._returns_search)),
                web.post("/return_refund/202309/returns/{id}/approve", api(self._return_approve)),
                web.post("/return_refund/202309/returns/{id}/reject", api(self._return_reject)),
                web.get("/return_refund/202309/reject_reasons", api(self._reject_reasons)),
                web.post("/return_refund/202309/cancellations/search", api(self._cancels_search)),
                web.post(
                    "/return_refund/202309/cancellations/{id}/approve", api(self._cancel_approve)
                ),
                web.post(
                    "/return_refund/202309/cancellations/{id}/reject", api(self._cancel_reject)
                ),
            ]
        )
        app.add_routes(self.extra_routes)
        return app

    async def _fault(self, path: str) -> web.Response | None:
        fault = self.state.faults.take(path)
        if fault is None:
            return None
        if fault.status == 0:
            await asyncio.sleep(fault.hang)
            fault_status, code = 504, SERVER_ERROR
        else:
            fault_status = fault.status
            code = RATE_LIMITED if fault.status == 429 else SERVER_ERROR
        self.state.calls.append((path, code))
        return web.json_response(
            envelope(None, code, "Too many requests" if code == RATE_LIMITED else "Internal error"),
            status=fault_status,
        )

    def _refuse(self, path: str, refusal: Refusal) -> web.Response:
        self.state.calls.append((path, refusal.code))
        return web.json_response(
            envelope(None, refusal.code, refusal.message), status=refusal.status
        )

    def _api(
        self, handler: Handler, *, cipher: bool = True
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            path = request.path
            faulted = await self._fault(path)
            if faulted is not None:
                return faulted
            body = await request.read()
            try:
                shop = self._check(request, path, body, cipher)
                parsed: Json = {}
                if body:
                    try:
                        loaded = json.loads(body)
                    except ValueError:
                        raise Refusal(INVALID_PARAMS, "Body is not valid JSON") from None
                    if not isinstance(loaded, dict):
                        raise Refusal(INVALID_PARAMS, "Body must be a JSON object")
                    parsed = loaded
                data = await handler(request, shop, parsed)
            except Refusal as refusal:
                return self._refuse(path, refusal)
            self.state.calls.append((path, 0))
            return web.json_response(envelope(data))

        return serve

    def _check(self, request: web.Request, path: str, body: bytes, cipher: bool) -> EmShop | None:
        state = self.state
        query = dict(request.query)
        if query.get("app_key") != state.app_key:
            raise Refusal(INVALID_APP_KEY, "Invalid app_key", 401)
        try:
            stamp = datetime.fromtimestamp(int(query.get("timestamp", "")), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise Refusal(INVALID_TIMESTAMP, "Invalid timestamp", 401) from None
        if abs(stamp - state.now()) > state.timestamp_window:
            raise Refusal(INVALID_TIMESTAMP, "Timestamp is out of the allowed window", 401)
        given = query.get("sign", "")
        if not hmac.compare_digest(
            given.encode(), expected_sign(state.app_secret, path, query, body).encode()
        ):
            raise Refusal(INVALID_SIGNATURE, "Invalid signature", 401)
        grant = state.grant_for_access(request.headers.get("x-tts-access-token", ""))
        if grant is None or grant.revoked:
            raise Refusal(ACCESS_TOKEN_INVALID, "Invalid access token", 401)
        if grant.access_expires <= state.now():
            raise Refusal(ACCESS_TOKEN_EXPIRED, "Access token is expired", 401)
        shop = state.shops[grant.shop_id]
        if not cipher:
            return shop
        if query.get("shop_cipher") != shop.cipher:
            raise Refusal(INVALID_SHOP_CIPHER, "Invalid shop_cipher", 401)
        return shop

    # ------------------------------------------------------------------ tokens

    def _token_data(self, grant: Any) -> Json:
        shop = self.state.shops[grant.shop_id]
        return {
            "access_token": grant.access_token,
            "access_token_expire_in": int(grant.access_expires.timestamp()),
            "refresh_token": grant.refresh_token,
            "refresh_token_expire_in": int(grant.refresh_expires.timestamp()),
            "open_id": "open_" + shop.id,
            "seller_name": shop.name,
            "seller_base_region": shop.region,
            "user_type": 0,
            "granted_scopes": ["seller.order.info", "seller.return_refund.basic"],
        }

    def _app_check(self, request: web.Request) -> None:
        if request.query.get("app_key") != self.state.app_key or not hmac.compare_digest(
            request.query.get("app_secret", "").encode(), self.state.app_secret.encode()
        ):
            raise Refusal(INVALID_APP_KEY, "Invalid app_key or app_secret", 401)

    async def _token_get(self, request: web.Request) -> web.Response:
        path = request.path
        if (faulted := await self._fault(path)) is not None:
            return faulted
        try:
            self._app_check(request)
            if request.query.get("grant_type") != "authorized_code":
                raise Refusal(INVALID_PARAMS, "grant_type must be authorized_code")
            issued = self.state.codes.pop(request.query.get("auth_code", ""), None)
            if issued is None or self.state.now() - issued[1] > AUTH_CODE_TTL:
                raise Refusal(AUTH_CODE_INVALID, "Invalid or expired auth_code")
            grant = self.state.issue(issued[0])
        except Refusal as refusal:
            return self._refuse(path, refusal)
        self.state.calls.append((path, 0))
        return web.json_response(envelope(self._token_data(grant), message="success"))

    async def _token_refresh(self, request: web.Request) -> web.Response:
        path = request.path
        if (faulted := await self._fault(path)) is not None:
            return faulted
        try:
            self._app_check(request)
            if request.query.get("grant_type") != "refresh_token":
                raise Refusal(INVALID_PARAMS, "grant_type must be refresh_token")
            old = self.state.grant_for_refresh(request.query.get("refresh_token", ""))
            if old is None or old.revoked or old.refresh_expires <= self.state.now():
                raise Refusal(REFRESH_TOKEN_INVALID, "Invalid or expired refresh_token")
            grant = self.state.issue(old.shop_id)
            grant.refresh_token = old.refresh_token  # TikTok keeps the refresh token
            grant.refresh_expires = old.refresh_expires
            old.revoked = True  # the old access token stops working
        except Refusal as refusal:
            return self._refuse(path, refusal)
        self.state.calls.append((path, 0))
        return web.json_response(envelope(self._token_data(grant), message="success"))

    async def _authorize_page(self, request: web.Request) -> web.Response:
        """The seller's "Authorize" click: to the app's redirect with a fresh code."""
        shop_id = request.query.get("shop") or next(iter(self.state.shops), "")
        if shop_id not in self.state.shops:
            return web.Response(status=404, text="no such shop")
        code = self.state.authorize(shop_id)
        params = {"code": code, "state": request.query.get("state", "")}
        if self.redirect_url is None:
            return web.Response(text=f"Authorised. Your code: {code}")
        raise web.HTTPFound(f"{self.redirect_url}?{urlencode(params)}")

    async def _image(self, request: web.Request) -> web.Response:
        if (faulted := await self._fault(request.path)) is not None:
            return faulted
        data = self.state.images.get(request.match_info["name"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="image/jpeg")

    # ------------------------------------------------------------------ shops

    async def _shops(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        return {
            "shops": [
                {
                    "id": shop.id,
                    "name": shop.name,
                    "region": shop.region,
                    "seller_type": "LOCAL",
                    "cipher": shop.cipher,
                    "code": "US" + shop.id[-6:],
                }
            ]
        }

    # --------------------------------------------------------------- searching

    @staticmethod
    def _page(request: web.Request, items: list[Json], key: str) -> Json:
        try:
            size = int(request.query.get("page_size", ""))
        except ValueError:
            raise Refusal(INVALID_PARAMS, "page_size is required") from None
        if not 1 <= size <= 100:
            raise Refusal(INVALID_PARAMS, "page_size must be 1 to 100")
        token = request.query.get("page_token", "")
        start = int(token) if token.isdigit() else 0
        page = items[start : start + size]
        following = start + size
        return {
            key: page,
            "next_page_token": str(following) if following < len(items) else "",
            "total_count": len(items),
        }

    @staticmethod
    def _window(items: list[Json], body: Json) -> list[Json]:
        ge, lt = body.get("update_time_ge"), body.get("update_time_lt")
        kept = [
            item
            for item in items
            if (ge is None or item["update_time"] >= ge)
            and (lt is None or item["update_time"] < lt)
        ]
        return sorted(kept, key=lambda item: (item["update_time"], str(item.get("id", ""))))

    async def _orders_search(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        orders = self._window(list(shop.orders.values()), body)
        if body.get("order_status"):
            orders = [o for o in orders if o["status"] == body["order_status"]]
        return self._page(request, orders, "orders")

    async def _orders_get(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        ids = [i for i in request.query.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 50:
            raise Refusal(INVALID_PARAMS, "ids must name 1 to 50 orders")
        return {"orders": [shop.orders[i] for i in ids if i in shop.orders]}

    async def _tracking_get(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        order = self._found(shop.orders, request, "order")
        # Newest first, as TikTok lists them.
        return {"tracking": list(reversed(shop.tracking.get(str(order["id"]), [])))}

    async def _returns_search(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        items = self._window(list(shop.returns.values()), body)
        if body.get("return_ids"):
            items = [r for r in items if r["return_id"] in body["return_ids"]]
        if body.get("order_ids"):
            items = [r for r in items if r["order_id"] in body["order_ids"]]
        return self._page(request, items, "return_orders")

    async def _cancels_search(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        items = self._window(list(shop.cancellations.values()), body)
        if body.get("cancel_ids"):
            items = [c for c in items if c["cancel_id"] in body["cancel_ids"]]
        return self._page(request, items, "cancellations")

    # --------------------------------------------------------------- decisions

    def _found(self, table: dict[str, Json], request: web.Request, what: str) -> Json:
        item = table.get(request.match_info["id"])
        if item is None:
            raise Refusal(NOT_FOUND, f"{what} not found", 404)
        return item

    async def _reject_reasons(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        target = request.query.get("return_or_cancel_id", "")
        if target not in shop.returns and target not in shop.cancellations:
            raise Refusal(NOT_FOUND, "return or cancellation not found", 404)
        return {"reasons": [{"name": n, "text": t} for n, t in REJECT_REASONS]}

    def _record(self, kind: str, shop: EmShop, target: str, body: Json) -> None:
        self.state.decisions.append(Decision(kind, shop.id, target, body))

    async def _return_approve(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        ret = self._found(shop.returns, request, "return")
        expected = {
            "REFUND": "APPROVE_REFUND",
            "RETURN_AND_REFUND": "APPROVE_RETURN",
            "REPLACEMENT": "APPROVE_REPLACEMENT",
        }[ret["return_type"]]
        if body.get("decision") != expected:
            raise Refusal(INVALID_PARAMS, f"decision must be {expected} for this return")
        if ret["return_status"] not in RETURN_PENDING:
            raise Refusal(
                STATUS_NOT_ALLOWED, f"The return is {ret['return_status']}; it cannot be approved"
            )
        ret["return_status"] = (
            "RETURN_OR_REFUND_REQUEST_SUCCESS"
            if ret["return_type"] == "REFUND"
            else "AWAITING_BUYER_SHIP"
        )
        self.state.stamp(ret)
        self._record("approve_return", shop, ret["return_id"], body)
        return {}

    async def _return_reject(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        ret = self._found(shop.returns, request, "return")
        if not str(body.get("decision", "")).startswith("REJECT_"):
            raise Refusal(INVALID_PARAMS, "decision must be REJECT_REFUND, REJECT_RETURN or ...")
        if body.get("reject_reason") not in {n for n, _ in REJECT_REASONS}:
            raise Refusal(INVALID_REJECT_REASON, "reject_reason is not one of the reject reasons")
        if ret["return_status"] not in RETURN_PENDING:
            raise Refusal(
                STATUS_NOT_ALLOWED, f"The return is {ret['return_status']}; it cannot be rejected"
            )
        ret["return_status"] = (
            "REPLACEMENT_REQUEST_REJECT"
            if ret["return_type"] == "REPLACEMENT"
            else "REFUND_OR_RETURN_REQUEST_REJECT"
        )
        self.state.stamp(ret)
        self._record("reject_return", shop, ret["return_id"], body)
        return {}

    async def _cancel_approve(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        cancel = self._found(shop.cancellations, request, "cancellation")
        if cancel["cancel_status"] != CANCEL_PENDING:
            raise Refusal(STATUS_NOT_ALLOWED, f"The cancellation is {cancel['cancel_status']}")
        cancel["cancel_status"] = "CANCELLATION_REQUEST_SUCCESS"
        self.state.stamp(cancel)
        order = shop.orders.get(cancel["order_id"])
        if order is not None:
            order["status"] = "CANCELLED"
            self.state.stamp(order)
        self._record("approve_cancellation", shop, cancel["cancel_id"], body)
        return {}

    async def _cancel_reject(self, request: web.Request, shop: EmShop | None, body: Json) -> Json:
        assert shop is not None
        cancel = self._found(shop.cancellations, request, "cancellation")
        if body.get("reject_reason") not in {n for n, _ in REJECT_REASONS}:
            raise Refusal(INVALID_REJECT_REASON, "reject_reason is not one of the reject reasons")
        if cancel["cancel_status"] != CANCEL_PENDING:
            raise Refusal(STATUS_NOT_ALLOWED, f"The cancellation is {cancel['cancel_status']}")
        cancel["cancel_status"] = "CANCELLATION_REQUEST_REJECT"
        self.state.stamp(cancel)
        self._record("reject_cancellation", shop, cancel["cancel_id"], body)
        return {}
