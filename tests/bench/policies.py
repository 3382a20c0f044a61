"""Benchmark: how often the offline engine finds the right policy section, and whether it
says "sure" when it should not (not collected by pytest).

    python tests/bench/policies.py              # the tuning sets only
    python tests/bench/policies.py --heldout    # + the held-out evaluation folder
    python tests/bench/policies.py --misses     # + every miss of the tuning sets
    python tests/bench/policies.py --rough      # every question as a hurried buyer types it

Sets:

* sample, stripped: the bundled sample (prompts/knowledge/default) with its hidden
  `<!-- search: ... -->` lines removed, and tests/data/answers/questions.toml with
  questions_more.toml: how the engine does on a shop's own files, which have no such
  lines;
* sample, as shipped: the same with the search lines (what the bundled demo answers);
* sample es: the sample's Spanish translation (prompts/knowledge/default/es, no search
  lines) and tests/data/answers/questions_es.toml: the Spanish tuning set;
* tuning: tests/data/answers/tuning/ (a homeware shop, no search lines), and the eleven
  shops in its subfolders (SHOPS below: UK kitchenware, US electronics, ... Canadian
  gifts), each with policies/ and questions.toml;
* held-out (`--heldout` only): tests/data/understanding/policies/ and
  policy_questions.jsonl, an outdoor-gear shop written for evaluation; and
  policies_es/ with policy_questions_es.jsonl, a Spanish fashion shop.  Never tune on
  it: run it to measure, rarely, and never read its misses to choose features (this
  script prints only its figures).

Printed per set: top-1 and top-3 section accuracy, the share of right answers given
as "sure", the share a buyer reaches with at most one tap (answered with the right
section, or offered it: `Answer.offered`, the next two under an answer the bot is fairly
sure of, the first three when it is not sure enough to answer), and for the questions
the policies do not answer the share answered as "sure" (a count: should be 0) and as
at least "fairly sure", and the mean time of one search in milliseconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from buyer_noise import rough

from bot.domain.language_detect import ENGLISH, SPANISH
from bot.services.answers import from_hits, sureness
from bot.services.knowledge import BUNDLED, DEFAULT_SHOP, KnowledgeBase
from bot.services.retrieval import semantic
from bot.services.retrieval.bridge import LeaveOut
from bot.services.retrieval.chunks import Chunk, chunk_markdown

TESTS = Path(__file__).resolve().parents[1]
ANSWERS = TESTS / "data" / "answers"
HELD_OUT = TESTS / "data" / "understanding"
# More tuning shops, each a folder with policies/ and questions.toml, written in other
# styles (UK prose with an FAQ of one heading per question; US terse bullet lists).
SHOPS = {
    "kitchenware, UK": ANSWERS / "tuning" / "hearth",
    "electronics, US": ANSWERS / "tuning" / "voltbay",
    # Written later, after the piece matching and the question bank were designed:
    # Australian beauty and skincare, Canadian toys and baby products.
    "beauty, AU": ANSWERS / "tuning" / "glow",
    "toys, CA": ANSWERS / "tuning" / "maple",
    # Then four more, to grow the question bank: New Zealand pet supplies (every heading
    # a question), UK books (long prose), Irish jewellery (lists and paragraphs), US
    # coffee (terse, with ### sub-sections).
    "pets, NZ": ANSWERS / "tuning" / "kiwipet",
    "books, UK": ANSWERS / "tuning" / "inkwell",
    "jewellery, IE": ANSWERS / "tuning" / "claddagh",
    "coffee, US": ANSWERS / "tuning" / "roastery",
    # And three more, with four more questions a section for every shop above, to give
    # the encoder's tuning more and more varied wording: US clothing and shoes (friendly
    # prose), a UK garden centre (chatty prose, numbered steps), Canadian personalised
    # gifts and prints (terse lists, ### sub-sections).
    "clothing, US": ANSWERS / "tuning" / "threadline",
    "garden, UK": ANSWERS / "tuning" / "greenhouse",
    "gifts, CA": ANSWERS / "tuning" / "printnest",
    # And eight more in new trades, each written by another hand (a helper that saw
    # only a brief: the trade, the style, and that buyers word things their own way):
    # US furniture and mattresses (FAQ prose), UK yarn (long chatty prose), Australian
    # supplements (terse lists), US phone cases (every heading a question), Canadian
    # auto parts (numbered clauses, tables), US candles (short FAQ under ### headings),
    # UK food hampers (formal numbered terms), Irish games (mixed, playful).
    "furniture, US": ANSWERS / "tuning" / "sofahaus",
    "yarn, UK": ANSWERS / "tuning" / "woolly",
    "supplements, AU": ANSWERS / "tuning" / "vitaleaf",
    "cases, US": ANSWERS / "tuning" / "casecraft",
    "autoparts, CA": ANSWERS / "tuning" / "gearbox",
    "candles, US": ANSWERS / "tuning" / "emberwick",
    "hampers, UK": ANSWERS / "tuning" / "larder",
    "games, IE": ANSWERS / "tuning" / "meeple",
}


@dataclass
class PolicySet:
    name: str
    chunks: list[Chunk]
    questions: list[tuple[str, str]]  # (text, section id)
    unanswerable: list[str]
    language: str = ENGLISH
    # Its name in the question bank (retrieval/bridge.py), whose questions stay out of
    # the bank when this set is measured: a shop is never scored with its own questions
    # (nor with bank questions worded as one of its own).
    bank_name: str | None = None

    def leave_out(self) -> LeaveOut:
        asked = [text for text, _ in self.questions] + self.unanswerable
        return LeaveOut(self.bank_name, frozenset(t.lower() for t in asked))


@dataclass
class Figures:
    top1: float
    top3: float
    right_and_sure: float  # of the questions, answered with the right section as "sure"
    # ... answered with the right section, or offered it as a button (under an answer
    # the bot is fairly sure of, or instead of one it is not): at most one tap away.
    tap: float
    false_sure: float  # of the unanswerable, answered as "sure"
    false_fairly: float  # of the unanswerable, answered as "sure" or "fairly sure"
    misses: list[str]
    false_sure_count: int = 0
    latency_ms: float = 0.0  # mean time of one search


def folder_chunks(folder: Path, strip: bool, language: str = ENGLISH) -> list[Chunk]:
    chunks: list[Chunk] = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        chunks += chunk_markdown(DEFAULT_SHOP, path.name, text, language)
    if strip:
        chunks = [dataclasses.replace(c, search_terms="") for c in chunks]
    return chunks


def toml_set(
    name: str,
    folder: Path,
    questions: Path | list[Path],
    strip: bool,
    language: str = ENGLISH,
    bank_name: str | None = None,
) -> PolicySet:
    """A set from its policies folder and its questions file (or files, read in turn)."""
    data: dict[str, list[dict[str, str]]] = {"question": [], "unanswerable": []}
    for path in questions if isinstance(questions, list) else [questions]:
        with path.open("rb") as fh:
            part = tomllib.load(fh)
        for kind, rows in data.items():
            rows += part.get(kind, [])
    return PolicySet(
        name,
        folder_chunks(folder, strip, language),
        [(q["text"], q["section"]) for q in data["question"]],
        [q["text"] for q in data["unanswerable"]],
        language,
        bank_name,
    )


def tuning_sets() -> list[PolicySet]:
    sample = BUNDLED / DEFAULT_SHOP
    questions = [ANSWERS / "questions.toml", ANSWERS / "questions_more.toml"]
    return [
        toml_set("sample, stripped", sample, questions, strip=True, bank_name="sample"),
        toml_set("sample, as shipped", sample, questions, strip=False, bank_name="sample"),
        toml_set(
            "sample es (translation)",
            sample / SPANISH,
            ANSWERS / "questions_es.toml",
            strip=False,
            language=SPANISH,
        ),
        toml_set(
            "tuning (homeware)",
            ANSWERS / "tuning" / "policies",
            ANSWERS / "tuning" / "questions.toml",
            strip=True,
            bank_name="homeware",
        ),
        *(
            toml_set(
                f"tuning ({shop})",
                folder / "policies",
                folder / "questions.toml",
                True,
                bank_name=shop.split(",")[0],
            )
            for shop, folder in SHOPS.items()
        ),
    ]


def bank_shops() -> list[PolicySet]:
    """The English tuning shops, once each (the sample stripped of its search lines):
    the question bank's shops, and what tests/bench/policy_weights.py fits on."""
    return [s for s in tuning_sets() if s.language == ENGLISH and s.name != "sample, as shipped"]


def _held_out(name: str, policies: str, questions_file: str, language: str = ENGLISH) -> PolicySet:
    """A held-out shop: its policies without search lines and its labelled questions
    (a null section: a question the policies do not answer). Never tune on it."""
    questions: list[tuple[str, str]] = []
    unanswerable: list[str] = []
    for line in (HELD_OUT / questions_file).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row["section"] is None:
                unanswerable.append(row["question"])
            else:
                questions.append((row["question"], row["section"]))
    chunks = folder_chunks(HELD_OUT / policies, strip=True, language=language)
    return PolicySet(name, chunks, questions, unanswerable, language)


def held_out_set() -> PolicySet:
    return _held_out("held-out (outdoor gear)", "policies", "policy_questions.jsonl")


def held_out_set_es() -> PolicySet:
    """The Spanish held-out shop, searched as a Spanish shop's `es/` folder is."""
    return _held_out("held-out es (fashion)", "policies_es", "policy_questions_es.jsonl", SPANISH)


def add_tuning_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tuning",
        help="the encoder's tuning file instead of the bot's (tests/bench/encoder_tuning.py"
        " --fold writes one without a shop), or 'none' for the stock encoder",
    )


def fold_file(folder: Path, shop: str) -> Path:
    """Where encoder_tuning.py --fold keeps, in `folder`, the tuning fitted without `shop`."""
    return folder / f"fold_{''.join(c for c in shop if 'a' <= c <= 'z')}.npz"


def use_tuning(tuning: str | None) -> None:
    """Search with another tuning of the encoder (before the encoder is first loaded)."""
    if tuning is not None:
        semantic.TUNING = None if tuning == "none" else Path(tuning)


def measure(policy_set: PolicySet, asked: Callable[[str], str] = str) -> Figures:
    """The set's figures, each question put to the search as `asked(question)`."""
    kb = KnowledgeBase(policy_set.chunks, bank_leave_out=policy_set.leave_out())
    known = {c.id for c in policy_set.chunks}
    wrong = [s for _, s in policy_set.questions if s not in known]
    if wrong:
        raise SystemExit(f"{policy_set.name}: no such sections: {sorted(set(wrong))}")
    top1 = top3 = sure_right = tap = 0
    misses = []
    started = time.perf_counter()
    for text, section in policy_set.questions:
        hits = kb.search(asked(text), None, k=3, language=policy_set.language)
        ids = [h.chunk.id for h in hits]
        top3 += section in ids
        # Answered with it, or offered it: what the chat does with these hits.
        answer = from_hits(hits, policy_set.language)
        quoted = not answer.missed and answer.sources[0].id == section
        tap += quoted or section in {s.id for s in answer.offered}
        if ids[:1] == [section]:
            top1 += 1
            sure_right += sureness(hits[0].confidence) == "sure"
        else:
            got = f"{ids[0]} ({hits[0].confidence:.2f})" if ids else "nothing"
            misses.append(f"{text!r}: got {got}, want {section}")
    elapsed = time.perf_counter() - started
    sure = fairly = 0
    for text in policy_set.unanswerable:
        hits = kb.search(asked(text), None, k=1, language=policy_set.language)
        level = sureness(hits[0].confidence) if hits else "unsure"
        sure += level == "sure"
        fairly += level != "unsure"
        if level != "unsure":
            misses.append(f"unanswerable {text!r}: {level} ({hits[0].chunk.id})")
    n, u = len(policy_set.questions) or 1, len(policy_set.unanswerable) or 1
    latency = 1000 * elapsed / n
    return Figures(
        top1 / n, top3 / n, sure_right / n, tap / n, sure / u, fairly / u, misses, sure, latency
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--heldout", action="store_true", help="also the evaluation folder")
    parser.add_argument("--misses", action="store_true", help="print the tuning sets' misses")
    parser.add_argument("--only", action="append", help="only this set (may repeat)")
    parser.add_argument(
        "--rough",
        action="store_true",
        help="ask every question as a hurried buyer types it (buyer_noise.py: typos,"
        " shorthand, lower case)",
    )
    add_tuning_option(parser)
    args = parser.parse_args()
    use_tuning(args.tuning)
    sets = tuning_sets() + ([held_out_set(), held_out_set_es()] if args.heldout else [])
    if args.only:
        sets = [s for s in sets if s.name in args.only]
    print(
        f"{'set':26} {'sections':>8} {'questions':>9} {'top-1':>6} {'top-3':>6}"
        f" {'right+sure':>10} {'1 tap':>6} {'unanswerable':>12} {'sure':>5} {'>=fairly':>8}"
        f" {'ms/q':>5}"
    )
    for policy_set in sets:
        f = measure(policy_set, rough if args.rough else str)
        print(
            f"{policy_set.name:26} {len(policy_set.chunks):>8} {len(policy_set.questions):>9}"
            f" {f.top1:>6.1%} {f.top3:>6.1%} {f.right_and_sure:>10.1%} {f.tap:>6.1%}"
            f" {len(policy_set.unanswerable):>12} {f.false_sure_count:>5} {f.false_fairly:>8.0%}"
            f" {f.latency_ms:>5.2f}"
        )
        if args.misses and not policy_set.name.startswith("held-out"):  # never held-out
            for miss in f.misses:
                print("   ", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
