"""Message catalog: every user-visible string is a key in `locales/<lang>.toml`.

Templates are trusted HTML written by us; every parameter is escaped when rendered, so
text that came from a user (names, notes, order numbers they typed) can never break
Telegram's HTML parser or inject markup.  A parameter that is itself already-rendered
HTML (e.g. a list built from other templates) is wrapped in `Safe`.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Safe:
    """HTML that is already escaped (rendered from the catalog); inserted as is."""

    html: str

    def __str__(self) -> str:
        return self.html


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value).strip("\n") if isinstance(value, str) else str(value)


@cache
def load_messages(language: str) -> dict[str, str]:
    path = LOCALES_DIR / f"{language}.toml"
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    messages: dict[str, str] = {}
    _flatten("", data, messages)
    return messages


def available_languages() -> list[str]:
    return sorted(p.stem for p in LOCALES_DIR.glob("*.toml"))


def _escape(value: Any) -> str:
    if isinstance(value, Safe):
        return value.html
    return html.escape(str(value), quote=False)


class Catalog:
    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in available_languages() else DEFAULT_LANGUAGE
        self._messages = load_messages(self.language)
        self._fallback = load_messages(DEFAULT_LANGUAGE)

    def has(self, key: str) -> bool:
        return key in self._messages or key in self._fallback

    def raw(self, key: str) -> str:
        try:
            return self._messages.get(key) or self._fallback[key]
        except KeyError:
            raise KeyError(f"message catalog has no key {key!r}") from None

    def t(self, key: str, **params: Any) -> str:
        """Render `key` with every parameter HTML-escaped (unless it is `Safe`)."""
        template = self.raw(key)
        escaped = {name: _escape(value) for name, value in params.items()}
        return template.format_map(escaped)

    def plain(self, key: str, **params: Any) -> str:
        """Render for places that take no HTML (button labels, callback answers)."""
        return self.raw(key).format_map({k: str(v) for k, v in params.items()})


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}
