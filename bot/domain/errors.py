"""Domain errors.  Services raise them; handlers turn them into friendly messages."""

from __future__ import annotations


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


class ReturnWindowClosed(DomainError):
    pass


class RefundExceedsPaid(DomainError):
    pass


class FileUnavailable(DomainError):
    """A file a person sent could not be fetched from the chat service."""

    def __init__(self, message: str, *, too_big: bool = False) -> None:
        super().__init__(message)
        self.too_big = too_big
