"""A seller of several shops picks one by typing as well as by tapping.

`/stats`, `/insights` and `/returnaddress` ask "Which shop?" with a button per shop.
Every other question of the chat also takes a typed answer, so these do too: the shop's
name ("Harbor & Home"), a word only its name has ("the tiktok one") or its place in the
list ("2", "second").  The question is a step of the `pick` family; what it was for,
and the shops offered, are in the step's data.  The service behind each command checks
again that the person sells for the shop picked, as it does for a button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.services.sellers import ShopRef
from bot.understanding import items as items_named
from bot.understanding import steps as read
from handlers import escapes
from handlers.core import Context

FAMILY = "pick"  # a shop question has nothing of the seller's to lose when left


def offer(ctx: Context, step: str, shops: Sequence[ShopRef], **data: Any) -> None:
    """Wait at `step` for a typed shop among `shops` (the ones the buttons show)."""
    ctx.state.go(step, shops=[[shop.id, shop.name, shop.code] for shop in shops], **data)


def offered(ctx: Context) -> list[tuple[int, str, str]]:
    return [(int(i), str(name), str(code)) for i, name, code in ctx.state.data.get("shops", [])]


def typed_shop(text: str, shops: Sequence[tuple[int, str, str]]) -> int | None:
    """The id of the one shop `text` names, or None (none, or several alike): its whole
    name or code first ("Harbor & Home" is not also "Harbor & Home on TikTok"), then
    its place in the list or a word only its name has."""
    said = read.words(text)
    if not said:
        return None
    for shop_id, name, code in shops:
        if said in (read.words(name), read.words(code)):
            return shop_id
    index = items_named.item_choice(text, [name for _, name, _ in shops])
    return shops[index][0] if index is not None else None


def answered(ctx: Context) -> None:
    """A shop was picked (typed, or by its button while the question waited): the
    question is over, so what is typed next is not read as a shop."""
    if (ctx.state.step or "").startswith(f"{FAMILY}."):
        ctx.state.clear()


async def on_typed(ctx: Context, show: Callable[[int], Awaitable[None]]) -> None:
    """A typed answer to "Which shop?" (/stats, /insights): `show` the shop it names,
    or the step's prompt again with what it expects (the shop's own check of the
    seller is `show`'s service's).  Another request of the seller's instead ("refund
    order 5761…", "show me the returns") leaves the question, which has nothing to lose,
    and is answered."""
    shop_id = typed_shop(ctx.inbound.text or "", offered(ctx))
    if shop_id is None:
        # Imported here: the seller's words lead to the commands that ask this.
        from handlers.seller.free_text import instead_of_a_shop

        if not await instead_of_a_shop(ctx):
            await escapes.not_understood(ctx)
        return
    await show(shop_id)
