"""Typing an answer to "Cancel order X?" (and "Ask the seller to cancel?"): yes and no
work like the buttons (read by the shared yes/no reader, in English and Spanish), and
"cancel" there means yes; anything else gets the question again, and "stop" leaves the
question with the order kept.  Outside any flow, "cancel" means the buyer's order."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import FakeClock
from storage.models import Order
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness, Person

NUMBER = "578000000000000001"


@pytest.fixture(autouse=True)
def no_answer_engine(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the answer engine was asked {args!r}")

    monkeypatch.setattr(harness.services.answers, "answer", refuse)


async def asked(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    status: str = "ON_HOLD",
    items: tuple[tuple[str, int, str], ...] = (("Ceramic mug", 2, "12.50"),),
) -> tuple[Person, int]:
    order_id = await make_order(uow_factory, clock, number=NUMBER, status=status, items=items)
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    assert "now linked" in buyer.said
    await buyer.press(f"{'oc' if status == 'ON_HOLD' else 'ok'}:{order_id}")
    assert await buyer.step() == "order.cancel"
    return buyer, order_id


async def order_status(uow_factory: UnitOfWorkFactory, order_id: int) -> str:
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None
        return str(order.status)


@pytest.mark.parametrize(
    "typed",
    [
        "yes please",
        "Yeah go ahead",
        "👍",
        "yes, cancel my order",
        "yes cancel it",
        "yes cancel the order",
        # "cancel" at a cancel question repeats what was asked: yes, not "leave".
        "cancel",
        "Cancel it",
        "please cancel the order",
        "Yes, cancel the order",  # the Yes button's words, typed
        # Found in the demo: "Okay, nothing was cancelled" (read as the escape).
        "ok then cancel everything",
        "cancel the whole order",
    ],
)
async def test_a_typed_yes_cancels_like_the_button(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say(typed)
    assert f"Order {NUMBER} is cancelled" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "CANCELLED"
    assert await buyer.step() is None


@pytest.mark.parametrize(
    "typed",
    [
        "no",
        "no, leave it",
        "nah im good",
        "keep it",
        "don't cancel",
        # The No button's own words, and what people say instead of it.
        "No, keep the order",
        "keep the order",
        "keep",
        "I'll keep it",
    ],
)
async def test_a_typed_no_keeps_the_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say(typed)
    assert "your order stays as it is" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    assert await buyer.step() is None


async def test_other_text_gets_the_question_again_with_its_buttons(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say("maybe later")  # not a clear yes: an order is not cancelled on a guess
    assert "type yes or no" in buyer.texts[0]
    assert f"Cancel order {NUMBER}?" in buyer.last_text
    assert [b.text for b in buyer.buttons()] == ["Yes, cancel the order", "No, keep the order"]
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    assert await buyer.step() == "order.cancel"
    await buyer.tap("Yes, cancel the order")  # the buttons still work, and end the question
    assert await order_status(uow_factory, order_id) == "CANCELLED"
    assert await buyer.step() is None


@pytest.mark.parametrize(
    "typed",
    ["it was a gift, i can send it to her later", "i want to go to the store first"],
)
async def test_a_sentence_with_a_yes_word_inside_cancels_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: a sentence's "send" (or "go") was read as a yes, anywhere in
    the message: the order was cancelled on words that never said to."""
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say(typed)
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    assert await buyer.step() == "order.cancel"
    assert f"Cancel order {NUMBER}?" in buyer.last_text


async def test_stop_typed_leaves_the_question_and_keeps_the_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say("stop")
    assert "nothing was cancelled" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "ON_HOLD"
    assert await buyer.step() is None


async def test_help_at_the_question_offers_words_that_keep_the_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, order_id = await asked(harness, uow_factory, clock)
    await buyer.say("help")
    hint = buyer.texts[0]
    assert "To keep your order, type no, keep it or stop" in hint
    assert "cancel to stop" not in hint  # there "cancel" cancels the order
    assert f"Cancel order {NUMBER}?" in buyer.last_text
    assert await buyer.step() == "order.cancel"
    await buyer.say("keep it")  # what the hint offers does keep it
    assert "your order stays as it is" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "ON_HOLD"


async def asked_in_spanish(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> tuple[Person, int]:
    """A buyer who chose Spanish, at "¿Cancelar el pedido …?" for an ON_HOLD order."""
    order_id = await make_order(uow_factory, clock, number=NUMBER, status="ON_HOLD")
    buyer = harness.buyer(locale="es")
    await buyer.say("/language es")
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    await buyer.press(f"oc:{order_id}")
    return buyer, order_id


@pytest.mark.parametrize(
    "typed",
    ["sí", "si", "Sí, cancélalo", "cancélalo", "Sí, cancelar el pedido", "órale", "ándale", "sisi"],
)
async def test_a_spanish_yes_cancels(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    buyer, order_id = await asked_in_spanish(harness, uow_factory, clock)
    assert f"¿Cancelar el pedido {NUMBER}?" in buyer.last_text
    # Each button says what happens to the order, not a bare "Cancel".
    assert [b.text for b in buyer.buttons()] == [
        "Sí, cancelar el pedido",
        "No, conservar el pedido",
    ]
    await buyer.say("help")
    assert "escribe no, me lo quedo o para" in buyer.texts[0]  # the hint's own words
    await buyer.say(typed)
    assert await order_status(uow_factory, order_id) == "CANCELLED"
    assert await buyer.step() is None


@pytest.mark.parametrize(
    "typed", ["no", "me lo quedo", "No, conservar el pedido", "conservarlo", "nop"]
)
async def test_a_spanish_no_keeps_the_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    buyer, order_id = await asked_in_spanish(harness, uow_factory, clock)
    await buyer.say(typed)
    assert "tu pedido sigue igual" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "ON_HOLD"


# ------------------------------------------------------- "cancel" outside a flow


@pytest.mark.parametrize("typed", ["cancel", "plz cancel", "can i cancel this", "cancelar"])
async def test_cancel_typed_under_a_card_asks_the_cancel_question(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    order_id = await make_order(uow_factory, clock, number=NUMBER, status="ON_HOLD")
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    assert "Cancel order" in [b.text for b in buyer.buttons()][1]  # the card offers it
    await buyer.say(typed)
    assert "nothing to cancel" not in buyer.said
    assert await buyer.step() == "order.cancel"
    await buyer.say("yeah go ahead")  # answers the question just asked
    assert f"Order {NUMBER} is cancelled" in buyer.last_text
    assert await order_status(uow_factory, order_id) == "CANCELLED"


async def test_cancel_typed_with_an_order_being_prepared_asks_to_ask_the_seller(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER, status="AWAITING_SHIPMENT")
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    await buyer.say("plz cancel")
    assert [b.text for b in buyer.buttons()] == ["Yes, ask the seller", "No, keep the order"]
    assert await buyer.step() == "order.cancel"


async def test_cancel_typed_with_several_orders_asks_which(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    second = "578000000000000002"
    await make_order(uow_factory, clock, number=NUMBER, status="ON_HOLD")
    second_id = await make_order(uow_factory, clock, number=second, status="ON_HOLD")
    await make_order(uow_factory, clock, number="578000000000000003", status="DELIVERED")
    buyer = harness.buyer()
    for number in (NUMBER, second, "578000000000000003"):
        await buyer.say(number)
        await buyer.say("buyer@example.com")
    await buyer.say("cancel")
    assert "Which order would you like to cancel?" in buyer.last_text
    # Only the orders that can still be cancelled are offered.
    offered = [b.text.split(" · ")[0] for b in buyer.buttons()]
    assert sorted(offered) == [NUMBER, second]
    assert await buyer.step() is None
    await buyer.tap(second)
    assert f"Cancel order {second}?" in buyer.last_text
    await buyer.say("yes")
    assert await order_status(uow_factory, second_id) == "CANCELLED"


async def test_cancel_typed_when_nothing_can_be_cancelled_says_why(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = harness.buyer()
    await buyer.say("cancel")  # no orders at all
    assert "There is nothing to cancel right now" in buyer.last_text
    await make_order(uow_factory, clock, number=NUMBER, status="IN_TRANSIT")
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    await buyer.say("plz cancel")
    assert f"Order {NUMBER} is already on its way, so it can't be cancelled" in buyer.last_text
    assert await buyer.step() is None
    await make_order(uow_factory, clock, number="578000000000000002", status="DELIVERED")
    await buyer.say("578000000000000002")
    await buyer.say("buyer@example.com")
    await buyer.say("cancel")
    assert "None of your orders can be cancelled now" in buyer.last_text
    await buyer.say("stop")  # cancels nothing: there is no flow and no order meant
    assert "There is nothing to cancel right now" in buyer.last_text


async def test_a_typed_yes_sends_a_cancel_request_for_an_order_being_prepared(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer, _ = await asked(harness, uow_factory, clock, status="AWAITING_SHIPMENT")
    await buyer.say("maybe later")
    assert [b.text for b in buyer.buttons()] == ["Yes, ask the seller", "No, keep the order"]
    await buyer.say("yes")
    assert f"cancellation request for order {NUMBER} is with the seller" in buyer.last_text
    assert await buyer.step() is None


@pytest.mark.parametrize(
    ("status", "typed", "said"),
    [
        ("ON_HOLD", "will i get all my money back?", "If the order is cancelled"),
        ("ON_HOLD", "do I get a refund", "If the order is cancelled"),
        ("AWAITING_SHIPMENT", "will i get all my money back?", "If the seller agrees"),
    ],
)
async def test_a_question_about_the_money_is_answered_from_the_order(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    status: str,
    typed: str,
    said: str,
) -> None:
    """What decides the answer, from the order itself (not the policies): what was
    paid comes back in full; then the question again, and nothing is cancelled."""
    buyer, order_id = await asked(harness, uow_factory, clock, status=status)
    await buyer.say(typed)
    assert said in buyer.texts[0] and "$29.99 is refunded in full" in buyer.texts[0]
    assert len(buyer.buttons()) == 2  # the question again, with its buttons
    assert await order_status(uow_factory, order_id) == status
    assert await buyer.step() == "order.cancel"


async def test_a_question_about_the_money_of_an_unpaid_order(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, number=NUMBER, status="UNPAID", paid=False)
    buyer = harness.buyer()
    await buyer.say(NUMBER)
    await buyer.say("buyer@example.com")
    await buyer.press(f"oc:{order_id}")
    await buyer.say("will I be charged anything?")
    assert "Nothing has been charged for this order" in buyer.texts[0]
    assert await buyer.step() == "order.cancel"


@pytest.mark.parametrize("status", ["ON_HOLD", "AWAITING_SHIPMENT"])
@pytest.mark.parametrize("typed", ["wait is it too late to cancel?", "can i still cancel"])
async def test_whether_it_is_too_late_is_answered_at_the_question(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, status: str, typed: str
) -> None:
    """Found in the demo: "wait is it too late to cancel?" was kept for after the
    answer, then answered from the late-parcels policy.  It isn't: said at once, and
    the question is asked again; nothing is cancelled or sent."""
    buyer, order_id = await asked(harness, uow_factory, clock, status=status)
    await buyer.say(typed)
    assert f"It isn't too late: order {NUMBER} hasn't shipped yet." in buyer.texts[0]
    assert len(buyer.buttons()) == 2
    assert await order_status(uow_factory, order_id) == status
    assert await buyer.step() == "order.cancel"


async def test_whether_it_is_too_late_asked_in_spanish_is_no_answer(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "¿todavía puedo cancelar?" was read as a no, and the order kept."""
    buyer, order_id = await asked_in_spanish(harness, uow_factory, clock)
    await buyer.say("¿todavía puedo cancelar?")
    assert "No es tarde" in buyer.texts[0], buyer.texts
    assert await buyer.step() == "order.cancel"
    await buyer.say("sí")
    assert await order_status(uow_factory, order_id) == "CANCELLED"


@pytest.mark.parametrize("typed", ["only the pillow cover", "the blanket", "just one of them"])
async def test_part_of_the_order_named_at_the_question_goes_to_a_person(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "only the pillow cover" under "Send them a cancellation
    request?" got "tap one of the buttons".  Part of an order is taken out by a person,
    as other changes are; the order stays as it is, nothing is requested."""
    items = (("Throw blanket", 1, "40.00"), ("Pillow cover", 2, "12.00"))
    buyer, order_id = await asked(harness, uow_factory, clock, "AWAITING_SHIPMENT", items)
    await buyer.say(typed)
    assert "your order stays as it is" in buyer.said, buyer.said
    assert "passing on what you asked" in buyer.said and harness.desk.topics
    assert await buyer.step() is None
    assert await order_status(uow_factory, order_id) == "AWAITING_SHIPMENT"
