"""Marketplace returns and cancellations in the core (issue 14), with an in-memory
marketplace: mirrored into claims and the cancellation queue, sellers told once,
photos fetched once, refunds recorded as paid by the marketplace; and the marketplace
rules: our deadline job, auto-approval, auto-cancel, partial, goodwill and staff
refunds leave its claims and orders alone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus, RefundStatus
from bot.domain.marketplace import MarketplaceOwned
from bot.services.cancellations import CancellationService
from bot.services.deadlines import DeadlineJob
from bot.services.marketplace_claims import MarketplaceClaims
from bot.services.marketplace_decisions import MarketplaceDecisions
from bot.services.outbox import Notification
from bot.services.seller_claims import SellerClaimService
from bot.services.tickets import TicketService
from handlers.notifications import render
from handlers.types import SendText
from storage.media import MediaStore
from storage.models import CancelRequest, Claim, OrderLink, OutboxMessage, Refund, Shop
from storage.uow import UnitOfWorkFactory
from tests.marketplace_fakes import (
    FakeAfterSales,
    cancellation_record,
    return_record,
    tiktok_order,
)
from tests.pictures import photo_jpeg
from tests.unit.test_seller_claims import chat_user, make_seller

SELLER_EXT, BUYER_EXT = 9001, 1001
NUMBER = "576900000000000001"


class Photos:
    """The marketplace's file server: URL → bytes, counting fetches."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.fetched: list[str] = []

    async def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        if url not in self.files:
            raise OSError("404 from the file server")
        return self.files[url]


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


@pytest.fixture
def sync(uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore) -> MarketplaceClaims:
    return MarketplaceClaims(uow_factory, clock, media)


@pytest.fixture
async def seller(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    seller = await make_seller(uow_factory, clock, SELLER_EXT)
    await tiktok_order(uow_factory, clock, number=NUMBER)
    return seller


async def outbox(uow_factory: UnitOfWorkFactory, kind: str, chat_id: int) -> list[OutboxMessage]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [r for r in rows if r.payload["kind"] == kind]


def first_text(row: OutboxMessage) -> SendText:
    message = render(Notification.load(row.chat_id, row.payload["kind"], row.payload["params"]))[0]
    assert isinstance(message, SendText)
    return message


async def claims(uow_factory: UnitOfWorkFactory) -> list[Claim]:
    async with uow_factory(readonly=True) as uow:
        found = list(await uow.session.scalars(select(Claim).order_by(Claim.id)))
        for claim in found:
            await uow.session.refresh(claim, ["items", "photos", "history"])
        return found


async def link_buyer(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    buyer = await chat_user(uow_factory, clock, BUYER_EXT)
    async with uow_factory() as uow:
        order = (await uow.orders.find_by_number(NUMBER))[0]
        uow.session.add(
            OrderLink(
                chat_user_id=buyer, order_id=order.id, method="postcode", created_at=clock.now()
            )
        )
        await uow.commit()
    return buyer


# --------------------------------------------------------------------- returns


async def test_a_new_return_reaches_the_sellers_with_the_marketplace_deadline(
    sync: MarketplaceClaims, uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int
) -> None:
    photos = Photos({"https://p16.tiktokcdn.com/a.jpg?sig=1": photo_jpeg("broken mug")})
    record = return_record(clock, photo_urls=("https://p16.tiktokcdn.com/a.jpg?sig=1",))
    done = await sync.upsert_return("acme", record, photos)
    assert done.created

    [claim] = await claims(uow_factory)
    assert (claim.marketplace, claim.external_id) == ("tiktok", "4035000000000001")
    assert claim.buyer_id is None  # nobody linked the order in the chat
    assert claim.status == ClaimStatus.REQUESTED and claim.respond_by is None
    assert claim.external_deadline == record.seller_deadline
    assert [(i.quantity) for i in claim.items] == [2]  # SKU-1, the two mugs
    assert claim.requested_amount == Decimal("25.00") and len(claim.photos) == 1

    [notice] = await outbox(uow_factory, "claim_new", SELLER_EXT)
    message = first_text(notice)
    assert "TikTok Shop" in message.text
    assert "Both mugs arrived broken" in message.text
    assert message.keyboard is not None
    data = [b.data for row in message.keyboard.rows for b in row]
    assert data == [f"q:{claim.id}", f"mqa:{claim.id}", f"mqr:{claim.id}"]


async def test_a_replayed_return_changes_nothing_and_tells_nobody_again(
    sync: MarketplaceClaims, uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int
) -> None:
    url = "https://p16.tiktokcdn.com/a.jpg?sig=1"
    photos = Photos({url: photo_jpeg("broken mug"), url.replace("1", "2"): b""})
    await sync.upsert_return("acme", return_record(clock, photo_urls=(url,)), photos)
    # The next sync: the same return, its photo URL signed afresh.
    again = return_record(clock, photo_urls=("https://p16.tiktokcdn.com/a.jpg?sig=2",))
    done = await sync.upsert_return("acme", again, photos)

    assert not done.created and not done.changed
    assert photos.fetched == [url]  # downloaded once
    [claim] = await claims(uow_factory)
    assert len(claim.photos) == 1 and len(claim.history) == 1
    assert len(await outbox(uow_factory, "claim_new", SELLER_EXT)) == 1


async def test_a_bad_photo_is_left_out_and_the_claim_still_arrives(
    sync: MarketplaceClaims,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    seller: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    urls = (
        "https://p16.tiktokcdn.com/not-an-image.jpg",
        "https://p16.tiktokcdn.com/huge.jpg",
        "https://p16.tiktokcdn.com/gone.jpg",
        "https://p16.tiktokcdn.com/good.jpg",
    )
    photos = Photos(
        {
            urls[0]: b"%PDF-1.4 not a picture at all",
            urls[1]: b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024),
            urls[3]: photo_jpeg("good one"),
        }
    )
    await sync.upsert_return("acme", return_record(clock, photo_urls=urls), photos)

    [claim] = await claims(uow_factory)
    assert len(claim.photos) == 1
    assert "marketplace photo refused" in caplog.text
    assert "marketplace photo not fetched" in caplog.text


async def test_a_refund_on_the_marketplace_moves_the_claim_tells_the_buyer_and_is_recorded_as_paid(
    sync: MarketplaceClaims, uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int
) -> None:
    await link_buyer(uow_factory, clock)
    photos = Photos({})
    await sync.upsert_return("acme", return_record(clock), photos)
    refunded = return_record(
        clock, status=ClaimStatus.REFUNDED, external_status="REFUND_SUCCESS", amount="25.00"
    )
    done = await sync.upsert_return("acme", refunded, photos)
    assert done.changed
    await sync.upsert_return("acme", refunded, photos)  # the next sync: the same

    [claim] = await claims(uow_factory)
    assert claim.status == ClaimStatus.REFUNDED and claim.external_status == "REFUND_SUCCESS"
    assert claim.buyer_id is not None
    async with uow_factory(readonly=True) as uow:
        [refund] = list(await uow.session.scalars(select(Refund)))
    # Paid by TikTok: never pending, so the refund worker has nothing to pay.
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.amount == Decimal("25.00") and refund.claim_id == claim.id
    assert refund.gateway_reference == "tiktok:4035000000000001"
    [update_row] = await outbox(uow_factory, "claim_update", BUYER_EXT)
    assert update_row.payload["params"]["status"] == "REFUNDED"


async def test_a_return_for_an_order_not_synced_yet_is_refused_whole(
    sync: MarketplaceClaims, uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int
) -> None:
    from bot.domain.errors import OrderNotFound

    with pytest.raises(OrderNotFound):
        await sync.upsert_return("acme", return_record(clock, order_number="999"), Photos({}))
    assert await claims(uow_factory) == []


# ----------------------------------------------------------------- cancellations


async def test_a_marketplace_cancellation_joins_the_queue_and_its_answer_reaches_the_buyer(
    sync: MarketplaceClaims, uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int
) -> None:
    await link_buyer(uow_factory, clock)
    done = await sync.upsert_cancellation("acme", cancellation_record(clock))
    await sync.upsert_cancellation("acme", cancellation_record(clock))  # replay
    [notice] = await outbox(uow_factory, "cancel_requested", SELLER_EXT)
    message = first_text(notice)
    assert "TikTok Shop" in message.text
    assert message.keyboard is not None
    assert [b.data for b in message.keyboard.rows[0]] == [f"mka:{done.id}", f"mkr:{done.id}"]

    await sync.upsert_cancellation("acme", cancellation_record(clock, status="approved"))
    async with uow_factory(readonly=True) as uow:
        request = await uow.session.get(CancelRequest, done.id)
        assert request is not None and request.status == "approved"
    [told] = await outbox(uow_factory, "cancel_decided", BUYER_EXT)
    assert "approved on TikTok Shop" in first_text(told).text


# ---------------------------------------------------------- marketplace rules


async def test_the_deadline_job_and_auto_approval_leave_marketplace_claims_alone(
    sync: MarketplaceClaims, uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int
) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(
            update(Shop).values(settings={"auto_approve_refund_below": "1000"})
        )
        await uow.commit()
    await sync.upsert_return("acme", return_record(clock), Photos({}))
    async with uow_factory() as uow:  # even with our deadline set and long past
        await uow.session.execute(update(Claim).values(respond_by=clock.now() - timedelta(days=9)))
        await uow.commit()
    clock.advance(timedelta(days=10))

    report = await DeadlineJob(uow_factory, clock).run_once()

    assert report.total == 0
    [claim] = await claims(uow_factory)
    assert claim.status == ClaimStatus.REQUESTED


async def test_our_refund_tools_refuse_marketplace_claims_and_orders(
    sync: MarketplaceClaims,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    media: MediaStore,
    seller: int,
) -> None:
    await sync.upsert_return("acme", return_record(clock), Photos({}))
    [claim] = await claims(uow_factory)
    sellers = SellerClaimService(uow_factory, clock, media)

    with pytest.raises(MarketplaceOwned):
        await sellers.approve(seller, claim.id)
    with pytest.raises(MarketplaceOwned):
        await sellers.partial_refund(seller, claim.id, "5.00", reason="used_by_buyer")
    with pytest.raises(MarketplaceOwned):
        await CancellationService(uow_factory, clock).goodwill_refund(
            seller, NUMBER, "5.00", "sorry", request_key="k1"
        )
    async with uow_factory() as uow:  # an appeal somehow reached staff
        await uow.session.execute(update(Claim).values(status=ClaimStatus.APPEALED))
        await uow.commit()
    with pytest.raises(MarketplaceOwned):
        await TicketService(uow_factory, clock, media).decide_appeal(
            claim.id, staff_id=1, staff_name="Kim", refund=True
        )
    async with uow_factory(readonly=True) as uow:
        assert list(await uow.session.scalars(select(Refund))) == []


async def test_auto_cancel_does_not_act_on_a_marketplace_order(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_seller(uow_factory, clock, SELLER_EXT)
    order_id = await tiktok_order(
        uow_factory, clock, number="576900000000000009", status="AWAITING_SHIPMENT"
    )
    buyer = await chat_user(uow_factory, clock, BUYER_EXT)
    async with uow_factory() as uow:
        await uow.session.execute(update(Shop).values(settings={"auto_cancel_minutes": "100000"}))
        uow.session.add(
            OrderLink(
                chat_user_id=buyer, order_id=order_id, method="postcode", created_at=clock.now()
            )
        )
        await uow.commit()
    # The buyer asks on TikTok Shop, not here: the request is refused before anything,
    # auto-cancel included, could act on it.
    with pytest.raises(MarketplaceOwned):
        await CancellationService(uow_factory, clock).request(buyer, order_id)
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(order_id)
        assert order is not None and order.status == "AWAITING_SHIPMENT"
        assert list(await uow.session.scalars(select(Refund))) == []
        assert list(await uow.session.scalars(select(CancelRequest))) == []


# ------------------------------------------------------ decisions (service)


async def decisions(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, port: FakeAfterSales | None
) -> MarketplaceDecisions:
    return MarketplaceDecisions(uow_factory, clock, {"tiktok": port} if port else {})


async def test_a_refusal_with_a_status_reconciles_the_claim_and_an_error_changes_nothing(
    sync: MarketplaceClaims, uow_factory: UnitOfWorkFactory, clock: FakeClock, seller: int
) -> None:
    from bot.services.marketplace import DecisionRefused, MarketplaceError, NotConnected

    await sync.upsert_return("acme", return_record(clock), Photos({}))
    [claim] = await claims(uow_factory)

    with pytest.raises(NotConnected):
        await (await decisions(uow_factory, clock, None)).approve(seller, claim.id)
    with pytest.raises(MarketplaceError):
        await (await decisions(uow_factory, clock, FakeAfterSales("error"))).approve(
            seller, claim.id
        )
    [unchanged] = await claims(uow_factory)
    assert unchanged.status == ClaimStatus.REQUESTED and len(unchanged.history) == 1

    port = FakeAfterSales("refuse", refused_status=ClaimStatus.CLOSED)
    with pytest.raises(DecisionRefused):
        await (await decisions(uow_factory, clock, port)).approve(seller, claim.id)
    [reconciled] = await claims(uow_factory)
    assert reconciled.status == ClaimStatus.CLOSED
    assert reconciled.history[-1].actor_kind == "system"


async def test_the_linked_buyer_hears_the_marketplace_words_and_cannot_act_here(
    sync: MarketplaceClaims,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    media: MediaStore,
    seller: int,
) -> None:
    from bot.services.returns import ReturnService

    buyer = await link_buyer(uow_factory, clock)
    await sync.upsert_return("acme", return_record(clock), Photos({}))
    rejected = return_record(clock, status=ClaimStatus.REJECTED, external_status="REJECTED")
    await sync.upsert_return("acme", rejected, Photos({}))
    [row] = await outbox(uow_factory, "claim_update", BUYER_EXT)
    text = first_text(row).text
    assert "on TikTok Shop" in text and "appeal in the TikTok Shop app" in text
    assert "our support team" not in text

    [claim] = await claims(uow_factory)
    with pytest.raises(MarketplaceOwned):  # appeals are the marketplace's
        await TicketService(uow_factory, clock, media).appeal(buyer, claim.id)
    with pytest.raises(MarketplaceOwned):
        await ReturnService(uow_factory, clock, media).withdraw(buyer, claim.id)
