"""Whose language a notification is rendered in, read when it is sent.

A person's language is `ChatUser.language` (what Telegram said, or what they chose);
without one, the default language of the shop the notice is about; then English.
The staff group is shared by several people: it reads the shop's staff language.
The worker asks for a whole batch at once (`languages_of`): two queries per batch,
not one per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bot.services.notices import Notice
from storage.models import ChatUser, Shop
from storage.uow import UnitOfWork

DEFAULT_LANGUAGE = "en"


def language_code(tag: str | None) -> str | None:
    """The catalog language of a language tag: "es-MX" → "es" (None stays None)."""
    if not tag:
        return None
    return tag.replace("_", "-").split("-")[0].strip().lower() or None


def shop_language(settings: dict[str, Any] | None) -> str | None:
    """The shop's default language, for people who never chose one.  The shop
    language settings (`default_language`) are added by the locale work; a shop
    without the setting has none, and English is used."""
    return language_code(str((settings or {}).get("default_language") or "")) or None


def staff_language(settings: dict[str, Any] | None) -> str:
    """The staff group's language.  The locale work adds the shop setting
    `staff_language`; until a shop sets it, its default language, then the catalog's
    default (English)."""
    chosen = language_code(str((settings or {}).get("staff_language") or ""))
    return chosen or shop_language(settings) or DEFAULT_LANGUAGE


async def languages_of(uow: UnitOfWork, recipients: Sequence[tuple[int, Notice]]) -> list[str]:
    """The language each (chat id, notice) is rendered in, in order."""
    people = {chat for chat, n in recipients if n.AUDIENCE == "person"}
    shop_ids = {n.shop_id for _, n in recipients if n.shop_id is not None}
    spoken: dict[int, str] = {}
    if people:
        rows = await uow.session.execute(
            select(ChatUser.external_id, ChatUser.language).where(
                ChatUser.external_id.in_(people), ChatUser.language.is_not(None)
            )
        )
        for chat_id, language in rows:
            code = language_code(language)
            if code:
                spoken[int(chat_id)] = code
    settings: dict[int, dict[str, Any]] = {}
    if shop_ids:
        shops = await uow.session.execute(
            select(Shop.id, Shop.settings).where(Shop.id.in_(shop_ids))
        )
        settings = {int(shop_id): values or {} for shop_id, values in shops}
    languages: list[str] = []
    for chat_id, notice in recipients:
        shop = settings.get(notice.shop_id) if notice.shop_id is not None else None
        if notice.AUDIENCE == "staff":
            languages.append(staff_language(shop))
        else:
            languages.append(spoken.get(chat_id) or shop_language(shop) or DEFAULT_LANGUAGE)
    return languages
