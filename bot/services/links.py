"""Signed deep-link tokens: `https://t.me/<bot>?start=<token>`.

A token names what it grants (an order to link, a seller invite), until when, and
carries an HMAC, so it can be neither forged nor altered (its expiry included).
Telegram allows 64 characters of [A-Za-z0-9_-] in a start parameter: a token is the
kind letter and 39 base64url characters (version, value, nonce, expiry, 96-bit MAC).

Tokens signed before links expired (33 characters, no expiry inside) still verify, with
`expires_at` None: the services accept them for LEGACY_GRACE after the upgrade that
introduced expiry (its time is stored in the database), then refuse them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.uow import UnitOfWork

# 96 bits: an online guess goes through Telegram, one chat message at a time.
_MAC_BYTES = 12
_VERSION = 2
_BODY = struct.Struct(">BQII")  # version, value, nonce, expires (Unix seconds, UTC)
_LEGACY_BODY = struct.Struct(">QI")  # value, nonce (tokens from before expiry)
MAX_TOKEN_LENGTH = 64  # Telegram's limit for a /start payload
LEGACY_GRACE = timedelta(days=30)
LEGACY_SINCE_KEY = "links_expire_since"  # key_values: when expiring links arrived


class BadToken(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SignedLink:
    """What a genuine token says.  `expires_at` is None for a token from before expiry."""

    kind: str
    value: int
    nonce: int
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A token handed out, with what the shop's tool prints about it."""

    token: str
    expires_at: datetime
    uses: int  # how many Telegram accounts may open it
    timezone: str  # the shop's, to print the expiry in local time as well
    # How else the buyer can prove the order once the link no longer works: "postcode"
    # (a marketplace hid the contact; the delivery postcode proves it), "contact" (the
    # email or phone on the order), "" (nothing on the order proves it: a new link).
    proof: str = ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text.isascii() or any(not (c.isalnum() or c in "-_") for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("link secret must be at least 16 bytes")
        self._secret = secret

    def _mac(self, kind: str, body: bytes) -> bytes:
        return hmac.new(self._secret, kind.encode() + b"|" + body, hashlib.sha256).digest()[
            :_MAC_BYTES
        ]

    def sign(self, kind: str, value: int, nonce: int = 0, *, expires_at: datetime) -> str:
        """Token for (kind, value) valid until `expires_at`; `nonce` tells apart the
        links issued for one thing (each invite, each order link)."""
        if len(kind) != 1 or not kind.isascii() or not kind.isalpha():
            raise ValueError("kind is one letter")
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        body = _BODY.pack(_VERSION, value, nonce, int(expires_at.timestamp()))
        token = kind + _b64(body + self._mac(kind, body))
        assert len(token) <= MAX_TOKEN_LENGTH
        return token

    def verify(self, token: str) -> SignedLink:
        """What a genuine token grants, else raise BadToken (expiry is the caller's)."""
        if not 2 <= len(token) <= MAX_TOKEN_LENGTH:
            raise BadToken("wrong length")
        kind, rest = token[0], token[1:]
        try:
            raw = _unb64(rest)
        except (ValueError, TypeError):
            raise BadToken("not base64") from None
        if _b64(raw) != rest:  # unused low bits set: one token, one spelling
            raise BadToken("not canonical")
        size = len(raw) - _MAC_BYTES
        if size not in (_BODY.size, _LEGACY_BODY.size):
            raise BadToken("wrong size")
        body, mac = raw[:size], raw[size:]
        if not hmac.compare_digest(mac, self._mac(kind, body)):
            raise BadToken("bad signature")
        if size == _LEGACY_BODY.size:
            value, nonce = _LEGACY_BODY.unpack(body)
            return SignedLink(kind, value, nonce, None)
        version, value, nonce, expires = _BODY.unpack(body)
        if version != _VERSION:
            raise BadToken("unknown version")
        return SignedLink(kind, value, nonce, datetime.fromtimestamp(expires, UTC))


async def valid_until(uow: UnitOfWork, link: SignedLink) -> datetime | None:
    """When the link stops working: its own expiry, or for a token from before links
    expired, LEGACY_GRACE after the upgrade (None, i.e. refused, if that time is not
    recorded: a token without expiry is never trusted open-ended)."""
    if link.expires_at is not None:
        return link.expires_at
    since = await uow.key_values.get(LEGACY_SINCE_KEY)
    if since is None:
        return None
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC) + LEGACY_GRACE


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
