"""All conversation routes: buyer, seller (and later staff) flows in one router."""

from handlers import buyer, seller
from handlers.core import Router


def build_router() -> Router:
    router = Router()
    router.include(buyer.build_router())
    router.include(seller.build_router())
    return router
