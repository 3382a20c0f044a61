"""What a new buyer trips over (issue 13): /help names every buyer command, and a
text never points at a button its message doesn't have."""

from __future__ import annotations

from bot.clock import FakeClock
from handlers import buyer, support
from handlers.menus import COMMANDS
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness

NUMBER = "578000000000000001"


def buyer_commands() -> set[str]:
    commands = set(buyer.build_router().commands) | set(support.router.commands)
    staff_only = {c for c in support.router.commands if c not in ("human", "support")}
    return commands - staff_only - {"*", "support"}  # /support is /human's other name


async def test_help_lists_every_buyer_command(harness: Harness) -> None:
    person = harness.buyer()
    await person.say("/help")
    assert buyer_commands() >= {"orders", "return", "returns", "human", "cancel", "start"}
    for command in buyer_commands():
        assert f"/{command} —" in person.said, command
    # The menu Telegram shows next to the text field has them too.
    assert buyer_commands() <= set(COMMANDS["buyer"])


async def test_an_old_cancel_button_on_an_order_being_prepared_asks_the_seller(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, number=NUMBER, status="AWAITING_SHIPMENT")
    person = harness.buyer()
    await person.say(NUMBER)
    await person.say("buyer@example.com")
    # The card's Cancel button from when the order was still on hold.
    await person.press(f"oc:{order_id}")
    assert "Send them a cancellation request?" in person.said
    assert "Tap" not in person.said
    assert {b.text for b in person.buttons()} >= {"Yes, ask the seller", "No, keep the order"}


async def test_a_cancelled_unpaid_order_says_nothing_was_charged(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, number=NUMBER, status="UNPAID", paid=False)
    person = harness.buyer()
    await person.say(NUMBER)
    await person.say("buyer@example.com")
    await person.press(f"oc:{order_id}")
    await person.tap("Yes, cancel the order")
    assert "Nothing was charged" in person.said
    await person.press(f"o:{order_id}")
    assert "Cancelled" in person.said and "Nothing was charged" in person.said
    assert "If you paid" not in person.said and "refunded" not in person.said
