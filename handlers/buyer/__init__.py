"""The buyer's side of the chat: start, linking orders, order cards, cancelling."""

from handlers.buyer import (
    care,
    claims,
    language,
    linking,
    orders,
    ratings,
    returns,
    settings,
    start,
)
from handlers.core import Router


def build_router() -> Router:
    router = Router()
    for module in (start, linking, orders, returns, claims, language, care, ratings, settings):
        router.include(module.router)
    return router
