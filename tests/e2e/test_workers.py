"""Three worker processes on one PostgreSQL: one conversation's updates reach different
workers at once, and the bot still acts as one.

`python run_bot.py run --workers 3 --port-per-worker` in webhook mode against the
emulator; Telegram's side (`tests.webhook_delivery`) POSTs the updates round-robin to
the three workers' ports, several at a time.  A buyer's 5-photo album is split across
the workers, then the buyer taps Confirm 20 times at once, then the seller taps
Approve 20 times at once: the claim has the 5 photos, it is filed once and decided
once, and no message goes out twice.  SQLite runs one process, so this is skipped
there (`test_single_process.py` covers SQLite's refusal).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain.enums import ClaimStatus
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.services.links import LinkSigner
from bot.services.sellers import SellerService
from storage.models import Claim, ClaimEvent, ClaimPhoto, InboxUpdate, ProcessedUpdate
from storage.uow import UnitOfWorkFactory
from tests.e2e.test_ingress import (
    HOOK_SECRET,
    SLOW,
    BotSubprocess,
    draft_photos,
    free_port,
    tap,
    to_the_photo_step,
)
from tests.factories import make_order
from tests.pictures import photo_jpeg
from tests.webhook_delivery import WebhookDelivery

WORKERS = 3
SELLER_ID = 9001
TAPS = 20
PHOTOS = 5
Message = dict[str, Any]


def free_ports(count: int) -> int:
    """A base port with the `count` ports from it free (checked, not guaranteed)."""
    for _ in range(50):
        base = free_port()
        if base + count < 65536 and all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no run of free ports")


def _free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def all_handled(uow_factory: UnitOfWorkFactory) -> tuple[int, int] | None:
    async with uow_factory(readonly=True) as uow:
        stored = await uow.session.scalar(select(func.count()).select_from(InboxUpdate))
        handled = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
    return (stored or 0, handled or 0) if stored == handled else None


async def settle(delivery: WebhookDelivery, uow_factory: UnitOfWorkFactory) -> None:
    """Every queued update acknowledged by a worker, and every stored one handled."""
    await delivery.idle(SLOW)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SLOW
    while await all_handled(uow_factory) is None:
        assert loop.time() < deadline, "stored updates left unhandled"
        await asyncio.sleep(0.1)


async def join_as_seller(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, emulator: TelegramEmulator
) -> ScriptedUser:
    """A seller of the shop, by the invite link the shop's tool prints (signed with the
    workers' LINK_SECRET)."""
    signer = LinkSigner(BotSubprocess.LINK_SECRET.encode())
    invite = await SellerService(uow_factory, clock, signer).issue_invite("acme")
    seller = emulator.user(SELLER_ID, "Sam")
    await seller.send(f"/start {invite.token}")
    welcome = await seller.wait_message(timeout=SLOW)
    assert "You're now a seller of" in welcome["text"], welcome["text"]
    return seller


async def build_caches(tmp_path: Path) -> None:
    """The policy index, built once here (the intent model's weights are put in place by
    the `model_in_tmp_path` fixture): three workers building them at once on a small
    machine would take most of a minute."""
    from bot.services.knowledge import knowledge_root, load_or_index

    await asyncio.to_thread(
        load_or_index, knowledge_root(None), tmp_path / "knowledge-index.json", semantic=False
    )


def texts(user: ScriptedUser) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in user.messages]


def twice(user: ScriptedUser) -> list[str]:
    """Texts the bot sent this person more than once."""
    counts = Counter(t for t in texts(user) if t)
    return [t for t, n in counts.items() if n > 1]


async def taps_at_once(user: ScriptedUser, label: str, message: Message, count: int) -> None:
    for _ in range(count):
        await user.press(label, message=message)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several workers need PostgreSQL (SQLite takes one process)",
)
async def test_three_workers_split_an_album_and_twenty_taps_yet_act_once(
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    database_url: str,
    model_in_tmp_path: Path,
) -> None:
    tmp_path = model_in_tmp_path
    clock.set(datetime.now(UTC))  # the workers run on the real clock
    await make_order(
        uow_factory,
        clock,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=2),
        items=(("Ceramic mug", 1, "12.50"),),
        events=(("Delivered", "Left at front door"),),
    )
    await build_caches(tmp_path)
    base = free_ports(WORKERS)
    bot = BotSubprocess(emulator, database_url, tmp_path, "aiogram", webhook_port=base)
    bot.env["HTTP_WORKERS"] = str(WORKERS)
    bot.env["HTTP_PORT_PER_WORKER"] = "true"
    bot.ready_timeout = 180.0  # three interpreters starting at once on a busy machine
    urls = [f"http://127.0.0.1:{base + i}/tg-hook" for i in range(WORKERS)]
    delivery = WebhookDelivery(emulator, urls, HOOK_SECRET, connections=2 * WORKERS)
    await bot.start()  # returns once worker 0 set the webhook: every worker listens
    delivery.start()
    try:
        assert emulator.webhook is not None
        assert emulator.webhook["max_connections"] == 100  # 40 a worker, Telegram's cap
        assert len(emulator.calls("setWebhook")) == 1, bot.output()  # worker 0 alone
        seller = await join_as_seller(uow_factory, clock, emulator)
        alex = emulator.user(1001, "Alex")
        await to_the_photo_step(alex)
        await settle(delivery, uow_factory)

        # The album: 5 updates at once, round-robin over the 3 workers.
        album = await alex.send_album([photo_jpeg(f"album-{i}") for i in range(PHOTOS)])
        album_ids = {u["update_id"] for u in emulator.pending_updates[-PHOTOS:]}
        assert len(album) == PHOTOS
        await settle(delivery, uow_factory)
        assert len({delivery.sent_to[i] for i in album_ids}) == WORKERS, bot.output()
        assert await draft_photos(uow_factory, 1001) == PHOTOS, bot.output()
        ack = await alex.wait_message(timeout=SLOW)  # one acknowledgement for the album
        assert "Receiving your photos" in ack["text"], ack["text"]
        await tap(alex, "Done ›")
        summary = await tap(alex, "Skip ›")
        assert f"Photos: {PHOTOS}" in summary["text"], summary["text"]

        # 20 taps on Confirm at once, spread over the workers: one claim.
        await taps_at_once(alex, "✅ Confirm", summary, TAPS)
        await settle(delivery, uow_factory)
        await emulator.wait_until(
            lambda: any("is filed" in t for t in texts(alex)) or None, timeout=SLOW
        )
        notice = await emulator.wait_until(
            lambda: next((m for m in seller.messages if "✅ Approve" in str(m)), None),
            timeout=SLOW,
        )
        async with uow_factory(readonly=True) as uow:
            [claim_id] = list(await uow.session.scalars(select(Claim.id)))
            photos = await uow.session.scalar(
                select(func.count()).select_from(ClaimPhoto).where(ClaimPhoto.claim_id == claim_id)
            )
        assert photos == PHOTOS

        # 20 taps on the seller's Approve at once: one decision, the buyer told once.
        await taps_at_once(seller, "✅ Approve", notice, TAPS)
        await settle(delivery, uow_factory)
        await emulator.wait_until(
            lambda: any("Approved" in t for t in texts(seller)) or None, timeout=SLOW
        )
        async with uow_factory(readonly=True) as uow:
            claim = await uow.session.get(Claim, claim_id)
            assert claim is not None
            decided = await uow.session.scalar(
                select(func.count())
                .select_from(ClaimEvent)
                .where(
                    ClaimEvent.claim_id == claim_id,
                    ClaimEvent.to_status == ClaimStatus.APPROVED.value,
                )
            )
        assert decided == 1
        assert claim.status == ClaimStatus.AWAITING_BUYER_SHIPMENT.value
        await emulator.wait_until(
            lambda: any("is approved" in t for t in texts(alex)) or None, timeout=SLOW
        )
        await asyncio.sleep(1.0)  # a second copy would come from another worker's outbox
        assert sum("is filed" in t for t in texts(alex)) == 1
        assert sum("is approved" in t for t in texts(alex)) == 1
        assert twice(alex) == [], texts(alex)  # later Confirm taps only get an alert
        # The seller: the claim's summary and its photos once, the decision once, and
        # each later tap answered once that it was already decided.
        later = [t for t in texts(seller) if t.startswith("Already decided")]
        assert len(later) == TAPS - 1, texts(seller)
        assert [t for t in twice(seller) if not t.startswith("Already decided")] == []
        photos_sent = [m for m in seller.messages if m.get("photo")]
        assert len(photos_sent) == PHOTOS
        assert min(delivery.per_url().values()) > 0  # every worker took its share
    finally:
        await delivery.stop()
        await bot.stop()
