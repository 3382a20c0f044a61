"""What sellers read about their shop's TikTok connection."""

from __future__ import annotations

from bot.services.outbox import Notification
from handlers.notifications import render
from handlers.types import SendText


def _text(event: str, **extra: str) -> str:
    params = {"event": event, "shop": "Acme <Store>", "code": "acme", "timezone": "UTC", **extra}
    [action] = render(Notification.load(77, "tiktok_connection", params))
    assert isinstance(action, SendText) and action.chat_id == 77
    return action.text


def test_connection_notices_name_the_shop_and_what_to_do() -> None:
    assert "Acme &lt;Store&gt;</b> is now connected to TikTok Shop" in _text("connected")
    revoked = _text("deauthorized")
    assert "disconnected from TikTok Shop" in revoked
    assert "python run_bot.py tiktok connect acme" in revoked
    expiring = _text("expiring", at="2026-02-01T12:00:00+00:00")
    assert "ends on <b>Feb 1, 12:00 UTC</b>" in expiring
    assert "has ended" in _text("expired")
