"""The seller's side of the chat: onboarding, the claim queue and decisions."""

from handlers import confirm
from handlers.core import Router
from handlers.seller import claims, insights, marketplace, refunds, return_address, stats


def build_router() -> Router:
    router = Router()
    router.include(claims.router)
    router.include(refunds.router)
    router.include(return_address.router)
    router.include(stats.router)
    router.include(insights.router)
    router.include(marketplace.router)  # decisions on marketplace claims
    router.include(confirm.router)  # money actions wait here for their Confirm tap
    return router
