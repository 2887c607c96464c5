"""The dependency rules of DESIGN §2 and docs/architecture.md, checked on the imports themselves
(every import statement, also those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    """The absolute modules one file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def imports(package: str) -> set[str]:
    """The absolute modules a package (or module file) imports."""
    target = ROOT / package
    paths = [target] if target.suffix == ".py" else list(target.rglob("*.py"))
    return set().union(*(imports_of(path) for path in paths))


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes)


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("storage", ("bot", "scheduler")),
        ("bot/engine", ("bot.adapters", "bot.web", "bot.app", "bot.rendering", "scheduler",
                        "slack_bolt", "slack_sdk", "telegram", "sqlmodel", "sqlalchemy")),
        ("bot/content", ("bot.adapters", "bot.web", "bot.engine", "scheduler", "storage")),
        # The neutral model shares the domain's vocabulary (Platform) with storage's records.
        ("bot/messages.py", ("bot.adapters", "bot.engine", "scheduler", "storage.database",
                             "storage.repositories", "storage.unit", "sqlmodel", "sqlalchemy")),
        ("bot/ports.py", ("bot.adapters", "bot.engine", "scheduler", "storage")),
        ("bot/rendering", ("bot.adapters", "bot.engine", "scheduler", "storage")),
        ("scheduler", ("bot.adapters", "bot.web", "bot.app", "sqlmodel", "sqlalchemy",
                       "slack_bolt", "slack_sdk", "telegram")),
    ],
)
def test_package_does_not_import(package: str, forbidden: tuple[str, ...]) -> None:
    bad = sorted(name for name in imports(package) if under(name, forbidden))
    assert bad == [], f"{package} imports {bad}"


ADAPTER_MAY_IMPORT = ("bot.messages", "bot.ports", "bot.rendering", "bot.adapters",
                      "bot.content", "bot.errors", "bot.config", "bot.metrics")
"""What an adapter may use of the bot: the neutral model, the ports, rendering, the lesson
model (for images and plain text), the error tree, its own settings and the metrics it counts
(429s)."""


def test_adapters_import_only_the_neutral_model_the_ports_rendering_and_their_sdk() -> None:
    bad = sorted(name for name in imports("bot/adapters")
                 if under(name, ("bot", "scheduler", "storage", "sqlmodel", "sqlalchemy"))
                 and not under(name, ADAPTER_MAY_IMPORT))
    assert bad == [], f"adapters import {bad}"


@pytest.mark.parametrize(("sdk", "home"), [(("slack_bolt", "slack_sdk"), "bot/adapters/slack"),
                                           (("telegram",), "bot/adapters/telegram")])
def test_a_platform_sdk_is_imported_only_in_its_adapter(sdk: tuple[str, ...], home: str) -> None:
    outside = sorted(str(path.relative_to(ROOT))
                     for package in ("bot", "scheduler", "storage")
                     for path in (ROOT / package).rglob("*.py")
                     if not path.is_relative_to(ROOT / home)
                     and any(under(name, sdk) for name in imports_of(path)))
    assert outside == [], f"{sdk} imported outside {home}: {outside}"


def test_the_neutral_model_and_the_adapters_load_no_database_layer() -> None:
    """What an import loads, not only what it names: a fresh interpreter imports the neutral
    model, the ports, rendering and every adapter, and SQLAlchemy must not come with them."""
    import subprocess
    import sys

    script = ("import sys, bot.messages, bot.ports, bot.rendering.renderer, "
              "bot.adapters.console, bot.adapters.telegram, bot.adapters.slack; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] in "
              "('sqlalchemy', 'sqlmodel', 'alembic', 'scheduler')))")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_every_data_file_of_the_bot_ships_in_its_package() -> None:
    # An editable install reads them from the checkout; a wheel carries only what
    # package-data names (a data file left out works here and fails on a user's machine).
    import fnmatch
    import tomllib

    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = settings["tool"]["setuptools"]["package-data"]["bot"]
    data = [path.relative_to(ROOT / "bot").as_posix() for path in (ROOT / "bot").rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts]
    assert "content/data/unrelated_questions.txt" in data
    missing = [name for name in data
               if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns)]
    assert missing == []
