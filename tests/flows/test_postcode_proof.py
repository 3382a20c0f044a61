"""A TikTok Shop buyer proves their order by typing its delivery postcode (issue 14):
the marketplace masked their email and phone, which never count as proof; the question
is the same whether or not the number belongs to an order; wrong postcodes count
towards the same throttle as wrong emails."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.emulator import sample_jpeg
from bot.services.orders import MAX_FAILED_PROOFS
from storage.models import OrderLink
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness
from tests.marketplace_fakes import tiktok_order

TIKTOK_NUMBER = "576900000000000001"


@pytest.fixture
async def orders(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    await tiktok_order(uow_factory, clock, number=TIKTOK_NUMBER, postal_code="SW1A1AA")
    await make_order(uow_factory, clock, number="578000000000000001")


async def links(uow_factory: UnitOfWorkFactory) -> list[str]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(OrderLink.method)))


@pytest.mark.parametrize("typed", ["SW1A 1AA", "sw1a1aa", "my postcode is SW1A 1AA"])
async def test_the_postcode_proves_a_marketplace_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, orders: None, typed: str
) -> None:
    buyer = harness.buyer()
    await buyer.say(TIKTOK_NUMBER)
    assert "delivery postcode" in buyer.said
    await buyer.say(typed)
    assert TIKTOK_NUMBER in buyer.said
    assert await buyer.step() is None
    assert await links(uow_factory) == ["postcode"]


async def test_the_question_is_the_same_for_any_number(harness: Harness, orders: None) -> None:
    buyer = harness.buyer()
    await buyer.say(TIKTOK_NUMBER)
    theirs = buyer.last_text.replace(TIKTOK_NUMBER, "N")
    await buyer.say("cancel")
    await buyer.say("578000000000000404")  # no such order
    unknown = buyer.last_text.replace("578000000000000404", "N")
    await buyer.say("cancel")
    await buyer.say("578000000000000001")  # the shop's own order
    own = buyer.last_text.replace("578000000000000001", "N")
    assert theirs == unknown == own


async def test_the_masked_contact_is_never_proof(
    harness: Harness, uow_factory: UnitOfWorkFactory, orders: None
) -> None:
    buyer = harness.buyer()
    await buyer.say(TIKTOK_NUMBER)
    await buyer.say("r7x2k9@scs.tiktokw.us")  # the relay address stored on the order
    assert "couldn't match" in buyer.said
    await buyer.say("E1 6AN")  # another postcode
    assert await links(uow_factory) == []
    assert await buyer.step() == "link.proof"


async def test_wrong_postcodes_are_throttled_like_any_proof(
    harness: Harness, uow_factory: UnitOfWorkFactory, orders: None
) -> None:
    buyer = harness.buyer()
    await buyer.say(TIKTOK_NUMBER)
    for _ in range(MAX_FAILED_PROOFS):
        await buyer.say("E1 6AN")
    assert await buyer.step() is None  # out of attempts for now
    await buyer.say(TIKTOK_NUMBER)
    await buyer.say("SW1A 1AA")  # even the right one waits
    assert await links(uow_factory) == []


async def test_a_shop_order_still_takes_its_email_and_not_a_postcode(
    harness: Harness, uow_factory: UnitOfWorkFactory, orders: None
) -> None:
    buyer = harness.buyer()
    await buyer.say("578000000000000001")
    await buyer.say("SW1A 1AA")
    assert await links(uow_factory) == []
    await buyer.say("buyer@example.com")
    assert await links(uow_factory) == ["email"]


async def test_text_without_a_proof_names_the_postcode(harness: Harness, orders: None) -> None:
    buyer = harness.buyer()
    await buyer.say(TIKTOK_NUMBER)
    await buyer.say("I don't know")
    assert "delivery postcode" in buyer.said
    assert await buyer.step() == "link.proof"


async def test_a_wrong_postcode_and_a_photo_are_answered_naming_the_postcode(
    harness: Harness, orders: None
) -> None:
    buyer = harness.buyer()
    await buyer.say(TIKTOK_NUMBER)
    await buyer.say("E1 6AN")
    # The refusal names what the buyer may have sent: the postcode too.
    assert "email, phone or postcode" in buyer.last_text
    await buyer.photo(sample_jpeg(seed="proof"))
    assert "delivery postcode" in buyer.said
    assert await buyer.step() == "link.proof"


async def test_a_photo_for_a_marketplace_order_says_its_return_is_asked_for_in_the_app(
    harness: Harness, orders: None
) -> None:
    buyer = harness.buyer()
    await buyer.say(TIKTOK_NUMBER)
    await buyer.say("SW1A 1AA")
    await buyer.photo(sample_jpeg(seed="broken"))
    # Not "I don't see an order of yours": the one order is theirs, returned elsewhere.
    assert "in the TikTok Shop app" in buyer.last_text and TIKTOK_NUMBER in buyer.last_text
    assert await buyer.step() is None
