"""The demo's `:tiktok` commands on their own: what a mistyped line answers (and that
it changes nothing on "TikTok Shop"), and how the decisions the bot sent there read."""

from __future__ import annotations

from typing import cast

import pytest

from bot.app import App
from bot.demo_tiktok import DemoTikTok
from bot.emulator.tiktok import TikTokEmulator, tiktok_order
from bot.emulator.tiktok.state import Decision


def demo(lines: list[str]) -> DemoTikTok:
    emulator = TikTokEmulator(app_key="k", app_secret="s")
    shop = emulator.state.add_shop("Shop on TikTok")
    for number in ("576900000000000001", "576900000000000011"):
        emulator.state.put_order(shop.id, tiktok_order(number))
    emulator.state.put_order(shop.id, tiktok_order("576900000000000003", status="IN_TRANSIT"))
    return DemoTikTok(cast(App, None), emulator, shop, lines.append)


USAGE_LINE = (
    "try :tiktok ship ORDER, :tiktok scan ORDER, :tiktok deliver ORDER,"
    " :tiktok return ORDER, :tiktok cancel ORDER"
)


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("fly 01", USAGE_LINE),
        ("ship", USAGE_LINE),
        ("ship 7", "TikTok Shop has no order 7; :tiktok lists them"),
        ("ship abc", "TikTok Shop has no order abc; :tiktok lists them"),
        ("ship 1", "several orders end in 1: type more digits"),
        ("deliver 0001", "order 576900000000000001 is AWAITING_SHIPMENT: ship it first"),
        (
            "return 0011",
            "order 576900000000000011 is AWAITING_SHIPMENT: a return comes after delivery",
        ),
        (
            "cancel 0003",
            "order 576900000000000003 is IN_TRANSIT: only an order awaiting shipment can be"
            " cancelled",
        ),
    ],
)
async def test_a_mistyped_command_says_why_and_changes_nothing(line: str, answer: str) -> None:
    said: list[str] = []
    tiktok = demo(said)
    before = {n: dict(o) for n, o in tiktok.shop.orders.items()}
    with pytest.raises(ValueError) as refused:
        await tiktok.command(line)
    assert str(refused.value) == answer
    assert tiktok.shop.orders == before and said == []
    assert tiktok.shop.returns == {} and tiktok.shop.cancellations == {}


async def test_alone_it_lists_what_it_can_do_and_the_orders() -> None:
    said: list[str] = []
    assert await demo(said).command("") == "none"
    assert ":tiktok return ORDER" in said[0] and ":tiktok cancel ORDER" in said[0]
    assert said[1:] == [
        "  576900000000000001  AWAITING_SHIPMENT  Jane Buyer",
        "  576900000000000011  AWAITING_SHIPMENT  Jane Buyer",
        "  576900000000000003  IN_TRANSIT         Jane Buyer",
    ]


async def test_decisions_are_told_once_each_and_tiktok_tells_the_bot_what_they_changed() -> None:
    """Each decision reads as TikTok recorded it, and TikTok's webhook for the change it
    made follows (the real one sends it for its sellers' own decisions too): an
    approved refund-only return is refunded, and the bot hears so."""
    tiktok = demo([])
    sent: list[tuple[str, dict[str, str]]] = []

    async def send_webhook(url: str, event: str, shop_id: str, data: dict[str, str]) -> int:
        sent.append((event, data))
        return 200

    tiktok.emulator.send_webhook = send_webhook  # type: ignore[method-assign]
    tiktok.shop.returns["4036001"] = {"return_status": "RETURN_OR_REFUND_REQUEST_SUCCESS"}
    tiktok.shop.returns["4036002"] = {"return_status": "REFUND_OR_RETURN_REQUEST_REJECT"}
    decisions = tiktok.emulator.state.decisions
    decisions.append(Decision("approve_return", "1", "4036001", {"decision": "APPROVE_REFUND"}))
    assert await tiktok.recorded() == [
        "TikTok Shop: return 4036001 approved (APPROVE_REFUND); now"
        " RETURN_OR_REFUND_REQUEST_SUCCESS, webhook to the bot: HTTP 200"
    ]
    assert sent == [("RETURN_STATUS_CHANGE", {"return_id": "4036001"})]
    assert await tiktok.recorded() == []
    assert len(sent) == 1  # told once
    body = {
        "decision": "REJECT_REFUND",
        "reject_reason": "seller_reject_apply_product_used",
        "comment": "washed",
    }
    decisions.append(Decision("reject_return", "1", "4036002", body))
    assert await tiktok.recorded() == [
        "TikTok Shop: return 4036002 rejected (REJECT_REFUND,"
        " reason seller_reject_apply_product_used, note “washed”); now"
        " REFUND_OR_RETURN_REQUEST_REJECT, webhook to the bot: HTTP 200"
    ]
    tiktok.shop.cancellations["77"] = {"cancel_status": "CANCELLATION_REQUEST_SUCCESS"}
    decisions.append(Decision("approve_cancellation", "1", "77", {}))
    assert await tiktok.recorded() == [
        "TikTok Shop: cancellation 77 approved; now CANCELLATION_REQUEST_SUCCESS,"
        " webhook to the bot: HTTP 200"
    ]
    assert sent[-1] == ("CANCELLATION_STATUS_CHANGE", {"cancel_id": "77"})


async def test_cancel_asks_tiktok_to_cancel_and_tells_the_bot_once() -> None:
    """`:tiktok cancel ORDER`: the buyer's request on "TikTok Shop", which the seller
    answers in chat (before, the demo had no way to show a TikTok cancellation)."""
    said: list[str] = []
    tiktok = demo(said)
    sent: list[tuple[str, dict[str, str]]] = []

    async def send_webhook(url: str, event: str, shop_id: str, data: dict[str, str]) -> int:
        sent.append((event, data))
        return 200

    tiktok.emulator.send_webhook = send_webhook  # type: ignore[method-assign]
    assert await tiktok.command("cancel 0001") == "reply"
    [cancel] = tiktok.shop.cancellations.values()
    assert (cancel["order_id"], cancel["cancel_status"]) == (
        "576900000000000001",
        "CANCELLATION_REQUEST_PENDING",
    )
    assert sent == [("CANCELLATION_STATUS_CHANGE", {"cancel_id": cancel["cancel_id"]})]
    assert "asked to cancel order 576900000000000001" in said[0] and ":as sam" in said[1]
    with pytest.raises(ValueError, match="already has a cancellation waiting"):
        await tiktok.command("cancel 0001")
    assert len(sent) == 1
