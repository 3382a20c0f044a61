"""One aiohttp application for everything that comes in over HTTP.

Routes are added before `start` (`add_routes`): Telegram's webhook in webhook mode,
the shops' signed hooks, and whatever a marketplace connector brings.  Every request
body is limited: a Content-Length over the limit is answered 413 before anything is
read, and a body without one (chunked) is cut off at the limit while it is read.
`GET /health` is the one route without authentication, and says only up or down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from storage.importers.json_orders import MAX_RECORD_CHARS

log = logging.getLogger(__name__)

# Sized for the order import's largest single order, so any order a file import takes
# can be pushed too (a JSON body is bytes: non-ASCII text counts more than once).
BODY_LIMIT = MAX_RECORD_CHARS
HEALTH_TIMEOUT = 5.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def too_large(limit: int) -> web.Response:
    return web.json_response({"error": f"the body is larger than {limit} bytes"}, status=413)


class HttpServer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        health: Callable[[], Awaitable[bool]],
        body_limit: int = BODY_LIMIT,
        reuse_port: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        # Several worker processes listening on one port (SO_REUSEPORT): the kernel
        # spreads the connections among them (bot.workers).
        self.reuse_port = reuse_port
        self.body_limit = body_limit
        self._health = health
        self.app = web.Application(client_max_size=body_limit, middlewares=[self._limit])
        self.app.router.add_get("/health", self._health_check)
        self._runner: web.AppRunner | None = None

    def add_routes(self, routes: Sequence[web.RouteDef]) -> None:
        """More routes (a connector's hooks, an OAuth callback); before `start` only."""
        if self._runner is not None:
            raise RuntimeError("routes are added before the server starts")
        self.app.add_routes(routes)

    async def start(self) -> None:
        # No access log: URLs and headers of hooks and updates may carry ids and tokens.
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_port=self.reuse_port or None)
        await site.start()
        if self.port == 0:  # a free port was asked for: say which one it got
            self.port = int(self._runner.addresses[0][1])
        log.info("HTTP server listening", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _limit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > self.body_limit:
            return too_large(self.body_limit)
        try:
            return await handler(request)
        except web.HTTPRequestEntityTooLarge:  # a body without Content-Length, cut off
            return too_large(self.body_limit)

    async def _health_check(self, _request: web.Request) -> web.Response:
        try:
            up = await asyncio.wait_for(self._health(), HEALTH_TIMEOUT)
        except Exception:  # a timeout, a dropped connection: down, and nothing more said
            up = False
        if up:
            return web.json_response({"status": "up"})
        return web.json_response({"status": "down"}, status=503)
