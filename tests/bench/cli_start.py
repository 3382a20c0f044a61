"""Benchmark: how long `python run_bot.py COMMAND` takes, start to exit (manual).

    python tests/bench/cli_start.py               # 10 runs of each command
    python tests/bench/cli_start.py --runs 20 --importtime
    python tests/bench/cli_start.py --baseline /tmp/old-checkout   # before/after

Runs each command in a child process against a scratch SQLite database holding one
shop with the example orders (imported first, not timed), and prints the fastest and
the median wall time of each, next to `python -c pass` (the interpreter's own start).
With --importtime it also prints the slowest imports of each command (`python -X
importtime`).  With --baseline DIR (another checkout of the project, e.g. from `git
archive`) each run of a command is followed by the same command from DIR, so both see
the same load on a busy machine.  CPU time (user + system) is printed too: it moves
less than wall time when other work shares the machine.  Not a test: times depend on
the machine and on what else runs on it.
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


def timed(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], capture_output=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()[-2000:]}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return elapsed, cpu


def summary(runs: list[tuple[float, float]]) -> str:
    wall = [w for w, _ in runs]
    cpu = [c for _, c in runs]
    return f"{min(wall):6.2f}s {statistics.median(wall):6.2f}s {statistics.median(cpu):6.2f}s"


def in_root(argv: list[str], root: Path) -> list[str]:
    return [str(root / "run_bot.py"), *argv[1:]] if argv[0] == RUN_BOT else argv


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
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
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
        columns = "fastest  median  med.CPU"
        header = columns + (f"  | baseline: {columns}" if args.baseline else "")
        print(f"{'command':<24} {header}   ({args.runs} runs each)")
        for label, argv in COMMANDS:
            ours: list[tuple[float, float]] = []
            theirs: list[tuple[float, float]] = []
            for _ in range(args.runs):
                ours.append(timed(argv, env, tmp))
                if args.baseline:
                    theirs.append(timed(in_root(argv, args.baseline), env, tmp))
            line = f"{label:<24} {summary(ours)}"
            if args.baseline:
                line += f"  |           {summary(theirs)}"
            print(line)
            if args.importtime and argv[0] == RUN_BOT:
                for row in slowest_imports(argv, env, tmp, top=5):
                    print(f"{'':<26}{row}")


if __name__ == "__main__":
    main()
