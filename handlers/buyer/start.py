"""/start, /help, /cancel, unknown commands and everything that fits no flow."""

from __future__ import annotations

from bot.services.orders import LinkAlreadyUsed, LinkExpired, ProofRefused
from bot.services.sellers import SELLER_INVITE_KIND
from bot.understanding.cancelling import cancels, withdraws_request
from bot.understanding.escapes import Escape, read_escape
from handlers.buyer import claims, linking, orders, returns
from handlers.buyer.views import show_card
from handlers.core import Context, Router
from handlers.media import VIDEO_KINDS
from handlers.seller.onboarding import accept_invite, seller_greeting
from handlers.types import Button, Keyboard

router = Router()
# A video or a round video note, maybe of what arrived broken (a GIF is a reaction).
FILMED = VIDEO_KINDS - {"animation"}


def main_menu(ctx: Context) -> Keyboard:
    p = ctx.catalog.plain
    return Keyboard.of(
        [Button(p("start.my_orders"), "ol:1"), Button(p("start.link_order"), "link")],
        [Button(p("start.help_button"), "help"), Button(p("support.human_button"), "hp")],
    )


@router.command("start")
async def start(ctx: Context) -> None:
    ctx.state.clear()
    token = ctx.inbound.args.strip()
    if token:
        await _start_with_token(ctx, token)
        return
    linked = (await ctx.services.orders.orders(ctx.user.id)).total
    name = ctx.inbound.user_name or ctx.t("start.my_orders")
    if not linked and await ctx.services.seller_claims.only_a_seller(ctx.user.id):
        ctx.reply(seller_greeting(ctx, name))
    else:
        key = "start.greeting_known" if linked else "start.greeting"
        ctx.reply(ctx.t(key, name=name, count=linked), main_menu(ctx))
    ticket = await ctx.services.tickets.current(ctx.user.id)
    if ticket is not None:
        # /start looks like a fresh start with the bot, but what the buyer types next
        # still goes to the person handling their ticket: say so before they type.
        ctx.reply(ctx.t("support.already_open", id=ticket.id))


async def _start_with_token(ctx: Context, token: str) -> None:
    if token.startswith(SELLER_INVITE_KIND):
        await accept_invite(ctx, token)
        return
    try:
        order = await ctx.services.orders.link_by_token(ctx.user.id, token)
    except ProofRefused:
        ctx.reply(ctx.t("start.bad_link"))
        return
    except LinkExpired:
        ctx.reply(ctx.t("start.link_expired"))
        return
    except LinkAlreadyUsed:
        ctx.reply(ctx.t("start.link_used"))
        return
    ctx.reply(ctx.t("start.linked_by_link", number=order.order_number))
    show_card(ctx, order)


@router.command("help")
@router.button("help")
async def help_(ctx: Context) -> None:
    ctx.reply(ctx.t("help.text"), main_menu(ctx))


@router.command("cancel")
async def cancel(ctx: Context) -> None:
    had_flow = ctx.state.step is not None
    ctx.state.clear()
    ctx.reply(
        ctx.t("common.cancelled" if had_flow else "common.nothing_to_cancel"),
        remove_reply_keyboard=had_flow,
    )


@router.command("*")
async def unknown_command(ctx: Context) -> None:
    ctx.reply(ctx.t("common.unknown_command", command=ctx.inbound.command or ""))


@router.button("*")
async def unknown_button(ctx: Context) -> None:
    ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)


async def on_text(ctx: Context) -> None:
    """Typed text outside any flow: an order number links it; anything else is read
    by the intent model and routed (`handlers.buyer.answers`)."""
    text = (ctx.inbound.text or "").strip()
    if not text:
        ctx.reply(ctx.t("common.empty"))
        return
    # "cancel my return": the buyer's return or refund request (the intent model hears
    # "cancel" and means the order, which was delivered long ago).
    if withdraws_request(text):
        await claims.withdraw_typed(ctx)
        return
    if orders.kept_under_pick(ctx, text):  # "no" under "Which order … to cancel?"
        return
    # The words that work inside any flow mean the same outside one: "help" is the
    # menu (not a question the bot may be unsure of).  "cancel" has no flow to leave
    # here, so it means the order ("plz cancel" under a card with Cancel order);
    # "stop" or "never mind" has nothing to cancel.
    escape = read_escape(text)
    if escape is Escape.HELP:
        # Imported here: the answers module starts flows of this package.
        from handlers.buyer.answers import what_to_do_asked

        if await what_to_do_asked(ctx, text):  # "what now" under a missed parcel's card
            return
        await help_(ctx)
        return
    if cancels(text):
        await orders.cancel_outside_flow(ctx)
        return
    if escape is Escape.CANCEL:
        await cancel(ctx)
        return
    # Imported here: the answers module starts flows of this package.
    from handlers.buyer.answers import free_text

    await free_text(ctx, text)
    await returns.photo_of_the_asking(ctx)  # a caption that started a return


@router.button("ic")
async def intent_chosen(ctx: Context) -> None:
    """A choice under "did you mean…?" (see `handlers.buyer.answers.clarify`)."""
    from handlers.buyer.answers import chosen

    await chosen(ctx)


@router.button("pa")
async def other_section_chosen(ctx: Context) -> None:
    """A section tapped under an answer the bot was not sure of (see
    `handlers.buyer.answers.answer`)."""
    from handlers.buyer.answers import other_section

    await other_section(ctx)


@router.button("ru")
async def asked_return_started(ctx: Context) -> None:
    """Start a return under the answer to "can I return … I already used" (see
    `handlers.buyer.answers.policy_before_return`)."""
    from handlers.buyer.answers import start_asked_return

    await start_asked_return(ctx)


async def on_other(ctx: Context) -> None:
    """Anything but text outside any flow (inside one, the step gets it): nothing was
    asked, so nothing here asks for an answer."""
    contact = ctx.inbound.contact
    if ctx.inbound.other == "sticker":
        ctx.reply(ctx.t("fallback.sticker"))
    elif contact is not None and contact.user_id == ctx.inbound.user_id:
        # Their own phone, shared before any order was named: a proof, as a typed
        # phone would be, that needs the order number first (not "I can't read that").
        await linking.proof_before_number(ctx, contact.phone, via_contact=True)
    elif ctx.inbound.photo is not None and await claims.answer_typed(ctx, None):
        pass  # the seller asked a question: the photo goes with the answer
    elif ctx.inbound.photo is not None or ctx.inbound.other in FILMED:
        # A video of what arrived broken is meant as a photo is: the return it could
        # go with is offered (asking for photos), not "I can't read that".  Not a GIF:
        # that is a reaction, not evidence.
        await returns.photo_outside_flow(ctx)
    else:
        ctx.reply(ctx.t("common.unsupported_content"))


router.on_text = on_text
router.on_other = on_other
