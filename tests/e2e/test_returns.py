"""A buyer asks for a return, refund or replacement through real Telegram traffic
(aiogram ↔ emulator): the claim flow with photos, following the claim afterwards, and
what the seller is told."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.clock import FakeClock
from bot.config import Settings
from bot.emulator import ScriptedUser, TelegramEmulator, sample_jpeg, sample_png
from storage.models import (
    Claim,
    ClaimPhoto,
    ConversationState,
    Order,
    OrderItem,
    OutboxMessage,
    Shop,
)
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import NUMBER, buttons, link
from tests.factories import make_order
from tests.pictures import (
    blank_png,
    jpeg_pdf_polyglot,
    panorama_png,
    pdf_in_jpeg_shell,
    photo_jpeg,
    same_picture,
)

Message = dict[str, Any]
ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00"))  # 33.00 + 4.99 shipping
SELLER_ID = 9001


async def delivered_order(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, number: str = NUMBER, **order: Any
) -> int:
    order.setdefault("items", ITEMS)
    return await make_order(
        uow_factory,
        clock,
        number=number,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=2),
        events=(("Delivered", "Left at front door"),),
        **order,
    )


async def tap(
    user: ScriptedUser, label: str, message: Message | None = None, *, wait: float = 5.0
) -> Message:
    """Press a button; return what it shows: a new message, or the message that bore the
    button changed in place (taps within the items step edit their own message)."""
    target = message or next(m for m in reversed(user.messages) if label in buttons(m))
    before = (target.get("text"), buttons(target))
    newest = max(m["message_id"] for m in user.messages)
    await user.press(label, message=target)
    await user.wait_callback_answer(wait)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while loop.time() < deadline:
        if any(m["message_id"] > newest for m in user.messages):
            return await user.wait_message(timeout=wait)
        same = next(m for m in user.messages if m["message_id"] == target["message_id"])
        if (same.get("text"), buttons(same)) != before:
            return same
        await asyncio.sleep(0.01)
    raise TimeoutError(f"the bot showed nothing new after {label!r}")


async def refused_tap(user: ScriptedUser, label: str) -> str | None:
    """Press a button the bot refuses with an alert; return the alert."""
    await user.press(label)
    return await user.wait_callback_answer()


async def forged(user: ScriptedUser, data: str) -> str | None:
    await user.press_forged(data)
    return await user.wait_callback_answer()


@dataclass
class Return:
    """What the buyer chooses, in the words of the buttons."""

    items: dict[str, int] = field(default_factory=lambda: {"Ceramic mug": 1})
    type: str = "Return and refund"
    reason: str = "Arrived damaged"
    photos: Sequence[bytes] = ()
    album: bool = False
    note: str | None = None


async def pick_items(user: ScriptedUser, items: dict[str, int]) -> Message:
    """On the items step: choose quantities, then Continue; return the type question."""
    for name, quantity in items.items():
        label = next(b for b in buttons(user.last_message or {}) if b.startswith(name))
        shown = await tap(user, label)
        if "How many" in shown["text"]:
            await tap(user, str(quantity))
    return await tap(user, "Continue ›")


async def send_photos(user: ScriptedUser, photos: Sequence[bytes], album: bool) -> None:
    if album:
        await user.send_album(list(photos))
        await user.wait_message()  # one "receiving your photos" for the whole album
        return
    for data in photos:
        await user.send_photo(data)
        await user.wait_message()


async def to_summary(user: ScriptedUser, first: Message, plan: Return) -> Message:
    """From the items step to the summary."""
    assert "step 1 of 5" in first["text"], first["text"]
    await pick_items(user, plan.items)
    await tap(user, plan.type)
    asked = await tap(user, plan.reason)
    assert "Photos" in asked["text"]
    await send_photos(user, plan.photos, plan.album)
    await tap(user, "Done ›" if plan.photos else "Skip ›")
    if plan.note is None:
        return await tap(user, "Skip ›")
    await user.send(plan.note)
    return await user.wait_message()


async def start_by_command(user: ScriptedUser) -> Message:
    await user.send("/return")
    return await user.wait_message()


async def file_claim(user: ScriptedUser, first: Message, plan: Return) -> Message:
    summary = await to_summary(user, first, plan)
    assert "Please check your request" in summary["text"]
    filed = await tap(user, "✅ Confirm")
    assert "is filed" in filed["text"], filed["text"]
    return filed


async def claims(uow_factory: UnitOfWorkFactory) -> list[Claim]:
    async with uow_factory(readonly=True) as uow:
        ids = list(await uow.session.scalars(select(Claim.id).order_by(Claim.id)))
        found = [await uow.claims.get(i) for i in ids]
    return [c for c in found if c is not None]


async def claim_count(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Claim)) or 0)


async def add_seller(uow_factory: UnitOfWorkFactory, emulator: TelegramEmulator) -> ScriptedUser:
    """A seller told about claims by chat id (before seller registration exists)."""
    seller = emulator.user(SELLER_ID, "Sam Seller")
    await seller.send("/start")  # Telegram only lets the bot write after this
    await seller.wait_message()
    async with uow_factory() as uow:
        await uow.session.execute(update(Shop).values(seller_chat_ids=[SELLER_ID]))
        await uow.commit()
    return seller


async def outbox_statuses(uow_factory: UnitOfWorkFactory) -> list[str]:
    async with uow_factory(readonly=True) as uow:
        return list(
            await uow.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))
        )


async def set_claim(uow_factory: UnitOfWorkFactory, claim_id: int, **values: Any) -> None:
    """What the seller side (not built yet) will do: move the claim in the database."""
    async with uow_factory() as uow:
        await uow.session.execute(update(Claim).where(Claim.id == claim_id).values(**values))
        await uow.commit()


async def conversation(uow_factory: UnitOfWorkFactory, user_id: int) -> ConversationState | None:
    async with uow_factory(readonly=True) as uow:
        return await uow.session.scalar(
            select(ConversationState).where(ConversationState.user_id == user_id)
        )


async def item_ids(uow_factory: UnitOfWorkFactory, order_id: int) -> dict[str, int]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(select(OrderItem).where(OrderItem.order_id == order_id))
        return {row.product_name: row.id for row in rows}


def assert_stored(
    emulator: TelegramEmulator,
    settings: Settings,
    photos: Sequence[ClaimPhoto],
    sent: Sequence[bytes],
) -> None:
    """The claim's photos are the pictures the buyer sent: known by the hash of the bytes
    sent (what the reused-evidence check compares), stored as the JPEG made from them."""
    by_hash = {hashlib.sha256(data).hexdigest(): data for data in sent}
    assert sorted(p.sha256 for p in photos) == sorted(by_hash)
    for photo in photos:
        data = by_hash[photo.sha256]
        assert emulator.file_bytes(photo.file_id) == data  # the buyer's own upload
        on_disk = (Path(settings.media_dir) / photo.path).read_bytes()
        assert photo.path.endswith(hashlib.sha256(on_disk).hexdigest() + ".jpg")
        assert photo.mime_type == "image/jpeg" and photo.size == len(on_disk)
        assert same_picture(on_disk, data)


def stored_bytes(settings: Settings, photos: Sequence[ClaimPhoto]) -> list[bytes]:
    return [(Path(settings.media_dir) / p.path).read_bytes() for p in photos]


def files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def jpegs(tag: str, n: int) -> list[bytes]:
    return [photo_jpeg(f"{tag}-{i}") for i in range(n)]


# ------------------------------------------------------------------ filing


async def test_return_from_the_order_card_with_one_photo(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    first = await tap(alex, "↩ Return or refund", card)
    assert "Return possible until Jan 28" in first["text"]
    assert buttons(first) == ["Ceramic mug — up to 2", "Tea towel — up to 1", "‹ Back", "✖ Cancel"]
    photo = sample_jpeg(seed="cracked-mug")
    plan = Return(photos=[photo], note="The handle <b>broke</b> off & fell")
    summary = await to_summary(alex, first, plan)
    text = summary["text"]
    assert "• 1 × Ceramic mug" in text and "Request: Return and refund" in text
    assert "Reason: Arrived damaged" in text and "Photos: 1" in text
    assert "Note: The handle <b>broke</b> off & fell" in text  # shown literally
    assert "Refund requested: $12.50" in text
    filed = await tap(alex, "✅ Confirm")
    [claim] = await claims(uow_factory)
    assert f"Your request {claim.claim_number} is filed" in filed["text"]
    assert "Jan 17, 12:00 UTC" in filed["text"]  # 48 hours for the seller
    assert (claim.type, claim.reason, claim.status) == ("RETURN_AND_REFUND", "DAMAGED", "REQUESTED")
    assert claim.requested_amount == Decimal("12.50")
    assert claim.buyer_note == "The handle <b>broke</b> off & fell"
    assert [i.quantity for i in claim.items] == [1]
    assert_stored(emulator, settings, claim.photos, [photo])
    state = await conversation(uow_factory, alex.id)
    assert state is not None and state.step is None  # out of the flow


async def test_refund_only_by_command_with_an_album_of_three(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    await link(alex)
    album = jpegs("album", 3)
    plan = Return(
        items={"Ceramic mug": 2, "Tea towel": 1},
        type="Refund only (keep the item)",
        reason="Not as described",
        photos=album,
        album=True,
    )
    summary = await to_summary(alex, await start_by_command(alex), plan)
    assert "Photos: 3" in summary["text"]
    assert "Refund requested: $37.99" in summary["text"]  # everything: shipping too
    await tap(alex, "✅ Confirm")
    [claim] = await claims(uow_factory)
    assert (claim.type, claim.reason) == ("REFUND", "NOT_AS_DESCRIBED")
    assert sorted(i.quantity for i in claim.items) == [1, 2]
    assert_stored(emulator, settings, claim.photos, album)
    # One acknowledgement for the whole album, not one per picture.
    assert sum("Receiving your photos" in (m.get("text") or "") for m in alex.messages) == 1


async def test_replacement_with_an_image_sent_as_a_file_for_one_of_two_orders(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await delivered_order(uow_factory, clock)
    await delivered_order(uow_factory, clock, number="578000000000000002")
    alex = emulator.user(1001, "Alex")
    await link(alex)
    await link(alex, "578000000000000002")
    asked = await start_by_command(alex)
    assert "Which order" in asked["text"]
    assert buttons(asked) == ["578000000000000002 · Delivered", "578000000000000001 · Delivered"]
    first = await tap(alex, "578000000000000002 · Delivered")
    assert "Return for order 578000000000000002" in first["text"]
    await pick_items(alex, {"Tea towel": 1})
    await tap(alex, "Replacement")
    await tap(alex, "Wrong item sent")
    png = sample_png(120, 90, seed="wrong-colour")
    await alex.send_document(png, file_name="IMG_2041.PNG", mime_type="image/png")
    assert "Got it: 1 photo" in (await alex.wait_message())["text"]
    await tap(alex, "Done ›")
    summary = await tap(alex, "Skip ›")
    assert "Request: Replacement" in summary["text"]
    assert "Replacement requested" in summary["text"] and "$0.00" not in summary["text"]
    await tap(alex, "✅ Confirm")
    [claim] = await claims(uow_factory)
    assert (claim.type, claim.requested_amount) == ("REPLACEMENT", 0)
    assert [p.mime_type for p in claim.photos] == ["image/jpeg"]  # re-encoded as a photo
    assert claim.photos[0].path.endswith(".jpg")
    assert_stored(emulator, settings, claim.photos, [png])


async def test_late_parcel_can_only_be_refunded_as_not_received(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, items=ITEMS, eta=clock.now() - timedelta(days=2))
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    first = await tap(alex, "↩ Return or refund", card)
    assert "Return possible until Feb 12" in first["text"]  # 30 days after the promised date
    types = await pick_items(alex, {"Ceramic mug": 2, "Tea towel": 1})
    assert buttons(types) == ["Refund (the parcel never arrived)", "‹ Back", "✖ Cancel"]
    reasons = await tap(alex, "Refund (the parcel never arrived)")
    assert buttons(reasons) == ["Parcel not received", "‹ Back", "✖ Cancel"]
    photos = await tap(alex, "Parcel not received")
    assert "tap Skip" in photos["text"] and buttons(photos)[0] == "Skip ›"
    await tap(alex, "Skip ›")
    summary = await tap(alex, "Skip ›")
    assert "Photos: 0" in summary["text"] and "$37.99" in summary["text"]
    await tap(alex, "✅ Confirm")
    [claim] = await claims(uow_factory)
    assert (claim.type, claim.reason, len(claim.photos)) == ("REFUND", "NOT_RECEIVED", 0)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("IN_TRANSIT", "still on its way and not late yet"),
        ("ON_HOLD", "hasn't shipped yet"),
        ("COMPLETED", "after-sales period has ended"),
    ],
)
async def test_return_command_says_why_an_order_cannot_be_returned(
    status: str,
    words: str,
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await make_order(uow_factory, clock, status=status)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    assert "↩ Return or refund" not in buttons(card)
    reply = await start_by_command(alex)
    assert words in reply["text"] and NUMBER in reply["text"]
    assert (await conversation(uow_factory, alex.id)).step is None  # type: ignore[union-attr]


async def test_single_unit_items_toggle_on_and_off(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    await tap(alex, "↩ Return or refund", card)
    on = await tap(alex, "Tea towel — up to 1")  # one unit: no quantity question
    assert buttons(on)[:3] == ["Ceramic mug — up to 2", "Tea towel — 1 of 1", "Continue ›"]
    off = await tap(alex, "Tea towel — 1 of 1")
    assert buttons(off)[:2] == ["Ceramic mug — up to 2", "Tea towel — up to 1"]
    assert "Continue ›" not in buttons(off)
    await tap(alex, "Tea towel — up to 1")
    await tap(alex, "Continue ›")
    await tap(alex, "Return and refund")
    await tap(alex, "No longer needed")
    await tap(alex, "Skip ›")
    summary = await tap(alex, "Skip ›")
    assert "• 1 × Tea towel" in summary["text"] and "Ceramic mug" not in summary["text"]
    assert "Refund requested: $8.00" in summary["text"]


# ------------------------------------------------------------ bad evidence


async def test_bad_files_are_refused_without_losing_the_photos_so_far(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    await link(alex)
    first = await start_by_command(alex)
    assert "step 1 of 5" in first["text"]
    await pick_items(alex, {"Ceramic mug": 1})
    await tap(alex, "Return and refund")
    await tap(alex, "Doesn't work / defective")
    good = jpegs("kept", 2)
    await send_photos(alex, good, album=False)

    async def refused(words: str) -> None:
        reply = (await alex.wait_message())["text"]
        assert words in reply and "Your 2 photos so far are kept" in reply, reply

    await alex.send_video()
    await refused("Videos can't be added")
    await alex.send_document()  # a PDF
    await refused("isn't a JPEG, PNG or WebP image")
    await alex.send_document(b"MZ\x90\x00 definitely not a picture", file_name="photo.jpg")
    await refused("isn't a JPEG, PNG or WebP image")
    big = sample_jpeg(seed="huge")
    big = big[:-2] + bytes(11 * 1024 * 1024) + big[-2:]  # still a JPEG, but 11 MB
    downloads = len(emulator.downloads)
    await alex.send_document(big, file_name="huge.jpg", mime_type="image/jpeg")
    await refused("larger than 10 MB")
    assert len(emulator.downloads) == downloads  # refused by its announced size
    await alex.send_sticker()
    await refused("isn't a JPEG, PNG or WebP image")
    await alex.send("here you go")
    assert "Please send photos now" in (await alex.wait_message())["text"]

    more = jpegs("more", 7)  # 2 + 7 = 9, the maximum
    await send_photos(alex, more, album=True)
    # The ninth says it is the last: no "send more" before being told there's no room.
    assert "Got it: 9 photos, the maximum" in (await alex.wait_message())["text"]
    await alex.send_photo(sample_jpeg(seed="tenth"))
    assert "already sent the maximum of 9 photos" in (await alex.wait_message())["text"]
    await tap(alex, "Done ›")
    summary = await tap(alex, "Skip ›")
    assert "Photos: 9" in summary["text"]
    await tap(alex, "✅ Confirm")
    [claim] = await claims(uow_factory)
    assert_stored(emulator, settings, claim.photos, good + more)
    assert len(files_under(settings.media_dir)) == 9  # nothing refused was kept


async def test_photos_are_required_for_damage(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    await link(alex)
    await start_by_command(alex)
    await pick_items(alex, {"Ceramic mug": 1})
    await tap(alex, "Return and refund")
    asked = await tap(alex, "Arrived damaged")
    assert "Please send 1 to 9 photos" in asked["text"]
    assert "send at least one photo" in (await refused_tap(alex, "Done ›") or "")
    assert (await conversation(uow_factory, alex.id)).step == "ret.photos"  # type: ignore[union-attr]


# ------------------------------------------------------------- back, cancel

STEP_WORDS = {
    "items": "step 1 of 5",
    "quantity": "How many of",
    "type": "step 2 of 5",
    "reason": "step 3 of 5",
    "photos": "step 4 of 5",
    "note": "step 5 of 5",
    "confirm": "Please check your request",
}


async def walk_to(user: ScriptedUser, card: Message, step: str) -> Message:
    """From the order card to `step` of the flow (with one photo on the way)."""
    shown = await tap(user, "↩ Return or refund", card)
    moves = [
        ("quantity", lambda: tap(user, "Ceramic mug — up to 2")),
        ("items", lambda: tap(user, "2")),
        ("type", lambda: tap(user, "Continue ›")),
        ("reason", lambda: tap(user, "Replacement")),
        ("photos", lambda: tap(user, "Doesn't work / defective")),
        ("note", None),
        ("confirm", lambda: tap(user, "Skip ›")),
    ]
    if step == "items":
        return shown
    for name, move in moves:
        if move is None:  # photos → note: send a photo, then Done
            await user.send_photo(sample_jpeg(seed="walk"))
            await user.wait_message()
            shown = await tap(user, "Done ›")
        else:
            shown = await move()
        assert STEP_WORDS[name] in shown["text"], (name, shown["text"])
        if name == step:
            return shown
    raise AssertionError(step)


async def test_back_goes_one_step_back_and_keeps_the_choices(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    await walk_to(alex, card, "confirm")
    for expected in ("note", "photos", "reason", "type", "items"):
        shown = await tap(alex, "‹ Back")
        assert STEP_WORDS[expected] in shown["text"], (expected, shown["text"])
    assert buttons(shown)[:3] == ["Ceramic mug — 2 of 2", "Tea towel — up to 1", "Continue ›"]
    asked = await tap(alex, "Ceramic mug — 2 of 2")
    assert STEP_WORDS["quantity"] in asked["text"]
    assert STEP_WORDS["items"] in (await tap(alex, "‹ Back"))["text"]
    # Forward again: the photo sent before is still in the draft.
    await tap(alex, "Continue ›")
    await tap(alex, "Replacement")
    photos = await tap(alex, "Doesn't work / defective")
    assert buttons(photos)[0] == "Done ›"
    await tap(alex, "Done ›")
    summary = await tap(alex, "Skip ›")
    assert "Photos: 1" in summary["text"] and "• 2 × Ceramic mug" in summary["text"]
    # Back on the first step leaves the flow.
    for _ in range(5):
        await tap(alex, "‹ Back")
    left = await tap(alex, "‹ Back")
    assert "return request is discarded" in left["text"]
    assert await claim_count(uow_factory) == 0
    assert (await conversation(uow_factory, alex.id)).step is None  # type: ignore[union-attr]


@pytest.mark.parametrize("step", list(STEP_WORDS))
async def test_cancel_at_any_step_files_nothing(
    step: str,
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    await walk_to(alex, card, step)
    done = await tap(alex, "✖ Cancel")
    assert "return request is discarded. Nothing was sent" in done["text"]
    assert await claim_count(uow_factory) == 0
    assert (await conversation(uow_factory, alex.id)).step is None  # type: ignore[union-attr]
    # The old flow's buttons do nothing now.
    assert "no longer works" in (await refused_tap(alex, "‹ Back") or "")


async def test_cancel_command_mid_flow_files_nothing(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    summary = await walk_to(alex, card, "confirm")
    await alex.send("/cancel")
    assert "Nothing was saved" in (await alex.wait_message())["text"]
    await alex.press("✅ Confirm", message=summary)
    assert "no longer works" in (await alex.wait_callback_answer() or "")
    assert await claim_count(uow_factory) == 0


# ---------------------------------------------------------- crafted buttons


async def test_crafted_buttons_change_nothing(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex_order = await delivered_order(uow_factory, clock)
    await delivered_order(uow_factory, clock, "578000000000000002", email="mallory@example.com")
    ids = await item_ids(uow_factory, alex_order)
    alex, mallory = emulator.user(1001, "Alex"), emulator.user(1002, "Mallory")
    card = await link(alex)
    await link(mallory, "578000000000000002", "mallory@example.com")

    # Mallory starts a return on Alex's order: refused, no flow for her.
    assert "can't find that order" in (await forged(mallory, f"rs:{alex_order}") or "")
    assert (await conversation(uow_factory, mallory.id)).step is None  # type: ignore[union-attr]
    # Confirm, quantity and type buttons outside a flow do nothing.
    for data in ("rc", f"rq:{ids['Ceramic mug']}:1", "rt:REFUND", "rd", "rb", "rx", "rs:abc"):
        assert "no longer works" in (await forged(mallory, data) or "")

    # Alex asks for more mugs than he bought, and for an item of another order.
    asked = await walk_to(alex, card, "quantity")
    before = len(alex.messages)
    for data in (
        f"rq:{ids['Ceramic mug']}:3",
        f"rq:{ids['Ceramic mug']}:99999999999999999999",
        f"rq:{ids['Ceramic mug']}:-1",
        f"rq:{ids['Ceramic mug'] + 2}:1",
        "rc",  # confirm before the summary
    ):
        assert "no longer works" in (await forged(alex, data) or "")
    assert len(alex.messages) == before
    state = await conversation(uow_factory, alex.id)
    assert state is not None and state.step == "ret.qty" and state.data["items"] == {}
    shown = await tap(alex, "2", asked)
    assert "Ceramic mug — 2 of 2" in buttons(shown)
    types = await tap(alex, "Continue ›")
    # A type the order doesn't offer (late-parcel style) or garbage is refused too.
    assert "no longer works" in (await forged(alex, "rt:EXCHANGE") or "")
    assert "step 3 of 5" in (await tap(alex, "Return and refund", types))["text"]
    assert "no longer works" in (await forged(alex, "rr:NOT_A_REASON") or "")
    assert await claim_count(uow_factory) == 0


# ---------------------------------------------------------- the seller is told


async def test_seller_gets_the_album_and_summary_and_reused_evidence_is_flagged(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await delivered_order(uow_factory, clock)
    await delivered_order(uow_factory, clock, "578000000000000002", email="mallory@example.com")
    seller = await add_seller(uow_factory, emulator)
    alex, mallory = emulator.user(1001, "Alex"), emulator.user(1002, "Mallory")
    alex_card = await link(alex)
    mallory_card = await link(mallory, "578000000000000002", "mallory@example.com")
    crack, box = photo_jpeg("crack"), photo_jpeg("box")

    first = await tap(alex, "↩ Return or refund", alex_card)
    await file_claim(alex, first, Return(photos=[crack, box], album=True, note="Handle off"))
    await bot.flush_outbox()  # (the bot's own outbox loop may have sent it already)
    summary = await seller.wait_message()  # the summary first, then the album
    album = [await seller.wait_message(), await seller.wait_message()]
    [original] = await claims(uow_factory)
    assert album[0]["caption"] == f"Photos for return request {original.claim_number}"
    sent_back = [emulator.file_bytes(m["photo"][-1]["file_id"]) for m in album]
    assert sent_back == stored_bytes(settings, original.photos)  # the stored photos
    assert all(map(same_picture, sent_back, [crack, box]))  # the buyer's pictures, in order
    assert f"Return request {original.claim_number} for order {NUMBER}" in summary["text"]
    assert "Request: Return and refund · Arrived damaged" in summary["text"]
    assert "• 1 × Ceramic mug" in summary["text"] and "Refund requested: $12.50" in summary["text"]
    assert "Buyer's note: Handle off" in summary["text"] and "Photos: 2" in summary["text"]
    assert "Reused evidence" not in summary["text"]
    assert "Jan 17, 12:00 UTC" in summary["text"]

    # Mallory, on another order, sends the very same picture of the crack.
    first = await tap(mallory, "↩ Return or refund", mallory_card)
    await file_claim(mallory, first, Return(photos=[crack]))
    await bot.flush_outbox()
    warned = await seller.wait_message()
    photo = await seller.wait_message()
    assert same_picture(emulator.file_bytes(photo["photo"][-1]["file_id"]), crack)
    assert "Photos: 1" in warned["text"]
    assert "⚠️ Reused evidence: a photo was already used in another claim." in warned["text"]
    first_claim, copied = await claims(uow_factory)
    assert copied.reused_evidence and not first_claim.reused_evidence
    assert [p.reused for p in copied.photos] == [True]
    # Mallory is not told; nothing is sent twice.
    assert "Reused" not in (mallory.last_message or {}).get("text", "")
    await bot.flush_outbox()
    with pytest.raises(TimeoutError):
        await seller.wait_message(timeout=0.3)
    assert await outbox_statuses(uow_factory) == ["sent", "sent"]


async def test_claim_without_photos_reaches_the_seller_as_text(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    seller = await add_seller(uow_factory, emulator)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    first = await tap(alex, "↩ Return or refund", card)
    await file_claim(alex, first, Return(reason="No longer needed", note="<script>"))
    await bot.flush_outbox()
    told = await seller.wait_message()
    assert "Photos: 0" in told["text"] and "Buyer's note: <script>" in told["text"]
    assert "photo" not in told


async def test_seller_gets_evidence_that_was_sent_as_an_image_file(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    seller = await add_seller(uow_factory, emulator)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    await walk_to(alex, card, "photos")
    png = sample_png(seed="as-a-file")
    await alex.send_document(png, file_name="crack.png", mime_type="image/png")
    await alex.wait_message()
    await tap(alex, "Done ›")
    await tap(alex, "Skip ›")
    await tap(alex, "✅ Confirm")
    await bot.flush_outbox()
    refused = list(emulator.rejections)
    emulator.rejections.clear()  # reported by this test, not by the fixture's teardown
    assert not refused, refused[0].description
    assert "Return request" in (await seller.wait_message(timeout=1))["text"]
    await seller.wait_message(timeout=1)  # the picture, after the summary


async def test_pictures_telegram_refuses_are_caught_while_the_buyer_is_here(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    """A 20000x20000 PNG and a PDF in a JPEG shell used to be taken as evidence, and the
    seller's album (and with it the whole new-claim message) then failed at Telegram
    (PHOTO_INVALID_DIMENSIONS, IMAGE_PROCESS_FAILED) while the response clock ran.  Now
    the buyer is told at once, and what is taken reaches the seller as photos."""
    await delivered_order(uow_factory, clock)
    seller = await add_seller(uow_factory, emulator)
    alex = emulator.user(1001, "Alex")
    await walk_to(alex, await link(alex), "photos")

    async def send_file(data: bytes, name: str, mime: str) -> str:
        await alex.send_document(data, file_name=name, mime_type=mime)
        return str((await alex.wait_message())["text"])

    huge = await send_file(blank_png(20000, 20000), "scan.png", "image/png")
    assert "too large" in huge and "normal photo or a screenshot" in huge
    assert "Your 0 photos so far are kept" in huge
    shell = await send_file(pdf_in_jpeg_shell(), "receipt.jpg", "image/jpeg")
    assert "couldn't open that picture" in shell
    panorama, polyglot = panorama_png(12000, 700), jpeg_pdf_polyglot()
    assert "Got it: 1 photo" in await send_file(panorama, "shelf.png", "image/png")
    assert "Got it: 2 photos" in await send_file(polyglot, "box.jpg", "image/jpeg")
    await tap(alex, "Done ›")
    assert "Photos: 2" in (await tap(alex, "Skip ›"))["text"]
    await tap(alex, "✅ Confirm")
    [claim] = await claims(uow_factory)
    hashes = [hashlib.sha256(data).hexdigest() for data in (panorama, polyglot)]
    assert [p.sha256 for p in claim.photos] == hashes  # what the buyer sent, for reuse checks
    assert len(files_under(settings.media_dir)) == 2  # nothing refused was kept

    await bot.flush_outbox()
    summary = await seller.wait_message()  # the summary first, then the album
    album = [await seller.wait_message(), await seller.wait_message()]
    assert album[0]["caption"] == f"Photos for return request {claim.claim_number}"
    sizes = [(m["photo"][-1]["width"], m["photo"][-1]["height"]) for m in album]
    assert sizes == [(2560, 150), (320, 240)]  # the panorama scaled down, keeping its shape
    sent_back = [emulator.file_bytes(m["photo"][-1]["file_id"]) for m in album]
    assert sent_back == stored_bytes(settings, claim.photos)
    assert same_picture(sent_back[1], polyglot) and b"%PDF" not in sent_back[1]
    assert f"Return request {claim.claim_number} for order {NUMBER}" in summary["text"]
    assert "Photos: 2" in summary["text"] and "Please answer by" in summary["text"]
    assert await outbox_statuses(uow_factory) == ["sent"]


# ------------------------------------------------------------ following up


async def filed_claim(
    user: ScriptedUser, card: Message, uow_factory: UnitOfWorkFactory, plan: Return | None = None
) -> Claim:
    first = await tap(user, "↩ Return or refund", card)
    await file_claim(user, first, plan or Return(reason="No longer needed"))
    return (await claims(uow_factory))[-1]


async def open_card(user: ScriptedUser, number: str) -> Message:
    await user.send("/returns")
    listing = await user.wait_message()
    label = next(b for b in buttons(listing) if b.startswith(number))
    return await tap(user, label, listing)


async def test_returns_lists_claims_and_the_card_shows_the_history(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    await alex.send("/returns")
    assert "You have no return requests" in (await alex.wait_message())["text"]
    card = await link(alex)
    first = await filed_claim(
        alex, card, uow_factory, Return(items={"Tea towel": 1}, reason="No longer needed")
    )
    clock.advance(timedelta(hours=2))
    second = await filed_claim(
        alex, card, uow_factory, Return(photos=[sample_jpeg(seed="dent")], note="Dented")
    )
    await alex.send("/returns")
    listing = await alex.wait_message()
    assert "Your return requests (2)" in listing["text"]
    assert buttons(listing) == [
        f"{second.claim_number} · Waiting for the seller",
        f"{first.claim_number} · Waiting for the seller",
    ]
    shown = await tap(alex, buttons(listing)[0], listing)
    text = shown["text"]
    assert f"Return request {second.claim_number}" in text and f"Order: {NUMBER}" in text
    assert "Status: Waiting for the seller" in text
    assert "Request: Return and refund · Arrived damaged" in text
    assert "• 1 × Ceramic mug" in text and "Refund requested: $12.50" in text
    assert "Photos: 1" in text and "The seller answers by Jan 17, 14:00 UTC" in text
    assert "History" in text and "Jan 15, 14:00 — Waiting for the seller (you): Dented" in text
    assert buttons(shown) == ["Withdraw request"]


async def test_withdraw_a_claim(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    claim = await filed_claim(
        alex, card, uow_factory, Return(items={"Ceramic mug": 2}, reason="No longer needed")
    )
    shown = await open_card(alex, claim.claim_number)
    asked = await tap(alex, "Withdraw request", shown)
    assert f"Withdraw return request {claim.claim_number}?" in asked["text"]
    kept = await refused_tap(alex, "No, keep it")
    assert kept is None
    assert (
        "stays open"
        in next(m for m in alex.messages if m["message_id"] == asked["message_id"])["text"]
    )
    asked = await tap(alex, "Withdraw request", shown)
    await alex.press("Yes, withdraw it", message=asked)
    await alex.press("Yes, withdraw it", message=asked)  # a double tap
    assert (
        await alex.wait_callback_answer() == f"Request {claim.claim_number} is already withdrawn."
    )
    await emulator.wait_until(
        lambda: (
            "is withdrawn"
            in next(m for m in alex.messages if m["message_id"] == asked["message_id"])["text"]
        )
    )
    [withdrawn] = await claims(uow_factory)
    assert withdrawn.status == "CANCELLED"
    assert [(e.from_status, e.to_status) for e in withdrawn.history] == [
        (None, "REQUESTED"),
        ("REQUESTED", "CANCELLED"),
    ]
    shown = await open_card(alex, claim.claim_number)
    assert (
        "Status: Withdrawn" in shown["text"]
        and "Withdrawn (you)" in shown["text"]
        and "withdrawn by the buyer" not in shown["text"]
    )
    assert buttons(shown) == []
    # The items can be claimed again.
    first = await tap(alex, "↩ Return or refund", card)
    assert "Ceramic mug — up to 2" in buttons(first)


async def test_answer_the_sellers_question_with_photos_and_text(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await delivered_order(uow_factory, clock)
    seller = await add_seller(uow_factory, emulator)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    claim = await filed_claim(alex, card, uow_factory)
    await bot.flush_outbox()
    assert "Return request" in (await seller.wait_message())["text"]
    # The seller asks a question (seller side not built yet: straight in the database);
    # 20 of their 48 hours were left when they asked.
    await set_claim(
        uow_factory, claim.id, status="NEEDS_INFO", respond_by=None, respond_paused_seconds=72000
    )
    clock.advance(timedelta(days=1))
    shown = await open_card(alex, claim.claim_number)
    assert "Status: The seller asked you a question" in shown["text"]
    assert buttons(shown) == ["Answer the seller", "Withdraw request"]
    prompt = await tap(alex, "Answer the seller", shown)
    assert f"about {claim.claim_number}" in prompt["text"]
    assert "add a photo first" in (await refused_tap(alex, "Send answer") or "")
    label = photo_jpeg("serial-label")
    await alex.send_photo(label)
    got = await alex.wait_message()
    assert "Got it: 1 photo" in got["text"] and buttons(got) == ["Send answer"]
    await alex.send_video()
    assert "Videos can't be added" in (await alex.wait_message())["text"]
    album = jpegs("answer-album", 2)
    await alex.send_album(album, caption="Label and box")  # the rest of the album follows
    assert "Got it: 2 photos" in (await alex.wait_message())["text"]
    await alex.send("The serial number is on the label")
    answered = await alex.wait_message()
    assert "Your answer is with the seller" in answered["text"]
    assert "Jan 17, 08:00 UTC" in answered["text"]  # now + the 20 hours that were left

    [after] = await claims(uow_factory)
    assert after.status == "REQUESTED" and after.respond_paused_seconds is None
    assert after.history[-1].note == "Label and box\nThe serial number is on the label"
    assert_stored(emulator, settings, after.photos, [label, *album])
    await bot.flush_outbox()
    told = await seller.wait_message()
    pictures = [await seller.wait_message() for _ in range(3)]
    sent_back = [emulator.file_bytes(m["photo"][-1]["file_id"]) for m in pictures]
    assert all(map(same_picture, sent_back, [label, *album]))
    assert f"The buyer answered on return request {claim.claim_number}" in told["text"]
    assert "Label and box\nThe serial number is on the label" in told["text"]
    # The question is answered: the old button no longer starts an answer.
    again = await tap(alex, "Answer the seller", shown)
    assert "isn't waiting for your answer" in again["text"]

    # Asked again, Alex answers with a picture only, by the button.
    await set_claim(uow_factory, claim.id, status="NEEDS_INFO", respond_paused_seconds=3600)
    await tap(alex, "Answer the seller", await open_card(alex, claim.claim_number))
    await alex.send_photo(sample_jpeg(seed="closer"))
    await alex.wait_message()
    assert "Your answer is with the seller" in (await tap(alex, "Send answer"))["text"]
    [after] = await claims(uow_factory)
    assert after.status == "REQUESTED" and len(after.photos) == 4
    await bot.flush_outbox()
    assert "📷" in (await seller.wait_message())["text"]  # the words, then the picture
    await seller.wait_message()


async def test_return_tracking_number_is_checked_then_recorded(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    seller = await add_seller(uow_factory, emulator)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    claim = await filed_claim(alex, card, uow_factory)
    await bot.flush_outbox()
    await seller.wait_message()
    await set_claim(
        uow_factory,
        claim.id,
        status="AWAITING_BUYER_SHIPMENT",
        ship_by=clock.now() + timedelta(days=5),
    )
    shown = await open_card(alex, claim.claim_number)
    assert "Please send the item back by Jan 20" in shown["text"]
    assert buttons(shown) == ["Enter return tracking", "Withdraw request"]
    carriers = await tap(alex, "Enter return tracking", shown)
    assert buttons(carriers) == ["FedEx", "UPS", "USPS", "DHL", "Other carrier", "✖ Cancel"]
    asked = await tap(alex, "UPS", carriers)
    assert "UPS tracking number" in asked["text"]
    await alex.send("1Z999AA10123456785")  # one digit off
    refused = (await alex.wait_message())["text"]
    assert refused.startswith("“1Z999AA10123456785” isn't a valid UPS tracking number")
    assert "one digit seems mistyped" in refused and refused.count("again") == 0
    await alex.send("hello")
    refused = (await alex.wait_message())["text"]
    assert "start with 1Z and are 18 letters and digits" in refused
    assert (await claims(uow_factory))[0].status == "AWAITING_BUYER_SHIPMENT"
    await alex.send("1z999aa1 0123 456784")
    done = (await alex.wait_message())["text"]
    assert f"parcel for {claim.claim_number} arrives" in done
    assert "Tracking: UPS 1Z999AA10123456784" in done
    [after] = await claims(uow_factory)
    assert after.status == "BUYER_SHIPPED"
    assert (after.return_carrier, after.return_tracking_number) == ("UPS", "1Z999AA10123456784")
    await bot.flush_outbox()
    told = await seller.wait_message()
    assert f"shipped the return for {claim.claim_number}: UPS 1Z999AA10123456784" in told["text"]
    shown = await open_card(alex, claim.claim_number)
    assert "Status: On its way back to the seller" in shown["text"]
    assert "Return parcel: UPS 1Z999AA10123456784" in shown["text"]
    assert buttons(shown) == []  # too late to withdraw


async def test_cancel_while_entering_the_tracking_number(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    claim = await filed_claim(alex, card, uow_factory)
    await set_claim(uow_factory, claim.id, status="AWAITING_BUYER_SHIPMENT")
    shown = await open_card(alex, claim.claim_number)
    await tap(alex, "Enter return tracking", shown)
    stopped = await tap(alex, "✖ Cancel")
    assert "Nothing was saved" in stopped["text"]
    assert (await conversation(uow_factory, alex.id)).step is None  # type: ignore[union-attr]
    await alex.send("1Z999AA10123456784")
    assert "UPS" not in (await alex.wait_message())["text"]  # not taken as the tracking
    assert (await claims(uow_factory))[0].status == "AWAITING_BUYER_SHIPMENT"


# ------------------------------------------------------------- robustness


async def test_restart_mid_flow_continues_with_the_draft(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    asked = await walk_to(alex, card, "quantity")
    await bot.restart()
    await tap(alex, "2", asked)
    await tap(alex, "Continue ›")
    await tap(alex, "Return and refund")
    await tap(alex, "Arrived damaged")
    sent = jpegs("restart", 2)
    await send_photos(alex, sent, album=False)
    await bot.restart()
    third = photo_jpeg("after-restart")
    await alex.send_photo(third)
    assert "Got it: 3 photos" in (await alex.wait_message())["text"]
    await tap(alex, "Done ›")
    await bot.restart()
    await alex.send("Packed badly")
    summary = await alex.wait_message()
    assert "Photos: 3" in summary["text"] and "• 2 × Ceramic mug" in summary["text"]
    assert "Note: Packed badly" in summary["text"]
    await bot.restart()
    await tap(alex, "✅ Confirm")
    [claim] = await claims(uow_factory)
    assert claim.buyer_note == "Packed badly"
    assert_stored(emulator, settings, claim.photos, [*sent, third])


async def test_double_confirm_files_one_claim(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)
    seller = await add_seller(uow_factory, emulator)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    summary = await walk_to(alex, card, "confirm")
    await alex.press("✅ Confirm", message=summary)
    await alex.press("✅ Confirm", message=summary)
    filed = await alex.wait_message()
    assert "is filed" in filed["text"]
    assert "no longer works" in (await alex.wait_callback_answer() or "")  # the second tap
    with pytest.raises(TimeoutError):
        await alex.wait_message(timeout=0.5)
    assert await claim_count(uow_factory) == 1
    await bot.flush_outbox()
    await seller.wait_message()  # the summary
    await seller.wait_message()  # the photo
    with pytest.raises(TimeoutError):
        await seller.wait_message(timeout=0.3)


async def test_window_closing_mid_flow_is_explained(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await delivered_order(uow_factory, clock)  # delivered 2 days ago: 13 days left
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    await walk_to(alex, card, "type")
    clock.advance(timedelta(days=14))
    reply = await tap(alex, "Return and refund")
    assert "return window for order" in reply["text"] and "has closed" in reply["text"]
    assert (await conversation(uow_factory, alex.id)).step is None  # type: ignore[union-attr]
    assert await claim_count(uow_factory) == 0


async def test_order_completed_before_confirm_is_explained(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await delivered_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    card = await link(alex)
    await walk_to(alex, card, "confirm")
    async with uow_factory() as uow:  # the shop closes the order's after-sales meanwhile
        await uow.session.execute(
            update(Order).where(Order.id == order_id).values(status="COMPLETED")
        )
        await uow.commit()
    reply = await tap(alex, "✅ Confirm")
    assert "is completed and its after-sales period has ended" in reply["text"]
    assert await claim_count(uow_factory) == 0
    assert (await conversation(uow_factory, alex.id)).step is None  # type: ignore[union-attr]
