"""The simulated clock of `microlearn run --start/--speed`: real time elapsed (read from an
injected monotonic source, never slept on) times the speed, from the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scheduler.clock import SimulatedClock

START = datetime(2027, 1, 4, 8, 55, tzinfo=UTC)


class Real:
    """A monotonic source the test moves by hand."""

    def __init__(self, at: float = 1000.0) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def test_the_clock_starts_at_its_start_and_runs_speed_times_real_time() -> None:
    real = Real()
    clock = SimulatedClock(START, speed=60, real=real)
    assert clock.now() == START
    real.at += 5  # five real seconds: five simulated minutes
    assert clock.now() == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    real.at += 0.5
    assert clock.now() == datetime(2027, 1, 4, 9, 0, 30, tzinfo=UTC)


def test_at_speed_one_it_keeps_real_time_from_its_start() -> None:
    real = Real()
    clock = SimulatedClock(START, real=real)
    real.at += 42.25
    assert clock.now() == START + timedelta(seconds=42.25)


def test_an_offset_start_is_the_same_instant_told_in_utc() -> None:
    auckland = datetime(2027, 1, 4, 8, 55, tzinfo=timezone(timedelta(hours=13)))
    clock = SimulatedClock(auckland, 10, Real())
    assert clock.now() == datetime(2027, 1, 3, 19, 55, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_a_source_that_stepped_back_does_not_move_the_clock_back() -> None:
    real = Real()
    clock = SimulatedClock(START, 2, real)
    real.at -= 30
    assert clock.now() == START


@pytest.mark.parametrize("speed", [0, -1, float("nan")])
def test_a_speed_of_zero_or_less_is_refused(speed: float) -> None:
    with pytest.raises(ValueError, match="speed must be above 0"):
        SimulatedClock(START, speed, Real())


def test_a_start_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SimulatedClock(datetime(2027, 1, 4, 8, 55), 1, Real())
