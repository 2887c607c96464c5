"""Every message kind and every notice the engine can send renders to real text."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.engine.messages import Kind, Outbound
from bot.rendering.renderer import Renderer

ENGINE = Path(__file__).resolve().parents[2] / "bot" / "engine" / "engine.py"


def notice_codes() -> set[str]:
    codes = set()
    for node in ast.walk(ast.parse(ENGINE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "notice" \
                and node.args and isinstance(node.args[0], ast.Constant):
            codes.add(str(node.args[0].value))
    return codes


def test_every_notice_code_has_its_own_words() -> None:
    renderer = Renderer()
    codes = notice_codes()
    assert len(codes) > 20
    for code in codes:
        text = renderer.render(Outbound(Kind.NOTICE, {
            "code": code, "word": "x", "topics": (), "next_due": None, "count": 3,
            "several": False, "names": ["A"], "reason": "r", "chosen": (), "available": [],
            "zone": "UTC", "days": 2, "added": 0, "changed": 0, "removed": 0, "problems": [],
            "hint": ""}))
        assert text and text != code, code


def test_every_kind_has_a_template() -> None:
    folder = Path(__file__).resolve().parents[2] / "bot" / "rendering" / "templates"
    assert {f"{kind.value}.txt" for kind in Kind} <= {p.name for p in folder.iterdir()}
