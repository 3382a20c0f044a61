"""What works from any step of any flow: cancel, a person, help, back (in a flow with a
Back button), and switching orders.

`ChatCore` sends typed text inside a flow here first (`Router.on_escape`). When the
text is none of the escapes it goes on to the step's own handler; text a step cannot
use comes back to `not_understood`, which asks the step's question again with one line
on what the step expects. So nothing typed inside a flow falls through to the answer
engine or to staff, and the person always hears what happened.
"""

from __future__ import annotations

from typing import Any

from bot.domain.enums import EscalationReason
from bot.domain.postcodes import postcode_in
from bot.understanding.escapes import Escape, read_escape
from bot.understanding.slots import extract
from bot.understanding.steps import yes_no
from handlers.catalog import Safe
from handlers.core import Context, Router
from handlers.types import Button, Keyboard

router = Router()
SWITCH = "switch_to"  # the draft key holding the text that named another order


def family(step: str) -> str:
    """The flow a step belongs to: `ret.qty` → `ret`."""
    return step.split(".", 1)[0]


def expects(ctx: Context) -> str:
    """One line on what the current step takes."""
    step = ctx.state.step or ""
    for key in (f"steps.expects.{step}", f"steps.expects.{family(step)}"):
        if ctx.catalog.has(key):
            return ctx.t(key)
    return ctx.t("steps.expects.default")


def help_key(ctx: Context) -> str:
    """The help line for the current step: the usual one offers "cancel" to stop,
    except where "cancel" is an answer (at "Cancel order X?" it means yes, cancel the
    order: that step has its own line, `steps.help_at.<step>`)."""
    own = f"steps.help_at.{ctx.state.step}"
    return own if ctx.catalog.has(own) else "steps.help"


async def reprompt(ctx: Context) -> None:
    """The current step's question again, with its buttons."""
    step = ctx.state.step
    prompt = ctx.router.prompts.get(step) if ctx.router is not None and step else None
    if prompt is not None:
        await prompt(ctx)


async def not_understood(ctx: Context) -> None:
    """Text (or a file) this step cannot use: say what it expects and ask again."""
    ctx.reply(expects(ctx))
    await reprompt(ctx)


async def on_escape(ctx: Context) -> None:
    text = ctx.inbound.text or ""
    step = ctx.state.step or ""
    assert ctx.router is not None
    own_words = ctx.router.step_words.get(step)
    if own_words is not None and step in ctx.router.steps and own_words(text):
        await ctx.router.steps[step](ctx)  # the step's answer, though an escape's word
        return
    escape = read_escape(text) if ctx.inbound.photo is None else None
    if SWITCH in ctx.state.data and ctx.inbound.photo is None:
        # "Leave it and go to order …?" was the last question: a typed yes or no
        # answers it as its buttons do; anything else leaves it unanswered, for good.
        said = yes_no(text) if escape is None else None
        if said is True:
            await _switch(ctx, str(ctx.state.data[SWITCH]))
            return
        if escape is None and said is None and await _a_proof(ctx, text):
            # The email, phone or postcode of the order they typed: they are already
            # proving it, so it is a yes, and this message is the proof.
            await _switch(ctx, str(ctx.state.data[SWITCH]))
            proof_step = ctx.router.steps.get(ctx.state.step or "")
            if proof_step is not None and ctx.state.step == PROOF_STEP:
                await proof_step(ctx)
            return
        ctx.state.data.pop(SWITCH)
        if said is False:
            await reprompt(ctx)
            return
    if escape is Escape.CANCEL:
        await cancel_flow(ctx)
        return
    if escape is Escape.PERSON:
        from handlers.support import escalate  # support imports the buyer handlers

        ctx.state.clear()
        await escalate(ctx, EscalationReason.REQUESTED)
        return
    if escape is Escape.HELP:
        ctx.reply(ctx.t(help_key(ctx), expects=Safe(expects(ctx))))
        await reprompt(ctx)
        return
    if escape is None and ctx.inbound.photo is None and await _language_asked(ctx, text):
        return
    back = ctx.router.backs.get(family(step)) if escape is Escape.BACK else None
    if back is not None:
        await back(ctx)  # as the flow's Back button
        return
    if step not in ctx.router.number_steps and ctx.inbound.photo is None:
        number = extract(text).order_number
        if number is not None and number != ctx.state.data.get("order_number"):
            ask_to_switch(ctx, number, text)
            return
    handler = ctx.router.steps.get(step) or not_understood
    await handler(ctx)


async def _language_asked(ctx: Context, text: str) -> bool:
    """ "english please", "can you reply in spanish" at any step: that language, as
    /language chooses it, and the step's question again in it (found in the demo: kept
    as a question for after the return, or "type the item's name").  False for
    anything else, "change language" included (the step's own question stays)."""
    from handlers.buyer.language import asks_for_language, choose  # it imports this one

    asked = asks_for_language(text, ctx.languages)
    if asked is None or asked == "ask":
        return False
    await choose(ctx, asked)
    await reprompt(ctx)
    return True


async def cancel_flow(ctx: Context) -> None:
    """Leave the flow; say which one was left and that nothing was saved."""
    step = ctx.state.step
    questions = kept_questions(ctx.state.data)
    ctx.state.clear()
    if not step:
        ctx.reply(ctx.t("common.nothing_to_cancel"))
        return
    key = _first_of(ctx, f"steps.cancelled_at.{step}", f"steps.cancelled.{family(step)}")
    ctx.reply(ctx.t(key or "common.cancelled"), remove_reply_keyboard=True)
    await answer_kept(ctx, questions)


# Questions a buyer put to the shop in the middle of a flow ("how long does the refund
# take?" at a return's steps), kept in the flow's data to be answered once the flow
# ends: after the request is sent, or when it is stopped.
KEPT_QUESTIONS = "question"


def kept_questions(data: dict[str, Any]) -> list[str]:
    """The questions kept (a draft from before several were kept holds one string)."""
    kept = data.get(KEPT_QUESTIONS)
    if isinstance(kept, str):
        return [kept] if kept else []
    return [q for q in kept if isinstance(q, str) and q] if isinstance(kept, list) else []


# At most this many questions are kept (the last ones asked).
MAX_KEPT_QUESTIONS = 3


def keep(ctx: Context, question: str) -> None:
    """Keep a question for when the flow ends (once: asked twice, it is kept last)."""
    question = question.strip()
    if question:
        kept = [q for q in kept_questions(ctx.state.data) if q != question]
        ctx.state.data[KEPT_QUESTIONS] = [*kept, question][-MAX_KEPT_QUESTIONS:]


async def keep_question(ctx: Context, text: str) -> None:
    """A question put to the shop at a step that takes a choice: kept, the buyer told
    so, and the step's question asked again."""
    keep(ctx, text)
    ctx.reply(ctx.t("steps.question_later"))
    await reprompt(ctx)


async def answer_kept(ctx: Context, questions: list[str]) -> None:
    """Each kept question, named and answered as if typed now."""
    if not questions:
        return
    from handlers.buyer.answers import answer  # the answers start flows that import this

    for question in questions:
        ctx.reply(ctx.t("steps.question_answer", question=question))
        await answer(ctx, question)


def _first_of(ctx: Context, *keys: str) -> str | None:
    """The first of these catalog keys that has words: a step's own (the seller's
    return address tells no buyer anything), else its flow's."""
    return next((key for key in keys if ctx.catalog.has(key)), None)


# Questions with nothing of the person's in them yet (a language, a setting): a
# command that leaves them loses nothing, so it says nothing about them.
_NOTHING_TO_LOSE = frozenset({"language", "settings", "pick"})


def flow_left(ctx: Context, step: str) -> None:
    """After a command, given the step the person was at: if the command ended that
    flow (the step is gone, or another flow began), one line before the command's own
    replies says what was stopped and that nothing was sent, so `/start` never drops a
    half-filled return silently.  `/cancel` says so itself."""
    now = ctx.state.step
    if ctx.inbound.command == "cancel" or (now is not None and family(now) == family(step)):
        return
    if family(step) in _NOTHING_TO_LOSE:
        return
    key = _first_of(ctx, f"steps.left_at.{step}", f"steps.left.{family(step)}")
    ctx.reply(ctx.t(key or "steps.left.default"), remove_reply_keyboard=True)
    ctx.actions.insert(0, ctx.actions.pop())


def ask_to_switch(ctx: Context, number: str, text: str) -> None:
    """An order number typed mid-flow: ask before leaving the flow for it."""
    ctx.state.data[SWITCH] = text
    p = ctx.catalog.plain
    ctx.reply(
        ctx.t("steps.switch", number=number),
        Keyboard.of(
            [Button(p("steps.switch_yes"), "swy")],
            [Button(p("steps.switch_no"), "swn")],
        ),
    )


@router.button("swy")
async def switch(ctx: Context) -> None:
    text = ctx.state.data.get(SWITCH)
    if not isinstance(text, str) or ctx.state.step is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer()
    await _switch(ctx, text)


# The linking flow's proof step (handlers/buyer/linking.py, which imports this module).
PROOF_STEP = "link.proof"


async def _a_proof(ctx: Context, text: str) -> bool:
    """An email or phone alone, or a delivery postcode where orders are proved by one."""
    from handlers.buyer.linking import only_proof  # the buyer package imports this one

    if only_proof(text) is not None:
        return True
    return postcode_in(text) is not None and await ctx.services.orders.postcode_proofs()


async def _switch(ctx: Context, text: str) -> None:
    """Leave the flow for the order `text` named."""
    ctx.state.clear()
    from handlers.buyer.answers import free_text  # the buyer package imports this one

    await free_text(ctx, text)


@router.button("swn")
async def keep_going(ctx: Context) -> None:
    if ctx.state.data.pop(SWITCH, None) is None or ctx.state.step is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer()
    await reprompt(ctx)


router.on_escape = on_escape
router.on_flow_left = flow_left
router.on_step_text = not_understood
