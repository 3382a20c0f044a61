"""Moving a claim from one status to another, with its history entry.

One function for buyers, sellers, staff and the deadline job, so every transition is
checked against where the claim is and recorded with who, when and why.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.domain.enums import ActorKind, ClaimStatus
from bot.domain.errors import InvalidTransition
from storage.models import Claim, ClaimEvent


def move(
    claim: Claim,
    to: ClaimStatus,
    *,
    actor: ActorKind,
    actor_id: int | None,
    note: str | None,
    now: datetime,
    allowed: Collection[ClaimStatus],
) -> ClaimStatus:
    """Move `claim` to `to` if it is in one of `allowed`; return where it was."""
    current = ClaimStatus(claim.status)
    if current not in allowed:
        raise InvalidTransition(f"claim is {current.value}")
    claim.status = to
    claim.updated_at = now
    claim.history.append(
        ClaimEvent(
            from_status=current,
            to_status=to,
            actor_kind=actor,
            actor_id=actor_id,
            note=note,
            at=now,
        )
    )
    return current
