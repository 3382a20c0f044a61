"""A seller opens their one-time invite link and gets the seller command menu."""

from __future__ import annotations

from bot.services.sellers import InviteExpired, InviteInvalid
from handlers.core import Context
from handlers.menus import menu
from handlers.types import SetCommands


async def accept_invite(ctx: Context, token: str) -> None:
    try:
        shop = await ctx.services.sellers.accept(ctx.user.id, token)
    except InviteExpired:
        ctx.reply(ctx.t("seller.invite_expired"))
        return
    except InviteInvalid:
        ctx.reply(ctx.t("seller.invite_invalid"))
        return
    # In the seller's language: a chat-scoped menu is theirs alone.
    ctx.add(SetCommands(ctx.chat_id, menu(ctx.catalog, "seller")))
    ctx.reply(ctx.t("seller.welcome", shop=shop.name))
