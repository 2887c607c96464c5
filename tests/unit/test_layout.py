"""The dependency rules of DESIGN §2, checked on the imports themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("storage", ("bot",)),
        ("bot/engine", ("bot.adapters", "bot.web", "scheduler", "slack_bolt", "telegram")),
        ("bot/content", ("bot.adapters", "bot.web", "bot.engine", "scheduler", "storage")),
        ("bot/adapters", ("storage", "sqlmodel", "sqlalchemy")),
    ],
)
def test_package_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    bad = sorted(name for name in imports(package)
                 if any(name == f or name.startswith(f"{f}.") for f in forbidden))
    assert bad == [], f"{package} imports {bad}"
