"""Rendering of outbox notifications (neutral kind + params) into chat actions.

Services decide *that* someone is told and with which facts; this module decides the
words, through the catalog, at send time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.enums import OrderStatus
from bot.services.outbox import Notification
from handlers.catalog import Catalog, Safe
from handlers.types import Button, Keyboard, Outbound, SendText

Renderer = Callable[[Catalog, Notification], list[Outbound]]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return register


def render(notification: Notification, catalog: Catalog | None = None) -> list[Outbound]:
    catalog = catalog or Catalog()
    try:
        fn = RENDERERS[notification.kind]
    except KeyError:
        raise ValueError(f"no renderer for notification kind {notification.kind!r}") from None
    return fn(catalog, notification)


def _open_order(catalog: Catalog, params: dict[str, Any]) -> Keyboard:
    return Keyboard.of([Button(catalog.plain("notify.open_order"), f"o:{params['order_id']}")])


@renderer("order_changed")
def order_changed(catalog: Catalog, n: Notification) -> list[Outbound]:
    p = n.params
    if p.get("status_changed"):
        status = OrderStatus(p["status"])
        text = catalog.t(
            "notify.order_status",
            number=p["order_number"],
            label=catalog.plain(f"status.{status.value}.label"),
            meaning=Safe(catalog.t(f"status.{status.value}.meaning")),
        )
    else:
        event = p["event"]
        where = f", {event['location']}" if event.get("location") else ""
        text = catalog.t(
            "notify.order_tracking",
            number=p["order_number"],
            event=catalog.plain(f"tag.{event['tag']}") + where,
        )
    return [SendText(n.chat_id, text, _open_order(catalog, p))]
