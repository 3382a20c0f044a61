"""Free text outside any flow: route it to the right flow, or answer it.

"where's my package" opens the order card, "cancel my order" the cancel step, "I want
to send it back" the return flow (asking which order when there are several); a
question is answered from the shop's policies (or by the model, when one is set).
Two answers in a row that the bot is not sure of hand the conversation to a person.
"""

from __future__ import annotations

import re

from bot.domain.enums import EscalationReason
from bot.domain.policy import CANCEL_AT_ONCE, CANCEL_ON_REQUEST
from bot.services.answers import Answer
from bot.services.intents import Intent, Routed
from bot.services.views import OrderView
from handlers.buyer import claims, linking, returns
from handlers.buyer.views import render_card
from handlers.catalog import Safe
from handlers.core import Context
from handlers.fit import BUTTON, Field, cut, fit, line
from handlers.support import escalate, support_available
from handlers.types import Button, Keyboard

MISSES = "answer_misses"  # unsure answers in a row, kept in the conversation's draft
MAX_MISSES = 2


async def free_text(ctx: Context, text: str) -> None:
    routed = ctx.services.answers.route(text)
    intent = routed.intent
    if intent == Intent.TALK_TO_PERSON:
        ctx.state.clear()
        await escalate(ctx, EscalationReason.REQUESTED)
    elif intent in (Intent.TRACK_ORDER, Intent.CANCEL_ORDER, Intent.RETURN_REQUEST):
        await for_order(ctx, routed)
    elif intent == Intent.REFUND_STATUS:
        ctx.state.clear()
        await claims.list_claims(ctx)
    elif intent == Intent.CHITCHAT:
        greeting = re.match(r"\W*(hi|hey|hello|hiya|yo|good|howdy)\b", text, re.I)
        ctx.reply(ctx.t("answers.hello" if greeting else "answers.you_are_welcome"))
    else:  # a question, or an address change (policy answer plus a person)
        await answer(ctx, text, offer_person=intent == Intent.CHANGE_ADDRESS)


async def for_order(ctx: Context, routed: Routed) -> None:
    """Start the flow the intent names for the buyer's matching order."""
    ctx.state.clear()
    orders = await ctx.services.orders.all_linked(ctx.user.id)
    if routed.order_number is not None:
        match = [o for o in orders if o.order_number == routed.order_number]
        if not match:
            # Not linked yet: prove it first (the same step as sending the number).
            await linking.received_number(ctx, routed.order_number)
            return
        orders = match
    if not orders:
        ctx.reply(ctx.t("answers.no_orders"))
        return
    if len(orders) > 1:
        # Cancel opens the card: it carries Cancel or Ask to cancel, whichever applies.
        prefix = {Intent.TRACK_ORDER: "o", Intent.CANCEL_ORDER: "o", Intent.RETURN_REQUEST: "rs"}
        rows = [
            [
                Button(
                    f"{cut(o.order_number, BUTTON)} · "
                    + ctx.catalog.plain(f"status.{o.status.value}.label"),
                    f"{prefix[routed.intent]}:{o.id}",
                )
            ]
            for o in orders[:10]
        ]
        ctx.reply(ctx.t(f"answers.which_order.{routed.intent.value}"), Keyboard.of(*rows))
        return
    await act_on(ctx, routed.intent, orders[0])


async def act_on(ctx: Context, intent: Intent, order: OrderView) -> None:
    if intent == Intent.RETURN_REQUEST:
        await returns.start(ctx, order.id)
        return
    if intent == Intent.CANCEL_ORDER and order.status not in CANCEL_AT_ONCE | CANCEL_ON_REQUEST:
        key = f"cancel.refused.{order.status.value}"
        if ctx.catalog.has(key):
            ctx.reply(ctx.t(key, number=order.order_number))
            return
    if intent == Intent.CANCEL_ORDER:
        ctx.reply(ctx.t("answers.cancel_hint", number=order.order_number))
    ctx.reply(*render_card(ctx.catalog, order, ctx.services.clock.now()))


async def answer(ctx: Context, question: str, *, offer_person: bool = False) -> None:
    result: Answer = await ctx.services.answers.answer(question, user_id=ctx.user.id)
    # A model may ask for both in one turn (tools run concurrently, in no fixed
    # order): a person wins, being the safer of the two.
    for kind, order_id in sorted(result.handoffs, key=lambda h: h[0] != "talk_to_person"):
        if kind == "start_return" and order_id is not None:
            ctx.state.clear()
            if result.text:
                answer = line(ctx.catalog, "answers.llm", text=Field(result.text), sources="")
                ctx.reply(fit(answer, notice=ctx.t("fit.notice_plain")))
            await returns.start(ctx, order_id)
            return
        if kind == "talk_to_person":
            ctx.state.clear()
            await escalate(ctx, EscalationReason.REQUESTED)
            return
    # A person is offered only where one can take over.
    person = (
        Keyboard.of([Button(ctx.catalog.plain("support.human_button"), "hp")])
        if support_available(ctx)
        else None
    )
    if result.missed:
        misses = int(ctx.state.data.get(MISSES, 0)) + 1
        if misses >= MAX_MISSES:
            ctx.state.clear()
            ctx.reply(ctx.t("answers.unsure_again"))
            await escalate(ctx, EscalationReason.ANSWER_FAILED)
            return
        ctx.state.go(None, **{MISSES: misses})
        ctx.reply(ctx.t("answers.unsure" if person else "answers.unsure_alone"), person)
        return
    ctx.state.clear()
    sources = ", ".join(source.title for source in result.sources)
    if result.engine == "llm":
        cite = "\n\n" + ctx.t("answers.sources", sources=sources) if sources else ""
        # A model's answer has no length of its own: it is fitted like people's text.
        text = fit(
            line(ctx.catalog, "answers.llm", text=Field(result.text), sources=Safe(cite)),
            notice=ctx.t("fit.notice_plain"),
        )
    else:
        text = fit(
            line(
                ctx.catalog,
                f"answers.offline_{result.sureness}",
                title=Field(result.sources[0].title),
                quote=Field(plain_quote(result.text)),
                percent=round(result.confidence * 100),
            ),
            notice=ctx.t("fit.notice_plain"),
        )
    ctx.reply(text, person if offer_person or result.sureness != "sure" else None)


_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")


def reflow(text: str) -> str:
    """Hard-wrapped Markdown as phone text: the lines of a paragraph (or of one list
    item) joined into one, so a narrow screen wraps them itself instead of showing the
    source file's ragged breaks; blank lines between paragraphs and each list item on
    its own line are kept."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        items: list[str] = []
        for raw in block.splitlines():
            stripped = raw.strip()
            if not stripped:
                continue
            if _LIST_ITEM.match(raw) or not items:
                items.append(stripped)
            else:  # a wrapped line continues the paragraph or list item above it
                items[-1] = f"{items[-1]} {stripped}"
        if items:
            paragraphs.append("\n".join(items))
    return "\n\n".join(paragraphs)


def plain_quote(markdown: str, limit: int = 900) -> str:
    """A policy section as chat text: Markdown emphasis and list markers dropped,
    hard line breaks inside paragraphs joined (see `reflow`)."""
    text = re.sub(r"[*_`]{1,2}([^*_`]+)[*_`]{1,2}", r"\1", markdown)
    text = reflow(text)
    text = re.sub(r"^\s*[-*+]\s+", "• ", text, flags=re.M)
    return cut(text, limit)
