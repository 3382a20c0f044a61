"""The set of services handlers may call, built once by the composition root."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing the container costs nothing
    from bot.clock import Clock
    from bot.services.answers import AnswerService
    from bot.services.cancellations import CancellationService
    from bot.services.desk import StaffDirectory
    from bot.services.insights import InsightService
    from bot.services.marketplace import AfterSales
    from bot.services.marketplace_decisions import MarketplaceDecisions
    from bot.services.order_ratings import OrderRatingService
    from bot.services.orders import OrderService
    from bot.services.returns import ReturnService
    from bot.services.seller_claims import SellerClaimService
    from bot.services.sellers import SellerService
    from bot.services.stats import StatsService
    from bot.services.tickets import TicketService
    from bot.services.understanding import UnderstandingService


@dataclass(frozen=True)
class Services:
    clock: Clock
    orders: OrderService
    returns: ReturnService
    answers: AnswerService
    sellers: SellerService
    seller_claims: SellerClaimService
    cancellations: CancellationService
    stats: StatsService
    insights: InsightService
    tickets: TicketService
    staff: StaffDirectory
    understanding: UnderstandingService
    # Rating after delivery and the buyer's /settings (bot.services.order_ratings).
    ratings: OrderRatingService
    # Marketplace connectors by name ("tiktok"), and the seller's decisions on
    # marketplace claims (sent through them).  No entry for a marketplace: its claims'
    # decision buttons say the shop is not connected.
    marketplace: MarketplaceDecisions | None = None
    after_sales: MutableMapping[str, AfterSales] = field(default_factory=dict)
