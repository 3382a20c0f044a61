"""SellerService: one-time invite links, registration, listing and removal, and what
being a seller of a shop (or of two) grants."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import ClaimType
from bot.domain.errors import NotAllowed, ShopNotFound
from bot.services.links import LinkSigner
from bot.services.orders import OrderService, ProofRefused
from bot.services.returns import ReturnService
from bot.services.seller_claims import SellerClaimService
from bot.services.sellers import InviteInvalid, SellerService
from storage.media import MediaStore
from storage.models import AuditEntry, Seller, SellerInvite
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, make_shop
from tests.unit.test_seller_claims import bought, chat_user, file_claim

SECRET = b"unit-test-link-secret-0123456789"


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner(SECRET)


@pytest.fixture
def service(uow_factory: UnitOfWorkFactory, clock: FakeClock, signer: LinkSigner) -> SellerService:
    return SellerService(uow_factory, clock, signer)


@pytest.fixture
async def shops(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> dict[str, int]:
    return {code: await make_shop(uow_factory, clock, code) for code in ("acme", "other", "third")}


async def seller_rows(uow_factory: UnitOfWorkFactory) -> list[tuple[int, int]]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.execute(
            select(Seller.shop_id, Seller.chat_user_id).order_by(Seller.id)
        )
        return [(int(s), int(u)) for s, u in rows.all()]


async def test_an_invite_works_once_and_again_for_the_same_person(
    service: SellerService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    shops: dict[str, int],
) -> None:
    sam = await chat_user(uow_factory, clock, 9001, "Sam")
    eve = await chat_user(uow_factory, clock, 9002, "Eve")
    token = await service.invite("acme")
    assert token.startswith("s") and len(token) <= 64

    shop = await service.accept(sam, token)

    assert (shop.id, shop.code, shop.name) == (shops["acme"], "acme", "Acme Store")
    assert await seller_rows(uow_factory) == [(shops["acme"], sam)]
    with pytest.raises(InviteInvalid):  # someone else opening the same link
        await service.accept(eve, token)
    again = await service.accept(sam, token)  # the seller taps their link twice
    assert again.id == shops["acme"]
    assert await seller_rows(uow_factory) == [(shops["acme"], sam)]
    async with uow_factory(readonly=True) as uow:
        invite = (await uow.session.scalars(select(SellerInvite))).one()
        assert (invite.used_by, invite.used_at) == (sam, clock.now())
        registered = (
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "seller.registered")
            )
        ).all()
    assert [(a.actor_id, a.entity_id) for a in registered] == [(sam, str(shops["acme"]))]
    # A fresh invite registers Eve.
    await service.accept(eve, await service.invite("acme"))
    assert await seller_rows(uow_factory) == [(shops["acme"], sam), (shops["acme"], eve)]


async def test_every_invite_is_different(service: SellerService, shops: dict[str, int]) -> None:
    tokens = {await service.invite("acme") for _ in range(5)}
    assert len(tokens) == 5


async def test_forged_tampered_and_foreign_tokens_register_nobody(
    service: SellerService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    signer: LinkSigner,
    shops: dict[str, int],
) -> None:
    eve = await chat_user(uow_factory, clock, 9002, "Eve")
    token = await service.invite("acme")
    async with uow_factory(readonly=True) as uow:
        nonce = (await uow.session.scalars(select(SellerInvite.nonce))).one()
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    at = {"expires_at": clock.now() + timedelta(days=1)}
    forged = [
        flipped,  # one character changed
        token[:-2],  # cut short
        token + "A",  # too long for its size
        "s" + token[1:].upper(),
        "s",
        "",
        "s" + "A" * 63,
        "s!!!!notbase64!!!!",
        LinkSigner(b"another-secret-0123456789abcdef").sign("s", shops["acme"], nonce, **at),
        signer.sign("s", shops["acme"], nonce + 1, **at),  # genuine signature, no such invite
        signer.sign("s", shops["other"], nonce, **at),  # the invite's nonce, another shop
        signer.sign("s", 999_999, nonce, **at),  # a shop that does not exist
        signer.sign("o", shops["acme"], nonce, **at),  # right numbers, wrong kind
    ]
    for bad in forged:
        with pytest.raises(InviteInvalid):
            await service.accept(eve, bad)
    assert await seller_rows(uow_factory) == []
    async with uow_factory(readonly=True) as uow:
        invite = (await uow.session.scalars(select(SellerInvite))).one()
        assert invite.used_by is None  # still usable by the person it was meant for
    sam = await chat_user(uow_factory, clock, 9001, "Sam")
    await service.accept(sam, token)
    assert await seller_rows(uow_factory) == [(shops["acme"], sam)]


async def test_an_order_link_is_not_a_seller_invite_and_vice_versa(
    service: SellerService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    signer: LinkSigner,
    shops: dict[str, int],
) -> None:
    order_id = await make_order(uow_factory, clock)
    orders = OrderService(uow_factory, clock, signer)
    eve = await chat_user(uow_factory, clock, 9002, "Eve")
    order_token = (await orders.order_link(order_id)).token

    with pytest.raises(InviteInvalid):
        await service.accept(eve, order_token)
    assert await seller_rows(uow_factory) == []
    with pytest.raises(ProofRefused):  # and an invite links no order
        await orders.link_by_token(eve, await service.invite("acme"))
    assert (await orders.orders(eve)).total == 0


async def test_concurrent_openings_of_one_invite_register_one_seller(
    service: SellerService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    shops: dict[str, int],
) -> None:
    users = [await chat_user(uow_factory, clock, 9100 + n, f"U{n}") for n in range(10)]
    token = await service.invite("acme")

    async def open_link(user: int) -> bool:
        try:
            await service.accept(user, token)
        except InviteInvalid:
            return False
        return True

    results = await asyncio.gather(*(open_link(u) for u in users))

    assert sum(results) == 1
    [(shop_id, winner)] = await seller_rows(uow_factory)
    assert shop_id == shops["acme"] and winner == users[results.index(True)]


async def test_list_and_remove(
    service: SellerService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    shops: dict[str, int],
) -> None:
    from datetime import timedelta

    assert await service.sellers("acme") == []
    sam = await chat_user(uow_factory, clock, 9001, "Sam")
    await service.accept(sam, await service.invite("acme"))
    clock.advance(timedelta(days=1))
    eve = await chat_user(uow_factory, clock, 9002, "Eve")
    await service.accept(eve, await service.invite("acme"))

    listed = await service.sellers("acme")
    assert [(e.external_id, e.first_name) for e in listed] == [(9001, "Sam"), (9002, "Eve")]
    assert listed[1].since == clock.now()
    assert await service.sellers("other") == []

    assert await service.remove("acme", 9001) is True
    assert [e.external_id for e in await service.sellers("acme")] == [9002]
    assert await service.remove("acme", 9001) is False  # already gone
    assert await service.remove("other", 9002) is False  # not a seller there
    assert [e.external_id for e in await service.sellers("acme")] == [9002]
    for unknown in (
        service.sellers("nope"),
        service.remove("nope", 9002),
        service.invite("nope"),
    ):
        with pytest.raises(ShopNotFound):
            await unknown
    async with uow_factory(readonly=True) as uow:
        removed = (
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "seller.removed")
            )
        ).all()
    assert [(a.entity_id, a.details) for a in removed] == [(str(shops["acme"]), {"chat_user": sam})]


async def test_a_seller_of_two_shops_sees_and_decides_both(
    service: SellerService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    shops: dict[str, int],
    tmp_path: Path,
) -> None:
    sam = await chat_user(uow_factory, clock, 9001, "Sam")
    await service.accept(sam, await service.invite("acme"))
    await service.accept(sam, await service.invite("other"))
    assert [s.code for s in await service.shops_of(sam)] == ["acme", "other"]

    returns = ReturnService(uow_factory, clock, MediaStore(tmp_path / "media"))
    decisions = SellerClaimService(uow_factory, clock, MediaStore(tmp_path / "media"))
    at_acme = await file_claim(returns, await bought(uow_factory, clock))
    at_other = await file_claim(
        returns,
        await bought(uow_factory, clock, number="578000000000000002", shop_code="other"),
    )
    at_third = await file_claim(
        returns,
        await bought(
            uow_factory, clock, number="578000000000000003", shop_code="third", buyer_ext=1003
        ),
        type=ClaimType.RETURN_AND_REFUND,
    )

    assert {e.claim_id for e in await decisions.queue(sam)} == {at_acme.id, at_other.id}
    assert (await decisions.approve(sam, at_other.id)).refunded is not None
    assert (await decisions.approve(sam, at_acme.id)).refunded is not None
    with pytest.raises(NotAllowed):
        await decisions.approve(sam, at_third.id)

    # Removed from one shop: the other stays.
    assert await service.remove("acme", 9001)
    assert [s.code for s in await service.shops_of(sam)] == ["other"]
    late = await file_claim(returns, await bought(uow_factory, clock, number="578000000000000004"))
    with pytest.raises(NotAllowed):
        await decisions.card(sam, late.id)
    assert await decisions.queue(sam) == []  # other's only claim is decided


# ------------------------------------------------------------------ the shop's tool


def _args(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["seller", *argv])


async def test_cli_list_and_remove(
    service: SellerService,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    shops: dict[str, int],
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        media_dir=tmp_path / "media",
        link_secret=SECRET.decode(),
        bot_username="shop_support_test_bot",
    )
    assert await cli._seller(_args("list", "acme"), settings) == 0
    assert "no sellers yet" in capsys.readouterr().out

    sam = await chat_user(uow_factory, clock, 9001, "Sam")
    await service.accept(sam, await service.invite("acme"))
    assert await cli._seller(_args("list", "acme"), settings) == 0
    out = capsys.readouterr().out
    assert out.startswith("9001\tSam") and "since 2026-01-15" in out

    assert await cli._seller(_args("remove", "acme", "9001"), settings) == 0
    assert "removed 9001 from acme" in capsys.readouterr().out
    assert await cli._seller(_args("remove", "acme", "9001"), settings) == 1
    assert "not a seller of acme" in capsys.readouterr().err
    assert await cli._seller(_args("list", "nope"), settings) == 1
    assert "no shop with code nope" in capsys.readouterr().err

    # The printed invite link carries a token this service accepts (same secret).
    assert await cli._seller(_args("invite", "acme"), settings) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://t.me/shop_support_test_bot?start=s")
    eve = await chat_user(uow_factory, clock, 9002, "Eve")
    await service.accept(eve, link.split("start=")[1])
    async with uow_factory(readonly=True) as uow:
        count = await uow.session.scalar(select(func.count()).select_from(Seller))
    assert count == 1
