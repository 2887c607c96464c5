"""A question put to a learner: the message, with one answer button per choice (shared by
reviews and knowledge checks)."""

from __future__ import annotations

from bot.content.catalog import asks_confidence
from bot.content.markdown import plain_text
from bot.content.model import Lesson, Question
from bot.engine.turn import Turn
from bot.messages import AnswerGiven, Button, Notice, NoticeCode, QuestionMessage
from storage.records import Ask

LEVELS = ("s", "t", "g")
"""How sure a learner may say they are: sure, think so, guessing."""
LEVEL_WORDS = {"sure": "s", "certain": "s", "i'm sure": "s", "im sure": "s", "i know": "s",
               "think": "t", "think so": "t", "i think so": "t", "probably": "t",
               "guess": "g", "guessing": "g", "a guess": "g", "i guess": "g",
               "just guessing": "g", "not sure": "g", "i'm not sure": "g", "im not sure": "g",
               "unsure": "g", "no idea": "g", "not certain": "g",
               # Said with a qualifier ("2 pretty sure" had been looked up).
               **dict.fromkeys(("pretty sure", "very sure", "fairly sure", "quite sure",
                                "totally sure", "absolutely sure", "completely sure",
                                "really sure", "100% sure", "so sure", "confident",
                                "pretty confident", "very confident", "fairly confident",
                                "positive", "definitely", "certainly"), "s"),
               **dict.fromkeys(("kind of sure", "kinda sure", "somewhat sure", "mostly sure",
                                "i think", "likely", "maybe"), "t"),
               **dict.fromkeys(("not very sure", "not so sure", "not really sure",
                                "not too sure", "wild guess", "just a guess", "total guess",
                                "no clue", "a wild guess", "pure guess"), "g")}
"""Words typed after an answer that say how sure the learner is ("2 sure", "b guessing")."""


def closed(turn: Turn, ask: Ask) -> Notice:
    """What to say of an answer to a question closed already: answered (it counts once), or
    closed unanswered when another took its place (a new quiz, the question changed)."""
    answered = turn.unit.answers.recorded(f"ask:{ask.id}")
    return Notice(NoticeCode.ALREADY_ANSWERED if answered else NoticeCode.QUESTION_CLOSED)


def let_go_changed(turn: Turn, ask: Ask) -> bool:
    """An answer to a question whose choices a trainer changed since the learner saw it
    (reworded, added or removed): not graded; the ask is let go and the learner told, before
    the question comes again as it is now. False when it was answered already (said so)."""
    if not turn.unit.asks.close(ask.id, turn.now):
        turn.say(closed(turn, ask))
        return False
    turn.say(Notice(NoticeCode.QUESTION_CHANGED))
    return True


def confident(turn: Turn, lesson: Lesson) -> bool:
    """Whether questions of this lesson ask how sure the learner is (the config, or its
    track's first lesson)."""
    return turn.settings.confidence or asks_confidence(turn.catalog, lesson)


def level_of(text: str) -> tuple[str, str | None]:
    """Typed words without the confidence said at their end, and that confidence."""
    said = " ".join(text.lower().replace("\u2019", "'").split()).rstrip(" .!")
    for words, level in sorted(LEVEL_WORDS.items(), key=lambda item: -len(item[0])):
        if said.endswith(f" {words}") or said.endswith(f",{words}"):
            return said[:-len(words)].rstrip(" ,-"), level
    return text, None


def question_message(ask_id: int, lesson: Lesson, question: Question, number: int = 0,
                     of: int = 0, check: str = "", confidence: bool = False,
                     follows: AnswerGiven | None = None) -> QuestionMessage:
    """A question with one answer button per choice (``number`` of ``of`` in a pushed set or
    a check; ``check``: the phase of the knowledge check asking it). With ``confidence`` (a
    single-answer question only: a select-all answer is several taps), one button per choice
    and level, ``a:<ask>:<choice>:<level>``."""
    levels = LEVELS if confidence and len(question.correct_indexes) == 1 else ()
    buttons = tuple(Button(plain_text(choice.text)[:75], f"a:{ask_id}:{index}:{level}")
                    for index, choice in enumerate(question.choices) for level in levels) \
        if levels else tuple(Button(plain_text(choice.text)[:75], f"a:{ask_id}:{index}")
                             for index, choice in enumerate(question.choices))
    return QuestionMessage(lesson, question, ask_id, buttons, number, of, check, levels, follows)
