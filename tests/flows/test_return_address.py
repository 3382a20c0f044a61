"""`/returnaddress`: the warning after approving a return without a return address
points a seller at something they can do in the chat (not the server's `shop set`), and
the address they type is checked, shown back, and stored only on Save, for their own
shop only."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.domain.enums import ClaimType
from bot.domain.errors import NotAllowed
from bot.services.shops import return_address_of
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop
from tests.harness import Harness, Person
from tests.unit.test_seller_claims import (
    OTHER_SELLER_EXT,
    SELLER_EXT,
    bought,
    buyer_updates,
    file_claim,
    make_seller,
    rendered,
)

TYPED = "Acme Returns\n12 Harbour Road\nBristol BS1 4DJ\nUnited Kingdom"


async def stored(uow_factory: UnitOfWorkFactory) -> str | None:
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        return return_address_of(shop.settings) if shop else None


@pytest.fixture
async def sam(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    await make_seller(uow_factory, clock, SELLER_EXT)
    return harness.seller(SELLER_EXT)


async def test_the_warning_points_at_returnaddress_not_a_server_command(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, sam: Person
) -> None:
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    await sam.press(f"qa:{claim.id}")
    assert "Your shop has no return address set" in sam.said
    assert "send /returnaddress" in sam.said
    assert "shop set" not in sam.said


async def test_a_typed_address_is_checked_shown_and_saved_on_save(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, sam: Person
) -> None:
    await sam.say("/returnaddress")
    assert "Return address of" in sam.said and "None is set yet" in sam.said
    await sam.say("\n".join(f"line {n}" for n in range(9)))
    assert "more than 8 lines" in sam.texts[0]
    await sam.say("12345")
    assert "doesn't look like a postal address" in sam.texts[0]
    assert await sam.step() == "seller.return_address"
    await sam.say(TYPED)
    assert "Save this as the return address of" in sam.last_text
    assert "12 Harbour Road" in sam.last_text
    assert await stored(uow_factory) is None  # nothing before Save
    await sam.say("yes please")  # Save is a tap
    assert "Please tap Save address or Cancel" in sam.texts[0]
    await sam.tap("Save address")
    assert "Saved." in sam.last_text
    assert await stored(uow_factory) == TYPED
    assert await sam.step() is None
    await sam.press("rsy")  # the old Save again: nothing to save
    assert sam.alerts and await stored(uow_factory) == TYPED

    # The next approval gives the buyer the address, and the seller no warning.
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    await sam.press(f"qa:{claim.id}")
    assert "no return address" not in sam.said
    [update] = await buyer_updates(uow_factory)
    assert "12 Harbour Road" in rendered(update).text

    await sam.say("/returnaddress")  # shows what is set now
    assert "Now set to:\nAcme Returns" in sam.last_text


@pytest.mark.parametrize("leave", ["Cancel", "typed cancel"])
async def test_cancel_changes_nothing(
    uow_factory: UnitOfWorkFactory, sam: Person, leave: str
) -> None:
    await sam.say("/returnaddress")
    await sam.say(TYPED)
    if leave == "Cancel":
        await sam.tap("Cancel")
        assert "was not changed" in sam.last_text
    else:
        await sam.say("cancel")
    assert await stored(uow_factory) is None
    assert await sam.step() is None


async def test_only_a_shops_seller_sets_its_address(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = harness.buyer(1001)
    await buyer.say("/returnaddress")
    assert "for the shop's sellers only" in buyer.last_text
    await buyer.press("rsy")
    assert await stored(uow_factory) is None
    # A seller of another shop, however the shop's id reaches the service.
    acme_id = await make_shop(uow_factory, clock, "acme")
    other = await make_seller(uow_factory, clock, OTHER_SELLER_EXT, shop_code="other")
    with pytest.raises(NotAllowed):
        await harness.services.sellers.set_return_address(other, acme_id, TYPED)
    assert await stored(uow_factory) is None
