"""Benchmark: the return-tracking step's reader (`bot/understanding/carrier_names.py`) on
typed carrier and tracking answers (not collected by pytest).

    python tests/bench/carriers.py

Two sets, each line `{"step": "carrier", "text": ..., "value": ...}`:

* `bot/understanding/corpus/steps.jsonl`, its `carrier` lines: the development set
  (the reader's rules were written against it);
* `tests/data/understanding/steps_eval_carrier.jsonl`: held out, never used to write or
  tune the rules.  Its lines may also carry `tracking_number` (the number the step
  should record, when the text has a valid one) and `problem` (`check_digit` or
  `format`, when the text has a number the step must refuse); `value` is the carrier
  the step ends with: named, or given by the number's format, or null.

Printed per set: carrier accuracy, and on the held-out set also the accuracy of the
whole reading (carrier, recorded number and problem all right), with every miss.
No figure is asserted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.understanding.carrier_names import read_tracking_answer  # noqa: E402

SETS = {
    "dev (steps.jsonl)": ROOT / "bot/understanding/corpus/steps.jsonl",
    "held-out (steps_eval_carrier.jsonl)": ROOT
    / "tests/data/understanding/steps_eval_carrier.jsonl",
}


def load(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if row["step"] == "carrier"]


def measure(name: str, rows: list[dict[str, Any]]) -> None:
    carrier_right = whole_right = 0
    misses: list[str] = []
    for row in rows:
        reading = read_tracking_answer(row["text"])
        problem = reading.problem.value if reading.problem else None
        carrier_ok = reading.carrier == row["value"]
        whole_ok = (
            carrier_ok
            and reading.number == row.get("tracking_number")
            and problem == row.get("problem")
        )
        carrier_right += carrier_ok
        whole_right += whole_ok
        if not whole_ok:
            misses.append(
                f"    {row['text']!r}: got carrier={reading.carrier} number={reading.number} "
                f"problem={problem}; want carrier={row['value']} "
                f"number={row.get('tracking_number')} problem={row.get('problem')}"
            )
    total = len(rows)
    print(f"{name}: {total} answers")
    print(f"  carrier accuracy      {carrier_right / total:6.1%} ({carrier_right}/{total})")
    print(f"  whole-reading accuracy {whole_right / total:6.1%} ({whole_right}/{total})")
    for miss in misses:
        print(miss)


def main() -> None:
    for name, path in SETS.items():
        measure(name, load(path))


if __name__ == "__main__":
    main()
