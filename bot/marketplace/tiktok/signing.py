"""TikTok Shop's request and webhook signatures.

Requests: `sign` is the lowercase hex HMAC-SHA256, keyed with the app secret, of
`app_secret + path + k1v1k2v2... + body + app_secret`, the query pairs sorted by key,
without `sign` and `access_token`; the body is left out for multipart uploads.

Webhooks: the `Authorization` header is the lowercase hex HMAC-SHA256, keyed with the
app secret, of `app_key + raw body`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def sign(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
    *,
    multipart: bool = False,
) -> str:
    pairs = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in UNSIGNED_PARAMS)
    secret = app_secret.encode()
    message = secret + path.encode() + pairs.encode() + (b"" if multipart else body) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def webhook_signature(app_key: str, app_secret: str, body: bytes) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def verify_webhook(app_key: str, app_secret: str, body: bytes, authorization: str | None) -> bool:
    """True when `authorization` is the body's signature (compared in constant time)."""
    if not authorization:
        return False
    expected = webhook_signature(app_key, app_secret, body)
    return hmac.compare_digest(expected.encode(), authorization.strip().lower().encode())
