"""Delivery care, in process: the fake clock moves, the delivery care job runs (the job
the running bot starts), the outbox sends what it queued, and the buyer and the seller
read what they would see; then the buyer presses the buttons.  Tracking problems
arrive through an order import, as a shop's export (or a hook) would bring them."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain.enums import ClaimReason, ClaimType
from bot.services.delivery_care import CareReport, DeliveryCareJob
from bot.services.notifications import notify_order_change
from bot.services.order_import import import_orders_file
from handlers.buyer.returns import ITEMS
from storage.importers.writer import OrderChange
from storage.models import ChatUser, OutboxMessage, Shop
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.factories import link_buyer, make_order, shop_settings
from tests.harness import Harness, alert, shown
from tests.unit.test_seller_claims import Bought, file_claim, make_seller

NUMBER = "578000000000000001"
UPS = "1Z999AA10123456784"
SELLER_EXT = 3001
WAIT, REPORT = "⏳ I'll wait", "📭 Report not received"
PERSON, OPEN = "🙋 Talk to a person", "Open order"


class World:
    """Shop acme with delivery care on, one seller, the buyer's order linked, and the
    job on the harness's clock."""

    def __init__(self, harness: Harness, uow: UnitOfWorkFactory, clock: FakeClock) -> None:
        self.harness = harness
        self.uow = uow
        self.clock = clock
        self.buyer = harness.buyer(1001)
        self.seller = harness.seller(SELLER_EXT)
        self.job = DeliveryCareJob(uow, clock)
        self.order_id = 0

    async def setup(
        self, *, care: bool = True, language: str | None = None, **order: object
    ) -> World:
        await shop_settings(self.uow, self.clock, delivery_care=care)
        await make_seller(self.uow, self.clock, SELLER_EXT)
        self.order_id = await make_order(self.uow, self.clock, **order)  # type: ignore[arg-type]
        await link_buyer(self.uow, self.clock, self.order_id, self.buyer.user_id, language=language)
        return self

    async def tracking_fresh(self, ago: timedelta = timedelta(0)) -> None:
        """The shop's tracking was brought up to date `ago` (an import, a hook)."""
        async with self.uow() as uow:
            shop = await uow.shops.get_by_code("acme")
            assert shop is not None
            await uow.shops.mark_tracking_updated(shop.id, self.clock.now() - ago)
            await uow.commit()

    async def run(self) -> CareReport:
        report = await self.job.run_once()
        assert report.errors == []
        await self.harness.flush()
        return report

    async def care_rows(self) -> int:
        async with self.uow(readonly=True) as uow:
            count = await uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.dedupe_key.like("care:%"))
            )
            return int(count or 0)


@pytest.fixture
async def world(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    return World(harness, uow_factory, clock)


def late_eta(clock: FakeClock) -> datetime:
    return clock.now() - timedelta(days=1)


# ------------------------------------------------------------------ stuck


async def test_a_stuck_parcel_gets_one_message_while_tracking_is_fresh(world: World) -> None:
    await world.setup(eta=world.clock.now() + timedelta(days=6))
    world.clock.advance(timedelta(days=3))  # the only checkpoint is 5 days old now
    await world.tracking_fresh(timedelta(hours=1))
    report = await world.run()
    assert report.stuck == 1 and report.late == 0
    [message] = world.buyer.news
    assert f"anything about your order {NUMBER} for 5 days" in message
    assert f"Parcel: UPS {UPS}" in message
    assert "Last update: Label created, Memphis, TN, Jan 13, 12:00 UTC" in message
    assert "Estimated delivery: Jan 21" in message
    # Not late yet: "not received" cannot be claimed, so it is not offered.
    assert shown(world.buyer) == [WAIT, PERSON, OPEN]
    assert f'href="https://www.ups.com/track?tracknum={UPS}"' in world.buyer.html
    world.clock.advance(timedelta(hours=6))
    assert (await world.run()).total == 0
    assert world.buyer.news == []


async def test_no_stuck_message_on_stale_or_unknown_tracking(world: World) -> None:
    await world.setup(eta=world.clock.now() + timedelta(days=6))
    world.clock.advance(timedelta(days=5))
    assert (await world.run()).total == 0  # nobody ever brought the tracking up to date
    await world.tracking_fresh(timedelta(hours=49))  # older than tracking_fresh_hours (48)
    assert (await world.run()).total == 0
    assert world.buyer.news == []
    await world.tracking_fresh()  # an import just now: the silence is real
    assert (await world.run()).stuck == 1
    assert len(world.buyer.news) == 1


# ------------------------------------------------------------------- late


async def test_a_late_express_order_tells_the_buyer_and_flags_the_seller(world: World) -> None:
    await world.setup(express=True, eta=late_eta(world.clock))
    report = await world.run()
    assert (report.late, report.express) == (1, 1)
    [message] = world.buyer.news
    assert f"Your Express order {NUMBER} is running late: it was expected by Jan 14" in message
    assert "report it as not received" in message
    assert shown(world.buyer) == [WAIT, REPORT, PERSON, OPEN]
    [flag] = world.seller.news
    assert f"Express order {NUMBER} is late" in flag and "chase the carrier" in flag
    assert (await world.run()).total == 0  # once
    assert world.buyer.news == [] and world.seller.news == []


async def test_a_late_standard_order_is_not_flagged_to_sellers(world: World) -> None:
    await world.setup(eta=late_eta(world.clock))
    assert (await world.run()).late == 1
    [message] = world.buyer.news
    assert f"Your order {NUMBER} is running late" in message and "Express" not in message
    assert world.seller.news == []


async def test_late_is_shown_in_the_shop_timezone_and_in_spanish(
    world: World, harness: Harness
) -> None:
    await shop_settings(world.uow, world.clock, timezone="America/Mexico_City")
    world.buyer = harness.buyer(1001, locale="es")
    await world.setup(
        eta=world.clock.now() - timedelta(hours=13), language="es"
    )  # Jan 14, 17:00 local
    await world.run()
    [message] = world.buyer.news
    assert f"Tu pedido {NUMBER} va con retraso: se esperaba para el 14 ene" in message
    assert "Última novedad: Etiqueta creada, Memphis, TN, 13 ene, 06:00 CST" in message
    assert shown(world.buyer)[:2] == ["⏳ Esperaré", "📭 No lo he recibido"]


# ---------------------------------------------------------------- buttons


async def test_ill_wait_is_acknowledged_and_changes_nothing(world: World) -> None:
    await world.setup(eta=late_eta(world.clock))
    await world.run()
    assert len(world.buyer.news) == 1
    rows = await world.care_rows()
    await world.buyer.tap(WAIT)
    assert f"You'll hear from me as soon as the carrier has news of order {NUMBER}" in (
        world.buyer.said
    )
    assert await world.buyer.step() is None
    assert await world.care_rows() == rows
    assert (await world.run()).total == 0


async def test_report_not_received_starts_the_return_as_not_received(world: World) -> None:
    await world.setup(eta=late_eta(world.clock))
    await world.run()
    assert len(world.buyer.news) == 1
    await world.buyer.tap(REPORT)
    assert f"Return for order {NUMBER}" in world.buyer.said
    assert await world.buyer.step() == ITEMS
    await world.buyer.tap("Ceramic mug")
    await world.buyer.tap("2")
    await world.buyer.tap("Continue")
    # A parcel that never came: refund only, for "not received" (nothing else offered).
    assert shown(world.buyer)[0] == "Refund (the parcel never arrived)"
    assert len(shown(world.buyer)) == 3  # with Back and Cancel


async def test_talk_to_a_person_opens_a_ticket_about_the_order(world: World) -> None:
    await world.setup(eta=late_eta(world.clock))
    await world.run()
    assert len(world.buyer.news) == 1
    await world.buyer.tap(PERSON)
    assert "passed our conversation to a person" in world.buyer.said


async def test_forged_and_foreign_wait_buttons_change_nothing(
    world: World, harness: Harness
) -> None:
    await world.setup(eta=late_eta(world.clock))
    await world.run()
    rows = await world.care_rows()
    stranger = harness.buyer(1002, name="Eve")
    await stranger.press(f"cwt:{world.order_id}")  # not her order
    assert alert(stranger) and "can't find that order" in (alert(stranger) or "")
    for forged in ("cwt:abc", "cwt:", f"cwt:{world.order_id}:1", "cwt:99999999999"):
        await stranger.press(forged)
        assert "no longer works" in (alert(stranger) or ""), forged
    await stranger.press(f"rs:{world.order_id}")  # "Report not received" on her chat
    assert "can't find that order" in (alert(stranger) or "")
    assert await stranger.step() is None
    await world.buyer.press("cwt:999999")  # no such order: the same words
    assert "can't find that order" in (alert(world.buyer) or "")
    assert await world.care_rows() == rows


# ------------------------------------------------------- once, and who not


async def test_twice_and_two_jobs_at_once_send_each_message_once(world: World) -> None:
    await world.setup(express=True, eta=late_eta(world.clock))
    other = DeliveryCareJob(world.uow, world.clock)
    first, second = await asyncio.gather(world.job.run_once(), other.run_once())
    assert first.errors == second.errors == []
    assert first.late + second.late == 1 and first.express + second.express == 1
    assert (await world.run()).total == 0
    await world.harness.flush()
    assert len(world.buyer.news) == 1 and len(world.seller.news) == 1
    assert await world.care_rows() == 2


async def test_a_buyer_who_opted_out_gets_nothing_but_sellers_still_hear(world: World) -> None:
    await world.setup(express=True, eta=late_eta(world.clock))
    async with world.uow() as uow:
        user = await uow.chat_users.get_by_external("telegram", world.buyer.user_id)
        assert isinstance(user, ChatUser)
        user.proactive_off = True
        await uow.commit()
    report = await world.run()
    assert (report.late, report.express) == (0, 1)
    assert world.buyer.news == []
    assert len(world.seller.news) == 1
    assert (await world.run()).total == 0


async def test_no_message_when_the_buyer_already_filed_not_received(
    world: World, harness: Harness
) -> None:
    await world.setup(eta=late_eta(world.clock))
    async with world.uow(readonly=True) as uow:
        order = await uow.orders.get(world.order_id)
        assert order is not None
        items = [i.id for i in order.items]
        buyer = await uow.chat_users.get_by_external("telegram", world.buyer.user_id)
        assert buyer is not None
    await file_claim(
        harness.services.returns,
        Bought(buyer.id, world.order_id, items),
        type=ClaimType.REFUND,
        reason=ClaimReason.NOT_RECEIVED,
    )
    await harness.flush()
    assert (await world.run()).total == 0
    assert world.buyer.news == []


async def test_a_shop_with_delivery_care_off_sends_nothing(world: World) -> None:
    await world.setup(care=False, express=True, eta=late_eta(world.clock))
    world.clock.advance(timedelta(days=5))
    await world.tracking_fresh()
    assert (await world.run()).total == 0
    assert world.buyer.news == [] and world.seller.news == []


# ------------------------------------------------------- tracking problems


def export(status: str, events: list[dict[str, str]], clock: FakeClock) -> str:
    """The shop's export of the order `make_order` built, with these new events."""
    now = clock.now()
    return json.dumps(
        [
            {
                "order_number": NUMBER,
                "status": status,
                "placed_at": (now - timedelta(days=3)).isoformat(),
                "paid_at": (now - timedelta(days=3)).isoformat(),
                "buyer_name": "Jane Buyer",
                "buyer_email": "buyer@example.com",
                "buyer_phone": "15550100001",
                "payment": {
                    "currency": "USD",
                    "subtotal": "25.00",
                    "shipping_fee": "4.99",
                    "discount": "0",
                    "tax": "0",
                    "total_paid": "29.99",
                },
                "items": [
                    {
                        "sku": "SKU-1",
                        "product_name": "Ceramic mug",
                        "quantity": 2,
                        "unit_price": "12.50",
                    }
                ],
                "shipments": [
                    {
                        "carrier": "UPS",
                        "tracking_number": UPS,
                        "delivery_option": "Standard",
                        "estimated_delivery": (now + timedelta(days=2)).isoformat(),
                        "shipped_at": (now - timedelta(days=2)).isoformat(),
                        "tracking_events": events,
                    }
                ],
            }
        ]
    )


async def reimport(world: World, tmp_path: Path, status: str, events: list[dict[str, str]]) -> None:
    clock = world.clock
    path = tmp_path / "export.json"
    path.write_text(export(status, events, clock))

    async def tell(uow: UnitOfWork, change: OrderChange) -> None:
        await notify_order_change(uow, change, clock.now())

    report = await import_orders_file(world.uow, path, "acme", clock, on_change=tell)
    assert report.ok, str(report)
    await world.harness.flush()


def event(
    tag: str, message: str = "", location: str | None = None, hours: int = 0
) -> dict[str, str]:
    out = {"at": f"2026-01-15T1{hours}:00:00Z", "tag": tag, "message": message}
    if location:
        out["location"] = location
    return out


LABEL = {"at": "2026-01-13T12:00:00Z", "tag": "InfoReceived", "message": "Label created"}


@pytest.mark.parametrize(
    ("tag", "message", "location", "says"),
    [
        ("AttemptFail", "Receiver not available", None, "choose “Change My Delivery”"),
        (
            "AvailableForPickup",
            "Held at UPS Access Point",
            "The UPS Store #1234, Austin, TX",
            "waiting for you at The UPS Store #1234, Austin, TX",
        ),
        ("Exception", "Address information incomplete", None, "UPS reported a problem"),
    ],
)
async def test_a_tracking_problem_says_what_to_do_in_the_same_message(
    world: World, tmp_path: Path, tag: str, message: str, location: str | None, says: str
) -> None:
    await world.setup(status="IN_TRANSIT", events=(("InfoReceived", "Label created"),))
    await reimport(world, tmp_path, "IN_TRANSIT", [LABEL, event(tag, message, location)])
    [note] = world.buyer.news  # one message: the tracking news and the advice
    assert f"Order {NUMBER}" in note
    assert says in note, note
    if tag == "Exception":
        assert "Address information incomplete" in note
    assert f"Parcel: UPS {UPS}" in note
    assert f'href="https://www.ups.com/track?tracknum={UPS}"' in world.buyer.html
    assert shown(world.buyer) == [OPEN, PERSON]
    # The import brought the shop's tracking up to date.
    async with world.uow(readonly=True) as uow:
        shop = await uow.session.scalar(select(Shop).where(Shop.code == "acme"))
        assert shop is not None and shop.tracking_updated_at == world.clock.now()


async def test_a_status_change_with_a_problem_event_keeps_the_advice(
    world: World, tmp_path: Path
) -> None:
    await world.setup(status="AWAITING_COLLECTION", events=(("InfoReceived", "Label created"),))
    await reimport(
        world, tmp_path, "IN_TRANSIT", [LABEL, event("Exception", "Weather delay", hours=1)]
    )
    [note] = world.buyer.news  # the status change is the message, and it carries the advice
    assert f"Update on order {NUMBER}" in note and "On its way" in note
    assert "UPS reported a problem with the parcel (“Weather delay”)" in note


async def test_no_advice_when_delivery_care_is_off(world: World, tmp_path: Path) -> None:
    await world.setup(care=False, status="IN_TRANSIT", events=(("InfoReceived", "x"),))
    await reimport(world, tmp_path, "IN_TRANSIT", [LABEL, event("AttemptFail", "No one home")])
    [note] = world.buyer.news
    assert "Delivery attempt failed" in note and "What to do" not in note
    assert shown(world.buyer) == [OPEN]


async def test_advice_in_spanish(world: World, harness: Harness, tmp_path: Path) -> None:
    world.buyer = harness.buyer(1001, locale="es")
    await world.setup(status="IN_TRANSIT", events=(("InfoReceived", "x"),), language="es")
    await reimport(world, tmp_path, "IN_TRANSIT", [LABEL, event("AttemptFail", "Nadie en casa")])
    [note] = world.buyer.news
    assert "Qué hacer: UPS suele intentarlo de nuevo" in note, note


async def test_an_import_without_tracking_events_does_not_make_silence_news(
    world: World, tmp_path: Path
) -> None:
    """Orders exported without their checkpoints say nothing about a quiet parcel: the
    shop's tracking stays as stale as it was, and no stuck message follows."""
    await world.setup(eta=world.clock.now() + timedelta(days=9))
    world.clock.advance(timedelta(days=5))
    await reimport(world, tmp_path, "IN_TRANSIT", [])
    async with world.uow(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None and shop.tracking_updated_at is None
    assert (await world.run()).total == 0
    await reimport(world, tmp_path, "IN_TRANSIT", [LABEL])  # with its tracking: fresh
    assert (await world.run()).stuck == 1


@pytest.mark.parametrize(
    "typed",
    [
        "can they try again tomorrow?",
        "the courier came while i was at work, what now",
        "i wasnt home when they came",
    ],
)
async def test_asked_after_a_failed_attempt_the_card_says_what_to_do(
    world: World, typed: str
) -> None:
    """Found in the demo: a buyer who linked the order after the carrier's failed
    attempt asked "can they try again tomorrow?" and was told the bot only helps with
    orders; the card, once shown, said only "Follow it with the tracking link"."""
    await world.setup(status="IN_TRANSIT", events=(("AttemptFail", "No one home"),))
    await world.buyer.say(typed)
    card = world.buyer.last_text  # the card, or for a failed attempt told, its lines
    assert NUMBER in card and "Delivery attempt failed" in card
    assert "What to do: UPS usually tries again on the next business day" in card
    assert "Follow it with the tracking link" not in card


@pytest.mark.parametrize(
    "typed",
    [
        "what do i do now",
        "can they try again tomorrow",
        "can i pick it up instead",
        "where",
        "¿qué hago?",
        "i wasnt home when they came",  # said, not asked: the same advice
        "no estaba en casa cuando vino el cartero",
        # another day or time: the support hours' policy and "which of these?"
        "can you deliver it on saturday instead",
        "i work until 6, can they come in the evening",
        "can they leave it with my neighbour",
        "¿pueden entregarlo el sábado?",
        "¿pueden dejarlo con el vecino?",  # found in the demo: "which of these?"
        # when they are in: "I can only help with your orders…"
        "i'll be home friday",
        "im only home after 6",
    ],
)
async def test_what_to_do_asked_under_the_card_of_a_missed_delivery_is_its_advice(
    world: World, typed: str
) -> None:
    """Found in the demo: right under the card of a failed attempt, "what do i do now"
    got the help menu, "can they try again tomorrow" and "where" the whole card again,
    "can i pick it up instead" "which of these?".  The card's advice answers them, in a
    few lines, with a person a tap away."""
    await world.setup(status="IN_TRANSIT", events=(("AttemptFail", "No one home"),))
    await world.buyer.say("/orders")
    await world.buyer.tap(NUMBER)
    assert "Total paid" in world.buyer.last_text  # the card
    await world.buyer.say(typed)
    said = world.buyer.said
    assert "Total paid" not in said and "Which of these" not in said, said
    assert NUMBER in said
    assert "UPS usually tries again" in said or "UPS suele intentarlo" in said, said
    assert UPS in said
    assert len(world.buyer.buttons()) == 1  # a person


@pytest.mark.parametrize(
    "typed",
    [
        "the delivery guy said he couldnt find my house",  # "which of these?"
        "courier couldnt find my address",  # an address change handed to a person
        "ups says nobody was home but i was home all day",
        "el repartidor no encontró mi casa",
    ],
)
async def test_a_failed_attempt_told_gets_the_carriers_advice_card_or_no_card(
    world: World, typed: str
) -> None:
    """Found in the demo: the carrier's side of a failed attempt, told by the buyer,
    was read as an address change (a person handed the words, no card) or "which of
    these?"."""
    await world.setup(status="IN_TRANSIT", events=(("AttemptFail", "No one home"),))
    await world.buyer.say(typed)
    said = world.buyer.said
    assert NUMBER in said and UPS in said, said
    assert "UPS usually tries again" in said or "UPS suele intentarlo" in said, said
    assert "Which of these" not in said and "made by a person" not in said


@pytest.mark.parametrize(
    "typed", ["the courier couldnt find my house", "ups says nobody was home but i was home"]
)
async def test_a_failed_attempt_the_tracking_does_not_show_yet_says_so_with_a_person(
    world: World, typed: str
) -> None:
    """Found in the demo: under the card of a parcel on its way, with no failed attempt
    in its tracking, the same card again."""
    await world.setup(status="IN_TRANSIT", events=(("InTransit", "Departed facility"),))
    await world.buyer.say("/orders")
    await world.buyer.tap(NUMBER)
    await world.buyer.say(typed)
    said = world.buyer.said
    assert "doesn't show a missed delivery yet" in said and UPS in said, said
    assert "Total paid" not in said
    assert shown(world.buyer) == [PERSON]


@pytest.mark.parametrize("typed", ["can i get it by friday", "will it come before the weekend"])
async def test_a_day_asked_with_an_order_on_its_way_is_that_orders_day(
    world: World, typed: str
) -> None:
    """Found in the demo: "can i get it by friday" with an order on its way was
    answered with how long delivery takes in general."""
    await world.setup(status="IN_TRANSIT", events=(("InTransit", "Departed facility"),))
    await world.buyer.say(typed)
    said = world.buyer.said
    assert NUMBER in said and "📖" not in said, said


@pytest.mark.parametrize(
    "typed",
    [
        "why is it late",
        "has it moved at all?",
        "¿por qué tarda tanto?",
        "where is my mug",  # found in the demo: the card again
        "is it lost",  # a product question to the model: a policy answer, 50% sure
    ],
)
async def test_asked_under_a_late_cards_the_news_and_what_to_do(world: World, typed: str) -> None:
    """Found in the demo: "why is it late" right under the card of a late order got
    the whole card again.  It gets what the late notice says: late since when, the
    carrier's latest news, and what the buyer can do, with its buttons."""
    await world.setup(status="IN_TRANSIT", eta=late_eta(world.clock))
    await world.buyer.say("/orders")
    await world.buyer.tap(NUMBER)
    assert "Total paid" in world.buyer.last_text  # the card
    await world.buyer.say(typed)
    said = world.buyer.said
    assert "Total paid" not in said, said
    assert NUMBER in said and UPS in said
    assert "running late" in said or "retraso" in said, said
    assert "Label created" in said or "Etiqueta creada" in said
    assert len(world.buyer.buttons()) >= 1


@pytest.mark.parametrize(
    "typed", ["can you contact the carrier for me", "pueden llamar a la paquetería"]
)
async def test_asking_the_shop_to_chase_the_carrier_hands_over_to_a_person(
    world: World, harness: Harness, typed: str
) -> None:
    """Found in the demo under a stuck parcel's card: "which of these?"."""
    await world.setup(status="IN_TRANSIT", eta=late_eta(world.clock))
    await world.buyer.say(typed)
    assert "Which of these" not in world.buyer.said
    assert len(harness.desk.topics) == 1, world.buyer.said


async def test_where_to_pick_up_with_two_orders_is_the_one_held_for_pickup(
    world: World, harness: Harness
) -> None:
    """Found in the demo: "where do i pick up my package" with one parcel at a pickup
    point and one delivered days ago asked "which order do you mean?"."""
    await world.setup(status="IN_TRANSIT", events=(("AvailableForPickup", "Held"),))
    other = await make_order(
        world.uow, world.clock, number="578000000000000002", status="DELIVERED"
    )
    await link_buyer(world.uow, world.clock, other, world.buyer.user_id)
    await world.buyer.say("where do i pick up my package")
    said = world.buyer.said
    assert "Which order" not in said and NUMBER in said, said
    assert "578000000000000002" not in said


@pytest.mark.parametrize(
    ("typed", "until"),
    [("where do i pick it up", False), ("until when", True), ("what do i need to bring", False)],
)
async def test_pickup_questions_under_the_card_get_where_and_what_to_bring(
    world: World, typed: str, until: bool
) -> None:
    """Found in the demo: "where do i pick it up" got the whole card again, "until
    when" and "what do i need to bring" were to be put another way, and the second
    miss handed the buyer to a person."""
    await world.setup(status="IN_TRANSIT", events=(("AvailableForPickup", "Held"),))
    await world.buyer.say("/orders")
    await world.buyer.tap(NUMBER)
    await world.buyer.say(typed)
    said = world.buyer.said
    assert "Total paid" not in said and "put it another way" not in said, said
    assert "waiting for you at Memphis, TN" in said and "Take an ID" in said
    assert ("its tracking page above shows until when" in said) is until
    assert "passed our conversation to a person" not in said


@pytest.mark.parametrize(
    "typed",
    [
        "i wont be home until 6pm, can they leave it with my neighbor",
        "can you deliver it to my work instead",
    ],
)
async def test_where_a_missed_parcel_goes_is_the_carriers_with_a_person_on_request(
    world: World, typed: str
) -> None:
    """Found in the demo: asked after a missed delivery, "can they leave it with my
    neighbor" opened a ticket at once, the buyer waiting on staff for what the
    carrier's page does."""
    await world.setup(status="IN_TRANSIT", events=(("AttemptFail", "No one home"),))
    await world.buyer.say(typed)
    said = world.buyer.said
    assert "The carrier has your parcel now" in said, said
    assert "UPS usually tries again on the next business day" in said
    assert [b.text for b in world.buyer.buttons()] == ["🙋 Talk to a person"]
    assert "passed our conversation to a person" not in said  # no ticket yet


async def test_another_change_to_a_missed_parcel_still_goes_to_a_person(world: World) -> None:
    await world.setup(status="IN_TRANSIT", events=(("AttemptFail", "No one home"),))
    await world.buyer.say("i want to add another mug to my order")
    assert "The carrier has your parcel" not in world.buyer.said
    assert "passed our conversation to a person" in world.buyer.said
