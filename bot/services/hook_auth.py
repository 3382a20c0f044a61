"""Who may call an inbound hook: each shop signs with its own secret (shop settings).

Two schemes, one home each:

* the shop's own order feed signs like the bot's outgoing refund webhook
  (`bot.services.gateways.sign`: ``X-Timestamp`` and ``X-Signature: sha256=<hex>``
  over ``"<timestamp>." + body``, 5 minutes of tolerance);
* AfterShip signs the raw body: ``aftership-hmac-sha256`` is the base64 HMAC-SHA256
  of the body with the shop's `aftership_secret` (`aftership_signature`).

An unknown shop, a shop without the secret and a wrong signature look the same from
outside (the caller says 401 for all three), and take the same time: the signature is
checked against a throw-away key when there is no real one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from bot.clock import Clock
from bot.services.gateways import verify_signature
from bot.services.shops import AFTERSHIP_SECRET_KEY, HOOK_SECRET_KEYS, ORDER_SECRET_KEY
from storage.uow import UnitOfWorkFactory

AFTERSHIP_HEADER = "aftership-hmac-sha256"
TOLERANCE_SECONDS = 300.0
_MAX_SHOP_CODE = 64
# Checked when a shop has no secret, so that case costs what a wrong signature does.
_NO_SECRET = secrets.token_bytes(32)


@dataclass(frozen=True, slots=True)
class HookShop:
    shop_id: int
    code: str


@dataclass(frozen=True, slots=True)
class _Keyed:
    shop: HookShop | None
    secret: bytes


async def _keyed(uow_factory: UnitOfWorkFactory, code: str, key: str) -> _Keyed:
    if not code or len(code) > _MAX_SHOP_CODE:
        return _Keyed(None, _NO_SECRET)
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code(code)
    value = (shop.settings or {}).get(key) if shop is not None else None
    if shop is None or not value:
        return _Keyed(None, _NO_SECRET)
    return _Keyed(HookShop(shop.id, shop.code), str(value).encode())


async def timestamped_shop(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    code: str,
    *,
    timestamp: str,
    signature: str,
    body: bytes,
) -> HookShop | None:
    """The shop whose `order_webhook_secret` signed `body` at `timestamp` (within 5
    minutes of now, either way), or None."""
    keyed = await _keyed(uow_factory, code, ORDER_SECRET_KEY)
    valid = verify_signature(
        keyed.secret,
        timestamp=timestamp,
        body=body,
        signature=signature,
        now=clock.now().timestamp(),
        tolerance=TOLERANCE_SECONDS,
    )
    return keyed.shop if valid else None


def aftership_signature(secret: bytes, body: bytes) -> str:
    """The ``aftership-hmac-sha256`` value AfterShip sends: base64 of HMAC-SHA256."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode("ascii")


async def aftership_shop(
    uow_factory: UnitOfWorkFactory, code: str, *, signature: str, body: bytes
) -> HookShop | None:
    """The shop whose `aftership_secret` signed `body`, or None.  Constant-time; a
    non-ASCII header is simply not valid."""
    keyed = await _keyed(uow_factory, code, AFTERSHIP_SECRET_KEY)
    expected = aftership_signature(keyed.secret, body).encode()
    given = signature.strip().encode("ascii", "replace")
    valid = hmac.compare_digest(expected, given) and signature.isascii()
    return keyed.shop if valid else None


async def any_hook_secret(uow_factory: UnitOfWorkFactory) -> bool:
    """Whether some shop set an inbound hook's secret: then the bot serves HTTP even
    while it polls Telegram."""
    async with uow_factory(readonly=True) as uow:
        shops = await uow.shops.all()
    return any((shop.settings or {}).get(key) for shop in shops for key in HOOK_SECRET_KEYS)
