"""The offline demo's TikTok Shop, typed at as a newcomer would: the demo shop is
connected to the local TikTok emulator at start; an order shipped and delivered on
"TikTok Shop" reaches the buyer who linked it in chat; a return filed there reaches
the seller as a claim, and the seller's approval reaches "TikTok Shop"."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.app import App
from bot.demo import Write, run_demo
from bot.demo_tiktok import DemoTikTok
from storage.models import Claim, MarketplaceConnection
from storage.uow import UnitOfWorkFactory
from tests.e2e.test_demo import Typist

Line = str | Callable[["Console"], str]


class Console(Typist):
    """A Typist whose lines may depend on what the console printed so far (the TikTok
    order numbers are new each run)."""

    def __init__(self, *lines: Line) -> None:
        super().__init__()
        self._script = list(lines)

    async def read(self, prompt: str) -> str | None:
        if not self._script:
            return None
        line = self._script.pop(0)
        self._lines.append(line if isinstance(line, str) else line(self))
        return await super().read(prompt)

    def before_first_line(self) -> str:
        return "\n".join(self._printed[0])

    def printed(self) -> str:
        return "\n".join(text for chunk in self._printed for text in chunk)

    def tiktok_order(self, status: str) -> str:
        found = re.search(rf"^  (5769\d{{14}})  {status} ", self.printed(), re.M)
        assert found, f"no TikTok order {status} in the intro"
        return found[1]

    def button(self, label: str) -> str:
        """`:N` for the button whose label contains `label`, in the last keyboard."""
        rows = [t for chunk in self._printed for text in chunk for t in text.splitlines()]
        for row in reversed(rows):
            numbers = re.findall(r"\[:(\d+)\] ([^\[]+)", row)
            for number, text in numbers:
                if label in text:
                    return f":{number}"
        raise AssertionError(f"no button {label!r}")


def alex_s(console: Console) -> str:
    return console.tiktok_order("AWAITING_SHIPMENT")


async def test_an_order_change_on_tiktok_reaches_the_buyer_in_chat(
    app: App, uow_factory: UnitOfWorkFactory
) -> None:
    console = Console(
        alex_s,  # Alex links the order: its number, then the delivery postcode
        "94105",
        lambda c: f":tiktok ship {alex_s(c)}",
        lambda c: f":tiktok scan {alex_s(c)}",
        lambda c: f":tiktok deliver {alex_s(c)[-4:]}",  # the last digits are enough
        lambda c: f":tiktok deliver {alex_s(c)}",  # delivered already: refused
        ":tiktok ship 999999",
        ":quit",
    )
    assert await run_demo(app, console.read, console.write) == 0
    number = alex_s(console)
    intro = console.before_first_line()
    assert "Connected TikTok shop Harbor & Home on TikTok to tiktok." in intro
    assert "Recent orders loaded: orders: 3 new" in intro
    async with uow_factory(readonly=True) as uow:
        conn = await uow.session.scalar(select(MarketplaceConnection))
    assert conn is not None and conn.status == "active"

    linked = console.after("94105")
    assert f"Order {number}" in linked and "Harbor & Home on TikTok" in linked

    shipped = console.after(f":tiktok ship {number}")
    assert f"TikTok Shop: order {number} shipped with USPS 9400" in shipped
    assert "webhook to the bot: HTTP 200" in shipped
    assert "bot: " in shipped and "On its way" in shipped  # Alex is told, in chat

    scanned = console.after(f":tiktok scan {number}")
    assert f"TikTok Shop: order {number} scanned: out for delivery" in scanned
    assert "bot: " in scanned and "Out for delivery" in scanned  # the carrier's scan

    delivered = console.after(f":tiktok deliver {number[-4:]}")
    assert f"TikTok Shop: order {number} delivered" in delivered
    assert "bot: " in delivered and "Delivered" in delivered

    again = console.after(f":tiktok deliver {number}")
    assert again == f"  ! order {number} is DELIVERED: ship it first"
    assert console.after(":tiktok ship 999999") == (
        "  ! TikTok Shop has no order 999999; :tiktok lists them"
    )


async def test_a_return_on_tiktok_reaches_the_seller_whose_approval_reaches_tiktok(
    app: App, uow_factory: UnitOfWorkFactory
) -> None:
    def delivered(c: Console) -> str:
        return c.tiktok_order("DELIVERED")

    console = Console(
        ":tiktok",
        lambda c: f":tiktok return {delivered(c)}",
        ":as sam",
        lambda c: c.button("Approve"),
        ":quit",
    )
    assert await run_demo(app, console.read, console.write) == 0
    number = delivered(console)
    listed = console.after(":tiktok")
    assert ":tiktok return ORDER" in listed and f"{number}  DELIVERED" in listed

    filed = console.after(f":tiktok return {number}")
    assert f"asked for a refund of 24.00 USD on order {number}" in filed
    claim_number = re.search(r"the bot opened claim (\S+) for the seller", filed)
    assert claim_number, filed
    # The photo, then the card; and maybe the demo's late Express order, which the
    # delivery care job flags to the shop's sellers when the demo starts.
    assert re.search(r"\(Sam has [2-9] new messages: :as sam\)", filed), filed

    sam_sees = console.after(":as sam")
    assert claim_number[1] in sam_sees and "[photo]" in sam_sees and "TikTok" in sam_sees

    approve = console.typed[-2][1]
    approved = console.after(approve)
    return_id = re.search(r"\(return (\d+), one photo\)", filed)
    assert return_id
    assert f"TikTok Shop: return {return_id[1]} approved (APPROVE_REFUND)" in approved
    # TikTok refunds it at once and tells the bot by webhook, as for any change.
    assert "now RETURN_OR_REFUND_REQUEST_SUCCESS, webhook to the bot: HTTP 200" in approved

    async with uow_factory(readonly=True) as uow:
        claim = await uow.session.scalar(select(Claim).where(Claim.external_id == return_id[1]))
    assert claim is not None and claim.status != "REQUESTED"


async def test_a_second_run_connects_its_new_tiktok_shop(
    app: App, uow_factory: UnitOfWorkFactory
) -> None:
    """Each run is a new TikTok Shop (new tokens, new order numbers): the connection
    the first run left must give way, and the new shop's returns still become claims."""
    first = Console(":quit")
    await run_demo(app, first.read, first.write)
    second = Console(
        lambda c: f":tiktok return {c.tiktok_order('DELIVERED')}",
        lambda c: f":tiktok deliver {c.tiktok_order('IN_TRANSIT')}",
        ":quit",
    )
    await run_demo(app, second.read, second.write)
    assert "Recent orders loaded: orders: 3 new" in second.before_first_line()
    assert first.tiktok_order("DELIVERED") != second.tiktok_order("DELIVERED")
    filed = second.typed[0][1]
    assert "the bot opened claim" in second.after(filed)
    # Nobody linked Casey's order in chat: the console says why no one hears of it.
    in_transit = second.tiktok_order("IN_TRANSIT")
    assert (
        "  (no one has linked this order in chat, so no one is told: as alex, send"
        f" {in_transit}, then the postcode 10001)"
    ) in second.after(second.typed[1][1])
    async with uow_factory(readonly=True) as uow:
        (conn,) = (await uow.session.scalars(select(MarketplaceConnection))).all()
    assert conn.status == "active"


async def test_when_tiktok_refuses_the_connection_the_demo_says_so_and_goes_on(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "TikTok Shop" refuses the app's credentials at the code exchange: the console
    says the shop is not connected, `:tiktok` says the demo runs without it, and the
    chat with the bot works as before."""
    start = DemoTikTok.start

    async def misconfigured(app: App, write: Write) -> DemoTikTok:
        demo = await start(app, write)
        demo.emulator.state.app_secret = "not-the-demo-app-secret"
        return demo

    monkeypatch.setattr(DemoTikTok, "start", misconfigured)
    console = Console(":tiktok", "/start", ":quit")
    assert await run_demo(app, console.read, console.write) == 0
    intro = console.before_first_line()
    assert "TikTok Shop could not be connected (Not connected:" in intro
    assert "the demo runs without it." in intro
    assert "Connected TikTok shop" not in intro and "576917" not in intro
    assert console.after(":tiktok") == "  ! this demo runs without TikTok Shop"
    assert "bot: " in console.after("/start")
