"""Signed deep links expire and are bound to whoever opens them first.

An order link handed to a buyer must not link the order (with its Cancel and Return
buttons) for a second person, nor a year later; a seller invite must not make a
seller of whoever finds it in an old chat.  Links from before this version keep
working for a grace period after the upgrade, then stop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import struct
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.services.links import LEGACY_GRACE, LEGACY_SINCE_KEY, BadToken, LinkSigner
from bot.services.orders import (
    LinkAlreadyUsed,
    LinkExpired,
    OrderService,
    ProofRefused,
)
from bot.services.sellers import InviteExpired, InviteInvalid, SellerService
from bot.services.shops import BadSetting, ShopAdmin
from storage.models import KeyValue, OrderLink, SellerInvite
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order

SECRET = b"unit-test-link-secret-0123456789"
TELEGRAM_START = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def legacy_token(kind: str, value: int, nonce: int = 0, secret: bytes = SECRET) -> str:
    """A token exactly as the previous version signed it (no expiry inside)."""
    body = struct.pack(">QI", value, nonce)
    mac = hmac.new(secret, kind.encode() + b"|" + body, hashlib.sha256).digest()[:12]
    return kind + base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode()


@pytest.fixture
def orders(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> OrderService:
    return OrderService(uow_factory, clock, LinkSigner(SECRET))


@pytest.fixture
def sellers(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> SellerService:
    return SellerService(uow_factory, clock, LinkSigner(SECRET))


async def _user(orders: OrderService, external_id: int) -> int:
    return (await orders.identify("telegram", external_id, f"U{external_id}")).id


async def _linked(uow_factory: UnitOfWorkFactory, order_id: int) -> list[int]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.scalars(
            select(OrderLink.chat_user_id).where(OrderLink.order_id == order_id)
        )
        return sorted(rows)


async def _upgraded_at(uow_factory: UnitOfWorkFactory, moment: datetime) -> None:
    """Record when this version was installed (the migration does it in production)."""
    async with uow_factory() as uow:
        row = await uow.session.get(KeyValue, LEGACY_SINCE_KEY)
        if row is None:
            uow.key_values.set(LEGACY_SINCE_KEY, moment.isoformat())
        else:
            row.value = moment.isoformat()
        await uow.commit()


# ----------------------------------------------------------------- the token itself


def test_tokens_fit_telegram_and_carry_a_tamper_proof_expiry(clock: FakeClock) -> None:
    signer = LinkSigner(SECRET)
    expiry = clock.now() + timedelta(days=60)
    token = signer.sign("o", 2**63 - 1, 2**32 - 1, expires_at=expiry)
    assert TELEGRAM_START.match(token) and len(token) <= 64
    link = signer.verify(token)
    assert (link.kind, link.value, link.nonce, link.expires_at) == (
        "o",
        2**63 - 1,
        2**32 - 1,
        expiry,
    )
    # Every single-character change (a later expiry included) breaks the signature.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(1, len(token)):
        other = alphabet[(alphabet.index(token[i]) + 1) % 64]
        with pytest.raises(BadToken):
            signer.verify(token[:i] + other + token[i + 1 :])
    with pytest.raises(BadToken):
        signer.verify(token + "A")
    with pytest.raises(BadToken):
        signer.verify(token[:10] + "+/" + token[12:])  # not the start-parameter alphabet
    # A token from the previous version still verifies, and says it has no expiry.
    old = signer.verify(legacy_token("o", 42))
    assert (old.kind, old.value, old.nonce, old.expires_at) == ("o", 42, 0, None)


# ------------------------------------------------------------------------ order links


async def test_order_link_expires_after_the_shops_days(
    orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    link = await orders.order_link(order_id)
    assert link.expires_at == clock.now() + timedelta(days=60)  # the default
    assert link.uses == 1
    buyer = await _user(orders, 1)

    clock.advance(timedelta(days=60))
    with pytest.raises(LinkExpired) as expired:
        await orders.link_by_token(buyer, link.token)
    assert expired.value.legacy is False
    assert await _linked(uow_factory, order_id) == []

    # A shop may choose a shorter life; a fresh link works again for the buyer.
    await ShopAdmin(uow_factory).set("acme", "order_link_days", "2")
    short = await orders.order_link(order_id)
    assert short.expires_at == clock.now() + timedelta(days=2)
    clock.advance(timedelta(days=1, hours=23))
    await orders.link_by_token(buyer, short.token)
    assert await _linked(uow_factory, order_id) == [buyer]


async def test_a_link_opened_by_a_second_account_does_not_link_the_order(
    orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    token = (await orders.order_link(order_id)).token
    buyer, stranger = await _user(orders, 1), await _user(orders, 2)

    await orders.link_by_token(buyer, token)
    with pytest.raises(LinkAlreadyUsed):
        await orders.link_by_token(stranger, token)
    assert await _linked(uow_factory, order_id) == [buyer]
    # The same account opening it again is fine, also after its expiry.
    await orders.link_by_token(buyer, token)
    clock.advance(timedelta(days=400))
    assert (await orders.link_by_token(buyer, token)).id == order_id
    with pytest.raises(LinkExpired):  # the stranger is told it expired, not that it's used
        await orders.link_by_token(stranger, token)
    # A new link for the same order is a link of its own.
    await orders.link_by_token(stranger, (await orders.order_link(order_id)).token)
    assert await _linked(uow_factory, order_id) == sorted([buyer, stranger])


async def test_a_shop_may_allow_several_accounts_per_link(
    orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    await ShopAdmin(uow_factory).set("acme", "order_link_uses", "2")
    link = await orders.order_link(order_id)
    assert link.uses == 2
    first, second, third = [await _user(orders, n) for n in (1, 2, 3)]
    await orders.link_by_token(first, link.token)
    await orders.link_by_token(second, link.token)
    with pytest.raises(LinkAlreadyUsed):
        await orders.link_by_token(third, link.token)
    assert len(await _linked(uow_factory, order_id)) == 2


@pytest.mark.parametrize(("key", "value"), [("order_link_days", "0"), ("order_link_uses", "0")])
async def test_link_settings_refuse_zero(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, key: str, value: str
) -> None:
    await make_order(uow_factory, clock)
    with pytest.raises(BadSetting, match="from 1 to"):
        await ShopAdmin(uow_factory).set("acme", key, value)
    shown = await ShopAdmin(uow_factory).show("acme")
    assert (shown["order_link_days"], shown["order_link_uses"], shown["invite_days"]) == (60, 1, 7)


async def test_simultaneous_openings_by_many_accounts_link_one(
    orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    token = (await orders.order_link(order_id)).token
    users = [await _user(orders, 100 + n) for n in range(10)]

    async def open_link(user: int) -> bool:
        try:
            await orders.link_by_token(user, token)
        except LinkAlreadyUsed:
            return False
        return True

    results = await asyncio.gather(*(open_link(u) for u in users))
    assert sum(results) == 1
    assert await _linked(uow_factory, order_id) == [users[results.index(True)]]


async def test_old_order_links_work_for_thirty_days_after_the_upgrade(
    orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    await _upgraded_at(uow_factory, clock.now())
    old = legacy_token("o", order_id)  # what `order-link` printed before this version
    buyer, stranger, late = [await _user(orders, n) for n in (1, 2, 3)]

    clock.advance(LEGACY_GRACE - timedelta(minutes=1))
    await orders.link_by_token(buyer, old)
    with pytest.raises(LinkAlreadyUsed):  # bound to its first account like a new one
        await orders.link_by_token(stranger, old)

    clock.advance(timedelta(minutes=1))
    with pytest.raises(LinkExpired) as expired:
        await orders.link_by_token(late, old)
    assert expired.value.legacy is True
    assert await _linked(uow_factory, order_id) == [buyer]


async def test_an_old_link_is_refused_when_the_upgrade_time_is_unknown(
    orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    async with uow_factory() as uow:
        row = await uow.session.get(KeyValue, LEGACY_SINCE_KEY)
        if row is not None:
            await uow.session.delete(row)
        await uow.commit()
    with pytest.raises(LinkExpired):
        await orders.link_by_token(await _user(orders, 1), legacy_token("o", order_id))


async def test_forged_links_are_refused_as_before(
    orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock)
    user = await _user(orders, 1)
    later = clock.now() + timedelta(days=1)
    for bad in (
        legacy_token("o", order_id, secret=b"another-secret-0123456789"),
        LinkSigner(b"another-secret-0123456789").sign("o", order_id, 5, expires_at=later),
        LinkSigner(SECRET).sign("o", 999_999, 5, expires_at=later),  # no such order
    ):
        with pytest.raises(ProofRefused):
            await orders.link_by_token(user, bad)
    assert await _linked(uow_factory, order_id) == []


# --------------------------------------------------------------------- seller invites


async def test_seller_invite_expires_after_the_shops_days(
    sellers: SellerService, orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)  # creates the shop
    invite = await sellers.issue_invite("acme")
    assert invite.expires_at == clock.now() + timedelta(days=7)  # the default
    sam = await _user(orders, 1)

    clock.advance(timedelta(days=7))
    with pytest.raises(InviteExpired):
        await sellers.accept(sam, invite.token)
    assert await sellers.sellers("acme") == []

    await ShopAdmin(uow_factory).set("acme", "invite_days", "30")
    fresh = await sellers.issue_invite("acme")
    assert fresh.expires_at == clock.now() + timedelta(days=30)
    clock.advance(timedelta(days=29))
    await sellers.accept(sam, fresh.token)
    clock.advance(timedelta(days=5))  # the one who used it may open it again
    await sellers.accept(sam, fresh.token)
    assert [s.external_id for s in await sellers.sellers("acme")] == [1]


async def test_old_seller_invites_work_for_thirty_days_after_the_upgrade(
    sellers: SellerService, orders: OrderService, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    await _upgraded_at(uow_factory, clock.now())
    await sellers.issue_invite("acme")
    await sellers.issue_invite("acme")
    async with uow_factory(readonly=True) as uow:
        shop_id, *_ = await uow.session.scalars(select(SellerInvite.shop_id))
        first, second = await uow.session.scalars(
            select(SellerInvite.nonce).order_by(SellerInvite.id)
        )
    # Invites handed out by the previous version: same rows, tokens without expiry.
    clock.advance(LEGACY_GRACE - timedelta(seconds=1))
    await sellers.accept(await _user(orders, 1), legacy_token("s", shop_id, first))
    clock.advance(timedelta(seconds=1))
    with pytest.raises(InviteExpired):
        await sellers.accept(await _user(orders, 2), legacy_token("s", shop_id, second))
    with pytest.raises(InviteInvalid):  # and a forged one is still just invalid
        await sellers.accept(await _user(orders, 3), legacy_token("s", shop_id, second, b"x" * 20))
    assert [s.external_id for s in await sellers.sellers("acme")] == [1]


def test_expiry_survives_until_2106() -> None:
    signer = LinkSigner(SECRET)
    far = datetime(2100, 1, 1, tzinfo=UTC)
    assert signer.verify(signer.sign("s", 1, 1, expires_at=far)).expires_at == far
