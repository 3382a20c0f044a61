"""ReturnService on a real database: filing claims, following them, and what the seller
is told.  Every use case re-checks ownership and the rules, whatever the draft says."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.clock import FakeClock
from bot.domain.carriers import TrackingNumberError
from bot.domain.enums import ActorKind, ClaimReason, ClaimStatus, ClaimType
from bot.domain.errors import ClaimNotFound, InvalidTransition, OrderNotFound
from bot.domain.returns import MAX_PHOTO_BYTES, NotEligible
from bot.emulator import sample_jpeg, sample_png
from bot.services.returns import (
    BadPhoto,
    ClaimDraft,
    DraftInvalid,
    PhotoDraft,
    ReturnService,
    new_token,
)
from storage.media import MediaStore
from storage.models import (
    ChatUser,
    Claim,
    ClaimPhoto,
    Order,
    OrderLink,
    OutboxMessage,
    Refund,
    Seller,
    Shop,
)
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 3, "8.00"))  # 49.00 + 4.99 shipping


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore) -> ReturnService:
    return ReturnService(uow_factory, clock, media)


@dataclass
class Bought:
    """A buyer who proved an order, and the ids to build drafts with."""

    user_id: int
    order_id: int
    mug: int
    towel: int


async def new_user(uow_factory: UnitOfWorkFactory, clock: FakeClock, external_id: int) -> int:
    async with uow_factory() as uow:
        user = ChatUser(external_id=external_id, first_name="Jane", created_at=clock.now())
        uow.chat_users.add(user)
        await uow.commit()
        return user.id


async def link(uow_factory: UnitOfWorkFactory, clock: FakeClock, user_id: int, order_id: int):  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        uow.session.add(
            OrderLink(
                chat_user_id=user_id, order_id=order_id, method="email", created_at=clock.now()
            )
        )
        await uow.commit()


async def bought(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    *,
    external_id: int = 1001,
    number: str = "578000000000000001",
    **order: Any,
) -> Bought:
    order.setdefault("status", "DELIVERED")
    order.setdefault("delivered_at", clock.now() - timedelta(days=2))
    order.setdefault("items", ITEMS)
    order_id = await make_order(uow_factory, clock, number=number, **order)
    user_id = await new_user(uow_factory, clock, external_id)
    await link(uow_factory, clock, user_id, order_id)
    async with uow_factory(readonly=True) as uow:
        found = await uow.orders.get(order_id)
        assert found is not None
        ids = [item.id for item in sorted(found.items, key=lambda i: i.line_no)]
    return Bought(user_id, order_id, *ids[:2])


_seeds = iter(range(1_000_000))


async def photo(service: ReturnService, data: bytes | None = None) -> PhotoDraft:
    n = next(_seeds)
    data = data if data is not None else sample_jpeg(seed=f"unit-{n}")
    return await service.accept_photo(data, file_id=f"file-{n}", file_unique_id=f"uniq-{n}")


def draft(
    b: Bought,
    items: dict[int, int] | None = None,
    *,
    type: ClaimType = ClaimType.RETURN_AND_REFUND,
    reason: ClaimReason = ClaimReason.NO_LONGER_NEEDED,
    photos: tuple[PhotoDraft, ...] = (),
    note: str | None = None,
    token: str | None = None,
) -> ClaimDraft:
    return ClaimDraft(
        order_id=b.order_id,
        items=items if items is not None else {b.mug: 1},
        type=type,
        reason=reason,
        photos=photos,
        note=note,
        token=token or new_token(),
    )


async def count(uow_factory: UnitOfWorkFactory, model: Any, *where: Any) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model).where(*where)))


async def set_claim(uow_factory: UnitOfWorkFactory, claim_id: int, **values: Any) -> None:
    """Move a claim the way the seller side will (not built yet): straight in the DB."""
    async with uow_factory() as uow:
        await uow.session.execute(update(Claim).where(Claim.id == claim_id).values(**values))
        await uow.commit()


async def set_shop(uow_factory: UnitOfWorkFactory, **values: Any) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(update(Shop).values(**values))
        await uow.commit()


async def outbox(uow_factory: UnitOfWorkFactory) -> list[OutboxMessage]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --------------------------------------------------------------------- photos


async def test_accepted_photo_is_stored_by_content_hash(
    service: ReturnService, media: MediaStore
) -> None:
    data = sample_png(seed="evidence")
    stored = await photo(service, data)
    # The draft keeps the hash of what the buyer sent (the reused-evidence check); the
    # file is the photo re-encoded as JPEG, named by its own hash.
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.mime_type == "image/jpeg"
    jpeg = media.absolute(stored.path).read_bytes()
    digest = hashlib.sha256(jpeg).hexdigest()
    assert stored.path == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    assert jpeg.startswith(b"\xff\xd8\xff") and stored.size == len(jpeg)
    assert (await photo(service, data)).path == stored.path  # same bytes, one file


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\n% not a photo at all\n%%EOF\n", "not_image"),
        (sample_jpeg(seed="cut")[:200], "broken"),  # truncated: starts like a JPEG
        (b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES), "too_big"),
    ],
)
async def test_bad_photos_are_refused_and_not_stored(
    service: ReturnService, media: MediaStore, data: bytes, reason: str
) -> None:
    with pytest.raises(BadPhoto) as refused:
        await service.accept_photo(data, file_id="f", file_unique_id="u")
    assert refused.value.reason == reason
    assert not media.root.exists() or not any(media.root.rglob("*.*"))


# --------------------------------------------------------------------- submit


async def test_submit_files_a_claim_with_history_deadline_and_amount(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    pictures = (await photo(service), await photo(service))
    claim = await service.submit(
        b.user_id,
        draft(
            b,
            {b.mug: 1, b.towel: 2},
            reason=ClaimReason.DAMAGED,
            photos=pictures,
            note="Cracked <in> the box",
        ),
    )
    assert re.fullmatch(r"R260115-[A-HJ-NP-Z2-9]{5}", claim.number)
    assert claim.status == ClaimStatus.REQUESTED
    assert claim.respond_by == clock.now() + timedelta(hours=48)
    assert claim.amount == Decimal("28.50")  # 12.50 + 2 x 8.00, no shipping: not all of it
    assert claim.currency == "USD" and claim.photo_count == 2 and not claim.reused_evidence
    assert sorted(claim.items) == [("Ceramic mug", 1), ("Tea towel", 2)]
    assert claim.note == "Cracked <in> the box"
    [entry] = claim.history
    assert (entry.from_status, entry.to_status, entry.actor) == (
        None,
        ClaimStatus.REQUESTED,
        ActorKind.BUYER,
    )
    assert entry.at == clock.now()
    async with uow_factory(readonly=True) as uow:
        row = await uow.claims.get(claim.id)
        assert row is not None
        assert [p.sha256 for p in row.photos] == [p.sha256 for p in pictures]
        assert row.buyer_id == b.user_id and row.requested_amount == Decimal("28.50")
    assert [c.id for c in await service.claims(b.user_id)] == [claim.id]


async def test_whole_order_claim_includes_shipping(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    claim = await service.submit(b.user_id, draft(b, {b.mug: 2, b.towel: 3}))
    assert claim.amount == Decimal("53.99")
    with pytest.raises(NotEligible) as refused:
        await service.options(b.user_id, b.order_id)
    assert refused.value.reason == "all_claimed"


async def test_earlier_refunds_cap_the_amount(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    async with uow_factory() as uow:
        for key, amount, status in (("a", "40.00", "succeeded"), ("b", "9.00", "failed")):
            uow.session.add(
                Refund(
                    order_id=b.order_id,
                    amount=Decimal(amount),
                    currency="USD",
                    status=status,
                    issuer_kind="staff",
                    reason="goodwill",
                    idempotency_key=key,
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
        await uow.commit()
    whole = draft(b, {b.mug: 2, b.towel: 3})
    assert await service.preview_amount(b.user_id, whole) == Decimal("13.99")  # failed ignored
    assert (await service.submit(b.user_id, whole)).amount == Decimal("13.99")


async def test_replacement_asks_for_no_money(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    claim = await service.submit(
        b.user_id,
        draft(
            b,
            type=ClaimType.REPLACEMENT,
            reason=ClaimReason.DEFECTIVE,
            photos=(await photo(service),),
        ),
    )
    assert claim.type == ClaimType.REPLACEMENT and claim.amount == 0


async def test_shop_setting_changes_the_seller_response_time(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    await set_shop(uow_factory, settings={"seller_response_hours": 24})
    claim = await service.submit(b.user_id, draft(b))
    assert claim.respond_by == clock.now() + timedelta(hours=24)


async def test_confirming_the_same_draft_twice_files_one_claim(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    same = draft(b)
    first = await service.submit(b.user_id, same)
    second = await service.submit(b.user_id, same)
    assert (first.id, first.number) == (second.id, second.number)
    assert await count(uow_factory, Claim) == 1


async def test_two_concurrent_confirms_file_one_claim(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    same = draft(b, {b.mug: 2})
    first, second = await asyncio.gather(
        service.submit(b.user_id, same), service.submit(b.user_id, same)
    )
    assert first.id == second.id
    assert await count(uow_factory, Claim) == 1


async def test_two_drafts_racing_for_the_same_units_file_one_claim(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    results = await asyncio.gather(
        service.submit(b.user_id, draft(b, {b.mug: 2})),
        service.submit(b.user_id, draft(b, {b.mug: 2}, type=ClaimType.REFUND)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, DraftInvalid)]
    assert len(refused) == 1 and refused[0].reason == "items_taken", results
    assert await count(uow_factory, Claim) == 1


@pytest.mark.parametrize(
    "items",
    [
        {"mug": 3},  # bought 2
        {"mug": 0},
        {"mug": -1},
        {},
        {"other": 1},  # a line of another order
    ],
)
async def test_items_beyond_what_may_be_claimed_are_refused(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock, items: dict
) -> None:  # type: ignore[type-arg]
    b = await bought(uow_factory, clock)
    other = await bought(uow_factory, clock, external_id=1002, number="578000000000000002")
    ids = {"mug": b.mug, "other": other.mug}
    with pytest.raises(DraftInvalid) as refused:
        await service.submit(b.user_id, draft(b, {ids[k]: v for k, v in items.items()}))
    assert refused.value.reason == "items_taken"
    assert await count(uow_factory, Claim) == 0


async def test_open_claims_hold_units_and_withdrawn_ones_release_them(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    first = await service.submit(b.user_id, draft(b, {b.mug: 1}))
    assert (await service.options(b.user_id, b.order_id)).claimable == {b.mug: 1, b.towel: 3}
    with pytest.raises(DraftInvalid):
        await service.submit(b.user_id, draft(b, {b.mug: 2}))
    await service.withdraw(b.user_id, first.id)
    assert (await service.options(b.user_id, b.order_id)).claimable == {b.mug: 2, b.towel: 3}
    second = await service.submit(b.user_id, draft(b, {b.mug: 2}))
    await set_claim(uow_factory, second.id, status=ClaimStatus.REJECTED)
    await service.submit(b.user_id, draft(b, {b.mug: 2}))  # rejected releases them too
    third = await service.submit(b.user_id, draft(b, {b.towel: 3}))
    await set_claim(uow_factory, third.id, status=ClaimStatus.REFUNDED)
    with pytest.raises(NotEligible) as refused:
        await service.options(b.user_id, b.order_id)
    assert refused.value.reason == "all_claimed"


@pytest.mark.parametrize(
    "reason",
    [
        ClaimReason.DAMAGED,
        ClaimReason.DEFECTIVE,
        ClaimReason.WRONG_ITEM,
        ClaimReason.NOT_AS_DESCRIBED,
    ],
)
async def test_visible_problems_need_photos(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock, reason: ClaimReason
) -> None:
    b = await bought(uow_factory, clock)
    with pytest.raises(DraftInvalid) as refused:
        await service.submit(b.user_id, draft(b, reason=reason))
    assert refused.value.reason == "photos_required"
    claim = await service.submit(b.user_id, draft(b, reason=reason, photos=(await photo(service),)))
    assert claim.photo_count == 1


async def test_at_most_nine_photos(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    ten = tuple([await photo(service) for _ in range(10)])
    with pytest.raises(DraftInvalid) as refused:
        await service.submit(b.user_id, draft(b, reason=ClaimReason.DAMAGED, photos=ten))
    assert refused.value.reason == "too_many_photos"
    claim = await service.submit(b.user_id, draft(b, reason=ClaimReason.DAMAGED, photos=ten[:9]))
    assert claim.photo_count == 9


async def test_reused_photo_on_another_buyers_claim_is_flagged(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = await bought(uow_factory, clock)
    mallory = await bought(uow_factory, clock, external_id=1002, number="578000000000000002")
    shared = sample_jpeg(seed="the-same-crack")
    original = await service.submit(
        alex.user_id,
        draft(alex, reason=ClaimReason.DAMAGED, photos=(await photo(service, shared),)),
    )
    fresh = await photo(service)
    copied = await service.submit(
        mallory.user_id,
        draft(
            mallory,
            reason=ClaimReason.DAMAGED,
            photos=(fresh, await photo(service, shared)),  # a new file id, the same bytes
        ),
    )
    assert copied.reused_evidence and not original.reused_evidence
    async with uow_factory(readonly=True) as uow:
        flags = {
            (p.claim_id, p.sha256): p.reused for p in await uow.session.scalars(select(ClaimPhoto))
        }
    digest = hashlib.sha256(shared).hexdigest()
    assert flags == {
        (original.id, digest): False,
        (copied.id, digest): True,
        (copied.id, fresh.sha256): False,
    }
    alex_again = await service.claim(alex.user_id, original.id)
    assert not alex_again.reused_evidence  # the first to use it is not accused


async def test_a_photo_stored_before_re_encoding_still_counts_for_reused_evidence(
    service: ReturnService, media: MediaStore, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Claims filed before photos were re-encoded kept the buyer's own bytes under their
    hash; the same bytes sent now are still recognised, and the old file still serves."""
    alex = await bought(uow_factory, clock)
    mallory = await bought(uow_factory, clock, external_id=1002, number="578000000000000002")
    shared = sample_png(seed="stored-as-sent")
    old_file = await media.put(shared, ".png")  # how photos were stored until now
    before = PhotoDraft(
        old_file.sha256, "f-old", "u-old", "image/png", old_file.size, old_file.path
    )
    original = await service.submit(
        alex.user_id, draft(alex, reason=ClaimReason.DAMAGED, photos=(before,))
    )
    now = await photo(service, shared)
    assert now.sha256 == before.sha256 and now.path != before.path
    copied = await service.submit(
        mallory.user_id, draft(mallory, reason=ClaimReason.DAMAGED, photos=(now,))
    )
    assert copied.reused_evidence and not original.reused_evidence
    assert media.absolute(before.path).read_bytes() == shared


async def test_same_buyer_reusing_a_photo_on_the_same_order_is_not_flagged(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    same = await photo(service, sample_jpeg(seed="mine"))
    first = await service.submit(b.user_id, draft(b, reason=ClaimReason.DAMAGED, photos=(same,)))
    await service.withdraw(b.user_id, first.id)
    again = await service.submit(b.user_id, draft(b, reason=ClaimReason.DAMAGED, photos=(same,)))
    assert not again.reused_evidence


async def test_not_eligible_orders_and_types_are_refused_at_submit(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock, status="IN_TRANSIT", delivered_at=None)
    with pytest.raises(DraftInvalid) as refused:
        await service.submit(
            b.user_id, draft(b, type=ClaimType.REFUND, reason=ClaimReason.NOT_RECEIVED)
        )
    assert refused.value.reason == "in_transit"
    clock.advance(timedelta(days=3))  # the parcel is a day late now
    with pytest.raises(DraftInvalid) as refused:
        await service.submit(b.user_id, draft(b, type=ClaimType.RETURN_AND_REFUND))
    assert refused.value.reason == "type_or_reason"
    claim = await service.submit(
        b.user_id,
        draft(b, {b.mug: 2, b.towel: 3}, type=ClaimType.REFUND, reason=ClaimReason.NOT_RECEIVED),
    )
    assert claim.amount == Decimal("53.99")


async def test_the_window_is_checked_again_at_submit(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    pending = draft(b)
    await service.options(b.user_id, b.order_id)
    clock.advance(timedelta(days=14))  # delivered 2 days ago + 14 > 15-day window
    with pytest.raises(DraftInvalid) as refused:
        await service.submit(b.user_id, pending)
    assert refused.value.reason == "window_closed"


# ------------------------------------------------------------------ ownership


async def test_a_buyer_who_did_not_prove_the_order_can_do_nothing_with_it(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    claim = await service.submit(b.user_id, draft(b))
    stranger = await new_user(uow_factory, clock, 6666)
    with pytest.raises(OrderNotFound):
        await service.options(stranger, b.order_id)
    with pytest.raises(OrderNotFound):
        await service.preview_amount(stranger, draft(b))
    with pytest.raises(OrderNotFound):
        await service.submit(stranger, draft(b, {b.towel: 1}))
    for attempt in (
        service.claim(stranger, claim.id),
        service.withdraw(stranger, claim.id),
        service.answer_info(stranger, claim.id, "hi", []),
        service.ship_back(stranger, claim.id, "UPS", "1Z999AA10123456784"),
    ):
        with pytest.raises(ClaimNotFound):
            await attempt
    with pytest.raises(ClaimNotFound):
        await service.claim(b.user_id, claim.id + 1000)
    assert await service.claims(stranger) == []
    assert (await service.claim(b.user_id, claim.id)).status == ClaimStatus.REQUESTED
    assert await count(uow_factory, Claim) == 1


# ------------------------------------------------------------------ follow-up


async def test_withdraw_while_requested_and_not_once_it_ended(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    claim = await service.submit(b.user_id, draft(b))
    clock.advance(timedelta(hours=1))
    withdrawn = await service.withdraw(b.user_id, claim.id)
    assert withdrawn.status == ClaimStatus.CANCELLED
    last = withdrawn.history[-1]
    assert (last.from_status, last.to_status, last.actor, last.at) == (
        ClaimStatus.REQUESTED,
        ClaimStatus.CANCELLED,
        ActorKind.BUYER,
        clock.now(),
    )
    with pytest.raises(InvalidTransition):
        await service.withdraw(b.user_id, claim.id)
    for ended in (ClaimStatus.REFUNDED, ClaimStatus.REJECTED, ClaimStatus.BUYER_SHIPPED):
        other = await service.submit(b.user_id, draft(b, {b.towel: 1}))
        await set_claim(uow_factory, other.id, status=ended)
        with pytest.raises(InvalidTransition):
            await service.withdraw(b.user_id, other.id)
        assert (await service.claim(b.user_id, other.id)).status == ended


async def needs_info(
    service: ReturnService, uow_factory: UnitOfWorkFactory, b: Bought, paused_hours: int = 30
) -> int:
    claim = await service.submit(b.user_id, draft(b))
    await set_claim(
        uow_factory,
        claim.id,
        status=ClaimStatus.NEEDS_INFO,
        respond_by=None,
        respond_paused_seconds=paused_hours * 3600,
    )
    return claim.id


async def test_answer_gives_the_seller_back_the_time_that_was_left(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore
) -> None:
    b = await bought(uow_factory, clock)
    await set_shop(uow_factory, seller_chat_ids=[9001])
    claim_id = await needs_info(service, uow_factory, b, paused_hours=30)
    clock.advance(timedelta(days=3))
    picture = await photo(service)
    answered = await service.answer_info(b.user_id, claim_id, "Here is the label", [picture])
    assert answered.status == ClaimStatus.REQUESTED
    assert answered.respond_by == clock.now() + timedelta(hours=30)
    assert answered.photo_count == 1
    last = answered.history[-1]
    assert (last.from_status, last.to_status, last.note) == (
        ClaimStatus.NEEDS_INFO,
        ClaimStatus.REQUESTED,
        "Here is the label",
    )
    async with uow_factory(readonly=True) as uow:
        row = await uow.claims.get(claim_id)
        assert row is not None and row.respond_paused_seconds is None
    info = [m for m in await outbox(uow_factory) if m.payload["kind"] == "claim_info"]
    assert [(m.chat_id, m.payload["params"]["text"]) for m in info] == [(9001, "Here is the label")]
    # The stored file, which Telegram accepts as a photo whatever the buyer sent it as.
    assert info[0].payload["params"]["photos"] == [str(media.absolute(picture.path))]


async def test_answer_only_while_the_seller_waits_for_one(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    claim = await service.submit(b.user_id, draft(b))
    with pytest.raises(InvalidTransition):
        await service.answer_info(b.user_id, claim.id, "hello?", [await photo(service)])
    unchanged = await service.claim(b.user_id, claim.id)
    assert unchanged.status == ClaimStatus.REQUESTED and unchanged.photo_count == 0
    assert len(unchanged.history) == 1


async def test_answer_cannot_push_a_claim_past_nine_photos(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    first = tuple([await photo(service) for _ in range(8)])
    claim = await service.submit(b.user_id, draft(b, reason=ClaimReason.DAMAGED, photos=first))
    await set_claim(uow_factory, claim.id, status=ClaimStatus.NEEDS_INFO)
    with pytest.raises(DraftInvalid):
        await service.answer_info(
            b.user_id, claim.id, None, [await photo(service), await photo(service)]
        )
    assert (
        await service.answer_info(b.user_id, claim.id, None, [await photo(service)])
    ).photo_count == 9


async def test_ship_back_checks_the_tracking_number(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    await set_shop(uow_factory, seller_chat_ids=[9001])
    claim = await service.submit(b.user_id, draft(b))
    with pytest.raises(InvalidTransition):  # not approved for a return yet
        await service.ship_back(b.user_id, claim.id, "UPS", "1Z999AA10123456784")
    await set_claim(uow_factory, claim.id, status=ClaimStatus.AWAITING_BUYER_SHIPMENT)
    for carrier, number in (("UPS", "1Z999AA10123456785"), ("UPS", "hello"), ("Pigeon", "1")):
        with pytest.raises(TrackingNumberError):
            await service.ship_back(b.user_id, claim.id, carrier, number)
    assert (await service.claim(b.user_id, claim.id)).status == ClaimStatus.AWAITING_BUYER_SHIPMENT
    shipped = await service.ship_back(b.user_id, claim.id, "ups", "1z999aa1 0123 456784")
    assert shipped.status == ClaimStatus.BUYER_SHIPPED
    assert (shipped.return_carrier, shipped.return_tracking) == ("UPS", "1Z999AA10123456784")
    async with uow_factory(readonly=True) as uow:
        row = await uow.claims.get(claim.id)
        assert row is not None and row.receive_by == clock.now() + timedelta(days=8)
    with pytest.raises(InvalidTransition):  # only once
        await service.ship_back(b.user_id, claim.id, "UPS", "1Z999AA10123456784")
    told = [m for m in await outbox(uow_factory) if m.payload["kind"] == "claim_shipped"]
    assert [(m.chat_id, m.payload["params"]["tracking"]) for m in told] == [
        (9001, "1Z999AA10123456784")
    ]


# --------------------------------------------------------------- seller outbox


async def test_sellers_are_told_through_the_outbox_once_per_chat(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock, media: MediaStore
) -> None:
    b = await bought(uow_factory, clock)
    await set_shop(uow_factory, seller_chat_ids=[9001, 9002])
    registered = await new_user(uow_factory, clock, 9002)  # also a registered seller
    async with uow_factory() as uow:
        shop = await uow.session.scalar(select(Shop))
        assert shop is not None
        uow.session.add(Seller(shop_id=shop.id, chat_user_id=registered, created_at=clock.now()))
        await uow.commit()
    pictures = (await photo(service), await photo(service))
    same = draft(b, reason=ClaimReason.DAMAGED, photos=pictures, note="Broken")
    claim = await service.submit(b.user_id, same)
    await service.submit(b.user_id, same)  # Confirm pressed again
    await service.submit(b.user_id, replace(same, note="changed"))  # same token, still once
    rows = await outbox(uow_factory)
    assert sorted(m.chat_id for m in rows) == [9001, 9002]
    params = rows[0].payload["params"]
    assert rows[0].payload["kind"] == "claim_new" and rows[0].status == "pending"
    assert params["claim_number"] == claim.number
    assert params["photos"] == [str(media.absolute(p.path)) for p in pictures]
    assert params["items"] == [["Ceramic mug", 1]]
    assert params["amount"] == "12.50" and params["note"] == "Broken"
    assert params["reused"] is False


async def test_no_sellers_no_outbox_rows(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    await service.submit(b.user_id, draft(b))
    assert await outbox(uow_factory) == []


async def test_failed_submit_writes_nothing(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    b = await bought(uow_factory, clock)
    await set_shop(uow_factory, seller_chat_ids=[9001])
    with pytest.raises(DraftInvalid):
        await service.submit(b.user_id, draft(b, reason=ClaimReason.DAMAGED))
    assert await count(uow_factory, Claim) == 0
    assert await outbox(uow_factory) == []
    async with uow_factory(readonly=True) as uow:
        assert (await uow.session.get(Order, b.order_id)) is not None


async def test_reimport_that_drops_a_claimed_line_keeps_the_claim_intact(
    service: ReturnService, uow_factory: UnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    """A shop's export that no longer lists an item must not delete a buyer's claim on it."""
    from bot.services.order_import import import_orders_file
    from storage.models import ClaimItem

    b = await bought(uow_factory, clock)
    claim = await service.submit(b.user_id, draft(b, items={b.towel: 1}))
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(b.order_id)
        assert order is not None and order.payment is not None
        number, placed = order.order_number, order.placed_at
    export = tmp_path / "again.json"
    order_json = {
        "order_number": number,
        "status": "DELIVERED",
        "placed_at": placed.isoformat(),
        "payment": {
            "currency": "USD",
            "subtotal": "25.00",
            "shipping_fee": "4.99",
            "total_paid": "29.99",
        },
        # The towel line (claimed above) is no longer in the export.
        "items": [
            {"sku": "SKU-1", "product_name": "Ceramic mug", "quantity": 2, "unit_price": "12.50"}
        ],
    }
    export.write_text(json.dumps([order_json]))
    report = await import_orders_file(uow_factory, export, "acme", clock)
    assert report.ok, str(report)
    async with uow_factory(readonly=True) as uow:
        kept = await uow.session.scalars(select(ClaimItem).where(ClaimItem.claim_id == claim.id))
        assert [(i.order_item_id, i.quantity) for i in kept] == [(b.towel, 1)]
