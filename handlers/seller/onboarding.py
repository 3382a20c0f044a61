"""A seller opens their one-time invite link and gets the seller command menu; what a
seller can do, for /start and /help of someone who only sells here."""

from __future__ import annotations

from bot.services.sellers import InviteExpired, InviteInvalid
from handlers.catalog import Safe
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


def seller_help(ctx: Context) -> str:
    """What a seller can do here (/claims, /refund, /stats, ...), in the reader's language."""
    return ctx.t("seller_typing.help", button=ctx.catalog.plain("seller_claims.ask_support"))


def seller_greeting(ctx: Context, name: str) -> str:
    """/start for someone who only sells here: not the buyer's "send me your order
    number", but what they came for."""
    return ctx.t("seller_typing.greeting", name=name, help=Safe(seller_help(ctx)))
