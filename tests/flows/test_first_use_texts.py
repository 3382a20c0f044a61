"""What a new buyer trips over (issue 13): /help names every buyer command, and a
text never points at a button its message doesn't have."""

from __future__ import annotations

import itertools

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


async def test_before_a_staff_group_is_set_a_groups_command_tells_its_id(
    harness: Harness,
) -> None:
    """The shop owner adds the bot to the group meant for staff and sends /chatid
    there: Telegram's apps show no group id, so the bot says what to set.  Other
    commands, and any once STAFF_CHAT_ID is set, get the usual line alone."""
    from dataclasses import replace

    from tests.harness import Harness as ChatHarness
    from tests.harness import Person

    app = replace(
        harness.app, settings=harness.app.settings.model_copy(update={"staff_chat_id": None})
    )
    unset = ChatHarness(app, harness.services)
    unset._update_ids = itertools.count(10_000)  # one Telegram: update ids never repeat
    owner = Person(unset, 5005, "Olive", "en", chat_id=-1001234567890, kind="supergroup")
    await owner.say("/chatid")
    assert owner.texts == [
        "To make this group the support staff group, set STAFF_CHAT_ID=-1001234567890 in the"
        " bot's settings (.env) and restart the bot. The group needs topics turned on, and me"
        " as an admin with the Manage topics right."
    ]
    await owner.say("/orders")  # any other command: a buyer in a group, pointed away
    assert owner.texts == [NOT_HERE]
    await owner.say("hello everyone")  # not a command: the bot stays quiet in groups
    assert owner.texts == []

    elsewhere = Person(harness, 5005, "Olive", "en", chat_id=-1009999, kind="supergroup")
    await elsewhere.say("/chatid")  # STAFF_CHAT_ID is set (the harness's): nothing to tell
    assert elsewhere.texts == [NOT_HERE]


NOT_HERE = "Please write to me in a private chat: open my profile and press Start."
