"""TikTok's signatures, checked against strings written out by hand (not the code
under test's way of building them)."""

from __future__ import annotations

import hashlib
import hmac

from bot.marketplace.tiktok.signing import sign, verify_webhook, webhook_signature


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_request_sign_sorts_pairs_and_leaves_out_sign_and_access_token() -> None:
    query = {
        "timestamp": "1700000000",
        "shop_cipher": "ROW_abc",
        "app_key": "6abc",
        "ids": "576,577",
        "sign": "old",
        "access_token": "TTP_token",
    }
    body = b'{"update_time_ge":1}'
    # app_secret + path + sorted key+value pairs + body + app_secret, by hand:
    message = (
        "s3cr3t" + "/order/202309/orders/search"
        "app_key6abcids576,577shop_cipherROW_abctimestamp1700000000"
        '{"update_time_ge":1}' + "s3cr3t"
    )
    assert sign("s3cr3t", "/order/202309/orders/search", query, body) == _hmac("s3cr3t", message)


def test_request_sign_leaves_out_a_multipart_body() -> None:
    query = {"app_key": "k", "timestamp": "1"}
    message = "x/p" + "app_keyktimestamp1" + "x"
    assert sign("x", "/p", query, b"--multipart--", multipart=True) == _hmac("x", message)
    assert sign("x", "/p", query, b"--multipart--") != _hmac("x", message)


def test_a_known_signature_stays_the_same() -> None:
    # `echo -n "secret/authorization/202309/shopsapp_keykeytimestamp1700000000secret"
    #  | openssl dgst -sha256 -hmac secret`
    assert (
        sign("secret", "/authorization/202309/shops", {"app_key": "key", "timestamp": "1700000000"})
        == "63aa1ae52768c3c3afa1f5a8567bea9f03d9d2c433364363f9b585b766fbf79e"
    )


def test_webhook_signature_is_hmac_of_app_key_and_body() -> None:
    body = b'{"type":1,"shop_id":"7001","data":{"order_id":"576"}}'
    expected = _hmac("s3cr3t", "6abc" + body.decode())
    assert webhook_signature("6abc", "s3cr3t", body) == expected
    assert verify_webhook("6abc", "s3cr3t", body, expected)
    assert verify_webhook("6abc", "s3cr3t", body, expected.upper())  # hex case is not meaning
    assert not verify_webhook("6abc", "s3cr3t", body + b" ", expected)
    assert not verify_webhook("6abc", "other", body, expected)
    assert not verify_webhook("6abc", "s3cr3t", body, None)
    assert not verify_webhook("6abc", "s3cr3t", body, "")
