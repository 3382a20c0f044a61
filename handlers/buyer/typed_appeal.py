"""A buyer who asks in words to appeal ("I want to appeal the rejection"), or disputes
the decision ("that's not true", "it IS cracked"), is offered the appeal button of the
request they may still appeal.

The tap appeals (the service checks the window and that the request is theirs) and
gives staff the summary with the verdict buttons; the words alone decide nothing.
With a ticket open the words still go to staff too, so the people already talking
with the buyer read them; without one, the offer is the whole answer (the answer engine
has nothing on appeals, and a closed ticket is not reopened for what a tap does).
"""

from __future__ import annotations

from bot.domain.enums import ClaimStatus
from bot.services.returns import ClaimView
from bot.understanding.appeals import asks_to_appeal, disagrees
from bot.understanding.steps import answer_to_an_offer
from handlers.buyer.claims import latest_event
from handlers.core import Context, Handler
from handlers.fit import fit
from handlers.formatting import format_when
from handlers.support import APPEAL_OFFERED as OFFERED
from handlers.support import appeal_claim, support_available
from handlers.types import Button, Keyboard


def typed_appeal_first(then: Handler) -> Handler:
    """Wrap the buyer's free-text handler (outside a flow)."""

    async def handler(ctx: Context) -> None:
        text = ctx.inbound.text
        offered = ctx.state.data.pop(OFFERED, None)  # the offer counts for one message
        if text is None or ctx.inbound.photo is not None or ctx.inbound.document is not None:
            await then(ctx)
            return
        if isinstance(offered, int) and answer_to_an_offer(text) is True:
            # "yes" (or "yes I want to appeal") under "To appeal R…, tap below": the tap
            await appeal_claim(ctx, offered)
            return
        if not (asks_to_appeal(text) or disagrees(text)) or not support_available(ctx):
            await then(ctx)
            return
        open_now = await _appealable(ctx)
        if not open_now:
            await then(ctx)
            return
        if await ctx.services.tickets.current(ctx.user.id) is not None:
            await then(ctx)  # staff read the words; the buyer gets the button as well
        _offer(ctx, open_now)

    return handler


async def _appealable(ctx: Context) -> list[ClaimView]:
    """The buyer's requests they may appeal now: rejected, or refunded less than they
    asked, and within the window (the appeal itself checks again)."""
    now = ctx.services.clock.now()
    return [
        claim
        for claim in await ctx.services.returns.claims(ctx.user.id)
        if claim.marketplace is None
        and claim.status in (ClaimStatus.REJECTED, ClaimStatus.REFUNDED)
        and claim.appeal_by is not None
        and claim.appeal_by > now
    ]


def _offer(ctx: Context, claims: list[ClaimView]) -> None:
    p = ctx.catalog.plain
    if len(claims) == 1:
        [claim] = claims
        assert claim.appeal_by is not None  # `_appealable` keeps only these
        until = format_when(
            claim.appeal_by, claim.timezone, show_zone=True, language=ctx.catalog.language
        )
        keyboard = Keyboard.of([Button(p("claims.appeal"), f"ap:{claim.id}")])
        # The decision disputed, with the seller's reason, above the offer: "why only
        # 10?" is answered before the buyer chooses to appeal it.
        decision = latest_event(ctx.catalog, claim)
        offer = ctx.t("claims.appeal_offer", claim=claim.number, until=until)
        ctx.reply(fit(decision, offer) if decision is not None else offer, keyboard)
        ctx.state.data[OFFERED] = claim.id  # a typed "yes" next is the tap
        return
    rows = [[Button(p("claims.appeal_which", claim=c.number), f"ap:{c.id}")] for c in claims]
    ctx.reply(ctx.t("claims.appeal_offer_which"), Keyboard.of(*rows))
