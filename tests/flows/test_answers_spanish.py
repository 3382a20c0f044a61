"""A policy question in Spanish, in process: answered from the shop's Spanish policies
(the bundled sample has them), or, for a shop whose policies are only in English, from
the English section with a note that says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from storage.uow import UnitOfWorkFactory
from tests.harness import STAFF_CHAT, Harness

# The buyer wrote Spanish, so the reply and its note are in Spanish (issue 16's
# language detection); the English note is for a reader whose catalog is English.
ONLY_IN_ENGLISH = "Esta política solo está disponible en inglés."
QUESTION = "¿cuánto cuesta el envío?"


async def test_a_spanish_question_is_answered_from_the_spanish_policies(
    harness: Harness,
) -> None:
    buyer = harness.buyer(5101, "Lucía")
    await buyer.say("/start")
    await buyer.say(QUESTION)
    text = buyer.last_text
    assert text.startswith("📖"), text
    assert "Envíos y entregas › Gastos de envío" in text, text
    assert "5,99 $" in text  # the Spanish section's own words
    assert ONLY_IN_ENGLISH not in text


ENGLISH_ONLY = """# Shipping

## Shipping costs

Standard shipping costs $4.99 per order and is free over $50. Express costs $12.
"""


MORE_ENGLISH = """# Returns

## Return window

Unused items can be sent back within 30 days of delivery.

## Refund timing

Refunds reach your card within 5 to 10 business days after we receive the item.

## Warranty

Appliances carry a two-year warranty against manufacturing faults.
"""


@pytest.fixture
async def english_only(
    database_url: str,
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Harness]:
    """The harness with a knowledge folder whose policies are in English only (the
    shipping file, and the returns file too when the test asks for "more")."""
    root = tmp_path / "knowledge"
    (root / "default").mkdir(parents=True)
    (root / "default" / "shipping.md").write_text(ENGLISH_ONLY, encoding="utf-8")
    if getattr(request, "param", None) == "more":
        (root / "default" / "returns.md").write_text(MORE_ENGLISH, encoding="utf-8")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        media_dir=tmp_path / "media",
        knowledge_dir=root,
        knowledge_index=tmp_path / "knowledge-index.json",
        link_secret="harness-link-secret-0123456789abcdef",
        staff_chat_id=STAFF_CHAT,
    )
    app = App(settings=settings, engine=engine, uow=uow_factory, clock=clock)
    yield await Harness.create(app)


async def test_without_spanish_policies_the_english_section_comes_with_a_note(
    english_only: Harness,
) -> None:
    buyer = english_only.buyer(5102, "Lucía")
    await buyer.say("/start")
    await buyer.say(QUESTION)
    text = buyer.last_text
    assert "Shipping › Shipping costs" in text, text
    assert "$4.99" in text
    assert text.rstrip().endswith(ONLY_IN_ENGLISH), text
    # An English question to the same shop has no note.
    await buyer.say("how much is shipping?")
    assert ONLY_IN_ENGLISH not in buyer.last_text


@pytest.mark.parametrize("english_only", ["more"], indirect=True)
async def test_a_tapped_english_section_also_says_it_is_only_in_english(
    english_only: Harness,
) -> None:
    """A Spanish question the bot is not sure of offers sections; the one tapped is
    quoted from the English policies, with the same note as an answer.  (A tap has no
    text to tell the language by: the reply is in her Telegram language, Spanish.)"""
    buyer = english_only.buyer(5103, "Lucía", locale="es")
    await buyer.say("/start")
    await buyer.say("¿la garantía cubre una devolución?")
    offered = [b.text for b in buyer.buttons() if b.text.startswith("📖 ")]
    assert offered, buyer.last_text
    await buyer.tap(offered[-1])
    text = buyer.last_text
    assert offered[-1].removeprefix("📖 ") in text, text
    assert text.rstrip().endswith(ONLY_IN_ENGLISH), text
