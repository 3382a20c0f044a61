"""The buttons of delivery care's messages that are its own: "I'll wait".

"Report not received" is the order card's Return button (`rs:ORDER`, the return flow
checks the rules again) and "Talk to a person" the card's hand-over button
(`hp:ORDER`), so they behave exactly as they do on the card.
"""

from __future__ import annotations

from bot.domain.errors import OrderNotFound
from handlers.buttons import ButtonData, Id
from handlers.core import Context, Router

router = Router()

WAIT = ButtonData("cwt", Id("order"))


@router.button(WAIT.prefix)
async def wait(ctx: Context) -> None:
    """Acknowledged, nothing else changes; only for an order this person proved (the
    same words whether it exists or not)."""
    data = WAIT.unpack(ctx.inbound.button)
    if data is None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    try:
        order = await ctx.services.orders.order(ctx.user.id, data["order"])
    except OrderNotFound:
        ctx.answer(ctx.catalog.plain("orders.gone"), alert=True)
        return
    ctx.answer()
    ctx.reply(ctx.t("care.wait_ok", number=order.order_number))
