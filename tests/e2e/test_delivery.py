"""Nothing the bot decided to send is lost or sent twice when Telegram has a bad moment:
rate limits (429 with retry_after), server errors (5xx), lost answers and refusals,
for notifications (several parts: summary + album) and for replies, on aiogram and
python-telegram-bot alike, and across a crash right after the state was saved."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from bot.domain.enums import ClaimReason, ClaimType, OutboxStatus
from bot.emulator import ScriptedUser, TelegramEmulator, image_size, sample_jpeg
from bot.services.outbox import LEASE
from bot.services.returns import ClaimDraft, ClaimView, new_token
from storage.models import OutboxMessage, ReplyOutbox
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import buttons
from tests.e2e.test_seller import SELLER_ID, Shop, shop  # noqa: F401 - `shop` is a fixture
from tests.factories import make_order

# ------------------------------------------------------- notifications in parts


async def file_claim(shop: Shop, photos: list[bytes]) -> ClaimView:  # noqa: F811
    """A claim with photos, filed through the service (the seller is told by the outbox)."""
    drafts = []
    for data in photos:
        stored = shop.emulator.files.add_photo(data, *(image_size(data) or (64, 64)))
        drafts.append(
            await shop.returns.accept_photo(
                data, file_id=stored.file_id, file_unique_id=stored.file_unique_id
            )
        )
    return await shop.returns.submit(
        shop.buyer_user,
        ClaimDraft(
            order_id=shop.order_id,
            items={shop.items["Ceramic mug"]: 1},
            type=ClaimType.REFUND,
            reason=ClaimReason.DAMAGED,
            photos=tuple(drafts),
            note=None,
            token=new_token(),
        ),
    )


async def outbox(uow_factory: UnitOfWorkFactory) -> list[OutboxMessage]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def deliver_everything(shop: Shop) -> None:  # noqa: F811
    """Run the outbox until nothing is pending, moving the clock to each retry."""
    for _ in range(10):
        await shop.bot.flush_outbox()
        pending = [r for r in await outbox(shop.uow_factory) if r.status == OutboxStatus.PENDING]
        if not pending:
            return
        shop.clock.advance(max(r.next_attempt_at for r in pending) - shop.clock.now())
    raise AssertionError("the outbox never finished")


async def what_the_seller_got(shop: Shop, claim: ClaimView) -> tuple[int, int]:  # noqa: F811
    """(photos, summaries) in the seller's chat, after the messages stopped coming."""
    await asyncio.sleep(0.3)
    messages = shop.seller.messages
    photos = sum(1 for m in messages if "photo" in m)
    summary = f"Return request {claim.number} for order"
    return photos, sum(1 for m in messages if summary in (m.get("text") or ""))


async def test_a_retried_claim_notification_never_repeats_a_part_telegram_accepted(
    shop: Shop,  # noqa: F811
) -> None:
    # One failure on each part: the summary (500) and the album (429).  Before the fix
    # the retry replayed the album that had already gone out: 4 photos instead of 2.
    shop.emulator.faults.add(method="sendMessage", kind="500", chat=SELLER_ID)
    shop.emulator.faults.add(method="sendMediaGroup", kind="429", chat=SELLER_ID, retry_after=5)
    claim = await file_claim(shop, [sample_jpeg(seed="crack"), sample_jpeg(seed="box")])
    await deliver_everything(shop)
    assert await what_the_seller_got(shop, claim) == (2, 1)
    (row,) = await outbox(shop.uow_factory)
    assert row.status == OutboxStatus.SENT and row.parts_done == 2 and row.attempts == 3
    # The summary, with its decision, went first.
    seller_calls = [
        c.method
        for c in shop.emulator.state.calls
        if c.method in ("sendMessage", "sendMediaGroup") and c.params.get("chat_id") == SELLER_ID
    ]
    assert seller_calls[-4:] == ["sendMessage", "sendMessage", "sendMediaGroup", "sendMediaGroup"]


async def test_an_album_telegram_refuses_does_not_hold_back_the_summary(
    shop: Shop,  # noqa: F811
) -> None:
    shop.emulator.faults.add(method="sendMediaGroup", kind="400", chat=SELLER_ID)
    claim = await file_claim(shop, [sample_jpeg(seed="wide"), sample_jpeg(seed="box")])
    await deliver_everything(shop)  # (the bot's own outbox loop may have sent it already)
    assert await what_the_seller_got(shop, claim) == (0, 1)  # the seller can decide
    (row,) = await outbox(shop.uow_factory)
    assert row.status == OutboxStatus.SENT and row.attempts == 1
    assert row.last_error is not None and "PHOTO_INVALID_DIMENSIONS" in row.last_error


async def test_an_unanswered_part_is_sent_again_once_at_most(
    shop: Shop,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The album arrives but the answer is lost, every time: it may be repeated once (a
    # rare duplicate beats a lost message), never more, and the row is finished.
    shop.emulator.faults.add(
        method="sendMediaGroup", kind="network", after=True, chat=SELLER_ID, times=None
    )
    claim = await file_claim(shop, [sample_jpeg(seed="crack"), sample_jpeg(seed="box")])
    await deliver_everything(shop)
    assert await what_the_seller_got(shop, claim) == (4, 1)
    (row,) = await outbox(shop.uow_factory)
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert sum("no answer to a send" in r.message for r in caplog.records) == 2


# --------------------------------------------------------------------- replies

BUYERS = 4
NAMES = ["Alex", "Blake", "Casey", "Drew"]


def order_number(i: int) -> str:
    return f"5780000000000001{i:02d}"


@pytest.fixture(params=["aiogram", "ptb"])
async def any_bot(
    request: pytest.FixtureRequest, app: App, emulator: TelegramEmulator
) -> AsyncIterator[BotProcess]:
    process = BotProcess(app, emulator, framework=request.param)
    await process.start()
    yield process
    await process.stop()


# New messages each step of `conversation` brings (the Refresh press only answers
# "no changes" on the button).
STEPS = [1, 1, 2, 0, 1, 1, 1, 1]


async def conversation(user: ScriptedUser, i: int) -> None:
    """One buyer's talk with the bot: greet, link an order, look at it, ask for help.
    Waits for each step's messages (a lost reply times out here)."""
    done = 0

    async def step(action: Any, pressed: bool = False) -> None:
        nonlocal done
        await action
        if pressed:
            await user.wait_callback_answer(timeout=30)
        for _ in range(STEPS[done]):
            await user.wait_message(timeout=30)
        done += 1

    await step(user.send("/start"))
    await step(user.send(order_number(i)))
    await step(user.send(f"buyer{i}@example.com"))
    await step(user.press("🔄 Refresh"), pressed=True)
    await step(user.send("/orders"))
    listed = user.messages[-1]
    await step(user.press(buttons(listed)[0], message=listed), pressed=True)
    await step(user.send("/help"))
    await step(user.send("thanks!"))


def transcript(user: ScriptedUser) -> list[tuple[str, list[str]]]:
    return [(m.get("text") or m.get("caption") or "", buttons(m)) for m in user.messages]


async def talk(emulator: TelegramEmulator, first_id: int) -> list[ScriptedUser]:
    users = [emulator.user(first_id + i, NAMES[i]) for i in range(BUYERS)]
    await asyncio.gather(*(conversation(user, i) for i, user in enumerate(users)))
    await asyncio.sleep(1.0)  # anything late (or doubled) would arrive now
    return users


async def test_replies_survive_rate_limits_and_server_errors(
    any_bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    for i in range(BUYERS):
        await make_order(uow_factory, clock, number=order_number(i), email=f"buyer{i}@example.com")
    calm = await talk(emulator, 2000)

    # The same conversations by other buyers while 20% of sends are rate-limited
    # (retry_after 1) and 5% fail with a server error.
    faults = []
    for method in ("sendMessage", "editMessageText", "answerCallbackQuery"):
        faults.append(emulator.faults.add(method, "429", times=None, every=5, retry_after=1))
        faults.append(emulator.faults.add(method, "500", times=None, every=20))
    stormy = await talk(emulator, 3000)
    assert sum(f.fired for f in faults) >= 6 and any(f.fired for f in faults if f.kind == "500")
    emulator.faults.clear()

    for before, after in zip(calm, stormy, strict=True):
        assert transcript(after) == transcript(before)  # nothing lost, nothing twice
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(ReplyOutbox)) == 0


async def test_a_reply_saved_just_before_a_crash_is_delivered_after_the_restart(
    any_bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert any_bot.runner is not None
    alex = emulator.user(1001, "Alex")

    async def crash_after_commit(*_args: Any) -> bool:
        return False  # the process died between the commit and the send

    monkeypatch.setattr(any_bot.runner.worker, "send_reply_now", crash_after_commit)
    await alex.send("/start")
    with pytest.raises(TimeoutError):
        await alex.wait_message(timeout=1.0)
    async with uow_factory(readonly=True) as uow:
        (row,) = (await uow.session.scalars(select(ReplyOutbox))).all()
    assert row.chat_id == 1001 and row.status == OutboxStatus.PENDING

    await any_bot.restart()  # a new process: nothing of the old one's memory
    clock.advance(LEASE + timedelta(seconds=1))  # the dead process's lease ran out
    await any_bot.flush_outbox()
    greeting = await alex.wait_message()
    assert "Hi Alex" in greeting["text"] and buttons(greeting)[0] == "📦 My orders"
    assert await any_bot.flush_outbox() == 0
    with pytest.raises(TimeoutError):
        await alex.wait_message(timeout=0.5)  # once
    async with uow_factory(readonly=True) as uow:
        assert (await uow.session.scalars(select(ReplyOutbox))).all() == []
