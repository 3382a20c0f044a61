"""What a seller reads when TikTok Shop says no is the catalog's words for the error's
key, in their language (issue 16): the adapter's own message is for the logs."""

from __future__ import annotations

from bot.marketplace.tiktok.client import ACCESS_TOKEN_EXPIRED, TikTokApiError
from bot.services.marketplace import DecisionRefused, MarketplaceError
from handlers.catalog import Catalog
from handlers.seller.marketplace import why


def test_an_expired_authorisation_says_to_connect_again() -> None:
    error = TikTokApiError(ACCESS_TOKEN_EXPIRED, "access token expired", http_status=200)
    assert why(Catalog(), error) == (
        "the shop's authorisation is no longer valid: connect the shop again"
    )


def test_an_unknown_refusal_passes_on_tiktoks_own_words() -> None:
    error = TikTokApiError(99999, "Order is locked", http_status=200)
    assert why(Catalog(), error) == "it refused the request (Order is locked)"


def test_an_error_without_its_facts_or_key_reads_as_a_plain_failure() -> None:
    assert why(Catalog(), DecisionRefused("no detail given")) == "it did not answer as expected"
    assert why(Catalog(), MarketplaceError("x", key="no_such")) == "it did not answer as expected"
    # The English message never reaches the seller.
    said = why(Catalog(), MarketplaceError("TikTok Shop timed out", key="unreachable"))
    assert said == "it could not be reached"
