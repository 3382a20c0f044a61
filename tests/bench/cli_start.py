"""Benchmark: how long `python run_bot.py COMMAND` takes, start to exit (manual).

    python tests/bench/cli_start.py               # 10 runs of each command
    python tests/bench/cli_start.py --runs 20 --importtime

Runs each command in a child process against a scratch SQLite database holding one
shop with the example orders (imported first, not timed), and prints the fastest and
the median wall time of each, next to `python -c pass` (the interpreter's own start).
With --importtime it also prints the slowest imports of each command (`python -X
importtime`).  Not a test: times depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_BOT = str(ROOT / "run_bot.py")

COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass", ["-c", "pass"]),
    ("run_bot.py --help", [RUN_BOT, "--help"]),
    ("db current", [RUN_BOT, "db", "current"]),
    ("shop show acme", [RUN_BOT, "shop", "show", "acme"]),
    ("seller list acme", [RUN_BOT, "seller", "list", "acme"]),
    ("seller invite acme", [RUN_BOT, "seller", "invite", "acme"]),
    ("order-link MP-10231", [RUN_BOT, "order-link", "MP-10231"]),
    ("ask (offline answers)", [RUN_BOT, "ask", "how long does delivery take?"]),
]


def timed(argv: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], capture_output=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def slowest_imports(argv: list[str], env: dict[str, str], cwd: str, top: int) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], capture_output=True, env=env, cwd=cwd
    )
    rows = []
    for line in done.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit() and not name.startswith("   "):
                rows.append((int(cumulative), name.strip()))
    rows.sort(reverse=True)
    return [f"{us / 1000:7.0f} ms  {name}" for us, name in rows[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command")
    parser.add_argument("--importtime", action="store_true", help="show the slowest imports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "KNOWLEDGE_INDEX": f"{tmp}/index.json",
            "BOT_USERNAME": "bench_bot",
            "LINK_SECRET": "bench-link-secret-0123456789abcdef",
        }
        env.pop("LLM_MODEL", None)
        env.pop("LOG_LEVEL", None)
        orders = str(ROOT / "examples" / "orders.csv")
        timed([RUN_BOT, "import-orders", orders, "--shop", "acme"], env, tmp)
        timed([RUN_BOT, "ask", "warm the index and the model cache"], env, tmp)
        print(f"{'command':<24} {'fastest':>8} {'median':>8}   ({args.runs} runs each)")
        for label, argv in COMMANDS:
            times = [timed(argv, env, tmp) for _ in range(args.runs)]
            print(f"{label:<24} {min(times):7.2f}s {statistics.median(times):7.2f}s")
            if args.importtime and argv[0] == RUN_BOT:
                for row in slowest_imports(argv, env, tmp, top=5):
                    print(f"{'':<26}{row}")


if __name__ == "__main__":
    main()
