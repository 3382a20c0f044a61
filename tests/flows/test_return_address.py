"""`/returnaddress`: the warning after approving a return without a return address
points a seller at something they can do in the chat (not the server's `shop set`), and
the address they type is checked, shown back, and stored only on Save, for their own
shop only."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.domain.enums import ClaimType
from bot.domain.errors import NotAllowed
from bot.domain.marketplace import MarketplaceOwned
from bot.services.shops import return_address_of
from storage.models import MarketplaceConnection
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
        assert "The return address was not changed" in sam.last_text
        assert "buyer" not in sam.last_text  # no buyer has anything to do with it
    assert await stored(uow_factory) is None
    assert await sam.step() is None


async def test_cancel_before_typing_an_address_tells_no_buyer_anything(sam: Person) -> None:
    """Found in the demo: "cancel" at the address step said "… and the buyer wasn't
    told anything"."""
    await sam.say("/returnaddress")
    await sam.say("cancel")
    assert sam.last_text == "Okay, stopped. The return address was not changed."
    await sam.say("/returnaddress")
    await sam.say("/claims")  # another flow's command ends this one
    assert "I stopped setting the return address. It was not changed." in sam.said


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


async def on_tiktok(uow_factory: UnitOfWorkFactory, clock: FakeClock, code: str) -> int:
    """A shop of the seller's connected to TikTok Shop, which handles its returns."""
    shop_id = await make_shop(uow_factory, clock, code)
    async with uow_factory() as uow:
        uow.session.add(
            MarketplaceConnection(
                shop_id=shop_id,
                marketplace="tiktok",
                status="active",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()
    return shop_id


async def test_a_tiktok_shop_is_not_offered_and_its_address_is_not_stored(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, sam: Person
) -> None:
    """The tester's Sam (Harbor & Home, also on TikTok): /returnaddress offered the
    TikTok shop, whose buyers get the return address from TikTok Shop.  Now it says
    so, and asks straight for the one shop the bot serves itself."""
    tiktok_id = await on_tiktok(uow_factory, clock, "tiktok")
    await make_seller(uow_factory, clock, SELLER_EXT, shop_code="tiktok")
    await sam.say("/returnaddress")
    assert "Returns of Tiktok Store are handled on TikTok Shop" in sam.said
    assert "Return address of Acme Store" in sam.last_text
    assert "rsa:" not in str(sam.buttons())
    await sam.press(f"rsa:{tiktok_id}")  # a choice shown before it was connected
    assert "Returns of Tiktok Store are handled on TikTok Shop" in sam.last_text
    assert await sam.step() is None
    user_id = await make_seller(uow_factory, clock, OTHER_SELLER_EXT, shop_code="tiktok")
    with pytest.raises(MarketplaceOwned):
        await harness.services.sellers.set_return_address(user_id, tiktok_id, TYPED)


async def test_a_seller_of_only_a_tiktok_shop_is_told_there_is_nothing_to_set(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await on_tiktok(uow_factory, clock, "tiktok")
    await make_seller(uow_factory, clock, OTHER_SELLER_EXT, shop_code="tiktok")
    kim = harness.seller(OTHER_SELLER_EXT)
    await kim.say("/returnaddress")
    assert kim.texts == [
        "Returns of Tiktok Store are handled on TikTok Shop, which gives its buyers the"
        " return address, so there's nothing to set here for it."
    ]
    assert await kim.step() is None


async def test_an_address_sent_line_by_line_is_shown_whole_before_save(
    uow_factory: UnitOfWorkFactory, sam: Person
) -> None:
    """Where Enter sends, a seller types the address one message per line: each next
    line is added to what is shown to save; words for the question are not."""
    await sam.say("/returnaddress")
    await sam.say("Acme Returns")
    assert "Acme Returns\n\nA line missing? Type it and I'll add it." in sam.said
    await sam.say("12 Harbour Road")
    await sam.say("Bristol BS1 4DJ")
    assert "Acme Returns\n12 Harbour Road\nBristol BS1 4DJ\n" in sam.said
    for answer in ("yes", "save it", "done", "is that all?"):
        await sam.say(answer)
        assert sam.texts[0] == "Please tap Save address or Cancel below (or type cancel)."
        assert "Acme Returns\n12 Harbour Road\nBristol BS1 4DJ\n" in sam.said
    await sam.press(sam.button("Save address"))
    assert "Saved" in sam.said
    assert await stored(uow_factory) == "Acme Returns\n12 Harbour Road\nBristol BS1 4DJ"
