"""The console demo driven through a pipe, end to end, as a newcomer would try it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SAMPLE

SCRIPT = """lesson
quiz
tomorrow
2
b
me
how do I spot a fake login mail
xyzzy plugh
/quit
this line is never read
"""


def test_demo_through_a_pipe_shows_a_lesson_a_review_the_streak_and_ends_on_quit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lessons", str(SAMPLE),
         "--start", "2026-03-02T09:00", "--timezone", "Europe/Berlin"],
        input=SCRIPT, text=True, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Welcome to microlearn!")
    assert "> " not in out  # no prompts in a pipe
    assert "# Give feedback people can use" in out  # the first lesson of the first track
    assert "No questions due right now. The next one comes on Tue 03 Mar." in out
    assert "--- Tue 03 Mar 2026, 09:00 CET ---" in out
    assert "--- Tue 03 Mar 2026, 15:00 CET: review time ---" in out
    assert "Question (Give feedback people can use):" in out
    assert "Right!" in out or "Not quite." in out
    assert "Streak: 2 days" in out
    assert "# Spot a phishing email in ten seconds" in out
    assert 'I have no lesson on "xyzzy plugh".' in out
    assert out.rstrip().endswith("Bye!")


def test_demo_ends_at_end_of_input_and_rejects_a_bad_time_zone() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--lessons", str(SAMPLE)],
                            input="help\n", text=True, capture_output=True, timeout=120,
                            check=False)
    assert result.returncode == 0 and "Here is what I understand" in result.stdout
    assert result.stdout.rstrip().endswith("Bye!")
    bad = subprocess.run([sys.executable, "-m", "bot", "demo", "--timezone", "Mars/Base"],
                         input="", text=True, capture_output=True, timeout=60, check=False)
    assert bad.returncode == 2 and "not a time zone" in bad.stderr


def test_a_failure_on_one_line_is_answered_politely_and_the_demo_goes_on() -> None:
    import io

    from bot.adapters.console import ConsoleAdapter

    def respond(text: str) -> list[str]:
        if text == "boom":
            raise RuntimeError("a bug")
        return [f"echo {text}"]

    output = io.StringIO()
    ConsoleAdapter(respond, output).run(["boom", "after"], first=None)
    assert "Sorry, something went wrong" in output.getvalue()
    assert "echo after" in output.getvalue()
