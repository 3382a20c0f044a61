"""The staff chat: every update there comes here, and only members of the chat get
past the door (checked with the channel, cached briefly; button data proves nothing).

In a forum, a ticket is a topic: what staff write in it goes to the requester;
`/note` stays internal.  In a plain group, staff reply to the ticket's summary or to a
relayed message instead.
"""

from __future__ import annotations

from handlers import confirm
from handlers.core import Context, Router
from handlers.staff import commands

router = Router()
router.include(commands.router)
router.include(confirm.buttons)  # a refund on appeal waits for its Confirm tap


async def on_staff_chat(ctx: Context) -> None:
    inbound = ctx.inbound
    addressed = inbound.command is not None or inbound.button is not None
    if not addressed and inbound.thread_id is None and inbound.reply_to_message_id is None:
        return  # chatter in the group's main thread is not for the bot
    if not await ctx.services.staff.is_staff(inbound.user_id, ctx.desk):
        if inbound.button is not None:
            ctx.answer(ctx.catalog.plain("staff.not_staff"), alert=True)
        elif inbound.command is not None:
            ctx.reply(ctx.t("staff.not_staff"))
        return
    if inbound.edited:
        # The requester already has the first version: copies are not edited.
        if await commands.ticket_here(ctx) is not None:
            ctx.reply(ctx.t("staff.edit_not_relayed"))
        return
    handler = router.resolve(inbound, ctx.state)
    if handler is not None:
        await handler(ctx)
    elif inbound.button is not None:
        ctx.answer(ctx.catalog.plain("common.button_expired"), alert=True)
