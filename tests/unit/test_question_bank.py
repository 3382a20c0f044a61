"""The question bank the policy search ships (bot/services/retrieval/question_bank.json)
is the tuning shops' labelled questions as they are now: a question added, relabelled or
a section rewritten in tests/data/answers makes this fail until
`python tests/bench/question_bank.py` writes the bank again."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from bot.services.knowledge import BUNDLED, DEFAULT_SHOP
from bot.services.retrieval.bridge import BANK, LeaveOut, bank_data
from bot.services.retrieval.chunks import chunk_markdown, passages_of

ANSWERS = Path(__file__).resolve().parents[1] / "data" / "answers"
TUNING = ANSWERS / "tuning"
# Each tuning shop under its bank name: its policies and its labelled questions.
SHOPS = {
    "sample": (
        BUNDLED / DEFAULT_SHOP,
        [ANSWERS / "questions.toml", ANSWERS / "questions_more.toml"],
    ),
    "homeware": (TUNING / "policies", [TUNING / "questions.toml"]),
    **{
        name: (TUNING / folder / "policies", [TUNING / folder / "questions.toml"])
        for name, folder in [
            ("kitchenware", "hearth"),
            ("electronics", "voltbay"),
            ("beauty", "glow"),
            ("toys", "maple"),
            ("pets", "kiwipet"),
            ("books", "inkwell"),
            ("jewellery", "claddagh"),
            ("coffee", "roastery"),
            ("clothing", "threadline"),
            ("garden", "greenhouse"),
            ("gifts", "printnest"),
            ("furniture", "sofahaus"),
            ("yarn", "woolly"),
            ("supplements", "vitaleaf"),
            ("cases", "casecraft"),
            ("autoparts", "gearbox"),
            ("candles", "emberwick"),
            ("hampers", "larder"),
            ("games", "meeple"),
        ]
    },
}


def test_the_bank_is_the_tuning_shops_questions_and_sections() -> None:
    bank = json.loads(BANK.read_text(encoding="utf-8"))
    assert bank == bank_data()
    expected = []
    for shop, (folder, questions) in SHOPS.items():
        chunks = {
            c.id: c
            for path in sorted(folder.glob("*.md"))
            for c in chunk_markdown(DEFAULT_SHOP, path.name, path.read_text(encoding="utf-8"))
        }
        for path in questions:
            with path.open("rb") as fh:
                for q in tomllib.load(fh)["question"]:
                    key = f"{shop}/{q['section']}"
                    expected.append({"shop": shop, "text": q["text"], "section": key})
                    section = chunks[q["section"]]
                    assert bank["sections"][key] == {
                        "title": section.title,
                        "passages": passages_of(section),
                    }, key
    assert bank["questions"] == expected


def test_a_measured_shop_leaves_its_own_questions_out_of_the_bank() -> None:
    """Some everyday questions ("do you take paypal") are worded the same in a tuning
    shop and in the held-out one; measuring a shop keeps them out of the bank, as it
    keeps out the shop's own."""
    rows = bank_data()["questions"]
    leave_out = LeaveOut("homeware", frozenset({"do you take paypal"}))
    kept = [q for q in rows if leave_out.keeps(q)]
    assert not any(q["shop"] == "homeware" for q in kept)
    assert not any(q["text"].lower() == "do you take paypal" for q in kept)
    others = [q for q in rows if q["shop"] != "homeware"]
    assert kept == [q for q in others if q["text"].lower() != "do you take paypal"]
    assert len(kept) < len(others)  # the wording is another shop's question too
