"""The shops' signed hooks over HTTP; the services do the work.

* ``POST /hooks/orders/{shop}``: orders from the shop's own system
  (`OrderPushService`), signed with ``X-Timestamp`` and ``X-Signature``;
* ``POST /hooks/aftership/{shop}``: AfterShip tracking updates (`AfterShipService`),
  signed with ``aftership-hmac-sha256``.

Each handler reads the (size-limited) body, checks the signature, and only then
parses anything.  An unknown shop, a shop without the secret and a wrong or stale
signature all get the same 401.
"""

from __future__ import annotations

from aiohttp import web

from bot.clock import Clock
from bot.services.aftership import AfterShipService, TrackingResult
from bot.services.gateways import SIGNATURE_HEADER, TIMESTAMP_HEADER
from bot.services.hook_auth import AFTERSHIP_HEADER, aftership_shop, timestamped_shop
from bot.services.order_push import OrderPushService, PushResult
from storage.uow import UnitOfWorkFactory

UNAUTHORIZED = {"error": "missing, wrong or expired signature"}
PUSH_STATUS = {"malformed": 400, "too_many": 413, "conflict": 503}


def hook_routes(uow: UnitOfWorkFactory, clock: Clock) -> list[web.RouteDef]:
    """The hooks' routes.  The buyers' notices a request queues go out at once: their
    commit wakes the outbox worker (see `storage.uow`)."""
    orders = OrderPushService(uow, clock)
    tracking = AfterShipService(uow, clock)

    async def push_orders(request: web.Request) -> web.Response:
        body = await request.read()
        shop = await timestamped_shop(
            uow,
            clock,
            request.match_info["shop"],
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            body=body,
        )
        if shop is None:
            return web.json_response(UNAUTHORIZED, status=401)
        pushed = await orders.push(shop, body)
        return _push_response(pushed)

    async def aftership(request: web.Request) -> web.Response:
        body = await request.read()
        shop = await aftership_shop(
            uow,
            request.match_info["shop"],
            signature=request.headers.get(AFTERSHIP_HEADER, ""),
            body=body,
        )
        if shop is None:
            return web.json_response(UNAUTHORIZED, status=401)
        tracked = await tracking.receive(shop, body)
        return _tracking_response(tracked)

    return [
        web.post("/hooks/orders/{shop}", push_orders),
        web.post("/hooks/aftership/{shop}", aftership),
    ]


def _push_response(result: PushResult) -> web.Response:
    if result.kind != "done":
        return web.json_response({"error": result.reason}, status=PUSH_STATUS[result.kind])
    body = {
        "accepted": result.accepted,
        "refused": [{"order": r.order, "problems": list(r.problems)} for r in result.refused],
    }
    return web.json_response(body, status=422 if result.refused else 200)


def _tracking_response(result: TrackingResult) -> web.Response:
    if result.kind == "malformed":
        return web.json_response({"error": result.reason}, status=400)
    if result.kind == "ignored":
        return web.json_response({"ignored": result.reason})
    body: dict[str, object] = {"matched": result.kind != "unmatched"}
    if result.kind == "replayed":
        body["replayed"] = True
    elif result.kind == "applied":
        body.update(orders=result.orders, events_added=result.events_added, skipped=result.skipped)
    return web.json_response(body)
