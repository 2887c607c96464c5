"""DESIGN §2: the Slack SDKs are imported only inside bot/adapters/slack."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_only_the_slack_adapter_imports_the_slack_sdks() -> None:
    offenders = []
    for package in ("bot", "scheduler", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            if (ROOT / "bot" / "adapters" / "slack") in path.parents:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(name.split(".")[0] in ("slack_bolt", "slack_sdk") for name in names):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
