"""Benchmark: fit the weights of the policy search's piece-by-piece re-ranking on the
tuning shops, and show what they are worth on a shop they did not see (not collected by
pytest).

    python tests/bench/policy_weights.py
    python tests/bench/policy_weights.py --folds /tmp   # each shop read by its fold's encoder

For every question of the English tuning shops (tests/bench/policies.py), every
section's signals are read as the search reads them (`knowledge.Signals`: closest
paragraph, heading, word score, plain and rare-weighted piece match), and a linear
ranking model (a softmax over the shop's sections, L2-regularised) is fitted to put the
right section first.  Each shop is then scored with the weights fitted on the other
others, and the weights fitted on all of them are printed relative to the closest
paragraph's, which is how knowledge.py writes them (LATE_TITLE, LATE_LEXICAL,
LATE_SHARE; the two piece matches share one weight there, rounded).  The encoder is
tuned on these shops' questions (retrieval/tuning.py), so with `--folds` each shop's
signals come from the encoder tuned without it (tests/bench/encoder_tuning.py --fold):
otherwise the closest paragraph would look better than it is on a new shop.  The
held-out folder is never read here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from policies import PolicySet, bank_shops, fold_file

from bot.services import knowledge
from bot.services.retrieval import late, semantic

NAMES = ("closest", "heading", "lexical", "plain", "rare", "bridge")
L2 = 0.01
STEPS = 250


def signals(policy_set: PolicySet) -> list[tuple[np.ndarray, int]]:
    """Per question, its sections' signals (a row each) and the right section's row."""
    kb = knowledge.KnowledgeBase(policy_set.chunks, bank_leave_out=policy_set.leave_out())
    ids = [c.id for c in policy_set.chunks]
    late.LATE_POOL = len(ids)  # every section re-ranked: every section's signals
    out = []
    for text, section in policy_set.questions:
        rows = np.zeros((len(ids), len(NAMES)))
        for hit in kb.search(text, None, k=len(ids)):
            assert hit.signals is not None
            rows[ids.index(hit.chunk.id)] = [getattr(hit.signals, n) for n in NAMES]
        out.append((rows, ids.index(section)))
    return out


def fit(questions: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Weights (one per signal, in the signals' own units) that put the right section
    first: softmax cross-entropy over each question's sections, Adam, full batch."""
    stacked = np.concatenate([x for x, _ in questions])
    mean, spread = stacked.mean(0), stacked.std(0) + 1e-9
    scaled = [((x - mean) / spread, y) for x, y in questions]
    w, m, v = np.zeros(len(NAMES)), np.zeros(len(NAMES)), np.zeros(len(NAMES))
    for step in range(1, STEPS + 1):
        grad = L2 * w
        for x, y in scaled:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            grad += (p @ x - x[y]) / len(scaled)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w / spread


def top1(questions: list[tuple[np.ndarray, int]], weights: np.ndarray) -> float:
    return sum(int(np.argmax(x @ weights)) == y for x, y in questions) / len(questions)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--folds",
        type=Path,
        help="a folder of the encoder's tunings each fitted without one shop"
        " (encoder_tuning.py --fold): each shop's signals come from its own",
    )
    args = parser.parse_args()
    shops = {}
    for policy_set in bank_shops():
        if args.folds:
            semantic.TUNING = fold_file(args.folds, policy_set.name)
            if not semantic.TUNING.is_file():
                print(f"left out (no tuning without it): {policy_set.name}")
                continue
            semantic.load_encoder.cache_clear()
        shops[policy_set.name] = signals(policy_set)
    shipped = np.array(
        [
            1.0,
            knowledge.LATE_TITLE,
            knowledge.LATE_LEXICAL,
            knowledge.LATE_SHARE,
            knowledge.LATE_SHARE,
            knowledge.BRIDGE_SHARE,
        ]
    )
    before = np.array([1.0, knowledge.TITLE_SHARE, knowledge.LEXICAL_SHARE, 0.0, 0.0, 0.0])
    print(f"{'left out':26} {'before':>7} {'fitted':>7} {'shipped':>7}   weights fitted without it")
    scores = []
    for name, questions in shops.items():
        others = [q for other, qs in shops.items() if other != name for q in qs]
        w = fit(others)
        row = (top1(questions, before), top1(questions, w), top1(questions, shipped))
        scores.append(row)
        print(
            f"{name:26} {row[0]:>7.1%} {row[1]:>7.1%} {row[2]:>7.1%}  ",
            " ".join(f"{n}={x / w[0]:.2f}" for n, x in zip(NAMES, w, strict=True)),
        )
    mean = np.mean(scores, axis=0)
    print(f"{'mean':26} {mean[0]:>7.1%} {mean[1]:>7.1%} {mean[2]:>7.1%}")
    w = fit([q for qs in shops.values() for q in qs])
    print(
        f"fitted on all {len(shops)}:",
        " ".join(f"{n}={x / w[0]:.2f}" for n, x in zip(NAMES, w, strict=True)),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
