"""Typing at the buyer's steps after a return request is filed: answering the seller's
question (`claim.answer`) and sending the return parcel's tracking (`claim.tracking`).

Each step gets a valid typed answer, text it cannot use and an escape; nothing typed
inside these steps may reach the answer engine or the staff chat.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus, ClaimType
from bot.emulator import sample_jpeg
from storage.uow import UnitOfWorkFactory
from tests.harness import Harness, Person
from tests.unit.test_seller_claims import (
    SELLER_EXT,
    bought,
    file_claim,
    load_claim,
    make_seller,
)

UPS_OK = "1Z999AA10123456784"
FEDEX_OK = "618599876287"  # 12-digit FedEx Express, check digit included
USPS_OK = "9505570683934271799432"


@pytest.fixture(autouse=True)
def no_answer_engine(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Text typed at these steps must never be answered from the policies."""

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the answer engine was asked {args!r}")

    monkeypatch.setattr(harness.services.answers, "answer", refuse)


def nothing_to_staff(harness: Harness) -> None:
    assert harness.desk.copies == [] and harness.desk.sent == [] and harness.desk.topics == {}


async def returning(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> tuple[Person, int]:
    """A buyer whose return was approved: the claim waits for the return parcel, and the
    buyer has tapped "Enter return tracking" (the carrier question is showing)."""
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    await harness.services.seller_claims.approve(seller, claim.id)
    buyer = harness.buyer()
    await buyer.press(f"cs:{claim.id}")
    assert "Which carrier" in buyer.last_text
    assert await buyer.step() == "claim.tracking"
    return buyer, claim.id


async def asked(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> tuple[Person, int]:
    """A buyer whose seller asked a question, at the answer step."""
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b)
    await harness.services.seller_claims.ask_info(seller, claim.id, "Which colour is it?")
    buyer = harness.buyer()
    await buyer.press(f"ca:{claim.id}")
    assert "Type your answer" in buyer.last_text
    assert await buyer.step() == "claim.answer"
    return buyer, claim.id


async def status(uow_factory: UnitOfWorkFactory, claim_id: int) -> ClaimStatus:
    return ClaimStatus((await load_claim(uow_factory, claim_id)).status)


# ------------------------------------------------------------------ tracking


@pytest.mark.parametrize(
    ("typed", "carrier", "number"),
    [
        (f"UPS {UPS_OK}", "UPS", UPS_OK),
        (f"it's fedex, number {FEDEX_OK}", "FedEx", FEDEX_OK),
        ("1z999aa1 0123 456784", "UPS", UPS_OK),  # no carrier: the number's own
        ("9505 5706 8393 4271 7994 32", "USPS", USPS_OK),
    ],
)
async def test_carrier_and_number_typed_in_one_message_records_the_parcel(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    typed: str,
    carrier: str,
    number: str,
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say(typed)
    assert f"Tracking: {carrier} {number}" in buyer.last_text
    assert await buyer.step() is None
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == "BUYER_SHIPPED"
    assert (claim.return_carrier, claim.return_tracking_number) == (carrier, number)
    nothing_to_staff(harness)


async def test_a_carrier_alone_is_kept_while_the_number_is_asked(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say("Fed Ex")
    assert "type the FedEx tracking number" in buyer.last_text
    assert await buyer.step() == "claim.tracking"
    await buyer.say("hmm where do I find it")  # no number: what FedEx numbers look like
    assert "I don't see a FedEx tracking number" in buyer.last_text
    assert "12, 15 or 22 digits" in buyer.last_text
    await buyer.say(FEDEX_OK)
    assert f"Tracking: FedEx {FEDEX_OK}" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.BUYER_SHIPPED


async def test_the_post_office_is_usps(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _ = await returning(harness, uow_factory, clock)
    await buyer.say("I took it to the post office")
    assert "type the USPS tracking number" in buyer.last_text


async def test_a_wrong_check_digit_says_so_and_changes_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say("ups 1Z999AA10123456785")  # one digit off
    assert buyer.last_text.startswith("“1Z999AA10123456785” isn't a valid UPS tracking number")
    assert "one digit seems mistyped" in buyer.last_text
    assert buyer.last_text.count("again") <= 1  # said once, not "copy it again … type it again"
    assert await buyer.step() == "claim.tracking"
    assert await status(uow_factory, claim_id) == ClaimStatus.AWAITING_BUYER_SHIPMENT
    # The carrier named with the bad number is kept: the number alone now does.
    await buyer.say(UPS_OK)
    assert f"Tracking: UPS {UPS_OK}" in buyer.last_text


async def test_a_number_of_the_wrong_shape_says_what_the_carrier_uses(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.tap("FedEx")
    await buyer.say("3318810026")  # ten digits: no FedEx number is that long
    assert "“3318810026” doesn't look like a FedEx tracking number" in buyer.last_text
    assert "12, 15 or 22 digits" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.AWAITING_BUYER_SHIPMENT


async def test_a_number_of_no_known_shape_asks_for_the_carrier(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say("12345678901")
    assert "doesn't look like a FedEx, UPS, USPS or DHL tracking number" in buyer.last_text
    assert [b.text for b in buyer.buttons()][:4] == ["FedEx", "UPS", "USPS", "DHL"]
    assert await status(uow_factory, claim_id) == ClaimStatus.AWAITING_BUYER_SHIPMENT


async def test_a_carrier_the_bot_cannot_check_is_recorded_by_its_name(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say("Royal Mail, tracking number AB123456789GB")
    assert "Tracking: Royal Mail AB123456789GB" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.BUYER_SHIPPED
    nothing_to_staff(harness)


async def test_royal_mail_named_alone_asks_for_its_number_without_a_format_check(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say("Royal Mail")
    assert "type the Royal Mail tracking number" in buyer.last_text
    await buyer.say("hi")  # no number in it: asked again, nothing recorded
    assert "Royal Mail tracking number" in buyer.last_text
    await buyer.say("ab 1234 5678 gb")
    assert "Tracking: Royal Mail AB12345678GB" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.BUYER_SHIPPED


async def test_other_carrier_button_takes_any_typed_name_then_the_number(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.tap("Other carrier")
    assert "Type its name" in buyer.last_text
    await buyer.say("Speedy Parcels Ltd")
    assert "type the Speedy Parcels Ltd tracking number" in buyer.last_text
    await buyer.say("x1")  # too short to be a tracking number: quoted as typed
    assert "“x1” doesn't look like a tracking number" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.AWAITING_BUYER_SHIPMENT
    await buyer.say("SP-0042-7781")
    assert "Tracking: Speedy Parcels Ltd SP00427781" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.BUYER_SHIPPED
    nothing_to_staff(harness)


async def test_a_refused_number_is_quoted_as_typed_not_in_capitals(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _ = await returning(harness, uow_factory, clock)
    await buyer.tap("UPS")
    await buyer.say("hello12345")
    assert "“hello12345” doesn't look like a UPS tracking number" in buyer.last_text
    assert "HELLO" not in buyer.last_text
    await buyer.say("my number is " + "7" * 60)  # a very long run is shortened
    assert "7" * 41 not in buyer.last_text and "…" in buyer.last_text


async def test_text_that_is_no_carrier_gets_the_step_again_with_its_buttons(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _ = await returning(harness, uow_factory, clock)
    await buyer.say("the blue van came and took it")
    assert "Please tap the carrier you sent the return with" in buyer.texts[0]
    assert "Which carrier" in buyer.last_text
    assert [b.text for b in buyer.buttons()] == [
        "FedEx",
        "UPS",
        "USPS",
        "DHL",
        "Other carrier",
        "✖ Cancel",
    ]
    assert await buyer.step() == "claim.tracking"
    nothing_to_staff(harness)


async def test_help_at_the_tracking_step_shows_the_number_format_of_the_carrier(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _ = await returning(harness, uow_factory, clock)
    await buyer.tap("UPS")
    await buyer.say("help")
    assert "type cancel to stop" in buyer.texts[0]
    assert "start with 1Z and are 18 letters and digits" in buyer.last_text
    assert await buyer.step() == "claim.tracking"


async def test_cancel_typed_at_the_tracking_step_says_what_stopped(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say("ups")
    await buyer.say("never mind")
    assert "Nothing was saved or sent to the seller" in buyer.last_text
    assert await buyer.step() is None
    assert await status(uow_factory, claim_id) == ClaimStatus.AWAITING_BUYER_SHIPMENT
    nothing_to_staff(harness)


async def test_the_cancel_button_says_the_same(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _ = await returning(harness, uow_factory, clock)
    await buyer.tap("Cancel")
    assert "Nothing was saved or sent to the seller" in buyer.last_text
    assert await buyer.step() is None


# ------------------------------------------------------------------ answer


async def test_a_typed_answer_goes_to_the_seller(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await asked(harness, uow_factory, clock)
    await buyer.say("It's the blue one, serial 578000000000000001")  # a number is an answer
    assert "Your answer is with the seller" in buyer.last_text
    assert await buyer.step() is None
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == "REQUESTED"
    assert claim.history[-1].note == "It's the blue one, serial 578000000000000001"
    nothing_to_staff(harness)


async def test_skip_cannot_skip_a_question_without_photos(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await asked(harness, uow_factory, clock)
    await buyer.say("skip")
    assert "can't be skipped" in buyer.texts[0]
    assert "Type your answer" in buyer.last_text
    assert await buyer.step() == "claim.answer"
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO
    await buyer.say("done")
    assert "type an answer or add a photo first" in buyer.texts[0]
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO


async def test_send_typed_after_a_photo_sends_the_photo(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await asked(harness, uow_factory, clock)
    await buyer.photo(sample_jpeg(seed="base"))
    assert "Got it: 1 photo" in buyer.last_text
    await buyer.say("help")  # the prompt again says the photo is kept
    assert "photo you added is kept" in buyer.last_text
    await buyer.say("send it")
    assert "Your answer is with the seller" in buyer.last_text
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == "REQUESTED" and len(claim.photos) == 1
    assert not claim.history[-1].note  # "send it" was not the answer


async def test_an_answer_too_long_is_refused_with_its_length(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await asked(harness, uow_factory, clock)
    await buyer.say("x" * 2500)
    assert "That's 2500 characters" in buyer.last_text and "under 2000" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO
    await buyer.say("🙂🙂")
    assert "type an answer or add a photo" in buyer.last_text
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO


async def test_cancel_typed_at_the_answer_step_says_what_stopped(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await asked(harness, uow_factory, clock)
    await buyer.say("cancel")
    assert "Nothing was saved or sent to the seller" in buyer.last_text
    assert await buyer.step() is None
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO
    nothing_to_staff(harness)


async def test_talk_to_a_person_from_the_answer_step_leaves_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, claim_id = await asked(harness, uow_factory, clock)
    await buyer.say("talk to a person")
    assert await buyer.step() is None
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO
    assert harness.desk.topics  # a ticket was opened for a person, as asked


# ------------------------------------------- an answer typed without the button


async def asked_only(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    """The seller asked a question; the buyer has tapped nothing."""
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b)
    await harness.services.seller_claims.ask_info(seller, claim.id, "How many pieces is it in?")
    return claim.id


async def test_an_answer_typed_without_the_button_is_offered_to_the_seller(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Typed under "tap below to answer", the answer started a second return (read as
    "it arrived broken") and the seller never got it."""
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("its in 3 pieces, the box was fine")
    assert "as your answer to their question" in buyer.last_text
    assert "its in 3 pieces, the box was fine" in buyer.last_text
    assert await buyer.step() is None  # no return started
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO  # nothing sent yet
    await buyer.tap("Send it to the seller")
    assert "Your answer is with the seller" in buyer.last_text
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == ClaimStatus.REQUESTED
    assert claim.history[-1].note == "its in 3 pieces, the box was fine"
    nothing_to_staff(harness)


async def test_no_under_the_offer_reads_the_message_as_any_other(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("where is my order")
    assert "as your answer to their question" in buyer.last_text
    await buyer.tap("something else")
    assert "Order 578000000000000001" in buyer.said  # its card, as the words ask
    # Said once for this question: the next message is read at once.
    await buyer.say("where is my order")
    assert "as your answer" not in buyer.said and "Order 578000000000000001" in buyer.said
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO


async def test_no_typed_under_the_offer_reads_the_words_as_a_message(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("where is my order")
    await buyer.say("no")  # as the "something else" button: the words read as any
    assert "Order 578000000000000001" in buyer.said
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO


async def test_a_sentence_with_a_no_in_it_under_the_offer_is_offered_in_turn(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "thats not fair i never used it" under the offer of "yes the
    box was crushed on one corner" read as "no" (it says "never"), and the offered
    words were read as a new message: a second return, for a crushed box."""
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("yes the box was crushed on one corner")
    await buyer.say("thats not fair i never used it")
    assert "as your answer to their question" in buyer.last_text
    assert "thats not fair i never used it" in buyer.last_text
    assert await buyer.step() is None  # no return started
    await buyer.say("yes")
    assert "Your answer is with the seller" in buyer.last_text
    claim = await load_claim(uow_factory, claim_id)
    assert claim.history[-1].note == "thats not fair i never used it"


async def test_yes_typed_under_the_offer_sends_the_answer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("two big pieces and a chip")
    send = buyer.button("Send it to the seller")
    await buyer.say("yes")
    assert "Your answer is with the seller" in buyer.last_text
    claim = await load_claim(uow_factory, claim_id)
    assert claim.history[-1].note == "two big pieces and a chip"
    await buyer.press(send)  # the offer is answered: its button no longer works
    assert "no longer works" in (buyer.alerts[-1] if buyer.alerts else "")


@pytest.mark.parametrize("typed", ["thanks!", "hi", "578000000000000001"])
async def test_small_talk_and_order_numbers_are_not_offered_as_the_answer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say(typed)
    assert "as your answer" not in buyer.said


async def test_the_send_button_without_a_typed_answer_sends_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """A forged or stale press: nothing typed is waiting, so nothing is sent."""
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.press(f"tas:{claim_id}")
    assert "no longer works" in (buyer.alerts[-1] if buyer.alerts else ""), buyer.alerts
    await buyer.press("tas:x")
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO


@pytest.mark.parametrize("caption", [None, "the box, as you asked"])
async def test_a_photo_sent_without_the_button_goes_with_the_answer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, caption: str | None
) -> None:
    """ "A photo of the box too pls": the photo sent outright offered a new return."""
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.photo(sample_jpeg(seed="box"), caption=caption)
    assert "Got it: 1 photo" in buyer.last_text, buyer.said
    assert await status(uow_factory, claim_id) == ClaimStatus.NEEDS_INFO  # not sent yet
    if caption is None:
        await buyer.say("here's the box, it was fine")
    else:
        await buyer.tap("Send answer")
    assert "Your answer is with the seller" in buyer.last_text
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == ClaimStatus.REQUESTED and len(claim.photos) == 1
    assert claim.history[-1].note == (caption or "here's the box, it was fine")


async def test_words_offered_as_the_answer_then_a_photo_go_together(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "here you go, the box was a bit squashed", then the photo
    instead of a tap on the offer, then "send": the seller got the photo alone."""
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("here you go, the box was a bit squashed")
    assert "as your answer to their question" in buyer.last_text
    await buyer.photo(sample_jpeg(seed="box"))
    assert "Got it: 1 photo" in buyer.said
    assert "Your words go with it: here you go, the box was a bit squashed" in buyer.last_text
    await buyer.say("send")
    assert "Your answer is with the seller" in buyer.last_text
    claim = await load_claim(uow_factory, claim_id)
    assert len(claim.photos) == 1
    assert claim.history[-1].note == "here you go, the box was a bit squashed"


async def test_no_offer_once_the_question_is_answered(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim_id = await asked_only(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("two pieces")
    await buyer.tap("Send it to the seller")
    assert await status(uow_factory, claim_id) == ClaimStatus.REQUESTED
    await buyer.say("where is my order")
    assert "as your answer" not in buyer.said


# ------------------------------------------- tracking typed without the button


async def approved(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    """A return approved and waiting for its parcel; the buyer has tapped nothing."""
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    await harness.services.seller_claims.approve(seller, claim.id)
    return claim.id


@pytest.mark.parametrize(
    "typed",
    [
        f"el número de seguimiento es {UPS_OK}",
        f"UPS {UPS_OK}",
        UPS_OK,
        f"ya lo mandé por fedex, guía {FEDEX_OK}",
    ],
)
async def test_a_tracking_number_typed_without_the_button_is_recorded(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """The approval says "tap below to enter the return tracking"; a buyer who typed
    the number instead got the order card (read as "where is my order") and the
    parcel was never recorded."""
    claim_id = await approved(harness, uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say(typed)
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == ClaimStatus.BUYER_SHIPPED, buyer.said
    assert claim.return_tracking_number in (UPS_OK, FEDEX_OK)
    assert f"{claim.return_carrier} {claim.return_tracking_number}." in buyer.last_text
    assert await buyer.step() is None
    nothing_to_staff(harness)


async def test_a_mistyped_tracking_number_typed_without_the_button_says_whats_wrong(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "ok i posted it, tracking is 9405 5036 …" with a digit wrong
    showed the order card, and the buyer never learnt the number was refused."""
    claim_id = await approved(harness, uow_factory, clock)
    buyer = harness.buyer()
    wrong = USPS_OK[:-1] + str((int(USPS_OK[-1]) + 1) % 10)
    spaced = " ".join(wrong[i : i + 4] for i in range(0, len(wrong), 4))
    await buyer.say(f"ok i posted it, tracking is {spaced}")
    assert "Order 578" not in buyer.said  # not the order card
    assert "isn't a valid USPS tracking number" in buyer.said, buyer.said
    assert await buyer.step() is not None  # the tracking step waits for it again
    await buyer.say(USPS_OK)
    claim = await load_claim(uow_factory, claim_id)
    assert claim.status == ClaimStatus.BUYER_SHIPPED
    assert claim.return_tracking_number == USPS_OK


@pytest.mark.parametrize(
    "typed",
    [
        "where do i send it",
        "whats the return address",
        "how long do i have to send it back",
        "ok how do i send it",  # found in the demo: a new return for the other item
        "¿cómo lo envío?",
    ],
)
async def test_where_to_send_an_approved_return_is_its_card(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "where do i send it" after the approval showed the order
    card; "what's the return address" got the returns policy in general."""
    claim_id = await approved(harness, uow_factory, clock)
    number = (await load_claim(uow_factory, claim_id)).claim_number
    buyer = harness.buyer()
    await buyer.say(typed)
    assert number in buyer.last_text, buyer.said
    assert "send you the return address" in buyer.last_text or "dirección" in buyer.last_text
    assert await buyer.step() is None  # no new return started
    assert len(buyer.buttons()) >= 1 and buyer.buttons()[0].data.startswith("cs:")
    nothing_to_staff(harness)


async def test_where_to_send_it_back_after_a_replacement_is_approved_needs_nothing_back(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "ok where do i send it back" after a replacement was
    approved (nothing to send back) started a new return for the rest of the order."""
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    claim = await file_claim(
        harness.services.returns, await bought(uow_factory, clock), type=ClaimType.REPLACEMENT
    )
    await harness.services.seller_claims.approve(seller, claim.id)
    buyer = harness.buyer()
    await buyer.say("ok where do i send it back")
    assert f"Nothing needs to go back for {claim.number}" in buyer.said, buyer.said
    assert f"Return request {claim.number}" in buyer.last_text
    assert await buyer.step() is None  # no new return started


async def test_a_parcel_typed_at_the_items_step_chooses_no_item(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "i shipped it today, tracking is 9400… usps" at "Which
    items?" chose the order's one item ("it")."""
    await bought(uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("/return")
    assert await buyer.step() == "ret.items"
    await buyer.say(f"i shipped it today, tracking is {USPS_OK} usps")
    assert await buyer.step() == "ret.items"
    assert "Continue ›" not in [b.text for b in buyer.buttons()]  # nothing chosen


async def test_where_to_send_it_before_the_seller_decides_says_not_yet(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    claim = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    buyer = harness.buyer()
    await buyer.say("where should i send it?")
    assert f"Nothing to send yet: the seller hasn't decided {claim.number}" in buyer.said
    assert await buyer.step() is None


@pytest.mark.parametrize(
    "typed", ["how long do i have to send it back", "¿hasta cuándo tengo para enviarlo?"]
)
async def test_by_when_to_send_it_before_the_seller_decides_counts_from_the_approval(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: asked right after filing, it was asked "which of these do you
    mean?" (a return, a policy question, delivery time)."""
    claim = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    buyer = harness.buyer()
    await buyer.say(typed)
    assert claim.number in buyer.said and "Which of these" not in buyer.said, buyer.said
    assert "5 days from their answer" in buyer.said or "5 días desde su respuesta" in buyer.said
    assert await buyer.step() is None


@pytest.mark.parametrize(
    "typed",
    [
        "the seller isnt answering my return",
        "whats happening with my return request",
        "the seller hasnt replied to my request",
    ],
)
async def test_the_buyers_filed_request_named_is_that_request_not_a_new_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """ "the seller isnt answering my return" started a new return for the order's other
    items; unsure, the others asked "which of these?".  It is the request filed."""
    claim = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    buyer = harness.buyer()
    await buyer.say(typed)
    assert claim.number in buyer.said, buyer.said
    assert "Which of these" not in buyer.said
    assert await buyer.step() is None  # no new return started


async def test_where_to_send_with_no_return_approved_is_read_as_usual(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await bought(uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("whats the return address")
    assert "Return request" not in buyer.said


async def test_a_tracking_number_with_no_return_waiting_for_it_is_no_tracking(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    await make_seller(uow_factory, clock, SELLER_EXT)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    buyer = harness.buyer()
    await buyer.say(f"UPS {UPS_OK}")
    assert "The seller will confirm" not in buyer.said
    assert "El vendedor confirmará" not in buyer.said
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REQUESTED


@pytest.mark.parametrize(
    ("typed", "number", "recorded"),
    [
        ("lo mandé por Correos", "PK123456789ES", "Correos"),
        ("por Estafeta", "1234567890123456789012", "Estafeta"),
        ("correos de méxico", "EE123456789MX", "Correos de México"),
        ("el correo de EE. UU.", USPS_OK, "USPS"),
    ],
)
async def test_carriers_named_in_spanish(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    typed: str,
    number: str,
    recorded: str,
) -> None:
    """ "lo mandé por Correos" at "Which carrier?" got "type the carrier's name": the
    Spanish-speaking world's carriers (and "el correo de EE. UU.") were not names."""
    buyer, claim_id = await returning(harness, uow_factory, clock)
    await buyer.say(typed)
    assert recorded in buyer.last_text, buyer.said
    await buyer.say(number)
    claim = await load_claim(uow_factory, claim_id)
    assert (claim.return_carrier, claim.return_tracking_number) == (recorded, number), buyer.said
    assert claim.status == ClaimStatus.BUYER_SHIPPED


@pytest.mark.parametrize(
    "typed", ["how much did i get back", "why only 1?", "¿cuánto me van a devolver?"]
)
async def test_how_much_comes_back_with_a_request_is_that_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: with a request filed, "how much did i get back" asked "which
    of these?" and "why only 10" was to be put another way: two misses, a person."""
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    claim = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    await harness.services.seller_claims.partial_refund(seller, claim.id, "1.00", reason="worn")
    buyer = harness.buyer()
    await buyer.say(typed)
    assert f"{claim.number}" in buyer.said, buyer.said
    assert "worn" in buyer.said  # the seller's reason for less, in its history
    assert "Which of these" not in buyer.said and "¿Cuál" not in buyer.said


async def test_how_much_comes_back_with_no_request_asks_the_policies(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await bought(uow_factory, clock)
    buyer = harness.buyer()
    await buyer.say("how much will i get back")
    assert "Return request" not in buyer.said and "return requests" not in buyer.said


# -- words about the request just filed ----------------------------------------------


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("i forgot to add a photo", "Photos can't be added"),
        ("can i add more photos to my request", "Photos can't be added"),
        ("i want to change my request to a replacement", "can't be changed once it's filed"),
        ("i shipped it back today", "hasn't agreed to take the item back yet"),
        ("do i need to send it back", "sends the item back once the seller agrees"),
        ("the seller asked for more info", None),
        ("when will the seller reply", None),
        ("how many days does the seller have", None),
        ("¿cuándo me responden?", None),
        ("how long until someone looks at it", None),
        # found in the demo: "which of these do you mean?"
        ("what happens if they say no", "you can appeal to our support team"),
        ("what if the seller never answers", "it's approved automatically"),
        # found in the demo: "which of these?" (delivery time, a refund, a person)
        ("how long until i get my money", None),
        # found in the demo: an unsure answer from the returns policy
        ("what happens now", None),
        ("ok thanks, what happens next?", None),
        ("y ahora qué", None),
    ],
)
async def test_words_about_the_request_just_filed_show_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str, line: str | None
) -> None:
    """Found in the demo right after a return was filed: "i forgot to add a photo" was
    told the order "can't be changed any more", "change my request to a replacement"
    "which of these?", "the seller asked for more info" and "when will the seller
    reply" two misses handed to a person.  Each is the request's card (where it stands,
    until when the seller has, Withdraw), with a line on what was asked."""
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    buyer = harness.buyer()
    await buyer.say(typed)
    assert claim.number in buyer.said, buyer.said
    assert "The seller answers by" in buyer.said or "El vendedor responde" in buyer.said
    if line is not None:
        assert line in buyer.said, buyer.said
    assert "Which of these" not in buyer.said and "can't be changed any more" not in buyer.said
    assert await buyer.step() is None
    assert await status(uow_factory, claim.id) == ClaimStatus.REQUESTED
    nothing_to_staff(harness)


async def test_whether_the_item_goes_back_follows_the_request_filed(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "can i keep the item" was read as a change to the order; under a refund-only
    request the item stays, and the buyer is told so."""
    claim = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    buyer = harness.buyer()
    await buyer.say("can i keep the item?")
    assert f"Your request {claim.number} asks for a refund only: you keep the item." in (
        buyer.said
    ), buyer.said
    await buyer.say("¿tengo que devolverlo?")
    assert "pide solo el reembolso: te quedas con el artículo" in buyer.said, buyer.said


async def test_a_photo_forgotten_while_the_seller_asks_points_to_the_answer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    claim = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    await harness.services.seller_claims.ask_info(seller, claim.id, "Which colour is it?")
    buyer = harness.buyer()
    await buyer.say("oh i forgot to attach the pictures")
    assert "The seller is waiting for your answer: tap Answer the seller below" in buyer.said
    assert "Answer the seller" in [b.text for b in buyer.buttons()]


async def test_sent_back_once_approved_asks_for_the_tracking(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    b = await bought(uow_factory, clock)
    claim = await file_claim(harness.services.returns, b, type=ClaimType.RETURN_AND_REFUND)
    await harness.services.seller_claims.approve(seller, claim.id)
    buyer = harness.buyer()
    await buyer.say("i sent the package back yesterday")
    assert "Tap Enter return tracking below" in buyer.said, buyer.said
    await buyer.tap("Enter return tracking")
    assert "Which carrier" in buyer.last_text


@pytest.mark.parametrize("typed", ["nevermind i want to keep it", "i'll keep it after all"])
async def test_keeping_the_item_after_filing_asks_to_withdraw(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """ "nevermind i want to keep it" right after filing was "which of these?"."""
    claim = await file_claim(harness.services.returns, await bought(uow_factory, clock))
    buyer = harness.buyer()
    await buyer.say(typed)
    assert f"Withdraw return request {claim.number}?" in buyer.said, buyer.said
    await buyer.say("yes")
    assert await status(uow_factory, claim.id) == ClaimStatus.CANCELLED
