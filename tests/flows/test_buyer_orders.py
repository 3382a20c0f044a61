"""A buyer asks "where is my order?", in process: linking an order by email, phone or a
signed link, what the card shows for every status, paging, cancelling, and what stays
private.  The channel-specific parts (the command menu, the contact keyboard, the card's
HTML through the Bot API, a restart of the polling bot) stay in tests/e2e."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.enums import OrderStatus
from bot.services.notifications import notify_order_change
from bot.services.order_import import import_orders_file
from handlers.types import AnswerButton, EditText, SendText
from storage.models import Order, Refund
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness, Person

NUMBER = "578000000000000001"
ROOT = Path(__file__).resolve().parents[2]
BOT_USERNAME = "shop_support_test_bot"


def labels(person: Person) -> list[str]:
    return [b.text for b in person.buttons()]


async def link(person: Person, number: str = NUMBER, proof: str = "buyer@example.com") -> str:
    """Send the order number and the proof; return the order card that follows."""
    await person.say(number)
    assert "make sure order" in person.said, person.said
    await person.say(proof)
    *before, card = person.texts
    assert any("now linked" in t for t in before), person.said
    return card


async def test_start_greets_and_offers_buttons(harness: Harness) -> None:
    alex = harness.buyer(name="Alex")
    await alex.say("/start")
    assert "Hi Alex" in alex.last_text and "order number" in alex.last_text
    assert labels(alex) == ["📦 My orders", "➕ Add an order", "❓ Help", "🙋 Talk to a person"]


@pytest.mark.parametrize(
    "typed",
    [
        "i dont have the order number",
        "where do I find my order number?",
        "no tengo el número de pedido",
    ],
)
async def test_a_buyer_without_the_number_is_told_where_it_is_and_offered_a_person(
    harness: Harness, typed: str
) -> None:
    """ "i dont have the order number" was read as cancelling an order; "where do I find
    my order number" asked for the number again."""
    alex = harness.buyer(name="Alex")
    await alex.say(typed)
    said = alex.said.lower()
    assert "confirmation email" in said or "correo de confirmación" in said, alex.said
    assert labels(alex)[-1].endswith(("Talk to a person", "Hablar con una persona"))
    assert "cancel" not in said and harness.desk.topics == {}
    await alex.tap(labels(alex)[-1])  # the person looks it up
    assert harness.desk.topics


@pytest.mark.parametrize(
    "typed",
    [
        "can you look it up by my name",
        "look up my order by email",
        "¿pueden buscarlo con mi correo?",
    ],
)
async def test_a_buyer_asking_to_be_found_by_name_or_email_hears_why_not_and_gets_a_person(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """ "can you look it up by my name" got "👍 Anything else?" (read as small talk) and
    "look up my order by email" asked for the number as if nothing was said.  The
    number is what keeps one buyer's orders from another's: it is said, with where the
    number is and a person who can look it up."""
    await make_order(uow_factory, clock)
    guest = harness.buyer(name="Guest")
    await guest.say(typed)
    said = guest.said.lower()
    assert "only look an order up by its" in said or "solo puedo buscar" in said, guest.said
    assert NUMBER not in guest.said  # nothing found by the email, or shown
    assert labels(guest)[-1].endswith(("Talk to a person", "Hablar con una persona"))
    await guest.tap(labels(guest)[-1])
    assert harness.desk.topics


async def test_asked_for_the_number_a_buyer_asks_to_be_found_by_email(harness: Harness) -> None:
    alex = harness.buyer(name="Alex")
    await alex.say("/start")
    await alex.tap("➕ Add an order")
    await alex.say("can you find it with my email instead")
    assert "only look an order up by its" in alex.said and labels(alex) == ["🙋 Talk to a person"]


async def test_i_dont_have_it_at_the_number_step(harness: Harness) -> None:
    alex = harness.buyer(name="Alex")
    await alex.say("/start")
    await alex.tap("➕ Add an order")
    await alex.say("I lost it, I don't have the order number")
    assert "order confirmation email" in alex.said and labels(alex) == ["🙋 Talk to a person"]


async def test_link_by_email_shows_the_order_card(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, express=True, tracking="1Z999AA10123456784")
    alex = harness.buyer(name="Alex")
    text = await link(alex, proof="  BUYER@example.com ")
    assert f"Order {NUMBER}" in text and "On its way" in text
    assert "2 × Ceramic mug — $25.00 ($12.50 each)" in text
    # The rows add up to what was paid: items and shipping, then the total.
    assert "Items: $25.00\nShipping: $4.99\nTotal paid: $29.99" in text
    assert "⚡ Express" in text and "1Z999AA10123456784" in text
    assert "Label created" in text and "Estimated delivery" in text
    assert 'href="https://www.ups.com/track?tracknum=1Z999AA10123456784' in alex.html
    assert labels(alex) == ["🔄 Refresh", "🙋 Talk to a person", "‹ My orders"]  # no cancel


async def test_link_by_phone_in_national_format(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, phone="15550100001")
    card = await link(harness.buyer(name="Alex"), proof="(555) 010-0001")
    assert f"Order {NUMBER}" in card


async def test_link_by_own_contact_but_not_someone_elses(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, phone="15550100001")
    alex = harness.buyer(name="Alex")
    await alex.say(NUMBER)
    [asked] = [a for a in alex.last if getattr(a, "ask_contact", None)]
    assert asked.ask_contact  # the "Share my contact" button is shown
    # A forged contact card (the right phone, but another user's) proves nothing.
    await alex.share_contact("+15550100001", user_id=999)
    assert "your own" in alex.said
    await alex.share_contact("+15550100001")
    assert "now linked" in alex.texts[0]
    assert any(getattr(a, "remove_reply_keyboard", False) for a in alex.last)  # gone again
    assert f"Order {NUMBER}" in alex.last_text


async def test_signed_deep_link_links_at_once(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
) -> None:
    await make_order(uow_factory, clock)
    # The shop's tool prints the link (run as the shop would, in its own process) ...
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LINK_SECRET": harness.app.settings.link_secret.get_secret_value(),
        "BOT_USERNAME": BOT_USERNAME,
    }
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        "order-link",
        NUMBER,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await done.communicate()
    assert done.returncode == 0, err.decode()
    url = out.decode().strip()
    # ... and the buyer opens it.
    assert url.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    token = url.split("start=")[1]
    assert len(token) <= 64

    alex = harness.buyer(name="Alex")
    await alex.say(f"/start {token}")
    assert "now linked" in alex.texts[0]
    assert f"Order {NUMBER}" in alex.last_text

    # A tampered token links nothing and says so without details.
    mallory = harness.buyer(1002, "Mallory")
    await mallory.say(f"/start {token[:-3]}xyz")
    assert "not valid" in mallory.said
    await mallory.say("/orders")
    assert "no linked orders" in mallory.said


async def test_wrong_proof_does_not_reveal_whether_the_order_exists(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    alex = harness.buyer(name="Alex")
    replies = []
    for number in (NUMBER, "578999999999999999"):  # exists / does not exist
        await alex.say(number)
        await alex.say("someone@example.com")
        replies.append(alex.last_text)
        await alex.say("/cancel")
    assert "couldn't match" in replies[0]
    assert replies[0].split("(")[0] == replies[1].split("(")[0]


async def test_five_failures_lock_the_buyer_out_and_say_for_how_long(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    alex = harness.buyer(name="Alex")
    await alex.say(NUMBER)
    for attempt in range(1, 6):
        await alex.say(f"guess{attempt}@example.com")
        if attempt < 5:
            left = 5 - attempt
            assert f"{left} attempt{'s' if left > 1 else ''} left" in alex.said
    assert "wait 1 hour before" in alex.last_text  # not "60 minutes"
    # Even the right proof is refused now.
    await alex.say(NUMBER)
    assert "Too many attempts" in alex.said
    clock.advance(timedelta(minutes=61))
    card = await link(alex)
    assert f"Order {NUMBER}" in card


async def test_orders_stay_private_by_number_and_by_crafted_button(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="ON_HOLD", carrier=None)
    alex, mallory = harness.buyer(name="Alex"), harness.buyer(1002, "Mallory")
    await link(alex)
    # Mallory knows the number, not the email: she gets the proof question, no data.
    await mallory.say(NUMBER)
    assert "Jane" not in mallory.said and "Ceramic" not in mallory.said
    await mallory.say("/cancel")
    await mallory.say("/start")
    seen = len(mallory.actions)
    # Crafted buttons: open Alex's order, cancel it, confirm the cancel.
    for data in (f"o:{order_id}", f"or:{order_id}:0", f"oc:{order_id}", f"ocy:{order_id}"):
        await mallory.press(data)
        assert any("can't find that order" in a for a in mallory.alerts), mallory.last
    for data in ("o:abc", "ocy:", "zz:1", "o:" + "9" * 40):
        await mallory.press(data)
        assert any("no longer works" in a for a in mallory.alerts), mallory.last
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None and order.status == "ON_HOLD"
    # Nothing but the alerts after the greeting.
    assert all(isinstance(a, AnswerButton) for a in mallory.actions[seen:])


async def test_orders_list_pages_with_buttons(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = harness.buyer(name="Alex")
    for n in range(7):
        number = f"57800000000000020{n}"
        await make_order(uow_factory, clock, number=number)
        clock.advance(timedelta(hours=1))
        await link(alex, number)
    await alex.say("/orders")
    assert "page 1 of 2" in alex.last_text
    first = labels(alex)
    assert first[0].startswith("578000000000000206") and first[-1] == "Older ›"
    assert len(first) == 6
    await alex.tap("Older ›")
    assert "page 2 of 2" in alex.last_text and labels(alex)[-1] == "‹ Newer"
    assert any(isinstance(a, EditText) for a in alex.last)  # the list changes in place
    await alex.press(alex.buttons()[0].data or "")  # open the oldest order
    assert "Order 578000000000000201" in alex.said


CARD_EXPECTATIONS = {
    "UNPAID": ("Awaiting payment", "Amount due", True),
    "ON_HOLD": ("Paid, on hold", "Total paid", True),
    "AWAITING_SHIPMENT": ("Being prepared", "Total paid", False),
    "PARTIALLY_SHIPPING": ("Partly shipped", "Total paid", False),
    "AWAITING_COLLECTION": ("Ready for the carrier", "Total paid", False),
    "IN_TRANSIT": ("On its way", "Total paid", False),
    "DELIVERED": ("Delivered", "Total paid", False),
    "COMPLETED": ("Completed", "Total paid", False),
    "CANCELLED": ("Cancelled", "Total paid", False),
}


@pytest.mark.parametrize("status", list(OrderStatus))
async def test_order_card_for_every_status(
    status: OrderStatus, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    shipped = status not in ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "CANCELLED")
    await make_order(
        uow_factory,
        clock,
        status=status.value,
        paid=status != "UNPAID",
        carrier="FedEx" if shipped else None,
        tracking="123456789012" if shipped else None,
        delivered_at=clock.now() - timedelta(days=1) if status == "DELIVERED" else None,
    )
    label, money, cancellable = CARD_EXPECTATIONS[status.value]
    alex = harness.buyer(name="Alex")
    card = await link(alex)
    assert f"Status: {label}" in card
    assert money in card
    assert ("✖ Cancel order" in labels(alex)) is cancellable
    assert ("FedEx" in card) is shipped


async def test_late_parcel_is_marked_late(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, eta=clock.now() - timedelta(days=2))
    card = await link(harness.buyer(name="Alex"))
    assert "late" in card


async def test_cancel_on_hold_order_refunds_in_full(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="ON_HOLD", carrier=None)
    alex = harness.buyer(name="Alex")
    await link(alex)
    await alex.tap("✖ Cancel order")
    assert "$29.99 will be refunded" in alex.said
    yes = alex.button("Yes, cancel the order")
    await alex.press(yes)
    assert "is cancelled" in alex.last_text and "$29.99" in alex.last_text
    assert any(isinstance(a, EditText) for a in alex.last)  # the question, in place
    await alex.press(yes)  # a double tap changes nothing more
    assert "is cancelled" not in alex.said
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        refunds = (await uow.session.scalars(select(Refund))).all()
    assert order is not None and order.status == "CANCELLED"
    assert [r.amount for r in refunds] == [Decimal("29.99")]


async def test_cancel_refused_once_shipped(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="IN_TRANSIT")
    alex = harness.buyer(name="Alex")
    await link(alex)
    await alex.press(f"oc:{order_id}")  # crafted: the card shows no cancel button
    assert "already on its way" in alex.said
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None and order.status == "IN_TRANSIT"


async def test_status_change_on_reimport_notifies_linked_buyers_once(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    await make_order(uow_factory, clock, shop_code="acme")
    alex = harness.buyer(name="Alex")
    await link(alex)
    path = tmp_path / "update.json"
    path.write_text(
        """[{"order_number": "578000000000000001", "status": "DELIVERED",
        "placed_at": "2026-01-12T12:00:00Z", "paid_at": "2026-01-12T12:00:00Z",
        "delivered_at": "2026-01-15T10:00:00Z",
        "buyer_name": "Jane Buyer", "buyer_email": "buyer@example.com",
        "buyer_phone": "15550100001",
        "payment": {"currency": "USD", "subtotal": "25.00", "shipping_fee": "4.99",
                    "discount": "0", "tax": "0", "total_paid": "29.99"},
        "items": [{"sku": "SKU-1", "product_name": "Ceramic mug", "quantity": 2,
                   "unit_price": "12.50"}],
        "shipments": [{"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                       "delivery_option": "Standard",
                       "tracking_events": [{"at": "2026-01-15T10:00:00Z", "tag": "Delivered",
                                            "message": "Left at front door"}]}]}]"""
    )

    async def tell(uow: UnitOfWork, change) -> None:  # type: ignore[no-untyped-def]
        await notify_order_change(uow, change, clock.now())

    for _ in range(2):  # importing the same file twice tells the buyer once
        report = await import_orders_file(uow_factory, path, "acme", clock, on_change=tell)
        assert report.ok, str(report)
        await harness.flush()
    [sent] = harness.delivered[alex.chat_id]
    assert isinstance(sent, SendText) and sent.keyboard is not None
    assert [b.text for row in sent.keyboard.rows for b in row] == ["Open order"]
    [note] = alex.news
    assert "Update on order" in note and "Delivered" in note


async def test_a_conversation_continues_in_a_new_core(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """The step is stored, not held in memory: a new chat core (a restart, another
    worker) carries on where the last one stopped."""
    await make_order(uow_factory, clock)
    alex = harness.buyer(name="Alex")
    await alex.say(NUMBER)  # asked for proof
    harness.core = harness.app.chat_core(await harness.app.services())
    await alex.say("buyer@example.com")
    assert "now linked" in alex.said
    assert await alex.step() is None


async def test_help_cancel_unknown_command_sticker_and_free_text(harness: Harness) -> None:
    alex = harness.buyer(name="Alex")
    await alex.say("/help")
    assert "/orders" in alex.said
    await alex.say("/cancel")
    assert "nothing to cancel" in alex.said
    await alex.say("/frobnicate")
    assert "don't know the command /frobnicate" in alex.said
    await alex.send_other("sticker")
    assert "sticker" in alex.said
    await alex.say("hello <b>there</b> & you")
    assert "order number" in alex.said
    await alex.say("x" * 4090)
    assert "too long" in alex.said


async def test_user_text_is_escaped_in_html_replies(harness: Harness) -> None:
    alex = harness.buyer(name="<b>Al & ex</b>")
    await alex.say("/start")
    assert "<b>Al & ex</b>" in alex.said  # shown literally
    assert "&lt;b&gt;Al &amp; ex&lt;/b&gt;" in alex.html


async def test_the_shop_name_an_owner_sets_is_the_one_buyers_read(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """An import names a new shop after its code ("default" without --shop), and the
    order card's title shows it: `shop set SHOP name` gives it the shop's real name."""
    from bot.services.shops import BadSetting, ShopAdmin

    await make_order(uow_factory, clock)
    admin = ShopAdmin(uow_factory)
    await admin.set("acme", "name", "  Maple &  Pine ")
    assert (await admin.show("acme"))["name"] == "Maple & Pine"
    alex = harness.buyer(name="Alex")
    card = await link(alex)
    assert f"Order {NUMBER} · Maple & Pine" in card
    assert "Maple &amp; Pine" in alex.html  # escaped for HTML like any stored text

    for bad in ("x" * 101, "Maple\x00Pine"):
        with pytest.raises(BadSetting):
            await admin.set("acme", "name", bad)
    assert (await admin.show("acme"))["name"] == "Maple & Pine"
    await admin.set("acme", "name", "")  # the default: the shop's code
    assert (await admin.show("acme"))["name"] == "acme"


@pytest.mark.parametrize(
    ("asked", "later"),
    [
        ("when will it arrive?", "card"),
        ("cuándo llega?", "card"),
        ("eta?", "card"),
        # found in the demo: these got the whole card again
        ("will it come today", "card"),
        ("i need it by friday, will it make it", "card"),
        # found in the demo: said, not asked, it was small talk ("I can only help…")
        ("my son needs it for a school trip on thursday", "card"),
        # read as how long delivery takes, with no card to ask of: the order on its way
        ("¿llega mañana?", "card"),
    ],
)
async def test_when_it_arrives_right_under_its_card_is_the_day_in_a_line(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, asked: str, later: str
) -> None:
    """The card is still on the screen: the day, not the card again.  Later (the card
    scrolled away) the card comes again, as it does for any tracking question."""
    await make_order(uow_factory, clock, status="IN_TRANSIT", eta=clock.now() + timedelta(days=2))
    alex = harness.buyer()
    await link(alex)
    await alex.say(asked)
    assert len(alex.texts) == 1, alex.said
    said = alex.last_text.lower()
    assert "on schedule" in said or "va a tiempo" in said
    assert NUMBER in alex.last_text and "Items" not in alex.last_text
    clock.advance(timedelta(minutes=10))
    await alex.say(asked)
    card = "Total paid" in alex.last_text or "Total pagado" in alex.last_text
    assert card is (later == "card"), alex.last_text


async def test_what_time_it_comes_is_the_day_and_where_the_carrier_shows_the_time(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "what time will it come tomorrow" under the card was taken
    for small talk ("I can only help with your orders").  No estimate has the hour:
    the day, and the carrier's page, which shows it on the day."""
    await make_order(uow_factory, clock, status="IN_TRANSIT", eta=clock.now() + timedelta(days=1))
    alex = harness.buyer()
    await link(alex)
    await alex.say("what time will it come tomorrow")
    assert len(alex.texts) == 1, alex.said
    said = alex.last_text
    assert "on schedule" in said and "not the time" in said and "1Z999AA10123456784" in said
    assert "I can only help" not in said and "Total paid" not in said


@pytest.mark.parametrize("asked", ["has it moved at all?", "any update?", "¿se ha movido?"])
async def test_whether_it_moved_right_under_its_card_is_its_latest_news(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, asked: str
) -> None:
    """The carrier's latest scan and the estimate, in a few lines: not the whole card
    again.  A parcel scanned lately is not called stuck, and no person is pushed."""
    await make_order(uow_factory, clock, eta=clock.now() + timedelta(days=2))
    alex = harness.buyer()
    await link(alex)
    await alex.say(asked)
    assert len(alex.texts) == 1, alex.said
    said = alex.last_text
    assert "Total paid" not in said and "Total pagado" not in said
    assert NUMBER in said and "Memphis, TN" in said and "1Z999AA10123456784" in said
    assert "📭" not in said
    assert [a.keyboard for a in alex.last if isinstance(a, SendText)] == [None]


async def test_a_parcel_quiet_for_days_says_so_with_what_the_buyer_can_do(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """No scan for five days (the shop counts four as stuck), still due in five: how
    long it has been quiet, when to report it as not received, and a person."""
    await make_order(uow_factory, clock, eta=clock.now() + timedelta(days=8))
    clock.advance(timedelta(days=3))
    alex = harness.buyer()
    await link(alex)
    await alex.say("why is it stuck")
    said = alex.last_text
    assert "hasn't reported anything" in said and "for 5 days" in said, said
    assert "report it as not received" in said and "Total paid" not in said
    assert "Talk to a person" in " ".join(b.text for b in alex.buttons())


async def test_a_stuck_parcel_said_upset_in_spanish_is_its_news(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """ "el paquete lleva una semana sin moverse" was asked "which of these?" (a
    complaint first): it asks where the parcel is, which its latest news answers."""
    await make_order(uow_factory, clock, eta=clock.now() + timedelta(days=8))
    clock.advance(timedelta(days=3))
    alex = harness.buyer()
    await link(alex)
    clock.advance(timedelta(minutes=10))  # the card has scrolled away
    await alex.say("el paquete lleva una semana sin moverse")
    said = alex.said
    assert NUMBER in said and "cuál de estas" not in said.lower(), said


async def test_what_carrier_right_under_its_card_is_the_carrier_and_tracking(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, eta=clock.now() + timedelta(days=2))
    alex = harness.buyer()
    await link(alex)
    await alex.say("what carrier is it with")
    said = alex.last_text
    assert "UPS" in said and "1Z999AA10123456784" in said, said
    assert "Total paid" not in said and "Memphis" not in said


async def test_a_parcel_question_under_a_late_orders_card_says_late_in_a_few_lines(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Under a late order's card: that it is late and the carrier's news, as the late
    notice says it, not the whole card again."""
    await make_order(uow_factory, clock, eta=clock.now() - timedelta(days=1))
    alex = harness.buyer()
    await link(alex)
    await alex.say("has it moved at all?")
    assert "running late" in alex.last_text and "Total paid" not in alex.last_text


@pytest.mark.parametrize(
    "typed",
    [
        "my package says delivered but i never got it",
        "dice entregado pero no me llegó",
        # Found in the demo: "return or where it is?" (the model unsure of a return).
        "my package was stolen from my porch",
        "package says delivered to wrong address",
    ],
)
async def test_delivered_but_not_there_says_where_to_look_and_offers_the_report(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: the card again, which says "Delivered".  Now where parcels
    marked delivered turn up, and a button that reports it as not received: the
    return flow with the reason already known."""
    await make_order(
        uow_factory,
        clock,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=1),
        events=(("Delivered", "Left at front door"),),
    )
    alex = harness.buyer()
    await link(alex)
    await alex.say(typed)
    assert "Total paid" not in alex.said and "Total pagado" not in alex.said  # on screen
    labels = [b.text for b in alex.buttons()]
    assert labels[0] in ("📭 Report not received", "📭 No lo he recibido"), labels
    await alex.tap(labels[0])
    # The parcel never came, so every item in it; the reason is known: the kind next.
    assert await alex.step() == "ret.type", alex.said
    assert "Ceramic mug ×2" in alex.said, alex.said
    await alex.say("refund" if "Report" in labels[0] else "reembolso")
    assert await alex.step() in ("ret.photos", "ret.note", "ret.confirm"), alex.said


async def test_how_long_until_a_refund_under_the_card_of_a_parcel_on_its_way(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """No request filed and the parcel on schedule: when a refund could come for it,
    not "You have no return requests"."""
    await make_order(uow_factory, clock, eta=clock.now() + timedelta(days=2))
    alex = harness.buyer()
    await link(alex)
    await alex.say("how long should i wait before you refund me")
    assert "You have no return requests" not in alex.said
    assert "still on its way and not late yet" in alex.said, alex.said


async def test_when_a_late_order_arrives_under_its_card_is_the_card_that_says_late(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, status="IN_TRANSIT", eta=clock.now() - timedelta(days=1))
    alex = harness.buyer()
    await link(alex)
    await alex.say("when will it arrive?")
    assert "on schedule" not in alex.said
    assert "late" in alex.said.lower()


async def test_a_change_asked_right_under_the_card_does_not_show_the_card_again(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, status="AWAITING_SHIPMENT")
    alex = harness.buyer()
    await link(alex)
    await alex.say("can I change the delivery address?")
    assert "Total paid" not in alex.said, alex.said
    assert "Changes to an order are made by a person" in alex.said
