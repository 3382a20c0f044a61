"""Domain errors.  Services raise them; handlers turn them into friendly messages."""

from __future__ import annotations

from decimal import Decimal


class DomainError(Exception):
    """Base of every error a user action can legitimately cause."""


class NotFound(DomainError):
    pass


class OrderNotFound(NotFound):
    pass


class ClaimNotFound(NotFound):
    pass


class ShopNotFound(NotFound):
    pass


class NotAllowed(DomainError):
    """The person asking has no right to do this (checked server-side, always)."""


class InvalidTransition(DomainError):
    """The thing is not in a state where this action applies."""


class AmountChanged(DomainError):
    """A confirmed money action would now pay a different amount than the person was
    shown (another refund on the order came first): nothing is paid, they are asked
    again with the new amount."""

    def __init__(self, amount: Decimal, currency: str) -> None:
        super().__init__(f"the amount is now {amount} {currency}")
        self.amount = amount
        self.currency = currency


class ReturnWindowClosed(DomainError):
    pass


class RefundExceedsPaid(DomainError):
    pass


class FileUnavailable(DomainError):
    """A file a person sent could not be fetched from the chat service."""

    def __init__(self, message: str, *, too_big: bool = False) -> None:
        super().__init__(message)
        self.too_big = too_big
