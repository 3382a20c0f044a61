"""Whose language a notification is rendered in, read when it is sent.

A person reads their language as the chat core would answer them (see
`bot.domain.languages`): their choice (/language), else what Telegram reported, if the
shop the notice is about speaks it; else that shop's default; else English.  The staff
group is shared by several people: it reads the shop's staff language.  The worker asks
for a whole batch at once (`languages_of`): two queries per batch, not one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.domain.languages import FALLBACK, recipient_language, staff_language
from bot.services.notices import Notice
from bot.services.shops import Languages, catalog_languages
from storage.uow import UnitOfWork

DEFAULT_LANGUAGE = FALLBACK


async def languages_of(
    uow: UnitOfWork,
    recipients: Sequence[tuple[int, Notice]],
    available: Callable[[], Languages] = catalog_languages,
) -> list[str]:
    """The language each (chat id, notice) is rendered in, in order."""
    catalog = available()
    spoken = await uow.chat_users.languages(
        chat for chat, n in recipients if n.AUDIENCE == "person"
    )
    settings = await uow.shops.settings_of(
        n.shop_id for _, n in recipients if n.shop_id is not None
    )
    languages: list[str] = []
    for chat_id, notice in recipients:
        shop = settings.get(notice.shop_id) if notice.shop_id is not None else None
        if notice.AUDIENCE == "staff":
            languages.append(staff_language(shop, catalog))
        else:
            stored, chosen = spoken.get(chat_id, (None, False))
            languages.append(recipient_language(stored, chosen, shop, catalog))
    return languages
