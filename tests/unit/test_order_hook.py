"""`POST /hooks/orders/SHOP`: a shop's own system pushes orders, signed.

Over real HTTP on 127.0.0.1; runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.services.shops import BadSetting, ShopAdmin
from bot.web.server import BODY_LIMIT
from storage.models import Order
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop
from tests.hook_client import (
    ORDER_SECRET,
    Hooks,
    link_buyer,
    notifications,
    order_signature,
    running_hooks,
    shop_with_secrets,
    table_counts,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_orders() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = json.loads((EXAMPLES / "orders.json").read_text())
    return docs


@pytest.fixture
async def hooks(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Any:
    await shop_with_secrets(uow_factory, clock)
    async with running_hooks(uow_factory, clock) as running:
        yield running


async def order_numbers(uow_factory: UnitOfWorkFactory) -> set[str]:
    async with uow_factory(readonly=True) as uow:
        return set(await uow.session.scalars(select(Order.order_number)))


async def stored_order(uow_factory: UnitOfWorkFactory, number: str) -> Order:
    async with uow_factory(readonly=True) as uow:
        shop = await uow.shops.get_by_code("acme")
        assert shop is not None
        order = await uow.orders.get_by_number(shop.id, number)
        assert order is not None
        return order


async def test_signed_orders_are_written_as_the_import_writes_them(
    hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    docs = example_orders()
    answer = await hooks.orders(docs)
    assert answer.status == 200, answer.body
    assert answer.body == {"accepted": [d["order_number"] for d in docs], "refused": []}
    assert await order_numbers(uow_factory) == {d["order_number"] for d in docs}
    order = await stored_order(uow_factory, "NL-2026-0412")
    assert order.status == "DELIVERED" and order.buyer_email == "jan.devries@example.nl"
    assert [i.sku for i in order.items] == ["JKT-SHELL-M-BLU", "SOCK-MERINO-42"]
    assert order.payment is not None and str(order.payment.total_paid) == "309.04"
    assert [len(s.events) for s in order.shipments] == [
        len(docs[0]["shipments"][0]["tracking_events"])
    ]

    # One order alone (not in a list) and {"orders": [...]} are read too.
    single = copy.deepcopy(docs[3])
    single["order_number"] = "NL-2026-0500"
    assert (await hooks.orders(single)).body == {"accepted": ["NL-2026-0500"], "refused": []}
    single["order_number"] = "NL-2026-0501"
    wrapped = await hooks.orders({"orders": [single]})
    assert (wrapped.status, wrapped.body["accepted"]) == (200, ["NL-2026-0501"])


async def test_a_changed_order_tells_its_buyer_once(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    docs = example_orders()
    assert (await hooks.orders(docs)).status == 200
    order = await stored_order(uow_factory, "NL-2026-0413")
    await link_buyer(uow_factory, clock, order.id, external_id=1001)
    assert await notifications(uow_factory) == []

    in_transit = docs[1]
    in_transit["status"] = "DELIVERED"
    in_transit["delivered_at"] = "2026-01-12T10:00:00Z"
    in_transit["shipments"][0]["tracking_events"].append(
        {"at": "2026-01-12T09:55:00Z", "tag": "Delivered", "message": "Delivered"}
    )
    clock.advance(timedelta(minutes=1))
    assert (await hooks.orders([in_transit])).status == 200
    told = await notifications(uow_factory)
    assert len(told) == 1
    assert told[0]["chat_id"] == 1001 and told[0]["kind"] == "order_changed"
    assert told[0]["params"]["order_number"] == "NL-2026-0413"
    assert told[0]["params"]["status"] == "DELIVERED"
    assert (await stored_order(uow_factory, "NL-2026-0413")).status == "DELIVERED"

    # The shop's system sends the same again (a retry): nothing new for the buyer.
    clock.advance(timedelta(minutes=1))
    again = await hooks.orders([in_transit])
    assert again.status == 200 and again.body["accepted"] == ["NL-2026-0413"]
    assert len(await notifications(uow_factory)) == 1


async def test_one_bad_order_is_refused_and_the_good_ones_are_written(
    hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    docs = example_orders()[:3]
    docs[1]["payment"]["total_paid"] = "1.00"  # does not add up
    docs[1]["buyer_email"] = "jan.devries-example.nl"
    answer = await hooks.orders(docs)
    assert answer.status == 422
    assert answer.body["accepted"] == ["NL-2026-0412", "NL-2026-0414"]
    [refused] = answer.body["refused"]
    assert refused["order"] == "NL-2026-0413"
    assert any(p.startswith("buyer_email:") for p in refused["problems"])
    assert "jan.devries-example" not in json.dumps(answer.body)  # personal data never echoed
    assert await order_numbers(uow_factory) == {"NL-2026-0412", "NL-2026-0414"}

    # Without a readable number, an order is named by its position in the request.
    good = example_orders()[3]
    answer = await hooks.orders([good, {"status": "DELIVERED"}, "not an order"])
    assert answer.status == 400  # a list of objects, or nothing is read at all
    answer = await hooks.orders([good, {"order_number": 7, "status": "DELIVERED"}])
    assert answer.status == 422
    assert [r["order"] for r in answer.body["refused"]] == [1]
    assert answer.body["accepted"] == ["NL-2026-0415"]


async def test_an_order_number_twice_in_one_request_is_refused_both_times(
    hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    first, second, other = example_orders()[:3]
    second["order_number"] = first["order_number"]
    answer = await hooks.orders([first, second, other])
    assert answer.status == 422
    assert answer.body["accepted"] == [other["order_number"]]
    assert [r["order"] for r in answer.body["refused"]] == [first["order_number"]] * 2
    assert await order_numbers(uow_factory) == {other["order_number"]}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"orders": 5}',
        b"[]",
        b"42",
        b'"text"',
        b"[1, 2]",
        b"\xff\xfe",
        b"[" * 100_000,
    ],
    ids=["text", "orders-not-a-list", "empty", "number", "string", "numbers", "bytes", "deep"],
)
async def test_a_malformed_body_is_refused_and_writes_nothing(
    body: bytes, hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    before = await table_counts(uow_factory)
    answer = await hooks.orders(body)
    assert answer.status == 400
    assert isinstance(answer.body, dict) and answer.body["error"]
    assert await table_counts(uow_factory) == before


async def test_bad_and_missing_signatures_are_refused_before_the_body_is_read(
    hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    docs = example_orders()[:1]
    before = await table_counts(uow_factory)
    refused = [
        await hooks.orders(docs, secret="another-secret-0123456789"),
        await hooks.orders(docs, headers={}),
        await hooks.orders(docs, headers={"X-Timestamp": "1", "X-Signature": "sha256=00"}),
        # A body that is not even JSON is refused for its signature, not its syntax.
        await hooks.orders(b"\x00garbage", secret="another-secret-0123456789"),
    ]
    timestamp = str(int(hooks.clock.now().timestamp()))
    body = json.dumps(docs).encode()
    tampered = {
        "X-Timestamp": timestamp,
        "X-Signature": order_signature(ORDER_SECRET, timestamp, body),
    }
    refused.append(await hooks.post("/hooks/orders/acme", body + b" ", tampered))
    assert [a.status for a in refused] == [401] * 5
    assert await table_counts(uow_factory) == before


async def test_unknown_shop_and_shop_without_a_secret_look_like_a_bad_signature(
    hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock, "no-secret")
    docs = example_orders()[:1]
    wrong = await hooks.orders(docs, secret="another-secret-0123456789")
    unknown = await hooks.orders(docs, shop="nobody")
    unset = await hooks.orders(docs, shop="no-secret")
    long_code = await hooks.orders(docs, shop="x" * 300)
    assert wrong.status == unknown.status == unset.status == long_code.status == 401
    assert wrong.body == unknown.body == unset.body == long_code.body
    assert await order_numbers(uow_factory) == set()


@pytest.mark.parametrize(("seconds", "status"), [(-301, 401), (301, 401), (-299, 200), (299, 200)])
async def test_timestamps_more_than_five_minutes_off_are_refused(
    seconds: int, status: int, hooks: Hooks, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    answer = await hooks.orders(example_orders()[:1], at=clock.now() + timedelta(seconds=seconds))
    assert answer.status == status
    assert await order_numbers(uow_factory) == ({"NL-2026-0412"} if status == 200 else set())


async def test_an_oversized_body_gets_413_and_writes_nothing(
    hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    before = await table_counts(uow_factory)
    docs = example_orders()[:1]
    docs[0]["shipping_address"] = "x" * BODY_LIMIT  # signed correctly, only too big
    answer = await hooks.orders(docs)
    assert answer.status == 413
    assert answer.body == {"error": f"the body is larger than {BODY_LIMIT} bytes"}

    # Without a Content-Length (chunked), the body is cut off at the limit as it is read.
    async def chunks() -> Any:
        for _ in range(BODY_LIMIT // 65536 + 2):
            yield b" " * 65536

    async with hooks.http.post(hooks.base_url + "/hooks/orders/acme", data=chunks()) as response:
        assert response.status == 413
    assert await table_counts(uow_factory) == before


async def test_the_largest_order_the_import_takes_fits_in_the_limit(
    hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    docs = example_orders()[:1]
    docs[0]["items"] = [
        {"sku": f"SKU-{n}", "product_name": "p" * 300, "quantity": 1, "unit_price": "1.00"}
        for n in range(1000)  # the import's most item lines per order, longest names
    ]
    docs[0]["payment"].update(subtotal="1000.00", discount="0", tax="0", total_paid="1000.00")
    answer = await hooks.orders(docs)
    assert answer.status == 200, answer.body


async def test_hook_secrets_are_shop_settings_of_at_least_16_characters(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_shop(uow_factory, clock)
    admin = ShopAdmin(uow_factory)
    for key in ("order_webhook_secret", "aftership_secret"):
        with pytest.raises(BadSetting, match="at least 16 characters"):
            await admin.set("acme", key, "short")
        assert (await admin.show("acme"))[key] == "(unset)"
        await admin.set("acme", key, "0123456789abcdef")
        assert (await admin.show("acme"))[key] == "(set)"


async def test_more_than_a_thousand_orders_in_one_request_are_refused_whole(
    hooks: Hooks, uow_factory: UnitOfWorkFactory
) -> None:
    template = example_orders()[3]
    docs = [dict(template, order_number=f"BULK-{n}") for n in range(1001)]
    answer = await hooks.orders(docs)
    assert answer.status == 413 and "at most 1000 orders" in answer.body["error"]
    assert await order_numbers(uow_factory) == set()
    answer = await hooks.orders(docs[:1000])
    assert answer.status == 200 and len(answer.body["accepted"]) == 1000
