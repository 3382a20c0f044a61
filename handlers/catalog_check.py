"""`run_bot.py catalog check`: every language's catalog says the same things.

English (`en.toml`) is the reference.  For every other language it reports:
- **missing** keys (in English, not in the language: the reader would get English);
- **extra** keys (in the language only: a typo, or a key English renamed);
- **parameters**: a message whose `{name}`s differ from English's (a parameter the
  code passes would be dropped, or one it never passes would raise);
- **tags**: a message whose HTML tags differ (`<b>` kept bold, `<code>` copyable);
- **plurals**: a plural message that is plural in one language and plain in the
  other, or whose forms are not exactly the CLDR categories Babel gives for the
  language (English: one, other; Spanish: one, many, other).

Every language, English too, is also checked for **markdown**: `*Skip*` or `_Skip_`
in a message sent with parse mode HTML reaches the reader with its asterisks (bold is
`<b>Skip</b>`).

A plural message is a table whose keys are CLDR categories (`zero one two few many
other`, with `other`); it counts as one message, named by the table.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from handlers.catalog import LOCALES_DIR, template_fields

CATEGORIES = ("zero", "one", "two", "few", "many", "other")
REFERENCE = "en"
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
# Markdown emphasis around a word or a few ("*Skip*", "_Omitir_"), not a lone "*".
_MARKDOWN = re.compile(r"(?<![\w*])([*_])[^\s*_][^*_\n]{0,40}(?<!\s)\1(?![\w*])")


@dataclass(frozen=True, slots=True)
class Problem:
    language: str
    kind: str  # missing | extra | parameters | tags | plurals | markdown
    key: str
    detail: str = ""

    def __str__(self) -> str:
        tail = f": {self.detail}" if self.detail else ""
        return f"{self.language}: {self.kind} {self.key}{tail}"


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a catalog: its plain template, or its plural forms."""

    forms: dict[str, str]  # {"": template} for a plain message
    plural: bool


def messages(flat: dict[str, str]) -> dict[str, Message]:
    """The catalog's flattened keys grouped into messages (plural tables as one)."""
    groups: dict[str, dict[str, str]] = {}
    for key, value in flat.items():
        head, _, last = key.rpartition(".")
        groups.setdefault(head, {})[last] = value
    plural_heads = {
        head
        for head, forms in groups.items()
        if head and "other" in forms and set(forms) <= set(CATEGORIES)
    }
    out: dict[str, Message] = {}
    for key, value in flat.items():
        head = key.rpartition(".")[0]
        if head in plural_heads:
            continue
        out[key] = Message({"": value}, plural=False)
    for head in plural_heads:
        out[head] = Message(dict(groups[head]), plural=True)
    return out


def _params(message: Message) -> set[str]:
    return set().union(*(template_fields(t) for t in message.forms.values()))


def _tags(message: Message) -> Counter[str]:
    text = message.forms.get("other", message.forms.get("", ""))
    return Counter(tag.lower() for tag in _TAG.findall(text))


def plural_categories(language: str) -> set[str]:
    """The CLDR plural categories Babel knows for `language` (always with `other`)."""
    from babel import Locale

    return set(Locale.parse(language).plural_form.tags) | {"other"}


def compare(language: str, theirs: dict[str, str], reference: dict[str, str]) -> list[Problem]:
    """What is wrong with one language's flattened catalog against the reference's."""
    mine, ref = messages(theirs), messages(reference)
    problems: list[Problem] = []
    for key in sorted(ref.keys() - mine.keys()):
        problems.append(Problem(language, "missing", key))
    for key in sorted(mine.keys() - ref.keys()):
        problems.append(Problem(language, "extra", key))
    wanted = plural_categories(language)
    for key in sorted(mine.keys() & ref.keys()):
        a, b = mine[key], ref[key]
        if a.plural != b.plural:
            shape = "plural" if a.plural else "not plural"
            problems.append(Problem(language, "plurals", key, f"{shape} here, not in English"))
        elif a.plural and set(a.forms) != wanted:
            have, need = ", ".join(sorted(a.forms)), ", ".join(sorted(wanted))
            problems.append(Problem(language, "plurals", key, f"has {have}; needs {need}"))
        if _params(a) != _params(b):
            detail = _difference(_params(a), _params(b))
            problems.append(Problem(language, "parameters", key, detail))
        if _tags(a) != _tags(b):
            detail = _difference(set(_tags(a) - _tags(b)), set(_tags(b) - _tags(a)))
            problems.append(Problem(language, "tags", key, detail))
    return problems


def _difference(here: set[str], there: set[str]) -> str:
    parts = []
    if here - there:
        parts.append("only here: " + ", ".join(sorted(here - there)))
    if there - here:
        parts.append("only in English: " + ", ".join(sorted(there - here)))
    return "; ".join(parts)


def check(folder: Path = LOCALES_DIR) -> list[Problem]:
    """Every language file in `folder` against `en.toml`, plus English's own plural
    tables against English's plural categories."""
    import tomllib

    from handlers.catalog import _flatten

    def load(path: Path) -> dict[str, str]:
        flat: dict[str, str] = {}
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), flat)
        return flat

    reference = load(folder / f"{REFERENCE}.toml")
    problems: list[Problem] = []
    for key, message in sorted(messages(reference).items()):
        wanted = plural_categories(REFERENCE)
        if message.plural and set(message.forms) != wanted:
            have = ", ".join(sorted(message.forms))
            need = ", ".join(sorted(wanted))
            problems.append(Problem(REFERENCE, "plurals", key, f"has {have}; needs {need}"))
    for path in sorted(folder.glob("*.toml")):
        flat = load(path)
        if path.stem != REFERENCE:
            problems.extend(compare(path.stem, flat, reference))
        problems.extend(markdown(path.stem, flat))
    return problems


def markdown(language: str, flat: dict[str, str]) -> list[Problem]:
    """Messages with Markdown emphasis, which parse mode HTML shows as typed."""
    return [
        Problem(language, "markdown", key, found.group(0))
        for key, text in sorted(flat.items())
        if (found := _MARKDOWN.search(text)) is not None
    ]
