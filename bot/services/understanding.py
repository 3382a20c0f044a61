"""Reading what people type: which intent a message has, how sure the bot is, and the
slots it names (order numbers, amounts, carriers).

Handlers call `services.understanding.read(text)` and never the model itself, so the
engine behind it can change (the trained offline model today; a chat model with
structured output, falling back to it, when `LLM_MODEL` is set) without a handler
knowing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model is imported when first loaded: CLI commands never pay for it
    from bot.understanding.model import Reading, Understanding

# One model per corpus per process: every App (and every test) built in one process
# shares it instead of reading or training the weights again.
_LOADED: dict[str, Understanding] = {}
_LOADING = Lock()


def load_model(cache: Path, corpus_dir: Path | None = None) -> Understanding:
    """The trained model (cached weights, or trained from the corpus once)."""
    from bot.understanding.model import CORPUS_DIR, Understanding, corpus_digest

    corpus_dir = corpus_dir or CORPUS_DIR
    key = corpus_digest(corpus_dir)
    with _LOADING:
        model = _LOADED.get(key)
        if model is None:
            model = _LOADED[key] = Understanding.load(cache, corpus_dir)
        return model


class UnderstandingService:
    def __init__(self, model: Understanding) -> None:
        self._model = model

    @classmethod
    async def create(cls, cache: Path) -> UnderstandingService:
        """Loads (or, the first time, trains) the model off the event loop."""
        return cls(await asyncio.to_thread(load_model, cache))

    async def read(self, text: str) -> Reading:
        """The intent, its calibrated probability, the likely alternatives and slots."""
        return self._model.classify(text)

    def read_now(self, text: str) -> Reading:
        """The offline reading, synchronously (under a millisecond)."""
        return self._model.classify(text)
