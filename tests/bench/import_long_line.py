"""Benchmark: peak memory of `import-orders` on a file with one huge line (manual).

    python tests/bench/import_long_line.py              # a 100 MB CSV line
    python tests/bench/import_long_line.py --mb 500 --format jsonl

Writes a header and one order row whose product name is `--mb` megabytes long, runs
`python run_bot.py import-orders` on it in a child process against a scratch SQLite
database, and prints the child's exit status and peak resident memory (ru_maxrss).
The file is refused either way; what this measures is what refusing it costs.  Not a
test: memory figures depend on the machine, and writing the file takes a while.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from storage.importers.csv_orders import COLUMNS  # noqa: E402


def write_file(path: Path, megabytes: int, fmt: str) -> None:
    with (ROOT / "examples" / "orders.csv").open(newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    filler = "x" * (1024 * 1024)
    with path.open("w", encoding="utf-8", newline="") as out:
        if fmt == "csv":
            out.write(",".join(COLUMNS) + "\n")
            cells = [row[c] if c != "product_name" else "@" for c in COLUMNS]
            head, tail = ",".join(f'"{c}"' for c in cells).split('"@"')
            out.write(head + '"')
        else:
            out.write('{"order_number": "BIG-1", "shipping_address": "')
        for _ in range(megabytes):
            out.write(filler)
        out.write('"' + tail + "\n" if fmt == "csv" else '"}\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="length of the line in MiB")
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"long.{args.format}"
        write_file(path, args.mb, args.format)
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db"}
        env.setdefault("LOG_FORMAT", "text")
        result = subprocess.run(
            [sys.executable, str(ROOT / "run_bot.py"), "import-orders", str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp,
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_mb = path.stat().st_size / (1024 * 1024)
    report = result.stderr.strip().splitlines()
    print(
        json.dumps(
            {
                "file_mb": round(size_mb, 1),
                "exit_status": result.returncode,
                "peak_rss_mb": round(peak_mb, 1),
                "last_line": report[-1][:200] if report else "",
            }
        )
    )


if __name__ == "__main__":
    main()
