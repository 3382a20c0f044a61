"""What staff read about their tickets: every time on a ticket's summary in the shop's
timezone, the zone named once per list (a time on its own names it itself); `/tickets`
marking the appeals that wait for a verdict, first; and a reopened ticket's summary
with the last messages exchanged with staff before the close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus
from handlers.types import SendText
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, shop_settings
from tests.flows.test_buyer_orders import link
from tests.harness import STAFF_CHAT, Harness, Person, plain
from tests.unit.test_seller_claims import Bought, bought, file_claim, load_claim, make_seller

SELLER_EXT = 3001  # harness.seller()'s user id
NUMBER = "578000000000000001"  # bought()'s order


def summaries(harness: Harness) -> list[str]:
    """Every ticket summary posted in the staff chat, oldest first, as staff read it."""
    return [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.chat_id == STAFF_CHAT and "Ticket #" in a.text
    ]


@pytest.fixture
async def b(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Bought:
    await make_seller(uow_factory, clock, SELLER_EXT)
    return await bought(uow_factory, clock)


async def appealed_partial_refund(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> int:
    """The seller refunds $5.00 of $12.50; the buyer appeals. Returns the claim's id."""
    claim = await file_claim(harness.services.returns, b)
    sam = harness.seller()
    await sam.press(f"qp:{claim.id}")
    await sam.say("5")
    await sam.say("The lid was missing from the box")
    await sam.tap("Confirm")
    await harness.buyer(1001).press(f"ap:{claim.id}")
    assert (await load_claim(uow_factory, claim.id)).status == ClaimStatus.APPEALED
    return claim.id


# ------------------------------------------------------------ times in the shop's zone


async def test_the_claim_timeline_is_in_the_shops_time_and_names_its_zone(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    """The clock reads 12:00 UTC: 07:00 in New York (EST in January)."""
    await shop_settings(uow_factory, clock, timezone="America/New_York")
    await appealed_partial_refund(harness, uow_factory, b)
    [summary] = summaries(harness)
    assert "Claim timeline (times in EST)" in summary
    timeline = summary.split("Claim timeline (times in EST)", 1)[1]
    assert "Jan 15, 07:00 Appealed to support (buyer)" in timeline
    assert "Jan 15, 07:00 EST" not in timeline  # named once, in the heading
    assert "Messages about this claim (times in EST)" in summary
    # A time on its own names its zone.
    assert "Seller's partial refund: $5.00 of $12.50 (Jan 15, 07:00 EST)" in summary
    assert "12:00" not in summary


async def test_a_shop_with_broken_business_hours_still_shows_its_own_time(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    """Hours that no longer read (a hand-edited database) leave the desk open all day,
    not the shop in UTC: staff still read New York's time."""
    await shop_settings(
        uow_factory, clock, timezone="America/New_York", business_hours="Funday 25:00-26:00"
    )
    await appealed_partial_refund(harness, uow_factory, b)
    [summary] = summaries(harness)
    assert "Claim timeline (times in EST)" in summary
    assert "Jan 15, 07:00 Appealed to support (buyer)" in summary
    assert "12:00" not in summary


async def test_the_last_messages_are_in_the_shops_time_and_name_its_zone(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """12:00 UTC is 13:00 in Berlin (CET in January)."""
    await make_order(uow_factory, clock)
    await shop_settings(uow_factory, clock, timezone="Europe/Berlin")
    buyer = harness.buyer(5001, "Alex")
    await buyer.say("/start")
    await link(buyer)
    await buyer.say("My cat ate the parcel label")
    await buyer.say("/human")
    [summary] = summaries(harness)
    assert "Last messages with the bot (times in CET)" in summary
    assert "13:00 them: My cat ate the parcel label" in summary
    assert "12:00" not in summary


# ------------------------------------------------------------ /tickets and appeals


async def test_tickets_marks_the_appeals_waiting_for_a_verdict_and_lists_them_first(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, b: Bought
) -> None:
    guest = harness.buyer(5001, "Guest")
    await guest.say("/start")
    await guest.say("/human")  # ticket #1, the oldest
    clock.advance(timedelta(minutes=10))
    claim_id = await appealed_partial_refund(harness, uow_factory, b)  # ticket #2
    clock.advance(timedelta(minutes=2))

    general = harness.staff(4001, "Kim")
    await general.say("/tickets")
    assert general.last_text.splitlines() == [
        "Open tickets (2)",
        "⚖️ 1 appeal waits for your verdict: listed first.",
        f"• ⚖️ #2 · Jane · {NUMBER}: appeal to decide, waiting 2 minutes, unassigned",
        "• #1 · Guest: waiting 12 minutes, unassigned",
    ]
    assert "<b>appeal to decide</b>" in general.html

    # Decided: an ordinary open ticket again, in its place by age.
    [thread] = [t for t, title in harness.desk.topics.items() if title.startswith("#2 ")]
    await harness.staff(4001, "Kim", thread_id=thread).press(f"av:u:{claim_id}")
    await general.say("/tickets")
    assert general.last_text.splitlines() == [
        "Open tickets (2)",
        "• #1 · Guest: waiting 12 minutes, unassigned",
        f"• #2 · Jane · {NUMBER}: waiting 2 minutes, unassigned",
    ]


async def test_a_closed_ticket_whose_appeal_waits_stays_on_the_list(
    harness: Harness, uow_factory: UnitOfWorkFactory, b: Bought
) -> None:
    """Closed before anyone decided: the appeal still needs a verdict, so /tickets
    keeps it (saying how to reopen it), until it is decided."""
    claim_id = await appealed_partial_refund(harness, uow_factory, b)
    general = harness.staff(4001, "Kim")
    # Staff can't close it while the appeal waits: the verdict comes first.
    await general.say("/close 1")
    assert "holds an appeal" in general.last_text and "Nothing was closed" in general.last_text
    await general.press("tk:c:1")  # the summary's Close button: the same
    assert (await harness.services.tickets.get(1)).status == "open"
    # A ticket closed that way before the rule (an older version) is still listed.
    await harness.services.tickets.close(1, staff_name="Kim")
    await general.say("/tickets")
    assert general.last_text.splitlines() == [
        "No open tickets",
        "⚖️ 1 appeal waits for your verdict: listed first.",
        f"• ⚖️ ✅ #1 · Jane · {NUMBER}: appeal to decide, ticket closed (/reopen 1 to"
        " decide), unassigned",
    ]
    await general.say("/reopen 1")
    await general.press(f"av:u:{claim_id}")
    await general.say("/close 1")
    await general.say("/tickets")
    assert general.last_text == "No open tickets. 🎉"


# ------------------------------------------------ a reopened ticket's conversation


def in_topic(harness: Harness, thread: int) -> list[str]:
    """What the bot posted in a topic, oldest first, as staff read it."""
    return [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.chat_id == STAFF_CHAT and a.thread_id == thread
    ]


async def talked_and_closed(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> tuple[Person, Person, int]:
    """Alex (with a linked order) asks for a person and talks with Anna, who closes the
    ticket; then someone deletes its topic, as staff tidy up closed ones."""
    await make_order(uow_factory, clock)
    alex = harness.buyer(5001, "Alex")
    await alex.say("/start")
    await link(alex)
    await alex.say("/human")
    [thread] = harness.desk.topics
    anna = harness.staff(4001, "Anna", thread_id=thread)
    clock.advance(timedelta(minutes=3))
    await alex.say("The box came without the lid")
    clock.advance(timedelta(minutes=2))
    await anna.say("Sorry! I'm asking the warehouse now.")
    await alex.photo(b"not-really-a-jpeg", caption="Here it is")
    await anna.say("/close")
    harness.desk.delete_topic(thread)
    return alex, anna, thread


async def test_a_buyer_reopening_a_ticket_whose_topic_was_deleted_shows_staff_the_talk(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex, _anna, old = await talked_and_closed(harness, uow_factory, clock)
    clock.advance(timedelta(hours=2))
    await alex.say("About my earlier conversation")
    assert "I've reopened ticket #1" in alex.said
    [thread] = harness.desk.topics
    assert thread != old
    summary, *after = in_topic(harness, thread)
    assert "Ticket #1" in summary
    talk = summary.split("Last messages with staff (times in UTC)", 1)[1]
    assert "12:03 them: The box came without the lid" in talk
    assert "12:05 Anna: Sorry! I'm asking the warehouse now." in talk
    assert "12:05 them: [photo] Here it is" in talk
    assert "About my earlier conversation" not in summary  # relayed right after it
    assert after == ["🔄 Alex wrote again within 24 hours: ticket reopened."]
    assert harness.desk.copies[-1]["thread_id"] == thread
    assert harness.desk.copies[-1]["message_id"] == alex.message_id


async def test_staff_reopening_a_ticket_whose_topic_was_deleted_get_a_topic_with_the_talk(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex, _anna, _old = await talked_and_closed(harness, uow_factory, clock)
    clock.advance(timedelta(days=3))  # long past the 24 hours: only staff reopen it
    general = harness.staff(4001, "Anna")
    await general.say("/reopen 1")
    assert general.said == "🔄 Ticket #1 reopened by Anna. Alex was told."
    [thread] = harness.desk.topics
    summary, *after = in_topic(harness, thread)
    assert "Last messages with staff" in summary
    assert "Jan 15, 12:05 Anna: Sorry! I'm asking the warehouse now." in summary
    assert after == ["🔄 Ticket #1 reopened by Anna. Alex was told."]
    # Staff write in the new topic and it reaches Alex.
    await harness.staff(4001, "Anna", thread_id=thread).say("Back on it")
    assert any(
        isinstance(a, SendText) and a.chat_id == alex.chat_id and "Back on it" in a.text
        for a in harness.desk.sent
    )


async def test_a_reopened_ticket_without_a_place_gets_one_before_its_message(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """A ticket that lost its place (the staff chat changed, as each demo run does):
    the buyer's message makes a new topic: the summary, the reopening, the message."""
    alex, _anna, _old = await talked_and_closed(harness, uow_factory, clock)
    await harness.services.tickets.forget_place(1)
    await alex.say("About my earlier conversation")
    [thread] = harness.desk.topics
    summary, *after = in_topic(harness, thread)
    assert "Last messages with staff" in summary and "them: The box came without" in summary
    assert after == ["🔄 Alex wrote again within 24 hours: ticket reopened."]
    assert harness.desk.copies[-1]["thread_id"] == thread
