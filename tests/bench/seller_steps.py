"""Benchmark: the readers of what a seller types at their steps (not collected by pytest).

    python tests/bench/seller_steps.py                 # every file
    python tests/bench/seller_steps.py --tuning-only --misses   # while developing

Prints accuracy per step (`card_decision` under a request's card, `reject_reason`,
`amount` of a partial refund, `carrier` of a replacement) on the answers the readers
(`bot/understanding/seller_steps.py`) were developed on (the seller lines of
`bot/understanding/corpus/steps.jsonl`, and `steps_sellers.jsonl` by six other writers)
and on the held-out files (`tests/data/understanding/steps_eval_seller.jsonl`, written
with the readers; `steps_eval_sellers_others.jsonl`, `steps_eval_sellers_third.jsonl` and
`steps_eval_sellers_fourth.jsonl`,
by four more writers; never used to tune them, so their misses are never listed). A
value of null is text the step must not take: reading None is right for it. No figure
is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.understanding.seller_steps import (  # noqa: E402
    read_card_decision,
    read_carrier,
    read_reject_reason,
    read_typed_amount,
)

TUNING = {
    "tuning (corpus/steps.jsonl)": ROOT / "bot/understanding/corpus/steps.jsonl",
    "tuning, other hands (corpus/steps_sellers.jsonl)": ROOT
    / "bot/understanding/corpus/steps_sellers.jsonl",
}
HELD_OUT = {
    "held-out (steps_eval_seller.jsonl)": ROOT / "tests/data/understanding/steps_eval_seller.jsonl",
    "held-out, other hands (steps_eval_sellers_others.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_sellers_others.jsonl",
    "held-out, a third pair of hands (steps_eval_sellers_third.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_sellers_third.jsonl",
    "held-out, a fourth pair of hands (steps_eval_sellers_fourth.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_sellers_fourth.jsonl",
}


def _amount(text: str) -> Decimal | None:
    typed = read_typed_amount(text)
    return Decimal(typed.number) if typed is not None else None


def _decision(text: str) -> str | None:
    read = read_card_decision(text)
    return read.decision if read is not None else None


READERS: dict[str, Callable[[str], Any]] = {
    "card_decision": _decision,
    "reject_reason": read_reject_reason,
    "amount": _amount,
    "carrier": read_carrier,
}


def _want(step: str, value: Any) -> Any:
    return Decimal(value) if step == "amount" and value is not None else value


def measure(name: str, path: Path, misses: bool) -> None:
    if not path.exists():
        return
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if r["step"] in READERS]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong = []
    for row in rows:
        step = row["step"]
        got = READERS[step](row["text"])
        ok = got == _want(step, row["value"])
        total[step] += 1
        right[step] += ok
        if not ok:
            wrong.append(f"  {step:14} {row['text']!r}: {got}, expected {row['value']!r}")
    print(name)
    for step in READERS:
        if total[step]:
            print(f"  {step:14} {right[step]:3}/{total[step]:<3} {right[step] / total[step]:6.1%}")
    n, r = sum(total.values()), sum(right.values())
    print(f"  {'all':14} {r:3}/{n:<3} {r / n:6.1%}")
    if misses:
        print("\n".join(["  misses:", *wrong]) if wrong else "  misses: none")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the tuning files' misses")
    parser.add_argument("--tuning-only", action="store_true", help="only the tuning files")
    args = parser.parse_args()
    for name, path in TUNING.items():
        measure(name, path, args.misses)
    if not args.tuning_only:
        for name, path in HELD_OUT.items():
            measure(name, path, misses=False)  # held-out misses are never listed
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
