"""Understanding buyers' typed text: a trained intent model with calibrated
probabilities, and entities (order and tracking numbers, amounts, carriers) by rules.

    from bot.understanding import Understanding
    reading = Understanding.load(cache_path).classify("where is order 5781...")
    reading.intent, reading.probability, reading.alternatives, reading.slots

Framework-free and offline. Nothing is loaded at import: the weights are read (or
trained from the corpus, once) by `Understanding.load`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.understanding.model import Reading, Understanding
    from bot.understanding.slots import Slots

__all__ = ["Reading", "Slots", "Understanding"]


def __getattr__(name: str) -> Any:
    if name in ("Reading", "Understanding"):
        from bot.understanding import model

        return getattr(model, name)
    if name == "Slots":
        from bot.understanding.slots import Slots

        return Slots
    raise AttributeError(name)
