"""What people send besides text at a step that asks for words or a tap (a photo, an
album, a sticker), and edits of messages sent before: the bot says what it wants,
once, and nothing changes."""

from __future__ import annotations

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_order_cancel_typing import NUMBER, asked, order_status
from tests.flows.test_return_early_photos import at_reason
from tests.flows.test_tickets_typing import (
    copied_from,
    linked_buyer,
    open_ticket,
    staff_lines,
    to_buyer,
)
from tests.harness import Harness
from tests.pictures import photo_jpeg


async def test_an_album_at_the_cancel_question_is_answered_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.album([photo_jpeg("a"), photo_jpeg("b"), photo_jpeg("c"), photo_jpeg("d")])
    assert buyer.said.count("Cancel order") == 1, buyer.said
    assert "tap one of the buttons, or type yes or no" in buyer.said
    assert await buyer.step() == "order.cancel"
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    await buyer.album([photo_jpeg("e"), photo_jpeg("f")])  # another album: answered too
    assert buyer.said.count("Cancel order") == 1, buyer.said


async def test_an_album_at_the_proof_step_is_answered_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER)
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.album([photo_jpeg("a"), photo_jpeg("b"), photo_jpeg("c")])
    assert buyer.said.count("To make sure order") == 1, buyer.said
    assert await buyer.step() == "link.proof"
    await buyer.say("buyer@example.com")
    assert "now linked" in buyer.said


async def test_a_sticker_a_location_or_a_poll_at_the_photos_step_is_named_as_such(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await at_reason(harness, uow_factory, clock)
    await buyer.tap("Arrived damaged")
    await buyer.photo(photo_jpeg("one"))
    for kind in ("sticker", "location", "poll", "dice"):
        await buyer.send_other(kind)
        assert "Only photos can be added here" in buyer.said, buyer.said
        assert "isn't a JPEG" not in buyer.said and "Your photo so far is kept" in buyer.said
    assert await buyer.step() == "ret.photos"
    await buyer.tap("Done ›")
    assert "step 5 of 5" in buyer.last_text


# ------------------------------------------------------------------ edits


async def test_an_edited_email_is_not_taken_and_the_buyer_is_told_to_send_it_again(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER)
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.say("buyer@exmaple.com")
    assert "now linked" not in buyer.said
    await buyer.edit("buyer@example.com")  # the typo fixed by editing
    assert "send the corrected text as a new message" in buyer.said, buyer.said
    assert "now linked" not in buyer.said
    assert await buyer.step() == "link.proof"
    await buyer.say("buyer@example.com")
    assert "now linked" in buyer.said


async def test_an_edit_with_a_ticket_open_reaches_no_one(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await linked_buyer(harness, uow_factory, clock)
    thread = await open_ticket(harness, buyer)
    await buyer.say("my parcel is late")
    copies = copied_from(harness, buyer)
    await buyer.edit("my parcel is very late")
    assert "send the corrected text as a new message" in buyer.said
    assert copied_from(harness, buyer) == copies
    staff = harness.staff(thread_id=thread)
    await staff.say("Looking into it, Jane.")
    to_jane = len(to_buyer(harness, buyer))
    await staff.edit("Looking into it now, Jane.")
    assert "Edits are not passed on" in staff.said, staff.said
    assert len(to_buyer(harness, buyer)) == to_jane
    elsewhere = harness.staff()  # the group's General thread: staff among themselves
    await elsewhere.edit("lunch at 1?")
    assert elsewhere.last == []


# ------------------------------------------------------------------ forwards


async def test_staff_are_told_a_forwarded_message_is_not_the_buyers_own_words(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await linked_buyer(harness, uow_factory, clock)
    thread = await open_ticket(harness, buyer)
    await buyer.say("this is what the courier sent me")
    assert not any("forwarded" in line for line in staff_lines(harness, thread))
    await buyer.forward("Your parcel was left with a neighbour at no. 12.", "UPS <Alerts>")
    assert buyer.said == ""  # it went to staff
    assert copied_from(harness, buyer) == 2
    notes = [line for line in staff_lines(harness, thread) if "forwarded" in line]
    assert notes == ["↪️ Jane forwarded this message from UPS <Alerts>: not their own words."]
    await buyer.forward("psst", "")  # a sender who hides their name
    assert "forwarded this message from someone else" in staff_lines(harness, thread)[-1]


# ------------------------------------------------------------------ contacts


async def test_ones_own_contact_before_any_order_proves_the_number_sent_next(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER, phone="15550100001")
    buyer = harness.buyer()
    await buyer.share_contact("+15550109999", user_id=424242)  # someone else's card
    assert "send me the order number" not in buyer.said
    await buyer.share_contact("+15550100001")
    assert "Now send me the order number" in buyer.said, buyer.said
    assert "I can't read that kind of message" not in buyer.said
    await buyer.say(NUMBER)
    assert "now linked" in buyer.said
