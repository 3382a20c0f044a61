"""A TikTok Shop buyer's whole way into the chat (issue 14): the order reaches the bot
by a signed webhook, the buyer links it by typing its number and delivery postcode
(TikTok masked their email and phone), and TikTok's next change to the order is told
to them once, however often TikTok repeats the event."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.emulator.tiktok.state import tiktok_order
from storage.uow import UnitOfWorkFactory
from tests.harness import Harness
from tests.tiktok.conftest import World
from tests.tiktok.helpers import order, outbox

NUMBER = "576000000000000777"


async def test_a_webhook_order_is_linked_by_postcode_and_its_buyer_told_of_shipping_once(
    world: World, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    state = world.tiktok.state
    state.put_order(world.em_shop.id, tiktok_order(NUMBER, postal_code="94105-1234"))
    sent = await world.tiktok.send_webhook(
        world.hook_url, "ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER}
    )
    assert sent == 200

    buyer = harness.buyer()
    await buyer.say(NUMBER)
    assert "delivery postcode" in buyer.said
    await buyer.say("r7x2k9@scs.tiktokw.us")  # a relay address proves nothing
    assert "couldn't match" in buyer.said
    await buyer.say("my zip is 94105")
    assert NUMBER in buyer.said and "Ceramic mug" in buyer.said  # the order card

    clock.advance(timedelta(hours=3))
    state.put_order(
        world.em_shop.id,
        tiktok_order(
            NUMBER, status="IN_TRANSIT", postal_code="94105-1234", tracking_number="1Z999AA10"
        ),
    )
    body = world.tiktok.webhook_body("ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER})
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200  # TikTok repeats it

    stored = await order(uow_factory, NUMBER)
    assert stored is not None and stored.status == "IN_TRANSIT"
    told = await outbox(uow_factory, "order_changed")
    assert [(chat, p["status"]) for chat, p in told] == [(buyer.chat_id, "IN_TRANSIT")]
