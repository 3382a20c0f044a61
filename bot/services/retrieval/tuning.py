"""The sentence encoder, tuned for shop support: a small change to all-MiniLM-L6-v2's
weights, applied when the model is loaded.

The stock model was trained on web questions and their answers, not on buyers and shop
policies.  Fine-tuned on the question bank (buyers' questions, each with the paragraph
of its own shop that answers it, and the closest paragraph that does not as the one to
push away), it finds the answering section far more often on shops it never saw
(tests/bench/encoder_tuning.py trains it and measures that, shop by shop).

The model file is weight-only int8: each weight matrix is an int8 initializer `<m>_q`
with a float scale per output column `<m>_scale`, turned into floats in the graph (Cast,
then Mul).  The tuning file (`minilm_tuning.npz`, numpy's own archive of plain arrays:
no pickle, readable by any numpy version) holds

- `<m>.u`, `<m>.v`: a low-rank change of matrix `<m>` (float16, rank 32);
- `<name>` for a float initializer (the biases and LayerNorm weights): its new value;
- `model_sha256`: the model file the change was fitted on; on any other file the change
  is not applied (it would mean nothing there).

At load time each changed matrix becomes a float initializer (the stock matrix plus its
change) with a scale of ones, written into a copy of the model file in memory, which
onnxruntime then loads as usual: the graph, its optimizations and the dependencies stay
as they are; nothing is downloaded and no training library is needed to run.  Memory
is the same: onnxruntime folds the int8 matrices into floats at load anyway.  Two
things that look simpler do not work: quantizing the tuned matrices back to int8 loses
most of the change (it is about a tenth of an int8 step: coffee shop 77% → 72%), and
onnxruntime's overriding initializers (`SessionOptions.add_initializer`) are ignored
for these matrices, because constant folding has already used the file's values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TUNING = Path(__file__).with_name("minilm_tuning.npz")

# ONNX's protobuf field numbers (onnx.proto): ModelProto.graph, GraphProto.initializer,
# TensorProto.dims / data_type / name / raw_data, and its data types.
_GRAPH, _INITIALIZER = 7, 5
_DIMS, _DATA_TYPE, _NAME, _RAW = 1, 2, 8, 9
_FLOAT = 1
_DTYPES: dict[int, np.dtype[Any]] = {_FLOAT: np.dtype("<f4"), 3: np.dtype("i1"), 7: np.dtype("<i8")}
_VARINT, _LENGTH = 0, 2


def _varint(buf: memoryview, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _length_field(number: int, payload: bytes) -> bytes:
    return _varint_bytes(number << 3 | _LENGTH) + _varint_bytes(len(payload)) + payload


@dataclass(frozen=True, slots=True)
class _Field:
    """One protobuf field, by offsets into the whole file: it spans [head, end); a
    length-delimited field's bytes are [start, end), a varint's value is `value`."""

    number: int
    wire: int
    head: int
    start: int
    end: int
    value: int = 0


def _fields(buf: memoryview, start: int, end: int) -> Iterator[_Field]:
    """The fields of the message in buf[start:end]."""
    i = start
    while i < end:
        head = i
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, i = _varint(buf, i)
            yield _Field(number, wire, head, i, i, value)
        elif wire == _LENGTH:
            length, i = _varint(buf, i)
            yield _Field(number, wire, head, i, i + length)
            i += length
        elif wire in (1, 5):  # fixed width: nothing read here uses them
            i += 8 if wire == 1 else 4
            yield _Field(number, wire, head, i, i)
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _name(buf: memoryview, message: _Field) -> str:
    for field in _fields(buf, message.start, message.end):
        if field.number == _NAME:
            return bytes(buf[field.start : field.end]).decode("utf-8")
    return ""


def _tensor(buf: memoryview, message: _Field) -> np.ndarray | None:
    """An initializer's value (None unless raw data of a type read here)."""
    dtype, raw = 0, None
    dims: list[int] = []
    for field in _fields(buf, message.start, message.end):
        if field.number == _DATA_TYPE:
            dtype = field.value
        elif field.number == _DIMS and field.wire == _LENGTH:  # packed
            j = field.start
            while j < field.end:
                dim, j = _varint(buf, j)
                dims.append(dim)
        elif field.number == _DIMS:
            dims.append(field.value)
        elif field.number == _RAW:
            raw = field
    if raw is None or dtype not in _DTYPES:
        return None
    value = np.frombuffer(bytes(buf[raw.start : raw.end]), dtype=_DTYPES[dtype])
    return value.reshape(dims)


def _float_tensor(name: str, value: np.ndarray) -> bytes:
    """A TensorProto of float32 raw data."""
    dims = b"".join(_varint_bytes(_DIMS << 3 | _VARINT) + _varint_bytes(d) for d in value.shape)
    dtype = _varint_bytes(_DATA_TYPE << 3 | _VARINT) + _varint_bytes(_FLOAT)
    raw = np.ascontiguousarray(value, dtype="<f4").tobytes()
    return dims + dtype + _length_field(_NAME, name.encode("utf-8")) + _length_field(_RAW, raw)


def _graph(buf: memoryview) -> _Field:
    for field in _fields(buf, 0, len(buf)):
        if field.number == _GRAPH:
            return field
    raise ValueError("no graph in the model file")


def initializers(model: bytes, wanted: set[str] | None = None) -> dict[str, np.ndarray]:
    """An ONNX model file's initializers stored as raw data (only the `wanted` ones,
    when given: the rest is not copied).  A reader of the few protobuf fields needed, so
    that neither `onnx` nor generated code is a dependency."""
    buf = memoryview(model)
    graph = _graph(buf)
    out: dict[str, np.ndarray] = {}
    for field in _fields(buf, graph.start, graph.end):
        if field.number != _INITIALIZER:
            continue
        name = _name(buf, field)
        if wanted is None or name in wanted:
            value = _tensor(buf, field)
            if value is not None:
                out[name] = value
    return out


def _read(tuning: Path) -> dict[str, np.ndarray]:
    with np.load(tuning, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def tuned_values(model: bytes, tuning: Path) -> dict[str, np.ndarray]:
    """The initializers the tuning changes, with their new (float) values."""
    return _values(model, _read(tuning))


def _values(model: bytes, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    arrays = {key: value for key, value in arrays.items() if key != "model_sha256"}
    matrices = sorted(key[:-2] for key in arrays if key.endswith(".u"))
    wanted = {f"{m}_{part}" for m in matrices for part in ("q", "scale")}
    stock = initializers(model, wanted | {k for k in arrays if k[-2:] not in (".u", ".v")})
    out: dict[str, np.ndarray] = {}
    for m in matrices:
        q, scale = stock.get(f"{m}_q"), stock.get(f"{m}_scale")
        if q is None or scale is None:
            raise ValueError(f"the model file has no int8 matrix {m!r}")
        change = arrays.pop(f"{m}.u").astype(np.float32) @ arrays.pop(f"{m}.v").astype(np.float32)
        out[f"{m}_q"] = q.astype(np.float32) * scale + change
        out[f"{m}_scale"] = np.ones_like(scale)
    for name, value in arrays.items():
        if name not in stock or stock[name].shape != value.shape:
            raise ValueError(f"the tuning does not fit the model file's {name!r}")
        out[name] = value.astype(np.float32)
    return out


def tuned_model(model: bytes, model_sha256: str, tuning: Path) -> bytes | None:
    """The model file's bytes with the tuning written in, or None when the tuning was
    fitted on another model file."""
    arrays = _read(tuning)
    if str(arrays["model_sha256"]) != model_sha256:
        return None
    values = _values(model, arrays)
    buf = memoryview(model)
    graph = _graph(buf)
    parts: list[bytes] = []
    for field in _fields(buf, graph.start, graph.end):
        name = _name(buf, field) if field.number == _INITIALIZER else None
        if name in values:
            parts.append(_length_field(_INITIALIZER, _float_tensor(name, values.pop(name))))
        else:
            parts.append(bytes(buf[field.head : field.end]))
    return (
        bytes(buf[: graph.head]) + _length_field(_GRAPH, b"".join(parts)) + bytes(buf[graph.end :])
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
