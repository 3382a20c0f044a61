"""Claim history records facts, not sentences (issue 16): services store codes with
parameters, rendered in the reader's language; migration 0014 turns the sentences
already stored into codes (keeping a person's words as typed) and its downgrade
writes the sentences back."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.domain.history import coded, read_note, sentence_of
from handlers.catalog import Catalog
from handlers.claim_history import note_text
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import ClaimEvent
from storage.uow import UnitOfWorkFactory
from tests.languages import spanish_catalog
from tests.unit.test_seller_claims import bought, file_claim, make_seller, returns  # noqa: F401

SELLER_EXT = 9001

# (to_status, note as stored before codes, note after 0014)
STORED = [
    ("CANCELLED", "withdrawn by the buyer", coded("withdrawn")),
    ("APPROVED", "partial refund 5.00", coded("partial_refund", amount="5.00")),
    (
        "REJECTED",
        "used_by_buyer: scratched: badly",
        coded("rejected", reason="used_by_buyer", text="scratched: badly"),
    ),
    (
        "BUYER_SHIPPED",
        "UPS 1Z999AA10123456784",
        coded("shipped", carrier="UPS", tracking="1Z999AA10123456784"),
    ),
    ("CLOSED", "support upheld the seller's decision", coded("support_upheld")),
    ("NEEDS_INFO", "Is the box damaged too?", "Is the box damaged too?"),  # a person's words
    ("REQUESTED", "ups 123 is what I used", "ups 123 is what I used"),
    ("APPROVED", coded("seller_late"), coded("seller_late")),  # a code already
]


def test_a_shipped_note_is_a_code_and_old_ones_read_the_same() -> None:
    catalog = Catalog()
    new = coded("shipped", carrier="UPS", tracking="1Z999AA10123456784")
    assert note_text(catalog, new, "BUYER_SHIPPED", "seller", None) == "UPS 1Z999AA10123456784"
    old = read_note("UPS 1Z999AA10123456784", "BUYER_SHIPPED")
    assert old is not None and old.code == "shipped"
    question = read_note("UPS 1Z999AA10123456784", "NEEDS_INFO")  # looks like one: words
    assert question is not None and question.text == "UPS 1Z999AA10123456784"


@pytest.mark.parametrize(("status", "before", "after"), STORED[:-1])
def test_each_code_has_its_old_sentence_back(status: str, before: str, after: str) -> None:
    read = read_note(after, status)
    assert read is not None and sentence_of(read) == before


def test_a_coded_note_reads_in_the_readers_language(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    note = coded("rejected", reason="used_by_buyer", text="scratched")
    with spanish_catalog(monkeypatch, tmp_path / "locales"):
        es = note_text(Catalog("es"), note, "REJECTED", "buyer", "USD")
        en = note_text(Catalog("en"), note, "REJECTED", "buyer", "USD")
    # The seller's note is a sentence of its own after the reason: capitalised.
    assert es == "Artículo usado o dañado por el comprador. Scratched"
    assert en == "Item used or damaged by the buyer. Scratched"


async def _alembic(engine: AsyncEngine, how: str, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, how)(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def _notes(uow_factory: UnitOfWorkFactory, ids: list[int]) -> list[str | None]:
    async with uow_factory(readonly=True) as uow:
        rows = await uow.session.execute(
            select(ClaimEvent.id, ClaimEvent.note).where(ClaimEvent.id.in_(ids))
        )
        found = dict(rows.all())
    return [found[i] for i in ids]


async def test_migration_0014_turns_sentences_into_codes_and_back(
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    returns,  # noqa: F811 - the fixture of test_seller_claims
) -> None:
    await make_seller(uow_factory, clock, SELLER_EXT)
    claim = await file_claim(returns, await bought(uow_factory, clock))
    async with uow_factory() as uow:
        rows = [
            ClaimEvent(
                claim_id=claim.id,
                to_status=status,
                actor_kind="seller",
                note=before,
                at=clock.now(),
            )
            for status, before, _ in STORED
        ]
        uow.session.add_all(rows)
        await uow.commit()
        ids = [r.id for r in rows]
    try:
        await _alembic(engine, "downgrade", "0013")
        # Before 0014, the sentences (the coded row is one now too: older code reads it)
        assert await _notes(uow_factory, ids) == [b for _, b, _ in STORED[:-1]] + [
            "seller did not answer in time"
        ]
        await upgrade(engine)
        assert await _notes(uow_factory, ids) == [a for _, _, a in STORED]
    finally:
        await upgrade(engine)
    assert await current_revision(engine) == head_revision()
