"""A shop's authorisation on TikTok Shop: connect, keep the tokens fresh, lose it.

Connecting: `authorization_url` hands out TikTok's authorisation page with a random
`state` stored on the shop's (pending) connection; the seller authorises, TikTok
redirects to the bot's callback with `code` and `state` (or the seller pastes the code
or the whole redirect URL into the CLI).  The code is exchanged for tokens, the
authorised shop's id and cipher are fetched, and the connection becomes active.

Tokens are refreshed before they expire (`refresh_due`, run by the periodic task, and
on demand before a call); a refresh token that is itself about to expire means the
seller must authorise again, which the sellers are told in time.  TikTok's
SELLER_DEAUTHORIZATION revokes the connection: the tokens are dropped and every later
call raises `NotConnected`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bot.clock import Clock
from bot.marketplace.tiktok import store
from bot.marketplace.tiktok.client import (
    ACCESS_TOKEN_EXPIRED,
    ACCESS_TOKEN_INVALID,
    AUTH_CODE_INVALID,
    REFRESH_TOKEN_INVALID,
    TikTokApiError,
    TikTokClient,
    Tokens,
)
from bot.services.marketplace import TIKTOK, MarketplaceError, NotConnected
from bot.services.notices import ConnectionEvent
from storage.models import MarketplaceConnection
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

# Refresh the access token this long before it expires (TikTok's last about a week).
REFRESH_MARGIN = timedelta(hours=24)
# Warn the sellers this long before the authorisation itself (the refresh token) ends.
EXPIRY_WARNING = timedelta(days=7)
# An authorisation link (its `state`) is good for this long after it was handed out.
STATE_TTL = timedelta(days=1)


class ConnectRefused(MarketplaceError):
    """The code or redirect URL cannot connect this shop (the message says why)."""


@dataclass(frozen=True, slots=True)
class Connected:
    shop_id: int
    shop_code: str
    external_shop_id: str
    external_shop_name: str


@dataclass(frozen=True, slots=True)
class Access:
    """What a call on a shop's behalf needs."""

    access_token: str
    shop_cipher: str


def parse_code(code_or_url: str) -> tuple[str, str | None]:
    """(code, state) from a bare code, a query string or a whole redirect URL."""
    text = code_or_url.strip()
    if "=" not in text:
        if not text:
            raise ConnectRefused("no authorisation code given")
        return text, None
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    values = parse_qs(query)
    code = (values.get("code") or [""])[0].strip()
    if not code:
        raise ConnectRefused("the URL has no code=...; paste the whole address TikTok sent you to")
    states = values.get("state")
    state = states[0] if states else None
    return code, state


class TikTokAuth:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        client: TikTokClient,
        *,
        authorize_url: str,
        service_id: str | None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.client = client
        self._authorize_url = authorize_url
        self._service_id = service_id
        self._refreshing: dict[int, asyncio.Lock] = {}

    # --------------------------------------------------------------- connecting

    async def authorization_url(self, shop_code: str) -> str:
        """The page a seller opens to authorise the app for `shop_code`; remembers a
        fresh `state` on the shop's connection (pending unless already active)."""
        state = secrets.token_urlsafe(24)
        now = self._clock.now()
        async with self._uow() as uow:
            shop = await uow.shops.get_by_code(shop_code)
            if shop is None:
                raise ConnectRefused(f"there is no shop {shop_code!r}")
            conn = await store.by_shop(uow, shop.id)
            if conn is None:
                conn = MarketplaceConnection(
                    shop_id=shop.id, marketplace=TIKTOK, status="pending", created_at=now
                )
                uow.session.add(conn)
            elif conn.status != "active":
                conn.status = "pending"
            conn.auth_state = state
            conn.updated_at = now
            await uow.commit()
        params = {"state": state}
        if self._service_id:
            params["service_id"] = self._service_id
        joiner = "&" if "?" in self._authorize_url else "?"
        return f"{self._authorize_url}{joiner}{urlencode(params)}"

    async def connect(
        self, code_or_url: str, *, shop_code: str | None = None, state: str | None = None
    ) -> Connected:
        """Exchange an authorisation code and store the shop's connection.  From the
        callback: `state` finds the shop.  From the CLI: `shop_code` does, and a state
        in a pasted URL must be the one handed out for that shop."""
        code, url_state = parse_code(code_or_url)
        state = state or url_state
        async with self._uow() as uow:
            if shop_code is not None:
                shop = await uow.shops.get_by_code(shop_code)
                if shop is None:
                    raise ConnectRefused(f"there is no shop {shop_code!r}")
                conn = await store.by_shop(uow, shop.id)
                if state is not None and (conn is None or conn.auth_state != state):
                    raise ConnectRefused(
                        "this authorisation was not started for this shop; run"
                        f" `tiktok connect {shop_code}` and use the link it prints"
                    )
                shop_id = shop.id
            else:
                conn = await store.by_state(uow, state) if state else None
                if conn is None:
                    raise ConnectRefused(
                        "this authorisation link is unknown or was already used; start again"
                    )
                shop_id = conn.shop_id
            stale = conn is not None and conn.updated_at < self._clock.now() - STATE_TTL
            if state is not None and stale:
                raise ConnectRefused(
                    "this authorisation link has expired; run `tiktok connect` again"
                )
        try:
            tokens = await self.client.get_token(code)
        except TikTokApiError as exc:
            if exc.code == AUTH_CODE_INVALID:
                raise ConnectRefused(exc.message) from None
            raise
        data = await self.client.call(
            "GET", "/authorization/202309/shops", access_token=tokens.access_token
        )
        shops = [s for s in data.get("shops") or [] if isinstance(s, dict)]
        if not shops:
            raise ConnectRefused("TikTok Shop authorised no shop for this app")
        picked = shops[0]
        external_id, cipher = str(picked.get("id") or ""), str(picked.get("cipher") or "")
        if not external_id or not cipher:
            raise ConnectRefused("TikTok Shop sent a shop without its id or cipher")
        now = self._clock.now()
        async with self._uow() as uow:
            other = await store.by_external_shop(uow, external_id)
            if other is not None and other.shop_id != shop_id:
                raise ConnectRefused(
                    "that TikTok shop is already connected to another shop of this bot"
                )
            conn = await store.by_shop(uow, shop_id)
            if conn is None:
                conn = MarketplaceConnection(shop_id=shop_id, marketplace=TIKTOK, created_at=now)
                uow.session.add(conn)
            conn.status = "active"
            conn.auth_state = None
            conn.external_shop_id = external_id
            conn.shop_cipher = cipher
            self._store_tokens(conn, tokens, now)
            await uow.flush()
            shop = await uow.shops.get(shop_id)
            await store.tell_sellers(
                uow, shop_id, "connected", now=now, key=f"connected:{now.isoformat()}"
            )
            code_of_shop = shop.code if shop is not None else (shop_code or "")
            await uow.commit()
        log.info("tiktok shop connected", extra={"shop_id": shop_id, "tiktok_shop": external_id})
        return Connected(shop_id, code_of_shop, external_id, str(picked.get("name") or ""))

    @staticmethod
    def _store_tokens(conn: MarketplaceConnection, tokens: Tokens, now: datetime) -> None:
        conn.access_token = tokens.access_token
        conn.access_expires_at = tokens.access_expires_at
        conn.refresh_token = tokens.refresh_token
        conn.refresh_expires_at = tokens.refresh_expires_at
        conn.updated_at = now

    async def connection(self, shop_id: int) -> MarketplaceConnection | None:
        async with self._uow(readonly=True) as uow:
            return await store.by_shop(uow, shop_id)

    # ------------------------------------------------------------ keeping access

    async def access(self, shop_id: int) -> Access:
        """The shop's token and cipher, refreshed first when it is about to expire.
        Raises NotConnected without an active connection."""
        async with self._uow(readonly=True) as uow:
            conn = await store.by_shop(uow, shop_id)
        if conn is None or conn.status != "active" or not conn.access_token:
            raise NotConnected(_not_connected_words(conn))
        expires = conn.access_expires_at
        if expires is not None and expires <= self._clock.now() + timedelta(minutes=5):
            return await self.refresh(shop_id)
        return Access(conn.access_token, conn.shop_cipher or "")

    async def refresh(self, shop_id: int, *, stale: str | None = None) -> Access:
        """Refresh the shop's tokens (one refresh at a time per shop): when they expire
        within the margin, or, given the `stale` token TikTok just refused, unless
        another task replaced it meanwhile."""
        lock = self._refreshing.setdefault(shop_id, asyncio.Lock())
        async with lock:
            async with self._uow(readonly=True) as uow:
                conn = await store.by_shop(uow, shop_id)
            if conn is None or conn.status != "active" or not conn.refresh_token:
                raise NotConnected(_not_connected_words(conn))
            now = self._clock.now()
            fresh = (
                conn.access_token != stale
                if stale is not None
                else conn.access_expires_at is not None
                and conn.access_expires_at > now + REFRESH_MARGIN
            )
            if fresh:
                return Access(conn.access_token or "", conn.shop_cipher or "")
            try:
                tokens = await self.client.refresh_token(conn.refresh_token)
            except TikTokApiError as exc:
                if exc.code in (REFRESH_TOKEN_INVALID, ACCESS_TOKEN_INVALID):
                    await self.lose(shop_id, "expired")
                    raise NotConnected(exc.message) from None
                raise
            async with self._uow() as uow:
                conn = await store.by_shop(uow, shop_id)
                if conn is None or conn.status != "active":
                    raise NotConnected(_not_connected_words(conn))
                self._store_tokens(conn, tokens, now)
                await uow.commit()
            log.info("tiktok tokens refreshed", extra={"shop_id": shop_id})
            return Access(tokens.access_token, conn.shop_cipher or "")

    async def refresh_due(self) -> int:
        """Refresh every active connection whose access token expires within the
        margin; warn sellers whose authorisation ends within a week; mark ended ones
        expired.  Returns how many were refreshed."""
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            conns = list(await store.active(uow))
        refreshed = 0
        for conn in conns:
            if conn.refresh_expires_at is not None and conn.refresh_expires_at <= now:
                await self.lose(conn.shop_id, "expired")
                continue
            if (
                conn.refresh_expires_at is not None
                and conn.refresh_expires_at <= now + EXPIRY_WARNING
            ):
                await self.warn_expiring(conn.shop_id, conn.refresh_expires_at)
            if conn.access_expires_at is None or conn.access_expires_at <= now + REFRESH_MARGIN:
                try:
                    await self.refresh(conn.shop_id)
                    refreshed += 1
                except MarketplaceError as exc:
                    log.warning(
                        "tiktok token refresh failed",
                        extra={"shop_id": conn.shop_id, "why": exc.message},
                    )
        return refreshed

    async def warn_expiring(self, shop_id: int, at: datetime) -> None:
        async with self._uow() as uow:
            await store.tell_sellers(
                uow, shop_id, "expiring", now=self._clock.now(), key=f"expiring:{at.date()}", at=at
            )
            await uow.commit()

    async def lose(self, shop_id: int, status: str) -> bool:
        """End the shop's connection (`revoked` by the seller, or `expired`): tokens
        dropped, sellers told.  False when it was not active (told before)."""
        now = self._clock.now()
        async with self._uow() as uow:
            conn = await store.by_shop(uow, shop_id)
            if conn is None or conn.status != "active":
                return False
            conn.status = status
            conn.access_token = conn.refresh_token = None
            conn.access_expires_at = conn.refresh_expires_at = None
            conn.updated_at = now
            event: ConnectionEvent = "deauthorized" if status == "revoked" else "expired"
            await store.tell_sellers(uow, shop_id, event, now=now, key=f"{event}:{now.isoformat()}")
            await uow.commit()
        log.warning("tiktok connection ended", extra={"shop_id": shop_id, "status": status})
        return True

    async def call(self, shop_id: int, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A signed call for the shop, refreshing once when TikTok says the token
        expired."""
        access = await self.access(shop_id)
        try:
            return await self.client.call(
                method,
                path,
                access_token=access.access_token,
                shop_cipher=access.shop_cipher,
                **kwargs,
            )
        except TikTokApiError as exc:
            if exc.code == ACCESS_TOKEN_EXPIRED:
                access = await self.refresh(shop_id, stale=access.access_token)
                return await self.client.call(
                    method,
                    path,
                    access_token=access.access_token,
                    shop_cipher=access.shop_cipher,
                    **kwargs,
                )
            if exc.code == ACCESS_TOKEN_INVALID:
                raise NotConnected(exc.message) from None
            raise


def _not_connected_words(conn: MarketplaceConnection | None) -> str:
    if conn is None or conn.status == "pending":
        return "the shop is not connected to TikTok Shop: run `tiktok connect SHOP`"
    if conn.status == "revoked":
        return "the seller removed the bot's access on TikTok Shop: connect the shop again"
    return "the shop's TikTok Shop authorisation expired: connect the shop again"
