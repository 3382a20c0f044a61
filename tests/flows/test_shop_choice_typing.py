"""A seller picks from a list by typing, as every other question of the chat takes
typed answers: "Which shop?" (`/stats`, `/insights`, `/returnaddress`, for a seller of
several) by the shop's name, its place in the list or a word only its name has; the
`/claims` list by a request's place in it.  Text that names no single shop says what
the question takes and asks again, with the buttons."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus
from handlers.types import SendPhotos
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop_seller
from tests.harness import Harness, Person
from tests.unit.test_seller_claims import bought, file_claim, load_claim, make_seller

SELLER = 3001  # harness.seller()'s user id
NOT_UNDERSTOOD = (
    "I couldn't tell which shop you mean. Tap one below, or type its name or its number"
    " in the list."
)


async def seller_of_two(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> Person:
    """Sam sells for "Acme Store" and "Acme Store on TikTok": one name inside the other."""
    await make_shop_seller(uow_factory, clock, SELLER, "acme")
    await make_shop_seller(uow_factory, clock, SELLER, "acmetok")
    async with uow_factory() as uow:
        shop = await uow.shops.get_by_code("acmetok")
        assert shop is not None
        shop.name = "Acme Store on TikTok"
        await uow.commit()
    return harness.seller()


def charted(person: Person) -> bool:
    return any(isinstance(a, SendPhotos) for a in person.last)


async def test_stats_take_the_shops_whole_name_its_number_or_its_own_word(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    sam = await seller_of_two(harness, uow_factory, clock)
    await sam.say("/stats")
    assert sam.said == "Which shop's figures would you like to see?"
    await sam.say("Acme Store")  # the whole name: not also "Acme Store on TikTok"
    assert charted(sam) and "Acme Store · last 7 days" in sam.said

    await sam.say("/stats 30")
    await sam.say("the tiktok one")
    assert charted(sam) and "Acme Store on TikTok · last 30 days" in sam.said

    await sam.say("/stats")
    await sam.say("acmetok")  # its code, as `shop show` names it
    assert "Acme Store on TikTok · last 7 days" in sam.said
    # The question is over: what is typed next is not read as a shop.
    await sam.say("1")
    assert not charted(sam) and "Acme Store ·" not in sam.said


async def test_a_period_typed_at_which_shop_is_kept_for_the_figures(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "last month?" at "Which shop's figures?" got "I couldn't tell
    which shop you mean".  The period is said back, the shop asked again (its buttons
    for that period), and the figures cover it; a shop named with it is shown at once."""
    sam = await seller_of_two(harness, uow_factory, clock)
    await sam.say("/stats")
    await sam.say("last month?")
    assert sam.texts == ["The last 30 days, then.", "Which shop's figures would you like to see?"]
    assert all(b.data.endswith(":30") for b in sam.buttons()), sam.buttons()
    await sam.say("the tiktok one")
    assert charted(sam) and "Acme Store on TikTok · last 30 days" in sam.said
    await sam.say("/stats 30")
    await sam.say("the tiktok one, this week")
    assert charted(sam) and "Acme Store on TikTok · last 7 days" in sam.said


async def test_text_naming_no_single_shop_asks_again_and_cancel_leaves(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    sam = await seller_of_two(harness, uow_factory, clock)
    await sam.say("/insights")
    assert sam.said == "Which shop's insight would you like to see?"
    await sam.say("the store")  # in both names
    assert not charted(sam)
    assert sam.texts == [NOT_UNDERSTOOD, "Which shop's insight would you like to see?"]
    assert sorted(b.text for b in sam.buttons()) == ["Acme Store", "Acme Store on TikTok"]
    await sam.say("second")
    assert charted(sam) and "Acme Store on TikTok · insight, last 30 days" in sam.said

    await sam.say("/insights 7")
    await sam.say("cancel")
    assert not charted(sam) and "Which shop" not in sam.said
    await sam.say("2")
    assert not charted(sam)


async def test_a_tapped_shop_ends_the_question_too(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    sam = await seller_of_two(harness, uow_factory, clock)
    await sam.say("/insights")
    await sam.press(sam.button("Acme Store on TikTok"))
    assert charted(sam)
    await sam.say("1")
    assert not charted(sam) and "· insight" not in sam.said


async def test_the_return_address_question_takes_a_typed_shop(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    sam = await seller_of_two(harness, uow_factory, clock)
    await sam.say("/returnaddress")
    assert sam.said == "Which shop's return address do you want to set?"
    await sam.say("Acme Store on TikTok")
    assert "Return address of Acme Store on TikTok" in sam.said
    await sam.say("Acme Returns\n12 Harbour Road\nBristol BS1 4DJ")
    assert "Save this as the return address of Acme Store on TikTok?" in sam.said


async def test_a_place_in_the_claims_list_typed_opens_that_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """After /claims, "1" or "the second one" opens that request's card, as its button
    in the list does; a place the list does not have opens nothing (under an open card,
    it is told what that card takes)."""
    await make_seller(uow_factory, clock, SELLER)
    first = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    clock.advance(timedelta(hours=1))
    second = await file_claim(
        harness.services.returns,
        await bought(uow_factory, clock, number="578000000000000002", buyer_ext=2002),
    )
    sam = harness.seller()
    await sam.say("/claims")
    listed = [b.text.split(" · ")[0] for b in sam.buttons()]
    assert sorted(listed) == sorted([first.number, second.number])
    await sam.say("the second one")
    assert f"Return request {listed[1]}" in sam.last_text
    assert "✅ Approve" in [b.text for b in sam.buttons()]
    await sam.say("1")
    assert f"Return request {listed[0]}" in sam.last_text
    await sam.say("3")  # no third request: no card opens, the open one's hint comes
    assert sam.said.startswith(f"Tap a button on the card of {listed[0]} above"), sam.said
    assert "Order:" not in sam.said  # no card sent again
    for claim in (first, second):  # opening decides nothing
        status = (await load_claim(uow_factory, claim.id)).status
        assert ClaimStatus(status) == ClaimStatus.REQUESTED


async def test_another_request_at_which_shop_leaves_the_question_and_is_answered(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "refund order 5761…" at "Which shop's figures?" was asked
    whether to go to that order, and the "5" typed next was read as a fifth shop."""
    sam = await seller_of_two(harness, uow_factory, clock)
    await bought(uow_factory, clock, number="578000000000000031")
    await sam.say("/stats")
    await sam.say("refund order 578000000000000031")
    assert "How much should I refund on order 578000000000000031" in sam.said, sam.said
    await sam.say("5")
    assert "Why refund 5 on order 578000000000000031?" in sam.said
    await sam.say("/stats")
    await sam.say("blah")  # anything else: the question again, with what it takes
    assert NOT_UNDERSTOOD in sam.said
