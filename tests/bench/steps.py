"""Benchmark: the typed-answer interpreters of the return flow (not collected by pytest).

    python tests/bench/steps.py            # every file
    python tests/bench/steps.py --misses   # also list what the tuning files read wrong
    python tests/bench/steps.py --tuning-only --misses   # while developing

Prints accuracy per step kind (quantity, yes_no, return_reason, claim_type, rating) on
the examples the interpreters were developed on (`bot/understanding/corpus/steps.jsonl`,
and `steps_others.jsonl` by two other writers) and on the held-out files
(`tests/data/understanding/steps_eval.jsonl`, written before the interpreters, and
`steps_eval_others.jsonl`, by two more writers; never used to tune them, so their misses
are never listed). A value of null is a message the step cannot use: reading None is
right for it, and None for any other value is a miss. No figure is asserted.

The kind and the reason steps also take a button's place ("the first one", "option 2":
`handlers/buyer/returns._nth_button`), and the reason step a reason learned from the
corpus's labelled answers for words no pattern knows (`bot/understanding/learned.py`),
so a column "with places" reads those steps as the flow does when every kind or reason
is offered, in the order the brief lists them (the flow offers those that fit the
order, in the same order).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.domain.enums import ClaimReason, ClaimType  # noqa: E402
from bot.understanding import steps  # noqa: E402
from bot.understanding.ratings import read_rating  # noqa: E402

FILES = {
    "tuning (corpus/steps.jsonl)": ROOT / "bot/understanding/corpus/steps.jsonl",
    "tuning, other hands (corpus/steps_others.jsonl)": ROOT
    / "bot/understanding/corpus/steps_others.jsonl",
    "tuning, chat styles (corpus/steps_chat.jsonl)": ROOT
    / "bot/understanding/corpus/steps_chat.jsonl",
    "held-out (steps_eval.jsonl)": ROOT / "tests/data/understanding/steps_eval.jsonl",
    "held-out, other hands (steps_eval_others.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_others.jsonl",
    "held-out, Spanish by other hands (steps_eval_es_others.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_es_others.jsonl",
    "held-out, chat styles (steps_eval_chat.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_chat.jsonl",
    "held-out, a third pair of hands (steps_eval_buyers_third.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_buyers_third.jsonl",
    "held-out, ratings by other hands (steps_eval_ratings_others.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_ratings_others.jsonl",
}


def _value(read: Any) -> Any:
    return read.value if hasattr(read, "value") else read


# The buttons of the steps that take a place, in the order they are shown.
BUTTONS: dict[str, list[str]] = {
    "return_reason": [r.value for r in ClaimReason],
    "claim_type": [t.value for t in ClaimType],
}

READERS: dict[str, Callable[[str], Any]] = {
    "quantity": steps.read_quantity,
    "yes_no": steps.yes_no,
    "return_reason": steps.return_reason,
    "claim_type": steps.claim_type,
    "rating": read_rating,
}


def _placed(kind: str, text: str, got: Any) -> Any:
    """What the step takes: the reader's value, else the button at the place typed,
    else (at the reason step) the reason learned from the corpus's labelled answers
    (`steps.learned_reason`)."""
    if got is not None or kind not in BUTTONS:
        return got
    index = steps.position(text, len(BUTTONS[kind]))
    if index is not None:
        return BUTTONS[kind][index]
    return _value(steps.learned_reason(text)) if kind == "return_reason" else None


def measure(path: Path, show_misses: bool) -> None:
    right: Counter[str] = Counter()
    placed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        row = json.loads(raw)
        reader = READERS.get(row["step"])
        if reader is None:
            continue  # a step kind the return flow does not read (carrier, rating, ...)
        total[row["step"]] += 1
        got = _value(reader(row["text"]))
        placed[row["step"]] += _placed(row["step"], row["text"], got) == row["value"]
        if got == row["value"]:
            right[row["step"]] += 1
        else:
            misses.append(
                f"  {row['step']:<14} {row['text']!r}: {got!r}, expected {row['value']!r}"
            )
    print(f"  {'step':<14} {'readers':>13}  with places")
    for kind in READERS:
        if total[kind]:
            share = 100 * right[kind] / total[kind]
            print(
                f"  {kind:<14} {right[kind]:>3}/{total[kind]:<3} {share:5.1f}%"
                f"  {100 * placed[kind] / total[kind]:5.1f}%"
            )
    overall, correct = sum(total.values()), sum(right.values())
    print(
        f"  {'all':<14} {correct:>3}/{overall:<3} {100 * correct / overall:5.1f}%"
        f"  {100 * sum(placed.values()) / overall:5.1f}%"
    )
    if show_misses and misses:
        print("  misses:")
        print("\n".join(misses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the answers read wrong")
    parser.add_argument(
        "--tuning-only", action="store_true", help="only the tuning file (while developing)"
    )
    args = parser.parse_args()
    for title, path in FILES.items():
        if args.tuning_only and not title.startswith("tuning"):
            continue
        print(title)
        measure(path, args.misses and title.startswith("tuning"))


if __name__ == "__main__":
    main()
