"""Telegram's error answers, as exceptions the method handlers raise.

Handlers stay readable when a refusal is a one-line `raise bad_request("chat not found")`;
the server turns the exception into Telegram's exact error shape
(`{"ok": false, "error_code": ..., "description": ...}`) and records the rejection.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal in Telegram's own words: HTTP status, description and optional parameters."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class ScriptError(Exception):
    """A scripted user tried something a real Telegram client cannot do.

    Raised by the in-process user API (pressing a button that does not exist, writing in a
    closed topic, ...) so that a test fails at the impossible step rather than later.
    """


def bad_request(detail: str) -> ApiError:
    """400 "Bad Request: <detail>"."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """403 "Forbidden: <detail>"."""
    return ApiError(403, f"Forbidden: {detail}")


def not_found() -> ApiError:
    """404 for an unknown method, as api.telegram.org answers it."""
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    """401 for a token that does not belong to the bot."""
    return ApiError(401, "Unauthorized")


def conflict(detail: str) -> ApiError:
    """409 "Conflict: <detail>" (concurrent getUpdates, webhook set)."""
    return ApiError(409, f"Conflict: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 with parameters.retry_after, which aiogram and PTB both turn into RetryAfter."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def internal_error() -> ApiError:
    """500, as Telegram answers when its backend fails."""
    return ApiError(500, "Internal Server Error")


def entity_parse_error(detail: str) -> ApiError:
    """A parse-mode failure, prefixed the way the Bot API server prefixes tdlib's message."""
    return bad_request(f"can't parse entities: {detail}")
