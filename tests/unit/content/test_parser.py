"""Parser and validator: every problem a trainer can make is reported at its exact line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from bot.adapters.slack.mrkdwn import from_markdown
from bot.adapters.telegram.formatting import markdown_to_html
from bot.content.folder import read_text
from bot.content.markdown import plain_text
from bot.content.model import Lesson, Problem, Severity
from bot.content.parser import parse_lesson, question_key
from tests.conftest import DATA

E, W = Severity.ERROR, Severity.WARNING

# (file under tests/data/lessons/bad, line, severity, words the message must contain)
BAD_FILES = [
    ("broken-yaml.md", 3, E, "not valid YAML: the list opened with '[' here is not closed; "
                             "end it with ']'"),
    ("unclosed-front-matter.md", 4, E, "never closed; add a '---' line after line 3 (the last "
                                       "'key: value' line)"),
    ("unknown-key.md", 3, W, "did you mean 'title'"),
    ("wrong-type.md", 5, E, "'order' must be a whole number"),
    ("minutes-range.md", 3, E, "between 1 and 60"),
    ("duplicate-key.md", 4, E, "set twice (also on line 2)"),
    ("no-correct-choice.md", 7, E, "has no correct choice"),
    ("broken-box.md", 10, E, "has the box '[x ]'; write '- [x] right'"),
    ("one-choice.md", 7, E, "at least two"),
    ("plain-list.md", 7, E, "must be task-list items"),
    ("missing-image.md", 3, E, "image 'images/nowhere.png' does not exist"),
    ("missing-inline-image.md", 6, E, "image 'diagram.png' does not exist"),
    ("empty.md", 1, E, "empty file"),
    ("latin1.md", 1, E, "not valid UTF-8"),
    ("binary.md", 1, E, "binary file"),
    ("title-only.md", 1, E, "no text"),
]


def load(rel: str, root: Path = DATA / "bad") -> tuple[Lesson | None, list[Problem]]:
    text, problems = read_text(root / rel, rel)
    if text is None:
        return None, problems
    return parse_lesson(text, rel, root)


@pytest.mark.parametrize(("name", "line", "severity", "words"), BAD_FILES)
def test_bad_file_is_reported_at_its_exact_line(
    name: str, line: int, severity: Severity, words: str
) -> None:
    lesson, problems = load(name)
    assert [(p.path, p.line, p.severity) for p in problems] == [(name, line, severity)], problems
    assert words in problems[0].message
    # An error keeps the file out of service; a warning alone does not.
    assert (lesson is None) == (severity is E)


def test_every_bad_file_has_a_row_in_the_table() -> None:
    on_disk = {p.name for p in (DATA / "bad").iterdir()}
    assert on_disk == {row[0] for row in BAD_FILES}


def test_problem_prints_as_path_line_message() -> None:
    _, problems = load("no-correct-choice.md")
    assert str(problems[0]).startswith("no-correct-choice.md:7: error: question 'Which one is right?'")


def test_front_matter_lesson_has_every_field() -> None:
    lesson, problems = load("security/phishing.md", DATA / "good")
    assert problems == []
    assert lesson is not None
    assert lesson.id == "security/phishing"
    assert lesson.title == "Spot a phishing email in ten seconds"
    assert lesson.summary.startswith("Phishing emails try to rush you")
    assert lesson.topic == "security"
    assert lesson.tags == ("phishing", "email")
    assert (lesson.track, lesson.order, lesson.minutes) == ("security-basics", 1, 3)
    assert lesson.objective == "Recognise the three red flags of a phishing email"
    assert lesson.image == "images/phishing.png"
    assert "## Quiz" not in lesson.body and "Which is the strongest" not in lesson.body
    assert "![A phishing email" in lesson.body


def test_quiz_questions_choices_and_explanations() -> None:
    lesson, _ = load("security/phishing.md", DATA / "good")
    assert lesson is not None
    first, second = lesson.questions
    assert first.text == "Which is the strongest sign of a phishing email?"
    assert [c.text for c in first.choices] == [
        "It comes from an address you know",
        "It urges you to act now and log in through a link",
        "It has the company logo",
    ]
    assert first.correct_indexes == (1,)
    assert first.explanation == "Urgency plus a login link is the classic lure."
    assert first.line == 19
    assert second.correct_indexes == (0, 2)
    assert second.detail == "Your manager is on holiday and this mail asks for gift cards."


def test_question_key_follows_the_wording_not_the_position() -> None:
    text = (DATA / "good/security/phishing.md").read_text()
    head, quiz = text.split("## Quiz\n")
    q1, q2 = quiz.strip().split("\n\n### ", 1)
    swapped = f"{head}## Quiz\n\n### {q2}\n\n{q1}\n"
    original, _ = parse_lesson(text, "x.md")
    reordered, _ = parse_lesson(swapped, "x.md")
    assert original is not None and reordered is not None
    assert {q.key for q in original.questions} == {q.key for q in reordered.questions}
    assert original.questions[0].key == reordered.questions[1].key


def test_plain_page_takes_title_from_heading_and_topic_from_folder() -> None:
    lesson, problems = load("plain/meetings.md", DATA / "good")
    assert problems == []
    assert lesson is not None
    assert lesson.title == "Run a shorter meeting"
    assert lesson.topic == "plain"
    assert not lesson.body.startswith("# Run")
    assert lesson.questions[0].correct_indexes == (1,)  # numbered task list works too
    assert lesson.minutes == 1


def test_title_falls_back_to_file_name_with_a_warning() -> None:
    lesson, problems = load("plain/no_title_here.md", DATA / "good")
    assert lesson is not None and lesson.title == "No title here"
    assert [(p.line, p.severity) for p in problems] == [(1, W)]


def test_tags_accept_a_comma_separated_string() -> None:
    lesson, _ = load("security/passwords.md", DATA / "good")
    assert lesson is not None and lesson.tags == ("password", "passphrase", "manager")


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("title: [a, b]", 2, "'title' must be a text"),
        ("tags: {a: 1}", 2, "'tags' must be a list of words"),
        ("title:", 2, "'title' must be a text, not nothing"),
        ("? [a, b]\n: x", 2, "must be a plain word"),
        ("draft: maybe", 2, "'draft' must be true or false"),
        ("minutes: 0", 2, "between 1 and 60"),
        ("id: ''", 2, "'id' is empty"),
        ("title: ok\nimage: ftp://example.com/x.png", 3, "http(s) URL"),
        ("- just\n- a list", 2, "must be 'key: value' lines"),
        ("title: ok\n  bad: indent", 3, "not valid YAML"),
        ("title: Fire: what to do", 2, 'must be quoted, like title: "Fire: what to do"'),
        ('title: "Unclosed quote\ntopic: x', 2, "the quote opened here is not closed"),
        ("title: T\ntags:\n\t- a", 4, "a tab indents this line"),
        ("title: Taxi\n\ttopic: travel", 3, "a tab indents this line; start every "
         "front-matter key at the beginning of its line"),
        ("title: \u201cSmart quotes: the rule\u201d", 2, "the value starts with a curly quote "
         "(\u201c), which YAML does not read as a quote; use straight quotes: title: "
         '"Smart quotes: the rule"'),
        ('title: "The "inner" rule"', 2, "quote the value with single quotes instead: "
         "title: 'The \"inner\" rule'"),
        ('title: "Don\'t say "never""', 2, 'write each inner quote as \\": '
         'title: "Don\'t say \\"never\\""'),
        ("title: T\ntags: [a, b\ntopic: x", 3, "the list opened with '[' here is not closed"),
    ],
)
def test_front_matter_type_errors(front: str, line: int, words: str, tmp_path: Path) -> None:
    _, problems = parse_lesson(f"---\n{front}\n---\nBody text.\n", "x.md", tmp_path)
    errors = [p for p in problems if p.is_error]
    assert [(p.line, words in p.message) for p in errors] == [(line, True)], problems


@pytest.mark.parametrize(("front", "said"), [
    ('---\ndraft: "yes"\n---', "'draft' must be true or false, not the text 'yes' (quotes "
     "make it text); write draft: true without quotes"),
    ("---\ndraft: 'Off'\n---", "not the text 'Off' (quotes make it text); write draft: false "
     "without quotes"),
    ('---\nconfidence: "TRUE"\n---', "write confidence: true without quotes"),
    ("---\ndraft: tRUE\n---", "not 'tRUE' (YAML reads it as text); write draft: true"),
    ('+++\ndraft = "true"\n+++', "not the text 'true' (quotes make it text); write "
     "draft = true without quotes"),
    ('+++\ntitle = "T"\nconfidence = "yes"\n+++', "write confidence = true without quotes"),
    # check takes true, false or a number: its true and false are read as draft's are.
    ('---\ncheck: "yes"\n---', "'check' must be true or false, not the text 'yes' (quotes "
     "make it text); write check: true without quotes"),
    ("---\ncheck: 'no'\n---", "write check: false without quotes"),
    ("---\ncheck: tRUE\n---", "not 'tRUE' (YAML reads it as text); write check: true"),
    ('+++\ncheck = "true"\n+++', "write check = true without quotes"),
])
def test_a_true_or_false_written_as_text_says_what_to_write(front: str, said: str) -> None:
    """'must be true or false, not 'yes'' had read as if yes were refused, which the lesson
    format says works; a quoted word is text, still refused, with the line to write."""
    _, problems = parse_lesson(f"{front}\nBody text.\n", "x.md")
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1 and said in errors[0].message, problems
    assert errors[0].line == 2 + front.count("title")


@pytest.mark.parametrize(("written", "title"), [
    ("\u201cCurly\u201d", "Curly"), ("\u2018Single\u2019", "Single"),
    ("\u201eGerman\u201c", "German"), ("\u00abFrench\u00bb", "French")])
def test_a_value_wrapped_in_curly_quotes_is_warned_and_shown_without_them(
        written: str, title: str) -> None:
    """Valid YAML, so no parse error: learners had read the quotes as part of the title."""
    lesson, problems = parse_lesson(f"---\ntitle: {written}\n---\nBody.\n", "x.md")
    assert lesson is not None and lesson.title == title
    [warning] = problems
    assert not warning.is_error and warning.line == 2
    assert f'use straight quotes or none: title: "{title}"' in warning.message


def test_curly_quotes_inside_a_value_are_the_trainers_own() -> None:
    lesson, problems = parse_lesson(
        "---\ntitle: \u2018Inbox zero\u2019 is a myth\nsummary: \u201cA\u201d and \u201cB\u201d\n"
        "---\nBody.\n", "x.md")
    assert lesson is not None and lesson.title == "\u2018Inbox zero\u2019 is a myth"
    assert lesson.summary == "\u201cA\u201d and \u201cB\u201d" and problems == []


def test_unknown_key_without_a_close_match_lists_known_keys() -> None:
    lesson, problems = parse_lesson("---\naudience: managers\n---\n# T\n\nBody.\n", "x.md")
    assert lesson is not None
    assert problems[0].line == 2 and "known keys are: id, title" in problems[0].message


def test_front_matter_id_overrides_the_path() -> None:
    lesson, _ = parse_lesson("---\nid: stable/one\n---\n# T\n\nBody.\n", "moved/file.md")
    assert lesson is not None and lesson.id == "stable/one"


def test_draft_flag_is_kept() -> None:
    lesson, _ = parse_lesson("---\ndraft: true\n---\n# T\n\nBody.\n", "x.md")
    assert lesson is not None and lesson.draft


def test_windows_line_endings_and_bom_parse_like_unix(tmp_path: Path) -> None:
    unix = (DATA / "good/security/phishing.md").read_bytes()
    path = tmp_path / "win.md"
    path.write_bytes(b"\xef\xbb\xbf" + unix.replace(b"\n", b"\r\n"))
    text, problems = read_text(path, "win.md")
    assert problems == [] and text is not None
    lesson, _ = parse_lesson(text, "win.md")
    assert lesson is not None and len(lesson.questions) == 2 and lesson.title.startswith("Spot")


def test_question_over_chat_limits_warns() -> None:
    long_q = "Why " + "x" * 320 + "?"
    text = f"# T\n\nBody.\n\n## Quiz\n\n### {long_q}\n- [x] {'y' * 120}\n- [ ] no\n> {'z' * 250}\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    assert [(p.line, p.severity) for p in problems] == [(7, W), (8, W), (10, W)]


def test_too_many_choices_is_an_error() -> None:
    choices = "\n".join(f"- [{'x' if i == 0 else ' '}] option {i}" for i in range(11))
    _, problems = parse_lesson(f"# T\n\nBody.\n\n## Quiz\n\n### Which?\n{choices}\n", "x.md")
    assert [(p.line, "at most 10" in p.message) for p in problems] == [(7, True)]


def test_choices_split_into_two_lists_is_an_error() -> None:
    text = "# T\n\nBody.\n\n## Quiz\n\n### Which?\n- [x] a\n- [ ] b\n\n1. [ ] c\n"
    _, problems = parse_lesson(text, "x.md")
    assert [p.line for p in problems if p.is_error] == [7]
    assert "more than one list" in problems[0].message


def test_quiz_ends_at_the_next_section_and_that_section_stays_in_the_body() -> None:
    text = "# T\n\nIntro.\n\n## Quiz\n\n### Q?\n- [x] a\n- [ ] b\n\n## Further reading\n\nMore.\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    assert len(lesson.questions) == 1
    assert "## Further reading" in lesson.body and "### Q?" not in lesson.body


def test_long_lesson_warns_to_split_it() -> None:
    body = " ".join(["word"] * 3000)
    lesson, problems = parse_lesson(f"# T\n\n{body}\n", "x.md")
    assert lesson is not None and lesson.minutes == 15
    assert [(p.line, "split it" in p.message) for p in problems] == [(1, True)]


def test_odd_unicode_and_markup_in_text_do_not_break_parsing() -> None:
    text = "# مرحبا <b>&amp;</b> 👋\n\nRight-to-left مرحبا and emoji 🎉 and <script>x</script>.\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None and problems == []
    assert lesson.title.startswith("مرحبا")


def test_other_site_generators_keys_are_understood_or_quietly_ignored() -> None:
    text = (
        "---\ntitle: Page\ndescription: What the page says\nkeywords: [a, b]\n"
        "categories: [b, c]\nlayout: post\ndate: 2024-01-01\nauthor: Someone\n---\nBody.\n"
    )
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    assert lesson.summary == "What the page says"
    assert lesson.tags == ("a", "b", "c")


def test_our_key_wins_over_its_alias_in_any_order() -> None:
    for front in ("summary: ours\ndescription: theirs", "description: theirs\nsummary: ours"):
        lesson, _ = parse_lesson(f"---\ntitle: T\n{front}\n---\nBody.\n", "x.md")
        assert lesson is not None and lesson.summary == "ours"


def test_a_quiz_under_a_misspelt_heading_or_a_question_ending_the_quiz_is_an_error() -> None:
    quiz = "### Which one?\n- [ ] wrong\n- [x] right\n"
    lesson, problems = parse_lesson(f"# T\n\nText.\n\n## Quizz\n\n{quiz}", "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(5, E)]
    assert "heading 'Quizz' is not a quiz heading" in problems[0].message
    assert "did you mean '## Quiz'?" in problems[0].message
    lesson, problems = parse_lesson(
        f"# T\n\nText.\n\n## Quiz\n\n{quiz}\n## Why not?\n- [x] because\n- [ ] no\n",
        "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(11, E)]
    assert "question 'Why not?' starts with '## ', which ends the quiz" in problems[0].message
    # A checklist in the text is text (its boxes are what the trainer meant): a warning.
    lesson, problems = parse_lesson("# T\n\n## Before you leave\n\n- [x] lock the screen\n"
                                    "- [ ] take the badge\n", "x.md")
    assert lesson is not None
    assert [(p.line, p.severity) for p in problems] == [(5, W)]


def test_a_quiz_without_its_heading_is_an_error_not_a_checklist() -> None:
    # A reviewer deleted '## Quiz': the questions were served as text, answers ticked.
    for asked in ("### Which matters most when you escalate?\n", "Which matters most?\n"):
        lesson, problems = parse_lesson(
            f"# Escalating\n\nText.\n\n{asked}\n- [ ] Who shouts loudest\n- [x] Impact\n",
            "x.md")
        assert lesson is None, asked
        assert [(p.line, p.severity) for p in problems] == [(5, E)]
        assert "is not in a '## Quiz' section" in problems[0].message
        assert "put '## Quiz' above it" in problems[0].message
    # Under a heading in the lesson's own language: that heading is the one to rename (it had
    # said "put '## Quiz' above it" with a heading there already).
    _, problems = parse_lesson("# T\n\nText.\n\n## Wissenstest\n\n### Wie schnell?\n"
                               "- [x] sofort\n- [ ] morgen\n", "x.md")
    assert [(p.line, p.severity) for p in problems] == [(7, E)]
    assert "call the section 'Wissenstest' above it '## Quiz'" in problems[0].message
    # A checklist after a question that ticks nothing is still text.
    lesson, problems = parse_lesson("# T\n\nReady to go?\n\n- [ ] lock the screen\n"
                                    "- [ ] take the badge\n", "x.md")
    assert lesson is not None and [p.severity for p in problems] == [W]


@pytest.mark.parametrize("nested", ["\t- [ ] Search one word", "    - [ ] Search one word",
                                    "  - say \"I'm ending this call now\""])
def test_a_list_indented_under_a_choice_is_an_error(nested: str) -> None:
    # A tab-indented choice replaced the choice above it, silently; a sub-list joined it.
    lesson, problems = parse_lesson(
        "# T\n\nText.\n\n## Quiz\n\n### How do you search the knowledge base?\n"
        f"- [x] Quote the message\n- [ ] Search each word\n{nested}\n- [ ] Ask a colleague\n",
        "x.md")
    assert lesson is None, nested
    assert [(p.line, p.severity) for p in problems] == [(10, E)], problems
    assert "indented under the choice above it" in problems[0].message


def test_a_negative_order_is_out_of_range_not_a_wrong_kind_of_number() -> None:
    lesson, problems = parse_lesson("---\ntitle: T\ntrack: t\norder: -1\n---\nBody.\n", "x.md")
    assert lesson is None
    assert [(p.line, p.message) for p in problems] == [
        (4, "'order' must be between 0 and 100000, not -1")]


def test_headings_are_kept_for_lookup() -> None:
    lesson, _ = parse_lesson("# T\n\nIntro.\n\n## Why it matters\n\nText.\n\n### Steps\n", "x.md")
    assert lesson is not None and lesson.headings == ("Why it matters", "Steps")


def test_blank_lines_before_front_matter_are_allowed_and_lines_stay_right() -> None:
    lesson, problems = parse_lesson("\n\n---\ntitle: Late\norder: x\n---\nBody.\n", "x.md")
    assert lesson is None
    assert [(p.line, "'order' must be a whole number" in p.message) for p in problems] == [
        (5, True)]
    lesson, problems = parse_lesson("\n---\ntitle: Late\n---\nBody text.\n", "x.md")
    assert problems == [] and lesson is not None and lesson.title == "Late"


def test_values_are_read_as_written_not_as_yaml_1_1_guesses() -> None:
    text = "---\ntitle: No\ntrack: t\norder: 010\ntags: [yes, no, maybe]\n---\nBody.\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    assert (lesson.title, lesson.order, lesson.tags) == ("No", 10, ("yes", "no", "maybe"))


def test_a_hash_that_cuts_a_value_is_explained() -> None:
    lesson, problems = parse_lesson("---\ntitle: Rule #1: be kind\n---\nBody.\n", "x.md")
    assert lesson is not None
    assert [(p.line, "put the whole value in quotes" in p.message) for p in problems] == [
        (2, True)]


def test_an_empty_optional_key_is_a_warning() -> None:
    lesson, problems = parse_lesson("---\nsummary:\n---\n# T\n\nBody.\n", "x.md")
    assert lesson is not None
    assert [(p.line, p.severity) for p in problems] == [(2, Severity.WARNING)]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\ntitle: Ladder\n\nKeep three points of contact at all times.\n\n---\n\nMore.\n",
         4, "closing '---' is missing"),
        ("---\ntitle: Ladder\n\nKeep three points of contact: hands and feet.\n\n---\n", 4,
         "closing '---' is missing"),
        ("# T\n\nBody.\n\n## Quiz\n\n### Q?\n- [x] a\n- [ ]\n", 9, "empty choice"),
        ("# T\n\nBody.\n\n## Quiz\n\n### Q?\n- [x] a\n- [ ] A\n", 9, "the choice 'A' twice"),
        ("# T\n\nBody.\n\n## Quiz\n\n### Q?\n- [x] a\n- [ ] b\n\n### Q?\n- [x] a\n- [ ] b\n",
         11, "asked twice (also on line 7)"),
    ],
)
def test_more_quiz_and_front_matter_mistakes(text: str, line: int, words: str) -> None:
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None
    assert [(p.line, words in p.message) for p in problems if p.is_error] == [(line, True)]


def test_yaml_comments_and_block_values_are_not_mistaken_for_lesson_text() -> None:
    text = "---\ntitle: Ok\nsummary: >\n  folded\n  text\n# a comment\ntags:\n  - a\n---\nBody.\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None and lesson.summary == "folded text"


def test_task_list_outside_the_quiz_warns_that_answers_show() -> None:
    text = "# T\n\n## Before you leave\n\n### Today\n- [ ] a\n- [x] b\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None and lesson.questions == ()
    assert [(p.line, "answers included" in p.message) for p in problems] == [(6, True)]
    # Under a heading that says questions, they are a quiz written wrongly: an error there.
    text = "# T\n\n## Questions\n\n### Q?\n- [ ] a\n- [x] b\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(3, E)]
    assert "call it '## Quiz'" in problems[0].message


def test_text_after_the_choices_is_an_explanation_when_labelled_and_a_warning_when_not() -> None:
    text = ("# T\n\nBody.\n\n## Quiz\n\n### Buttoned?\n- [x] Yes\n- [ ] No\n\n"
            "Explanation: an open coat does not protect you.\n\n### Where?\n- [x] Here\n"
            "- [ ] There\n\nMore lesson text.\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    first, second = lesson.questions
    assert first.explanation == "an open coat does not protect you." and first.detail == ""
    assert second.detail == "More lesson text."
    assert [(p.line, p.severity) for p in problems] == [(17, W)]
    assert "shown with the question, before its choices" in problems[0].message


def test_text_right_under_the_last_choice_is_not_part_of_it() -> None:
    """Markdown goes on with a list item on a next line that is not indented: an explanation
    written there would show inside the right choice and give the answer away."""
    text = ("# T\n\nBody.\n\n## Quiz\n\n### Which room?\n- [ ] Kitchen\n- [x] Board room\n"
            "Explanation: it is for the board.\n\n### How long?\n- [ ] 8 hours\n"
            "- [x] 2 hours\nThe limit keeps rooms free.\n\n### Wrapped?\n- [x] a long choice\n"
            "  wrapped by the editor\n- [ ] b\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    first, second, third = lesson.questions
    assert [c.text for c in first.choices] == ["Kitchen", "Board room"]
    assert first.explanation == "it is for the board."
    assert second.choices[1].text == "2 hours The limit keeps rooms free."
    assert [(p.line, p.severity) for p in problems] == [(15, W)]
    assert "joins the choice '2 hours' above it" in problems[0].message
    assert third.choices[0].text == "a long choice wrapped by the editor"


def test_a_first_question_without_its_heading_is_an_error_not_an_empty_quiz() -> None:
    for quiz, line in (("**First?**\n- [ ] a\n- [x] b\n", 7),
                       ("1. What is it?\n   - [ ] a\n   - [x] b\n", 7)):
        lesson, problems = parse_lesson(f"# T\n\nBody.\n\n## Quiz\n\n{quiz}", "x.md")
        assert lesson is None, quiz
        assert [(p.line, p.severity) for p in problems] == [(line, E)], quiz
    # A sentence before the first question is only ignored, as before.
    lesson, problems = parse_lesson(
        "# T\n\nBody.\n\n## Quiz\n\nTry these.\n\n### Q?\n- [ ] a\n- [x] b\n", "x.md")
    assert lesson is not None and len(lesson.questions) == 1
    assert [(p.line, p.severity) for p in problems] == [(7, W)]


def test_select_all_with_one_right_answer_is_warned() -> None:
    text = ("# T\n\nBody.\n\n## Quiz\n\n### Which are safe? Select all that apply.\n"
            "- [x] a\n- [ ] b\n\n### Choose all that apply\n- [x] a\n- [x] b\n- [ ] c\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None and len(lesson.questions) == 2
    assert [(p.line, p.severity) for p in problems] == [(7, W)]
    assert "has one right answer; mark every right choice '- [x]'" in problems[0].message
    assert [q.says_select_all for q in lesson.questions] == [True, True]


def test_a_files_own_mistakes_come_in_one_round() -> None:
    text = ("---\ntitle: T\ncheck: true\n---\nBody.\n\n## Quiz\n\n### Same?\n- [x] a\n"
            "- [ ] b\n\n### Same?\n- [x] a\n- [ ] b\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(3, E), (13, E)]
    assert "'check' needs a track" in problems[0].message
    assert "is asked twice" in problems[1].message


def test_html_comments_are_notes_for_trainers_never_shown() -> None:
    text = ("# Gloves\n\n<!-- TODO: ask Maria for the new photo -->\n\nWear gloves.\n\n"
            "<!--\nmore\n-->\n\nThe end.\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    assert "TODO" not in lesson.body and "more" not in lesson.body
    assert "Wear gloves." in lesson.body and "The end." in lesson.body


def test_a_list_indented_into_a_code_block_is_warned_and_real_code_is_not() -> None:
    text = ("# T\n\nSteps:\n\n\t- one\n\t- two\n\nCode:\n\n    x = 1\n    - y\n\n"
            "```\n- fenced\n```\n\n- a\n\t- nested\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    assert [(p.line, p.severity) for p in problems] == [(5, W)]
    assert "learners see it as code; remove the indent" in problems[0].message


def test_a_comment_inside_a_paragraph_is_shown_by_no_writer() -> None:
    source = "Wear gloves <!-- TODO: new photo --> always, `<!-- kept -->` in code."
    for shown in (plain_text(source), markdown_to_html(source), *from_markdown(source)):
        assert "TODO" not in shown and "always" in shown and "kept" in shown, shown


def test_a_comment_a_line_starts_or_a_paragraph_holds_never_reaches_the_lesson() -> None:
    """A comment that starts a line with text after it is an HTML block to Markdown, and the
    writers showed it as typed; one inside a paragraph or an item reached the console."""
    text = ("# Gloves\n\nWear gloves.\n<!-- start of line --> second line.\n\n"
            "A para with a\n<!--\nmulti-line\n--> end.\n\n- item <!-- c --> x\n"
            "- inline <!-- TODO: new photo --> always, `<!-- kept -->` in code.\n\n"
            "```\n<!-- fenced stays -->\n```\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    for shown in (lesson.body, markdown_to_html(lesson.body),
                  "\n".join(from_markdown(lesson.body))):
        assert "start of line" not in shown and "multi-line" not in shown, shown
        assert "TODO" not in shown and "c --" not in shown and "&lt;!--" not in shown.replace(
            "&lt;!-- kept --&gt;", "").replace("&lt;!-- fenced stays --&gt;", ""), shown
        assert "second line." in shown and "end." in shown and "kept" in shown, shown
        assert "fenced stays" in shown, shown
    assert "Wear gloves.\n second line." in lesson.body  # one paragraph still


def test_quiz_heading_variants_start_a_quiz() -> None:
    for heading in ("# Quiz", "## Check your understanding", "## Knowledge check",
                    "## Quick quiz", "## Pop quiz!"):
        text = f"# T\n\nBody.\n\n{heading}\n\n### Q?\n- [ ] a\n- [x] b\n"
        lesson, problems = parse_lesson(text, "x.md")
        assert problems == [] and lesson is not None and len(lesson.questions) == 1, heading


def test_empty_heading_warns() -> None:
    lesson, problems = parse_lesson("# T\n\nBody.\n\n## \n\nMore.\n", "x.md")
    assert lesson is not None and [(p.line, "empty heading" in p.message) for p in problems] == [
        (5, True)]


def test_images_outside_the_folder_or_folders_are_errors(tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    text = "---\nimage: ../../etc/passwd\n---\n# T\n\nBody ![x](pics) and ![y](/pics).\n"
    _, problems = parse_lesson(text, "topic/x.md", tmp_path)
    assert [(p.line, p.message.split("'")[2].strip()) for p in problems] == [
        (2, "is outside the lesson folder; copy it into the folder and point at the copy"),
        (6, "is a folder, not an image (looked for"),  # '/pics' is from the lesson folder
        (6, "does not exist (looked for"),  # 'pics' is relative to topic/, which has none
    ]


def test_image_link_loop_and_long_names_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "loop.png").symlink_to("loop.png")
    text = f"# T\n\n![a](loop.png)\n\n![b]({'x' * 300}.png)\n"
    _, problems = parse_lesson(text, "x.md", tmp_path)
    assert [p.line for p in problems] == [3, 5]


def test_utf16_and_cr_only_files_are_explained(tmp_path: Path) -> None:
    (tmp_path / "u16.md").write_bytes("# T\n\nText.\n".encode("utf-16"))
    (tmp_path / "cr.md").write_bytes(b"# T\r\rText \xe9t\xe9.\r")
    assert "UTF-16" in read_text(tmp_path / "u16.md", "u16.md")[1][0].message
    [problem] = read_text(tmp_path / "cr.md", "cr.md")[1]
    assert problem.line == 3 and "Windows-1252" in problem.message


def test_hugo_toml_front_matter() -> None:
    text = ('+++\ntitle = "Deploy safely"\ntags = ["deploy", "release"]\ndate = 2024-01-01\n'
            'weight = 3\ndraft = false\n[params]\nauthor = "x"\n+++\nShip small changes.\n')
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    assert (lesson.title, lesson.tags, lesson.summary) == (
        "Deploy safely", ("deploy", "release"), "Ship small changes.")


def test_a_known_key_with_capitals_is_read_with_a_warning() -> None:
    """'Title:' (as Hugo allows) had been ignored, and the lesson titled by its file name."""
    lesson, problems = parse_lesson("---\nTitle: Phone calls\n---\nBody.\n", "x.md")
    assert lesson is not None and lesson.title == "Phone calls"
    assert [(p.line, p.is_error, p.message) for p in problems] == [
        (2, False, "key 'Title' is read as 'title'; write it in lower case")]
    lesson, problems = parse_lesson('+++\nTitle = "Phone calls"\n+++\nBody.\n', "x.md")
    assert lesson is not None and lesson.title == "Phone calls" and len(problems) == 1
    # Beside the key in lower case, in either order, it is ignored as an unknown key.
    for front in ("Title: A\ntitle: B", "title: B\nTitle: A"):
        lesson, problems = parse_lesson(f"---\n{front}\n---\nBody.\n", "x.md")
        assert lesson is not None and lesson.title == "B" and not any(
            p.is_error for p in problems)


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ('title = "T"\norder = "first"\ntrack = "t"', 3, "'order' must be a whole number"),
        ('title = "T"\nbroken = \n', 3, "not valid TOML"),
        ('title = "T"\ntitel = "x"', 3, "did you mean 'title'"),
        ('title = Phone calls\norder = 2', 2,
         'not valid TOML: Invalid value; text needs quotes: write title = "Phone calls"'),
        ('title = Phone calls  # the call centre', 2, 'write title = "Phone calls"'),
        ('title = "T"\nsummary = Say "hi" first', 3,
         'text needs quotes: write summary = "Say \\"hi\\" first"'),
        # An unclosed value is blamed where it opened, not where the parser noticed.
        ('title = "T"\ntags = ["a", "b"\norder = 2', 3,
         "the '[' opened on this line is never closed; end it with ']'"),
        ('title = "T"\norder = 2\ntags = ["a",\n  "b"', 4, "the '[' opened on this line"),
        ('title = "T"\nx = {a = 1\norder = 2', 3, "the '{' opened on this line"),
        ('title = "T"\nsummary = """Long\ntext\norder = 2', 3,
         "the \'\"\"\"\' opened on this line is never closed"),
    ],
)
def test_toml_problems_point_at_their_line(front: str, line: int, words: str) -> None:
    _, problems = parse_lesson(f"+++\n{front}\n+++\nBody.\n", "x.md")
    assert [(p.line, words in p.message) for p in problems] == [(line, True)], problems


@pytest.mark.parametrize(
    ("front", "toml", "yaml"),
    [
        ("minutes = 'three'", "for example 'minutes = 3'", "for example 'minutes: 3'"),
        ("tags = [[\"a\"]]", """for example 'tags = ["phishing", "email"]'""",
         "for example 'tags: [phishing, email]'"),
        ("order = 2", """add 'track = "name"'""", "add 'track: name'"),
        ('track = "t"', "add 'order = N'", "add 'order: N'"),
        ("check = 3", """add 'track = "name"'""", "add 'track: name'"),
        ('title = "\u201cHi\u201d"', 'straight quotes: title = "Hi"',
         "straight quotes or none: title: "),
        ("summary = 'S'", """or 'title = "..."' in the front matter""",
         "or 'title:' in the front matter"),
    ],
)
def test_a_fix_in_toml_front_matter_is_a_toml_line(front: str, toml: str, yaml: str) -> None:
    """The lines to add had been YAML's, which pasted into a '+++' file are TOML errors."""
    _, problems = parse_lesson(f"+++\n{front}\n+++\nBody.\n", "x.md")
    assert any(toml in p.message for p in problems), problems
    key, value = front.split(" = ")
    value = value.strip("'\"")
    _, problems = parse_lesson(f"---\n{key}: {value}\n---\nBody.\n", "x.md")
    assert any(yaml in p.message for p in problems), problems


def test_a_question_written_without_its_heading_is_named_as_such() -> None:
    # A bold line with choices under it: before, the question above was blamed for two lists
    # of choices and for each choice twice; the fix it suggested was wrong.
    text = ("# T\n\nBody.\n\n## Quiz\n\n### First?\n- [x] yes\n- [ ] no\n\n"
            "**Q2. Second question?**\n- [x] yes\n- [ ] no\n\n### Third?\n- [x] a\n- [ ] b\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert [(p.line, p.message) for p in problems if p.is_error] == [
        (11, "'**Q2. Second question?**' is followed by choices but is not a question heading; "
             "write it as '### Q2. Second question?'")]
    assert lesson is None  # a file with an error is not served (its last good version is)


def test_a_heading_without_its_space_gets_the_fix_without_doubled_hashes() -> None:
    """"###Which form?" had been told to write "### ###Which form?"."""
    text = "# T\n\nBody.\n\n## Quiz\n\n###Which form?\n- [ ] A\n- [x] B\n"
    _, problems = parse_lesson(text, "x.md")
    assert [p.message for p in problems if p.is_error] == [
        "'###Which form?' is followed by choices but is not a question heading; write it as "
        "'### Which form?'"]


def test_text_after_the_choices_with_no_choices_after_it_stays_the_questions() -> None:
    text = ("# T\n\nBody.\n\n## Quiz\n\n### First?\n- [x] yes\n- [ ] no\n\nA note after.\n\n"
            "### Second?\n- [x] a\n- [ ] b\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None and not [p for p in problems if p.is_error]
    assert lesson.questions[0].detail == "A note after."


def test_a_note_between_two_lists_of_choices_is_still_a_split_list() -> None:
    text = ("# T\n\nBody.\n\n## Quiz\n\n### First?\n- [x] yes\n- [ ] no\n\nAlso:\n\n"
            "- [ ] maybe\n")
    _, problems = parse_lesson(text, "x.md")
    assert [p.line for p in problems if p.is_error] == [7]
    assert "more than one list" in problems[0].message


def test_front_matter_below_the_title_and_links_into_the_folder_are_warned() -> None:
    text = ("# Title first\n\n---\ntitle: Late\ntags: [x]\n---\n\nSee [spills](../spills.md), "
            "[the web](https://example.com), [mail](mailto:a@b.c) and [top](#top).\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    assert [(p.line, p.severity) for p in problems] == [(3, W), (8, W)]
    assert "front matter must be the file's first lines" in problems[0].message
    assert "the link '../spills.md' is a path to a file" in problems[1].message
    # A rule between two paragraphs is no front matter.
    lesson, problems = parse_lesson("# T\n\nOne.\n\n---\n\nTwo: three.\n\n---\n", "x.md")
    assert lesson is not None and problems == []


def test_a_comment_after_a_setting_is_a_comment_and_a_cut_title_is_warned(
        tmp_path: Path) -> None:
    # The front matter of docs/lesson-format.md, pasted as it is, was warned three times, and
    # quoting `minutes: "3 # approx"` as the warning advised broke the lesson.
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "phishing.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    lesson, problems = parse_lesson(
        "---\ntitle: Spot a phishing email\ntrack: security-basics     # sent in `order`\n"
        "order: 1\nminutes: 3  # about\ncheck: 4        # or true\n"
        "image: images/phishing.png # relative to this file\n---\nBody text.\n",
        "x.md", tmp_path)
    assert problems == [] and lesson is not None
    assert (lesson.track, lesson.minutes, lesson.check) == ("security-basics", 3, 4)
    lesson, problems = parse_lesson("---\ntitle: Use #hashtags well\n---\nBody text.\n", "x.md")
    assert lesson is not None and lesson.title == "Use"
    assert [(p.line, p.severity) for p in problems] == [(2, W)]
    assert "'title' is cut at 'Use'" in problems[0].message


@pytest.mark.parametrize(("front", "line", "words"), [
    ("title: T\n  topic: support", 3, "this line is indented; start every front-matter key"),
    ("title: T\nminutes 3", 3, "'minutes 3' needs a colon after the key: 'minutes: 3'"),
    ("title: 'Don't share screenshots'", 2,
     "quote the value with double quotes instead: title: \"Don't share screenshots\""),
])
def test_front_matter_slips_get_the_fix_that_works(front: str, line: int, words: str) -> None:
    # Each had been told something that did not help: to quote the value, that the closing
    # '---' was missing, or "did not find expected key".
    lesson, problems = parse_lesson(f"---\n{front}\n---\nBody text.\n", "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(line, E)]
    assert words in problems[0].message


@pytest.mark.parametrize("choices", [
    "- [x]\u00a0Impact\n- [ ] Volume", "-\u00a0[x] Impact\n- [ ] Volume",
    "- [ ] Volume\n- [x]\u202fImpact"])
def test_no_break_spaces_pasted_into_choices_are_read_as_spaces(choices: str) -> None:
    lesson, problems = parse_lesson(f"# T\n\nText.\n\n## Quiz\n\n### Which?\n{choices}\n",
                                    "x.md")
    assert problems == [] and lesson is not None
    assert sorted((c.text, c.correct) for c in lesson.questions[0].choices) == [
        ("Impact", True), ("Volume", False)]


def test_a_choice_with_a_word_processors_bullet_is_named_at_its_line() -> None:
    lesson, problems = parse_lesson(
        "# T\n\nText.\n\n## Quiz\n\n### Which?\n- [ ] Volume\n\u2022 [x] Impact\n- [ ] Age\n",
        "x.md")
    assert lesson is None
    assert (9, E) in [(p.line, p.severity) for p in problems]
    assert any("starts with '\u2022'" in p.message for p in problems)


def test_a_missing_image_names_where_its_path_starts(tmp_path: Path) -> None:
    # '/images/kb.png' is looked for from the folder's top, and the error said "relative to
    # this lesson".
    for src, words in (("/images/kb.png", "relative to the lesson folder (it starts with '/')"),
                       ("images/kb.png", "relative to this lesson")):
        _, problems = parse_lesson(f"# T\n\nText ![kb]({src})\n", "a/x.md", tmp_path)
        [problem] = problems
        assert problem.message.endswith(words), src


def test_a_missing_image_with_another_case_or_backslashes_gets_the_path_to_write(
        tmp_path: Path) -> None:
    """Right on the trainer's Windows or macOS disk, missing on the server: the error had
    not said why."""
    (tmp_path / "a/images").mkdir(parents=True)
    (tmp_path / "a/images/receipt.png").write_bytes(b"png")
    _, problems = parse_lesson("# T\n\nText ![r](images/Receipt.PNG)\n", "a/x.md", tmp_path)
    [problem] = problems
    assert problem.message.endswith("did you mean 'images/receipt.png'? a file name's capitals "
                                    "must match (they do not on Windows or macOS, but do on "
                                    "the server)")
    _, problems = parse_lesson("# T\n\nText ![r](images\\receipt.png)\n", "a/x.md", tmp_path)
    [problem] = problems
    assert problem.message.endswith("write the path with '/', not '\\': 'images/receipt.png'")


def test_an_image_path_with_a_space_is_warned_with_the_two_ways_to_write_it(
        tmp_path: Path) -> None:
    """Markdown does not read '![x](my image.png)' as an image (a path ends at a space):
    learners saw the words as typed, and check had said nothing."""
    (tmp_path / "my image.png").write_bytes(b"png")
    (tmp_path / "photo (1).png").write_bytes(b"png")
    text = ("# T\n\nText.\n\nLook at ![a map](my image.png) here.\n\n"
            "And ![copy](photo (1).png \"The copy\").\n")
    lesson, problems = parse_lesson(text, "x.md", tmp_path)
    assert lesson is not None  # a warning: the lesson is served, the words shown as typed
    assert [(p.line, p.severity, p.message) for p in problems] == [
        (5, W, "'![a map](my image.png)' is not read as an image: Markdown ends an image's "
               "path at a space, so learners see these words as typed; write the path in angle "
               "brackets, '![a map](<my image.png>)', or each space as %20, "
               "'![a map](my%20image.png)'"),
        (7, W, "'![copy](photo (1).png \"The copy\")' is not read as an image: Markdown ends an "
               "image's path at a space, so learners see these words as typed; write the path "
               "in angle brackets, '![copy](<photo (1).png> \"The copy\")', or each space as "
               "%20, '![copy](photo%20(1).png \"The copy\")'")]
    # Written either way, it is an image; in code, or escaped, it is text meant as such.
    fixed = ("# T\n\nText ![a](<my image.png>) and ![b](my%20image.png).\n\n"
             "`![c](my image.png)` and \\![d](my image.png)\n\n"
             "```\n![e](my image.png)\n```\n\n    ![f](my image.png)\n")
    lesson, problems = parse_lesson(fixed, "x.md", tmp_path)
    assert problems == [] and lesson is not None and lesson.images == (
        "my image.png", "my%20image.png")


def test_a_file_not_in_utf8_names_the_character_where_it_is() -> None:
    from bot.content.folder import decode_text
    _, [problem] = decode_text("# Café\n\nCrème brûlée\n".encode("cp1252"), "menu.md")
    assert (problem.line, problem.message) == (1, (
        "not valid UTF-8: column 6, byte 0xe9 ('é'); it looks like Windows-1252 or Latin-1; "
        "save the file as UTF-8 (most editors: 'Save as', encoding 'UTF-8')"))


def test_checklists_and_code_are_left_as_they_are() -> None:
    # A checklist under a question ticks all (or none) of its boxes: text, as before; code
    # and prose keep their characters (no bullet error in code, no no-break space changed).
    lesson, problems = parse_lesson(
        "# Report\n\nReady to send the report?\n\n- [x] numbers checked\n- [x] spelling\n",
        "x.md")
    assert lesson is not None and [p.severity for p in problems] == [W]
    lesson, problems = parse_lesson(
        "# Code\n\nText.\n\n```\n\u2022 [x] bullet\n- [x]\u00a0in code\n```\n\n"
        "Am 3.\u00a0Oktober beginnt es.\n", "x.md")
    assert lesson is not None and problems == []
    assert "- [x]\u00a0in code" in lesson.body and "3.\u00a0Oktober" in lesson.body


def test_choices_spaced_out_with_blank_lines_are_choices() -> None:
    """Markdown reads a list spaced out with blank lines as a list of paragraphs: its boxes
    were reported as broken, with the very text the trainer wrote as the fix."""
    text = ("# T\n\nBody.\n\n## Quiz\n\n### Which?\n\n- [x] alpha\n\n- [ ] beta\n\n"
            "- [ ] gamma\n\n> Because alpha.\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    [question] = lesson.questions
    assert [(c.text, c.correct, c.line) for c in question.choices] == [
        ("alpha", True, 9), ("beta", False, 11), ("gamma", False, 13)]
    assert question.explanation == "Because alpha."


def test_choices_indented_into_code_are_named_once_with_the_fix() -> None:
    text = ("# T\n\nBody.\n\n## Quiz\n\n### Spaces?\n\n    - [x] a\n    - [ ] b\n\n"
            "### Tabs?\n\n\t- [ ] a\n\t- [x] b\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None  # an error: the file is not served
    assert [(p.line, p.severity) for p in problems] == [(9, E), (14, E)]
    assert ["indented by four spaces" in problems[0].message,
            "indented by a tab" in problems[1].message] == [True, True]
    assert all("remove the indent" in p.message for p in problems)
    assert not any("0 choice" in p.message for p in problems)


def test_an_empty_lesson_is_not_said_to_have_a_title() -> None:
    lesson, problems = parse_lesson("---\n---\n", "nofields.md")
    assert lesson is None
    said = [p.message for p in problems]
    assert any(m.startswith("the lesson has no text") for m in said)
    assert not any("has a title" in m for m in said)


def test_a_tag_with_a_colon_is_named_with_the_fix() -> None:
    _, problems = parse_lesson("---\ntags: [safety: fire, b]\n---\n# T\n\nText.\n", "x.md")
    [problem] = problems
    assert problem.line == 2 and "'safety: fire'" in problem.message
    assert "quote that item" in problem.message


def test_a_comment_in_a_question_its_choices_or_its_explanation_is_not_shown() -> None:
    text = ("# T\n\nBody.\n\n## Quiz\n\n### Which <!-- note --> one?\n"
            "- [x] right <!-- c --> one\n- [ ] <!-- x -->wrong `<!-- code -->`\n\n"
            "> <!-- source: policy 4.2 --> Because it is.\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    [question] = lesson.questions
    assert question.text == "Which one?"
    assert [c.text for c in question.choices] == ["right one", "wrong `<!-- code -->`"]
    assert question.explanation == "Because it is."


def test_an_indented_code_sample_in_a_question_with_choices_is_a_sample() -> None:
    text = ("# T\n\nBody.\n\n## Quiz\n\n### What does this render?\n\n    - [ ] a\n\n"
            "- [x] a box\n- [ ] a bullet\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert problems == [] and lesson is not None
    assert [c.text for c in lesson.questions[0].choices] == ["a box", "a bullet"]


def test_a_comment_line_leaves_the_text_around_it_as_markdown_read_it() -> None:
    """Dropped, the line under a paragraph made '---' its underline: a heading."""
    lesson, _ = parse_lesson("# T\n\nSome text.\n<!-- note -->\n---\n\nMore.\n", "x.md")
    assert lesson is not None and "Some text.\n\n---" in lesson.body


@pytest.mark.parametrize(("words", "warned"), [
    ("Choose one: which form covers a lost receipt?", True),
    ("Which ONE of these is allowed?", True),
    ("What is the best way to book a train?", True),
    ("Which of these are the most common signs?", False),
    ("Which expenses can you claim?", False),
])
def test_a_question_asking_for_one_answer_with_several_marked_is_warned(
        words: str, warned: bool) -> None:
    """Two '[x]' make it "select all that apply", which the bot then tells learners."""
    text = f"# T\n\nBody.\n\n## Quiz\n\n### {words}\n- [x] A\n- [x] B\n- [ ] C\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    found = [p.message for p in problems if "asks for one answer" in p.message]
    assert bool(found) == warned, problems
    if warned:
        assert found[0].endswith("has 2 choices marked '- [x]': learners are asked to select "
                                 "all that apply; keep one '- [x]', or reword the question")


@pytest.mark.parametrize("fence", ["\u2014", "\u2013-", "\u2014\u2014"])
def test_front_matter_fences_turned_into_dashes_by_autocorrect_are_named(fence: str) -> None:
    """Learners had read 'title: ...' as the lesson's text, and check only said it had no
    title."""
    text = f"{fence}\ntitle: Mileage\ntopic: expenses\n{fence}\nClaim mileage with the form.\n"
    lesson, problems = parse_lesson(text, "mileage.md")
    assert lesson is None
    assert [(p.line, p.message) for p in problems] == [(1, (
        f"the front matter's '---' became '{fence}' (an editor's autocorrect turns hyphens "
        "into a dash); type three hyphens '---' here and on the line that closes it"))]


@pytest.mark.parametrize("fence", ["\u2014", "\u2013\u2013\u2013", "\u2014\u2014"])
def test_a_closing_fence_turned_into_a_dash_closes_the_front_matter_with_a_warning(
        fence: str) -> None:
    """Only an opening dash had been recognised: '---' ... '\u2014' was "never closed"."""
    text = f"---\ntitle: Mileage\ntopic: expenses\n{fence}\nClaim mileage with the form.\n"
    lesson, problems = parse_lesson(text, "mileage.md")
    assert lesson is not None and lesson.title == "Mileage"
    assert "title:" not in lesson.body
    assert [(p.line, p.severity, p.message) for p in problems] == [(4, W, (
        f"the front matter's closing '---' became '{fence}' (an editor's autocorrect turns "
        "hyphens into a dash); type three hyphens '---' on this line"))]


def test_a_dash_in_the_lesson_text_does_not_close_the_front_matter() -> None:
    text = "---\ntitle: Mileage\n\nClaim mileage.\n\u2014\nMore text.\n"
    lesson, problems = parse_lesson(text, "mileage.md")
    assert lesson is None
    assert [(p.line, p.message) for p in problems] == [(3, (
        "front matter starts with '---' but is never closed; add a '---' line after line 2 "
        "(the last 'key: value' line)"))]


@pytest.mark.parametrize(("text", "line", "after"), [
    # Taken literally, "add a '---' line after it" put it after line 1, and learners saw
    # 'title: ...' as the lesson's text.
    ("---\ntitle: Catheters\ntopic: care\nminutes: 3\ntags: [a, b]\n\nKeep it clean.\n", 6, 5),
    ("---\ntitle: Catheters\ntags:\n  - a\n  - b\n# Catheters\n\nKeep it clean.\n", 6, 5),
    ("\n---\ntitle: Catheters\nSecure the tube every shift.\n", 4, 3),
    ('+++\ntitle = "Catheters"\nminutes = 3\n\nKeep it clean.\n', 4, 3),  # TOML's own words
])
def test_an_unclosed_front_matter_names_the_line_its_closing_fence_goes_after(
        text: str, line: int, after: int) -> None:
    fence, setting = ("+++", "'key = value'") if text.startswith("+++") else \
        ("---", "'key: value'")
    lesson, problems = parse_lesson(text, "c.md")
    assert lesson is None
    assert [(p.line, p.message) for p in problems] == [(line, (
        f"front matter starts with '{fence}' but is never closed; add a '{fence}' line after "
        f"line {after} (the last {setting} line)"))]


def test_a_choice_without_a_space_after_its_dash_is_named_at_its_line() -> None:
    """'-[x] EX-7' had only given "has 0 choice(s)", pointing at the question."""
    text = "# Forms\n\nText.\n\n## Quiz\n\n### Which form?\n-[x] EX-7\n-[ ] EX-9\n"
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None
    assert [(p.line, p.message) for p in problems if p.line > 7] == [
        (8, "'-[x]' has no space after its '-', so Markdown does not read it as a choice; "
            "write '- [x]'"),
        (9, "'-[ ]' has no space after its '-', so Markdown does not read it as a choice; "
            "write '- [ ]'")]


def test_the_new_checks_leave_what_is_right_alone(tmp_path: Path) -> None:
    """False alarms a review found: a "select all" question that says "choose one of ...",
    an image path naming a folder, '-[x]' in an indented code block, a dash alone at the top."""
    text = ("# T\n\nBody.\n\n## Quiz\n\n### Select all that apply: which one of these is "
            "safe?\n- [x] A\n- [x] B\n- [ ] C\n")
    _, problems = parse_lesson(text, "x.md")
    assert not [p for p in problems if "asks for one answer" in p.message]
    (tmp_path / "pics").mkdir()
    _, problems = parse_lesson("# T\n\nText ![p](pics)\n", "x.md", tmp_path)
    [problem] = problems
    assert "is a folder, not an image" in problem.message and "did you mean" not in \
        problem.message
    lesson, problems = parse_lesson("# T\n\nA task list in Markdown:\n\n    -[x] done\n",
                                    "x.md")
    assert lesson is not None and not [p for p in problems if p.is_error]
    lesson, problems = parse_lesson("\u2014\n# T\n\nBody.\n", "x.md")
    assert lesson is not None and not [p for p in problems if p.is_error]


def test_a_tracks_name_keeps_the_capitals_written() -> None:
    """'track: GDPR-basics' had been shown to learners as "Gdpr basics"."""
    from bot.content.model import track_title

    assert track_title("git-basics") == "Git basics"
    assert track_title("GDPR-basics") == "GDPR basics"
    assert track_title("front_desk  UK") == "Front desk UK"


QUIZ = "# Vegetables\n\nSome text.\n\n## Quiz\n\n"
"""A lesson up to its quiz heading: the question under test starts on line 7."""


@pytest.mark.parametrize("choices", ["- [x] Tomato\n- [x] Onion\n- [x] Leek\n",
                                     "- [x] Tomato\n- [x] Onion\n"])
def test_a_question_with_every_choice_ticked_is_warned(choices: str) -> None:
    """Selecting every choice was right: the question tested nothing, and passed unsaid."""
    lesson, problems = parse_lesson(f"{QUIZ}### Which are vegetables?\n{choices}", "x.md")
    assert lesson is not None  # served: "select all" may be meant, but it gives nothing away
    assert [(p.line, p.severity) for p in problems] == [(7, W)], problems
    assert "'Which are vegetables?' has every choice marked '- [x]'" in problems[0].message
    assert "mark the wrong choices '- [ ]', or add a choice that is wrong" in \
        problems[0].message
    _, problems = parse_lesson(
        f"{QUIZ}### Which are vegetables?\n- [x] Tomato\n- [x] Onion\n- [ ] Apple\n", "x.md")
    assert problems == []


@pytest.mark.parametrize("indent", ["\t", " \t", "  \t", "\t ", "    "])
def test_a_choice_indented_under_the_one_above_is_still_read_as_a_choice(indent: str) -> None:
    """A tab-indented '- [x] Tomato' under '- [ ] Onion' is Markdown's sub-list: its '[x]' was
    lost, and the question said to have no correct choice beside the indent's own error."""
    lesson, problems = parse_lesson(
        f"{QUIZ}### Which is red?\n- [ ] Onion\n{indent}- [x] Tomato\n- [ ] Leek\n", "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(9, E)], problems
    assert "indented under the choice above it" in problems[0].message
    assert ("by a tab" in problems[0].message) == ("\t" in indent)
    assert not any("no correct choice" in p.message for p in problems)
    # Read as the question's own choice, its other checks hold: here, a repeated choice.
    _, problems = parse_lesson(
        f"{QUIZ}### Which is red?\n- [x] Tomato\n{indent}- [ ] Tomato\n- [ ] Leek\n", "x.md")
    assert [(p.line, p.severity) for p in problems] == [(9, E), (9, E)], problems
    assert any("has the choice 'Tomato' twice" in p.message for p in problems)


@pytest.mark.parametrize(("indent", "named"), [("\t", "a tab"), ("    ", "four spaces"),
                                               ("  \t", "a tab")])
def test_a_first_choice_indented_into_code_is_named_not_called_no_correct_choice(
        indent: str, named: str) -> None:
    """Indented at the top of the list, the choice is code to Markdown: the others were read
    alone and the question said to have no correct choice, with no word of the indent."""
    lesson, problems = parse_lesson(
        f"{QUIZ}### Which is red?\n{indent}- [x] Tomato\n- [ ] Onion\n- [ ] Leek\n", "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(8, E)], problems
    assert f"this choice is indented by {named}, so Markdown reads it as code" in \
        problems[0].message
    assert "remove the indent" in problems[0].message
    # A code sample apart from the choices (a blank line between) stays a code sample.
    lesson, problems = parse_lesson(
        f"{QUIZ}### Which is a done task in Markdown?\n\n{indent}- [x] done\n\n"
        "- [ ] the line above\n- [x] none of them\n", "x.md")
    assert lesson is not None and problems == []


def test_lettered_options_left_above_the_choices_are_warned_by_name() -> None:
    """A quiz converted from Word kept its 'A. Tomato' lines above the '- [ ]' choices made of
    them: shown with the question, learners read every option twice, and check said nothing."""
    lesson, problems = parse_lesson(
        f"{QUIZ}### Which is red?\n\nYou are at the market.\n\nA. Tomato\nB) Onion\n(C) Leek\n"
        "d) Carrot\n\n- [x] Tomato\n- [ ] Onion\n- [ ] Leek\n- [ ] Carrot\n", "x.md")
    assert lesson is not None  # served as it is: a warning
    assert [(p.line, p.severity) for p in problems] == [(11, W)], problems
    assert problems[0].message == (
        "the lettered lines 'A. Tomato', 'B) Onion', '(C) Leek' and 1 more above the choices "
        "of 'Which is red?' are shown with the question, so learners read the options twice; "
        "delete them (the '- [ ]' choices are what learners answer)")
    # A sentence that happens to start with an initial is no option list.
    lesson, problems = parse_lesson(
        f"{QUIZ}### Which is red?\n\nA. Smith says red is a colour.\n\n- [x] Tomato\n"
        "- [ ] Onion\n", "x.md")
    assert lesson is not None and problems == []


@pytest.mark.parametrize("after", ["", "\n<!-- questions to come -->\n",
                                   "\n## Further reading\n\nThe handbook, page 4.\n"])
def test_a_quiz_heading_with_no_questions_under_it_is_warned(after: str) -> None:
    """Learners got no quiz and check said nothing: the trainer may think it is there."""
    lesson, problems = parse_lesson(f"{QUIZ}{after}", "x.md")
    assert lesson is not None and lesson.questions == ()
    assert [(p.line, p.severity) for p in problems] == [(5, W)], problems
    assert problems[0].message == (
        "'## Quiz' has no questions under it; write each question as '### Question?' with its "
        "'- [ ]' choices under it, or remove the heading")
    # Text in it that is no question is said once, as it was.
    _, problems = parse_lesson(f"{QUIZ}Some words.\n", "x.md")
    assert [(p.line, p.severity) for p in problems] == [(7, W)], problems
    assert "text before the first question of the quiz is ignored" in problems[0].message


def _suggested(message: str, key: str = "title") -> list[str]:
    """The 'key: value' lines a message suggests, each cut where the next words start."""
    return [match.group(1) for match in re.finditer(
        rf"({key}: (?:'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"))", message)]


@pytest.mark.parametrize(("written", "meant"), [
    ("\u201cMerci\u201d : dire merci au client", '"Merci" : dire merci au client'),
    ("\u2018Inbox zero\u2019 : a myth", "'Inbox zero' : a myth"),
    ("\u201eJa\u201c : sagen", '"Ja" : sagen'),
    ("\u201cDon\u2019t\u201d : the rule", '"Don\u2019t" : the rule'),
    ("\u00abMerci\u00bb : dire merci", "\u00abMerci\u00bb : dire merci"),
    ("\u201cFire: what to do\u201d", "Fire: what to do"),
])
def test_a_curly_quote_fix_reads_back_as_the_title_meant(written: str, meant: str) -> None:
    """'\u201cMerci\u201d : dire merci au client' had been told to write 'title: "Merci\u201d : dire
    merci au client"': the closing curly quote stayed, and learners would have read it."""
    _, problems = parse_lesson(f"---\ntitle: {written}\n---\nBody.\n", "x.md")
    [problem] = problems
    assert (problem.line, problem.severity) == (2, E)
    assert "starts with a curly quote" in problem.message
    [suggestion] = _suggested(problem.message)
    assert yaml.safe_load(suggestion) == {"title": meant}, suggestion
    lesson, problems = parse_lesson(f"---\n{suggestion}\n---\nBody.\n", "x.md")
    assert problems == [] and lesson is not None and lesson.title == meant


@pytest.mark.parametrize(("written", "meant", "escape", "read_as"), [
    ('"C:\\temp"', "C:\\temp", "\\t", "a tab"),
    ('"Café files in C:\\new folder"', "Café files in C:\\new folder", "\\n", "a line break"),
    ('"Tools in D:\\bin"', "Tools in D:\\bin", "\\b", "a backspace"),
    ('"C:\\_old and C:\\temp"', "C:\\_old and C:\\temp", "\\_", "a no-break space"),
    ('"It\'s in C:\\temp"', "It's in C:\\temp", "\\t", "a tab"),
    ('"Code \\x07 in C:\\\\data"', "Code \\x07 in C:\\data", "\\x07",
     "the control character U+0007"),
])
def test_a_backslash_escape_that_makes_a_control_character_is_warned(
        written: str, meant: str, escape: str, read_as: str) -> None:
    """'title: "C:\\temp"' is valid YAML whose title holds a tab: learners saw 'C:' and a gap,
    and check had said nothing."""
    lesson, problems = parse_lesson(f"---\ntitle: {written}\n---\nBody.\n", "x.md")
    assert lesson is not None  # served: a warning
    [problem] = problems
    assert (problem.line, problem.severity) == (2, W)
    assert problem.message.startswith(
        f"'{escape}' in {written} is read as {read_as}: inside double quotes a backslash "
        "starts an escape; to keep the backslash as typed, ")
    suggestions = _suggested(problem.message)
    assert suggestions and all(yaml.safe_load(s) == {"title": meant} for s in suggestions), \
        suggestions
    lesson, problems = parse_lesson(f"---\n{suggestions[0]}\n---\nBody.\n", "x.md")
    assert problems == [] and lesson is not None and lesson.title == meant


def test_a_control_character_escape_in_a_list_or_on_a_later_line_is_warned_at_its_line(
        ) -> None:
    text = ('---\ntitle: Paths\nsummary: "Where files go:\n  C:\\temp, mostly"\n'
            'tags: [paths, "C:\\new"]\n---\nBody.\n')
    _, problems = parse_lesson(text, "x.md")
    assert [(p.line, p.severity, p.message.split(":", 1)[0]) for p in problems] == [
        (4, W, "'\\t' in \"Where files go"), (5, W, "'\\n' in \"C")]
    assert all(p.message.endswith("quote the value with single quotes, which keep a backslash "
                                  "as it is, or write each backslash twice ('\\\\')")
               for p in problems)


@pytest.mark.parametrize(("written", "meant", "escape", "read_as"), [
    ('"C:\\temp"', "C:\\temp", "\\t", "a tab"),
    ('"Files in C:\\new folder"', "Files in C:\\new folder", "\\n", "a line break"),
    ('"Tools in D:\\bin"', "Tools in D:\\bin", "\\b", "a backspace"),
    ('"It\'s in C:\\temp"', "It's in C:\\temp", "\\t", "a tab"),
    ('"Code \\u0007 in C:\\\\data"', "Code \\u0007 in C:\\data", "\\u0007",
     "the control character U+0007"),
])
def test_a_toml_escape_that_makes_a_control_character_is_warned_as_in_yaml(
        written: str, meant: str, escape: str, read_as: str) -> None:
    """'title = "C:\\temp"' in TOML front matter is a title with a tab, as in YAML, where
    check warned of it; in TOML it had said nothing."""
    lesson, problems = parse_lesson(f"+++\ntitle = {written}\n+++\nBody.\n", "x.md")
    assert lesson is not None  # served: a warning
    [problem] = problems
    assert (problem.line, problem.severity) == (2, W)
    assert problem.message.startswith(
        f"'{escape}' in {written} is read as {read_as}: inside double quotes a backslash "
        "starts an escape; to keep the backslash as typed, ")
    suggestions = [match.group(1) for match in re.finditer(
        r"(title = (?:'[^']*'|\"(?:[^\"\\]|\\.)*\"))", problem.message)]
    assert suggestions and all(tomllib.loads(s) == {"title": meant} for s in suggestions), \
        suggestions
    lesson, problems = parse_lesson(f"+++\n{suggestions[0]}\n+++\nBody.\n", "x.md")
    assert problems == [] and lesson is not None and lesson.title == meant


def test_a_toml_escape_in_a_list_or_a_multi_line_string_is_warned_at_its_line() -> None:
    text = ('+++\ntitle = "Paths"\nsummary = """Where files go:\nC:\\temp, mostly"""\n'
            'tags = [\n  "paths",\n  "C:\\new",\n]\nkeywords = [\'C:\\temp\'] # literal\n'
            '[params]\nnote = "C:\\temp"\n+++\nBody.\n')
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    assert [(p.line, p.severity, p.message.split(":", 1)[0]) for p in problems] == [
        (4, W, "'\\t' in \"\"\"Where files go"), (7, W, "'\\n' in \"C")]
    assert all(p.message.endswith("quote the value with single quotes, which keep a backslash "
                                  "as it is, or write each backslash twice ('\\\\')")
               for p in problems)


@pytest.mark.parametrize("written", ['"Say \\"hi\\" first"', '"C:\\\\temp"', "'C:\\temp'",
                                     '"caf\\u00e9"', '"""one \\\n  line"""'])
def test_a_toml_escape_meant_as_one_is_not_warned(written: str) -> None:
    lesson, problems = parse_lesson(f"+++\ntitle = {written}\n+++\nBody.\n", "x.md")
    assert problems == [] and lesson is not None, written


@pytest.mark.parametrize("written", [
    '"Say \\"hi\\" first"', '"C:\\\\temp"', "'C:\\temp'", "C:\\temp", '"caf\\u00e9"',
    '"a\\/b"', '"one \\\n  line"'])
def test_an_escape_meant_as_one_is_not_warned(written: str) -> None:
    lesson, problems = parse_lesson(f"---\ntitle: {written}\n---\nBody.\n", "x.md")
    assert problems == [] and lesson is not None, written


@pytest.mark.parametrize(("written", "meant", "escape"), [
    ('"Save to C:\\Users\\Shared"', "Save to C:\\Users\\Shared", "\\U"),
    ('"C:\\Program Files\\x"', "C:\\Program Files\\x", "\\x"),
    ('"Ask \\q first"', "Ask \\q first", "\\q"),
    ('"It\'s in C:\\Users\\Ann"', "It's in C:\\Users\\Ann", "\\U"),
    ('"C:\\\\Data\\Ann \\"x\\""', 'C:\\Data\\Ann "x"', "\\A"),
])
def test_a_backslash_in_double_quotes_is_named_not_called_an_unclosed_quote(
        written: str, meant: str, escape: str) -> None:
    """'title: "Save to C:\\Users\\Shared"' was said to open a quote it never closes: the quote
    is closed; its backslash starts an escape YAML cannot read."""
    _, problems = parse_lesson(f"---\ntitle: {written}\n---\nBody.\n", "x.md")
    [problem] = problems
    assert (problem.line, problem.severity) == (2, E)
    assert "not closed" not in problem.message
    assert f"'{escape}' in {written} starts an escape" in problem.message
    suggestions = _suggested(problem.message)
    assert suggestions and all(yaml.safe_load(s) == {"title": meant} for s in suggestions), \
        suggestions
    if "'" not in meant:
        assert f"quote the value with single quotes, which keep a backslash as it is: " \
            f"title: '{meant}'" in problem.message
    assert f"write each backslash twice: {suggestions[-1]}" in problem.message
    # A quote left open is still said to be one.
    _, problems = parse_lesson('---\ntitle: "Unclosed\ntopic: x\n---\nBody.\n', "x.md")
    assert "the quote opened here is not closed" in problems[0].message


def _toml_suggested(message: str, key: str = "title") -> list[str]:
    """The 'key = value' lines a message suggests, each cut where the next words start."""
    return [match.group(1) for match in re.finditer(
        rf"({key} = (?:'[^']*'|\"(?:[^\"\\]|\\.)*\"))", message)]


@pytest.mark.parametrize(("written", "meant", "escape", "detail"), [
    ('"C:\\Users\\me"', "C:\\Users\\me", "\\U", " ('\\U' takes 8 hex digits after it)"),
    ('"Code \\x41 in C:\\\\data"', "Code \\x41 in C:\\data", "\\x", ""),
    ('"Ask \\q first"', "Ask \\q first", "\\q", ""),
    ('"caf\\u00e"', "caf\\u00e", "\\u", " ('\\u' takes 4 hex digits after it)"),
    ('"It\'s in C:\\Users\\Ann"', "It's in C:\\Users\\Ann", "\\U",
     " ('\\U' takes 8 hex digits after it)"),
])
def test_a_toml_escape_that_cannot_be_read_is_named_with_its_fix(
        written: str, meant: str, escape: str, detail: str) -> None:
    """'title = "C:\\Users\\me"' got tomllib's 'Invalid hex value; write it as 'key = "value"'
    lines': the line was written so, and nothing said the backslash was the slip."""
    lesson, problems = parse_lesson(f"+++\ntopic = \"it\"\ntitle = {written}\n+++\nBody.\n",
                                    "x.md")
    assert lesson is None
    [problem] = problems
    assert (problem.line, problem.severity) == (3, E)
    assert problem.message.startswith(
        f"front matter is not valid TOML: '{escape}' in {written} starts an escape (inside "
        f"double quotes a backslash does, as in '\\n' for a new line) that TOML cannot "
        f"read{detail}; "), problem.message
    suggestions = _toml_suggested(problem.message)
    assert suggestions and all(tomllib.loads(s) == {"title": meant} for s in suggestions), \
        suggestions
    if "'" not in meant:
        assert f"with single quotes, which keep a backslash as it is: title = '{meant}'" in \
            problem.message
    assert f"write each backslash twice: {suggestions[-1]}" in problem.message
    lesson, problems = parse_lesson(f"+++\n{suggestions[0]}\n+++\nBody.\n", "x.md")
    assert problems == [] and lesson is not None and lesson.title == meant


@pytest.mark.parametrize("after", ["", 'topic = "it"\n', "# a comment\n"])
def test_a_toml_backslash_before_the_closing_quote_is_named_not_a_generic_error(
        after: str) -> None:
    """'title = "C:\\"' had 'Illegal character' or 'Unterminated string': its backslash makes
    the closing quote part of the text."""
    _, problems = parse_lesson(f"+++\ntitle = \"Save to C:\\\" # there\n{after}+++\nBody.\n",
                               "x.md")
    [problem] = problems
    assert (problem.line, problem.severity) == (2, E)
    assert problem.message.startswith(
        "front matter is not valid TOML: the backslash at the end of \"Save to C:\\\" makes its "
        "closing quote part of the text"), problem.message
    suggestions = _toml_suggested(problem.message)
    assert suggestions == ["title = 'Save to C:\\'", 'title = "Save to C:\\\\"']
    assert all(tomllib.loads(s) == {"title": "Save to C:\\"} for s in suggestions)


def test_a_toml_escape_that_cannot_be_read_in_a_list_or_a_multi_line_string_is_at_its_line(
        ) -> None:
    fix = "write each backslash twice ('\\\\'), or quote the value with single quotes"
    for text, line, start, end in [
        ('+++\ntitle = "Paths"\ntags = [\n  "paths",\n  "C:\\Users",\n]\n+++\nBody.\n', 5,
         "'\\U' in \"C:\\Users\" starts an escape", fix),
        ('+++\ntitle = "Paths"\nsummary = """Where files go:\nC:\\Users, mostly"""\n+++\nB.\n',
         4, "'\\U' in \"\"\"Where files go: C:\\Users, mostly\"\"\" starts an escape", fix),
        ('+++\ntitle = "Paths"\ntags = ["paths", "D:\\"]\n+++\nBody.\n', 3,
         "the backslash at the end of \"D:\\\" makes",
         "write it twice ('\\\\') or quote the value with single quotes; if that quote is "
         "meant as text, add the closing quote after it"),
        ('+++\ntitle = "Paths"\nsummary = """Where files go:\nC:\\"""\n+++\nBody.\n', 4,
         "the backslash at the end of \"\"\"Where files go: C:\\\"\"\" makes its closing quotes",
         "write it twice ('\\\\')"),
        # Left open too: the backslash comes first, and no fix writes the value out.
        ('+++\ntitle = "C:\\Users\ntopic = "it"\n+++\nBody.\n', 2,
         "'\\U' in \"C:\\Users starts an escape", fix),
        # Literal strings and comments keep a backslash: the first that TOML reads is named.
        ("+++\ntitle = 'C:\\Users' # C:\\Users\nsummary = \"C:\\q\"\n+++\nBody.\n", 3,
         "'\\q' in \"C:\\q\" starts an escape", "write each backslash twice: summary = "
         "\"C:\\\\q\""),
    ]:
        _, problems = parse_lesson(text, "x.md")
        [problem] = problems
        assert (problem.line, problem.severity) == (line, E), text
        message = problem.message.removeprefix("front matter is not valid TOML: ")
        assert message.startswith(start) and message.endswith(end), message


def test_other_toml_errors_keep_their_own_words() -> None:
    """Only a backslash TOML cannot read gets these words: an error on an earlier line, or a
    string left open without one, is said as before."""
    _, problems = parse_lesson('+++\ntitle = Phone calls\nsummary = "C:\\Users"\n+++\nB.\n',
                               "x.md")
    assert (problems[0].line, problems[0].message) == (
        2, "front matter is not valid TOML: Invalid value; text needs quotes: write "
           "title = \"Phone calls\"")
    # The line after it is read on its own: its backslash is its own mistake.
    assert [p.line for p in problems] == [2, 3]
    assert problems[1].message.startswith("front matter is not valid TOML: '\\U' in")
    _, problems = parse_lesson('+++\ntitle = "Open\n+++\nB.\n', "x.md")
    assert "backslash" not in problems[0].message


@pytest.mark.parametrize(("text", "line", "start", "whole"), [
    ('tags: ["a", "C:\\Users"]', 2, "'\\U' in \"C:\\Users\" starts an escape", False),
    ('tags:\n  - a\n  - "C:\\Users"', 4, "'\\U' in \"C:\\Users\" starts an escape", False),
    ('summary: "Where files go:\n  C:\\Users, mostly"', 3,
     "'\\U' in \"Where files go: C:\\Users, mostly\" starts an escape", False),
    ('title: "Save to C:\\"\ntopic: it', 2,
     "the backslash at the end of \"Save to C:\\\" makes its closing quote part of the text",
     True),
    ('title: "Save to C:\\"', 2,
     "the backslash at the end of \"Save to C:\\\" makes its closing quote part of the text",
     True),
])
def test_a_yaml_escape_that_cannot_be_read_anywhere_is_named_not_an_unclosed_quote(
        text: str, line: int, start: str, whole: bool) -> None:
    """In a list, on a value's second line, or before the closing quote, a backslash YAML
    cannot read was 'the quote opened here is not closed', or named the wrong text."""
    _, problems = parse_lesson(f"---\n{text}\n---\nBody.\n", "x.md")
    [problem] = problems
    assert (problem.line, problem.severity) == (line, E)
    message = problem.message.removeprefix("front matter is not valid YAML: ")
    assert message.startswith(start), message
    if whole:
        suggestions = _suggested(message)
        assert suggestions == ["title: 'Save to C:\\'", 'title: "Save to C:\\\\"']
        assert all(yaml.safe_load(s) == {"title": "Save to C:\\"} for s in suggestions)
    else:
        assert message.endswith("write each backslash twice ('\\\\'), or quote the value with "
                                "single quotes"), message


# -- question keys written on the heading ('### Which port? {#ssh-port}') -----------------------

KEYED = """# SSH

SSH listens on a port of its own.

## Quiz

### Which port does SSH use by default? {key}
- [x] 22
- [ ] 80
> Port 22 is SSH's own.
"""


def test_a_key_on_the_heading_is_the_questions_key_whatever_its_words() -> None:
    typo, _ = parse_lesson(KEYED.replace("Which", "Wich").format(key="{#SSH-port}"), "x.md")
    fixed, problems = parse_lesson(KEYED.format(key="{#ssh-port}"), "x.md")
    assert problems == [] and typo is not None and fixed is not None
    assert typo.questions[0].key == fixed.questions[0].key == "ssh-port"  # case aside
    # The key is no part of the question's words: learners never read it.
    assert fixed.questions[0].text == "Which port does SSH use by default?"
    assert "ssh-port" not in fixed.text


def test_the_key_a_question_had_from_its_words_written_on_it_keeps_it_when_reworded() -> None:
    plain, _ = parse_lesson(KEYED.replace("Which", "Wich").format(key=""), "x.md")
    assert plain is not None
    old = plain.questions[0].key
    assert old == question_key("Wich port does SSH use by default?") and len(old) == 12
    reworded, problems = parse_lesson(KEYED.format(key=f"{{#{old}}}"), "x.md")
    assert problems == [] and reworded is not None
    assert reworded.questions[0].key == old
    assert reworded.questions[0].text == "Which port does SSH use by default?"


@pytest.mark.parametrize(("key", "words"), [
    ("{#ssh port}", "may hold only the letters a to z, digits, '-' and '_', starting with a "
                    "letter or a digit; write '{#ssh-port}'"),
    ("{#ssh/port!}", "write '{#ssh-port}'"),
    ("{#-ssh}", "starting with a letter or a digit; write '{#ssh}'"),
    ("{#}", "has no name after '#'"),
    ("{# }", "has no name after '#'"),
    ("{#" + "a" * 41 + "}", "is 41 characters long (at most 40); write '{#" + "a" * 40 + "}'"),
    # An accented letter is no key's: its plain letter is offered, not the word cut at it.
    ("{#café-crème}", "may hold only the letters a to z, digits, '-' and '_', starting with a "
                      "letter or a digit; write '{#cafe-creme}'"),
    ("{#Über uns}", "write '{#uber-uns}'"),
    ("{#ключ}", "write one such as '{#ssh-port}'"),
])
def test_a_key_that_cannot_be_kept_is_an_error_at_its_heading(key: str, words: str) -> None:
    lesson, problems = parse_lesson(KEYED.format(key=key), "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(7, E)], problems
    assert words in problems[0].message


def test_two_questions_with_one_key_are_an_error_on_the_second() -> None:
    text = KEYED.format(key="{#ssh-port}") + ("\n### Which port does HTTPS use? {#SSH-Port}\n"
                                              "- [x] 443\n- [ ] 80\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(12, E)]
    assert "has the key 'ssh-port', as the question on line 7 does" in problems[0].message
    # A written key that is another question's key from its words is one key too.
    taken = question_key("Which port does HTTPS use?")
    text = KEYED.format(key=f"{{#{taken}}}") + ("\n### Which port does HTTPS use?\n"
                                                "- [x] 443\n- [ ] 80\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None and [p.line for p in problems] == [12]
    assert f"has the key '{taken}' (from its words), as the question on line 7" in \
        problems[0].message
    # The same words twice are the same question twice, whatever keys they are given.
    text = KEYED.format(key="{#one}") + ("\n### Which port does SSH use by default? {#two}\n"
                                         "- [x] 22\n- [ ] 80\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is None and "is asked twice (also on line 7)" in problems[0].message


def test_braces_that_are_no_key_stay_the_questions_words() -> None:
    for heading in ("What does `{#x}` mean in a heading?", "What is in the set {a, b}",
                    "Escaped \\{#not-a-key}", "Is {#ssh} a key in the middle?"):
        text = KEYED.replace("Which port does SSH use by default? {key}", heading)
        lesson, problems = parse_lesson(text, "x.md")
        assert lesson is not None and not [p for p in problems if p.is_error], problems
        assert lesson.questions[0].text == heading
        assert lesson.questions[0].key == question_key(heading)


def test_a_key_is_shown_by_no_renderer() -> None:
    """The console, Slack and Telegram (buttons and quiz polls) all read the question's
    words from the parsed question, where the key is not."""
    from bot.adapters.slack.blocks import BlockRenderer
    from bot.adapters.telegram.render import Poll, TelegramRenderer, Text
    from bot.messages import Button, QuestionMessage
    from bot.rendering.renderer import Renderer

    lesson, _ = parse_lesson(KEYED.format(key="{#ssh-port}"), "x.md")
    assert lesson is not None
    [question] = lesson.questions
    buttons = tuple(Button(choice.text, f"a:7:{i}") for i, choice in enumerate(question.choices))
    asked = QuestionMessage(lesson, question, 7, buttons)
    shown = [Renderer().render(asked)]
    for message in BlockRenderer().messages([asked]):
        shown.append(repr(message.blocks) + message.text)
    for style in ("buttons", "poll"):
        parts = TelegramRenderer(DATA / "good", quiz_style=style).parts(asked)
        assert all(isinstance(part, (Text, Poll)) for part in parts)
        # A poll comes after a message naming it: the words are in one of the parts.
        shown.append("\n".join(part.html if isinstance(part, Text) else part.question
                                for part in parts if isinstance(part, (Text, Poll))))
    assert len(shown) >= 4
    for text in shown:
        assert "Which port does SSH use by default?" in text.replace("*", ""), text
        assert "ssh-port" not in text and "{#" not in text, text


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_escape_warning_on_a_value_over_two_lines_is_one_line(newline: str) -> None:
    """`lessons check` says one problem a line: the value was quoted as written, its line
    break with it, and the warning ran onto a second line with no 'path:line:' before it."""
    text = newline.join(['---', 'title: "Where files go:', '  C:\\temp, mostly"', '---', 'Body.', ''])
    _, problems = parse_lesson(text, "x.md")
    [problem] = problems
    assert problem.line == 3 and problem.severity == W
    assert "\n" not in problem.message and "\r" not in problem.message, problem.message
    assert problem.message.startswith("'\\t' in \"Where files go: C:\\temp, mostly\" is read as")


def test_a_key_on_a_heading_that_is_no_question_is_warned_as_shown_to_learners() -> None:
    """Only a quiz question's heading takes a key: '## Steps {#steps}' (as Pandoc or Hugo
    write a heading's id) is shown to learners as written, and check had said nothing."""
    text = ("# Back up your laptop {#backups}\n\nCopy your files every week.\n\n"
            "## Steps {#steps}\n\nPlug the drive in.\n\n### Check it {#check}\n\nOpen a file.\n\n"
            "```\n## In code {#code}\n```\n\n## The `{#x}` syntax\n\nText.\n\n"
            "## Quiz {#quiz}\n\n### How often? {#how-often}\n- [x] Weekly\n- [ ] Never\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None and [q.key for q in lesson.questions] == ["how-often"]
    assert [(p.line, p.severity, p.message) for p in problems] == [
        (line, W, f"'{key}' at the end of this heading is shown to learners as written: only a "
                  "quiz question's heading ('### ...' under '## Quiz') takes a key; remove it")
        for line, key in ((1, "{#backups}"), (5, "{#steps}"), (9, "{#check}"), (21, "{#quiz}"))]


@pytest.mark.parametrize(("fence", "line", "fixed"), [
    ("+++", 'image = "images\\x.png"', 'image = "images/x.png"'),
    ("---", 'image: "images\\x.png"', "image: images/x.png"),
    ("---", 'image: "images\\new.png"', "image: images/new.png"),
    ("+++", 'image = "images\\new.png"', 'image = "images/new.png"'),
])
def test_a_backslash_in_a_double_quoted_image_path_is_fixed_with_a_slash_at_once(
        tmp_path: Path, fence: str, line: str, fixed: str) -> None:
    """'image = "images\\x.png"' was told to quote it in single quotes (or write '\\\\'), and
    that fix was then told to write the path with '/': the first fix says '/' itself."""
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "x.png").write_bytes(b"png")
    (tmp_path / "images" / "new.png").write_bytes(b"png")
    _, problems = parse_lesson(f"{fence}\n{line}\n{fence}\n# T\n\nBody.\n", "x.md",
                               root=tmp_path)
    said = [problem for problem in problems if problem.line == 2 and "'\\" in problem.message]
    assert said and said[0].message.endswith(f"write the path with '/', not '\\': {fixed}"), \
        problems
    assert "single quotes" not in said[0].message and "twice" not in said[0].message
    lesson, problems = parse_lesson(f"{fence}\n{fixed}\n{fence}\n# T\n\nBody.\n", "x.md",
                                    root=tmp_path)
    assert problems == [] and lesson is not None


@pytest.mark.parametrize(("rel", "fence", "fixed", "kept"), [
    ("hygiene/hand washing.md", "---", "hygiene/hand-washing.md",
     ["id: hygiene/hand washing"]),
    ("hand hygiene/rub  hands.md", "+++", "hand-hygiene/rub-hands.md",
     ['id = "hand hygiene/rub  hands"', 'topic = "hand hygiene"']),
])
def test_a_file_name_with_a_space_is_warned_with_a_rename_that_keeps_its_id(
        rel: str, fence: str, fixed: str, kept: list[str]) -> None:
    """'hand washing.md' served as 'hand washing' with no word to the trainer, whose links to
    it then had to escape the space. Its id stays (learners' progress is under it): the fix is
    to rename the file and keep the id with 'id:', and, applied, it is warned of no more."""
    title = 'title = "Hand washing"' if fence == "+++" else "title: Hand washing"
    text = f"{fence}\n{title}\n{fence}\nWash for twenty seconds.\n"
    lesson, problems = parse_lesson(text, rel)
    assert lesson is not None and lesson.id == rel.removesuffix(".md")
    [problem] = problems
    assert (problem.line, problem.severity) == (1, W)
    assert f"so its lesson id does too ('{lesson.id}')" in problem.message
    assert f"rename it '{fixed}' and add " + " and ".join(f"'{line}'" for line in kept) + \
        " to its front matter" in problem.message
    lesson_fixed, problems = parse_lesson(
        f"{fence}\n{title}\n" + "\n".join(kept) + f"\n{fence}\nWash.\n", fixed)
    assert problems == [] and lesson_fixed is not None
    assert (lesson_fixed.id, lesson_fixed.topic) == (lesson.id, lesson.topic)
    # An id given is the lesson's, whatever the file's name.
    assert parse_lesson(f"{fence}\n{title}\n{kept[0]}\n{fence}\nWash.\n", rel)[1] == []


@pytest.mark.parametrize(("fence", "title", "minutes"), [
    ("---", "title: Fire safety", "minutes: 99"),
    ("+++", 'title = "Fire safety"', "minutes = 99"),
])
def test_a_fence_doubled_at_the_top_is_an_error_at_its_line_and_the_settings_are_checked(
        fence: str, title: str, minutes: str) -> None:
    """'---' on lines 1 and 2 made an empty front matter: the settings were lesson text (a
    heading), with only a "no title" warning."""
    text = f"{fence}\n{fence}\n{title}\n{minutes}\n{fence}\nKnow where the exits are.\n"
    lesson, problems = parse_lesson(text, "fire.md")
    assert lesson is None
    assert [(p.line, p.severity) for p in problems] == [(2, E), (4, E)], problems
    assert problems[0].message == (
        f"this '{fence}' closes the front matter right after it opens, so the settings below "
        "it are shown to learners as lesson text; delete this line")
    assert "'minutes' must be between 1 and 60" in problems[1].message


def test_an_empty_front_matter_before_lesson_text_is_fine() -> None:
    lesson, problems = parse_lesson("---\n---\n# Fire\n\nKnow where: the exits.\n\n---\n\nEnd.\n",
                                    "fire.md")
    assert lesson is not None and lesson.title == "Fire" and problems == []


@pytest.mark.parametrize(("heading", "warned"), [
    ("# Fire safety", True), ("# Fire Safety!", True), ("# Fire saftey", True),
    ("# Fire drills", False), ("# Fire safety at night: what changes", False)])
def test_a_first_heading_repeating_the_front_matter_title_is_warned_at_its_line(
        heading: str, warned: bool) -> None:
    """Both are shown, the title above the text and the heading in it: learners read the
    title twice."""
    text = f"---\ntitle: Fire safety\n---\n\n{heading}\n\nKnow where the exits are.\n"
    lesson, problems = parse_lesson(text, "fire.md")
    assert lesson is not None and lesson.title == "Fire safety"
    assert heading in lesson.body  # what the warning is about: it is shown
    assert [(p.line, p.severity) for p in problems] == ([(5, W)] if warned else [])
    if warned:
        assert problems[0].message == (
            f"the heading '{heading[2:]}' repeats the title set in the front matter, so "
            "learners see the title twice; delete this line, or make the heading say "
            "something else")


@pytest.mark.parametrize(("text", "said"), [
    # Two values with ': ' in them, and a number out of range.
    ("---\ntitle: Fire: what to do\nsummary: Exits: where they are\nminutes: 99\n---\nText.\n",
     [(2, "must be quoted, like title: \"Fire: what to do\""),
      (3, "must be quoted, like summary: \"Exits: where they are\""),
      (4, "'minutes' must be between 1 and 60, not 99")]),
    # A key without its colon, a bad setting, and a quiz question with no right answer.
    ("---\ntitle: Fire\nminutes 3\norder: first\ntrack: safety\n---\nText.\n\n## Quiz\n\n"
     "### Where do you go?\n\n- [ ] The lift\n- [ ] The roof\n",
     [(3, "'minutes 3' needs a colon after the key: 'minutes: 3'"),
      (4, "'order' must be a whole number, not 'first'"),
      (11, "question 'Where do you go?' has no correct choice")]),
    # TOML: text without quotes, and two bad values.
    ('+++\ntitle = Fire\nminutes = 99\norder = "x"\n+++\nText.\n',
     [(2, 'text needs quotes: write title = "Fire"'),
      (3, "'minutes' must be between 1 and 60, not 99"),
      (4, "'order' must be a whole number, not 'x'")]),
    # A closing fence autocorrected to a dash is said with a broken setting.
    ("---\ntitle: 'Don't panic'\n\u2014\nText.\n",
     [(2, "quote the value with double quotes instead"), (3, "closing '---' became '\u2014'")]),
])
def test_every_independent_mistake_of_a_file_is_said_in_one_check(
        text: str, said: list[tuple[int, str]]) -> None:
    """A syntax error in the front matter hid the file's other settings: a trainer fixed it
    one check at a time."""
    lesson, problems = parse_lesson(text, "fire.md")
    assert lesson is None
    assert [p.line for p in problems] == [line for line, _ in said], problems
    for problem, (_, words) in zip(problems, said, strict=True):
        assert words in problem.message, problem


@pytest.mark.parametrize(("text", "line"), [
    # Its value goes on below it, so what follows would be read wrongly.
    ("---\ntitle: Fire: x\n  more\nminutes: 99\n---\nText.\n", 2),
    ('+++\ntags = ["a",\n"b"\nminutes = 99\n+++\nText.\n', 2),
    # Lesson text in the front matter: the closing fence is missing, nothing below is settings.
    ("---\ntitle: Fire\nThis is text.\nminutes: 99\n---\nText.\n", 3),
    # Left blank, the line after a string left open would be read as its end: not read on.
    ('+++\ntitle = "Paths"\nsummary = """Where files go:\nC:\\Users, mostly"""\n+++\nB.\n', 4),
])
def test_a_front_matter_error_whose_fix_may_change_the_lines_below_is_said_alone(
        text: str, line: int) -> None:
    _, problems = parse_lesson(text, "fire.md")
    assert [(p.line, p.severity) for p in problems] == [(line, E)], problems


@pytest.mark.parametrize(("question", "quoted"), [
    ("When the fire alarm rings during a meeting in the big room, which one do you do first?",
     "question '…a meeting in the big room, which one do you do first?' asks for one answer"),
    ("In the big meeting room on the third floor, when you hear the alarm, select all that "
     "apply?", "question '…floor, when you hear the alarm, select all that apply?' asks to "
               "select all that apply"),
])
def test_a_warning_about_words_of_a_long_question_quotes_those_words(
        question: str, quoted: str) -> None:
    """The quote was the question's first 60 characters: cut before the words the warning
    is about."""
    marks = "- [x] Leave\n- [x] Call\n- [ ] Stay" if "one" in question else "- [x] Leave\n- [ ] Call"
    text = f"---\ntitle: T\n---\nText.\n\n## Quiz\n\n### {question}\n\n{marks}\n"
    _, problems = parse_lesson(text, "fire.md")
    [warning] = problems
    assert warning.message.startswith(quoted), warning


@pytest.mark.parametrize(("value", "before", "after"), [
    ('summary: "Files for the whole team are kept on the shared drive,\n  the one we all use, '
     'in C:\\temp"', "'\\t' in ", ' we all use, in C:\\temp" is read as a tab'),
    ('tags: ["Files for the whole team are kept on the shared drive, in C:\\Users"]',
     "'\\U' in ", ' the shared drive, in C:\\Users" starts an escape'),
    ('tags: ["Files for the whole team are kept on the shared drive, in C:\\"]',
     "the backslash at the end of ", ' the shared drive, in C:\\" makes'),
])
def test_a_long_value_is_quoted_around_the_backslash_a_problem_is_about(
        value: str, before: str, after: str) -> None:
    """The quote was the value's first 57 characters: cut before the backslash."""
    _, problems = parse_lesson(f"---\ntitle: T\n{value}\n---\nText.\n", "x.md")
    [problem] = problems
    quote = re.search(re.escape(before) + r'("\.\.\.[^"]*")', problem.message)
    assert quote is not None and len(quote.group(1)) <= 60, problem
    assert (before + quote.group(1) + after.split('"', 1)[1]) in problem.message
    assert quote.group(1).endswith(after.split('"', 1)[0] + '"'), problem


@pytest.mark.parametrize("value", [
    "a/b", "Safety: the basics", "yes", "No", "12", "3.5", "2024-01-01", "#tag", "- x",
    "it's", 'say "hi"', "C:\\Users", "a #b", "a#b", "key:", "null", "~", "@home", "*star",
    "100%", "é café", "a,b", "[x]", "{y}", "? q", ": c", "0x1f", ".5", "-3", "on",
])
def test_a_yaml_setting_line_given_as_a_fix_reads_back_as_its_value(value: str) -> None:
    """A suggested 'key: value' line is pasted as is: a value with ': ', a leading '#', or
    one YAML reads as a boolean, number or date is quoted; a plain one is left plain."""
    import yaml

    from bot.content.model import setting_line

    assert yaml.safe_load(setting_line("title", value, False)) == {"title": value}
    assert yaml.safe_load(setting_line("tags", (value, "b"), False)) == {"tags": [value, "b"]}


def test_a_plain_yaml_setting_line_stays_unquoted() -> None:
    from bot.content.model import setting_line

    assert setting_line("id", "hygiene/hand washing", False) == "id: hygiene/hand washing"
    assert setting_line("title", "Safety: the basics", False) == 'title: "Safety: the basics"'
    assert setting_line("tags", ("fire", "a,b"), False) == 'tags: [fire, "a,b"]'


def test_a_yaml_alias_is_refused_with_what_to_do() -> None:
    """An alias copies its anchor's value: nine lines of them stood for a billion values."""
    lesson, problems = parse_lesson("---\ntitle: One alias\ntopic: &t security\ntags: [*t]\n"
                                    "---\nBody text here.\n", "x.md")
    assert lesson is None
    assert [str(problem) for problem in problems] == [
        f"x.md:{line}: error: the {what}: YAML anchors and aliases ('&name', '*name') are not "
        "allowed in front matter; write the value out in full"
        for line, what in ((3, "anchor '&t'"), (4, "alias '*t'"))]


CONFLICT = ("<<<<<<< HEAD\nBlock two hours every morning.\n=======\n"
            "Block ninety minutes every afternoon.\n>>>>>>> origin/main\n")
RESOLVE = "unresolved merge conflict: keep one side and delete the marker lines"


def test_git_conflict_markers_in_the_text_are_an_error_at_the_first_marker() -> None:
    """A `git pull` with a conflict leaves the markers in the file: they had been served to
    learners as text, and check passed the file."""
    text = f"# Focus blocks\n\nPlan your day.\n\n{CONFLICT}\nThen work.\n"
    lesson, problems = parse_lesson(text, "focus.md")
    assert lesson is None
    assert [(p.line, p.severity, p.message) for p in problems] == [(5, Severity.ERROR, RESOLVE)]


def test_git_conflict_markers_in_the_front_matter_are_said_as_such() -> None:
    """They had been told as lesson text in the front matter, its closing '---' missing."""
    text = ("---\n<<<<<<< HEAD\ntitle: Inbox triage\n=======\ntitle: Triage your inbox\n"
            ">>>>>>> theirs\n---\nText.\n")
    lesson, problems = parse_lesson(text, "inbox.md")
    assert lesson is None
    assert [(p.line, p.message) for p in problems] == [(2, RESOLVE)]


def test_a_setext_underline_and_a_conflict_shown_in_a_code_block_are_not_conflicts() -> None:
    text = (f"Focus blocks\n=======\n\nA conflict looks like this:\n\n```\n{CONFLICT}```\n\n"
            "<<<<<<< is how git marks one; a lone line of '=' is a heading:\n\nPart two\n"
            "=======\n\nMore.\n")
    lesson, problems = parse_lesson(text, "focus.md")
    assert lesson is not None and problems == []
    assert lesson.title == "Focus blocks" and ">>>>>>> origin/main" in lesson.body
