"""All conversation routes: buyer, seller and support (hand-over) flows in one router.

The staff chat has its own router (`handlers.staff`), reached only from that chat."""

from handlers import buyer, escapes, seller, support
from handlers.buyer import ratings
from handlers.buyer.returns import photo_offer_first
from handlers.buyer.typed_appeal import typed_appeal_first
from handlers.core import Router
from handlers.seller import free_text


def build_router() -> Router:
    router = Router()
    router.include(buyer.build_router())
    router.include(seller.build_router())
    router.include(support.router)
    router.include(escapes.router)
    # Outside a flow, with a ticket open (or closed less than a day ago), what the
    # person sends is read by `support.relay_first` (staff, a typed rating, or the bot).
    # Only the content handlers are wrapped: commands, buttons and anything sent inside
    # a flow (the core gives it to the escapes, then the step) never reach staff.
    # A typed answer to a pending rating request ("5 stars") is read before that
    # (`buyer.ratings.typed_first`; the newest request wins over a ticket's rating).
    # A seller's words ("approve", a claim number) are read before the buyer's reading
    # of free text, for people who only sell here (`handlers.seller.free_text`).
    # A buyer asking in words to appeal is offered the appeal button first
    # (`handlers.buyer.typed_appeal`; with a ticket open the words reach staff too).
    # A "yes" right after photos were offered to a request adds them there
    # (`handlers.buyer.returns.photo_offer_first`).
    router.on_text = ratings.typed_first(
        photo_offer_first(
            typed_appeal_first(support.relay_first(free_text.words_first(router.on_text)))
        )
    )
    router.on_other = support.relay_first(router.on_other)
    # /help for someone who only sells here is what a seller can do, not the buyer's.
    router.commands["help"] = free_text.help_first(router.commands["help"])
    router.buttons["help"] = free_text.help_first(router.buttons["help"])
    return router
