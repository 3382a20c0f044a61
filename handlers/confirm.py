"""Money actions by people take a confirming tap.

A handler that is about to move money first runs the use case as a dry run (every
check, nothing committed), shows what will happen (amount, order, who gets it, what
stays refundable) and stores a *pending action* in the conversation state: a short
random id, the kind of action, its parameters and the amount shown.  The Confirm button
carries the id and the amount (`cf:<id>:<amount>`), Cancel the id (`cx:<id>`).

* Confirm runs the action only if the conversation's pending action has that id and
  that amount: a stale button (already confirmed, cancelled, replaced by a newer
  question) or forged data changes nothing.  The pending action is cleared first, so a
  second tap finds nothing to confirm; where two taps still race (two bot processes),
  the action's idempotency key (from the pending id) or the claim's state makes the
  second one pay nothing.
* The use case checks permission and amounts again when it runs; if the amount it
  would pay is no longer the one shown, it pays nothing and the person is asked again.
* In a private chat (sellers), a typed answer works like the buttons: "yes" or
  "confirm" confirms, "no" cancels (as do "cancel" and /cancel, from any step).  A
  careful shop accepts it because it is exactly as safe as the tap: it confirms only
  the question this person was last asked, in this chat, and runs through the same
  executor with the amount shown, so the use case checks permission and the amount
  again and pays nothing if either changed.  What is not accepted is anything less
  than a clear yes: "ok", "sure" or "thanks" acknowledge a message rather than decide
  about money, so they (and anything else) get one line on what the step expects and
  the question again with its buttons.  Another decision typed instead ("ok give
  them half" under an approval) replaces the question with that decision's own,
  where the asking module knows its decisions (`changer`).  Nothing typed here
  reaches the answer engine.
* In the staff chat, typed text stays a message to the requester and the pending
  action waits for its buttons; only a short yes-like word ("yes", "ok", "sure",
  "go ahead", "vale") or a bare "no" is held back and the question shown again
  (`held_in_staff_chat`): "ok" typed under the question answers the question, and
  "Riley: ok" reaching the buyer would tell them nothing or, worse, promise a refund
  that has not been paid.  Typed words never confirm there: only the button does.

The state belongs to one person in one chat, so only the person who was asked can
confirm (a colleague in the staff group pressing it is told it is not theirs).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.money import format_money, quantize
from bot.understanding.seller_steps import is_assent, read_yes_no
from handlers import escapes
from handlers.catalog import Catalog
from handlers.core import Context, Router, button_args
from handlers.types import Button, EditKeyboard, EditText, Keyboard

log = logging.getLogger(__name__)

STEP = "confirm.pending"


def who_gets_it(catalog: Catalog, name: str | None) -> str:
    """The recipient line of every money question: "the buyer, Alex" or "the buyer"."""
    return (
        catalog.plain("confirm.buyer_named", name=name) if name else catalog.plain("confirm.buyer")
    )


@dataclass(frozen=True, slots=True)
class Pending:
    id: str
    kind: str
    amount: Decimal
    currency: str
    params: dict[str, Any]
    prompt: str  # the question as shown (HTML), shown again when they type instead
    origin: int | None  # the message whose button started it (e.g. a request, a summary)
    # The staff chat topic the question was asked in: words typed in another ticket's
    # topic are for that ticket's requester, not answers to it.
    thread: int | None = None
    # The Confirm button's text when it is not "Confirm: refund AMOUNT" (a marketplace
    # pays its refunds: the seller confirms a decision sent there, not a payment).
    button: str | None = None

    def as_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "amount": str(self.amount),
            "currency": self.currency,
            "params": self.params,
            "prompt": self.prompt,
            "origin": self.origin,
            "thread": self.thread,
            "button": self.button,
        }

    @classmethod
    def from_data(cls, data: Any) -> Pending | None:
        try:
            return cls(
                id=str(data["id"]),
                kind=str(data["kind"]),
                amount=Decimal(str(data["amount"])),
                currency=str(data["currency"]),
                params=dict(data["params"]),
                prompt=str(data["prompt"]),
                origin=int(data["origin"]) if data.get("origin") is not None else None,
                thread=int(data["thread"]) if data.get("thread") is not None else None,
                button=str(data["button"]) if data.get("button") is not None else None,
            )
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return None


# What each kind of pending action does when confirmed; registered by the modules that
# ask (seller claims, cancellation requests, /refund, appeals).
Executor = Callable[[Context, Pending], Awaitable[None]]
_EXECUTORS: dict[str, Executor] = {}


def executor(kind: str) -> Callable[[Executor], Executor]:
    def register(run: Executor) -> Executor:
        if kind in _EXECUTORS:
            raise ValueError(f"confirmation kind {kind!r} is registered twice")
        _EXECUTORS[kind] = run
        return run

    return register


# Another decision typed instead of yes or no ("ok give them half" under "Approve and
# refund $29.50?"): what each kind does with it, registered by the module that asks.
# True when the words were such a decision (the pending action is then replaced).
Changer = Callable[[Context, Pending, str], Awaitable[bool]]
_CHANGERS: dict[str, Changer] = {}


def changer(*kinds: str) -> Callable[[Changer], Changer]:
    def register(change: Changer) -> Changer:
        for kind in kinds:
            if kind in _CHANGERS:
                raise ValueError(f"confirmation kind {kind!r} has a changer already")
            _CHANGERS[kind] = change
        return change

    return register


def keyboard(ctx: Context, pending: Pending) -> Keyboard:
    amount = format_money(pending.amount, pending.currency, ctx.catalog.language)
    label = pending.button or ctx.catalog.plain("confirm.yes", amount=amount)
    return Keyboard.of(
        [
            Button(label, f"cf:{pending.id}:{pending.amount}"),
            Button(ctx.catalog.plain("confirm.no"), f"cx:{pending.id}"),
        ]
    )


def ask(
    ctx: Context,
    kind: str,
    *,
    amount: Decimal,
    currency: str,
    prompt: str,
    params: dict[str, Any],
    origin: int | None = None,
    button: str | None = None,
) -> Pending:
    """Store a pending action (replacing any flow in progress) and ask to confirm it
    (`button`: the Confirm button's text, when not "Confirm: refund AMOUNT")."""
    pending = Pending(
        id=secrets.token_hex(6),
        kind=kind,
        # In the currency's minor unit, written plainly ("25.00", never "2.5E+1"): the
        # button carries it and the use case is handed it back.
        amount=Decimal(format(quantize(amount, currency), "f")),
        currency=currency,
        params=params,
        prompt=prompt,
        origin=origin,
        thread=ctx.inbound.thread_id,
        button=button,
    )
    ctx.state.go(STEP, pending=pending.as_data())
    ctx.reply(prompt, keyboard(ctx, pending))
    return pending


def current(ctx: Context) -> Pending | None:
    if ctx.state.step != STEP:
        return None
    return Pending.from_data(ctx.state.data.get("pending"))


def _matching(ctx: Context, *, with_amount: bool) -> Pending | None:
    """The pending action the pressed button names, or None (then the button is stale,
    forged or someone else's, and the person is told nothing happened)."""
    args = button_args(ctx.inbound.button or "")
    pending = current(ctx)
    expected = 2 if with_amount else 1
    if (
        pending is None
        or len(args) != expected
        or not secrets.compare_digest(args[0], pending.id)
        or (with_amount and args[1] != str(pending.amount))
    ):
        ctx.answer(ctx.catalog.plain("confirm.stale"), alert=True)
        return None
    return pending


buttons = Router()  # the staff chat takes only these; private chats also get the step


@buttons.button("cf")
async def confirm(ctx: Context) -> None:
    pending = _matching(ctx, with_amount=True)
    if pending is None:
        return
    await _run(ctx, pending, ctx.inbound.message_id)


async def _run(ctx: Context, pending: Pending, question: int | None) -> None:
    """Run a confirmed pending action once: the state is cleared first, so a second tap
    or a second "yes" finds nothing to confirm."""
    run = _EXECUTORS.get(pending.kind)
    ctx.state.clear()  # before running: a second tap finds nothing to confirm
    if run is None:  # stored by another version of the bot
        if ctx.inbound.callback_id:
            ctx.answer(ctx.catalog.plain("confirm.stale"), alert=True)
        else:
            ctx.reply(ctx.t("confirm.stale"))
        return
    if question is not None:  # the question's buttons go
        ctx.add(EditKeyboard(ctx.chat_id, question, None))
    log.info("money action confirmed", extra={"kind": pending.kind, "pending": pending.id})
    await run(ctx, pending)


@buttons.button("cx")
async def cancel(ctx: Context) -> None:
    pending = _matching(ctx, with_amount=False)
    if pending is None:
        return
    ctx.state.clear()
    text = ctx.t("confirm.cancelled")  # the question says so before the button is answered
    if ctx.inbound.message_id is not None:
        ctx.add(EditText(ctx.chat_id, ctx.inbound.message_id, text, None))
    else:
        ctx.reply(text)


def pending_here(ctx: Context) -> Pending | None:
    """This staff member's refund question, if it was asked where they write now (the
    same topic): in another ticket's topic they talk to another requester."""
    pending = current(ctx)
    if pending is None or pending.thread != ctx.inbound.thread_id:
        return None
    return pending


def held_in_staff_chat(ctx: Context) -> bool:
    """Staff typed a short yes-like word or a bare no while their own refund question
    waits in this topic: say so and show the question again instead of passing the
    word on to the requester.  True when the text was held back."""
    pending = pending_here(ctx)
    if pending is None or not is_assent(ctx.inbound.text or ""):
        return False
    ctx.reply(ctx.t("staff_typing.held", text=(ctx.inbound.text or "").strip()))
    ctx.reply(pending.prompt, keyboard(ctx, pending))
    return True


router = Router()
router.include(buttons)


@router.prompt(STEP)
async def ask_again(ctx: Context) -> None:
    """The question again, with its Confirm and Cancel buttons."""
    pending = current(ctx)
    if pending is None:
        ctx.state.clear()
        ctx.reply(ctx.t("confirm.stale"))
        return
    ctx.reply(pending.prompt, keyboard(ctx, pending))


@router.step(STEP, numbers=True)
async def still_pending(ctx: Context) -> None:
    """Typed text (or a photo) while a confirmation waits: a clear yes confirms and a
    no cancels, exactly as the buttons do; anything else gets the question again (see
    the module's docstring for why typing may decide).  Nothing is paid otherwise."""
    pending = current(ctx)
    if pending is None:
        ctx.state.clear()
        ctx.reply(ctx.t("confirm.stale"))
        return
    text = ctx.inbound.text or ""
    answer = read_yes_no(text) if ctx.inbound.photo is None else None
    if answer is True:
        await _run(ctx, pending, None)
    elif answer is False:
        ctx.state.clear()
        ctx.reply(ctx.t("confirm.cancelled"))
    elif text and (change := _CHANGERS.get(pending.kind)) and await change(ctx, pending, text):
        pass  # another decision instead: its own question (nothing was paid)
    else:
        await escapes.not_understood(ctx)
