"""Answers to buyers' questions: offline from the shop's policies by default, or from
a chat model with tools when `LLM_MODEL` is set.

Offline, the answer quotes the best policy section, names it and says how sure it is.
With a model, the agent may search the policies and look at *this buyer's* orders and
claims: the buyer's identity reaches the tools from the run context, never from the
model's arguments, and every tool only reads (starting a return or asking for a person
are requests the chat then carries out through its normal, checked flows).  A model
that fails or is slow is replaced by the offline answer.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain.agents import create_agent
from langchain.tools import ToolRuntime, tool
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.prompts import PromptTemplate

from bot.clock import Clock
from bot.domain.language_detect import guess
from bot.services.knowledge import (
    DEFAULT_LANGUAGE,
    DEFAULT_SHOP,
    Hit,
    KnowledgeBase,
    PolicyRetriever,
)
from bot.services.orders import OrderService
from bot.services.retrieval.chunks import Chunk
from bot.services.returns import ReturnService
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
SURE = 0.6  # confidence from which an offline answer is given as sure
FAIRLY_SURE = 0.4  # below this the bot says it is not sure and offers a person
LLM_TIMEOUT = 20.0
MAX_QUESTION = 1000
# Graph steps per answer (a model turn and its tool calls are two).  LangGraph's default
# of 10,000 would let a model that keeps calling tools run up paid calls and database
# reads until the time-out; a real answer needs a few searches and look-ups.
MAX_AGENT_STEPS = 16
# Sections offered beside an offline answer the bot is not sure of (`Answer.offered`):
# the runners-up, and with them the first when it is not sure enough to answer.
OTHERS = 2
MOST_OFFERED = 1 + OTHERS

Sureness = Literal["sure", "fairly_sure", "unsure"]


@dataclass(frozen=True, slots=True)
class Source:
    id: str  # file.md#section
    title: str


@dataclass(frozen=True, slots=True)
class Answer:
    text: str  # plain text (escape before sending as HTML)
    sources: tuple[Source, ...]
    confidence: float
    sureness: Sureness
    engine: Literal["offline", "llm"]
    # What the buyer should be handed to: ("start_return", order id) or
    # ("talk_to_person", None).  The chat runs these through its own checked flows.
    handoffs: tuple[tuple[str, int | None], ...] = ()
    # The language the question was asked in, and the one of the quoted policy: they
    # differ when the shop has no policies in the buyer's language (only_in).
    asked: str = DEFAULT_LANGUAGE
    language: str = DEFAULT_LANGUAGE
    # The offline engine's runners-up, from the same shop's policies (`shop`): the
    # right section is among the first three far more often than it is first, so an
    # answer the bot is not sure of offers them.
    others: tuple[Source, ...] = ()
    shop: str = ""

    @property
    def missed(self) -> bool:
        return self.sureness == "unsure"

    @property
    def offered(self) -> tuple[Source, ...]:
        """The sections the chat offers as buttons: under an answer the bot is fairly,
        not fully, sure of, the runners-up; when it is not sure enough to answer at all,
        the first three to choose from (a sure answer needs none)."""
        if self.sureness == "fairly_sure":
            return self.others
        if self.sureness == "unsure" and self.engine == "offline":
            return self.sources + self.others
        return ()

    @property
    def only_in(self) -> str | None:
        """The language of the quoted policy when it is not the question's (the shop
        has no translation): the renderer says so ("only available in English")."""
        if self.engine != "offline" or not self.sources or self.language == self.asked:
            return None
        return self.language


def sureness(confidence: float) -> Sureness:
    if confidence >= SURE:
        return "sure"
    return "fairly_sure" if confidence >= FAIRLY_SURE else "unsure"


def from_hits(hits: list[Hit], language: str) -> Answer:
    """The offline engine's answer to a question asked in `language`, from the search's
    hits (best first): the first quoted, the rest its runners-up."""
    if not hits:
        return Answer("", (), 0.0, "unsure", "offline", asked=language, language=language)
    others = tuple(Source(h.chunk.id, h.chunk.title) for h in hits[1:])
    return _quoting(hits[0].chunk, hits[0].confidence, language, others)


def _quoting(
    chunk: Chunk, confidence: float, asked: str, others: tuple[Source, ...] = ()
) -> Answer:
    return Answer(
        chunk.text,
        (Source(chunk.id, chunk.title),),
        confidence,
        sureness(confidence),
        "offline",
        asked=asked,
        language=chunk.language,
        others=others,
        shop=chunk.shop,
    )


@dataclass
class BuyerContext:
    """The run context of one agent call: who is asking (from the chat, never from the
    model) and what the tools found or asked for."""

    user_id: int | None
    shop: str | None
    # The question's language: the policy search looks in that language's folder.
    language: str = DEFAULT_LANGUAGE
    sources: list[Source] = field(default_factory=list)
    handoffs: list[tuple[str, int | None]] = field(default_factory=list)


class AnswerService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        kb: KnowledgeBase,
        orders: OrderService,
        returns: ReturnService,
        model: BaseChatModel | None = None,
        *,
        timeout: float = LLM_TIMEOUT,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.kb = kb
        self._orders = orders
        self._returns = returns
        self._model = model
        self._timeout = timeout
        self._agent: Any = None

    async def shop_of(self, user_id: int | None) -> str | None:
        """The shop whose policies apply to this buyer: the shop of their linked orders,
        when they all belong to one."""
        if user_id is None:
            return None
        async with self._uow(readonly=True) as uow:
            codes = await uow.orders.shop_codes_linked_to(user_id)
        return codes[0] if len(codes) == 1 else None

    async def answer(
        self,
        question: str,
        *,
        user_id: int | None,
        shop: str | None = None,
        language: str | None = None,
    ) -> Answer:
        """`language`: the buyer's (their catalog's); the question's own words decide
        when they say which language it is in ("¿dónde está mi pedido?")."""
        question = question.strip()[:MAX_QUESTION]
        asked = guess(question, language or DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE
        shop = shop or await self.shop_of(user_id)
        if self._model is not None:
            try:
                return await asyncio.wait_for(
                    self._ask_model(question, user_id, shop, asked), timeout=self._timeout
                )
            except Exception as exc:
                log.warning(
                    "model answer failed; answering offline", extra={"error": type(exc).__name__}
                )
        return self.offline(question, shop, asked)

    def offline(self, question: str, shop: str | None, language: str = DEFAULT_LANGUAGE) -> Answer:
        """The best section of the shop's policies in `language` (or, without a
        translation, of its English ones: see `Answer.only_in`)."""
        hits = self.kb.search(question, shop, k=1 + OTHERS, language=language)
        return from_hits(hits, language)

    def section(self, shop: str, language: str, section_id: str, asked: str) -> Answer | None:
        """A section (of the shop's policies in `language`) the buyer chose among an
        answer's `others`, as an answer of its own to a question asked in `asked` (None
        when the policies changed since and it is gone)."""
        chunk = self.kb.section(shop, language, section_id)
        return None if chunk is None else _quoting(chunk, 1.0, asked)

    # -- the model ----------------------------------------------------------------

    def _agent_for(self) -> Any:
        if self._agent is None:
            assert self._model is not None
            self._agent = create_agent(
                self._model,
                self._tools(),
                system_prompt=load_prompt("system").format(),
                context_schema=BuyerContext,
            )
        return self._agent

    async def _ask_model(
        self, question: str, user_id: int | None, shop: str | None, language: str
    ) -> Answer:
        context = BuyerContext(user_id=user_id, shop=shop, language=language)
        result = await self._agent_for().ainvoke(
            {"messages": [HumanMessage(question)]},
            {"recursion_limit": MAX_AGENT_STEPS},
            context=context,
        )
        final = next(
            (m for m in reversed(result["messages"]) if isinstance(m, AIMessage) and m.content),
            None,
        )
        text = final.text if final is not None else ""
        if not text.strip() and not context.handoffs:
            raise ValueError("the model gave no answer")
        sources = tuple(dict.fromkeys(context.sources))  # in order, once each
        confidence = 1.0 if sources or context.handoffs else 0.5
        return Answer(
            text.strip(),
            sources,
            confidence,
            sureness(confidence),
            "llm",
            tuple(context.handoffs),
            asked=language,
            language=language,
        )

    def _tools(self) -> list[Any]:
        kb, orders, returns = self.kb, self._orders, self._returns

        @tool
        def search_policies(query: str, runtime: ToolRuntime[BuyerContext]) -> str:
            """Search the shop's policies (shipping, returns, refunds, cancellations,
            payments, damaged or missing items, warranty, contact). Returns the best
            sections with their ids; cite the ids you use."""
            retriever = PolicyRetriever(
                kb=kb, shop=runtime.context.shop, k=3, language=runtime.context.language
            )
            docs = retriever.invoke(query)
            for doc in docs:
                runtime.context.sources.append(Source(doc.metadata["id"], doc.metadata["title"]))
            if not docs:
                return "No policy section matches."
            return "\n\n".join(
                f"[{d.metadata['id']}] {d.metadata['title']}\n{d.page_content}" for d in docs
            )

        @tool
        async def list_my_orders(runtime: ToolRuntime[BuyerContext]) -> str:
            """The orders this buyer has linked to the chat, with their status."""
            user_id = runtime.context.user_id
            if user_id is None:
                return "The buyer has not linked any order."
            views = await orders.all_linked(user_id)
            if not views:
                return "The buyer has not linked any order."
            return "\n".join(
                f"{o.order_number}: {o.status.value}, {o.shop_name}, "
                f"paid {o.total_paid} {o.currency}"
                for o in views[:20]
            )

        @tool
        async def get_my_order(order_number: str, runtime: ToolRuntime[BuyerContext]) -> str:
            """Status, items and delivery of one of this buyer's orders, by its number."""
            user_id = runtime.context.user_id
            view = await orders.find_linked(user_id, order_number) if user_id else None
            if view is None:
                # The same answer whether it exists or not: never confirm others' orders.
                return "No order with that number is linked to this buyer."
            items = ", ".join(f"{i.quantity} x {i.name}" for i in view.items)
            eta = (
                view.estimated_delivery.date().isoformat() if view.estimated_delivery else "unknown"
            )
            return (
                f"Order {view.order_number}: {view.status.value}; items: {items}; "
                f"paid {view.total_paid} {view.currency}; estimated delivery: {eta}."
            )

        @tool
        async def get_my_claim_status(runtime: ToolRuntime[BuyerContext]) -> str:
            """This buyer's return and refund requests with their status."""
            user_id = runtime.context.user_id
            claims = await returns.claims(user_id) if user_id else []
            if not claims:
                return "The buyer has no return or refund requests."
            return "\n".join(
                f"{c.number} (order {c.order_number}): {c.status.value}, {c.type.value}, "
                f"{c.amount} {c.currency}"
                for c in claims[:20]
            )

        @tool
        async def start_return(order_number: str, runtime: ToolRuntime[BuyerContext]) -> str:
            """Hand the buyer to the return flow for one of their orders. Creates nothing:
            the buyer chooses items, reason and photos themselves."""
            user_id = runtime.context.user_id
            view = await orders.find_linked(user_id, order_number) if user_id else None
            if view is None:
                return "No order with that number is linked to this buyer."
            runtime.context.handoffs.append(("start_return", view.id))
            return f"The return form for order {view.order_number} will be shown to the buyer."

        @tool
        def talk_to_person(runtime: ToolRuntime[BuyerContext]) -> str:
            """Hand the conversation to a person from the support team."""
            runtime.context.handoffs.append(("talk_to_person", None))
            return "A person from the support team will take over."

        return [
            search_policies,
            list_my_orders,
            get_my_order,
            get_my_claim_status,
            start_return,
            talk_to_person,
        ]


def load_prompt(name: str) -> PromptTemplate:
    """A prompt file under `prompts/` as a LangChain template."""
    return PromptTemplate.from_file(PROMPTS / f"{name}.md", encoding="utf-8")


__all__ = ["DEFAULT_SHOP", "Answer", "AnswerService", "BuyerContext", "Source"]
