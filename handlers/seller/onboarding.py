"""A seller opens their one-time invite link and gets the seller command menu."""

from __future__ import annotations

from bot.services.sellers import InviteExpired, InviteInvalid
from handlers.core import Context
from handlers.types import SetCommands

# Chat-scoped menus replace the private-chat default, so sellers keep the buyer commands.
SELLER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("claims", "Open return requests, most urgent first"),
    ("refund", "Goodwill refund: /refund ORDER AMOUNT REASON"),
    ("stats", "Returns and refunds, last 7 or 30 days"),
    ("orders", "My orders and where they are"),
    ("help", "What I can do"),
    ("cancel", "Stop what we're doing"),
)


async def accept_invite(ctx: Context, token: str) -> None:
    try:
        shop = await ctx.services.sellers.accept(ctx.user.id, token)
    except InviteExpired:
        ctx.reply(ctx.t("seller.invite_expired"))
        return
    except InviteInvalid:
        ctx.reply(ctx.t("seller.invite_invalid"))
        return
    ctx.add(SetCommands(ctx.chat_id, SELLER_COMMANDS))
    ctx.reply(ctx.t("seller.welcome", shop=shop.name))
