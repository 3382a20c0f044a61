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
    return DemoTikTok(cast(App, None), emulator, shop, lines.append)


USAGE_LINE = (
    "try :tiktok ship ORDER, :tiktok scan ORDER, :tiktok deliver ORDER, :tiktok return ORDER"
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
    ],
)
async def test_a_mistyped_command_says_why_and_changes_nothing(line: str, answer: str) -> None:
    said: list[str] = []
    tiktok = demo(said)
    before = {n: dict(o) for n, o in tiktok.shop.orders.items()}
    with pytest.raises(ValueError) as refused:
        await tiktok.command(line)
    assert str(refused.value) == answer
    assert tiktok.shop.orders == before and tiktok.shop.returns == {} and said == []


async def test_alone_it_lists_what_it_can_do_and_the_orders() -> None:
    said: list[str] = []
    assert await demo(said).command("") == "none"
    assert ":tiktok return ORDER" in said[0]
    assert said[1:] == [
        "  576900000000000001  AWAITING_SHIPMENT  Jane Buyer",
        "  576900000000000011  AWAITING_SHIPMENT  Jane Buyer",
    ]


def test_decisions_are_told_once_each_as_tiktok_recorded_them() -> None:
    tiktok = demo([])
    decisions = tiktok.emulator.state.decisions
    decisions.append(Decision("approve_return", "1", "4036001", {"decision": "APPROVE_REFUND"}))
    assert tiktok.recorded() == ["TikTok Shop: return 4036001 approved (APPROVE_REFUND)"]
    assert tiktok.recorded() == []
    body = {
        "decision": "REJECT_REFUND",
        "reject_reason": "seller_reject_apply_product_used",
        "comment": "washed",
    }
    decisions.append(Decision("reject_return", "1", "4036002", body))
    assert tiktok.recorded() == [
        "TikTok Shop: return 4036002 rejected (REJECT_REFUND,"
        " reason seller_reject_apply_product_used, note “washed”)"
    ]
