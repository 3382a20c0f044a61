"""Reading with a chat model (LLM_MODEL set): structured output into the same intents and
slots, held to the offline model's safety rules, and the offline reading whenever the
model fails, is slow or says something the bot cannot use.

The chat model is a fake that answers with a scripted tool call, the way a real
provider answers `with_structured_output` (function calling): the real LangChain
parsing runs around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from bot.services.routing import Action, plan
from bot.services.understanding import UnderstandingService, load_model

# The run's trained intent model (tests/conftest.py), loaded rather than trained here.
pytestmark = pytest.mark.usefixtures("model_weights")

A1 = "578000000000000001"


class ScriptedReader(BaseChatModel):
    """Answers every call with one tool call carrying `reading` (or fails, or sleeps)."""

    reading: dict[str, Any] = Field(default_factory=dict)
    fail: bool = False
    delay: float = 0.0
    seen: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted-reader"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedReader:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        raise NotImplementedError  # only the async path is used

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.seen.append(str(messages[-1].content))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("provider down")
        call = {"name": "MessageReading", "args": self.reading, "id": "call1"}
        return ChatResult(generations=[ChatGeneration(message=AIMessage("", tool_calls=[call]))])


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model") / "understanding-model.json"


def service(cache: Path, chat: ScriptedReader, timeout: float = 5.0) -> UnderstandingService:
    return UnderstandingService(load_model(cache), chat, timeout=timeout)


async def test_the_models_reading_is_used_with_the_rules_slots(cache: Path) -> None:
    chat = ScriptedReader(
        reading={
            "intent": "cancel_order",
            "confidence": 0.93,
            "alternatives": ["change_items"],
            "order_number": A1,
        }
    )
    text = f"pls stop {A1} from going out, changed my mind"
    reading, engine = await service(cache, chat).read_traced(text)
    assert engine == "llm" and chat.seen == [text]
    assert reading.intent == "cancel_order" and reading.probability == pytest.approx(0.93)
    assert reading.slots.order_number == A1
    assert reading.alternatives[0][0] == "change_items"
    assert plan(reading).action is Action.CANCEL


async def test_an_order_number_the_message_does_not_contain_is_not_taken(cache: Path) -> None:
    chat = ScriptedReader(
        reading={"intent": "track_order", "confidence": 0.9, "order_number": "123456789"}
    )
    reading = await service(cache, chat).read("where is my parcel, it is late")
    assert reading.intent == "track_order" and reading.slots.order_number is None


@pytest.mark.parametrize("text", ["because", "although", "price", "5.00"])
async def test_a_model_cannot_make_a_word_with_no_request_sure(cache: Path, text: str) -> None:
    chat = ScriptedReader(reading={"intent": "question", "confidence": 0.99})
    reading, engine = await service(cache, chat).read_traced(text)
    assert engine == "llm" and not reading.sure
    assert plan(reading).action in (Action.CLARIFY, Action.REPHRASE)


@pytest.mark.parametrize(
    ("chat", "wait"),
    [
        (ScriptedReader(fail=True), 5.0),
        (ScriptedReader(delay=2.0, reading={"intent": "chitchat", "confidence": 1}), 0.05),
        (ScriptedReader(reading={"intent": "rob_the_bank", "confidence": 1.0}), 5.0),
        (ScriptedReader(reading={"confidence": 0.9}), 5.0),  # no intent at all
        (ScriptedReader(reading={"intent": "track_order", "confidence": "very"}), 5.0),
    ],
    ids=["error", "timeout", "unknown-intent", "missing-intent", "bad-confidence"],
)
async def test_the_offline_reading_stands_in_when_the_model_cannot_be_used(
    cache: Path, chat: ScriptedReader, wait: float
) -> None:
    text = "do you take paypal"
    offline = load_model(cache).classify(text)
    reading, engine = await service(cache, chat, wait).read_traced(text)
    assert engine == "offline"
    assert reading == offline and reading.intent == "payment_methods"


async def test_without_a_chat_model_the_offline_model_reads(cache: Path) -> None:
    svc = UnderstandingService(load_model(cache))
    reading, engine = await svc.read_traced(f"cancel {A1}")
    assert engine == "offline" and reading.intent == "cancel_order" and reading.sure
