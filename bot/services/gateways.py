"""The payment gateway port: how a refund in the ledger becomes money on its way back.

The refund service calls `PaymentGateway.refund` after the ledger row has committed and
stores what it answers:

* ``succeeded`` — the shop paid (or, with `RecordOnlyGateway`, took note to pay);
* ``declined``  — the shop said no; the ledger row becomes failed and its amount is
  refundable again;
* ``unknown``   — we cannot tell (timeout, 5xx, network, rate limit).  The row stays
  pending and is retried later with the same idempotency key, so a shop that already
  paid answers "done" instead of paying twice.  A guess is never recorded as an outcome.

`HttpGateway` speaks a small signed webhook protocol, documented on the class, so a
shop can accept refunds with a few lines of code on its side (`verify_signature`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

from bot.clock import Clock, SystemClock
from bot.domain.money import quantize

log = logging.getLogger(__name__)

GatewayOutcome = Literal["succeeded", "declined", "unknown"]

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_DETAIL_LIMIT = 300


@dataclass(frozen=True, slots=True)
class RefundRequest:
    refund_id: int
    order_number: str
    shop_code: str
    amount: Decimal
    currency: str
    reason: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class GatewayResult:
    outcome: GatewayOutcome
    reference: str | None = None
    detail: str = ""


class PaymentGateway(Protocol):
    async def refund(self, request: RefundRequest) -> GatewayResult:
        """Pay `request` back, or say why not.  Must not raise for expected failures:
        anything it cannot classify is ``unknown`` (the caller treats a raise the same)."""
        ...


class RecordOnlyGateway:
    """The default: the ledger is the record and the shop pays out itself (in its
    platform's seller centre, by bank transfer ...).  Nothing leaves the bot."""

    async def refund(self, request: RefundRequest) -> GatewayResult:
        return GatewayResult("succeeded", "manual", "recorded for the shop to pay out")


class GatewayRouter:
    """Sends each refund to its shop's gateway; shops without one use `default`."""

    def __init__(
        self, by_shop: Mapping[str, PaymentGateway], default: PaymentGateway | None = None
    ) -> None:
        self._by_shop = dict(by_shop)
        self._default = default or RecordOnlyGateway()

    async def refund(self, request: RefundRequest) -> GatewayResult:
        gateway = self._by_shop.get(request.shop_code, self._default)
        return await gateway.refund(request)


class ShopGateways:
    """Each refund goes where its shop's settings say when it is paid: `shop set SHOP
    refund_webhook_url` (and `refund_webhook_secret`) while the bot runs applies to the
    next refund, as every other shop setting does (the gateways were read once, at
    start, so a shop that set its webhook was still "recorded for the shop to pay out"
    until a restart).  Without both settings, `default` (record-only)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        default: PaymentGateway | None = None,
        http: Callable[[str, bytes], PaymentGateway] = lambda url, secret: HttpGateway(url, secret),
    ) -> None:
        self._uow = uow
        self._default = default or RecordOnlyGateway()
        self._http = http

    async def refund(self, request: RefundRequest) -> GatewayResult:
        async with self._uow(readonly=True) as uow:
            settings = await uow.shops.settings_by_code(request.shop_code)
        url, secret = settings.get("refund_webhook_url"), settings.get("refund_webhook_secret")
        if url and secret:
            return await self._http(str(url), str(secret).encode()).refund(request)
        if url:  # `shop show` says so too
            log.warning(
                "refund webhook without a secret ignored", extra={"shop": request.shop_code}
            )
        return await self._default.refund(request)


# ------------------------------------------------------------------ signing


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The `X-Signature` value: HMAC-SHA256 over ``"<timestamp>." + body``.  The
    timestamp is inside the signed bytes so an old request cannot be replayed with a
    fresh timestamp."""
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: bytes,
    *,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float,
    tolerance: float = 300.0,
) -> bool:
    """What the shop's side checks: the signature matches and the timestamp (Unix
    seconds) is within `tolerance` of `now`.  Constant-time comparison.

    Header values are whatever the sender put there: anything but ASCII digits as the
    timestamp, or a non-ASCII signature, is simply not valid (False), never an error
    (`int()` reads "١٢", `compare_digest` raises on non-ASCII text)."""
    if not (0 < len(timestamp) <= 12 and timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(now - int(timestamp)) > tolerance:
        return False
    if not signature.isascii():
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


# -------------------------------------------------------------------- HTTP


if TYPE_CHECKING:  # aiohttp is imported when a gateway calls out, not by every command
    import aiohttp

    from storage.uow import UnitOfWorkFactory

    SessionFactory = Callable[[], aiohttp.ClientSession]


class HttpGateway:
    """Refunds through the shop's own HTTPS endpoint.

    Request: ``POST <url>`` with a JSON body
    ``{"refund_id", "order_number", "shop", "amount" (a string, e.g. "12.50"),
    "currency", "reason", "idempotency_key"}`` and headers ``Idempotency-Key``,
    ``X-Timestamp`` (Unix seconds) and ``X-Signature: sha256=<hex>`` (see `sign`).

    Answer: 2xx = paid, optionally ``{"reference": "..."}``; 4xx = declined (the body's
    text is kept as the reason), except 408 and 429 which mean "try later".  The shop
    must deduplicate on the idempotency key: the same key always comes with the same
    body, and it will come again whenever we did not hear a clear answer.

    Within one call, timeouts, connection errors, 408 and 5xx are retried
    (`attempts` tries, waiting `backoff`, 2×`backoff`, ...); after that, and at once
    on 429, the outcome is ``unknown`` and the refund service retries later.
    """

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.2,
        session_factory: SessionFactory | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not secret:
            raise ValueError("an HTTP refund gateway needs a signing secret")
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._url = url
        self._secret = secret
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff
        # One session per refund call (it is closed afterwards): refunds are rare, and a
        # long-lived session would need an owner to close it.
        self._session_factory = session_factory
        self._clock = clock or SystemClock()
        # For logs: the host only; a URL's path or query may carry a token.
        self._host = urlsplit(url).hostname or "?"

    def __repr__(self) -> str:  # never show the secret, even in a debugger or traceback
        return f"HttpGateway(host={self._host!r})"

    @staticmethod
    def body(request: RefundRequest) -> bytes:
        """The exact bytes sent (and signed): the same for every retry of a refund."""
        payload = {
            "refund_id": request.refund_id,
            "order_number": request.order_number,
            "shop": request.shop_code,
            "amount": str(quantize(request.amount, request.currency)),
            "currency": request.currency,
            "reason": request.reason,
            "idempotency_key": request.idempotency_key,
        }
        return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")

    async def refund(self, request: RefundRequest) -> GatewayResult:
        import aiohttp

        body = self.body(request)
        last = GatewayResult("unknown", None, "not attempted")
        async with (self._session_factory or aiohttp.ClientSession)() as session:
            for attempt in range(1, self._attempts + 1):
                if attempt > 1:
                    await asyncio.sleep(self._backoff * 2 ** (attempt - 2))
                last, retry = await self._post(session, request, body)
                log.info(
                    "refund gateway answered",
                    extra={
                        "refund_id": request.refund_id,
                        "host": self._host,
                        "attempt": attempt,
                        "outcome": last.outcome,
                    },
                )
                if not retry:
                    return last
        return last

    async def _post(
        self, session: aiohttp.ClientSession, request: RefundRequest, body: bytes
    ) -> tuple[GatewayResult, bool]:
        """One HTTP attempt.  Returns the result and whether another try may help."""
        import aiohttp

        # A fresh timestamp (and signature) per try: the shop may refuse stale ones.
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: request.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            async with session.post(
                self._url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                # A redirect would turn the POST into something else: report, not follow.
                allow_redirects=False,
            ) as response:
                status = response.status
                try:
                    text = await response.text()
                except (aiohttp.ClientError, TimeoutError, UnicodeDecodeError) as exc:
                    if 200 <= status < 300:
                        # The shop said "paid"; only its receipt got lost.
                        return GatewayResult("succeeded", None, f"unreadable body: {exc}"), False
                    text = ""
        except TimeoutError:
            return GatewayResult("unknown", None, f"no answer within {self._timeout:g}s"), True
        except aiohttp.ClientError as exc:
            return GatewayResult(
                "unknown", None, f"{type(exc).__name__}: {exc}"[:_DETAIL_LIMIT]
            ), True
        return _classify(status, text)


def _classify(status: int, text: str) -> tuple[GatewayResult, bool]:
    detail = f"HTTP {status}: {text.strip()}"[:_DETAIL_LIMIT]
    if 200 <= status < 300:
        return GatewayResult("succeeded", _reference(text), detail), False
    if status == 429:  # rate limited: back off at the service's pace, not ours
        return GatewayResult("unknown", None, detail), False
    if status == 408 or status >= 500:
        return GatewayResult("unknown", None, detail), True
    if 400 <= status < 500:
        return GatewayResult("declined", None, detail), False
    # 1xx/3xx: not an answer to a refund.  We cannot tell what happened.
    return GatewayResult("unknown", None, detail), False


def _reference(text: str) -> str | None:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("reference") not in (None, ""):
        return str(data["reference"])[:200]  # the ledger column's size
    return None
