"""Benchmark: which items a typed answer picks at the return's items step (not collected
by pytest).

    python tests/bench/item_steps.py            # every file
    python tests/bench/item_steps.py --tuning-only --misses   # while developing

The items step shows one button per item of the order ("Stoneware mug, sage green —
up to 2") and many buyers type instead: "the mug pls", "the grey one", "2", "both
tees", "the hoodie, it came with a hole". Each line of the files below holds the
order's item names, the typed answer and the numbers of the items it picks (1 = the
first button), or null when it picks none or cannot tell two apart ("the black one" of
two black items, a question). `bot.understanding.items.chosen_items` reads them as the
items step does. A line is right when the same items are picked (counts are the
quantity step's, not measured here), or nothing for null.

The tuning file (`bot/understanding/corpus/steps_items.jsonl`) is what the reader is
developed on; the held-out file (`tests/data/understanding/steps_eval_items.jsonl`,
written by two other writers) is never used to tune it, so its misses are never
listed. No figure is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.understanding.items import chosen_items  # noqa: E402

TUNING = ROOT / "bot/understanding/corpus/steps_items.jsonl"
HELD_OUT = ROOT / "tests/data/understanding/steps_eval_items.jsonl"


def picked(text: str, names: list[str]) -> list[int] | None:
    """The item numbers (from 1) the items step takes from `text`, or None."""
    chosen = chosen_items(text, names)
    return None if chosen is None else sorted(i + 1 for i in chosen.indexes)


def measure(path: Path, show_misses: bool) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    for row in rows:
        kind = "null" if row["value"] is None else "several" if len(row["value"]) > 1 else "one"
        got = picked(row["text"], row["items"])
        total[kind] += 1
        if got == row["value"]:
            right[kind] += 1
        else:
            misses.append(f"  {row['text']!r}: {got} (want {row['value']}) in {row['items']}")
    print(f"{path.relative_to(ROOT)}")
    for kind in ("one", "several", "null"):
        if total[kind]:
            share = right[kind] / total[kind]
            print(f"  {kind:<8} {right[kind]:>4}/{total[kind]:<4} {share:6.1%}")
    all_right, all_total = sum(right.values()), sum(total.values())
    print(f"  {'all':<8} {all_right:>4}/{all_total:<4} {all_right / all_total:6.1%}")
    if show_misses:
        print("\n".join(misses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the tuning file's misses")
    parser.add_argument("--tuning-only", action="store_true", help="leave the held-out file out")
    args = parser.parse_args()
    if TUNING.exists():
        measure(TUNING, args.misses)
    if not args.tuning_only and HELD_OUT.exists():
        measure(HELD_OUT, show_misses=False)  # held-out misses are never read


if __name__ == "__main__":
    main()
