"""Structured logs that never carry emails, phone numbers, payment card numbers or tokens.

Every record goes through `Redactor`, which masks anything that looks like a secret
even when a library (aiohttp, aiogram) logs a URL with the bot token in it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from bot.domain.cards import mask_cards

# Credentials in URLs (database, webhooks): scheme://user:PASSWORD@host, whatever the
# host is (a name or an IP), and password-like query parameters.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*):[^\s/]*@")
_QUERY_SECRET = re.compile(r"(?i)\b(?P<name>password|passwd|pwd|secret|token)=[^&\s]+")
# Telegram bot tokens, also inside URLs like /bot123:ABC/getUpdates
_TOKEN = re.compile(r"\d{5,12}:[A-Za-z0-9_-]{30,}")
# Any script: "jörg@bücher.de", "иван@почта.рф" (\w is Unicode).
_EMAIL = re.compile(r"[\w.%+-]+@(?:[\w-]+\.)+[^\W\d_]{2,}")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphens, en/em dash, minus sign
# Numbers that are not phones, matched first so a phone candidate never starts inside
# them: ISO dates and times, IPv4 addresses, UUIDs, long hex digests, and digit runs
# longer than any phone number (E.164 allows 15 digits), such as order numbers.
_KEEP = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|\b[0-9a-fA-F]{32,}\b"
    r"|(?<![\d+])\d{16,}"
)
# Phone-like: 7+ digits, optionally a leading +, separated by spaces, dots, brackets,
# slashes, hyphens or dashes ("+1 (555) 010-4477", "555/010-4477", "555–010–4477").
_PHONE = rf"\+?\(?\d[\d\s().\-/{_DASHES}]{{5,}}\d"
_NUMBERS = re.compile(rf"(?P<keep>{_KEEP})|(?P<phone>{_PHONE})")
_DECIMAL = re.compile(r"\d+\.\d+")  # 12345.67 or 0.1234567: a number, not a phone


def _number(match: re.Match[str]) -> str:
    text = match.group()
    if match.group("keep") is not None or _DECIMAL.fullmatch(text):
        return text
    return "<phone>" if sum(c.isdigit() for c in text) >= 7 else text


def _redact_secrets(text: str) -> str:
    """Credentials, tokens and emails: never legitimately in any field."""
    text = _URL_PASSWORD.sub(r"\g<head>:<password>@", text)
    text = _QUERY_SECRET.sub(r"\g<name>=<secret>", text)
    text = _TOKEN.sub("<token>", text)
    return _EMAIL.sub("<email>", text)


def redact(text: str) -> str:
    """Mask credentials, tokens, emails, payment card numbers (`bot.domain.cards`:
    an 18-digit order number is no card there) and phone numbers in free text (a
    message, an error, a traceback), keeping order numbers, dates, times and addresses
    readable."""
    return _NUMBERS.sub(_number, mask_cards(_redact_secrets(text), "<card>"))


# Structured fields whose values are identifiers, times or counts: a phone-shaped
# value there is an id (an 18-digit order number, an update id), never a phone, so
# only the secret patterns apply.  Anything else (message, error, detail, ...) is free
# text and fully redacted.
_PLAIN_FIELDS = frozenset(
    {"order", "order_number", "number", "claim", "claim_number", "ticket", "shop", "count"}
    | {"attempts", "ts", "at", "status", "reason", "kind", "mode", "version", "size"}
)
_PLAIN_SUFFIXES = ("_id", "_ids", "_at", "_count", "_seconds", "_ms", "_number")
_PERSONAL = ("phone", "email", "contact", "name", "text", "note", "proof")

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


def is_plain_field(key: str) -> bool:
    key = key.lower()
    if any(word in key for word in _PERSONAL):
        return False
    return key in _PLAIN_FIELDS or key.endswith(_PLAIN_SUFFIXES)


def _redact_value(value: Any, plain: bool = False) -> Any:
    if isinstance(value, str):
        return _redact_secrets(value) if plain else redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v, is_plain_field(str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(v, plain) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _redact_value(str(value), plain)  # Decimal, datetime, exceptions, objects


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: _redact_value(value, is_plain_field(key))
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRS and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        entry.update(_extras(record))
        if record.exc_info:
            # Exception text is free text: SQL parameters, a library's message, ...
            entry["exc"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname:<7} {record.name}: {redact(record.getMessage())}"
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        if record.stack_info:
            line += "\n" + redact(self.formatStack(record.stack_info))
        return line


def setup_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's access log and httpx's request log print full URLs (with the token).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Migration chatter on every start says nothing an operator needs.
    logging.getLogger("alembic").setLevel(logging.WARNING)
