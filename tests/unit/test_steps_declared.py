"""Every step a flow can put a conversation in says what text it takes and how to ask
again: a text handler (`@router.step`) and a prompt (`@router.prompt`).  Without them,
text typed at that step would only get a generic line (see handlers/escapes.py)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from handlers.routing import build_router

ROOT = Path(__file__).resolve().parents[2]


def _steps_entered() -> dict[str, str]:
    """Step name → where a handler moves a conversation into it."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for node in ast.walk(ast.parse(path.read_text())):
            target: ast.expr | None = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "go"
                and node.args
            ):
                target = node.args[0]
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Attribute)
                and node.targets[0].attr == "step"
            ):
                target = node.value
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                found[target.value] = f"{module_name}:{node.lineno}"
            elif isinstance(target, ast.Name) and isinstance(getattr(module, target.id, None), str):
                found[getattr(module, target.id)] = f"{module_name}:{node.lineno}"
    return found


def test_the_scan_finds_the_flows() -> None:
    steps = _steps_entered()
    assert {"ret.qty", "link.proof", "claim.tracking"} <= set(steps)


def test_every_step_has_a_text_handler_and_a_prompt() -> None:
    router = build_router()
    missing = {
        step: where
        for step, where in _steps_entered().items()
        if step not in router.steps or step not in router.prompts
    }
    assert missing == {}
