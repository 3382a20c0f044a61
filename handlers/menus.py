"""The command menus Telegram shows next to the text field, built from the catalog.

One builder for every channel and every menu: the buyer's (all private chats), a
seller's (their chat, set when they accept an invite) and the staff group's.  Command
names are fixed; their descriptions are catalog keys (`menu.<kind>.<command>`), so
each language has its menu, registered with Telegram's `language_code` and chosen by
the person's Telegram language.
"""

from __future__ import annotations

from typing import Literal

from handlers.catalog import Catalog, available_languages

MenuKind = Literal["buyer", "seller", "staff"]

COMMANDS: dict[MenuKind, tuple[str, ...]] = {
    "buyer": (
        "start",
        "orders",
        "return",
        "returns",
        "language",
        "settings",
        "help",
        "cancel",
        "human",
    ),
    # Chat-scoped menus replace the private-chat default, so sellers keep the buyer's
    # everyday commands too.
    "seller": (
        "claims",
        "refund",
        "stats",
        "insights",
        "returnaddress",
        "orders",
        "language",
        "help",
        "cancel",
    ),
    "staff": ("tickets", "note", "transcript", "close"),
}


def menu(catalog: Catalog, kind: MenuKind) -> tuple[tuple[str, str], ...]:
    """(command, description) pairs of one menu in the catalog's language."""
    return tuple((name, catalog.plain(f"menu.{kind}.{name}")) for name in COMMANDS[kind])


def menus_by_language(kind: MenuKind) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The menu once per catalog language, first with "" (no `language_code`: what a
    person whose language has no menu sees, in the default language)."""
    default = menu(Catalog(), kind)
    return [("", default)] + [(lang, menu(Catalog(lang), kind)) for lang in available_languages()]
