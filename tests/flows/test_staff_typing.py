"""Support staff typing in the staff chat as a new staff member does: commands with
wrong or missing arguments, two tickets at once, typing in General and in a closed
ticket's topic.  A command never acts on another ticket than the one it names, and
every mistake gets a plain line that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.domain.enums import TicketStatus
from bot.services.ticket_sla import SlaWatch
from bot.understanding.model import Reading
from handlers.types import SendText
from storage.uow import UnitOfWorkFactory
from tests.harness import STAFF_CHAT, Harness, Person, plain


def topic_lines(harness: Harness, thread: int) -> list[str]:
    """What the bot posted in a ticket's topic (through the desk), oldest first."""
    return [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.chat_id == STAFF_CHAT and a.thread_id == thread
    ]


def reached(harness: Harness, person: Person) -> list[str]:
    """What reached a requester through the desk (staff replies, closing)."""
    return [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.chat_id == person.chat_id
    ]


async def status(harness: Harness, ticket_id: int) -> TicketStatus:
    return TicketStatus((await harness.services.tickets.get(ticket_id)).status)


async def two_tickets(harness: Harness) -> tuple[Person, Person, int, int]:
    """Two buyers ask for a person in their own words; returns them and their topics."""
    alex, jordan = harness.buyer(1001, "Alex"), harness.buyer(1002, "Jordan")
    await alex.say("/human")
    await jordan.say("/human")
    [first, second] = list(harness.desk.topics)
    return alex, jordan, first, second


# ------------------------------------------------------------------- /close N


async def test_close_with_a_number_of_no_ticket_closes_nothing(harness: Harness) -> None:
    """The tester's "/close 99" typed in ticket #2's topic closed ticket #2."""
    _alex, jordan, _first, second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=second)
    await riley.say("/close 99")
    assert "There is no ticket #99" in riley.said
    await riley.say("/close abc")
    assert "Which ticket?" in riley.said and "Nothing was closed" in riley.said
    assert harness.desk.closed == set()
    assert await status(harness, 2) == TicketStatus.OPEN
    assert not any("closed ticket" in line for line in reached(harness, jordan))


async def test_close_with_a_number_closes_that_ticket_and_says_so_in_both_places(
    harness: Harness,
) -> None:
    alex, _jordan, first, second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=second)
    await riley.say("/close 1")
    assert "Ticket #1 closed by Riley. Alex was asked to rate the help." in riley.said
    assert harness.desk.closed == {first}
    assert "Ticket #1 closed by Riley" in topic_lines(harness, first)[-1]
    assert await status(harness, 1) != TicketStatus.OPEN
    assert await status(harness, 2) == TicketStatus.OPEN
    assert any("closed ticket #1" in line for line in reached(harness, alex))
    # From General too, and a second /close of it says it is closed already.
    general = harness.staff(name="Riley")
    await general.say("/close #1")
    assert "Ticket #1 is already closed. /reopen 1 opens it again." in general.said


async def test_close_typed_in_a_closed_ticket_topic_says_it_is_closed(harness: Harness) -> None:
    _alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    await riley.say("/close")
    assert "Closed by Riley" in riley.said
    await riley.say("/close")
    assert "Ticket #1 is already closed" in riley.said


# ---------------------------------------------------------- commands staff lack


async def test_refund_typed_by_staff_says_where_refunds_are_decided(harness: Harness) -> None:
    _alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    await riley.say("/refund")
    assert "Refund buyer" in riley.last_text and "seller" in riley.last_text
    assert "There's no staff command" not in riley.said


async def test_a_slip_of_a_staff_command_names_it_and_does_nothing(harness: Harness) -> None:
    _alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    await riley.say("/clsoe")
    assert (
        riley.last_text == "There's no staff command /clsoe. Did you mean /close? Nothing was done."
    )
    assert harness.desk.closed == set()
    await riley.say("/tickest")
    assert "Did you mean /tickets?" in riley.last_text
    await riley.say("/frobnicate")
    assert "There's no staff command /frobnicate. Send /help" in plain(riley.last_text)


# ------------------------------------------ buyers asking for a person in words


@pytest.mark.parametrize("typed", ["agent", "human please", "can I talk to a real human please"])
async def test_a_buyer_asking_for_a_person_in_a_few_words_gets_one(
    harness: Harness, typed: str
) -> None:
    """The tester's guest typed "agent" and was asked "Which of these do you mean?"
    with two identical "Talk to a person" buttons."""
    guest = harness.buyer(1003, "Guest")
    await guest.say(typed)
    assert "passed our conversation to a person" in guest.said
    assert "Which of these" not in guest.said
    [thread] = harness.desk.topics
    assert "Guest" in harness.desk.topics[thread]


async def test_a_clarifying_question_offers_a_person_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    unsure = Reading("talk_to_person", 0.5, (("complaint", 0.35),), evidence=2)

    async def read(text: str) -> Reading:
        return unsure

    monkeypatch.setattr(harness.services.understanding, "read", read)
    guest = harness.buyer(1003, "Guest")
    await guest.say("the thing with the stuff")
    assert "Which of these do you mean?" in guest.said
    labels = [b.text for b in guest.buttons()]
    assert labels.count("🙋 Talk to a person") == 1, labels


# ------------------------------------------------------------- a staff reopen


async def test_a_ticket_staff_reopened_is_not_overdue_until_the_requester_writes(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """The tester's Riley reopened Guest's ticket (/reopen 57, Guest was told); twenty
    minutes later the topic got "⏰ First-response target missed" and /tickets said
    Guest was waiting, though Guest had written nothing since."""
    alex, _jordan, first, second = await two_tickets(harness)
    await harness.staff(name="Riley", thread_id=second).say("Hello Jordan")
    riley = harness.staff(name="Riley", thread_id=first)
    await riley.say("Hello Alex")
    await riley.say("/close")
    await riley.say("/reopen")
    assert "Ticket #1 reopened by Riley" in riley.said
    clock.advance(timedelta(minutes=20))
    assert await SlaWatch(uow_factory, clock).run_once() == 0
    general = harness.staff(name="Riley")
    await general.say("/tickets")
    [line] = [x for x in general.last_text.splitlines() if "#1 · Alex" in x]
    assert "answered" in line and "⏰" not in line
    # When Alex writes, the ticket shows him waiting again.
    await alex.say("thanks, one more thing")
    await general.say("/tickets")
    [line] = [x for x in general.last_text.splitlines() if "#1 · Alex" in x]
    assert "waiting" in line


async def test_writing_in_a_closed_tickets_topic_sends_nothing_and_says_how_to_reopen(
    harness: Harness,
) -> None:
    alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    await riley.say("/close")
    before = len(reached(harness, alex))
    await riley.say("One more thing, Alex")
    assert "nothing was sent" in riley.last_text and "/reopen" in riley.last_text
    assert len(reached(harness, alex)) == before
    await riley.say("/reopen")
    await riley.say("One more thing, Alex")
    assert reached(harness, alex)[-1].endswith("One more thing, Alex")


# ------------------------------------------------- a button's words, typed in a topic


async def test_close_this_typed_in_a_topic_is_not_sent_to_the_buyer(harness: Harness) -> None:
    """The tester's "close this" and "assign to me" reached the buyer as Riley's words."""
    alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    before = len(reached(harness, alex))
    await riley.say("close this")
    assert "was not sent to Alex" in riley.said
    assert [b.data for b in riley.buttons()] == ["tk:c:1"]
    await riley.say("assign to me")
    assert "was not sent to Alex" in riley.said
    assert len(reached(harness, alex)) == before  # nothing reached the buyer
    assert await status(harness, 1) == TicketStatus.OPEN
    # A sentence with the word in it is an answer, and goes to the buyer.
    await riley.say("I'll close this once the refund lands")
    assert any("once the refund lands" in line for line in reached(harness, alex))
    # The offered button closes the ticket, as the summary's does.
    await riley.press("tk:c:1")
    assert await status(harness, 1) == TicketStatus.CLOSED


@pytest.mark.parametrize("typed", ["take this one", "i'll take it", "I got this"])
async def test_taking_the_ticket_in_words_is_not_sent_to_the_buyer(
    harness: Harness, typed: str
) -> None:
    """Found in the demo: Riley's "take this one" reached Jordan as the team's word.
    It offers Assign to me; "got it, checking now" is an answer, and goes."""
    alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    before = len(reached(harness, alex))
    await riley.say(typed)
    assert "was not sent to Alex" in riley.said
    assert [b.data for b in riley.buttons()] == ["tk:a:1"], riley.buttons()
    assert len(reached(harness, alex)) == before
    await riley.say("I got it, checking now")
    assert any("checking now" in line for line in reached(harness, alex))


async def test_summary_or_refund_typed_in_a_topic_is_answered_not_sent_to_the_buyer(
    harness: Harness,
) -> None:
    """In the demo, Riley's "summary" and "refund 18" reached Alex as the team's words."""
    alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    before = len(reached(harness, alex))
    await riley.say("summary")
    assert "“summary” was not sent to Alex" in riley.said
    assert "Ticket #1" in riley.last_text and "asked for a person" in riley.last_text
    for typed in (
        "refund 18",
        "give them a refund",
        "refund them $18.50",
        # Found in the demo: a verdict said to a colleague reached the buyer.
        "looks like the buyer is right, refund the rest",
        "ok so pay them the difference",
        # Found in the demo: Riley's "refund the shipping" reached Jordan.
        "refund the shipping",
        "refund them the express fee",
        # Found in the demo: Riley's "refund her 10 dollars for the trouble" reached Alex.
        "refund her 10 dollars for the trouble",
        "give him $5 for the wait",
    ):
        await riley.say(typed)
        assert f"“{typed}” was not sent to Alex" in riley.said
        assert "Staff refund only on an appeal" in riley.said
    assert len(reached(harness, alex)) == before  # nothing reached the buyer
    # In a sentence the words go to the buyer, as any answer does.
    await riley.say("the refund of $18 is on its way, here's a summary: mug replaced")
    assert any("refund of $18 is on its way" in line for line in reached(harness, alex))
    await riley.say("Hi Alex, the seller has agreed to refund the rest")
    assert any("agreed to refund the rest" in line for line in reached(harness, alex))
    await riley.say("the refund for the order arrives in 3 days")
    assert any("arrives in 3 days" in line for line in reached(harness, alex))


@pytest.mark.parametrize(
    "typed",
    [
        "order info",
        "what's the order status?",
        "show me the order",
        "what did they order",  # found in the demo: it reached Jordan from Riley
        # asked of the bot, found in the demo: they reached Jordan too
        "whats their email",
        "when does it arrive",
        "has it shipped yet?",
        "whats the tracking say",  # found in the demo, too
        "where is their parcel now",
    ],
)
async def test_the_order_asked_for_in_a_topic_is_the_summary_not_sent_to_the_buyer(
    harness: Harness, typed: str
) -> None:
    """Found in the demo: Riley's "order info" reached Jordan as the team's words."""
    alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    before = len(reached(harness, alex))
    await riley.say(typed)
    assert f"“{typed}” was not sent to Alex" in riley.said
    assert "Ticket #1" in riley.last_text
    assert len(reached(harness, alex)) == before
    await riley.say("your order status shows it left the warehouse today")
    assert any("left the warehouse today" in line for line in reached(harness, alex))


@pytest.mark.parametrize(
    "typed", ["change the address to calle mayor 5", "please update their shipping address"]
)
async def test_an_address_change_told_to_the_bot_is_held_with_send_or_note(
    harness: Harness, typed: str
) -> None:
    """Found in the demo: Riley's "change the address to calle mayor 5" reached the
    buyer, who cannot do it either; the bot cannot change an order's address.  Held
    back with who does it, and one tap sends it after all or keeps it as a note."""
    alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    before = len(reached(harness, alex))
    await riley.say(typed)
    assert f"“{typed}” was not sent to Alex" in riley.said
    assert "can't change an order's address" in riley.said
    assert [b.text for b in riley.buttons()] == ["📤 Send to Alex", "📝 Keep as a note"]
    assert len(reached(harness, alex)) == before
    await riley.tap("📝 Keep as a note")
    assert "Internal note saved" in riley.said
    await riley.say("you can change the address in the app until it ships")  # to the buyer
    assert any("change the address in the app" in line for line in reached(harness, alex))


async def test_a_question_to_the_team_about_the_buyer_is_held_with_send_or_note(
    harness: Harness,
) -> None:
    """In the demo, Riley's "can we send them the sheath separately?" reached the buyer:
    the team's deliberation, about them.  It is held back; one tap sends it after all
    or keeps it as an internal note."""
    alex, _jordan, first, _second = await two_tickets(harness)
    riley = harness.staff(name="Riley", thread_id=first)
    before = len(reached(harness, alex))
    await riley.say("can we send them the sheath separately?")
    assert "“can we send them the sheath separately?” was not sent to Alex" in riley.said
    assert [b.text for b in riley.buttons()] == ["📤 Send to Alex", "📝 Keep as a note"]
    assert len(reached(harness, alex)) == before
    await riley.tap("📝 Keep as a note")
    assert "Internal note saved" in riley.said
    assert len(reached(harness, alex)) == before
    await riley.say("should I refund him?")
    await riley.tap("📤 Send to Alex")
    assert any("should I refund him?" in line for line in reached(harness, alex))
    await riley.press("as:s:1")  # the choice was made: the button is spent
    assert sum("should I refund him?" in line for line in reached(harness, alex)) == 1
    # Written to the buyer, the same words go as any answer does.
    await riley.say("can we send you the sheath separately?")
    assert any("send you the sheath separately" in line for line in reached(harness, alex))
