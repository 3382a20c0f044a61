"""Who the sellers are: one-time invite links, registration, listing and removal.

A seller is a chat user registered for a shop (README, "What a seller can do").  Every seller use
case asks `is_seller` with the shop of the thing being changed, never with anything a
button carried.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.enums import ActorKind
from bot.domain.errors import DomainError, NotAllowed, ShopNotFound
from bot.domain.marketplace import MarketplaceOwned
from bot.domain.policy import ShopPolicy
from bot.services.links import BadToken, IssuedLink, LinkSigner, valid_until
from bot.services.notices import SellerRemoved
from bot.services.outbox import Notification, enqueue
from bot.services.shops import BadReturnAddress, parse_return_address, return_address_of
from storage.models import Seller, SellerInvite, Shop
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SELLER_INVITE_KIND = "s"


class InviteInvalid(DomainError):
    """Forged, unknown or already used invite."""


class InviteExpired(InviteInvalid):
    """A genuine, unused invite past its expiry."""


@dataclass(frozen=True, slots=True)
class SellerEntry:
    external_id: int
    first_name: str | None
    username: str | None
    since: datetime


@dataclass(frozen=True, slots=True)
class ShopRef:
    id: int
    code: str
    name: str
    timezone: str = "UTC"  # the shop's, for showing times in it
    # The marketplace the shop sells on ("tiktok"), which owns its returns (the buyer
    # gets the return address there); None for a shop the bot serves itself.
    marketplace: str | None = None

    @classmethod
    def of(cls, shop: Shop, marketplace: str | None = None) -> ShopRef:
        return cls(shop.id, shop.code, shop.name, shop.timezone or "UTC", marketplace)


class ChooseShop(DomainError):
    """The seller sells for several shops and did not say which; `shops` lists them so
    the chat can ask."""

    def __init__(self, shops: Sequence[ShopRef]) -> None:
        super().__init__("several shops")
        self.shops = tuple(shops)


def seller_shop(sold: Sequence[Shop], shop_id: int | None) -> Shop:
    """Which of the shops a seller sells for (`sold`) a request is about: `shop_id`
    (from a button, so possibly forged: it must be one of theirs), or their only shop.

    Raises NotAllowed if they sell for none or not for this one, ChooseShop if
    `shop_id` is None and they sell for several.  One rule for /stats and /insights."""
    if not sold:
        raise NotAllowed("not a seller")
    if shop_id is None:
        if len(sold) > 1:
            raise ChooseShop([ShopRef.of(shop) for shop in sold])
        return sold[0]
    for shop in sold:
        if shop.id == shop_id:
            return shop
    raise NotAllowed("not a seller of this shop")


class SellerService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, signer: LinkSigner) -> None:
        self._uow = uow
        self._clock = clock
        self._signer = signer

    async def invite(self, shop_code: str) -> str:
        """A new one-time invite token for the shop."""
        return (await self.issue_invite(shop_code)).token

    async def issue_invite(self, shop_code: str) -> IssuedLink:
        """A new one-time invite for the shop (for `seller invite SHOP`), valid for the
        shop's `invite_days`."""
        now = self._clock.now()
        async with self._uow() as uow:
            shop = await uow.shops.get_by_code(shop_code)
            if shop is None:
                raise ShopNotFound(shop_code)
            expires_at = now + timedelta(days=ShopPolicy.from_settings(shop.settings).invite_days)
            while True:
                nonce = secrets.randbits(32)
                if not await uow.shops.invite_nonce_taken(nonce):
                    break
            uow.session.add(SellerInvite(shop_id=shop.id, nonce=nonce, created_at=now))
            await uow.commit()
            token = self._signer.sign(SELLER_INVITE_KIND, shop.id, nonce, expires_at=expires_at)
            return IssuedLink(token, expires_at, 1, shop.timezone)

    async def accept(self, user_id: int, token: str) -> ShopRef:
        """Register the chat user who opened the invite.  Each invite works once, until
        it expires (InviteExpired); the person who used it may open it again."""
        try:
            link = self._signer.verify(token)
        except BadToken:
            raise InviteInvalid() from None
        if link.kind != SELLER_INVITE_KIND:
            raise InviteInvalid()
        shop_id, nonce = link.value, link.nonce
        now = self._clock.now()
        async with self._uow() as uow:
            # Locked (PostgreSQL; SQLite's write transaction already serialises): two
            # people opening the same link at once must not both become sellers.
            invite = await uow.shops.invite(shop_id, nonce)
            shop = await uow.shops.get(shop_id)
            if invite is None or shop is None:
                raise InviteInvalid()
            if invite.used_at is not None:
                if invite.used_by == user_id:  # opened twice by the same person: fine
                    return ShopRef.of(shop)
                raise InviteInvalid()
            until = await valid_until(uow, link)
            if until is None or now >= until:
                log.info(
                    "seller invite expired",
                    extra={
                        "user_id": user_id,
                        "shop_id": shop.id,
                        "legacy": link.expires_at is None,
                    },
                )
                raise InviteExpired()
            invite.used_by, invite.used_at = user_id, now
            if user_id not in await uow.shops.seller_user_ids(shop.id):
                uow.session.add(Seller(shop_id=shop.id, chat_user_id=user_id, created_at=now))
            uow.audit.record(
                at=now,
                actor_kind=ActorKind.SELLER,
                actor_id=user_id,
                action="seller.registered",
                entity="shop",
                entity_id=shop.id,
            )
            await uow.commit()
            return ShopRef.of(shop)

    async def sellers(self, shop_code: str) -> list[SellerEntry]:
        async with self._uow(readonly=True) as uow:
            shop = await uow.shops.get_by_code(shop_code)
            if shop is None:
                raise ShopNotFound(shop_code)
            return [
                SellerEntry(user.external_id, user.first_name, user.username, since)
                for user, since in await uow.shops.sellers_since(shop.id)
            ]

    async def remove(self, shop_code: str, external_id: int) -> bool:
        async with self._uow() as uow:
            shop = await uow.shops.get_by_code(shop_code)
            if shop is None:
                raise ShopNotFound(shop_code)
            seller = await uow.shops.seller_by_external(shop.id, external_id)
            if seller is None:
                return False
            await uow.session.delete(seller)
            uow.audit.record(
                at=self._clock.now(),
                actor_kind=ActorKind.SYSTEM,
                actor_id=None,
                action="seller.removed",
                entity="shop",
                entity_id=shop.id,
                details={"chat_user": seller.chat_user_id},
            )
            await uow.flush()
            # Their seller menu goes back to the buyer one once no shop is left.
            remaining = await uow.shops.seller_shop_ids(seller.chat_user_id)
            notice = SellerRemoved(shop_id=shop.id, shop=shop.name, still_seller=bool(remaining))
            await enqueue(uow, Notification(external_id, notice), now=self._clock.now())
            await uow.commit()
            return True

    # -- the shop's return address, set by its sellers in the chat ------------------

    async def return_address(self, user_id: int, shop_id: int) -> str | None:
        """The shop's return address, for one of its sellers (NotAllowed otherwise)."""
        async with self._uow(readonly=True) as uow:
            shop = await self._sellers_shop(uow, user_id, shop_id)
            return return_address_of(shop.settings)

    async def set_return_address(
        self, user_id: int, shop_id: int, text: str, *, dry_run: bool = False
    ) -> str:
        """Store the return address a seller of the shop typed and confirmed; returns it
        as stored (lines trimmed).  Refused: not a seller of that shop (NotAllowed), a
        shop whose returns a marketplace handles (MarketplaceOwned), or no address that
        can be stored (BadReturnAddress, nothing changed).  `dry_run`
        checks both and stores nothing (what the confirmation shows)."""
        address = parse_return_address(text)
        if not address:
            raise BadReturnAddress("empty return address", "not_address")
        async with self._uow() as uow:
            shop = await self._sellers_shop(uow, user_id, shop_id)
            marketplace = (await uow.shops.marketplaces_of([shop_id])).get(shop_id)
            if marketplace is not None:  # its buyers get the marketplace's address
                raise MarketplaceOwned(f"return address: owned by {marketplace}")
            if dry_run:
                return address
            shop.settings = {**(shop.settings or {}), "return_address": address}
            await uow.commit()
        log.info("return address set by a seller", extra={"shop_id": shop_id})
        return address

    @staticmethod
    async def _sellers_shop(uow: UnitOfWork, user_id: int, shop_id: int) -> Shop:
        shop = await uow.shops.get(shop_id)
        if shop is None or not await uow.shops.is_seller(user_id, shop_id):
            raise NotAllowed("not a seller of this shop")
        return shop

    async def shops_of(self, user_id: int) -> list[ShopRef]:
        async with self._uow(readonly=True) as uow:
            shops = await uow.shops.sold_by(user_id)
            on = await uow.shops.marketplaces_of([shop.id for shop in shops])
            return [ShopRef.of(shop, on.get(shop.id)) for shop in shops]
