"""Reading what people type: which intent a message has, how sure the bot is, and the
slots it names (order numbers, amounts, carriers).

Handlers call `services.understanding.read(text)` and never the model itself, so the
engine behind it can change without a handler knowing: the trained offline model, or,
when `LLM_MODEL` is set, the chat model with structured output into the same intents
and slots.  The offline model always reads the message too (a few milliseconds): it is
the answer when the chat model fails, is slow or returns something unusable, and its
safety rules bound what the chat model may claim (a message with nothing the offline
model learned from, or a single word, is never read as "sure" by either).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # the model is imported when first loaded: CLI commands never pay for it
    from langchain_core.language_models import BaseChatModel

    from bot.understanding.model import Reading, Understanding

log = logging.getLogger(__name__)

PROMPT = Path(__file__).resolve().parents[2] / "prompts" / "understanding.md"
# Routing waits for this reading before the buyer gets any reply: a slow model costs
# less than a wrong route, but not more than a few seconds.
LLM_TIMEOUT = 8.0
# A chat model's own confidence is not calibrated like the offline model's: it never
# reaches certainty, so a "1.0" from it reads as this.
LLM_CEILING = 0.97

Engine = Literal["offline", "llm"]

# One model per corpus per process: every App (and every test) built in one process
# shares it instead of reading or training the weights again.
_LOADED: dict[str, Understanding] = {}
_LOADING = Lock()


def load_model(cache: Path, corpus_dir: Path | None = None) -> Understanding:
    """The trained model (cached weights, or trained from the corpus once), reading by
    meaning too when the policy search's sentence encoder is loaded (the default;
    `POLICY_EMBEDDINGS=off` leaves both without it)."""
    from bot.services.retrieval.semantic import load_encoder
    from bot.understanding.model import CORPUS_DIR, Understanding, corpus_digest

    corpus_dir = corpus_dir or CORPUS_DIR
    encoder = load_encoder()
    key = f"{corpus_digest(corpus_dir)}|{encoder.fingerprint if encoder else ''}"
    with _LOADING:
        model = _LOADED.get(key)
        if model is None:
            model = _LOADED[key] = Understanding.load(cache, corpus_dir, encoder)
        return model


class MessageReading(BaseModel):
    """What a buyer's message to the shop's support chat wants."""

    intent: str = Field(description="exactly one of the intents listed in the instructions")
    confidence: float = Field(description="probability from 0 to 1 that the intent is right")
    alternatives: list[str] = Field(
        default_factory=list, description="up to two other likely intents, most likely first"
    )
    order_number: str | None = Field(None, description="an order number in the message")
    tracking_number: str | None = Field(None, description="a parcel tracking number")
    amount: str | None = Field(None, description="a sum of money, digits and '.' only")
    currency: str | None = Field(None, description="ISO code of the amount's currency")
    carrier: str | None = Field(None, description="a delivery company named in the message")


class UnderstandingService:
    def __init__(
        self,
        model: Understanding,
        chat_model: BaseChatModel | None = None,
        *,
        timeout: float = LLM_TIMEOUT,
    ) -> None:
        self._model = model
        self._chat_model = chat_model
        self._timeout = timeout
        self._structured: Any = None
        self._prompt = ""

    @classmethod
    async def create(
        cls, cache: Path, chat_model: BaseChatModel | None = None
    ) -> UnderstandingService:
        """Loads (or, the first time, trains) the model off the event loop."""
        return cls(await asyncio.to_thread(load_model, cache), chat_model)

    @property
    def labels(self) -> list[str]:
        return self._model.labels

    async def read(self, text: str) -> Reading:
        """The intent, its calibrated probability, the likely alternatives and slots."""
        reading, _engine = await self.read_traced(text)
        return reading

    async def read_traced(self, text: str) -> tuple[Reading, Engine]:
        """`read`, and which engine's reading it is (for `run_bot.py ask` and the log)."""
        offline = self._model.classify(text)
        if self._chat_model is None:
            return offline, "offline"
        try:
            answer = await asyncio.wait_for(self._ask_model(text), timeout=self._timeout)
            return self._checked(answer, offline, text), "llm"
        except Exception as exc:  # any failure of the model: the offline reading stands
            log.warning(
                "model reading failed; reading offline", extra={"error": type(exc).__name__}
            )
            return offline, "offline"

    def read_now(self, text: str) -> Reading:
        """The offline reading, synchronously (a few milliseconds)."""
        return self._model.classify(text)

    # -- the chat model ---------------------------------------------------------------

    async def _ask_model(self, text: str) -> MessageReading:
        from langchain_core.messages import HumanMessage, SystemMessage

        from bot.understanding.model import MAX_CHARS

        if self._structured is None:
            assert self._chat_model is not None
            self._structured = self._chat_model.with_structured_output(MessageReading)
            self._prompt = PROMPT.read_text(encoding="utf-8")
        result = await self._structured.ainvoke(
            [SystemMessage(self._prompt), HumanMessage(text[:MAX_CHARS])]
        )
        if isinstance(result, dict):  # a model given a dict schema, or a provider quirk
            result = MessageReading.model_validate(result)
        if not isinstance(result, MessageReading):
            raise ValueError("the model gave no reading")
        return result

    def _checked(self, answer: MessageReading, offline: Reading, text: str) -> Reading:
        """The chat model's reading, held to the offline model's rules.  Raises
        ValueError for an intent the bot does not know."""
        from bot.understanding.model import Reading

        labels = self._model.labels
        intent = answer.intent.strip().lower()
        if intent not in labels:
            raise ValueError(f"unknown intent {intent!r}")
        if not math.isfinite(answer.confidence):
            raise ValueError("confidence is not a number")
        probability = min(max(answer.confidence, 0.0), LLM_CEILING)
        words = re.findall(r"[^\W_]+", text)
        if offline.evidence == 0 or len(words) <= 1:
            # Nothing (or one word) to go on: the offline model's calibrated view of
            # that bounds how sure anyone may be, whatever the chat model says.
            probability = min(probability, offline.probability)
        ranked = [(offline.intent, offline.probability), *offline.alternatives]
        named = [a for a in dict.fromkeys(answer.alternatives) if a in labels and a != intent]
        alternatives = [(a, (1 - probability) / max(len(named), 1)) for a in named[:2]]
        for other, p in ranked:
            if len(alternatives) >= 2:
                break
            if other != intent and other not in dict(alternatives):
                alternatives.append((other, min(p, 1 - probability)))
        return Reading(
            intent=intent,
            probability=probability,
            alternatives=tuple(alternatives),
            slots=_slots(answer, offline, text),
            evidence=offline.evidence,
        )


def _slots(answer: MessageReading, offline: Reading, text: str) -> Any:
    """The rules' slots (exact strings the bot acts on), completed by the chat model's
    only where the message really contains what it says: a model must not make up an
    order number the bot would then look up."""
    import dataclasses

    squashed = re.sub(r"[\s#-]", "", text).lower()

    def present(value: str | None) -> str | None:
        if not value:
            return None
        clean = re.sub(r"[\s#-]", "", value)
        return clean if clean and clean.lower() in squashed else None

    slots = offline.slots
    fill: dict[str, str] = {}
    number = present(answer.order_number) if slots.order_number is None else None
    if number and number != slots.tracking_number:
        fill["order_number"] = number
    tracking = present(answer.tracking_number) if slots.tracking_number is None else None
    if tracking and tracking != fill.get("order_number"):
        fill["tracking_number"] = tracking.upper()
    if slots.carrier is None and answer.carrier and answer.carrier.lower() in text.lower():
        fill["carrier"] = answer.carrier
    return dataclasses.replace(slots, **fill) if fill else slots
