"""A shop's policy files as sections: the unit the search finds and an answer quotes.

Markdown files, one folder per shop code, plus a folder per translation inside it
(`SHOP/es/…`).  Each `##` or `###` heading starts a section; its id is
`file.md#heading-slug`, its title "Document › Section" (with any parent headings), so
an answer can name where it comes from.  A hidden `<!-- search: ... -->` line under a
heading adds words buyers use for it: searched, never shown.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from bot.domain.language_detect import ENGLISH, LANGUAGES, fold

DEFAULT_LANGUAGE = ENGLISH
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_TRANSLATIONS = frozenset(LANGUAGES) - {DEFAULT_LANGUAGE}


def slug(heading: str) -> str:
    """The heading as an id: accents folded ("Envíos a Canarias" → "envios-a-canarias"),
    anything else that is not a letter or digit a hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", fold(heading)).strip("-")


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str  # file.md#section-slug
    shop: str
    title: str  # "Returns › Return window"
    text: str
    # Words buyers use for this section, from `<!-- search: ... -->` lines the policy's
    # author wrote: searched, never shown.
    search_terms: str = ""
    # The language the section is written in (its folder: `SHOP/es/` is Spanish).
    language: str = DEFAULT_LANGUAGE


_SEARCH = re.compile(r"<!--\s*search:(.*?)-->", re.S | re.I)


def chunk_markdown(
    shop: str, file_name: str, markdown: str, language: str = DEFAULT_LANGUAGE
) -> list[Chunk]:
    """Split one policy file at its `##`/`###` headings."""
    doc_title = file_name.rsplit(".", 1)[0].replace("-", " ").capitalize()
    chunks: list[Chunk] = []
    parents: dict[int, str] = {}
    heading: tuple[int, str] | None = None
    lines: list[str] = []

    def flush() -> None:
        raw = "\n".join(lines)
        terms = " ".join(" ".join(m.split()) for m in _SEARCH.findall(raw))
        body = _SEARCH.sub("", raw).strip()
        if heading is not None and body:
            level, name = heading
            trail = [parents[lvl] for lvl in sorted(parents) if 2 <= lvl < level]
            title = " › ".join([doc_title, *trail, name])
            chunks.append(Chunk(f"{file_name}#{slug(name)}", shop, title, body, terms, language))

    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        level, name = len(match.group(1)), match.group(2).strip()
        if level == 1:
            doc_title = name
            continue
        flush()
        parents = {k: v for k, v in parents.items() if k < level}
        parents[level] = name
        heading, lines = (level, name), []
    flush()
    return chunks


def policy_files(root: Path) -> dict[tuple[str, str], list[Path]]:
    """Markdown files by (shop folder, language): the folder's own files are
    `DEFAULT_LANGUAGE`, a subfolder named after another language (`es/`) holds that
    language's."""
    found: dict[tuple[str, str], list[Path]] = {}
    if not root.is_dir():
        return found
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        places = [(DEFAULT_LANGUAGE, folder)] + [
            (sub.name, sub) for sub in sorted(folder.iterdir()) if sub.name in _TRANSLATIONS
        ]
        for language, place in places:
            files = sorted(place.glob("*.md")) if place.is_dir() else []
            if files:
                found[(folder.name, language)] = files
    return found


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for (shop, language), files in policy_files(root).items():
        for path in files:
            h.update(f"{shop}/{language}/{path.name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def build_chunks(root: Path) -> list[Chunk]:
    chunks: list[Chunk] = []
    for (shop, language), files in policy_files(root).items():
        for path in files:
            text = path.read_text(encoding="utf-8")
            chunks += chunk_markdown(shop, path.name, text, language)
    return chunks


_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


def split_passages(text: str) -> list[str]:
    """A section's paragraphs, each list item on its own: the places where one idea is
    said."""
    passages: list[str] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if not line.strip() or _LIST_ITEM.match(line):
            if current:
                passages.append("\n".join(current))
            current = [line] if line.strip() else []
        else:
            current.append(line)
    return passages


def passages_of(chunk: Chunk) -> list[str]:
    """A section's paragraphs and list items (its whole text when it has none)."""
    return split_passages(chunk.text) or [chunk.text]
