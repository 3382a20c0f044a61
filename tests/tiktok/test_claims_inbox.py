"""TikTok's returns and cancellations reach the core's marketplace-claims service by
shop code, with their orders stored first and their photos fetchable from TikTok."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.errors import OrderNotFound
from bot.emulator.tiktok import tiktok_order
from bot.marketplace.tiktok.inbox import ClaimsInbox, FetchPhoto
from bot.services.marketplace import CancellationRecord, ReturnRecord
from storage.uow import UnitOfWorkFactory
from tests.tiktok.conftest import World
from tests.tiktok.helpers import order

NUMBER = "576000000000000801"


@dataclass
class FakeClaims:
    """Records what the core was given; photos fetched as the core would."""

    returns: list[tuple[str, ReturnRecord, list[bytes]]] = field(default_factory=list)
    cancellations: list[tuple[str, CancellationRecord]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def upsert_return(self, shop_code: str, record: ReturnRecord, photos: FetchPhoto) -> None:
        if record.external_id in self.refuse:
            raise OrderNotFound(record.order_number)
        fetched = [await photos(url) for url in record.photo_urls]
        self.returns.append((shop_code, record, fetched))

    async def upsert_cancellation(self, shop_code: str, record: CancellationRecord) -> None:
        self.cancellations.append((shop_code, record))


def _return(return_id: str) -> dict[str, object]:
    return {
        "return_id": return_id,
        "order_id": NUMBER,
        "return_type": "REFUND",
        "return_status": "RETURN_OR_REFUND_REQUEST_PENDING",
        "return_reason": "ecom_order_delivered_refund_reason_damaged",
        "refund_amount": {"currency": "USD", "refund_total": "12.50"},
        "return_line_items": [{"seller_sku": "MUG-1"}],
    }


async def test_a_return_event_stores_its_order_then_hands_the_return_with_photos(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connect()
    claims = FakeClaims(refuse={"4035999"})
    world.connector.after_sales = ClaimsInbox(lambda: claims, world.connector, uow_factory)
    state = world.tiktok.state
    state.images["crack.jpg"] = b"\xff\xd8\xffcrack"
    state.put_order(world.em_shop.id, tiktok_order(NUMBER, status="DELIVERED"))
    state.put_return(world.em_shop.id, _return("4035999"))  # the core refuses this one
    ret = _return("4035801")
    ret["buyer_images"] = [{"url": f"{world.tiktok.url}/images/crack.jpg"}]
    state.put_return(world.em_shop.id, ret)
    state.put_cancellation(
        world.em_shop.id,
        {"cancel_id": "9801", "order_id": NUMBER, "cancel_status": "CANCELLATION_REQUEST_PENDING"},
    )
    assert await order(uow_factory, NUMBER) is None  # no order event came first

    report = await world.connector.sync(world.shop_id)

    assert report.returns == 2 and report.cancellations == 1
    assert await order(uow_factory, NUMBER) is not None
    [(code, record, photos)] = claims.returns  # the refused one did not stop this one
    assert (code, record.external_id, photos) == ("acme", "4035801", [b"\xff\xd8\xffcrack"])
    assert [(c, r.external_id) for c, r in claims.cancellations] == [("acme", "9801")]


async def test_the_order_of_a_return_is_fetched_when_the_store_lacks_it(
    world: World, uow_factory: UnitOfWorkFactory
) -> None:
    await world.connect()
    claims = FakeClaims()
    world.connector.after_sales = ClaimsInbox(lambda: claims, world.connector, uow_factory)
    world.tiktok.state.put_order(world.em_shop.id, tiktok_order(NUMBER, status="DELIVERED"))
    world.tiktok.state.put_return(world.em_shop.id, _return("4035802"))
    status = await world.tiktok.send_webhook(
        world.hook_url, "RETURN_STATUS_CHANGE", world.em_shop.id, {"return_id": "4035802"}
    )
    assert status == 200
    assert await order(uow_factory, NUMBER) is not None
    assert [r.external_id for _, r, _ in claims.returns] == ["4035802"]
