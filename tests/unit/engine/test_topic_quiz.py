"""A quiz on a topic the learner names ("quiz me on passwords"): the questions of the lesson
that answers it, one after another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine.commands import accepts, parse, quiz_topic
from bot.engine.engine import Engine
from bot.messages import Feedback, Kind, NoMatch, NotIt, QuestionMessage, TopicQuiz
from bot.rendering.renderer import Renderer
from storage.records import LessonSource
from storage.repositories import Cards, Learners, Lookups, Points, Progress
from tests.unit.engine.conftest import Say, deliver, kinds, learner_of, write

MON = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


def question(text: str, right: str = "right one") -> str:
    return (f"\n### {text}?\n- [ ] wrong one\n- [x] {right}\n- [ ] wrong two\n"
            "> Because it is right.\n")


@pytest.fixture
def lessons(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    write(folder, "passwords.md", "title: Strong passwords\ntopic: security",
          "Use a password manager and a long passphrase for every account.\n\n## Quiz\n"
          + question("Which password is strongest") + question("Why not reuse a password"))
    write(folder, "phishing.md", "title: Spot a phishing email\ntopic: security",
          "Phishing mail asks you to click a link or open an attachment.\n\n## Quiz\n"
          + question("Which sign is the strongest"))
    write(folder, "git/one.md", "title: First commit\ntopic: git\ntrack: git-basics\norder: 1",
          "Stage files and commit them.\n\n## Quiz\n" + question("What does commit do"))
    write(folder, "git/two.md", "title: Branches\ntopic: git\ntrack: git-basics\norder: 2",
          "A branch is a line of work.\n\n## Quiz\n" + question("What is a branch"))
    write(folder, "coffee.md", "title: Coffee machine etiquette\ntopic: office",
          "Descale the coffee machine on Fridays and refill the beans.")
    return folder


def points(engine: Engine, user: str = "ann") -> int:
    with engine.store.session() as session:
        learner = Learners(session).find("console", user)
        assert learner is not None
        return Points(session).total(learner.id)


def answer_right(message: QuestionMessage) -> str:
    """The button value of the message's right choice."""
    return message.buttons[message.question.correct_indexes[0]].value


def first_two_right(say: Say) -> tuple[QuestionMessage, QuestionMessage]:
    """Ann, new on Monday, asks for the passwords quiz and answers its first question right:
    its two questions (the second is open)."""
    say("hi", at=MON)
    first = say("quiz me on passwords", at=MON)[-1]
    assert isinstance(first, QuestionMessage)
    second = say(None, answer=answer_right(first), at=MON)[-1]
    assert isinstance(second, QuestionMessage) and second.lesson.id == "passwords"
    return first, second


def test_the_words_that_ask_for_a_quiz_on_a_topic() -> None:
    for words in ("quiz me on passwords", "Quiz me about passwords!", "test me on passwords",
                  "can you quiz me on passwords?", "give me a quiz on passwords",
                  "quiz on passwords please", "a quiz about passwords", "/quiz passwords",
                  "/quiz me on passwords", "/review passwords", "drill me on passwords, thanks",
                  # from a reviewer's session: each had been looked up as a question
                  "I want a quiz on passwords", "can I get a quiz on passwords",
                  "hey, quiz me on passwords", "Quiz me on: passwords",
                  "test my knowledge on passwords", "test my knowledge of passwords",
                  "ask me questions about passwords"):
        command = parse(words)
        assert command.name == "quiz", words
        assert command.slashed or accepts("quiz", command.args), words
        assert quiz_topic(command.args) == "passwords", words
    # A quiz with no topic (or all of them) is the quiz of reviews.
    for words in ("quiz me", "/quiz", "test me please", "/quiz me", "/quiz please",
                  "quiz me about", "test me on", "give me a quiz on", "I want a quiz",
                  "quiz me on everything", "quiz of the day"):
        command = parse(words)
        assert command.name == "quiz" and accepts("quiz", command.args), words
        assert quiz_topic(command.args) == "", words
    # Words that merely start with "quiz" are a question, not a quiz on a topic.
    for question_words in ("quiz rules", "quiz passwords", "quiz me in ten minutes",
                           "quizzes on passwords are too hard"):
        command = parse(question_words)
        assert command.name == "" or not accepts(command.name, command.args), question_words


def test_a_quiz_on_a_topic_asks_the_lessons_questions_one_after_another(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    out = say("quiz me on passwords", at=MON)
    assert kinds(out) == ["topic_quiz", "question"]
    intro = out[0]
    assert isinstance(intro, TopicQuiz)
    assert (intro.title, intro.state, intro.questions, intro.left, intro.added) == (
        "Strong passwords", "start", 2, 2, True)
    first = out[1]
    assert isinstance(first, QuestionMessage) and first.lesson.id == "passwords"
    assert (first.number, first.of) == (1, 2)
    out = say(None, answer=answer_right(first), at=MON + timedelta(minutes=1))
    assert kinds(out) == ["feedback", "question"]
    feedback, second = out
    assert isinstance(feedback, Feedback) and feedback.correct and feedback.earned == 10
    assert not feedback.practice
    assert isinstance(second, QuestionMessage) and second.lesson.id == "passwords"
    assert second.question.key != first.question.key and (second.number, second.of) == (2, 2)
    out = say("1", at=MON + timedelta(minutes=2))  # typed: wrong, and the last one
    assert kinds(out) == ["feedback", "topic_quiz"]
    done = out[1]
    assert isinstance(done, TopicQuiz) and (done.state, done.due) == ("done", 0)
    assert points(engine) == 10 + 2
    # Its questions are in the learner's reviews now: they come back on their own.
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert sorted(card.lesson_id for card in Cards(session).all(learner.id)) == [
            "passwords", "passwords"]
        assert Progress(session).history(learner.id)[0].via is LessonSource.ADDED
    # Asked again the same day: nothing left to ask today.
    [again] = say("test me on passwords", at=MON + timedelta(minutes=3))
    assert isinstance(again, TopicQuiz) and again.state == "answered"
    assert points(engine) == 12
    # The wrong one is due the next day: it earns points then; the right one is practice.
    tue = MON + timedelta(days=1)
    out = say("quiz me on passwords", at=tue)
    assert kinds(out) == ["topic_quiz", "question"]
    assert isinstance(out[0], TopicQuiz) and not out[0].added  # in the reviews already
    earned = {}
    message = out[-1]
    for minute in range(1, 3):
        assert isinstance(message, QuestionMessage)
        key = message.question.key
        out = say(None, answer=answer_right(message), at=tue + timedelta(minutes=minute))
        feedback = out[0]
        assert isinstance(feedback, Feedback)
        earned[key] = (feedback.earned, feedback.practice)
        message = out[-1]
    assert earned == {first.question.key: (0, True), second.question.key: (10, False)}
    assert points(engine) == 22


def test_skip_goes_on_with_the_topic_and_a_practice_skip_costs_nothing(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    first = say("quiz me on passwords", at=MON)[-1]
    assert isinstance(first, QuestionMessage)
    out = say("skip", at=MON + timedelta(minutes=1))
    assert kinds(out) == ["feedback", "question"]
    assert isinstance(out[0], Feedback) and out[0].skipped and out[0].earned == 2
    assert isinstance(out[1], QuestionMessage) and out[1].lesson.id == "passwords"
    assert out[1].question.key != first.question.key


def test_no_lesson_no_quiz_and_the_question_joins_the_trainers_list(say: Say,
                                                                     engine: Engine) -> None:
    say("hi", at=MON)
    assert kinds(say("quiz me on the weather in lisbon", at=MON)) == ["no_match"]
    with engine.store.session() as session:
        assert Lookups(session).missed_since(MON - timedelta(days=1)) == [
            "the weather in lisbon"]
    [none] = say("quiz me on descaling the coffee machine", at=MON)
    assert isinstance(none, TopicQuiz) and none.state == "none"
    assert none.title == "Coffee machine etiquette"
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert Cards(session).all(learner.id) == []  # nothing to review was added
    assert points(engine) == 0


def test_a_question_left_open_is_set_aside_and_quiz_asks_it_again(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("learn phishing", at=MON)
    assert kinds(say("add", at=MON)) == ["added"]  # its question comes the next workday
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        learner_id = learner.id
    tue = MON + timedelta(days=1)
    pushed = [m for m in deliver(engine, learner_id, "quiz", tue.replace(hour=15))
              if isinstance(m, QuestionMessage)]
    assert pushed and pushed[0].number == 1
    # While the pushed question is open, the learner asks for another topic's quiz.
    assert pushed[0].lesson.id == "phishing"
    out = say("quiz me on passwords", at=tue.replace(hour=16))
    assert kinds(out) == ["topic_quiz", "question"]
    topic_question = out[-1]
    assert isinstance(topic_question, QuestionMessage)
    assert topic_question.lesson.id == "passwords"
    for minute in (1, 2):  # typed answers go to the topic's questions
        out = say("2", at=tue.replace(hour=16, minute=minute))
        assert isinstance(out[0], Feedback) and out[0].lesson.id == "passwords"
    assert kinds(out) == ["feedback", "topic_quiz"]
    # The pushed question is still open, and `quiz` asks it again.
    again = say("quiz", at=tue.replace(hour=16, minute=3))
    assert kinds(again) == ["question"]
    assert isinstance(again[0], QuestionMessage)
    assert again[0].question.key == pushed[0].question.key


def test_a_slashed_quiz_with_words_is_a_quiz_on_them(say: Say) -> None:
    say("hi", at=MON)
    out = say("/quiz phishing", at=MON)
    assert [m.kind for m in out] == [Kind.TOPIC_QUIZ, Kind.QUESTION]
    assert Renderer().render(out[0]) == (
        'Quiz on "Spot a phishing email": 1 question (they join your reviews too).')
    # Slack's one slash command, /learn, passes "learn quiz me on ...".
    out = say("learn quiz me on passwords", at=MON)
    assert [m.kind for m in out] == [Kind.TOPIC_QUIZ, Kind.QUESTION]
    assert kinds(say("learn quiz rules", at=MON)) in (["lookup"], ["no_match"])


def test_the_daily_push_takes_over_a_topic_question_left_open(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("learn phishing", at=MON)
    say("add", at=MON)
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        learner_id = learner.id
    tue = MON + timedelta(days=1)
    left_open = say("quiz me on passwords", at=tue)[-1]
    assert isinstance(left_open, QuestionMessage) and left_open.lesson.id == "passwords"
    pushed = [m for m in deliver(engine, learner_id, "quiz", tue.replace(hour=15))
              if isinstance(m, QuestionMessage)]
    # The open question is asked again as the first of the day's set...
    assert [(m.lesson.id, m.number) for m in pushed] == [("passwords", 1)]
    out = say(None, answer=answer_right(pushed[0]), at=tue.replace(hour=15, minute=5))
    # ...and its answer goes on with the day's reviews, not with the topic.
    assert kinds(out) == ["feedback", "question"]
    following = out[1]
    assert isinstance(following, QuestionMessage)
    assert (following.lesson.id, following.number) == ("phishing", 2)


def test_a_question_answered_in_a_topic_quiz_is_not_asked_again_that_day(
        say: Say, engine: Engine) -> None:
    _, second = first_two_right(say)
    # Another topic while the second question is open, then back to the first topic.
    out = say("quiz me on phishing", at=MON)
    assert kinds(out) == ["topic_quiz", "question"]
    say("2", at=MON)
    out = say("quiz me on passwords", at=MON)
    assert isinstance(out[0], TopicQuiz) and (out[0].questions, out[0].left) == (2, 1)
    assert isinstance(out[1], QuestionMessage) and out[1].question.key == second.question.key
    assert kinds(say("2", at=MON)) == ["feedback", "topic_quiz"]
    # The copy of the question set aside is not asked again: it was answered today.
    assert kinds(say("quiz", at=MON)) == ["notice:nothing_due"]


def test_an_unsure_topic_names_the_lesson_and_adds_nothing(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [unsure] = say("quiz me on account", at=MON)
    assert isinstance(unsure, TopicQuiz) and unsure.state == "unsure"
    assert (unsure.title, unsure.topic, unsure.pick) == ("Strong passwords", "account", True)
    with engine.store.session() as session:
        assert Cards(session).all(learner_of(engine).id) == []
    # Its title, typed back as the advice says, is sure.
    out = say(f"quiz me on {unsure.title}", at=MON)
    assert kinds(out) == ["topic_quiz", "question"]
    # While that question is open, "yes" could be no pick: the learner is not told to say it.
    [unsure] = say("quiz me on account", at=MON)
    assert isinstance(unsure, TopicQuiz) and not unsure.pick
    # A typo is read as lookup reads it, and said.
    say("skip", at=MON)
    say("skip", at=MON)
    [answered] = say("quiz me on pasword", at=MON)
    assert isinstance(answered, TopicQuiz) and answered.state == "answered"
    out = say("quiz me on phishng", at=MON)
    assert isinstance(out[0], TopicQuiz) and out[0].corrections == (("phishng", "phishing"),)


def test_yes_to_an_unsure_topic_takes_the_quiz_on_the_lesson_named(say: Say) -> None:
    say("hi", at=MON)
    [unsure] = say("quiz me on account", at=MON)
    assert isinstance(unsure, TopicQuiz) and unsure.pick
    out = say("yes", at=MON)
    assert kinds(out) == ["topic_quiz", "question"]
    assert isinstance(out[0], TopicQuiz) and out[0].title == "Strong passwords"
    assert isinstance(out[1], QuestionMessage) and out[1].lesson.id == "passwords"


def test_quiz_me_on_it_is_the_lesson_got_last(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [none] = say("quiz me on it", at=MON)
    assert isinstance(none, TopicQuiz) and none.state == "no_last"
    say("how do I spot a phishing mail?", at=MON)
    out = say("quiz me on that lesson", at=MON)
    assert isinstance(out[0], TopicQuiz) and out[0].title == "Spot a phishing email"
    assert kinds(out) == ["topic_quiz", "question"]


def test_a_right_answer_in_practice_leaves_the_card_and_a_wrong_one_is_a_review(
        say: Say, engine: Engine) -> None:
    first, second = first_two_right(say)
    say(None, answer=answer_right(second), at=MON)

    def cards() -> dict[str, tuple[datetime, int]]:
        with engine.store.session() as session:
            learner = Learners(session).find("console", "ann")
            assert learner is not None
            return {card.question_key: (card.due_at, card.reviews)
                    for card in Cards(session).all(learner.id)}
    before = cards()
    assert all(due > MON + timedelta(days=1, hours=12) for due, _ in before.values())
    tue = MON + timedelta(days=1)
    out = say("quiz me on passwords", at=tue)
    right = say(None, answer=answer_right(out[-1]), at=tue)  # type: ignore[arg-type]
    assert isinstance(right[0], Feedback) and right[0].practice and not right[0].mastered
    assert cards()[first.question.key] == before[first.question.key]  # untouched
    wrong = say("1", at=tue)
    assert isinstance(wrong[0], Feedback) and wrong[0].practice and not wrong[0].correct
    due, reviews = cards()[second.question.key]
    # Reviewed as forgotten: due the next workday (it was, after one right answer, already).
    assert reviews == before[second.question.key][1] + 1 and due <= before[second.question.key][0]
    assert due.date() == (tue + timedelta(days=1)).date()
    assert points(engine) == 20  # practice earned nothing, right or wrong


def test_quiz_leaves_a_topic_quiz_for_the_reviews_and_goes_on_with_it_without_any(
        say: Say) -> None:
    say("hi", at=MON)
    first = say("quiz me on passwords", at=MON)[-1]
    assert isinstance(first, QuestionMessage)
    # Nothing is due yet: `quiz` asks the question on the screen again, with its number.
    for words in ("quiz", "/quiz me about"):
        again = say(words, at=MON)
        assert kinds(again) == ["question"]
        assert isinstance(again[0], QuestionMessage)
        assert (again[0].ask_id, again[0].number, again[0].of) == (first.ask_id, 1, 2)
    assert isinstance(say("2", at=MON)[0], Feedback)
    say("learn phishing", at=MON)
    assert kinds(say("add", at=MON)) == ["added"]
    # The next day a review is due: `quiz` leaves the quiz on a topic for it.
    tue = MON.replace(hour=16) + timedelta(days=1)
    topic_question = say("quiz me on passwords", at=tue)[-1]
    assert isinstance(topic_question, QuestionMessage)
    review = say("quiz", at=tue)
    assert kinds(review) == ["question"]
    assert isinstance(review[0], QuestionMessage) and review[0].lesson.id == "phishing"
    out = say("2", at=tue)
    assert isinstance(out[0], Feedback)
    # The reviews go on with the passwords question never answered, due now (not the one
    # of the quiz on a topic it left, answered on Monday and not due).
    assert isinstance(out[-1], QuestionMessage) and out[-1].lesson.id == "passwords"
    assert out[-1].question.text == "Why not reuse a password?"
    assert topic_question.question.text == "Which password is strongest?"
    assert isinstance(say("2", at=tue)[0], Feedback)
    assert kinds(say("quiz", at=tue)) == ["notice:nothing_due"]
    assert kinds(say("2", at=tue)) == ["notice:no_open_question"]


def test_a_new_quiz_on_a_topic_lets_the_last_one_go(say: Say) -> None:
    say("hi", at=MON)
    passwords = say("quiz me on passwords", at=MON)[-1]
    git = say("quiz me on git", at=MON)[-1]
    assert isinstance(passwords, QuestionMessage) and isinstance(git, QuestionMessage)
    assert git.lesson.id == "git/one"
    again = say("quiz", at=MON)
    assert isinstance(again[0], QuestionMessage) and again[0].ask_id == git.ask_id
    assert isinstance(say("2", at=MON)[0], Feedback)
    # The passwords question is not asked again: that quiz was left for the git one.
    ending = say("quiz", at=MON)
    assert kinds(ending) == ["notice:nothing_due"]
    # "Not what I asked" is about the git quiz, not about an earlier question.
    say("learn phishing", at=MON)
    say("quiz me on git", at=MON)
    taken = say("not what I asked", at=MON)
    assert isinstance(taken[0], NotIt) and taken[0].title == "Branches"


def test_not_what_i_asked_after_a_topic_quiz_is_about_its_topic(say: Say,
                                                                 engine: Engine) -> None:
    say("hi", at=MON)
    say("how do I spot a phishing mail?", at=MON)
    say("quiz me on passwords", at=MON)
    [not_it] = say("not what I asked", at=MON)
    assert isinstance(not_it, NotIt)
    assert (not_it.query, not_it.title, not_it.taken_back) == ("passwords", "Strong passwords",
                                                                True)
    # The quiz's questions left the reviews, and its question is no longer open.
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert Cards(session).lesson_cards(learner.id, "passwords") == []
        receipt = Progress(session).get(learner.id, "passwords")
        assert receipt is not None and receipt.via is LessonSource.LOOKUP
    assert kinds(say("2", at=MON)) == ["notice:no_open_question"]


def test_not_what_i_asked_keeps_an_answered_question_and_questions_added_before(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    first = say("quiz me on passwords", at=MON)[-1]
    assert isinstance(first, QuestionMessage)
    say(None, answer=answer_right(first), at=MON)
    [not_it] = say("not what I asked", at=MON)
    assert isinstance(not_it, NotIt) and not_it.taken_back
    with engine.store.session() as session:
        learner = Learners(session).find("console", "ann")
        assert learner is not None
        assert [card.question_key for card in Cards(session).lesson_cards(
            learner.id, "passwords")] == [first.question.key]  # answered: it stays
    # Added by the learner before, in the same minute: a quiz on it takes nothing back.
    say("learn phishing", at=MON)
    say("add", at=MON)
    say("quiz me on phishing", at=MON)
    [not_it] = say("not what I asked", at=MON)
    assert isinstance(not_it, NotIt) and not not_it.taken_back
    with engine.store.session() as session:
        assert len(Cards(session).lesson_cards(learner.id, "phishing")) == 1


def test_quiz_me_on_it_follows_the_lesson_looked_up_again(say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    say("learn phishing", at=MON)
    say("learn passwords", at=MON + timedelta(minutes=1))
    say("learn phishing", at=MON + timedelta(minutes=2))  # its receipt keeps its first time
    out = say("quiz me on it", at=MON + timedelta(minutes=3))
    assert isinstance(out[0], TopicQuiz) and out[0].title == "Spot a phishing email"


def test_a_track_or_topic_named_quizzes_its_lessons_one_at_a_time_due_ones_first(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    out = say("quiz me on git", at=MON)
    intro = out[0]
    assert isinstance(intro, TopicQuiz) and (intro.subject, intro.title) == ("git", "First commit")
    say("2", at=MON)
    # The next request moves on to the track's next lesson: the first was answered today.
    [intro, _] = say("test me on Git Basics", at=MON)
    assert isinstance(intro, TopicQuiz)
    assert (intro.subject, intro.title) == ("Git basics", "Branches")
    say("1", at=MON)  # wrong: due again the next workday
    [done] = say("quiz me on git-basics", at=MON)
    assert isinstance(done, TopicQuiz) and (done.state, done.title) == ("subject_done",
                                                                         "Git basics")
    # The next day the one due comes first: a due question beats the track's order.
    tue = MON + timedelta(days=1)
    [intro, _] = say("quiz me on git", at=tue)
    assert isinstance(intro, TopicQuiz) and (intro.subject, intro.title) == ("git", "Branches")


def test_a_lesson_offered_for_a_quiz_that_found_none_is_picked_into_its_quiz(
        say: Say, engine: Engine) -> None:
    say("hi", at=MON)
    [offered] = say("quiz me on strong coffee", at=MON)
    assert isinstance(offered, NoMatch) and offered.quiz and offered.numbered
    assert offered.suggestions == ("Coffee machine etiquette", "Strong passwords")
    assert Renderer().render(offered).endswith("Reply with its number to take its quiz.")
    out = say("2", at=MON)  # typed: the quiz on the second one
    assert kinds(out) == ["topic_quiz", "question"]
    assert isinstance(out[0], TopicQuiz) and out[0].title == "Strong passwords"
    # Pressed: the same, by its button.
    say("skip", at=MON)
    say("skip", at=MON)
    [offered] = say("quiz me on attachment size limits", at=MON)
    assert isinstance(offered, NoMatch) and offered.picks
    out = say(None, answer=offered.picks[0], at=MON)
    assert kinds(out) == ["topic_quiz", "question"]
    assert isinstance(out[0], TopicQuiz) and out[0].title == "Spot a phishing email"
    # A question's suggestions still give the lesson to read (typed by title while the
    # quiz's question is open: a number would answer it).
    question_offered, still_open = say("printer passwords", at=MON + timedelta(minutes=5))
    assert isinstance(question_offered, NoMatch) and not question_offered.quiz
    assert not question_offered.numbered and kinds([still_open]) == ["notice:question_open"]


def test_a_lesson_asked_for_is_not_the_one_whose_question_waits_for_an_answer(
        say: Say, engine: Engine) -> None:
    """A quiz on a track asks the questions of a lesson the learner does not have yet, which
    is also the next lesson: `lesson` then would show the answer to the question on the screen
    (as a question looked up would; seen by a reviewer in the demo)."""
    say("hi", at=MON)
    out = say("quiz me on git", at=MON)
    assert isinstance(out[0], TopicQuiz) and out[0].title == "First commit"
    assert isinstance(out[-1], QuestionMessage) and out[-1].lesson.id == "git/one"
    out = say("lesson", at=MON + timedelta(minutes=1))
    assert kinds(out) == ["notice:answer_first"]
    # Answered, the lesson comes.
    say("2", at=MON + timedelta(minutes=2))
    out = say("lesson", at=MON + timedelta(minutes=3))
    assert out[0].kind is Kind.LESSON
