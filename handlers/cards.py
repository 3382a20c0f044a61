"""Payment card numbers typed in a private chat: refused before anything reads them.

The shop never needs a card number in the chat, and every reader downstream would do
something unwanted with one: the order-number reader would start an order proof with
it, a flow would keep it in its draft (a return's note goes to the seller), an open
ticket would copy it to staff.  So the core runs this screen first (`ChatCore`'s
`screen`), inside a flow or out of one: a message with a card number gets a kind line
saying not to send card details, and nothing else happens; the flow stays where it
was (its question is asked again).  The chat log keeps the message with the number
masked as a receipt prints it (the last four digits); an open ticket gets one line
saying a message was withheld, never the number.  The raw update stored for a replay
is masked the same way before it is written (`bot.services.inbox`).

Which numbers are cards is `bot.understanding.slots.card_numbers`' rule; a number of
that shape that is an order of the shop is let through (an order always wins), so a
shop whose order numbers happen to look like cards keeps working.
"""

from __future__ import annotations

import dataclasses

from bot.domain.cards import mask_spans, masked_card_spans
from bot.understanding.slots import card_numbers
from handlers import escapes
from handlers.core import Context
from handlers.staff.relay import tell_staff
from handlers.staff.views import staff_catalog
from handlers.support import support_available


async def screen(ctx: Context) -> bool:
    """True when the message carried a card number and was answered here.

    A command's arguments are read too ("/start 4111 1111 1111 1111" would otherwise
    keep the number in the chat log), and so is a caption (a photo with a card number
    under it is refused whole, never copied to staff).  A number already masked (an
    update stored with its card masked, handled after a crash) is refused the same."""
    inbound = ctx.inbound
    text = inbound.text
    if not text or inbound.button is not None:
        return False
    found = card_numbers(text)
    orders = await ctx.services.orders.numbers_known([d for _, _, d in found]) if found else set()
    cards = [(start, end) for start, end, digits in found if digits not in orders]
    if not cards and not masked_card_spans(text):
        return False
    masked = mask_spans(text, cards)
    ctx.inbound = dataclasses.replace(inbound, text=masked, args=masked_args(inbound.args, orders))
    ticket = await ctx.services.tickets.current(ctx.user.id) if support_available(ctx) else None
    if ticket is not None:
        staff = staff_catalog(ticket)
        await tell_staff(ctx, ticket, staff.t("cards.staff_withheld", name=ticket.requester_name))
        ctx.reply(ctx.t("cards.withheld_from_team"))
    else:
        ctx.reply(ctx.t("cards.not_here"))
    if ctx.state.step is not None:
        await escapes.reprompt(ctx)
    return True


def masked_args(args: str, orders: set[str]) -> str:
    """A command's arguments with the same cards masked as its text."""
    return mask_spans(args, [(s, e) for s, e, digits in card_numbers(args) if digits not in orders])
