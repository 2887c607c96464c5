"""Shared fixtures: paths to the checked-in lesson folders and a bounded wait helper."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "lessons"
SAMPLE = Path(__file__).parent.parent / "lessons"


@pytest.fixture
def data_dir() -> Path:
    """The checked-in test lesson folders (good/, bad/, cross/)."""
    return DATA


def wait_for(condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> float:
    """Poll ``condition`` until it holds; return the seconds it took. Fails after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - started
