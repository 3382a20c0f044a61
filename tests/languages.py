"""A small second catalog for tests, whatever the real es.toml holds: a temporary
locales folder with the English catalog and a few Spanish keys, so rendering "in the
recipient's language" and the per-key fallback to English can be seen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from handlers import catalog

# Spanish for a few keys only: everything else must fall back to English, per key.
SPANISH = {
    "claim_update.REJECTED": (
        "Tu solicitud de devolución <b>{claim}</b> no fue aceptada por el vendedor.\\n"
        "Motivo: {note}\\n\\nPuedes apelar hasta el <b>{deadline}</b>."
    ),
    "claim_update.REFUNDED": (
        "✅ Tu solicitud <b>{claim}</b> se resolvió con un reembolso de <b>{amount}</b>."
    ),
    "seller_notify.claim_withdrawn": "↩️ El comprador retiró la solicitud <b>{claim}</b>.",
    "reject_reason.used_by_buyer": "Artículo usado o dañado por el comprador",
}


def _toml(messages: dict[str, str]) -> str:
    tables: dict[str, list[str]] = {}
    for key, text in messages.items():
        table, _, name = key.rpartition(".")
        tables.setdefault(table, []).append(f'{name} = "{text}"')
    return "\n".join(f"[{table}]\n" + "\n".join(rows) + "\n" for table, rows in tables.items())


@contextmanager
def spanish_catalog(
    monkeypatch: pytest.MonkeyPatch, folder: Path, messages: dict[str, str] | None = None
) -> Iterator[Path]:
    """The catalog reads `folder`: the repository's en.toml and an es.toml of
    `messages` (default SPANISH)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(catalog.LOCALES_DIR / "en.toml", folder / "en.toml")
    (folder / "es.toml").write_text(_toml(messages or SPANISH), encoding="utf-8")
    original = catalog.LOCALES_DIR
    monkeypatch.setattr(catalog, "LOCALES_DIR", folder)
    catalog.load_messages.cache_clear()
    catalog.available_languages.cache_clear()
    try:
        yield folder
    finally:
        monkeypatch.setattr(catalog, "LOCALES_DIR", original)
        catalog.load_messages.cache_clear()
        catalog.available_languages.cache_clear()
