"""/settings: whether the bot may message the buyer on its own.

"On its own" is delivery care (a parcel that looks late or stuck) and the rating
request after delivery; the choice is `ChatUser.proactive_off`, read by those jobs.
Order status changes and answers about claims are not affected: the buyer's order
changed, so they always go, and the message says so.

A toggle button (`bs:on` / `bs:off`), or typed: "off", "stop", "on" (and Spanish "no",
"sí", "desactivar"…) at the step, or `/settings off` at once.  "stop" at this step
means "stop messaging me", not "leave", so the step reads its own words before the
escapes (`Router.step_words`); "cancel" still leaves.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.language_detect import fold
from handlers import escapes
from handlers.buttons import ButtonData, Word
from handlers.core import Context, Router, stamp, within
from handlers.types import Button, Keyboard

router = Router()

ASK = "settings.proactive"  # the step: waiting for on or off
TOGGLE = ButtonData("bs", Word("to", ("on", "off")))

# Words that say which way on their own ("turn off notifications", "desactívalos"),
# then words that only lean ("stop", "yes"): a message with both ways of the first
# kind, or a "don't" beside them, is not read ("don't turn them off").
_OFF = re.compile(r"^(off|disable\w*|unsubscribe\w*|mute\w*|desactiv\w*|apag\w*)$")
_ON = re.compile(r"^(on|enable\w*|subscribe\w*|unmute\w*|activ\w*|encend\w*|prend\w*)$")
_LEANS_OFF = frozenset({"stop", "no", "nope", "basta", "para", "parar", "never", "nunca"})
_LEANS_ON = frozenset({"yes", "yeah", "yep", "si", "start"})
_NEGATION = frozenset({"dont", "don't", "do not", "not", "never", "nunca"})
# The other words an answer to "may I message you?" is made of; any other word means
# the message is about something else.
_ABOUT_MESSAGES = (
    _LEANS_OFF
    | _LEANS_ON
    | _NEGATION
    | frozenset(
        {
            "turn",
            "them",
            "it",
            "all",
            "the",
            "my",
            "any",
            "more",
            "please",
            "pls",
            "notifications",
            "notification",
            "messages",
            "message",
            "messaging",
            "msgs",
            "alerts",
            "updates",
            "texts",
            "sending",
            "send",
            "writing",
            "write",
            "me",
            "i",
            "want",
            "need",
            "thanks",
            "thank",
            "you",
            "do",
            "dont",
            "don't",
            "por",
            "favor",
            "los",
            "las",
            "quiero",
            "mensajes",
            "notificaciones",
            "gracias",
            "ya",
            "mas",
            "manden",
            "envies",
            "escribas",
            # "actually turn them back on", "ok start them again"
            "back",
            "again",
            "actually",
            "ok",
            "okay",
            "resume",
            # "turn off the delivery updates", "stop the rating reminders" (found in
            # the demo: "please tap the button, or type on or off")
            "delivery",
            "parcel",
            "rating",
            "ratings",
            "reminder",
            "reminders",
            "these",
            "those",
        }
    )
)
# Longer than this, a message is about something else ("stop sending me the wrong
# size", typed at this step, is no answer to "on or off?").
_MOST_WORDS = 8
_PUNCTUATION = re.compile(r"[^\w\s']+")


def read_toggle(text: str) -> bool | None:
    """True for "turn them on", False for "off" or "turn off notifications", None for
    anything else."""
    words = _PUNCTUATION.sub(" ", fold(text.strip().lower())).split()
    if not words or len(words) > _MOST_WORDS:
        return None
    if any(w not in _ABOUT_MESSAGES and not (_OFF.match(w) or _ON.match(w)) for w in words):
        return None  # "stop sending me the mug": about something else
    off = any(_OFF.match(w) for w in words)
    on = any(_ON.match(w) for w in words)
    if off != on:
        negated = any(w in _NEGATION for w in words) and "no" not in words[:1]
        return None if negated else on
    if off and on:
        return None
    # "I don't want messages", "no quiero mensajes": wanting none of them.
    leans_off = any(w in _LEANS_OFF for w in words) or (
        any(w in _NEGATION for w in words) and bool({"want", "need", "quiero"} & set(words))
    )
    leans_on = any(w in _LEANS_ON for w in words)
    if leans_off != leans_on:
        return leans_on
    return None


router.step_words[ASK] = lambda text: read_toggle(text) is not None

# Said of the bot's own messages, not only "stop" or "no" (which, outside this step,
# stop nothing or answer something else).
_NAMES_MESSAGES = frozenset(
    {"notifications", "notification", "messages", "message", "messaging", "msgs", "alerts",
     "updates", "texts", "sending", "writing", "mensajes", "notificaciones", "escribas",
     "manden", "envies"}
)  # fmt: skip


def asks_to_turn_messages(ctx: Context, text: str) -> bool | None:
    """Outside /settings: "stop sending me messages", "unsubscribe", "turn off
    notifications", "no quiero más mensajes" (False: /settings off); "turn
    notifications back on", and "actually turn them back on" right after they were
    turned off (True: /settings on).  None for anything else ("how do I turn it on?"
    is about the product)."""
    turned = read_toggle(text)
    just_off = ctx.state.data.pop(TURNED_OFF, None)
    if turned is None:
        return None
    words = _PUNCTUATION.sub(" ", fold(text.strip().lower())).split()
    if not turned:
        return False if any(w in _NAMES_MESSAGES or _OFF.match(w) for w in words) else None
    if any(w in _NAMES_MESSAGES for w in words):
        return True
    said_on = any(_ON.match(w) or w in ("start", "resume") for w in words)  # not "yes"
    return True if said_on and within(ctx, just_off, ON_AGAIN) else None


# When the messages were turned off outside /settings: "turn them back on" said next
# (within ON_AGAIN) is about them.  Found in the demo: it was read as about the order.
TURNED_OFF = "messages_turned_off"
ON_AGAIN = timedelta(minutes=10)


def settings_view(ctx: Context, off: bool) -> tuple[str, Keyboard]:
    t = ctx.t
    text = "\n\n".join(
        (
            t("buyer_settings.title"),
            t("buyer_settings.state_off" if off else "buyer_settings.state_on"),
            t("buyer_settings.always"),
            t("buyer_settings.how_off" if off else "buyer_settings.how_on"),
        )
    )
    label = "buyer_settings.button_on" if off else "buyer_settings.button_off"
    to = "on" if off else "off"
    return text, Keyboard.of([Button(ctx.catalog.plain(label), TOGGLE.pack(to=to))])


@router.command("settings")
async def settings_command(ctx: Context) -> None:
    typed = ctx.inbound.args.strip()
    if typed:
        on = read_toggle(typed)
        if on is not None:
            await set_messages(ctx, on)
            return
        ctx.reply(ctx.t("buyer_settings.unknown", typed=typed[:50]))
    ctx.state.go(ASK)
    await show(ctx)


@router.prompt(ASK)
async def show(ctx: Context) -> None:
    off = await ctx.services.ratings.proactive_off(ctx.user.id)
    ctx.reply(*settings_view(ctx, off))


@router.step(ASK)
async def typed_choice(ctx: Context) -> None:
    on = read_toggle(ctx.inbound.text or "")
    if on is None:
        await escapes.not_understood(ctx)
        return
    await set_messages(ctx, on)


@router.button(TOGGLE.prefix)
async def toggle(ctx: Context) -> None:
    pressed = TOGGLE.unpack(ctx.inbound.button)
    if pressed is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    ctx.answer()
    await set_messages(ctx, pressed["to"] == "on")


async def set_messages(ctx: Context, on: bool) -> None:
    """Store the choice (for this person: `ctx.user`, whatever a button carries)."""
    await ctx.services.ratings.set_proactive_off(ctx.user.id, not on)
    if ctx.state.step == ASK:
        ctx.state.clear()
    if ctx.state.step is None and not on:
        # Also when turned off at /settings' own question (found in the demo: "turn
        # them back on" typed next started a return, "back" read as sending it back).
        ctx.state.data[TURNED_OFF] = stamp(ctx)
    ctx.reply(ctx.t("buyer_settings.turned_on" if on else "buyer_settings.turned_off"))
