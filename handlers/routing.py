"""All conversation routes: buyer, seller and support (hand-over) flows in one router.

The staff chat has its own router (`handlers.staff`), reached only from that chat."""

from handlers import buyer, escapes, seller, support
from handlers.core import Router


def build_router() -> Router:
    router = Router()
    router.include(buyer.build_router())
    router.include(seller.build_router())
    router.include(support.router)
    router.include(escapes.router)
    # With a ticket open, what the person sends outside a flow goes to staff.
    router.on_text = support.relay_first(router.on_text)
    router.on_other = support.relay_first(router.on_other)
    return router
