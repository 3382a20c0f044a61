"""Button data of the seller's decisions on a marketplace claim or cancellation
(typed, see handlers/buttons.py), shared by the card, the new-request notice and the
decision handlers."""

from __future__ import annotations

from bot.domain.enums import ClaimStatus
from bot.domain.marketplace import APPROVE, REJECT, seller_actions
from bot.services.seller_claims import SellerCard
from handlers.buttons import ButtonData, Id, Int
from handlers.catalog import Catalog
from handlers.types import Button

MAX_REASONS = 40  # more than any marketplace offers; an index past it is forged

APPROVE_CLAIM = ButtonData("mqa", Id("claim"))
REJECT_CLAIM = ButtonData("mqr", Id("claim"))
# The reason is its place in the marketplace's list, asked for again on the tap: a
# marketplace's reason codes may not fit in Telegram's 64 bytes.
REJECT_CLAIM_REASON = ButtonData("mqrr", Id("claim"), Int("reason", 0, MAX_REASONS - 1))
REJECT_CLAIM_SEND = ButtonData("mqrs", Id("claim"))
APPROVE_CANCEL = ButtonData("mka", Id("request"))
REJECT_CANCEL = ButtonData("mkr", Id("request"))
REJECT_CANCEL_REASON = ButtonData("mkrr", Id("request"), Int("reason", 0, MAX_REASONS - 1))


def decision_row(catalog: Catalog, claim_id: int, status: ClaimStatus) -> list[Button]:
    p = catalog.plain
    row = []
    actions = seller_actions(status)
    if APPROVE in actions:
        row.append(Button(p("seller_claims.approve"), APPROVE_CLAIM.pack(claim=claim_id)))
    if REJECT in actions:
        row.append(Button(p("seller_claims.reject"), REJECT_CLAIM.pack(claim=claim_id)))
    return row


def marketplace_rows(catalog: Catalog, card: SellerCard) -> list[list[Button]]:
    row = decision_row(catalog, card.claim_id, card.status)
    return [row] if row else []
