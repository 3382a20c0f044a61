"""The HTTP side: Telegram's Bot API protocol on top of the method handlers.

Routes are api.telegram.org's: `/bot<token>/<method>` (any HTTP verb, method names
case-insensitive) and `/file/bot<token>/<file_path>`.  Every call is logged; every refusal
is also recorded as a rejection, because a refused call is a bot bug a test should see even
when the bot swallows the error.  Injected faults are answered here, before the method runs
(or after it, to emulate a lost response).
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
from functools import partial
from typing import Any

from aiohttp import ClientError, web

from bot.emulator.errors import ApiError, bad_request, not_found, unauthorized
from bot.emulator.faults import Fault, FaultPlan
from bot.emulator.methods import BotApi
from bot.emulator.models import ApiCall, Rejection
from bot.emulator.params import RawRequest, read_request, typed_params
from bot.emulator.schema import ALL_METHODS, METHODS

log = logging.getLogger(__name__)

#: Lower-cased method name -> canonical name, for Telegram's case-insensitive routing.
CANONICAL: dict[str, str] = {name.lower(): name for name in METHODS}
_REAL_METHODS: frozenset[str] = frozenset(name.lower() for name in ALL_METHODS)
_dumps = partial(json.dumps, ensure_ascii=False)


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.error_code, dumps=_dumps)


def _logged_params(raw: RawRequest) -> dict[str, Any]:
    return {**raw.params, **raw.uploads}


class ApiServer:
    """aiohttp application serving one bot token."""

    def __init__(
        self,
        token: str,
        api: BotApi,
        faults: FaultPlan,
        calls: list[ApiCall],
        rejections: list[Rejection],
        downloads: list[str],
    ) -> None:
        self.token = token
        self.api = api
        self.faults = faults
        self.calls = calls
        self.rejections = rejections
        self.downloads = downloads
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def application(self) -> web.Application:
        # Big enough for a 50 MB upload plus form overhead; the handler answers 413 itself.
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self.handle_method)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self.handle_file)
        app.router.add_route("*", "/{tail:.*}", self.handle_unknown)
        return app

    async def start(self, host: str, port: int) -> str:
        # handler_cancellation: when a long-polling client goes away, its getUpdates ends.
        self._runner = web.AppRunner(self.application(), handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        self.api.wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _reject(
        self,
        method: str,
        params: dict[str, Any],
        error: ApiError,
        request: web.Request,
        *,
        note: str | None = None,
    ) -> web.Response:
        gone = request.transport is None or request.transport.is_closing()
        if not (error.error_code == 409 and gone):  # nobody saw a superseded long poll
            self.rejections.append(
                Rejection(method, params, error.description, error.error_code, note)
            )
        return _error_response(error)

    async def handle_unknown(self, request: web.Request) -> web.Response:
        return _error_response(not_found())

    async def handle_method(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._reject(name, {}, unauthorized(), request)
        try:
            raw = await read_request(request)
        except ApiError as error:
            return self._reject(name, {}, error, request)
        except (ValueError, ClientError):  # a body that does not match its content type
            return self._reject(name, {}, bad_request("can't parse request body"), request)
        method = CANONICAL.get(name.lower())
        if method is None:
            note = (
                "a real Bot API method the emulator does not implement"
                if (name.lower() in _REAL_METHODS)
                else None
            )
            return self._reject(name, _logged_params(raw), not_found(), request, note=note)
        call = ApiCall(method, _logged_params(raw))
        self.calls.append(call)
        self.api.state.notifier.notify()  # tests may be waiting for this very call
        try:
            params = typed_params(method, raw)
        except ApiError as error:
            self._fail(call, error)
            return self._reject(method, call.params, error, request)
        call.params = params
        fault = self.faults.take(method, params)
        if fault is not None:
            call.fault = fault.kind
            if not fault.after:
                early = await self._fault_before(fault, call, request)
                if early is not None:
                    return early
        try:
            result = await self.api.dispatch(method, params)
        except ApiError as error:
            self._fail(call, error)
            return self._reject(method, params, error, request)
        except Exception:
            log.exception("emulator bug while handling %s", method)
            bug = ApiError(500, "Internal Server Error")
            self._fail(call, bug)
            self.rejections.append(
                Rejection(method, params, "Internal Server Error (emulator bug, see log)", 500)
            )
            return _error_response(bug)
        call.result = result
        if fault is not None and fault.after:
            return self._fault_after(fault, call, request)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    @staticmethod
    def _fail(call: ApiCall, error: ApiError) -> None:
        call.ok = False
        call.error_code = error.error_code
        call.description = error.description

    async def _fault_before(
        self, fault: Fault, call: ApiCall, request: web.Request
    ) -> web.StreamResponse | None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "429":
            error = ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
            self._fail(call, error)
            return _error_response(error)
        if fault.kind == "500":
            error = ApiError(500, "Internal Server Error")
            self._fail(call, error)
            return _error_response(error)
        if fault.kind == "400":
            error = ApiError(400, fault.description)
            self._fail(call, error)
            return _error_response(error)
        return self._drop(call, request)

    def _fault_after(self, fault: Fault, call: ApiCall, request: web.Request) -> web.StreamResponse:
        if fault.kind == "500":
            error = ApiError(500, "Internal Server Error")
            self._fail(call, error)
            return _error_response(error)
        return self._drop(call, request)

    def _drop(self, call: ApiCall, request: web.Request) -> web.StreamResponse:
        """Close the TCP connection without an answer (the client sees a disconnect)."""
        call.ok = False
        call.description = "connection dropped (injected fault)"
        if request.transport is not None:
            request.transport.close()
        return web.Response()

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(unauthorized())
        path = request.match_info["path"]
        stored = self.api.state.files.by_path(path)
        if stored is None:
            return _error_response(not_found())
        self.downloads.append(path)
        content_type = stored.mime_type or mimetypes.guess_type(path)[0]
        return web.Response(
            body=stored.data, content_type=content_type or "application/octet-stream"
        )
