"""No user-facing English outside the catalog (issue 16): an AST scan of bot/ and
handlers/ for string literals where people read them, i.e. passed to a reply, an
answer or a message (`ctx.reply("Hello")`, `SendText(chat, "Done")`, a `Button`
label), or stored as a claim history note (`note="withdrawn by the buyer"`), which
people read later.  Text there must come from the catalog (`ctx.t(...)`) or be a code
(`coded("withdrawn")`); the few literals that are not words for people are listed in
ALLOWED with the reason."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("bot", "handlers")
SKIP = ("bot/emulator",)  # the Bot API emulator is Telegram's side, not the bot's words

# Calls whose text a person reads: (argument position, keyword).
METHODS = {"reply": (0, "text"), "edit_or_reply": (0, "text"), "answer": (0, "text")}
CLASSES = {
    "SendText": (1, "text"),
    "EditText": (2, "text"),
    "AnswerButton": (1, "text"),
    "Button": (0, "text"),
    "SendPhotos": (None, "caption"),
    "SendDocument": (None, "caption"),
}
STORED = ("note",)  # keyword arguments that go into history a person reads later

WORDS = re.compile(r"[A-Za-z]{2,}")
CODE = re.compile(r"^[a-z0-9_:.\-/]*$")  # "withdrawn", "opened:", "rated:": codes

# (path, literal): why it may stay.
ALLOWED: dict[tuple[str, str], str] = {}


def _literals(node: ast.AST | None) -> Iterator[str]:
    """The literal text in an expression (plain, f-string parts, joined, either branch)."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            yield from _literals(part)
    elif isinstance(node, ast.BinOp):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literals(value)


def _read_by_people(call: ast.Call) -> Iterator[ast.AST]:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    where = METHODS.get(name or "") if isinstance(func, ast.Attribute) else CLASSES.get(name or "")
    if where is not None:
        position, keyword = where
        if position is not None and len(call.args) > position:
            yield call.args[position]
        yield from (k.value for k in call.keywords if k.arg == keyword)
    yield from (k.value for k in call.keywords if k.arg in STORED)


def english(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every user-facing English literal in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for argument in _read_by_people(node):
            for text in _literals(argument):
                if WORDS.search(text) and not CODE.match(text):
                    found.append((node.lineno, text))
    return found


def _files() -> list[Path]:
    paths = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith(SKIP):
                paths.append(path)
    return paths


def test_the_scan_sees_the_code() -> None:
    # Guards the guard: if the folders moved, the test below would pass vacuously.
    assert len(_files()) > 100


def test_no_user_facing_english_outside_the_catalog() -> None:
    problems = []
    for path in _files():
        relative = path.relative_to(ROOT).as_posix()
        for line, text in english(path.read_text(encoding="utf-8")):
            if (relative, text) not in ALLOWED:
                problems.append(f"{relative}:{line}: {text!r}")
    assert not problems, "English outside the catalog (use ctx.t / a code):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        'ctx.reply("Hello")',
        'ctx.reply(f"Order {number} shipped")',
        'ctx.answer("Done", alert=True)',
        'actions.append(SendText(chat_id, "Your refund is on its way"))',
        'Keyboard.of([Button("Open", "o:1")])',
        'move(claim, status, actor=actor, actor_id=None, note="withdrawn by the buyer", now=now)',
        'ctx.reply(text if ok else "Sorry")',
    ],
)
def test_the_scan_catches_english_where_people_read_it(source: str) -> None:
    assert english(source), source


@pytest.mark.parametrize(
    "source",
    [
        'ctx.reply(ctx.t("orders.none"))',
        'Button(ctx.catalog.plain("claims.ship"), f"cs:{claim_id}")',
        'move(claim, status, note=coded("withdrawn"), now=now)',
        'log.warning("outbox delivery failed", extra={"error": error})',
        'SendText(chat_id, "📷")',
        'event_row(ticket.id, "opened:" + reason.value, None, now)',
    ],
)
def test_the_scan_lets_catalog_text_codes_and_logs_through(source: str) -> None:
    assert not english(source), source
