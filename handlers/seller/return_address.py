"""`/returnaddress`: a seller sets their shop's return address in the chat.

Without one, buyers of approved returns are told the seller will send it, and the
seller is reminded on each approval; the reminder points here, since a seller in a chat
cannot run the server's `shop set`.  The address typed is checked (lines, length, that
it is an address) and shown back with **Save** / **Cancel**: nothing is stored before
Save, and the service checks again, server-side, that the person sells for that shop.
"""

from __future__ import annotations

from bot.domain.errors import NotAllowed
from bot.domain.marketplace import MarketplaceOwned, display_name
from bot.services.sellers import ShopRef
from bot.services.shops import RETURN_ADDRESS_LINES, BadReturnAddress
from bot.understanding import steps as read
from handlers import escapes
from handlers.core import Context, Router, int_arg
from handlers.fit import Field, Line, fit, line
from handlers.seller import shop_choice
from handlers.types import Button, EditKeyboard, Keyboard

router = Router()

ADDRESS = "seller.return_address"  # the address is typed here
CONFIRM = "seller.return_address_ok"  # Save / Cancel, the address in the step's data
PICK = "pick.return_address"  # "Which shop's return address?": a shop typed


@router.command("returnaddress", "return_address", "address")
async def return_address(ctx: Context) -> None:
    """A marketplace shop (TikTok Shop) is left out of the choice: the marketplace
    handles its returns and gives its buyers the address, so the seller is told that
    instead of being asked for an address no buyer would get."""
    ctx.state.clear()
    shops = await ctx.services.sellers.shops_of(ctx.user.id)
    if not shops:
        ctx.reply(ctx.t("seller.only_sellers"))
        return
    ours = [shop for shop in shops if shop.marketplace is None]
    elsewhere = [_handled_there(ctx, shop) for shop in shops if shop.marketplace is not None]
    if elsewhere:
        ctx.reply(fit(*elsewhere))
    if len(ours) == 1:
        await _ask(ctx, ours[0])
    elif ours:
        _choose(ctx, ours)


def _choose(ctx: Context, ours: list[ShopRef]) -> None:
    """Which of the seller's own shops: a button each, or its name typed."""
    shop_choice.offer(ctx, PICK, ours)
    rows = [[Button(shop.name, f"rsa:{shop.id}")] for shop in ours]
    ctx.reply(ctx.t("return_address.choose_shop"), Keyboard.of(*rows))


@router.step(PICK, numbers=True)
async def shop_typed(ctx: Context) -> None:
    shop_id = shop_choice.typed_shop(ctx.inbound.text or "", shop_choice.offered(ctx))
    shops = await ctx.services.sellers.shops_of(ctx.user.id)
    shop = next((s for s in shops if s.id == shop_id and s.marketplace is None), None)
    if shop is None:  # named none of them (or one no longer theirs, or now a marketplace's)
        await escapes.not_understood(ctx)
        return
    await _ask(ctx, shop)


@router.prompt(PICK)
async def ask_shop_again(ctx: Context) -> None:
    shops = await ctx.services.sellers.shops_of(ctx.user.id)
    _choose(ctx, [shop for shop in shops if shop.marketplace is None])


def _handled_there(ctx: Context, shop: ShopRef) -> Line:
    return line(
        ctx.catalog,
        "return_address.marketplace",
        shop=Field(shop.name),
        marketplace=display_name(shop.marketplace or ""),
    )


@router.button("rsa")
async def shop_picked(ctx: Context) -> None:
    shop_id = int_arg(ctx.inbound.button or "")
    shop = next(
        (s for s in await ctx.services.sellers.shops_of(ctx.user.id) if s.id == shop_id), None
    )
    if shop is None:  # forged, or no longer their shop
        ctx.answer(ctx.catalog.plain("seller.only_sellers"), alert=True)
        return
    ctx.answer()
    if shop.marketplace is not None:  # a choice from before it was connected
        ctx.state.clear()  # an address typed next is for no shop
        ctx.reply(fit(_handled_there(ctx, shop)))
        return
    await _ask(ctx, shop)


async def _ask(ctx: Context, shop: ShopRef) -> None:
    current = await ctx.services.sellers.return_address(ctx.user.id, shop.id)
    ctx.state.go(ADDRESS, shop_id=shop.id, shop=shop.name)
    now = (
        line(ctx.catalog, "return_address.current", address=Field(current))
        if current
        else ctx.t("return_address.none")
    )
    ctx.reply(
        fit(
            line(ctx.catalog, "return_address.title", shop=Field(shop.name)),
            now,
            "",
            ctx.t("return_address.ask", lines=RETURN_ADDRESS_LINES),
        )
    )


@router.prompt(ADDRESS)
async def ask_again(ctx: Context) -> None:
    ctx.reply(ctx.t("return_address.ask", lines=RETURN_ADDRESS_LINES))


@router.step(ADDRESS, numbers=True)
async def typed(ctx: Context) -> None:
    """The address as typed, one line per line; checked before it is shown to save."""
    await _check(ctx, ctx.inbound.text or "")


async def _check(ctx: Context, text: str) -> None:
    data = ctx.state.data
    shop_id, shop = int(data["shop_id"]), str(data["shop"])
    try:
        address = await ctx.services.sellers.set_return_address(
            ctx.user.id, shop_id, text, dry_run=True
        )
    except BadReturnAddress as exc:
        ctx.reply(ctx.t(f"return_address.bad.{exc.problem}", limit=exc.limit))
        await escapes.reprompt(ctx)
        return
    except NotAllowed:
        ctx.state.clear()
        ctx.reply(ctx.t("seller.only_sellers"))
        return
    except MarketplaceOwned:  # connected to a marketplace since the step began
        ctx.state.clear()
        ctx.reply(_marketplace_now(ctx, shop))
        return
    ctx.state.go(CONFIRM, shop_id=shop_id, shop=shop, address=address)
    _ask_confirm(ctx)


def _marketplace_now(ctx: Context, shop: str) -> str:
    return fit(line(ctx.catalog, "return_address.marketplace_now", shop=Field(shop)))


def _ask_confirm(ctx: Context) -> None:
    data = ctx.state.data
    p = ctx.catalog.plain
    keyboard = Keyboard.of(
        [Button(p("return_address.save"), "rsy"), Button(p("return_address.cancel"), "rsn")]
    )
    text = line(
        ctx.catalog,
        "return_address.confirm",
        shop=Field(str(data["shop"])),
        address=Field(str(data["address"])),
    )
    ctx.reply(fit(text), keyboard)


@router.prompt(CONFIRM)
async def confirm_again(ctx: Context) -> None:
    _ask_confirm(ctx)


@router.step(CONFIRM, numbers=True)
async def typed_at_confirm(ctx: Context) -> None:
    """Save is a tap: the address is stored as shown.  Text that answers nothing here
    is the address's next line: where Enter sends (a computer's keyboard), an address
    arrives one message per line, and the first line alone was shown to save."""
    text = ctx.inbound.text or ""
    if not text.strip() or _answers_the_question(text):
        await escapes.not_understood(ctx)
        return
    await _check(ctx, f"{ctx.state.data['address']}\n{text}")


def _answers_the_question(text: str) -> bool:
    """Words meant for "Save this?" (yes, save, done, a question), not an address line."""
    said = read.words(text)
    return (
        read.yes_no(text) is not None
        or read.is_done(text)
        or read.asks_something(text)
        or bool(set(said) & _SAVE_WORDS)
    )


_SAVE_WORDS = frozenset({"save", "saved", "store", "guardar", "guarda", "guardala", "guardalo"})


@router.button("rsy", "rsn")
async def decided(ctx: Context) -> None:
    save = (ctx.inbound.button or "") == "rsy"
    if ctx.state.step != CONFIRM:  # an old Save / Cancel: its address is gone
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
        return
    data = dict(ctx.state.data)
    ctx.state.clear()
    ctx.answer()
    if ctx.inbound.message_id is not None:
        ctx.add(EditKeyboard(ctx.chat_id, ctx.inbound.message_id, None))
    if not save:
        ctx.reply(ctx.t("return_address.cancelled"))
        return
    try:
        await ctx.services.sellers.set_return_address(
            ctx.user.id, int(data["shop_id"]), str(data["address"])
        )
    except NotAllowed:
        ctx.reply(ctx.t("seller.only_sellers"))
        return
    except MarketplaceOwned:
        ctx.reply(_marketplace_now(ctx, str(data["shop"])))
        return
    ctx.reply(fit(line(ctx.catalog, "return_address.saved", shop=Field(str(data["shop"])))))
