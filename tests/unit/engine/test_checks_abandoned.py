"""A baseline left unanswered waits for its track's lesson: it holds up no quiz push, no
review and no other track's endline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.messages import QuestionMessage
from tests.unit.engine.conftest import Say, deliver, learner_of, write
from tests.unit.engine.test_checks import MON, quiz, wrong


@pytest.fixture
def lessons(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    write(folder, "other/a.md", "title: OA\ntrack: other\norder: 1\ntopic: other\ncheck: 3",
          "Lesson oa about kiwis." + quiz("Kiwi one", "Kiwi two"))
    write(folder, "other/b.md", "title: OB\ntrack: other\norder: 2\ntopic: other",
          "Lesson ob about limes." + quiz("Lime one", "Lime two"))
    write(folder, "safe/one.md", "title: One\ntrack: safe\norder: 1\ntopic: safe\ncheck: 3",
          "Lesson one about apples." + quiz("Apple one", "Apple two"))
    write(folder, "safe/two.md", "title: Two\ntrack: safe\norder: 2\ntopic: safe",
          "Lesson two about bananas." + quiz("Banana one", "Banana two"))
    return folder


def test_an_abandoned_baseline_holds_up_no_quiz(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    out = say("lesson", at=MON)  # track "other": its baseline, answered, then its lesson
    while isinstance(out[-1], QuestionMessage):
        out = say(answer=wrong(out[-1]), at=MON)
    say("done", at=MON)
    say("lesson", at=MON)
    say("done", at=MON)  # "other" read to the end
    out = say("lesson", at=MON + timedelta(days=1))  # "safe" begins its baseline...
    assert isinstance(out[-1], QuestionMessage) and out[-1].check == "pre"  # ...left there
    learner = learner_of(engine)
    phases = []
    for day in range(4, 8):
        pushed = deliver(engine, learner.id, "quiz", MON + timedelta(days=day, hours=6))
        phases.append([m.check for m in pushed if isinstance(m, QuestionMessage)])
    assert any("post" in asked for asked in phases)  # other's endline came
    assert all("pre" not in asked for asked in phases)  # the baseline waits for its lesson
