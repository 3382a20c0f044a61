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


@cache
def available_languages() -> tuple[str, ...]:
    """The catalog's languages: its files ship with the code, so the folder is read
    once (a catalog is built for every update)."""
    return tuple(sorted(p.stem for p in LOCALES_DIR.glob("*.toml")))


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
        return any(k in self._messages or k in self._fallback for k in (key, f"{key}.other"))

    def raw(self, key: str, count: Any = None) -> str:
        """The template of `key`; for a plural key, the form that fits `count`.

        A plural key is a table of CLDR plural categories in the TOML file
        (`photos = { one = "{count} photo", other = "{count} photos" }`); the category
        comes from Babel's plural rules for the catalog's language, so a language with
        more forms (`few`, `many`) only adds entries.
        """
        for messages in (self._messages, self._fallback):
            if key in messages:
                return messages[key]
            if f"{key}.other" in messages:
                if count is None:
                    raise KeyError(f"plural message {key!r} needs a count parameter")
                category = _plural_category(self.language, count)
                return messages.get(f"{key}.{category}") or messages[f"{key}.other"]
        raise KeyError(f"message catalog has no key {key!r}")

    def t(self, key: str, **params: Any) -> str:
        """Render `key` with every parameter HTML-escaped (unless it is `Safe`)."""
        template = self.raw(key, params.get("count"))
        escaped = {name: _escape(value) for name, value in params.items()}
        return template.format_map(escaped)

    def plain(self, key: str, **params: Any) -> str:
        """Render for places that take no HTML (button labels, callback answers)."""
        template = self.raw(key, params.get("count"))
        return template.format_map({k: str(v) for k, v in params.items()})


@cache
def _plural_rule(language: str) -> Any:
    from babel import Locale  # imported on first plural, not at start

    return Locale.parse(language).plural_form


def _plural_category(language: str, count: Any) -> str:
    """CLDR category (`one`, `few`, `other`, …) of `count` in `language`."""
    try:
        number = abs(float(str(count).replace(",", "")))
    except ValueError:
        return "other"
    value: int | float = int(number) if number.is_integer() else number
    return str(_plural_rule(language)(value))


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}
