"""`microlearn run --start/--speed`: the refusals, the warning at start, and the real-time
intervals that shrink with the speed."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import MAX_SPEED, Runtime, dispatch_settings, scan_interval
from bot.cli import main
from bot.config import Secrets, Settings
from bot.content.catalog import Catalog
from bot.errors import ConfigError
from scheduler.clock import SimulatedClock, SystemClock
from scheduler.service import Timing
from storage import Database
from tests.fakes.harness import MONDAY, Bot, make_bot

NO_SECRETS = Secrets(None, None, None, None)


class Real:
    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def bot(database: Database, sample_catalog: Catalog) -> Bot:
    return make_bot(database, sample_catalog)


def runtime(clock: SimulatedClock | SystemClock, zone: str = "UTC") -> Runtime:
    return Runtime(Settings.model_validate({"schedule": {"time_zone": zone}}), NO_SECRETS, clock)


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("speed", ["0", "-2", "nan", "inf", str(MAX_SPEED + 1)])
def test_a_speed_of_zero_or_less_or_absurdly_high_is_refused_with_what_to_give(
        speed: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--config", str(tmp_path / "none.toml"),
                                       "--speed", speed])
    assert result.exit_code == 2, result.output
    assert "is not a speed a simulated clock can run at: give one above 0 and at most 1440" \
        in result.output
    assert "leave --speed out for real time" in result.output


@pytest.mark.parametrize("start", ["2027-01-04", "monday", "2027-01-04T25:00"])
def test_a_start_that_is_no_date_and_time_is_refused_with_an_example(
        start: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--config", str(tmp_path / "none.toml"),
                                       "--start", start])
    assert result.exit_code == 2, result.output
    assert "write it like 2027-01-04T08:55, or with its offset like 2027-01-04T08:55+13:00" \
        in result.output


def test_a_start_without_an_offset_is_read_in_the_configs_zone_and_an_offset_honoured(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As `demo --start` reads it: the engine's default zone, [schedule] time_zone."""
    import bot.app

    seen: list[datetime] = []

    async def serve(runtime: Runtime) -> None:  # `run` up to the runtime, which is not started
        assert isinstance(runtime.clock, SimulatedClock)
        seen.append(runtime.clock.start)
    monkeypatch.setattr(bot.app, "serve", serve)
    config = tmp_path / "config.toml"
    config.write_text('[schedule]\ntime_zone = "Pacific/Auckland"\n', encoding="utf-8")
    for start in ("2027-01-04T08:55", "2027-01-04T08:55+01:00", "2027-01-04T08:55Z"):
        result = CliRunner().invoke(main, ["run", "--config", str(config), "--start", start,
                                           "--speed", "60"])
        assert result.exit_code == 0, result.output
    assert seen == [datetime(2027, 1, 3, 19, 55, tzinfo=UTC),  # 08:55 at UTC+13
                    datetime(2027, 1, 4, 7, 55, tzinfo=UTC),
                    datetime(2027, 1, 4, 8, 55, tzinfo=UTC)]
    before = datetime.now(UTC)
    result = CliRunner().invoke(main, ["run", "--config", str(config), "--speed", "2"])
    assert result.exit_code == 0, result.output
    assert before <= seen[-1] <= datetime.now(UTC)  # --speed alone: from now


def test_a_simulated_run_says_loudly_what_it_is(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    clock = SimulatedClock(datetime(2027, 1, 4, 7, 55, tzinfo=UTC), 60, Real())
    runtime(clock, "Europe/Berlin")._check_clock(database)
    # No skew warning against the database server's clock: only the simulated clock's.
    [said] = warnings(caplog)
    assert said.startswith("running on a simulated clock from 2027-01-04 08:55 CET at 60 x "
                           "real time: for trying schedules, not for production (one replica "
                           "only"), said


def test_a_start_before_the_databases_latest_record_is_refused_with_where_to_go_on(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """The learner's stored times are at MONDAY (a lesson delivered): a clock started before
    would take them back in time."""
    bot.enrol("ada")
    bot.say("ada", "lesson")
    before = SimulatedClock(MONDAY - timedelta(days=1), 60, Real())
    with pytest.raises(ConfigError) as refused:
        runtime(before)._check_clock(bot.database)
    said = str(refused.value)
    assert said.startswith("--start 2026-03-01 08:00 UTC is before this database's latest "
                           "record (2026-03-02 08:00 UTC): a simulated clock never goes back")
    assert "give --start 2026-03-02T08:01 or later to go on, or point [storage] url at a " \
        "fresh database to start over" in said
    assert warnings(caplog) == []
    runtime(SimulatedClock(MONDAY + timedelta(minutes=1), 60, Real()))._check_clock(bot.database)
    assert warnings(caplog)[0].startswith("running on a simulated clock")


def test_the_system_clock_behind_a_simulated_runs_records_is_warned_of(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    bot.clock.set(datetime(2099, 1, 5, 9, 0, tzinfo=UTC))  # where a simulated run left off
    bot.enrol("ada")
    bot.say("ada", "lesson")
    runtime(SystemClock())._check_clock(bot.database)
    [said] = [w for w in warnings(caplog) if "records" in w]
    assert said.startswith("this database holds records up to 2099-01-05 09:00 UTC, later than "
                           "this clock"), said
    assert "use a database of its own for trying schedules" in said


def test_a_simulated_start_beside_another_live_replica_is_refused(bot: Bot) -> None:
    """The harness's dispatcher registered a worker (this process: alive) a moment ago."""
    with bot.database.unit() as unit:
        unit.workers.register("other", "elsewhere|boot|ns", 1, datetime.now(UTC))
    clock = SimulatedClock(datetime(2099, 1, 4, tzinfo=UTC), 60, Real())
    with pytest.raises(ConfigError, match="another microlearn run uses this database") as refused:
        runtime(clock)._check_clock(bot.database)
    assert "a simulated clock is for one replica alone" in str(refused.value)
    assert "stop the others, or give this run a database of its own" in str(refused.value)
    with bot.database.unit() as unit:  # gone, and one of this host whose process is gone
        unit.workers.remove("other")
        for worker in unit.workers.all():
            unit.workers.remove(worker.id)
        unit.workers.register("dead", bot.dispatcher.host, 2 ** 22 + 12345, datetime.now(UTC))
    assert not os.path.exists(f"/proc/{2 ** 22 + 12345}")
    runtime(clock)._check_clock(bot.database)  # not refused


def test_the_intervals_on_real_time_follow_the_speed() -> None:
    """The scan runs every tick_seconds of simulated time, but at most twice a real second; the
    worker time-out (real seconds of heartbeats) is as many simulated seconds longer."""
    assert scan_interval(30, 1) == 30
    assert scan_interval(30, 60) == 0.5
    assert scan_interval(30, 10) == 3
    assert scan_interval(30, MAX_SPEED) == 0.5  # every 12 simulated minutes
    assert scan_interval(0.05, 60) == 0.05  # a tick already shorter is kept
    assert dispatch_settings(Settings(), 60).worker_timeout == timedelta(hours=1)
    assert Timing().speed == 1.0
