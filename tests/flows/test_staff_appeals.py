"""Appeals and the tickets about them, as staff and the seller see them: a seller's
"Ask platform support" on a second claim names that claim in the ticket it joins, one
appeal has one live set of verdict buttons, once decided every ticket about the claim
says so (an old button pays nothing), and summaries show what was really refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus, EscalationReason
from handlers.types import EditKeyboard, SendText
from storage.uow import UnitOfWorkFactory
from tests.flows.test_staff_typing import reached
from tests.harness import STAFF_CHAT, Harness, Person, plain
from tests.unit.test_seller_claims import (
    Bought,
    bought,
    file_claim,
    load_claim,
    make_seller,
    refunds,
)

SELLER_EXT = 3001  # harness.seller()'s user id
NUMBER = "578000000000000001"


@pytest.fixture
async def b(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Bought:
    await make_seller(uow_factory, clock, SELLER_EXT)
    return await bought(uow_factory, clock, number=NUMBER)


def thread_of(harness: Harness, ticket_id: int) -> int:
    [thread] = [t for t, title in harness.desk.topics.items() if f"#{ticket_id} " in title]
    return thread


def posted_in(harness: Harness, thread: int) -> list[str]:
    """What the bot wrote in a ticket's topic, oldest first, as staff read it."""
    return [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.thread_id == thread
    ]


def summary_buttons(harness: Harness, thread: int) -> list[str]:
    """The callback data under the topic's last summary when it was posted."""
    [*_, summary] = [
        a
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.thread_id == thread and "Ticket #" in a.text
    ]
    assert summary.keyboard is not None
    return [x.data or "" for row in summary.keyboard.rows for x in row]


async def partial_then_appeal(
    harness: Harness, uow_factory: UnitOfWorkFactory, claim_id: int, buyer: Person | None = None
) -> Person:
    """The seller refunds $5.00 of the $12.50 asked, with a reason; the buyer appeals."""
    sam = harness.seller()
    await sam.press(f"qp:{claim_id}")
    await sam.say("5")
    await sam.say("The lid was missing from the box")
    await sam.tap("Confirm")
    await (buyer or harness.buyer(1001)).press(f"ap:{claim_id}")
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPEALED
    return sam


# ---------------------------------------------- a seller's second "Ask platform support"


async def test_asking_support_about_a_second_claim_names_it_in_the_open_ticket(
    harness: Harness, b: Bought
) -> None:
    first = await file_claim(harness.services.returns, b)
    second = await file_claim(harness.services.returns, b, {b.items[1]: 1})
    sam = harness.seller()
    await sam.press(f"sh:{first.id}")
    [thread] = harness.desk.topics
    assert f"Claim {first.number}" in posted_in(harness, thread)[0]

    await sam.press(f"sh:{second.id}")
    assert f"now also asking about {second.number}" in sam.said
    told = posted_in(harness, thread)[-1]
    assert "now also about another claim" in told
    assert f"Claim {second.number} on order {NUMBER}" in told
    assert list(harness.desk.topics) == [thread]  # still one ticket

    kim = harness.staff(thread_id=thread)
    await kim.say("/transcript")
    [document] = [a for a in kim.last if hasattr(a, "content")]
    assert second.number in document.content.decode()  # type: ignore[attr-defined]


async def test_asking_again_about_the_same_claim_just_says_asked_again(
    harness: Harness, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    sam = harness.seller()
    await sam.press(f"sh:{claim.id}")
    await sam.press(f"sh:{claim.id}")
    assert "You're already talking with our team" in sam.said
    assert "also asking about" not in sam.said
    [thread] = harness.desk.topics
    assert posted_in(harness, thread)[-1] == "Sam asked for a person again."


# ------------------------------------------------ one appeal, one set of verdicts


async def test_a_sellers_ticket_about_an_appealed_claim_points_at_the_appeal(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    sam = await partial_then_appeal(harness, uow_factory, claim.id)
    [appeal_thread] = harness.desk.topics
    appeal_id = int(harness.desk.topics[appeal_thread].split(" ")[0].lstrip("#"))
    assert f"av:r:{claim.id}" in summary_buttons(harness, appeal_thread)

    await sam.press(f"sh:{claim.id}")
    [seller_thread] = [t for t in harness.desk.topics if t != appeal_thread]
    summary = posted_in(harness, seller_thread)[0]
    assert "Why: the seller asks for help with a claim" in summary
    assert f"the appeal is decided in ticket #{appeal_id}" in summary
    assert "Decide with the buttons below" not in summary
    assert not any(d.startswith("av:") for d in summary_buttons(harness, seller_thread))


async def test_once_decided_every_ticket_about_the_claim_says_so_and_old_buttons_pay_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    sam = await partial_then_appeal(harness, uow_factory, claim.id)
    [appeal_thread] = harness.desk.topics
    await sam.press(f"sh:{claim.id}")
    [seller_thread] = [t for t in harness.desk.topics if t != appeal_thread]
    appeal_id = int(harness.desk.topics[appeal_thread].split(" ")[0].lstrip("#"))

    kim = harness.staff(thread_id=appeal_thread)
    await kim.press(f"av:r:{claim.id}")
    await kim.tap("Confirm")
    assert f"Kim refunded $7.50 on {claim.number}" in kim.said
    # The appeal's summary loses its verdicts (Assign / Close stay).
    edits = [a for a in kim.last if isinstance(a, EditKeyboard)]
    assert edits and all("av:" not in str(e.keyboard) for e in edits), edits
    # The seller's ticket about the same claim is told, naming where it was decided.
    told = posted_in(harness, seller_thread)[-1]
    assert f"Kim refunded $7.50 on {claim.number}" in told
    assert f"decided in ticket #{appeal_id}" in told

    # An old verdict button (here, or a copy anywhere) answers "already decided",
    # takes its buttons away, and pays nothing.
    anna = harness.staff(user_id=4002, name="Anna", thread_id=appeal_thread)
    await anna.press(f"av:r:{claim.id}")
    assert anna.alerts == ["This appeal was already decided by Kim."]
    assert [a for a in anna.last if isinstance(a, EditKeyboard)]
    await anna.press(f"av:u:{claim.id}")
    assert anna.alerts == ["This appeal was already decided by Kim."]
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00"), Decimal("7.50")]
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.REFUNDED


async def test_an_appeal_joining_a_ticket_keeps_one_live_summary(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    """The summary posted again with the verdicts is the ticket's summary from then on:
    the first one's buttons go, and a decision clears the new one's verdicts."""
    claim = await file_claim(harness.services.returns, b)
    buyer = harness.buyer(1001)
    await buyer.say("/human")
    [thread] = harness.desk.topics
    await partial_then_appeal(harness, uow_factory, claim.id, buyer)
    assert f"av:r:{claim.id}" in summary_buttons(harness, thread)
    # The first summary's Assign / Close were taken off (in the buyer's update).
    assert [a for a in buyer.last if isinstance(a, EditKeyboard) and a.keyboard is None]

    kim = harness.staff(thread_id=thread)
    await kim.press(f"av:u:{claim.id}")
    assert f"upheld the seller's decision on {claim.number}" in kim.said
    ticket = await harness.services.tickets.current(b.buyer)
    assert ticket is not None and ticket.summary_message_id is not None
    [edit] = [
        a
        for a in kim.last
        if isinstance(a, EditKeyboard) and a.message_id == ticket.summary_message_id
    ]
    assert edit.keyboard is not None and "av:" not in str(edit.keyboard)
    assert "tk:c:" in str(edit.keyboard)


# ------------------------------------------------------- what was really refunded


async def test_a_summary_after_the_appeal_paid_the_rest_shows_each_refund(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    claim = await file_claim(harness.services.returns, b)
    sam = await partial_then_appeal(harness, uow_factory, claim.id)
    [appeal_thread] = harness.desk.topics
    kim = harness.staff(thread_id=appeal_thread)
    await kim.press(f"av:r:{claim.id}")
    await kim.tap("Confirm")

    await sam.press(f"sh:{claim.id}")  # the card's old button: a summary made now
    [seller_thread] = [t for t in harness.desk.topics if t != appeal_thread]
    summary = posted_in(harness, seller_thread)[0]
    assert "Seller's partial refund: $5.00 of $12.50" in summary
    assert "Refunded by our support team on appeal: $7.50" in summary
    assert "Refunded on this claim in all: $12.50" in summary
    assert "$12.50 of $12.50" not in summary


async def test_a_verdict_tapped_in_another_ticket_still_updates_the_appeals_ticket(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    """A verdict button from a summary posted before one set was kept (in the seller's
    ticket): the decision there clears that message and the appeal's own summary, and
    the appeal's topic is told where it was decided."""
    claim = await file_claim(harness.services.returns, b)
    sam = await partial_then_appeal(harness, uow_factory, claim.id)
    [appeal_thread] = harness.desk.topics
    await sam.press(f"sh:{claim.id}")
    [seller_thread] = [t for t in harness.desk.topics if t != appeal_thread]
    seller_ticket = await harness.services.tickets.by_topic(STAFF_CHAT, seller_thread)
    appeal_ticket = await harness.services.tickets.current(b.buyer)
    assert seller_ticket is not None and appeal_ticket is not None

    kim = harness.staff(thread_id=seller_thread)
    kim._button_message[f"av:u:{claim.id}"] = 777  # the old summary's button
    await kim.press(f"av:u:{claim.id}")
    assert f"upheld the seller's decision on {claim.number}" in kim.said
    edited = {a.message_id: a.keyboard for a in kim.last if isinstance(a, EditKeyboard)}
    assert 777 in edited and "av:" not in str(edited[777])
    assert appeal_ticket.summary_message_id in edited
    assert "av:" not in str(edited[appeal_ticket.summary_message_id])
    told = posted_in(harness, appeal_thread)[-1]
    assert f"decided in ticket #{seller_ticket.id}" in told
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00")]


async def test_an_appeal_joining_a_ticket_with_no_place_yet_posts_one_summary(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    """The buyer's ticket opened while the staff chat could not be reached (no topic
    yet); the appeal gives it its topic, and the summary with the verdicts is posted
    there once, not twice."""
    claim = await file_claim(harness.services.returns, b)
    await harness.services.tickets.open(b.buyer, EscalationReason.REQUESTED)
    assert harness.desk.topics == {}
    buyer = harness.buyer(1001)
    await partial_then_appeal(harness, uow_factory, claim.id, buyer)
    assert "appeal" in buyer.said.lower()
    [thread] = harness.desk.topics
    summaries = [t for t in posted_in(harness, thread) if "Ticket #" in t]
    assert len(summaries) == 1, summaries
    assert f"av:r:{claim.id}" in summary_buttons(harness, thread)
    assert not [a for a in buyer.last if isinstance(a, EditKeyboard)]


# ------------------------------------------------------------- an appeal in words


async def rejected(harness: Harness, b: Bought) -> int:
    """A claim the seller rejected (the buyer may appeal for 48 hours); its id."""
    claim = await file_claim(harness.services.returns, b)
    sam = harness.seller()
    await sam.press(f"qr:{claim.id}")
    await sam.tap("Item used")
    await sam.say("The handle shows clear drop marks")
    assert f"Rejected {claim.number}" in sam.said
    return claim.id


async def test_a_buyer_asking_in_words_to_appeal_gets_the_appeal_button(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    """The tester's Alex typed "I want to appeal the rejection": it went to the answer
    engine (or, with a ticket, to staff with no verdict to give).  Now the bot offers
    the appeal of the one request that can be appealed; the tap appeals it."""
    claim_id = await rejected(harness, b)
    alex = harness.buyer(1001)
    await alex.say("I want to appeal the rejection")
    assert "To appeal R" in alex.last_text and "tap below" in alex.last_text
    # The decision appealed, with the seller's reason, is above the offer.
    assert "Rejected by the seller: Item used" in alex.last_text and "drop marks" in alex.last_text
    assert [x.data for x in alex.buttons()] == [f"ap:{claim_id}"]
    assert harness.desk.topics == {}  # nothing opened by the words alone
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REJECTED
    await alex.tap("Appeal to support")
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPEALED
    [thread] = harness.desk.topics
    assert f"av:r:{claim_id}" in summary_buttons(harness, thread)


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [("uphold the seller", "av:u"), ("reject the appeal", "av:u"), ("refund the buyer", "av:r")],
)
async def test_a_verdict_typed_in_the_appeals_topic_is_held_with_its_button(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought, typed: str, verdict: str
) -> None:
    """Found in the demo: Riley's "uphold the seller" in the appeal's topic reached the
    buyer as the team's words, and nothing was decided.  It is held back, with the
    verdict's own button (which asks before money moves)."""
    claim_id = await rejected(harness, b)
    alex = harness.buyer(1001)
    await alex.say("I want to appeal the rejection")
    await alex.tap("Appeal to support")
    [thread] = harness.desk.topics
    kim = harness.staff(name="Kim", thread_id=thread)
    before = len(reached(harness, alex))
    await kim.say(typed)
    assert f"“{typed}” was not sent to Jane" in kim.said, kim.said
    assert [x.data for x in kim.buttons()] == [f"{verdict}:{claim_id}"]
    assert len(reached(harness, alex)) == before
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPEALED


@pytest.mark.parametrize(
    "typed", ["what? that's not true", "it IS cracked", "es mentira", "i don't accept this"]
)
async def test_disputing_the_rejection_without_the_word_appeal_offers_the_appeal(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought, typed: str
) -> None:
    """Right after "was not accepted by the seller", "that's not true" got a clarifying
    question about products and hellos; it answers the rejection."""
    claim_id = await rejected(harness, b)
    alex = harness.buyer(1001)
    await alex.say(typed)
    assert [x.data for x in alex.buttons()] == [f"ap:{claim_id}"], alex.said
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REJECTED


async def partly_refunded(harness: Harness, b: Bought) -> int:
    """A claim the seller refunded less than asked (the buyer may appeal); its id."""
    claim = await file_claim(harness.services.returns, b)
    sam = harness.seller()
    await sam.press(f"qp:{claim.id}")
    await sam.say("5")
    await sam.say("only a hairline crack")
    await sam.tap("Confirm")
    assert "refunded for" in sam.said, sam.said
    return claim.id


@pytest.mark.parametrize(
    "typed",
    [
        "5 dollars?? that's not enough, it's unusable",
        "only $5?",
        "I want the full refund",
        "that's way too little",  # found in the demo: "👍 Anything else?"
    ],
)
async def test_saying_a_partial_refund_is_too_little_offers_the_appeal_and_yes_appeals(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought, typed: str
) -> None:
    """Found in the demo: "5 dollars?? that's not enough, it's unusable" right after the
    partial refund got "which of these do you mean?" about products and hellos; and
    "yes i want to appeal" under the offer only made the offer again."""
    claim_id = await partly_refunded(harness, b)
    alex = harness.buyer(1001)
    await alex.say(typed)
    assert [x.data for x in alex.buttons()] == [f"ap:{claim_id}"], alex.said
    assert "tap below or say yes" in alex.last_text
    await alex.say("yes i want to appeal")
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPEALED
    assert "To appeal" not in alex.said
    [thread] = harness.desk.topics
    assert f"av:r:{claim_id}" in summary_buttons(harness, thread)


async def test_yes_after_tapping_the_appeal_goes_to_staff_not_to_a_second_appeal(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    """The offer's typed "yes" is for the next message only, and not once tapped: it
    said "This request can't be appealed any more" instead of reaching staff."""
    claim_id = await rejected(harness, b)
    alex = harness.buyer(1001)
    await alex.say("that's not true")
    await alex.tap("Appeal to support")
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.APPEALED
    copied = len(harness.desk.copies)
    await alex.say("yes")
    assert "can't be appealed" not in alex.said
    assert len(harness.desk.copies) == copied + 1  # copied to the people talking with them
    assert harness.desk.copies[-1]["message_id"] == alex.message_id


async def test_a_sentence_under_the_appeal_offer_is_read_as_any_message(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim_id = await rejected(harness, b)
    alex = harness.buyer(1001)
    await alex.say("that's not true")
    await alex.say("where is my other order, it never came")
    await alex.say("yes")  # the offer was for one message: this "yes" appeals nothing
    assert (await load_claim(uow_factory, claim_id)).status == ClaimStatus.REJECTED
    assert harness.desk.topics == {}


async def test_disagreeing_with_nothing_to_appeal_is_read_as_usual(
    harness: Harness, b: Bought
) -> None:
    alex = harness.buyer(1001)
    await alex.say("that's not true")
    assert "To appeal" not in alex.said and "Appeal" not in alex.said


async def test_a_buyer_ticket_summary_lists_their_return_requests(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    """The buyer who writes "the seller said my photo is a reflection": staff see which
    request, and that it was rejected, without asking."""
    claim_id = await rejected(harness, b)
    number = (await load_claim(uow_factory, claim_id)).claim_number
    alex = harness.buyer(1001)
    await alex.say("/human")
    [thread] = harness.desk.topics
    [summary] = [t for t in posted_in(harness, thread) if "Ticket #" in t]
    assert "Return requests" in summary, summary
    assert f"• {number}: Rejected by the seller (order {NUMBER})" in summary


async def test_with_a_ticket_open_the_words_reach_staff_and_the_buyer_gets_the_button(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    claim_id = await rejected(harness, b)
    alex = harness.buyer(1001)
    await alex.say("/human")
    [thread] = harness.desk.topics
    await alex.say("I disagree with the seller, it arrived broken")
    assert harness.desk.copies[-1]["thread_id"] == thread  # staff read the words
    assert [x.data for x in alex.buttons()] == [f"ap:{claim_id}"]
    await alex.tap("Appeal to support")
    assert f"av:r:{claim_id}" in summary_buttons(harness, thread)
    assert list(harness.desk.topics) == [thread]


async def test_appeal_words_without_anything_to_appeal_go_on_as_before(
    harness: Harness, b: Bought
) -> None:
    alex = harness.buyer(1001)
    await alex.say("/human")
    await alex.say("I want to appeal")
    assert "ap:" not in str(alex.buttons())
    assert len(harness.desk.copies) == 1  # relayed, as any message with a ticket open


# ------------------------------------------- a refund question and another ticket


async def test_ok_typed_in_another_tickets_topic_reaches_that_requester(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    """The tester's Riley tapped Refund buyer in Alex's appeal, went to Jordan's topic
    and typed "ok" to Jordan: it was held as an answer to Alex's refund question, which
    was shown again in Jordan's topic, and /cancel there cancelled it."""
    claim = await file_claim(harness.services.returns, b)
    await partial_then_appeal(harness, uow_factory, claim.id)
    [appeal_thread] = harness.desk.topics
    jordan = harness.buyer(1002, "Jordan")
    await jordan.say("/human")
    [jordan_thread] = [t for t in harness.desk.topics if t != appeal_thread]

    riley = harness.staff(name="Riley", thread_id=appeal_thread)
    await riley.press(f"av:r:{claim.id}")
    assert "Grant the appeal" in riley.said
    riley.thread_id = jordan_thread
    await riley.say("ok")
    assert "was not sent" not in riley.said.split("Grant the appeal")[-1]
    assert [a for a in harness.desk.sent if isinstance(a, SendText) and a.chat_id == 1002][
        -1
    ].text.endswith("ok")
    await riley.say("/cancel")
    assert "nothing of yours waiting to be confirmed here" in riley.last_text

    riley.thread_id = appeal_thread  # where it was asked, "ok" is about the question
    await riley.say("ok")
    assert "“ok” was not sent to the buyer" in riley.said
    await riley.tap("Confirm")
    assert [r.amount for r in await refunds(uow_factory)] == [Decimal("5.00"), Decimal("7.50")]


@pytest.mark.parametrize(
    "typed",
    ["the seller rejected my return, that's unfair", "i got a refund but it was less than i paid"],
)
async def test_a_decision_spoken_of_without_support_shows_the_request(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought, typed: str
) -> None:
    """Found in a batch of buyer wording: where no appeal can be offered (no support
    chat here), the model could not tell a new return from the filed request's status
    and asked "which of these?".  With a request decided, it is the one spoken of: its
    card, which says what was decided."""
    claim_id = await (rejected if "rejected" in typed else partly_refunded)(harness, b)
    alone = await harness.without_staff()
    alex = alone.buyer(1001)
    await alex.say(typed)
    number = (await load_claim(uow_factory, claim_id)).claim_number
    assert "Which of these" not in alex.said and number in alex.said, alex.said
