"""Typing at the claim steps after filing, through the real aiogram and
python-telegram-bot stacks: the return tracking step and the answer to a seller's
question, each with a valid answer, text it cannot use and an escape.

The many variations live in tests/flows/test_claim_typing.py (in process); this layer
checks that what the buyer types and the buttons re-shown arrive the same way on both
channels.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.domain.enums import ClaimType
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.services.returns import ReturnService
from bot.services.seller_claims import SellerClaimService
from storage.media import MediaStore
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import buttons
from tests.e2e.test_returns import open_card, tap
from tests.unit.test_seller_claims import SELLER_EXT, bought, file_claim, load_claim, make_seller

UPS_OK = "1Z999AA10123456784"


@pytest.fixture(params=["aiogram", "ptb"])
async def channel(
    request: pytest.FixtureRequest, app: App, emulator: TelegramEmulator
) -> AsyncIterator[BotProcess]:
    process = BotProcess(app, emulator, framework=request.param)
    await process.start()
    yield process
    await process.stop()


async def filed(
    channel: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    *,
    approved: bool,
) -> tuple[ScriptedUser, int, str]:
    """Buyer 1001 with a claim approved for a return (waiting for the parcel), or with a
    question from the seller; the bot's notification about it has arrived."""
    alex, sam = emulator.user(1001, "Alex"), emulator.user(SELLER_EXT, "Sam")
    for user in (alex, sam):  # Telegram only lets the bot write after /start
        await user.send("/start")
        await user.wait_message()
    media = MediaStore(tmp_path / "claim-media")
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    kind = ClaimType.RETURN_AND_REFUND if approved else ClaimType.REFUND
    claim = await file_claim(ReturnService(uow_factory, clock, media), b, type=kind)
    sellers = SellerClaimService(uow_factory, clock, media)
    if approved:
        await sellers.approve(seller, claim.id)
    else:
        await sellers.ask_info(seller, claim.id, "Which colour is it?")
    # Delivered now, so the notification does not arrive in the middle of the steps.
    await channel.flush_outbox()
    told = (await alex.wait_message())["text"]
    assert claim.number in told
    return alex, claim.id, claim.number


async def texts(user: ScriptedUser, count: int) -> list[str]:
    return [(await user.wait_message())["text"] for _ in range(count)]


async def test_typing_the_return_carrier_and_tracking_number(
    channel: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    alex, claim_id, number = await filed(
        channel, emulator, uow_factory, clock, tmp_path, approved=True
    )
    shown = await open_card(alex, number)
    await tap(alex, "Enter return tracking", shown)

    await alex.send("the blue van took it")  # no carrier: what the step takes, asked again
    expects, again = await texts(alex, 2)
    assert "Please tap the carrier you sent the return with" in expects
    assert "Which carrier" in again
    prompt = alex.messages[-1]
    assert buttons(prompt) == ["FedEx", "UPS", "USPS", "DHL", "Other carrier", "✖ Cancel"]

    await alex.send("Fed Ex")
    assert "type the FedEx tracking number" in (await alex.wait_message())["text"]
    await alex.send("771234567891")  # a FedEx shape, one digit off
    refused = (await alex.wait_message())["text"]
    assert "“771234567891” isn't a valid FedEx tracking number" in refused
    assert "one digit seems mistyped" in refused

    await alex.send("stop")
    assert "Nothing was saved or sent to the seller" in (await alex.wait_message())["text"]
    assert (await load_claim(uow_factory, claim_id)).status == "AWAITING_BUYER_SHIPMENT"

    shown = await open_card(alex, number)
    await tap(alex, "Enter return tracking", shown)
    await alex.send(f"it's UPS, number {UPS_OK}")
    assert f"Tracking: UPS {UPS_OK}" in (await alex.wait_message())["text"]
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == "BUYER_SHIPPED"
    assert (claim.return_carrier, claim.return_tracking_number) == ("UPS", UPS_OK)


async def test_typing_at_the_answer_step(
    channel: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    alex, claim_id, number = await filed(
        channel, emulator, uow_factory, clock, tmp_path, approved=False
    )
    shown = await open_card(alex, number)
    await tap(alex, "Answer the seller", shown)

    await alex.send("skip")
    cannot, prompt = await texts(alex, 2)
    assert "can't be skipped" in cannot
    assert f"about {number}" in prompt
    assert buttons(alex.messages[-1]) == ["Send answer", "✖ Cancel"]

    await alex.send("cancel")
    assert "Nothing was saved or sent to the seller" in (await alex.wait_message())["text"]
    assert (await load_claim(uow_factory, claim_id)).status == "NEEDS_INFO"

    shown = await open_card(alex, number)
    await tap(alex, "Answer the seller", shown)
    await alex.send("It's the blue one <b>really</b>")
    assert "Your answer is with the seller" in (await alex.wait_message())["text"]
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == "REQUESTED"
    assert claim.history[-1].note == "It's the blue one <b>really</b>"
