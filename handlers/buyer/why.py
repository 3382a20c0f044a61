""" "Why?" typed right after the bot said no.

"Order … was bought on TikTok Shop, so it's cancelled in the TikTok Shop app", "… is
already on its way, so it can't be cancelled": buyers answer such a no with "why?".
Read by the model, a bare "why" is nothing (found in the demo: "put it another way", a
miss towards the hand-over).  A refusal leaves its reason here, and a "why" typed next
gets the reason behind the rule, in one or two lines.  The reason counts for the next
message typed outside a flow only, and for a few minutes.
"""

from __future__ import annotations

from datetime import timedelta

from bot.services.intents import asks_only_why
from handlers.core import Context, within

# The refusal a "why?" asks about (in the conversation's draft): its reason key, the
# words it needs, and when it was said.
REFUSED = "refused"
WHY_CONTEXT = timedelta(minutes=10)


def refused(ctx: Context, reason: str, **params: str | int) -> None:
    """Keep what the bot just refused and why (`why.REASON` in the catalog)."""
    at = ctx.services.clock.now().isoformat()
    ctx.state.data[REFUSED] = {"reason": reason, "params": params, "at": at}


def why_asked(ctx: Context, text: str) -> bool:
    """ "why?" right after a refusal: the reason behind it; True when answered.  Any
    message read here forgets the refusal."""
    kept = ctx.state.data.pop(REFUSED, None)
    if not isinstance(kept, dict) or not within(ctx, kept.get("at"), WHY_CONTEXT):
        return False
    reason, params = kept.get("reason"), kept.get("params")
    key = f"why.{reason}"
    if not asks_only_why(text) or not isinstance(params, dict) or not ctx.catalog.has(key):
        return False
    ctx.reply(ctx.t(key, **params))
    return True
