"""The framework-free core must stay framework-free (README, "Architecture")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = [ROOT / "bot" / "services", ROOT / "bot" / "domain", ROOT / "handlers", ROOT / "storage"]
FRAMEWORKS = {"aiogram", "telegram"}


def imported_top_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def core_files() -> list[Path]:
    return sorted(p for folder in CORE if folder.exists() for p in folder.rglob("*.py"))


def test_core_folders_exist_and_have_code() -> None:
    # Guards the guard: if the folders moved, the test below would pass vacuously.
    assert len(core_files()) >= 5


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_a_chat_framework(path: Path) -> None:
    used = imported_top_modules(path.read_text(encoding="utf-8")) & FRAMEWORKS
    assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}"


def test_detector_catches_each_import_form() -> None:
    assert imported_top_modules("import aiogram") == {"aiogram"}
    assert imported_top_modules("from telegram.ext import Application") == {"telegram"}
    assert imported_top_modules("def f():\n    import aiogram.types as t") == {"aiogram"}
    assert imported_top_modules("from .telegram import x") == set()
