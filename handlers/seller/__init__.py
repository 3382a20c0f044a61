"""The seller's side of the chat: onboarding, the claim queue and decisions."""

from handlers.core import Router
from handlers.seller import claims, refunds, stats


def build_router() -> Router:
    router = Router()
    router.include(claims.router)
    router.include(refunds.router)
    router.include(stats.router)
    return router
