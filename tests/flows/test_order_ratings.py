"""Rating after delivery, in process: the fake clock moves, the bot's rating job runs
(the job the running bot starts), the outbox sends the request, and the buyer answers
by button or by typing; then /settings, /stats, and what must not happen (a claim or
a ticket open, opted out, forged buttons, the job twice or on two workers)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from bot.clock import FakeClock
from bot.services.order_ratings import RatingAskJob
from handlers.types import SendText
from storage.models import ChatUser, OrderRating, OutboxMessage, ReplyOutbox, Ticket
from storage.uow import UnitOfWorkFactory
from tests.factories import shop_settings
from tests.harness import STAFF_CHAT, Harness, Person, alert, plain
from tests.unit.test_seller_claims import Bought, bought, file_claim, make_seller

NUMBER = "578000000000000001"  # bought()'s order, delivered 2 days before the start
LINK = "https://shop.tiktok.com/view/product/1729"
STARS = ["⭐", "⭐⭐", "⭐⭐⭐", "⭐⭐⭐⭐", "⭐⭐⭐⭐⭐"]
SELLER_EXT = 3001


class World:
    """acme with ratings on (asked 3 days after delivery), a delivered order of the
    buyer (mug and towel, delivered 2 days ago), and the rating job on the clock."""

    def __init__(self, harness: Harness, b: Bought, clock: FakeClock) -> None:
        self.harness = harness
        self.b = b
        self.clock = clock
        self.uow = harness.app.uow
        self.buyer = harness.buyer(1001)
        self.job = RatingAskJob(harness.app.uow, clock)

    async def settings(self, **values: object) -> None:
        await shop_settings(self.uow, self.clock, "acme", **values)

    async def tick(self, by: timedelta = timedelta(days=1)) -> int:
        """Move the clock, run the job, send what it queued; how many it asked.  The
        replies to what people did were handed back already (`Person.last`), as the
        channel sends them at once: dropped here, so `news` is what the bot sent on its
        own."""
        async with self.uow() as uow:
            await uow.session.execute(delete(ReplyOutbox))
            await uow.commit()
        self.clock.advance(by)
        report = await self.job.run_once()
        assert report.errors == []
        await self.harness.flush()
        return report.asked

    async def asked(self) -> str:
        """The rating request the buyer just got (one message, with five stars)."""
        [text] = self.buyer.news
        assert [b.text for b in self.buyer.buttons()] == STARS
        return text

    def star(self, n: int) -> str:
        """The data of the request's n-star button (the request keeps its buttons)."""
        return f"ra:{self.b.order_id}:{n}"

    async def rating(self) -> tuple[int, str | None] | None:
        async with self.uow(readonly=True) as uow:
            row = await uow.session.scalar(select(OrderRating))
            return (row.stars, row.comment) if row is not None else None

    async def ratings(self) -> int:
        async with self.uow(readonly=True) as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(OrderRating)))

    async def asks(self) -> int:
        async with self.uow(readonly=True) as uow:
            return int(
                await uow.session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.dedupe_key.like("rating:ask:%"))
                )
            )


@pytest.fixture
async def world(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    w = World(harness, await bought(uow_factory, clock), clock)
    await w.settings(ratings=True, rating_after_days=3)
    return w


def labels(person: Person) -> list[str]:
    return [b.text for b in person.buttons()]


def urls(person: Person) -> list[str]:
    return [b.url for b in person.buttons() if b.url]


# ------------------------------------------------------------------ asking


async def test_the_request_goes_once_rating_after_days_after_delivery(world: World) -> None:
    w = world
    assert (await w.job.run_once()).asked == 0  # 2 days after delivery: not yet
    await w.harness.flush()
    assert w.buyer.news == []
    assert await w.tick() == 1  # 3 days after delivery
    text = await w.asked()
    assert f"How was your order {NUMBER}?" in text
    assert "Ceramic mug, Tea towel" in text
    assert "Tap the stars (1 to 5), or type them" in text
    assert await w.tick(timedelta(hours=1)) == 0  # the job again: nothing new
    assert w.buyer.news == []


async def test_ratings_off_asks_nobody_and_old_orders_are_not_asked(world: World) -> None:
    w = world
    await w.settings(ratings=False)
    assert await w.tick(timedelta(days=2)) == 0
    # Turned on 12 days after delivery: past the week after day 3, never asked.
    w.clock.advance(timedelta(days=8))
    await w.settings(ratings=True)
    assert await w.tick(timedelta(hours=1)) == 0
    assert w.buyer.news == []


async def test_the_job_twice_and_two_workers_at_once_send_one_request(world: World) -> None:
    w = world
    w.clock.advance(timedelta(days=1))
    other = RatingAskJob(w.harness.app.uow, w.clock)
    reports = await asyncio.gather(w.job.run_once(), other.run_once(), w.job.run_once())
    assert sum(r.asked for r in reports) == 1
    assert all(r.errors == [] for r in reports)
    await w.harness.flush()
    await w.asked()
    assert await w.asks() == 1


async def test_no_request_while_a_claim_is_open(world: World) -> None:
    w = world
    await file_claim(w.harness.services.returns, w.b)
    await w.harness.flush()
    assert await w.tick() == 0
    assert await w.tick() == 0
    assert w.buyer.news == []


async def test_no_request_while_a_ticket_is_open_then_it_goes_after_the_close(
    world: World,
) -> None:
    w = world
    await w.buyer.say("/human")
    assert "ticket #1" in w.buyer.said
    assert await w.tick() == 0
    assert w.buyer.news == []
    anna = w.harness.staff(4001, "Anna", thread_id=next(iter(w.harness.desk.topics)))
    await anna.say("/close")
    assert await w.tick(timedelta(hours=1)) == 1
    await w.asked()


async def test_no_request_in_the_middle_of_a_return_then_it_goes_after_it(
    world: World,
) -> None:
    # Before, "How was your order?" came between the return's questions and answers.
    w = world
    w.clock.advance(timedelta(hours=23, minutes=50))  # ten minutes before it is due
    await w.buyer.say("I want to return the mug")
    assert await w.buyer.step() is not None
    assert await w.tick(timedelta(minutes=15)) == 0
    assert w.buyer.news == []
    await w.buyer.say("cancel")
    assert "stopped the return" in w.buyer.said
    assert await w.tick(timedelta(minutes=1)) == 1
    await w.asked()


# ------------------------------------------------------------------ rating by button


@pytest.mark.parametrize("link", [None, LINK])
async def test_five_stars_are_thanked_with_the_review_link_when_set(
    world: World, link: str | None
) -> None:
    w = world
    await w.settings(review_link=link)
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(5))
    assert alert(w.buyer) == "Thanks for rating!"
    assert f"Thank you for rating order {NUMBER} ⭐⭐⭐⭐⭐!" in w.buyer.said
    assert "What went wrong" not in w.buyer.said
    assert await w.rating() == (5, None)
    if link:
        assert "leave a public review" in w.buyer.said
        assert urls(w.buyer) == [LINK]
        assert labels(w.buyer) == ["✍️ Leave a review"]
    else:
        assert "review" not in w.buyer.said
        assert urls(w.buyer) == []
    assert await w.buyer.step() is None


@pytest.mark.parametrize("link", [None, LINK])
async def test_two_stars_get_the_link_too_and_the_next_steps(
    world: World, link: str | None
) -> None:
    w = world
    await w.settings(review_link=link)
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(2))
    said = w.buyer.said
    assert f"Thank you for telling us: ⭐⭐ for order {NUMBER}. I'm sorry" in said
    assert "What went wrong?" in said
    expected = ["↩ Return or refund", "🙋 Talk to a person"]
    if link:  # no review gating: the link whatever the stars
        assert "leave a public review" in said
        assert urls(w.buyer) == [LINK]
        expected.append("✍️ Leave a review")
    else:
        assert urls(w.buyer) == []
    assert labels(w.buyer) == [*expected, "Skip"]
    assert w.buyer.button("Return") == f"rs:{w.b.order_id}"  # the card's own button
    assert w.buyer.button("Talk to a person") == f"hp:{w.b.order_id}"
    # What went wrong: the next message is the comment.
    await w.buyer.say("The mug arrived chipped")
    assert w.buyer.said == "Thanks, I've passed that on to the shop."
    assert await w.rating() == (2, "The mug arrived chipped")
    assert await w.buyer.step() is None


@pytest.mark.parametrize("typed", ["skip", "nothing", "no thanks"])
async def test_nothing_typed_under_what_went_wrong_skips_the_comment(
    world: World, typed: str
) -> None:
    """ "skip" typed under "What went wrong? … or tap Skip" was kept as the comment."""
    w = world
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(2))
    await w.buyer.say(typed)
    assert "passed that on" not in w.buyer.said
    assert (await w.rating())[1] is None
    assert await w.buyer.step() is None


async def test_a_low_rating_past_the_return_window_offers_no_return(world: World) -> None:
    w = world
    await w.settings(rating_after_days=14)
    await w.tick(timedelta(days=12))  # delivered 14 days ago: the 15-day window is open
    await w.asked()
    w.clock.advance(timedelta(days=2))  # the window closes before the buyer answers
    await w.buyer.press(w.star(1))
    assert labels(w.buyer) == ["🙋 Talk to a person", "Skip"]


async def test_the_return_button_after_a_low_rating_starts_the_return(world: World) -> None:
    w = world
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(3))
    await w.buyer.tap("Return")
    assert f"Return for order {NUMBER} (step 1 of 5)" in w.buyer.said
    assert await w.buyer.step() != "rating.comment"


async def test_skip_and_cancel_leave_the_comment_and_keep_the_rating(world: World) -> None:
    w = world
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(2))
    await w.buyer.tap("Skip")
    assert w.buyer.said == "All right. Thanks again for your rating."
    assert await w.buyer.step() is None
    await w.buyer.press(w.star(1))  # rating again replaces
    assert await w.buyer.step() == "rating.comment"
    await w.buyer.say("cancel")
    assert await w.buyer.step() is None
    assert await w.rating() == (1, None)
    assert await w.ratings() == 1


async def test_rating_again_replaces_and_a_higher_tap_ends_the_question(world: World) -> None:
    w = world
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(2))
    await w.buyer.press(w.star(4))
    assert "⭐⭐⭐⭐!" in w.buyer.said
    assert await w.buyer.step() is None
    assert await w.rating() == (4, None)
    assert await w.ratings() == 1


# ------------------------------------------------------------------ typed


@pytest.mark.parametrize(
    ("typed", "stars"), [("5", 5), ("5 stars", 5), ("⭐⭐⭐⭐", 4), ("five", 5), ("2/5", 2)]
)
async def test_typed_ratings_while_a_request_is_pending(
    world: World, typed: str, stars: int
) -> None:
    w = world
    await w.tick()
    await w.asked()
    await w.buyer.say(typed)
    assert f"order {NUMBER}" in w.buyer.said
    assert await w.rating() == (stars, None)


async def test_a_low_typed_rating_with_what_went_wrong_is_not_asked_again(
    world: World,
) -> None:
    w = world
    await w.tick()
    await w.asked()
    await w.buyer.say("2 stars, it came a week late and the box was crushed")
    said = w.buyer.said
    assert "I'm sorry it wasn't better" in said and "What went wrong?" not in said
    assert "Thanks, I've passed that on to the shop." in said
    assert await w.rating() == (2, "it came a week late and the box was crushed")
    assert await w.buyer.step() is None
    assert "Skip" not in labels(w.buyer)  # nothing is asked, so nothing to skip


async def test_a_high_typed_rating_keeps_what_it_says(world: World) -> None:
    """Found in the demo: "4 stars, the towel is nice but the box was crushed" was
    thanked and its words were dropped; they are the shop's to read too."""
    w = world
    await w.tick()
    await w.asked()
    await w.buyer.say("4 stars, the towel is nice but the box was crushed")
    said = w.buyer.said
    assert "Thanks, I've passed that on to the shop." in said
    assert await w.rating() == (4, "the towel is nice but the box was crushed")
    assert await w.buyer.step() is None
    await w.buyer.say("5 stars!")  # only a verdict: nothing to pass on
    assert "passed that on" not in w.buyer.said


async def test_stars_typed_before_the_request_rate_the_delivered_order(world: World) -> None:
    """Found in the demo: "4 stars" typed under a delivered order's card, before the
    request came, was thanked as small talk and kept nowhere; "3 stars, the candle
    smell is weak" got "Glad to hear it"; and the request came minutes later."""
    w = world
    await w.buyer.say("3 stars, the candle smell is weak")
    assert await w.rating() == (3, "the candle smell is weak")
    assert "I'm sorry it wasn't better" in w.buyer.said
    assert "Glad to hear it" not in w.buyer.said
    assert await w.tick() == 0  # rated already: never asked
    await w.buyer.say("⭐⭐⭐⭐")  # changed their mind: the stars replace the first
    assert (await w.rating() or (0, None))[0] == 4


async def test_stars_with_two_delivered_orders_and_no_card_shown_rate_neither(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    w = world
    await bought(uow_factory, clock, number="578000000000000002")  # Alex's second
    await w.buyer.say("3 stars")  # which order is not known: nothing is kept
    assert await w.ratings() == 0
    assert "I'm sorry it wasn't better. What went wrong?" in w.buyer.said
    assert "Glad to hear it" not in w.buyer.said


async def test_a_bare_number_without_a_request_is_not_a_rating(world: World) -> None:
    w = world
    await w.buyer.say("5")
    assert await w.ratings() == 0
    await w.tick()
    await w.asked()
    await w.buyer.say("ok thanks")  # a verdict word alone: not for a request days old
    assert await w.ratings() == 0
    await w.buyer.say("5")
    assert await w.rating() == (5, None)
    await w.buyer.say("4")  # answered already: no longer pending
    assert await w.rating() == (5, None)


async def test_a_typed_rating_answers_the_most_recent_request(
    world: World, harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    """A ticket closed (its "How did we do?") after our request: "5" rates the ticket.
    Our request after the ticket closed: "5" rates the order."""
    w = world
    await w.tick()
    await w.asked()  # the order's request first
    await w.buyer.say("/human")
    anna = harness.staff(4001, "Anna", thread_id=next(iter(harness.desk.topics)))
    w.clock.advance(timedelta(minutes=5))
    await anna.say("/close")  # then the ticket's
    w.clock.advance(timedelta(minutes=5))
    await w.buyer.say("5")
    assert await w.ratings() == 0
    async with uow_factory(readonly=True) as uow:
        [ticket] = list(await uow.session.scalars(select(Ticket)))
    assert ticket.rating == 5
    await w.buyer.say("cancel")  # leave the ticket's comment step


async def test_a_request_after_the_ticket_closed_takes_the_typed_rating(
    world: World, harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    w = world
    await w.buyer.say("/human")
    anna = harness.staff(4001, "Anna", thread_id=next(iter(harness.desk.topics)))
    await anna.say("/close")  # the ticket asks first
    assert await w.tick() == 1  # then the order's request
    await w.asked()
    await w.buyer.say("⭐⭐⭐⭐⭐")
    assert await w.rating() == (5, None)
    async with uow_factory(readonly=True) as uow:
        [ticket] = list(await uow.session.scalars(select(Ticket)))
    assert ticket.rating is None


# ------------------------------------------------------------------ low_rating_ticket


async def test_low_rating_ticket_tells_staff_the_stars_and_the_comment(
    world: World, harness: Harness, uow_factory: UnitOfWorkFactory
) -> None:
    w = world
    await w.settings(low_rating_ticket=True)
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(1))
    assert "passed this to our support team too (ticket #1)" in w.buyer.said
    assert "🙋 Talk to a person" not in labels(w.buyer)  # a person has it already
    [thread] = list(harness.desk.topics)
    posted = [
        plain(a.text)
        for a in harness.desk.sent
        if isinstance(a, SendText) and a.chat_id == STAFF_CHAT and a.thread_id == thread
    ]
    assert any("a low rating after delivery" in p for p in posted), posted
    assert posted[-1] == f"⭐ Order {NUMBER} was rated 1 of 5 after delivery."
    await w.buyer.say("Never arrived in one piece <b>")
    last = [a for a in harness.desk.sent if isinstance(a, SendText)][-1]
    assert (
        plain(last.text) == "What went wrong, in the buyer's words: Never arrived in one piece <b>"
    )
    assert "&lt;b&gt;" in last.text
    async with uow_factory(readonly=True) as uow:
        [ticket] = list(await uow.session.scalars(select(Ticket)))
    assert (ticket.reason, ticket.status, ticket.order_id) == ("low_rating", "open", w.b.order_id)
    assert await w.rating() == (1, "Never arrived in one piece <b>")


async def test_a_high_rating_opens_no_ticket(world: World, uow_factory: UnitOfWorkFactory) -> None:
    w = world
    await w.settings(low_rating_ticket=True)
    await w.tick()
    await w.asked()
    await w.buyer.press(w.star(4))
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Ticket)) == 0


# ------------------------------------------------------------------ forged buttons


async def test_forged_rating_buttons_change_nothing(
    world: World, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    w = world
    other = await bought(uow_factory, clock, number="578000000000000099", buyer_ext=1002)
    unlinked = await bought(uow_factory, clock, number="578000000000000098", buyer_ext=1003)
    stranger = harness.buyer(1002, "Eve")
    friendly = "That rating button isn't for one of your orders, so nothing changed."
    await stranger.press(f"ra:{other.order_id}:1")  # their own order, not asked yet
    assert alert(stranger) == friendly
    await w.tick()
    await w.asked()
    for person, data in (
        (w.buyer, f"ra:{other.order_id}:5"),  # another buyer's order
        (w.buyer, f"ra:{w.b.order_id}:9"),  # a rating of 9
        (w.buyer, f"ra:{w.b.order_id}:0"),
        (w.buyer, f"ra:{unlinked.order_id}:1"),  # an order not linked to this chat
        (w.buyer, "ra:abc:5"),
        (stranger, f"ra:{w.b.order_id}:1"),  # this buyer's order, pressed by another
    ):
        await person.press(data)
        assert alert(person) == friendly, data
    assert await w.ratings() == 0


# ------------------------------------------------------------------ /settings


async def test_settings_off_means_no_request_and_on_brings_it_back(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    w = world
    await w.buyer.say("/settings")
    said = w.buyer.said
    assert "Messages I send on my own" in said
    assert "On: I may write to you first" in said
    assert "Order status updates and answers about your requests always reach you" in said
    assert labels(w.buyer) == ["🔕 Turn them off"]
    await w.buyer.say("stop")  # at this step: stop messaging me, not "leave"
    assert w.buyer.said.startswith("Done: I won't message you on my own any more.")
    assert await w.buyer.step() is None
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(ChatUser.proactive_off)) is True
    assert await w.tick() == 0
    assert w.buyer.news == []
    await w.buyer.say("/settings")
    assert "Off: I don't write to you first" in w.buyer.said
    await w.buyer.tap("Turn them on")
    assert w.buyer.said.startswith("Done: I may message you on my own again")
    assert await w.tick(timedelta(hours=1)) == 1
    await w.asked()


@pytest.mark.parametrize("typed", ["turn off the delivery updates", "stop the rating reminders"])
async def test_settings_turned_off_in_its_own_words(world: World, typed: str) -> None:
    """Found in the demo: "turn off the delivery updates" at /settings got "please tap
    the button, or type on or off"."""
    w = world
    await w.buyer.say("/settings")
    await w.buyer.say(typed)
    assert w.buyer.said.startswith("Done: I won't message you on my own any more."), w.buyer.said
    assert await w.buyer.step() is None


async def test_settings_typed_at_once_and_cancel_still_leaves(world: World) -> None:
    w = world
    await w.buyer.say("/settings off")
    assert w.buyer.said.startswith("Done: I won't message you on my own")
    await w.buyer.say("/settings")
    await w.buyer.say("cancel")
    assert await w.buyer.step() is None
    assert await w.tick() == 0  # still off
    await w.buyer.say("/settings")
    await w.buyer.say("on")
    assert w.buyer.said.startswith("Done: I may message you on my own again")
    await w.buyer.say("/settings maybe")
    assert '"maybe" isn\'t on or off.' in w.buyer.said
    await w.buyer.press("bs:sideways")
    assert (alert(w.buyer) or "").startswith("This button no longer works.")


@pytest.mark.parametrize(
    "typed", ["stop sending me messages", "unsubscribe", "no quiero más mensajes"]
)
async def test_stop_sending_me_messages_outside_settings_turns_them_off(
    world: World, typed: str
) -> None:
    """It was read as a complaint ("I'm sorry to hear that")."""
    w = world
    await w.buyer.say(typed)
    assert "message you on my own" in w.buyer.said or "ya no te escribiré" in w.buyer.said
    assert "sorry to hear" not in w.buyer.said
    assert await w.tick() == 0  # the rating request is not sent


async def test_turn_them_back_on_right_after_turns_them_on(world: World, clock: FakeClock) -> None:
    """Found in the demo: "actually turn them back on" after "stop sending me
    notifications" was read as about the order ("still on its way")."""
    w = world
    await w.buyer.say("stop sending me notifications")
    await w.buyer.say("actually turn them back on")
    assert "Done: I may message you on my own again" in w.buyer.last_text
    await w.buyer.say("stop sending me notifications")
    clock.advance(timedelta(minutes=30))  # later, "them" is no longer the messages
    await w.buyer.say("turn them back on")
    assert "Done: I may message you" not in w.buyer.last_text


async def test_turn_them_back_on_after_turning_them_off_at_settings_turns_them_on(
    world: World,
) -> None:
    """Found in the demo: turned off at /settings' own question, "turn them back on"
    typed next started a return ("back")."""
    w = world
    await w.buyer.say("/settings")
    await w.buyer.say("stop sending me updates")
    assert "won't message you on my own" in w.buyer.last_text, w.buyer.said
    await w.buyer.say("turn them back on")
    assert "Done: I may message you on my own again" in w.buyer.last_text, w.buyer.said
    assert await w.buyer.step() is None


async def test_turn_notifications_back_on_outside_settings_turns_them_on(world: World) -> None:
    w = world
    await w.buyer.say("/settings off")
    await w.buyer.say("turn notifications back on")
    assert "Done: I may message you on my own again" in w.buyer.last_text


@pytest.mark.parametrize(
    ("typed", "off"),
    [
        ("turn off notifications", True),
        ("I don't want messages", True),
        ("disable them please", True),
        ("turn on notifications", False),
    ],
)
async def test_settings_read_what_people_type(world: World, typed: str, off: bool) -> None:
    """The tester's "turn off notifications" got "Please tap the button, or type on or
    off"."""
    w = world
    if not off:
        await w.buyer.say("/settings off")
    await w.buyer.say("/settings")
    await w.buyer.say(typed)
    done = "Done: I won't message you" if off else "Done: I may message you on my own again"
    assert w.buyer.said.startswith(done), w.buyer.said
    assert await w.buyer.step() is None


async def test_settings_leave_what_says_both_ways_unread(world: World) -> None:
    w = world
    await w.buyer.say("/settings")
    await w.buyer.say("don't turn them off")
    assert "Please tap the button" in w.buyer.said
    assert await w.buyer.step() == "settings.proactive"


async def test_status_notices_still_come_when_proactive_messages_are_off(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    """Opting out stops the bot's own messages only: a claim decision still arrives."""
    w = world
    await w.buyer.say("/settings off")
    await make_seller(uow_factory, w.clock, SELLER_EXT)
    claim = await file_claim(w.harness.services.returns, w.b)
    await w.harness.flush()
    seller = w.harness.seller(SELLER_EXT)
    seller.news  # noqa: B018  (the new claim; read so the next news are fresh)
    await seller.press(f"q:{claim.id}")
    await seller.tap("Approve")
    await seller.tap("Confirm")
    await w.harness.flush()
    assert any(claim.number in text for text in w.buyer.news)


# ------------------------------------------------------------------ /stats


async def test_stats_show_ratings_overall_and_per_product(
    world: World, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    w = world
    second = await bought(
        uow_factory,
        clock,
        number="578000000000000002",
        buyer_ext=1002,
        items=(("Ceramic mug", 1, "12.50"),),
    )
    await w.tick()
    await w.asked()
    other = harness.buyer(1002, "Eve")
    other.news  # noqa: B018
    await w.buyer.press(w.star(5))
    await other.press(other.button(STARS[1]))
    assert await w.ratings() == 2
    assert second.order_id != w.b.order_id
    await make_seller(uow_factory, clock, SELLER_EXT)
    seller = harness.seller(SELLER_EXT)
    clock.advance(timedelta(minutes=1))  # the period ends now: the ratings are in it
    await seller.say("/stats")
    said = seller.said
    assert "⭐ Ratings: 2, average 3.50 of 5" in said
    assert "Ratings by product (lowest first):" in said
    assert "1. Ceramic mug: 3.50 ⭐ (2)" in said
    assert "2. Tea towel: 5.00 ⭐ (1)" in said


async def test_stats_without_ratings_say_so(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_seller(uow_factory, clock, SELLER_EXT)
    seller = harness.seller(SELLER_EXT)
    await seller.say("/stats")
    assert "⭐ Ratings: none in this period" in seller.said


# ------------------------------------------------------------------ more than one, Spanish


async def test_two_pending_requests_a_typed_rating_answers_the_newest_first(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    w = world
    await w.tick()  # the first order's request
    await w.asked()
    second = await bought(uow_factory, clock, number="578000000000000002")
    await w.tick(timedelta(days=3))  # delivered 2 days before that: now due
    [text] = w.buyer.news
    assert "578000000000000002" in text
    await w.buyer.say("4")
    assert "order 578000000000000002 ⭐⭐⭐⭐" in w.buyer.said
    await w.buyer.say("5 stars")  # the older request is still waiting
    assert f"order {NUMBER} ⭐⭐⭐⭐⭐" in w.buyer.said
    async with uow_factory(readonly=True) as uow:
        rows = (await uow.session.execute(select(OrderRating.order_id, OrderRating.stars))).all()
    assert sorted(rows) == sorted([(w.b.order_id, 5), (second.order_id, 4)])


async def test_a_spanish_buyer_reads_the_request_and_the_thanks_in_spanish(world: World) -> None:
    w = world
    w.buyer.locale = "es"
    await w.settings(review_link=LINK)
    await w.buyer.say("/start")  # Telegram tells the bot the buyer's language
    await w.tick()
    text = await w.asked()
    assert f"¿Qué tal tu pedido {NUMBER}?" in text
    assert "Toca las estrellas" in text
    await w.buyer.say("cinco estrellas")
    assert f"¡Gracias por valorar el pedido {NUMBER} con ⭐⭐⭐⭐⭐!" in w.buyer.said
    assert labels(w.buyer) == ["✍️ Dejar una reseña"]
    await w.buyer.say("/settings")
    assert "Mensajes que envío por mi cuenta" in w.buyer.said
    await w.buyer.say("no")
    assert w.buyer.said.startswith("Hecho: ya no te escribiré por mi cuenta.")
