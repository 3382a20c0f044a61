"""Cancelling an order the seller already holds, and goodwill refunds, in process: the
buyer asks from the order card, the seller answers with a button, everyone else's
crafted buttons change nothing; `/refund` and its refusals.  (Moved from tests/e2e:
none of it depends on the framework.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.services.shops import ShopAdmin
from handlers.types import AnswerButton
from storage.models import CancelRequest, Order, OutboxMessage, Refund
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_buyer_orders import NUMBER, link
from tests.harness import Harness, Person, alert, edited, shown

ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00"))  # 33.00 + 4.99 = 37.99
SELLER_ID, SECOND_SELLER_ID, OTHER_SELLER_ID, BUYER_ID, STRANGER_ID = 9001, 9003, 9002, 1001, 1003
ASK, SEND, KEEP = "✖ Ask to cancel", "Yes, ask the seller", "No, keep the order"
APPROVE, REJECT = "✅ Approve (full refund)", "✖ Reject"
CANCEL = "✖ Cancel"
WITHDRAW = "↩ Keep my order"
ANSWERED = "This request was already answered."
ONLY_SELLERS = "That's for the shop's sellers only."
UNREADABLE = "I can't read that as an amount. Please type it in digits, like 12.50."


def confirm_label(amount: str) -> str:
    """The Confirm button under a money action's question, naming the amount."""
    return f"✅ Confirm: refund {amount}"


async def join(harness: Harness, shop: str, user_id: int, name: str) -> Person:
    """A seller of `shop`, joined through the shop's one-time invite link."""
    token = await harness.services.sellers.invite(shop)
    seller = harness.seller(user_id, name)
    await seller.say(f"/start {token}")
    assert "You're now a seller of" in seller.said, seller.said
    return seller


class World:
    """An acme order being prepared (AWAITING_SHIPMENT), its buyer Alex (linked in the
    chat, looking at the order card) and acme's seller Sam."""

    def __init__(self, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock):
        self.h, self.uow, self.clock = harness, uow_factory, clock

    async def setup(self) -> None:
        self.order_id = await make_order(
            self.uow,
            self.clock,
            number=NUMBER,
            status="AWAITING_SHIPMENT",
            items=ITEMS,
            carrier=None,
        )
        self.buyer = self.h.buyer(BUYER_ID, "Alex")
        await link(self.buyer)
        self.card_buttons = shown(self.buyer)
        self.ask = self.buyer.button(ASK)  # on the order card
        self.seller = await join(self.h, "acme", SELLER_ID, "Sam")

    async def ask_to_cancel(self) -> None:
        """The buyer's taps on the card; leaves the seller looking at the request."""
        await self.buyer.tap(ASK)
        assert alert(self.buyer) is None
        assert f"Order {NUMBER} is already with the seller" in self.buyer.said
        assert shown(self.buyer) == [SEND, KEEP]
        await self.buyer.tap(SEND)
        assert alert(self.buyer) is None
        sent = edited(self.buyer)
        assert f"Your cancellation request for order {NUMBER} is with the seller" in sent
        assert shown(self.buyer) == []
        await self.h.flush()
        [request] = self.seller.news
        assert f"The buyer of order {NUMBER} asks to cancel it before it ships" in request
        assert shown(self.seller) == [APPROVE, REJECT]

    async def buyer_is_told(self) -> str:
        await self.h.flush()
        [told] = self.buyer.news
        return told

    # -------------------------------------------------------------- reading back

    async def order_status(self) -> str:
        async with self.uow(readonly=True) as uow:
            order = await uow.session.get(Order, self.order_id)
            assert order is not None
            return order.status

    async def ledger(self) -> list[tuple[Decimal, str, str]]:
        async with self.uow(readonly=True) as uow:
            rows = await uow.session.scalars(select(Refund).order_by(Refund.id))
            return [(r.amount, r.issuer_kind, r.reason) for r in rows]

    async def request_ids(self) -> list[int]:
        async with self.uow(readonly=True) as uow:
            return list(await uow.session.scalars(select(CancelRequest.id)))

    async def snapshot(self) -> tuple[Any, ...]:
        async with self.uow(readonly=True) as uow:
            requests = await uow.session.scalars(select(CancelRequest).order_by(CancelRequest.id))
            outbox = await uow.session.scalar(select(func.count()).select_from(OutboxMessage))
            states = [(r.status, r.version) for r in requests]
        return (await self.order_status(), await self.ledger(), states, outbox)


async def nothing_more(harness: Harness, person: Person) -> None:
    await harness.flush()
    assert person.news == []


@pytest.fixture
async def world(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    w = World(harness, uow_factory, clock)
    await w.setup()
    return w


# ------------------------------------------------------------------ the request


async def test_seller_approves_the_buyers_request(world: World, harness: Harness) -> None:
    assert world.card_buttons == ["🔄 Refresh", ASK, "🙋 Talk to a person", "‹ My orders"]
    # A second seller of the shop gets the request too.
    kim = await join(harness, "acme", SECOND_SELLER_ID, "Kim")
    await world.ask_to_cancel()
    assert len(kim.news) == 1
    assert shown(kim) == [APPROVE, REJECT]
    kims_approve = kim.button(APPROVE)
    assert await world.order_status() == "AWAITING_SHIPMENT"

    sams_approve = world.seller.button(APPROVE)
    await world.seller.tap(APPROVE)
    assert alert(world.seller) is None
    assert f"Cancel order {NUMBER} and refund $37.99 to the buyer, Alex?" in world.seller.said
    assert shown(world.seller) == [confirm_label("$37.99"), CANCEL]
    assert await world.order_status() == "AWAITING_SHIPMENT"  # nothing before the tap
    await world.seller.tap(confirm_label("$37.99"))
    assert alert(world.seller) is None
    assert f"Order {NUMBER} is cancelled and $37.99 is refunded." in edited(world.seller)
    assert shown(world.seller) == []  # nothing left to press

    told = await world.buyer_is_told()
    assert f"The seller cancelled order {NUMBER}" in told
    assert "$37.99 will be refunded" in told
    assert shown(world.buyer) == ["Open order"]
    assert await world.order_status() == "CANCELLED"
    assert await world.ledger() == [
        (Decimal("37.99"), "seller", "order cancelled at the buyer's request")
    ]

    # Kim, a moment too late, presses Approve on her copy: a popup, nothing more.
    await kim.press(kims_approve)
    assert alert(kim) == ANSWERED
    assert all(isinstance(a, AnswerButton) for a in kim.last)
    # And Sam's stale button (a second tap that raced the edit) the same.
    await world.seller.press(sams_approve)
    assert alert(world.seller) == ANSWERED
    assert await world.ledger() == [
        (Decimal("37.99"), "seller", "order cancelled at the buyer's request")
    ]
    await nothing_more(harness, world.buyer)

    # The buyer opens the order from the message: it is cancelled, no more cancel button.
    await world.buyer.tap("Open order")
    assert "Status: Cancelled" in world.buyer.said
    assert ASK not in shown(world.buyer)


async def test_seller_rejects_the_buyers_request(world: World) -> None:
    await world.ask_to_cancel()
    reject = world.seller.button(REJECT)

    await world.seller.press(reject)
    assert alert(world.seller) is None
    assert f"Order {NUMBER} stays as it is; the buyer was told." in edited(world.seller)
    assert shown(world.seller) == []

    told = await world.buyer_is_told()
    assert f"The seller couldn't cancel order {NUMBER}" in told
    assert shown(world.buyer) == ["Open order"]
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []

    await world.seller.press(f"ka:{(await world.request_ids())[0]}")
    assert alert(world.seller) == ANSWERED
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []


async def test_approve_after_the_order_shipped_is_refused_and_reject_still_works(
    world: World, harness: Harness
) -> None:
    await world.ask_to_cancel()
    async with world.uow() as uow:  # the warehouse was faster than the seller
        order = await uow.session.get(Order, world.order_id)
        assert order is not None
        order.status = "IN_TRANSIT"
        await uow.commit()

    await world.seller.tap(APPROVE)
    popup = alert(world.seller) or ""
    assert "can't be cancelled any more" in popup and len(popup) <= 200
    assert all(isinstance(a, AnswerButton) for a in world.seller.last)  # the buttons stay
    assert await world.ledger() == []
    assert await world.order_status() == "IN_TRANSIT"
    await nothing_more(harness, world.buyer)

    await world.seller.tap(REJECT)
    assert alert(world.seller) is None
    assert "stays as it is" in edited(world.seller)
    told = await world.buyer_is_told()
    assert f"The seller couldn't cancel order {NUMBER}" in told
    assert await world.ledger() == []


async def test_asking_twice_while_the_seller_decides(world: World, harness: Harness) -> None:
    await world.ask_to_cancel()
    send = world.buyer.button(SEND)
    await world.buyer.press(world.ask)  # the card's button, again: where it stands
    assert f"You already asked to cancel order {NUMBER}" in world.buyer.said
    assert shown(world.buyer) == []  # no question to send another
    await world.buyer.press(send)  # the first question's Send, again
    assert f"You already asked to cancel order {NUMBER}" in edited(world.buyer)
    await nothing_more(harness, world.seller)
    assert len(await world.request_ids()) == 1


async def test_the_order_card_says_the_request_waits_and_offers_no_second(
    world: World, harness: Harness
) -> None:
    """The card offered "Ask to cancel" again, and its tap only said it was asked."""
    await world.ask_to_cancel()
    await world.buyer.press(f"o:{world.order_id}")  # the card, opened again
    assert "You asked the seller to cancel it" in world.buyer.last_text
    assert ASK not in shown(world.buyer)
    await world.seller.tap(REJECT)
    await world.buyer_is_told()
    await world.buyer.press(f"o:{world.order_id}")  # rejected: it may be asked again
    assert "You asked the seller to cancel it" not in world.buyer.last_text
    assert ASK in shown(world.buyer)


@pytest.mark.parametrize("typed", ["hmm let me think about it", "i'll decide later"])
async def test_thinking_it_over_at_the_cancel_question_keeps_it_open(
    world: World, harness: Harness, typed: str
) -> None:
    """Found in the demo: "hmm let me think about it" got "tap one of the buttons"."""
    await world.buyer.press(world.ask)
    send = world.buyer.button(SEND)
    await world.buyer.say(typed)
    assert "No rush: nothing is cancelled" in world.buyer.said, world.buyer.said
    assert "tap one of the buttons" not in world.buyer.said.lower()
    await nothing_more(harness, world.seller)
    await world.buyer.press(send)  # decided later: the question's button still works
    assert f"Your cancellation request for order {NUMBER} is with the seller" in edited(world.buyer)


async def test_buyer_keeps_the_order(world: World, harness: Harness) -> None:
    await world.buyer.press(world.ask)
    await world.buyer.tap(KEEP)
    assert "your order stays as it is" in edited(world.buyer)
    await nothing_more(harness, world.seller)
    assert await world.request_ids() == []


# ------------------------------------------------------- taking a request back


@pytest.mark.parametrize(
    "typed", ["nevermind dont cancel", "i want to keep my order", "ya no quiero cancelarlo"]
)
async def test_a_request_taken_back_in_words_goes_ahead_and_the_seller_hears(
    world: World, harness: Harness, typed: str
) -> None:
    """Found in the demo: "nevermind dont cancel" after asking got "You already asked
    to cancel", and nothing could take the request back."""
    await world.ask_to_cancel()
    approve = world.seller.button(APPROVE)
    await world.buyer.say(typed)
    said = world.buyer.said  # in the buyer's language
    assert NUMBER in said and ("is withdrawn" in said or "retiré tu solicitud" in said), said
    assert "You already asked" not in world.buyer.said
    await harness.flush()
    [told] = world.seller.news
    assert f"The buyer of order {NUMBER} withdrew their cancellation request" in told
    await world.seller.press(approve)  # the request's own button, after
    assert alert(world.seller) == (
        "The buyer withdrew this cancellation request: the order goes ahead, "
        "there is nothing to decide."
    )
    assert await world.order_status() == "AWAITING_SHIPMENT" and await world.ledger() == []
    await world.buyer.press(world.ask)  # asked again later: a new request
    await world.buyer.press(world.buyer.buttons()[0].data or "")  # its Send
    assert len(await world.request_ids()) == 2


async def test_the_card_of_an_order_asked_to_cancel_offers_to_keep_it(
    world: World, harness: Harness
) -> None:
    await world.ask_to_cancel()
    await world.buyer.press(f"o:{world.order_id}")
    assert shown(world.buyer)[:2] == ["🔄 Refresh", WITHDRAW]
    await world.buyer.tap(WITHDRAW)
    assert "is withdrawn" in world.buyer.said
    assert ASK in shown(world.buyer) and "You asked the seller" not in world.buyer.last_text
    await world.seller.tap(REJECT)  # the seller's old message: nothing left to decide
    assert "withdrew" in (alert(world.seller) or "")
    assert await world.order_status() == "AWAITING_SHIPMENT"


async def test_keep_my_order_after_the_seller_answered_says_where_it_stands(
    world: World, harness: Harness
) -> None:
    await world.ask_to_cancel()
    await world.buyer.press(f"o:{world.order_id}")
    keep = world.buyer.button(WITHDRAW)
    await world.seller.tap(REJECT)
    await world.buyer.press(keep)
    assert f"No cancellation request for order {NUMBER} is waiting any more" in world.buyer.said
    assert "is withdrawn" not in world.buyer.said


async def test_dont_cancel_with_nothing_asked_cancels_nothing_and_asks_nothing(
    world: World, harness: Harness
) -> None:
    """Found in the demo: "dont cancel my order" asked "Send them a cancellation
    request?"."""
    before = await world.snapshot()
    await world.buyer.say("dont cancel my order")
    assert "your order stays as it is" in world.buyer.said
    assert shown(world.buyer) == [] and await world.buyer.step() is None
    await nothing_more(harness, world.seller)
    assert await world.snapshot() == before


async def test_someone_elses_keep_button_changes_nothing(world: World, harness: Harness) -> None:
    await world.ask_to_cancel()
    mallory = harness.buyer(STRANGER_ID, "Mallory")
    await mallory.say("/start")
    before = await world.snapshot()
    await mallory.press(f"kw:{world.order_id}")
    assert alert(mallory) is not None
    assert await world.snapshot() == before


async def test_a_change_asked_instead_keeps_the_order_and_passes_the_change_on(
    world: World, harness: Harness
) -> None:
    await world.buyer.press(world.ask)
    await world.buyer.say("actually can I change the delivery address instead?")
    said = world.buyer.said
    assert "your order stays as it is" in said, said
    assert "Changes to an order are made by a person" in said
    assert harness.desk.topics  # the change went to a person, with the buyer's words
    assert await world.buyer.step() is None
    assert await world.request_ids() == [] and await world.order_status() == "AWAITING_SHIPMENT"


@pytest.mark.parametrize("how", ["typed", "tapped"])
async def test_another_question_at_the_cancel_question_is_answered_after_it(
    world: World, harness: Harness, how: str
) -> None:
    """ "how long does shipping usually take?" while "Send them a cancellation
    request?" waits: the buyer hears it will be answered, the question comes again,
    and once it is answered (typed or tapped) the request is sent and then the
    question answered."""
    await world.buyer.press(world.ask)
    await world.buyer.say("how long does shipping usually take?")
    assert "I'll answer your question as soon as we're done" in world.buyer.texts[0]
    assert shown(world.buyer) == [SEND, KEEP]
    assert await world.request_ids() == []
    if how == "typed":
        await world.buyer.say("yes")
    else:
        await world.buyer.tap(SEND)
    said = world.buyer.said
    assert said.index("cancellation request for order") < said.index(
        "Now your question: how long does shipping usually take?"
    ), said
    assert len(await world.request_ids()) == 1
    assert await world.buyer.step() is None


async def test_asking_about_the_refund_while_the_request_waits_names_the_request(
    world: World, harness: Harness
) -> None:
    """No return requests, but a cancellation request with the seller: "how long
    until i see the refund" hears about that request and what it refunds, not only
    "You have no return requests" and the refund policy."""
    await world.ask_to_cancel()
    await world.buyer.say("how long until i see the refund")
    said = world.buyer.said
    assert f"cancellation request for order {NUMBER} is still with the seller" in said, said
    assert "$37.99 is refunded in full" in said
    assert "You have no return requests" not in said  # true, and beside the point


async def test_a_no_and_a_cancel_in_one_answer_asks_again(world: World, harness: Harness) -> None:
    await world.buyer.press(world.ask)
    await world.buyer.say("no, cancel it")
    assert "your order stays as it is" not in world.buyer.said
    assert shown(world.buyer) == [SEND, KEEP]  # the question again, with its buttons
    await world.buyer.say("cancel it")
    assert f"Your cancellation request for order {NUMBER} is with the seller" in world.buyer.said
    assert len(await world.request_ids()) == 1


async def test_auto_approved_inside_the_shops_window(world: World, harness: Harness) -> None:
    await ShopAdmin(world.uow).set("acme", "auto_cancel_minutes", "60")
    async with world.uow() as uow:
        order = await uow.session.get(Order, world.order_id)
        assert order is not None
        order.paid_at = world.clock.now()
        await uow.commit()
    await world.buyer.press(world.ask)
    await world.buyer.tap(SEND)
    assert alert(world.buyer) is None
    done = edited(world.buyer)
    assert f"Order {NUMBER} is cancelled" in done and "$37.99 will be refunded" in done
    assert await world.order_status() == "CANCELLED"
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("37.99")]
    await harness.flush()
    # The buyer already has the answer; the seller (who holds the parcel) is told not to
    # ship it, with nothing to press.
    assert world.buyer.news == []
    [told] = world.seller.news
    assert f"Order {NUMBER} was cancelled automatically" in told
    assert "$37.99" in told and "do not ship" in told
    assert shown(world.seller) == []


# ------------------------------------------------------------------ refusals


async def test_crafted_decisions_from_anyone_but_the_shops_sellers_change_nothing(
    world: World, harness: Harness
) -> None:
    await world.ask_to_cancel()
    reject = world.seller.button(REJECT)
    request_id = (await world.request_ids())[0]
    await make_order(
        world.uow, world.clock, number="578000000000000002", shop_code="other", carrier=None
    )
    eve = await join(harness, "other", OTHER_SELLER_ID, "Eve")
    mallory = harness.buyer(STRANGER_ID, "Mallory")
    await mallory.say("/start")
    before = await world.snapshot()

    for who, user in (("buyer", world.buyer), ("other shop", eve), ("stranger", mallory)):
        for data in (f"ka:{request_id}", f"kr:{request_id}"):
            await user.press(data)
            assert alert(user) == ONLY_SELLERS, (who, data)
            assert all(isinstance(a, AnswerButton) for a in user.last), who  # a popup only
    for data in ("ka:abc", "ka:", "kr:-1", f"ka:{request_id}9"):
        await world.seller.press(data)
        answer = alert(world.seller) or ""
        assert "no longer works" in answer or answer == ONLY_SELLERS, data

    await harness.flush()
    assert await world.snapshot() == before
    assert world.buyer.news == []
    # Sam still decides normally afterwards.
    await world.seller.press(reject)
    assert alert(world.seller) is None
    assert "stays as it is" in edited(world.seller)


# ------------------------------------------------------------------ /refund


async def refund_confirmed(world: World, command: str, amount: str) -> str:
    """/refund …, the question, the Confirm tap; returns the answer."""
    await world.seller.say(command)
    assert f"Refund {amount} on order" in world.seller.said, world.seller.said
    await world.seller.tap(confirm_label(amount))
    assert alert(world.seller) is None
    return world.seller.said


async def test_goodwill_refund_by_command(world: World) -> None:
    done = await refund_confirmed(world, f"/refund {NUMBER} 5.00 late delivery, sorry <3", "$5.00")
    assert f"Refunded $5.00 on order {NUMBER}. The buyer was told." in done
    told = await world.buyer_is_told()
    expected = f"The shop refunded you $5.00 on order {NUMBER}: late delivery, sorry <3"
    assert expected in told
    assert shown(world.buyer) == ["Open order"]
    assert await world.ledger() == [
        (Decimal("5.00"), "seller", "goodwill: late delivery, sorry <3")
    ]

    # A quoted reason, and a $ sign, are fine.
    done = await refund_confirmed(world, f'/refund {NUMBER} $0.99 "box was dented"', "$0.99")
    assert "Refunded $0.99" in done
    assert "box was dented" in await world.buyer_is_told()
    # So is the currency, before or after, as a code or in words.
    # (Each a different sum: the same sum again within minutes asks "again?".)
    for typed, amount in (
        ("1 dollars", "$1.00"),
        ("2.00 USD", "$2.00"),
        ("USD 3", "$3.00"),
        ("4$", "$4.00"),
    ):
        done = await refund_confirmed(world, f"/refund {NUMBER} {typed} sorry again", amount)
        assert f"Refunded {amount}" in done, typed
        assert f"{amount} on order" in await world.buyer_is_told()
    assert await world.order_status() == "AWAITING_SHIPMENT"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/refund", "Usage: /refund ORDER AMOUNT REASON"),
        (f"/refund {NUMBER}", "Usage: /refund ORDER AMOUNT REASON"),
        ('/refund "unbalanced 5.00 x', "Usage: /refund ORDER AMOUNT REASON"),
        (f"/refund {NUMBER} 5.00", "Please add a reason"),
        (
            f"/refund {NUMBER} 38.00 late",
            "more than what can still be refunded on this order ($37.99)",
        ),
        (f"/refund {NUMBER} 1000000 late", "more than what can still be refunded"),
        (f"/refund {NUMBER} abc late", UNREADABLE),
        (f"/refund {NUMBER} ten dollars late", UNREADABLE),
        (f"/refund {NUMBER} ١٢ late", UNREADABLE),
        (f"/refund {NUMBER} １２ late", UNREADABLE),
        (f"/refund {NUMBER} 0 late", "must be more than 0"),
        (f"/refund {NUMBER} -5 late", "without a minus sign"),
        (f"/refund {NUMBER} 1.005 late", "USD amounts have at most 2 decimals"),
        (f"/refund {NUMBER} 1,000 late", "without separators"),
        (f"/refund {NUMBER} 5 EUR late", "This order is paid in USD, not EUR"),
        (f"/refund {NUMBER} €5 late", "This order is paid in USD, not EUR"),
        ("/refund 578000000000000404 5.00 late", "I can't find order 578000000000000404"),
    ],
)
async def test_refund_command_refusals(
    world: World, harness: Harness, command: str, expected: str
) -> None:
    await world.seller.say(command)
    assert expected in world.seller.said
    await nothing_more(harness, world.buyer)
    assert await world.ledger() == []


async def test_refund_with_a_reason_but_no_amount_asks_for_the_amount(world: World) -> None:
    """ "/refund ORDER sorry" lacks the amount, not the reason: the seller is not told to
    add a reason, but shown the usage, and the amount typed next refunds that order."""
    await world.seller.say(f"/refund {NUMBER} sorry")
    said = world.seller.said
    assert "Please add a reason" not in said
    assert "Usage: /refund ORDER AMOUNT REASON" in said
    assert await world.ledger() == []
    done = await refund_confirmed(world, "5 sorry for the wait", "$5.00")
    assert f"Refunded $5.00 on order {NUMBER}" in done


async def test_too_much_after_an_earlier_refund_names_what_is_left(world: World) -> None:
    done = await refund_confirmed(world, f"/refund {NUMBER} 30 late", "$30.00")
    assert "Refunded $30.00" in done
    await world.seller.say(f"/refund {NUMBER} 8 again")
    refused = world.seller.said
    assert "more than what can still be refunded on this order ($7.99)" in refused
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("30.00")]


@pytest.mark.parametrize(
    "command", ["/refund", f"/refund {NUMBER} 5.00", f"/refund {NUMBER} 5.00 I want my money"]
)
async def test_refund_command_is_for_sellers_only(world: World, command: str) -> None:
    await world.buyer.say(command)
    assert ONLY_SELLERS in world.buyer.said
    assert await world.ledger() == []
