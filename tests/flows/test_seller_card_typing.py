"""A seller types a decision right under a claim's card ("approve", "reject",
"refund 12.50", "ask for info"): it is that card's button, with the same steps and the
same confirmation before any money moves.  Before, the seller who had just opened the
card was told to "send /claims and open it"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus, ClaimType
from handlers.types import SendPhotos
from storage.models import ClaimEvent, Ticket
from storage.uow import UnitOfWorkFactory
from tests.flows.test_seller_typing import a_sellers_claim
from tests.harness import Harness, Person
from tests.unit.test_seller_claims import bought, file_claim, load_claim, make_seller, refunds

SELLER_EXT = 3001  # harness.seller()'s user id


async def two_claims(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Any:
    """Two open requests of the seller's shop (so "approve" alone names neither), and
    the seller with the first one's card open, picked from /claims by typing "1"."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    first = await file_claim(
        harness.services.returns, await bought(uow_factory, clock, number="578000000000000001")
    )
    await file_claim(
        harness.services.returns,
        await bought(uow_factory, clock, number="578000000000000002", buyer_ext=1002),
    )
    s = harness.seller()
    await s.say("/claims")
    assert "Open return requests (2)" in s.last_text
    await s.say("1")
    assert f"Return request {first.number}" in s.last_text  # same deadline: filed first
    assert "✅ Approve" in [b.text for b in s.buttons()]
    return first


async def status(uow_factory: UnitOfWorkFactory, claim_id: int) -> ClaimStatus:
    return ClaimStatus((await load_claim(uow_factory, claim_id)).status)


async def asked(uow_factory: UnitOfWorkFactory, claim_id: int) -> str | None:
    """The question the buyer was asked about the claim, if any."""
    async with uow_factory(readonly=True) as uow:
        return await uow.session.scalar(
            select(ClaimEvent.note).where(
                ClaimEvent.claim_id == claim_id, ClaimEvent.to_status == "NEEDS_INFO"
            )
        )


async def test_approve_typed_under_the_card_asks_to_confirm_then_pays(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s: Person = harness.seller()
    await s.say("approve it")
    assert "send /claims" not in s.said
    assert f"Approve {claim.number} and refund" in s.last_text
    assert "Nothing is paid until you confirm" in s.last_text
    assert await refunds(uow_factory) == []  # nothing paid before the confirmation
    await s.say("yes")
    assert f"Approved. $12.50 refunded to the buyer for {claim.number}" in s.last_text
    assert [r.amount for r in await refunds(uow_factory)] == [claim.amount]
    assert await status(uow_factory, claim.id) == ClaimStatus.REFUNDED


async def test_reject_typed_under_the_card_asks_the_reason_then_the_note(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("reject")
    assert f"Why are you rejecting {claim.number}?" in s.last_text
    await s.say("nah it's clearly used")
    assert "Item used or damaged by the buyer" in s.said
    await s.say("because the photos show no damage")
    assert f"Rejected {claim.number}" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REJECTED


async def test_reject_with_its_reason_in_one_message_asks_only_the_note(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("reject, photo looks fake")
    assert "Reason: Photos don't show the problem" in s.said, s.said
    assert "short note for the buyer" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED  # not yet
    await s.say("the crack in the photo is a reflection, the mug is fine")
    assert f"Rejected {claim.number}" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REJECTED


async def test_a_decision_word_not_said_first_decides_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("don't reject it, the photo looks fake though")
    assert "Why are you rejecting" not in s.said and "Reason:" not in s.said
    assert await s.step() is None
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED


async def test_reject_with_a_reason_and_one_request_open_shows_its_card(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Not under a card: the one open request's card, then the rejection with its
    reason taken (the note still asked); nothing is decided yet."""
    claim = await a_sellers_claim(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("reject it, the photo looks fake")
    assert f"Return request {claim.number}" in s.said, s.said
    assert "Photos don't show the problem" in s.said, s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED


async def test_refund_with_an_amount_under_the_card_is_a_partial_refund_to_confirm(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("refund $5,50")
    assert f"Why refund $5.50 instead of the $12.50 asked for {claim.number}" in s.last_text
    await s.say("one cup is fine, only the other is chipped")
    assert f"Refund $5.50 for {claim.number}" in s.last_text
    assert await refunds(uow_factory) == []
    await s.say("yes")
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.50")]


async def test_a_sum_offered_in_the_sellers_words_is_a_partial_refund_to_confirm(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "can you offer them 5 bucks instead" under the card got the
    card's hint ("Tap a button…"), and the seller had to learn "refund 5"."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("can you offer them 5 bucks instead")
    assert f"Why refund $5.00 instead of the $12.50 asked for {claim.number}" in s.last_text
    await s.say("only a small chip on the rim")
    await s.say("yes")
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00")]


async def test_ask_for_info_typed_under_the_card_asks_the_question(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("ask for more info")
    assert f"What would you like to ask the buyer about {claim.number}?" in s.last_text
    await s.say("can you send a photo of the box please")
    assert f"Your question about {claim.number} is with the buyer" in s.last_text


async def test_asking_the_buyer_in_the_sellers_own_words_starts_the_question(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "can you ask them for a clearer photo" got "Tap a button on the card…"."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("can you ask them for a clearer photo")
    assert f"What would you like to ask the buyer about {claim.number}?" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED  # nothing sent yet
    await s.say("please send a photo of the chip in daylight")
    assert f"Your question about {claim.number} is with the buyer" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.NEEDS_INFO


@pytest.mark.parametrize("how", ["tap", "yes"])
async def test_a_question_written_to_the_buyer_under_the_card_is_offered_as_it_is(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, how: str
) -> None:
    """ "can you send me a photo of the label" was read as "ask for info" and the
    seller asked what to ask: the same words typed twice.  Now one tap (or "yes")
    sends them, and nothing is sent before."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("can you send me a photo of the label")
    assert f"Send this to the buyer as your question about {claim.number}?" in s.last_text
    assert "can you send me a photo of the label" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED
    if how == "tap":
        await s.tap("✅ Send it")
    else:
        await s.say("yes")
    assert f"Your question about {claim.number} is with the buyer" in s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.NEEDS_INFO
    assert await asked(uow_factory, claim.id) == "can you send me a photo of the label"


async def test_other_words_after_the_offer_are_the_question_and_no_asks_again(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("do you still have the original box?")
    assert "Send this to the buyer as your question" in s.last_text
    await s.say("no")
    assert f"What would you like to ask the buyer about {claim.number}?" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED
    await s.say("Do you still have the box it came in, and the packing slip?")
    assert f"Your question about {claim.number} is with the buyer" in s.last_text
    assert await asked(uow_factory, claim.id) == (
        "Do you still have the box it came in, and the packing slip?"
    )


async def test_words_about_the_buyer_typed_after_the_offer_never_reach_them(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: with "when was it delivered" offered, the seller's next
    message, "has this buyer returned stuff before" (asked of the bot), reached the
    buyer as the seller's question."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("do you still have the original box?")
    assert "Send this to the buyer as your question" in s.last_text
    await s.say("has this buyer returned stuff before")
    assert f"Nothing was sent to the buyer about {claim.number}." in s.said
    assert f"Tap a button on the card of {claim.number}" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED
    assert await asked(uow_factory, claim.id) is None
    await s.say("approve")  # still under the card
    assert f"Approve {claim.number} and refund" in s.last_text


async def test_another_question_to_the_buyer_after_the_offer_is_offered_in_its_place(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """It was sent at once; nothing goes to the buyer without a tap or a "yes"."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("do you still have the original box?")
    await s.say("could you send a photo of the box too?")
    assert "Send this to the buyer as your question" in s.last_text
    assert "could you send a photo of the box too?" in s.last_text
    assert await asked(uow_factory, claim.id) is None
    await s.say("yes")
    assert await asked(uow_factory, claim.id) == "could you send a photo of the box too?"


async def test_ask_them_typed_after_the_offer_asks_what_to_ask(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "ask them if the box is dented too" is said to the bot: the words to send are
    asked for, not these sent."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("do you still have the original box?")
    await s.say("ask them if the box is dented too")
    assert "Nothing was sent to the buyer" in s.said
    assert f"What would you like to ask the buyer about {claim.number}?" in s.last_text
    assert await asked(uow_factory, claim.id) is None


@pytest.mark.parametrize(
    "typed",
    ["show me the photos", "can I see the pics", "photos?", "hmm can you show me the photos"],
)
async def test_the_photos_asked_for_under_the_card_are_sent(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "show me the photos" under the card got "Tap a button…"."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert f"The buyer sent no photos with {claim.number}." in s.last_text
    assert "Send this to the buyer" not in s.said


@pytest.mark.parametrize(
    "typed",
    ["when was it delivered", "has this buyer returned stuff before", "¿ha devuelto antes?"],
)
async def test_what_the_card_knows_asked_under_it_is_answered_not_offered_to_the_buyer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "when was it delivered" was offered to the buyer as the
    seller's question, and "has this buyer returned stuff before" had no answer.  The
    card now says when the order was delivered and the buyer's record in the shop, and
    asked under it, the bot answers with those lines."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("/claims")
    await s.say("1")
    assert "Delivered: " in s.last_text, s.last_text
    assert "First request from this buyer in your shop" in s.last_text
    await s.say(typed)
    assert "Send this to the buyer" not in s.said and "Envío esto" not in s.said, s.said
    assert claim.number in s.last_text
    assert "Delivered: " in s.last_text or "Entregado: " in s.last_text
    assert await asked(uow_factory, claim.id) is None


async def test_the_card_counts_the_buyers_other_requests_in_the_shop(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Two earlier requests of the same buyer, one refunded: the third's card says so.
    Another buyer's request in the shop does not count."""
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    first = await file_claim(
        harness.services.returns, await bought(uow_factory, clock, number="578000000000000001")
    )
    await harness.services.seller_claims.approve(seller, first.id)  # refund only: refunded
    await file_claim(
        harness.services.returns, await bought(uow_factory, clock, number="578000000000000002")
    )
    await file_claim(
        harness.services.returns,
        await bought(uow_factory, clock, number="578000000000000004", buyer_ext=1002),
    )
    third = await file_claim(
        harness.services.returns, await bought(uow_factory, clock, number="578000000000000003")
    )
    s = harness.seller()
    await s.say(f"/claims {third.number}")
    if f"Return request {third.number}" not in s.last_text:
        await s.say("/claims")
        await s.tap(third.number)
    assert f"Return request {third.number}" in s.last_text, s.said
    assert "This buyer has made 2 other requests in your shop (1 refunded)" in s.last_text


@pytest.mark.parametrize(("typed", "amount"), [("give them half", "$6.25"), ("40%", "$5.00")])
async def test_a_share_of_the_request_typed_under_the_card_is_that_sum(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, amount: str
) -> None:
    """Found in the demo: "give them half" was a partial refund whose amount was asked
    for, as if not said: half of the $12.50 asked is $6.25, confirmed before it is paid."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert f"Why refund {amount} instead of the $12.50 asked for {claim.number}?" in s.last_text
    assert await refunds(uow_factory) == []


async def test_the_photos_asked_for_under_the_card_of_a_claim_with_photos(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_seller(uow_factory, clock, SELLER_EXT)
    await file_claim(
        harness.services.returns, await bought(uow_factory, clock, number=ORDER), photos=2
    )
    s = harness.seller()
    await s.say("/claims")
    await s.say("1")
    await s.say("let me see the photos")
    sent = [a for a in s.last if isinstance(a, SendPhotos)]
    assert len(sent) == 1 and len(sent[0].photos) == 2
    await s.say("approve")  # the card is still the one being looked at
    assert "and refund" in s.last_text and "Nothing is paid until you confirm" in s.last_text


@pytest.mark.parametrize(
    "typed", ["is the stain on both sides?", "does it still have the tags on?"]
)
async def test_a_plain_question_under_the_card_is_offered_to_the_buyer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "is the stain on both sides?" under the card got "Tap a
    button on the card…"; a question about the item is for the buyer."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert f"Send this to the buyer as your question about {claim.number}?" in s.last_text
    await s.tap("✅ Send it")
    assert await asked(uow_factory, claim.id) == typed


async def test_a_question_to_the_bot_under_the_card_is_not_offered_to_the_buyer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("what happens if I reject it?")
    assert "Send this to the buyer" not in s.said


async def test_a_decision_typed_at_the_question_step_is_that_decision_not_a_question(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "reject it" at "What would you like to ask the buyer?" reached the buyer as
    the seller's question; it is the Reject button's step."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("ask for more info")
    await s.say("reject it")
    assert "Your question" not in s.said
    assert "Why are you rejecting" in s.said or "reason" in s.last_text.lower(), s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED
    assert await asked(uow_factory, claim.id) is None


async def test_a_decision_typed_while_the_buyer_is_asked_says_it_waits_for_them(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "approve it" then said "decide it with the buttons on its card", whose
    buttons were gone until the buyer answers."""
    claim = await a_sellers_claim(harness, uow_factory, clock)
    s = harness.seller()
    for typed in ("/claims", "1", "ask for info", "a photo of the box?"):
        await s.say(typed)
    assert await status(uow_factory, claim.id) == ClaimStatus.NEEDS_INFO
    await s.say("ok")  # small talk, not the whole help
    assert s.said.startswith("👍") and "As a seller" not in s.said, s.said
    await s.say("approve it")
    assert f"{claim.number}, waits for the buyer's answer to your question" in s.said, s.said
    assert "decide it with the buttons" not in s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.NEEDS_INFO


async def test_a_decision_typed_under_the_card_of_a_request_asked_about_waits_too(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: the card opened again while the question waited, "reject"
    said "Already decided: … is now 'You asked the buyer a question'"."""
    claim = await a_sellers_claim(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("/claims")
    await s.tap(claim.number)
    await s.say("ask them if the box was damaged too")
    await s.say("was the outer box damaged as well?")
    await s.say("/claims")
    await s.tap(claim.number)  # the card opened again, by its button in the list
    assert f"Return request {claim.number}" in s.last_text
    for typed in ("reject", "approve it"):
        await s.say(typed)
        assert "waits for the buyer's answer to your question" in s.said, s.said
        assert "Already decided" not in s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.NEEDS_INFO


async def test_refund_alone_under_the_card_says_what_the_card_takes(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Whole or part is not guessed: money is not moved on "refund" alone."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("refund")
    assert f"Tap a button on the card of {claim.number} above" in s.last_text
    assert "send /claims" not in s.said
    assert await s.step() is None
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count(Ticket.id))) == 0


async def test_anything_else_under_the_card_says_what_the_card_takes(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Sam's "nah it's clearly used" or "👍" right under the card got "I can't do
    anything with that here ... /claims: open one to approve it": the card was open."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    for typed in ("nah it's clearly used", "👍"):
        await s.say(typed)
        assert f"Tap a button on the card of {claim.number} above" in s.last_text
        assert "I can't do anything with that here" not in s.said
        await s.say("/claims")
        await s.say("1")
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED


async def test_after_the_cards_hint_the_decision_typed_is_still_about_that_card(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """The hint under the card says "type what it does: reject": typing it then acts
    on that card (before, the hint used the card up and "reject" named no claim)."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("nah it's clearly used")
    assert f"Tap a button on the card of {claim.number} above" in s.last_text
    await s.say("reject")
    assert f"Why are you rejecting {claim.number}?" in s.last_text


async def test_after_the_list_a_decision_names_no_claim(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """After /claims (a list of several), "approve" names no claim."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("/claims")
    await s.say("approve")
    assert "send /claims" in s.last_text
    assert await s.step() is None
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED


async def test_help_for_a_seller_is_what_a_seller_can_do_and_keeps_the_step(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Sam's /help, even in the middle of asking the buyer a question, listed the
    buyer's commands (/orders, /return, "To add an order, just send its number")."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("/help")
    assert "As a seller you can:" in s.last_text and "/claims" in s.last_text
    assert "/orders" not in s.said and "To add an order" not in s.said
    await s.press(f"qi:{claim.id}")
    await s.say("/help")
    assert "As a seller you can:" in s.texts[0]
    assert f"What would you like to ask the buyer about {claim.number}?" in s.last_text
    assert await s.step() == "seller.question"
    await s.say("/cancel")
    await s.say("help")  # typed outside a flow, too: no "I can't do anything with that"
    assert s.last_text.startswith("As a seller you can:")


async def test_help_for_a_buyer_is_still_the_buyers(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await bought(uow_factory, clock, number="578000000000000001")
    buyer = harness.buyer(1001)
    await buyer.say("/help")
    assert "/orders" in buyer.said and "As a seller" not in buyer.said


async def test_claims_mid_step_ends_it_so_a_typed_pick_opens_that_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Sam sent /claims while the reject reason was asked, then typed "2" from the
    list: "I didn't catch the reason" about the first request.  Now /claims says the
    rejection was stopped, and "2" opens the second request."""
    first = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.press(f"qr:{first.id}")
    assert await s.step() == "seller.reject_reason"
    await s.say("/claims")
    assert "I stopped what you were in the middle of" in s.texts[0]
    assert "Open return requests (2)" in s.last_text
    assert await s.step() is None
    await s.say("2")
    assert "Return request R" in s.last_text and first.number not in s.last_text
    assert "didn't catch the reason" not in s.said
    assert await status(uow_factory, first.id) == ClaimStatus.REQUESTED


async def test_claims_from_a_buyer_mid_return_keeps_the_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Only a seller's /claims ends the step: a buyer is told it is for sellers."""
    await bought(uow_factory, clock, number="578000000000000001")
    buyer = harness.buyer(1005)  # not yet linked: asked for the email on the order
    await buyer.say("578000000000000001")
    step = await buyer.step()
    assert step is not None
    await buyer.say("/claims")
    assert "sellers only" in buyer.last_text
    assert await buyer.step() == step


async def test_start_for_a_seller_says_what_a_seller_can_do(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Sam's /start said "To begin, send me your order number" with My orders / Add an
    order buttons, as to a buyer; a seller who also bought here still gets that."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    s = harness.seller()
    await s.say("/start")
    assert s.last_text.startswith("Hi Sam! As a seller you can:")
    assert "/claims" in s.last_text and "order number" not in s.said
    assert s.buttons() == []
    await bought(uow_factory, clock, number="578000000000000001", buyer_ext=SELLER_EXT)
    await s.say("/start")
    assert "As a seller" not in s.said and "📦 My orders" in [b.text for b in s.buttons()]


async def test_a_spanish_seller_types_the_decision_under_the_card(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_seller(uow_factory, clock, SELLER_EXT)
    claim = await file_claim(
        harness.services.returns, await bought(uow_factory, clock, number="578000000000000001")
    )
    s = harness.seller(locale="es")
    await s.say("/claims")
    await s.say("1")
    await s.say("rechazar")
    assert f"¿Por qué rechazas {claim.number}?" in s.last_text
    assert await s.step() == "seller.reject_reason"
    await s.say("/claims")
    await s.say("1")
    await s.say("reembolso")  # whole or part: not guessed
    assert f"Toca un botón de la ficha de {claim.number}" in s.last_text


@pytest.mark.parametrize(
    ("typed", "step"),
    [
        ("nope. denied", "Why are you rejecting {claim}?"),
        ("need a clearer pic, the 2nd one is all blurry", "What would you like to ask the buyer"),
        ("lets do half back, the box was fine", "Why refund $6.25 instead of the $12.50"),
        ("partial refund, the box was fine", "How much do you want to refund for {claim}?"),
        ("ok fine give em their money back", "Approve {claim} and refund"),
    ],
)
async def test_a_decision_in_the_sellers_own_words_takes_that_buttons_step(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, step: str
) -> None:
    """Other writers' sellers typed these under a card and were told to tap a button."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert step.format(claim=claim.number) in s.last_text, s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED  # nothing yet
    assert await refunds(uow_factory) == []


async def test_a_spanish_approval_and_si_pay_after_the_confirmation(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "si" at the money question was asked again ("type yes to confirm")."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("va, apruébalo")
    assert "Nothing is paid until you confirm" in s.last_text
    assert await refunds(uow_factory) == []
    await s.say("si")
    assert f"Approved. $12.50 refunded to the buyer for {claim.number}" in s.last_text


# ------------------------------------------- a replacement's parcel, typed without a tap

UPS = "1Z999AA10123456784"


async def a_replacement(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, *, approve: bool = True
) -> Any:
    seller_id = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock, number="578000000000000001")
    claim = await file_claim(harness.services.returns, b, type=ClaimType.REPLACEMENT)
    if approve:
        await harness.services.seller_claims.approve(seller_id, claim.id)
    return claim


@pytest.mark.parametrize(
    "typed", [f"sent it today with ups {UPS}", f"UPS {UPS}", f"replacement shipped, UPS {UPS}"]
)
async def test_a_replacement_tracking_typed_without_the_button_is_recorded(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: the approval says "tap Mark replaced once you've shipped";
    typed instead, the parcel got "I can't do anything with that here"."""
    claim = await a_replacement(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert f"Marked replaced: UPS {UPS}" in s.last_text, s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.REPLACED


async def test_a_wrong_replacement_tracking_typed_waits_at_its_step(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await a_replacement(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("sent with ups 1Z999AA10123456785")  # one digit off
    assert "isn't a valid UPS tracking number" in s.said, s.said
    assert await s.step() == "seller.replacement"
    await s.say(UPS)
    assert f"Marked replaced: UPS {UPS}" in s.last_text
    assert await status(uow_factory, claim.id) == ClaimStatus.REPLACED


async def test_a_tracking_number_with_no_replacement_approved_marks_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await a_replacement(harness, uow_factory, clock, approve=False)
    s = harness.seller()
    await s.say(f"ups {UPS}")
    assert "Marked replaced" not in s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED


# ------------------------------------------------- a seller's commands in words

ORDER = "578000000000000009"


async def test_a_refund_typed_with_its_order_and_sum_is_the_refund_command(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "refund 5 dollars on order 5761…, it arrived late" was told
    to type /refund ORDER AMOUNT REASON, every part of which it had said."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    await bought(uow_factory, clock, number=ORDER)
    s = harness.seller()
    await s.say(f"refund 5 dollars on order {ORDER}, it arrived late")
    assert f"Refund $5.00 on order {ORDER}" in s.last_text
    assert "(“it arrived late”)" in s.last_text
    assert await refunds(uow_factory) == []  # nothing paid before the confirmation
    await s.say("yes")
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00")]


async def test_a_refund_named_with_its_order_only_asks_for_the_sum_then_the_reason(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "refund order 5761…" got "To approve, reject or refund a
    return request, send /claims…"; then "5" and "late delivery", typed one by one as
    asked, got "I can't do anything with that here" each."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    await bought(uow_factory, clock, number=ORDER)
    s = harness.seller()
    await s.say(f"refund order {ORDER}")
    assert f"How much should I refund on order {ORDER}, and why?" in s.last_text
    await s.say("5")
    assert f"Why refund 5 on order {ORDER}?" in s.last_text
    await s.say("late delivery")
    assert f"Refund $5.00 on order {ORDER}" in s.last_text
    assert "(“late delivery”)" in s.last_text
    assert await refunds(uow_factory) == []  # nothing paid before the confirmation
    await s.say("yes")
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00")]


async def test_a_refund_named_with_its_order_and_a_bare_sum_is_asked_to_confirm(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """The words after the order are /refund's: "refund 5761… 5 late"."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    await bought(uow_factory, clock, number=ORDER)
    s = harness.seller()
    await s.say(f"refund {ORDER} 5 late")
    assert f"Refund $5.00 on order {ORDER}" in s.last_text
    assert "(“late”)" in s.last_text
    assert await refunds(uow_factory) == []


async def test_a_refund_named_for_another_shops_order_is_refused_at_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_seller(uow_factory, clock, SELLER_EXT)
    s = harness.seller()
    await s.say("refund order 578000000000000077")
    assert "I can't find order 578000000000000077 among your shops' orders." in s.last_text
    await s.say("5")  # no refund step was started for it
    assert "Why refund" not in s.last_text
    assert await refunds(uow_factory) == []


async def test_not_understood_twice_in_a_row_gets_one_line_the_second_time(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: six messages the bot could not use got the same eight lines
    of what a seller can do six times."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    s = harness.seller()
    await s.say("what did the buyer say exactly")
    assert "As a seller you can" in s.last_text
    await s.say("the item is fine in the photos")
    assert "I can't do anything with that here. /help says what I can do" in s.last_text
    assert "As a seller you can" not in s.last_text
    clock.advance(timedelta(minutes=11))
    await s.say("the item is fine in the photos")
    assert "As a seller you can" in s.last_text


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("how much did I sell yesterday", "Acme Store · last 7 days"),
        ("how's business this month", "Acme Store · last 30 days"),
        ("how many orders did we get this week", "Acme Store · last 7 days"),
        ("how are my sales this month", "Acme Store · last 30 days"),
        ("show me my stats", "Acme Store · last 7 days"),
        ("how many refunds did i give this week", "Acme Store · last 7 days"),
        ("what's my return rate", "Acme Store · last 7 days"),
        ("why do people return stuff", "Acme Store · insight, last 30 days"),
        ("what's my return address", "Return address of Acme Store"),
    ],
)
async def test_a_sellers_command_asked_in_words_is_that_command(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, says: str
) -> None:
    """Found in the demo: "how are my sales this month" and "what's my return address"
    got "I can't do anything with that here"."""
    await make_seller(uow_factory, clock, SELLER_EXT)
    s = harness.seller()
    await s.say(typed)
    assert says in s.said, s.said
    assert "I can't do anything with that here" not in s.said


@pytest.mark.parametrize(
    "typed", ["what did the buyer say exactly", "whats their reason", "¿qué dijo el comprador?"]
)
async def test_what_the_buyer_wrote_asked_under_the_card_is_answered(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "what did the buyer say exactly" under the card got "Tap a
    button on the card"; the bot has the buyer's words (the card may shorten them)."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert claim.number in s.last_text
    assert "Not what I hoped" in s.last_text, s.said
    assert "Tap a button" not in s.said and "Send this to the buyer" not in s.said
    assert await asked(uow_factory, claim.id) is None
    await s.say("approve")  # still under the card
    assert claim.number in s.last_text and "$12.50" in s.last_text, s.last_text


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("how many days do i have to answer", "to respond (by"),
        ("hmm let me think about it", "take your time"),
        ("what would you do", "That's your call"),
        ("is this buyer legit", "First request from this buyer"),
        ("should i approve it?", "Ask for info"),
    ],
)
async def test_the_deadline_time_to_think_and_advice_asked_under_the_card(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, says: str
) -> None:
    """Found in the demo: "how many days do i have to answer" and "hmm let me think
    about it" got "tap a button", and "what would you do" was offered to the buyer as
    the seller's question.  The bot answers: how long the request waits (then it is
    approved), and for advice what is known, with the decision left to the seller."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert claim.number in s.said and says in s.said, s.said
    assert "Tap a button" not in s.said and "Send this to the buyer" not in s.said
    assert await asked(uow_factory, claim.id) is None
    assert await status(uow_factory, claim.id) is ClaimStatus.REQUESTED
    await s.say("approve")  # still under the card
    assert claim.number in s.last_text and "$12.50" in s.last_text, s.last_text


async def test_the_buyers_answer_to_a_question_is_among_their_words(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b)
    await harness.services.seller_claims.ask_info(seller, claim.id, "Which colour?")
    await harness.services.returns.answer_info(b.buyer, claim.id, "Blue, as the listing said", [])
    s = harness.seller()
    await s.say("/claims")
    await s.say("1")
    assert f"Return request {claim.number}" in s.last_text
    await s.say("what did they say")
    assert "Blue, as the listing said" in s.last_text and "Not what I hoped" in s.last_text


@pytest.mark.parametrize(
    "typed",
    [
        "how much did they pay",
        "what was the order total",
        "wait no, how much is it",  # found in the demo: "Tap a button on the card"
        "how much are they asking for",
        "how much would a full refund be",  # found in the demo: the approval's question
        "how much would i refund if i approve",
    ],
)
async def test_what_was_paid_asked_under_the_card_is_answered(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert claim.number in s.last_text
    assert "×" in s.last_text and "$" in s.last_text, s.last_text  # items with prices
    assert "Tap a button" not in s.said


async def test_another_decision_typed_at_the_approvals_question_replaces_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: under "Approve … and refund $…?", "ok give them half" got
    "Please confirm or cancel this refund first".  It is that decision: the partial
    refund's own question (its reason), nothing paid; and the approval's old Confirm
    pays nothing after it."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("approve it")
    assert f"Approve {claim.number} and refund" in s.last_text
    old_confirm = s.button("Confirm")
    await s.say("ok give them half")
    assert "Why refund" in s.last_text and "confirm or cancel" not in s.said, s.said
    await s.press(old_confirm)
    assert await refunds(uow_factory) == [] and await status(uow_factory, claim.id) == "REQUESTED"
    await s.say("no actually reject it")  # at the reason: the rejection by its verb
    assert f"Why are you rejecting {claim.number}" in s.last_text, s.said
    assert await refunds(uow_factory) == []


async def test_the_same_decision_at_its_question_is_no_change(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("approve it")
    await s.say("approve it")  # again: the question again, not a second one
    assert f"Approve {claim.number} and refund" in s.last_text
    await s.say("yes")
    assert [r.amount for r in await refunds(uow_factory)] == [claim.amount]


@pytest.mark.parametrize("typed", ["wait no, full refund", "no, full refund", "nope, approve it"])
async def test_a_change_of_mind_at_the_partial_reason_is_that_decision(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "wait no, full refund" typed where the reason for a partial
    refund is asked was kept as that reason, and a refund of half offered to confirm
    ("no, full refund" was even read as a reject under a card).  It is the approval,
    still confirmed before money moves."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("refund $5,50")
    assert "Why refund $5.50" in s.last_text
    await s.say(typed)
    assert f"Approve {claim.number} and refund" in s.last_text, s.said
    assert "$5.50" not in s.said and await refunds(uow_factory) == []
    await s.say("yes")
    assert [r.amount for r in await refunds(uow_factory)] == [claim.amount]


@pytest.mark.parametrize(
    ("typed", "shows"),
    [
        ("what does the photo show", "The buyer sent no photos with"),
        ("is this the first time this buyer returns something", "First request from this buyer"),
        ("any previous returns from them", "First request from this buyer"),
    ],
)
async def test_a_question_about_the_request_just_told_of_is_answered(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, shows: str
) -> None:
    """Found in the demo: under a new request's message, with no card opened, "what
    does the photo show" and "is this the first time this buyer returns something" got
    "I can't do anything with that here".  They are about that request, the newest
    open one: its photos, its facts."""
    claim = await a_sellers_claim(harness, uow_factory, clock)
    s = harness.seller()
    await s.say(typed)
    assert shows in s.said and claim.number in s.said, s.said
    assert "can't do anything" not in s.said
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED


async def test_whats_left_shows_what_waits(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await a_sellers_claim(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("what's left to do")
    assert "Open return requests (1)" in s.said and "can't do anything" not in s.said, s.said
    assert any(claim.number in b.text for b in s.buttons())


async def test_a_no_at_the_partial_reason_is_the_reason(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "no refund for shipping" reads as a rejection under a card; typed where the
    reason for part of the money is asked, it is that reason."""
    claim = await two_claims(harness, uow_factory, clock)
    s = harness.seller()
    await s.say("refund $5,50")
    await s.say("no refund for shipping")
    assert f"Refund $5.50 for {claim.number}" in s.last_text, s.said
    assert "Reason the buyer reads: no refund for shipping" in s.last_text
