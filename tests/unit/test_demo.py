"""The console demo driven through a pipe, end to end, as a newcomer would try it."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.console import ConsoleAdapter, Prompt, PromptLog, to_inbound
from bot.app import open_engine
from bot.demo import Demo, demo_clock
from bot.engine.turn import EngineSettings
from tests.conftest import SAMPLE

SCRIPT = """lesson
done
quiz
tomorrow
later
2
b
me
how do I spot a fake login mail
xyzzy plugh
/quit
this line is never read
"""


def piped(script: str) -> str:
    """The demo's transcript for lines piped in, on Monday 2 March 2026, 09:00 in Berlin."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lessons", str(SAMPLE),
         "--start", "2026-03-02T09:00", "--timezone", "Europe/Berlin"],
        input=script, text=True, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_through_a_pipe_shows_a_lesson_a_review_the_streak_and_ends_on_quit() -> None:
    out = piped(SCRIPT)
    assert out.startswith("Welcome to microlearn!")
    assert "\n> \n" not in out  # no prompt in a pipe: each line read is echoed instead
    assert "> lesson\n\n# Give feedback" in out  # a transcript reads as a conversation
    assert "# Give feedback people can use" in out  # the first lesson of the first track
    assert '(Read it? Type "done": it then counts' in out
    assert '> done\n\n"Give feedback people can use" counts as read: +5 points' in out
    assert "No questions due right now. The next one comes on Tue 03 Mar." in out
    assert "--- Tue 03 Mar 2026, 09:00 CET ---" in out
    assert "--- Tue 03 Mar 2026, 15:00 CET: review time ---" in out
    assert "Question 1 of 3 (Give feedback people can use):" in out  # the day's pushed set
    assert "Not quite. The answer: 3) You arrived 15 minutes after" in out  # '2' is wrong
    assert "Streak: 2 days" in out
    assert "# Spot a phishing email in ten seconds" in out
    assert 'I have no lesson on "xyzzy plugh".' in out
    assert out.rstrip().endswith("Bye!")


def test_a_time_zone_given_is_the_learners_own_and_the_configs_only_a_default(
        tmp_path: Path) -> None:
    """`demo --timezone Europe/Berlin` had been greeted "for now in the time zone
    Europe/Berlin: tell me where you are", as if no zone had been given; and the config's
    [schedule] time_zone had been overridden by --timezone's own default, UTC."""
    given = piped("now\n")  # --timezone Europe/Berlin
    greeting = given.splitlines()[0]
    assert greeting.endswith("review questions (15:00), in your time zone (Europe/Berlin).")
    assert "tell me where you are" not in given
    config = tmp_path / "config.toml"
    config.write_text('[schedule]\ntime_zone = "Asia/Tokyo"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lessons", str(SAMPLE), "--config", str(config),
         "--start", "2026-03-02T09:00"],
        input="now\n", text=True, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "for now in the time zone Asia/Tokyo: tell me where you are" in result.stdout
    assert "[demo clock: Mon 02 Mar 2026, 09:00 JST]" in result.stdout


LATER = """lesson
done
quiz
later
tomorrow
later
later
later
"""


def test_later_moves_the_demo_clock_to_the_reminder_of_a_quiz_left_unanswered() -> None:
    out = piped(LATER)
    # Monday: the lesson was read and nothing is due yet; the quiz time passes unremarked.
    assert "> later\n\n--- Mon 02 Mar 2026, 15:00 CET: review time ---\n\n(no questions due " \
        "today)" in out
    assert "--- Tue 03 Mar 2026, 15:00 CET: review time ---" in out
    reminder = out.split("--- Tue 03 Mar 2026, 18:00 CET ---", 1)[1]
    assert reminder.lstrip().startswith("3 of today's questions are still waiting (the first "
                                        "is below): one minute keeps what you learnt.")
    assert "Question 1 of 3 (Give feedback people can use):" in reminder
    assert reminder.rstrip().endswith(
        "[Nothing more is planned for you today: type 'tomorrow' to jump to the next learning "
        "day.]\n\nBye!")


CHAT = """time
time 8am
days weekdays
timezone new york
thanks
lesson
tomorrow
later
skip
I think 1
what is 2fa
forget
forget confirm
hello
start
"""


def test_the_chat_through_a_pipe_understands_settings_answers_and_forgetting() -> None:
    out = piped(CHAT)
    assert "Your lesson comes at 09:00 and your review questions at 15:00" in out
    assert "Saved. Lesson at 08:00, quiz at 15:00 (America/New_York)" in out
    assert "You're welcome!" in out
    assert "> skip\n\nHere is the answer. 3) You arrived 15 minutes" in out
    assert "> I think 1\n\nRight!" in out
    assert "(Your question is still open" in out  # '2fa' was a question, not an answer
    assert "> hello\n\nYou asked me to forget you" in out
    assert out.count("Welcome to microlearn!") == 2  # the first hello, and start after forget


EARNED = """how do I spot a phishing email
add
add
me
lesson
got it
done
"""


def test_a_lookup_earns_nothing_add_reviews_it_and_done_counts_a_lesson_through_a_pipe(
        ) -> None:
    out = piped(EARNED)
    assert '(Type "add" to have its questions come back for review.)' in out
    assert '> add\n\nAdded: 3 questions of "Spot a phishing email in ten seconds" will come ' \
        "back for review from Tue 03 Mar." in out
    assert '> add\n\nThe questions of "Spot a phishing email in ten seconds" are already' in out
    assert "> me\n\nYou: 0 points (0 this week)." in out  # looking up earns nothing
    assert '> got it\n\n"Give feedback people can use" counts as read: +5 points (5 in all).' \
        in out
    assert '> done\n\n"Give feedback people can use" already counts as read.' in out


def test_demo_ends_at_end_of_input_and_rejects_a_bad_time_zone() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--lessons", str(SAMPLE)],
                            input="help\n", text=True, capture_output=True, timeout=120,
                            check=False)
    assert result.returncode == 0 and "Here is what I understand" in result.stdout
    assert result.stdout.rstrip().endswith("Bye!")
    # The migrations and lookup's loading log info lines: shown with -v only, not in a chat.
    assert " INFO " not in result.stderr, result.stderr
    # No --timezone: the default zone, which the greeting asks the learner to change.
    assert 'for now in the time zone UTC: tell me where you are' in result.stdout
    # Enter alone (or spaces) is no message: it had been answered "I read text only".
    blank = subprocess.run([sys.executable, "-m", "bot", "demo", "--lessons", str(SAMPLE)],
                           input="\n   \nhelp\n", text=True, capture_output=True, timeout=120,
                           check=False)
    assert blank.returncode == 0 and "I read text only" not in blank.stdout
    assert "Here is what I understand" in blank.stdout
    # The demo's own words follow its help (they are in no platform's help).
    helped = piped("hi\nhelp\n")
    assert helped.index("Here is what I understand") < helped.rindex("'tomorrow' to jump")
    bad = subprocess.run([sys.executable, "-m", "bot", "demo", "--timezone", "Mars/Base"],
                         input="", text=True, capture_output=True, timeout=60, check=False)
    assert bad.returncode == 2 and "not a time zone" in bad.stderr


async def test_a_failure_on_one_line_is_answered_politely_and_the_console_goes_on() -> None:
    import io

    from bot.adapters.console import ConsoleAdapter
    from bot.messages import Inbound, Notice, NoticeCode, Outbound, Platform, Profile

    class FailingHost:
        async def handle(self, inbound: Inbound) -> list[Outbound]:
            if inbound.text == "boom":
                raise RuntimeError("a bug")
            return [Notice(NoticeCode.SMALL_TALK)]

        async def poll_sent(self, platform: Platform, poll_id: str, ask_id: int) -> None:
            raise AssertionError("the console sends no polls")

        async def learner_unreachable(self, learner_id: int, reason: str) -> None:
            raise AssertionError("the console is always reachable")

        async def reply_lost(self, platform: Platform, user_id: str,
                             replies: Sequence[Outbound]) -> None:
            raise AssertionError("the console always prints its replies")

        async def standing(self, platform: Platform, user_id: str) -> Profile | None:
            return None

    console = ConsoleAdapter(io.StringIO())
    await console.start(FailingHost())
    assert (await console.answer("boom"))[0].startswith("Sorry, something went wrong")
    assert (await console.answer("after"))[0].startswith("Hello!")


async def test_the_console_is_a_sender_that_prints_each_message_and_reports_progress() -> None:
    import io

    from bot.adapters.console import ConsoleAdapter
    from bot.messages import Notice, NoticeCode, Platform
    from bot.ports import Recipient, Sent

    output = io.StringIO()
    reported: list[int] = []

    async def progress(parts: int, sent: Sent) -> None:
        reported.append(parts)

    console = ConsoleAdapter(output)
    messages = [Notice(NoticeCode.NUDGE), Notice(NoticeCode.QUIZ_DONE),
                Notice(NoticeCode.NOTHING_TO_FLAG)]
    await console.send(Recipient(1, Platform.CONSOLE, "you", "you"), messages, skip=1,
                       progress=progress)
    assert reported == [2]  # after each platform message but the last
    text = output.getvalue()
    assert "still waiting" not in text  # skipped: it went out on an earlier try
    assert text.index("That's all for now") < text.index("There is no question to flag")



def demo_in(folder: Path, output: io.StringIO) -> Demo:
    """The demo on its own database, its clock at Monday 2 March 2026, 09:00 in Berlin."""
    settings = EngineSettings(time_zone="Europe/Berlin")
    database, engine = open_engine(SAMPLE, f"sqlite:///{folder / 'demo.db'}", settings)
    start = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    return Demo(engine, database, demo_clock(start, settings), ConsoleAdapter(output))


def test_the_demo_reads_the_lesson_folder_of_its_config(tmp_path: Path) -> None:
    """`demo --config` had ignored [lessons] dir and stopped on a missing ./lessons."""
    config = tmp_path / "config.toml"
    config.write_text(f"[lessons]\ndir = {str(SAMPLE)!r}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--config", str(config)],
                            input="learn phishing\n", text=True, capture_output=True,
                            timeout=120, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "phishing" in result.stdout.lower()
    # A folder that is not there says where the name came from and how to give another.
    config.write_text("[lessons]\ndir = 'nowhere'\n", encoding="utf-8")
    missing = subprocess.run([sys.executable, "-m", "bot", "demo", "--config", str(config)],
                             input="", text=True, capture_output=True, timeout=60,
                             check=False, cwd=tmp_path)
    assert missing.returncode == 1
    assert f"lesson folder 'nowhere' ([lessons] dir in {config}) does not exist" \
        in missing.stderr and "--lessons DIR" in missing.stderr
    bare = subprocess.run([sys.executable, "-m", "bot", "demo"], input="", text=True,
                          capture_output=True, timeout=60, check=False, cwd=tmp_path)
    assert bare.returncode == 1 and "lesson folder 'lessons' (the default)" in bare.stderr
    assert "--config FILE" in bare.stderr


def test_ctrl_c_leaves_the_demo_cleanly(tmp_path: Path) -> None:
    output = io.StringIO()

    def lines() -> Iterator[str]:
        yield "me"
        raise KeyboardInterrupt

    demo_in(tmp_path, output).run(lines())
    assert "Streak:" in output.getvalue()
    assert output.getvalue().rstrip().endswith("Bye!")


def test_a_failing_tomorrow_is_answered_politely_and_the_demo_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = io.StringIO()
    demo = demo_in(tmp_path, output)

    def broken(now: datetime) -> None:
        raise RuntimeError("the database is away")

    monkeypatch.setattr(demo.scan, "run", broken)
    demo.run(["tomorrow", "help"])
    text = output.getvalue()
    assert "Sorry, something went wrong" in text and "Here is what I understand" in text


def test_a_quiz_time_before_the_lesson_time_is_visited_first(tmp_path: Path) -> None:
    output = io.StringIO()
    demo_in(tmp_path, output).run(["lesson", "time quiz 09:30", "time 16:00", "tomorrow",
                                             "later", "later"])
    text = output.getvalue()
    review = text.index("09:30 CET: review time")
    assert text.index("Question 1 of ", review) < text.index("16:00 CET ---")
    assert "(no questions due today)" not in text
    # Each 'later' moves on to the next thing the day holds, and says what it is.
    assert "[Type 'later' to move on to the reminder of the questions left at 12:30.]" in text
    assert text.index("12:30 CET ---") < text.index("16:00 CET ---")


def test_a_lesson_saved_while_the_demo_runs_is_served_at_once(tmp_path: Path) -> None:
    import shutil
    import time

    folder = tmp_path / "lessons"
    shutil.copytree(SAMPLE, folder)
    settings = EngineSettings(time_zone="Europe/Berlin")
    database, engine = open_engine(folder, f"sqlite:///{tmp_path / 'demo.db'}", settings)
    output = io.StringIO()
    demo = Demo(engine, database, demo_clock(datetime(2026, 3, 2, 9, tzinfo=ZoneInfo(
        "Europe/Berlin")), settings), ConsoleAdapter(output), watch=True)

    def lines() -> Iterator[str]:
        (folder / "zebra.md").write_text("# Feeding zebras at dawn\n\nZebras eat grass.\n",
                                         encoding="utf-8")
        deadline = time.monotonic() + 10
        while engine.catalog.get("zebra") is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the watcher's debounce, not a schedule: the clock is injected
        yield "learn feeding zebras"

    demo.run(lines())
    assert "# Feeding zebras at dawn" in output.getvalue()


def test_a_warning_from_another_thread_goes_above_the_prompt_which_comes_back_as_typed(
        ) -> None:
    """A lesson broken by a save logs an error from the watcher's thread while the person
    types: written straight to the terminal it ran on after "> how do I" and left them
    typing on a line with no prompt."""
    import logging
    import threading

    screen = io.StringIO()
    log = logging.getLogger("tests.demo.prompt")
    log.propagate = False

    def read(text: str) -> str:  # input(): the prompt shown, then typing; the watcher logs
        screen.write(text + "how do I")
        for level, words in ((logging.INFO, "lesson folder watched"),
                             (logging.ERROR, "broken.md:2: error: front matter")):
            thread = threading.Thread(target=log.log, args=(level, words))
            thread.start()
            thread.join()
        screen.write(" spot phishing\n")  # typed on, and Enter
        return "how do I spot phishing"

    prompt = Prompt("> ", screen, read=read, typed=lambda: "how do I")
    handler = PromptLog(prompt, screen, logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    try:
        lines = prompt.lines()
        assert next(lines) == "how do I spot phishing"
        # The line being typed cleared, the error on a line of its own, the prompt again with
        # what was typed; the info line is not shown at all (below the handler's level).
        log.error("between two prompts")  # nothing to redraw: a plain line
        assert screen.getvalue() == ("> how do I\r\x1b[KERROR broken.md:2: error: front "
                                     "matter\n> how do I spot phishing\n"
                                     "ERROR between two prompts\n")
    finally:
        log.removeHandler(handler)


def test_the_demo_at_a_terminal_writes_standard_errors_log_above_its_prompt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from bot.cli import log_above

    root = logging.getLogger()
    plain = logging.StreamHandler(sys.stderr)
    plain.setLevel(logging.WARNING)
    formatter = logging.Formatter("%(levelname)s %(message)s")
    plain.setFormatter(formatter)
    monkeypatch.setattr(root, "handlers", [plain])
    prompt = Prompt("> ", io.StringIO())
    log_above(prompt)
    [above] = root.handlers
    assert isinstance(above, PromptLog) and above.prompt is prompt
    assert above.stream is sys.stderr and above.level == logging.WARNING
    assert above.formatter is formatter  # the format chosen (text or json) kept


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_a_lesson_broken_while_typing_in_a_terminal_is_named_above_the_prompt(
        tmp_path: Path) -> None:
    """The demo in a real (pseudo-)terminal with readline: a file broken by a save while a
    line is half typed."""
    import os
    import pty
    import re
    import select
    import shutil
    import time

    folder = tmp_path / "lessons"
    shutil.copytree(SAMPLE, folder)
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the demo, at the terminal
        os.execve(sys.executable, [sys.executable, "-m", "bot", "demo", "--lessons",
                                   str(folder), "--db", f"sqlite:///{tmp_path / 'demo.db'}"],
                  {**os.environ, "TERM": "xterm", "COLUMNS": "300"})
    screen = b""

    def read_until(pattern: bytes, seconds: float = 60) -> None:
        nonlocal screen
        deadline = time.monotonic() + seconds
        while not re.search(pattern, screen) and time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.1)[0]:
                try:
                    screen += os.read(terminal, 65536)
                except OSError:  # the demo has ended
                    break
        assert re.search(pattern, screen), screen[-2000:]

    try:
        read_until(rb"> $")
        os.write(terminal, b"how do I")
        read_until(rb"> how do I$")
        (folder / "broken.md").write_text("---\nid: [\n---\n", encoding="utf-8")
        # The demo's line about it, over the half-typed line (cleared), followed by the prompt
        # and what was typed; said once (the catalog's log line had said the error too).
        read_until(rb"> how do I\r\x1b\[K\(lessons: broken\.md has 1 error[^\r\n]*"
                   rb"broken\.md:2: error: [^\r\n]*\r\n> how do I$")
        assert b"ERROR bot.content.catalog" not in screen
        # Saved right: said once, by the demo (the catalog's log line is INFO, not shown).
        (folder / "broken.md").write_text("# Mended\n\nText.\n", encoding="utf-8")
        read_until(rb"\(lessons: broken\.md is fixed; added broken\)\r\n> how do I$")
        assert b"serving its new version" not in screen and b"added broken from" not in screen
        os.write(terminal, b"\n/quit\n")
        read_until(rb"Bye!")
    finally:
        os.close(terminal)
        os.waitpid(pid, 0)


def test_a_kept_database_continues_the_clock_where_it_left_off(tmp_path: Path) -> None:
    settings = EngineSettings(time_zone="Europe/Berlin")
    database, engine = open_engine(SAMPLE, f"sqlite:///{tmp_path / 'demo.db'}", settings)
    later = datetime(2031, 6, 3, 9, tzinfo=ZoneInfo("Europe/Berlin"))  # long after today
    engine.handle(to_inbound("lesson"), later)
    assert demo_clock(None, settings, database).now() == later
    assert demo_clock(None, settings).now() < later  # a fresh database starts today


def test_an_interactive_terminal_shows_lessons_as_formatted_markdown() -> None:
    from bot.content.catalog import Catalog
    from bot.messages import LessonMessage

    catalog = Catalog(SAMPLE)
    catalog.load()
    lesson = next(item for item in catalog.lessons() if "**" in item.body)
    [styled] = ConsoleAdapter(io.StringIO(), styled=True).show([LessonMessage(lesson)])
    [plain] = ConsoleAdapter(io.StringIO()).show([LessonMessage(lesson)])
    assert "**" in plain and "**" not in styled and "\x1b[1m" in styled


def test_a_checked_track_through_a_pipe_baseline_then_lesson_endline_days_later_and_gain(
        tmp_path: Path) -> None:
    from tests.unit.engine.conftest import write
    from tests.unit.engine.test_checks import quiz

    folder = tmp_path / "lessons"
    write(folder, "safe/one.md", "title: One\ntrack: safe\norder: 1\ntopic: safe\ncheck: 3",
          "Lesson one about apples." + quiz("Apple one", "Apple two"))
    write(folder, "safe/two.md", "title: Two\ntrack: safe\norder: 2\ntopic: safe",
          "Lesson two about bananas." + quiz("Banana one"))
    write(folder, "safe/three.md", "title: Three\ntrack: safe\norder: 3\ntopic: safe",
          "Lesson three about cherries." + quiz("Cherry one"))
    reviews = "2\n" * 6
    script = ("lesson\n1\n2\nskip\ndone\nlesson\ndone\nlesson\ndone\n"
              f"tomorrow\nlater\n{reviews}tomorrow\nlater\n{reviews}tomorrow\nlater\n{reviews}"
              "me\n/quit\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lessons", str(folder),
         "--start", "2026-03-02T09:00", "--timezone", "Europe/Berlin"],
        input=script, text=True, capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> lesson\n\nBefore you start Safe: 3 quick questions to see what you know " \
        "already. No points, nothing counts against you" in out
    assert '"skip check" to skip them all and go straight to the lesson.' in out
    assert "Question 1 of 3 (One):" in out
    # After the third baseline answer ("skip": not known), the lesson, with no points yet.
    assert "> skip\n\nThanks: that is your starting point (1 of 3 right). Now the lesson." \
        "\n\n# One" in out
    assert '"One" counts as read: +5 points (5 in all).' in out
    # Thursday's review push, three days after the last lesson, opens with the endline.
    thursday = out[out.index("--- Thu 05 Mar 2026, 15:00 CET: review time ---"):]
    assert thursday.split("\n\n")[1].startswith("You finished Safe a few days ago: 3 "
                                                "questions from its start")
    assert "Check done: 3 of 3 right, 1 of 3 before you started Safe." in thursday
    assert "Checks: Safe 33% before, 100% after, gain 100%." in thursday
    assert "--- Tue 03 Mar" in out and "You finished Safe a few" not in out[
        :out.index("--- Thu 05 Mar 2026, 15:00")]


def test_a_question_that_asks_how_sure_through_a_pipe(tmp_path: Path) -> None:
    from tests.unit.engine.conftest import write
    from tests.unit.engine.test_checks import quiz

    folder = tmp_path / "lessons"
    write(folder, "sure/one.md", "title: One\ntrack: sure\norder: 1\ntopic: sure\n"
          "confidence: true", "Lesson one about apples." + quiz("Apple one"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lessons", str(folder),
         "--start", "2026-03-02T09:00", "--timezone", "Europe/Berlin"],
        input="lesson\ndone\ntomorrow\nlater\n2 guess\n/quit\n", text=True, capture_output=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Answer with the number and how sure you are: like 2 sure, 2 think so, or 2 guess." \
        in out
    assert "> 2 guess\n\nRight!\nBecause.\nRight, but a guess: it comes back sooner" in out


def test_a_broken_lesson_at_start_is_named_with_its_line_and_the_demo_serves_the_rest(
        tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "lessons"
    shutil.copytree(SAMPLE, folder)
    broken = folder / "git" / "branches.md"
    text = broken.read_text(encoding="utf-8")
    assert "- [x] git switch -c report-fix" in text
    broken.write_text(text.replace("- [x] git switch -c report-fix",
                                   "- [ ] git switch -c report-fix"), encoding="utf-8")
    line = next(number for number, words in enumerate(text.splitlines(), 1)
                if words.startswith("### Which command creates a new branch"))
    result = subprocess.run([sys.executable, "-m", "bot", "demo", "--lessons", str(folder)],
                            input="help\n", text=True, capture_output=True, timeout=120,
                            check=False)
    assert result.returncode == 0
    assert f"git/branches.md:{line}: error: question 'Which command creates" in result.stderr
    assert "has no correct choice" in result.stderr
    assert "1 lesson file is not served until it is fixed: git/branches.md" in result.stderr
    served = len(list(SAMPLE.rglob("*.md"))) - 1
    assert f"{served} lessons are waiting" in result.stdout


def test_back_from_a_holiday_after_the_lesson_time_the_lesson_comes_at_once_and_the_streak_holds(
        ) -> None:
    out = piped("lesson\ndone\ntomorrow\ndone\npause\ntomorrow\ntomorrow\nresume\ndone\nme\n")
    after = out[out.index("> resume"):]
    # The day's lesson follows the welcome back, before anything else is typed.
    assert after.index("Welcome back!") < after.index("\n# ") < after.index("> done")
    assert "counts as read" in after[after.index("> done"):]
    assert "Streak: 3 days" in after[after.index("> me"):]


def test_the_console_names_a_lessons_picture(tmp_path: Path) -> None:
    # Chat platforms send a lesson's `image:` before it; the console showed no sign of it.
    from bot.content.parser import parse_lesson
    from bot.messages import LessonMessage

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "kb.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    lesson, problems = parse_lesson("---\ntitle: Search\nimage: images/kb.png\n---\nText.\n",
                                    "x.md", tmp_path)
    assert lesson is not None and not problems
    [shown] = ConsoleAdapter(io.StringIO()).show([LessonMessage(lesson)])
    assert shown.startswith("[picture: images/kb.png]\n# Search")


def test_each_line_happens_after_the_one_before(tmp_path: Path) -> None:
    """At one frozen instant, "rate down" after reading a second lesson could not tell which
    lesson was read last (a reviewer saw it rate the first)."""
    import sqlite3

    db = tmp_path / "demo.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--lessons", str(SAMPLE), "--db",
         f"sqlite:///{db}", "--start", "2026-03-02T09:00", "--timezone", "Europe/Berlin"],
        input="lesson\ndone\nlesson\ndone\nrate down\n", text=True, capture_output=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as connection:
        reads = connection.execute(
            "SELECT lesson_id FROM lesson_progress ORDER BY read_at").fetchall()
        times = connection.execute("SELECT read_at FROM lesson_progress").fetchall()
        [rated] = connection.execute("SELECT lesson_id FROM lesson_rating").fetchall()
    assert len(set(times)) == 2
    assert rated == reads[-1]


def test_tomorrow_goes_to_the_lesson_hour_and_later_to_the_review_hour(tmp_path: Path) -> None:
    """'tomorrow' had run the lesson hour and the quiz hour in one step: the day's lesson and
    its review questions came at once, and a newcomer never saw the day unfold."""
    output = io.StringIO()
    demo_in(tmp_path, output).run(["lesson", "done", "tomorrow", "now", "later"])
    text = output.getvalue()
    clock = text.index("[demo clock: Tue 03 Mar 2026, 09:00 CET]")  # 'now', between the two
    morning = text[text.index("--- Tue 03 Mar"):clock]
    assert morning.startswith("--- Tue 03 Mar 2026, 09:00 CET ---")
    assert "# Receive feedback well" in morning
    assert "review time" not in morning and "Question 1 of" not in morning
    assert "[Type 'later' to move on to your review questions at 15:00.]" in morning
    afternoon = text[clock:]
    assert "--- Tue 03 Mar 2026, 15:00 CET: review time ---" in afternoon
    assert "Question 1 of 3 (Give feedback people can use):" in afternoon
    # Each step says the next, 'later' as 'tomorrow' does: the reminder of questions left.
    assert afternoon.rstrip().endswith(
        "[Type 'later' to move on to the reminder of the questions left at 18:00.]\n\nBye!")


def test_the_demo_says_a_lesson_whose_new_id_is_taken_keeps_its_last_good_version(
        tmp_path: Path) -> None:
    """'id: hand-hygiene/gloves' added to ppe/aprons.md: the log said its last good version was
    still served (learners got Aprons under its old id) while the demo said "it is served as
    it is"."""
    from bot.cli import change_lines
    from bot.content.catalog import Catalog

    (tmp_path / "ppe").mkdir()
    (tmp_path / "hand-hygiene").mkdir()
    (tmp_path / "ppe/aprons.md").write_text("# Aprons\n\nTie it at the back.\n",
                                            encoding="utf-8")
    (tmp_path / "hand-hygiene/gloves.md").write_text("# Gloves\n\nOne pair per patient.\n",
                                                     encoding="utf-8")
    catalog = Catalog(tmp_path)
    catalog.load()
    (tmp_path / "ppe/aprons.md").write_text(
        "---\nid: hand-hygiene/gloves\n---\n# Aprons\n\nTie it at the back.\n", encoding="utf-8")
    (tmp_path / "ppe/new.md").write_text(
        "---\nid: hand-hygiene/gloves\n---\n# New\n\nNot served.\n", encoding="utf-8")
    lines = change_lines(catalog.refresh(), catalog)
    assert [line.split(";")[0] for line in lines] == [
        "(lessons: ppe/aprons.md has 1 error, its last good version is still served",
        "(lessons: ppe/new.md has 1 error, it is not served"]
    aprons = catalog.get("ppe/aprons")
    assert aprons is not None and aprons.title == "Aprons"
    (tmp_path / "ppe/aprons.md").write_text("# Aprons\n\nTie it at the back.\n",
                                            encoding="utf-8")
    catalog.refresh()
    assert catalog.kept_while_broken() == []
