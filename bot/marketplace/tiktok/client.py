"""A small signed client for TikTok Shop's Open API (and its separate token host).

Why not the unofficial `tiktok-shop-api` package: it is generated from an OpenAPI
spec rebuilt from TikTok's docs (300+ operations, of which the bot needs about ten),
brings httpx and attrs next to the aiohttp the bot already uses, and by its own
account its signing has not been checked against the live API either; the bot would
still have to add retries and seller-readable errors.  Signing is twenty lines,
checked in the tests against strings written out by hand.  This client adds what the
bot needs around it: `app_key`, `timestamp`, `shop_cipher`, `sign` and
the `x-tts-access-token` header on every call; rate limits (429), server errors (5xx),
timeouts and dropped connections retried with exponential backoff; everything else
turned into a `MarketplaceError` whose message a seller can act on.

aiohttp is imported when the first request goes out, so CLI commands that never call
TikTok do not pay for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.marketplace.tiktok.signing import sign
from bot.services.marketplace import MarketplaceError

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]

# TikTok's error codes the bot acts on (the emulator answers the same).
INVALID_SIGNATURE = 36009004
INVALID_TIMESTAMP = 36009003
INVALID_APP_KEY = 36009001
INVALID_SHOP_CIPHER = 106011
ACCESS_TOKEN_INVALID = 105001
ACCESS_TOKEN_EXPIRED = 105002
REFRESH_TOKEN_INVALID = 105003
AUTH_CODE_INVALID = 105004
NOT_FOUND = 21001001
STATUS_NOT_ALLOWED = 21001002  # a decision the return/cancellation's status forbids

_WORDS = {
    INVALID_SIGNATURE: "TikTok Shop refused the request's signature: check TIKTOK_APP_KEY and"
    " TIKTOK_APP_SECRET",
    INVALID_TIMESTAMP: "TikTok Shop refused the request's time: check this computer's clock",
    INVALID_APP_KEY: "TikTok Shop does not know this app: check TIKTOK_APP_KEY",
    INVALID_SHOP_CIPHER: "TikTok Shop refused the shop's cipher: connect the shop again",
    ACCESS_TOKEN_INVALID: "TikTok Shop no longer accepts this shop's authorisation: connect the"
    " shop again",
    ACCESS_TOKEN_EXPIRED: "the shop's TikTok Shop access has expired: connect the shop again",
    REFRESH_TOKEN_INVALID: "the shop's TikTok Shop authorisation has expired: connect the shop"
    " again",
    AUTH_CODE_INVALID: "TikTok Shop refused the authorisation code (used already, or more"
    " than a few minutes old): authorise again to get a new one",
}


# What a seller reads for these codes (marketplace_error.<key>); others are "refused",
# with TikTok's own words as the detail.
_KEYS = {
    INVALID_SIGNATURE: "misconfigured",
    INVALID_APP_KEY: "misconfigured",
    INVALID_TIMESTAMP: "misconfigured",
    INVALID_SHOP_CIPHER: "connect_again",
    ACCESS_TOKEN_INVALID: "connect_again",
    ACCESS_TOKEN_EXPIRED: "connect_again",
    REFRESH_TOKEN_INVALID: "connect_again",
    AUTH_CODE_INVALID: "connect_again",
}


class TikTokApiError(MarketplaceError):
    """TikTok answered with a non-zero `code`."""

    def __init__(self, code: int, api_message: str, *, http_status: int) -> None:
        words = _WORDS.get(code) or f"TikTok Shop refused the request: {api_message}"
        super().__init__(
            f"{words} (TikTok code {code})",
            key=_KEYS.get(code, "refused"),
            params={"detail": api_message, "code": str(code)},
        )
        self.code = code
        self.api_message = api_message
        self.http_status = http_status


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    seller_name: str | None


def _moment(value: object) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MarketplaceError(
            "TikTok Shop sent a token without a valid expiry time", key="bad_answer"
        )
    return datetime.fromtimestamp(value, tz=UTC)


class TikTokClient:
    """One per process; `close()` when done."""

    def __init__(
        self,
        *,
        app_key: str,
        app_secret: str,
        api_url: str,
        auth_url: str,
        clock: Clock,
        timeout: float = 15.0,
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app_key = app_key
        self._secret = app_secret
        self._api_url = api_url.rstrip("/")
        self._auth_url = auth_url.rstrip("/")
        self._clock = clock
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        return self._session

    # ------------------------------------------------------------------ tokens

    async def get_token(self, auth_code: str) -> Tokens:
        """Exchange the code a seller's authorisation returned."""
        return await self._token(
            "/api/v2/token/get", {"auth_code": auth_code, "grant_type": "authorized_code"}
        )

    async def refresh_token(self, refresh_token: str) -> Tokens:
        return await self._token(
            "/api/v2/token/refresh",
            {"refresh_token": refresh_token, "grant_type": "refresh_token"},
        )

    async def _token(self, path: str, params: dict[str, str]) -> Tokens:
        # The token host is not signed with `sign`: the app secret goes in the query.
        query = {"app_key": self.app_key, "app_secret": self._secret, **params}
        data = await self._send("GET", self._auth_url + path, path, query, None, {})
        try:
            return Tokens(
                access_token=str(data["access_token"]),
                access_expires_at=_moment(data["access_token_expire_in"]),
                refresh_token=str(data["refresh_token"]),
                refresh_expires_at=_moment(data["refresh_token_expire_in"]),
                seller_name=data.get("seller_name"),
            )
        except KeyError as exc:
            raise MarketplaceError(
                f"TikTok Shop sent a token answer without {exc}", key="bad_answer"
            ) from None

    # ----------------------------------------------------------------- API calls

    async def call(
        self,
        method: str,
        path: str,
        *,
        access_token: str,
        shop_cipher: str | None = None,
        query: Mapping[str, str | int] | None = None,
        body: JsonObject | None = None,
    ) -> JsonObject:
        """One signed Open API call; returns the envelope's `data` (an object)."""
        params = {key: str(value) for key, value in (query or {}).items()}
        params["app_key"] = self.app_key
        params["timestamp"] = str(int(self._clock.now().timestamp()))
        if shop_cipher is not None:
            params["shop_cipher"] = shop_cipher
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        params["sign"] = sign(self._secret, path, params, raw or b"")
        headers = {"x-tts-access-token": access_token}
        if raw is not None:
            headers["content-type"] = "application/json"
        return await self._send(method, self._api_url + path, path, params, raw, headers)

    async def download(self, url: str) -> bytes:
        """A file TikTok serves by URL (a buyer's return photo), retried like a call."""
        import aiohttp

        for attempt in range(1, self._attempts + 1):
            try:
                async with self._http().get(url) as response:
                    if response.status == 200:
                        return await response.read()
                    if response.status != 429 and response.status < 500:
                        raise MarketplaceError(
                            f"TikTok Shop did not give the photo (HTTP {response.status})",
                            key="photo_refused",
                        )
            except (TimeoutError, aiohttp.ClientError):
                pass
            if attempt < self._attempts:
                await self._sleep(self._backoff * 2 ** (attempt - 1))
        raise MarketplaceError(
            "TikTok Shop did not send the photo; try again later",
            retryable=True,
            key="photo_unreachable",
        )

    async def _send(
        self,
        method: str,
        url: str,
        path: str,
        params: dict[str, str],
        body: bytes | None,
        headers: dict[str, str],
    ) -> JsonObject:
        import aiohttp

        why = ""
        for attempt in range(1, self._attempts + 1):
            try:
                async with self._http().request(
                    method, url, params=params, data=body, headers=headers
                ) as response:
                    status = response.status
                    text = await response.text()
            except (TimeoutError, aiohttp.ClientError) as exc:
                why = "no answer" if isinstance(exc, TimeoutError) else "connection failed"
            else:
                if status == 429 or status >= 500:
                    why = f"HTTP {status}"
                else:
                    return self._data(status, text)
            log.warning(
                "tiktok call failed, retrying"
                if attempt < self._attempts
                else "tiktok call failed",
                extra={"path": path, "attempt": attempt, "why": why},
            )
            if attempt < self._attempts:
                await self._sleep(self._backoff * 2 ** (attempt - 1))
        raise MarketplaceError(
            f"TikTok Shop could not be reached ({why} after {self._attempts} tries);"
            " try again later",
            retryable=True,
            key="unreachable",
        )

    @staticmethod
    def _data(status: int, text: str) -> JsonObject:
        try:
            envelope = json.loads(text)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("code"), int):
            raise MarketplaceError(
                f"TikTok Shop sent an answer the bot cannot read (HTTP {status})",
                key="bad_answer",
            )
        if envelope["code"] != 0:
            raise TikTokApiError(
                envelope["code"], str(envelope.get("message") or ""), http_status=status
            )
        data = envelope.get("data")
        return data if isinstance(data, dict) else {}
