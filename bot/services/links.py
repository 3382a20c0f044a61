"""Signed deep-link tokens: `https://t.me/<bot>?start=<token>`.

A token names what it grants (an order to link, a seller invite) and carries an HMAC,
so it cannot be forged or altered.  Telegram allows 64 characters of [A-Za-z0-9_-] in
a start parameter; our tokens are about 30.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct

_MAC_BYTES = 12  # 96 bits: far beyond guessing through a chat


class BadToken(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
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

    def sign(self, kind: str, value: int, nonce: int = 0) -> str:
        """Token for (kind, value); `nonce` lets one-time invites differ per issue."""
        if len(kind) != 1 or not kind.isalpha():
            raise ValueError("kind is one letter")
        body = struct.pack(">QI", value, nonce)
        return kind + _b64(body + self._mac(kind, body))

    def verify(self, token: str) -> tuple[str, int, int]:
        """Return (kind, value, nonce) of a genuine token, else raise BadToken."""
        if not 2 <= len(token) <= 64:
            raise BadToken("wrong length")
        kind, rest = token[0], token[1:]
        try:
            raw = _unb64(rest)
        except (ValueError, TypeError):
            raise BadToken("not base64") from None
        if len(raw) != 12 + _MAC_BYTES:
            raise BadToken("wrong size")
        body, mac = raw[:12], raw[12:]
        if not hmac.compare_digest(mac, self._mac(kind, body)):
            raise BadToken("bad signature")
        value, nonce = struct.unpack(">QI", body)
        return kind, value, nonce


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
