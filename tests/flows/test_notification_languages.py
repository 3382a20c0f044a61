"""Notifications in the recipient's language, decided when they are sent (issue 16): a
buyer whose Telegram speaks Spanish reads the seller's decision in Spanish while the
seller, in English, reads the same claim's news in English; a key with no Spanish yet
reads in English rather than failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from bot.clock import FakeClock
from storage.models import ChatUser
from storage.uow import UnitOfWorkFactory
from tests.harness import Harness
from tests.languages import spanish_catalog
from tests.unit.test_seller_claims import bought, file_claim, make_seller

SELLER_EXT = 3001  # harness.seller()'s user id
BUYER_EXT = 1001  # harness.buyer()'s


async def test_buyer_and_seller_each_read_the_claims_news_in_their_own_language(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with spanish_catalog(monkeypatch, tmp_path / "locales"):
        seller_id = await make_seller(uow_factory, clock, SELLER_EXT)
        b = await bought(uow_factory, clock, buyer_ext=BUYER_EXT)
        buyer = harness.buyer(BUYER_EXT, locale="es")
        seller = harness.seller()
        await buyer.say("/start")  # Telegram says Spanish: stored on the person
        claim = await file_claim(harness.services.returns, b)
        await harness.flush()
        [news] = seller.news  # the seller's Telegram is English
        assert f"Return request {claim.number}" in news

        await harness.services.seller_claims.reject(
            seller_id, claim.id, "used_by_buyer", "scratched"
        )
        await harness.flush()
        [told] = buyer.news
        assert f"Tu solicitud de devolución {claim.number} no fue aceptada" in told
        # The reason code is read in Spanish too; the seller's own words stay as typed.
        assert "Motivo: Artículo usado o dañado por el comprador" in told
        assert "Scratched" in told  # the note, a sentence after the reason
        assert "not accepted" not in told

        # The language is read when a row is sent, not when it was queued: the
        # seller switches to Spanish before the next news goes out.  The new request has
        # no Spanish yet (English, key by key); the withdrawal has.
        second = await file_claim(harness.services.returns, b, {b.items[1]: 1})
        async with uow_factory() as uow:
            await uow.session.execute(
                update(ChatUser).where(ChatUser.external_id == SELLER_EXT).values(language="es")
            )
            await uow.commit()
        await harness.services.returns.withdraw(b.buyer, second.id)
        await harness.flush()
        new, withdrawn = seller.news
        assert f"Return request {second.number}" in new
        assert f"El comprador retiró la solicitud {second.number}" in withdrawn


async def test_a_buyer_who_writes_spanish_on_an_english_phone_reads_the_news_in_spanish(
    harness: Harness,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Found in the demo: Jordan wrote only Spanish and was answered in Spanish, but
    staff closing the ticket, and every notification, reached him in English (his
    Telegram's language).  What he writes in is what the bot writes to him; writing
    English again brings English back."""
    with spanish_catalog(monkeypatch, tmp_path / "locales"):
        seller_id = await make_seller(uow_factory, clock, SELLER_EXT)
        b = await bought(uow_factory, clock, buyer_ext=BUYER_EXT)
        buyer = harness.buyer(BUYER_EXT, locale="en")
        await buyer.say("hola, quiero saber cuándo llega mi pedido")
        first = await file_claim(harness.services.returns, b)
        await harness.services.seller_claims.reject(
            seller_id, first.id, "used_by_buyer", "scratched"
        )
        await harness.flush()
        [told] = buyer.news
        assert f"Tu solicitud de devolución {first.number} no fue aceptada" in told

        await buyer.say("thanks, where is my parcel right now?")
        second = await file_claim(harness.services.returns, b, {b.items[1]: 1})
        await harness.services.seller_claims.reject(
            seller_id, second.id, "used_by_buyer", "scratched"
        )
        await harness.flush()
        [told] = buyer.news
        assert f"{second.number}" in told and "no fue aceptada" not in told
