"""Crafted button data, on every button the bot registers: no crash, no change, a
friendly answer.  Button data comes back from the client as it pleases (a modified
client or a forged update can send anything), so it is parsed as hostile input."""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import ClaimReason, ClaimType, EscalationReason
from bot.services.desk import StaffChatInfo
from bot.services.returns import ClaimDraft, new_token
from handlers import staff
from handlers.buttons import DB_ID_MAX, ButtonData, Id, Int, Word, int_arg, parse_int
from handlers.catalog import Catalog
from handlers.core import ChatCore
from handlers.routing import build_router
from handlers.types import AnswerButton, EditText, Inbound, Outbound, SendText
from storage.models import Base, ConversationState
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

NUMBER = "578000000000000001"
BUYER, SELLER, STAFF, STAFF_CHAT = 1001, 9001, 7001, -1001234567890
NAMES = {BUYER: "Alex", SELLER: "Sam", STAFF: "Riley"}
GENERIC_ERROR = Catalog("en").t("common.generic_error")

# What a hostile client puts after a prefix: digits `int()` refuses or reads oddly,
# signs, ids no 32-bit column holds (PostgreSQL refuses the query), empty and extra
# parts, and data far over Telegram's 64 bytes.
HOSTILE = (
    "²",
    "١٢",
    "１２",
    "-1",
    "99999999999999999999",
    "999999999999999999",
    str(DB_ID_MAX + 1),
    "",
    ":::",
    "9" * 300,
    "x" * 300,
)
# Buttons with a second part, and a genuine first part to put before a hostile one
# (other buttons ignore what follows their first part).
SECOND_PART = {"st": "1", "rq": "1", "tr": "1", "or": "1", "qrr": "1", "qmc": "1"}
STAFF_SECOND_PART = {"tk": "a", "av": "r"}


# ----------------------------------------------------------------- the parser


@pytest.mark.parametrize("text", ["²", "١٢", "１２", "৫", "-1", "+1", " 1", "1 ", "1_0", "", "1e3"])
def test_only_ascii_digits_make_a_number(text: str) -> None:
    assert parse_int(text) is None
    assert int_arg(f"o:{text}") is None


def test_a_number_must_fit_the_id_columns() -> None:
    assert parse_int("2147483647") == DB_ID_MAX
    assert parse_int("2147483648") is None
    assert parse_int("999999999999999999") is None
    assert parse_int("007") == 7
    assert int_arg("o:42") == 42 and int_arg("o:42:3", 1) == 3 and int_arg("o") is None
    assert parse_int("31", high=30) is None and parse_int("0", low=1) is None


def test_button_data_packs_and_unpacks_typed_fields() -> None:
    pick = ButtonData("rq", Id("item"), Int("qty", 0, 99), Word("how", ("a", "b")))
    data = pick.pack(item=5, qty=2, how="a")
    assert data == "rq:5:2:a"
    assert pick.unpack(data) == {"item": 5, "qty": 2, "how": "a"}
    for forged in (
        "rq:5:2",
        "rq:5:2:a:x",
        "rx:5:2:a",
        "rq:0:2:a",  # ids start at 1
        "rq:5:100:a",
        "rq:5:²:a",
        "rq:2147483648:1:a",
        "rq:5:2:c",
        None,
        "",
    ):
        assert pick.unpack(forged) is None, forged
    with pytest.raises(ValueError):
        pick.pack(item=5, qty=200, how="a")  # would not read back
    with pytest.raises(ValueError):
        ButtonData("x", Word("w")).pack(w="y" * 70)  # over Telegram's 64 bytes


def test_every_id_column_a_button_can_name_is_32_bit() -> None:
    """Buttons carry primary keys; DB_ID_MAX is what those columns hold."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.name == "id":
                assert column.type.python_type is int
                assert type(column.type).__name__ == "Integer", table.name


# ---------------------------------------------------- every registered button


class FakeDesk:
    """The staff chat: everyone asked about is a member; calls succeed."""

    def __init__(self) -> None:
        self.ids = itertools.count(100)

    async def chat_info(self, chat_id: int) -> StaffChatInfo:
        return StaffChatInfo(chat_id, "Staff", True, True, True)

    async def member_status(self, chat_id: int, user_id: int) -> str:
        return "member"

    async def create_topic(self, chat_id: int, name: str) -> int:
        return next(self.ids)

    async def rename_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        return None

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        return None

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        return None

    async def copy(self, **kwargs: Any) -> int:
        return next(self.ids)

    async def send(self, action: Outbound) -> int | None:
        return next(self.ids)


async def snapshot(uow_factory: UnitOfWorkFactory) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the bot keeps, except its own bookkeeping of updates, replies and chat
    lines (and the conversation state, restored after each press: see below)."""
    skip = {
        "processed_updates",
        "reply_outbox",  # the replies themselves, checked by what was said
        "chat_log",
        "conversation_states",
        "alembic_version",
    }
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with uow_factory(readonly=True) as uow:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            result = await uow.session.execute(select(table).order_by(*table.primary_key))
            rows[table.name] = [tuple(r) for r in result]
    return rows


async def states(uow_factory: UnitOfWorkFactory) -> list[tuple[Any, ...]]:
    async with uow_factory(readonly=True) as uow:
        found = await uow.session.scalars(select(ConversationState).order_by(ConversationState.id))
        return [(s.channel, s.chat_id, s.user_id, s.step, dict(s.data)) for s in found]


async def restore_states(
    uow_factory: UnitOfWorkFactory, saved: list[tuple[Any, ...]], clock: FakeClock
) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(delete(ConversationState))
        for channel, chat_id, user_id, step, data in saved:
            uow.session.add(
                ConversationState(
                    channel=channel,
                    chat_id=chat_id,
                    user_id=user_id,
                    step=step,
                    data=data,
                    updated_at=clock.now(),
                )
            )
        await uow.commit()


# Buttons that take no data at all (help, menus, "no thanks", leave a flow): what
# follows their prefix is ignored, so a crafted suffix does what the plain button does
# (which may be to leave a flow or open a ticket).  Every other button must refuse.
ARGLESS = {"help", "link", "trx", "rn", "rb", "rx", "rc", "rk", "cwn", "ocn", "cax", "cas"}


@pytest.fixture
async def world(
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> dict[str, Any]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        media_dir=tmp_path / "media",
        knowledge_index=tmp_path / "knowledge-index.json",
        link_secret="unit-link-secret-0123456789abcdef",
        staff_chat_id=STAFF_CHAT,
    )
    app = App(settings=settings, engine=engine, uow=uow_factory, clock=clock)
    services = await app.services()
    order_id = await make_order(
        uow_factory,
        clock,
        number=NUMBER,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=2),
        items=(("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00")),
    )
    buyer = await services.orders.identify("telegram", BUYER, "Alex", None, "en")
    seller = await services.orders.identify("telegram", SELLER, "Sam", None, "en")
    await services.orders.identify("telegram", STAFF, "Riley", None, "en")
    await services.orders.prove(buyer.id, NUMBER, email_or_phone="buyer@example.com")
    await services.sellers.accept(seller.id, await services.sellers.invite("acme"))
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        item_id = order.items[0].id
    claim = await services.returns.submit(
        buyer.id,
        ClaimDraft(
            order_id=order_id,
            items={item_id: 1},
            type=ClaimType.REFUND,
            reason=ClaimReason.NO_LONGER_NEEDED,
            photos=(),
            token=new_token(),
        ),
    )
    await services.tickets.open(buyer.id, EscalationReason.REQUESTED, order_id=order_id)
    return {
        "core": app.chat_core(services),
        "ids": (order_id, item_id, claim.id),
    }


def press(user_id: int, data: str, update_id: int, *, staff_chat: bool = False) -> Inbound:
    return Inbound(
        channel="telegram",
        update_id=update_id,
        chat_id=STAFF_CHAT if staff_chat else user_id,
        chat_kind="supergroup" if staff_chat else "private",
        user_id=user_id,
        user_name=NAMES[user_id],
        locale="en",
        message_id=5,
        thread_id=100 if staff_chat else None,
        button=data,
        callback_id=f"cb{update_id}",
    )


def said(actions: list[Outbound]) -> list[str]:
    texts = []
    for action in actions:
        if (isinstance(action, AnswerButton) and action.text) or isinstance(
            action, SendText | EditText
        ):
            texts.append(action.text)
    return texts


async def test_crafted_data_on_every_button_changes_nothing_and_gets_an_answer(
    world: dict[str, Any],
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    core: ChatCore = world["core"]
    desk = FakeDesk()
    updates = itertools.count(1)
    order_id, item_id, claim_id = world["ids"]
    # The buyer is in the middle of a return (so the flow's buttons get past their
    # "are you in this flow?" check); the seller and staff are idle.
    start = await core.handle(press(BUYER, f"rs:{order_id}", next(updates)), desk=desk)
    assert not any(GENERIC_ERROR in t for t in said(start))
    before, saved = await snapshot(uow_factory), await states(uow_factory)
    assert any(step for *_, step, _ in saved)

    prefixes = sorted(p for p in build_router().buttons if p != "*")
    staff_prefixes = sorted(staff.router.buttons)
    assert {"o", "qa", "qp", "rq", "tr", "ka"} <= set(prefixes) and staff_prefixes
    assert order_id == item_id == claim_id == 1  # what SECOND_PART's "1" names
    second = {**SECOND_PART, **STAFF_SECOND_PART}
    failures: list[str] = []
    caplog.set_level(logging.INFO)
    for who, prefix_list, staff_chat in (
        (BUYER, prefixes, False),
        (SELLER, prefixes, False),
        (STAFF, staff_prefixes, True),
    ):
        for prefix in prefix_list:
            firsts = (second[prefix],) if prefix in second else ()
            for payload in (*HOSTILE, *(f"{f}:{h}" for f in firsts for h in HOSTILE[:8])):
                data = f"{prefix}:{payload}"
                caplog.clear()
                actions = await core.handle(
                    press(who, data, next(updates), staff_chat=staff_chat), desk=desk
                )
                texts = said(actions)
                crashed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
                if crashed or any(GENERIC_ERROR in t for t in texts):
                    failures.append(f"{who} {data!r}: crashed {crashed}")
                elif not texts:
                    failures.append(f"{who} {data!r}: no answer")
                if await states(uow_factory) != saved:
                    if prefix not in ARGLESS:
                        failures.append(f"{who} {data!r}: changed the conversation")
                    await restore_states(uow_factory, saved, clock)
            if prefix not in ARGLESS and (after := await snapshot(uow_factory)) != before:
                failures.append(f"{who} {prefix}: changed the store")
                before = after
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("typed", ["²", "٣٠", "３０", "7²", "-7", "9" * 50])
def test_a_stats_period_in_other_digits_gets_the_usage(typed: str) -> None:
    from handlers.seller.stats import parse_days

    assert parse_days(typed) is None  # the chat then shows the usage, not an error
    assert parse_days("30") == 30 and parse_days("7 days") == 7
