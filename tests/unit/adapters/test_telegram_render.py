"""Telegram rendering: Markdown as Telegram HTML, escaping, splitting, keyboards and polls.

Every HTML string is checked with the fake Bot API's strict parser (the same rules Telegram
applies), so "valid" here means "Telegram would accept it"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.telegram.formatting import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    escape,
    markdown_to_html,
    split_html,
    to_plain,
    utf16_length,
    visible_length,
)
from bot.adapters.telegram.render import (
    Photo,
    Poll,
    TelegramRenderer,
    Text,
    as_poll,
    command_menu,
    multi_keyboard,
    multi_labels,
    parse_multi,
    single_keyboard,
)
from bot.content.catalog import Catalog
from bot.content.markdown import plain_text
from bot.content.model import Choice, Lesson, Question
from bot.messages import (
    Button,
    Help,
    LessonMessage,
    LookedUpDone,
    NoMatch,
    Outbound,
    QuestionMessage,
)
from tests.fakes.telegram_api import TelegramHTMLError, parse_html
from tests.unit.examples import one_of_each

ROOT = Path(__file__).resolve().parents[3]
GOOD = ROOT / "tests" / "data" / "lessons" / "good"


def seen(html: str) -> str:
    """What a learner sees: Telegram's parse of the HTML (raises when Telegram would refuse)."""
    return parse_html(html)[0]


def lesson(body: str = "Body.", title: str = "Title", image: str | None = None,
           questions: tuple[Question, ...] = ()) -> Lesson:
    return Lesson(id="x/lesson", path="x/lesson.md", title=title, summary="", body=body,
                  text=body, topic="x", minutes=2, image=image, questions=questions)


def question(text: str = "Which?", choices: tuple[str, ...] = ("A", "B", "C"),
             right: tuple[int, ...] = (1,), detail: str = "",
             explanation: str = "Because.") -> Question:
    return Question(key="k", text=text, choices=tuple(
        Choice(choice, index in right, 1) for index, choice in enumerate(choices)),
        explanation=explanation, line=1, detail=detail)


# -- Markdown and escaping ---------------------------------------------------------------------


def test_markdown_becomes_telegram_formatting() -> None:
    html = markdown_to_html(
        "Some **bold**, *italic*, ~~gone~~ and `code`.\n\n## A section\n\n- one\n- two\n"
        "  - deeper\n\n1. first\n2. second\n\n> quoted\n\n```python\nx = 1 < 2\n```\n\n"
        "[a link](https://example.com/?a=1&b=2) and [a local one](other.md)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<b>bold</b>" in html and "<i>italic</i>" in html and "<s>gone</s>" in html
    assert "<code>code</code>" in html and "<b>A section</b>" in html
    assert "• one\n• two\n   ◦ deeper" in html and "1. first\n2. second" in html
    assert "<blockquote>quoted</blockquote>" in html
    assert '<pre><code class="language-python">x = 1 &lt; 2</code></pre>' in html
    assert '<a href="https://example.com/?a=1&amp;b=2">a link</a>' in html
    assert "a local one" in html and 'href="other.md"' not in html
    assert "<b>a | b</b>\n1 | 2" in html
    seen(html)


def test_raw_html_and_ampersands_in_lessons_are_shown_as_text() -> None:
    html = markdown_to_html("Type <script>alert(1)</script> & press <Enter>; 5 > 3 &amp; 2 < 4")
    assert "<script>" not in html
    assert seen(html) == "Type <script>alert(1)</script> & press <Enter>; 5 > 3 & 2 < 4"


def test_images_in_the_body_are_not_sent_but_their_words_stay() -> None:
    """Only ``image:`` is sent as a photo; an inline image had vanished with its words
    ("Inline  image"), while Slack showed them."""
    assert seen(markdown_to_html("Look:\n\n![the flags](images/p.png)\n\nDone.")) == \
        "Look:\n\nthe flags\n\nDone."
    html = markdown_to_html("A ![**bold** logo](https://x.org/l.png) and ![](https://x.org/a.png)"
                            " and ![](a.png), [![badge](https://x.org/b.png)](https://x.org).")
    assert html == ('A <a href="https://x.org/l.png">bold logo</a> and '
                    '<a href="https://x.org/a.png">image</a> and , '
                    '<a href="https://x.org">badge</a>.')
    assert seen(html) == "A bold logo and image and , badge."
    # Inside a link to a lesson (no <a>: its words and a hint), a web image is still a link.
    assert markdown_to_html("[![logo](https://x.org/l.png)](b.md)", {"b.md": "(type it)"}) == \
        '<a href="https://x.org/l.png">logo</a> (type it)'


def test_escape_handles_the_three_characters_only() -> None:
    assert escape('<b> & "quotes" \'too\'') == '&lt;b&gt; &amp; "quotes" \'too\''


@pytest.mark.parametrize("path", sorted((ROOT / "lessons").rglob("*.md")), ids=lambda p: p.stem)
def test_every_sample_lesson_renders_as_valid_telegram_html(path: Path) -> None:
    catalog = Catalog(ROOT / "lessons")
    catalog.load()
    renderer = TelegramRenderer(ROOT / "lessons")
    found = [item for item in catalog.lessons() if ROOT / "lessons" / item.path == path]
    if not found:
        pytest.skip("not a lesson")
    for part in renderer.parts(LessonMessage(found[0])):
        assert isinstance(part, Text)
        assert utf16_length(seen(part.html).strip()) <= MESSAGE_LIMIT
    for item in found[0].questions:
        for part in renderer.parts(QuestionMessage(found[0], item, 7, tuple(
                Button(choice.text, f"a:7:{i}") for i, choice in enumerate(item.choices)))):
            assert isinstance(part, Text)
            seen(part.html)


# -- rendering whole messages ------------------------------------------------------------------

EXAMPLES = one_of_each(lesson(questions=(question(detail="A & <b>"),)), lesson(title="Other <t>"))


@pytest.mark.parametrize("style", ["buttons", "poll"])
@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: type(message).__name__)
def test_every_kind_renders_as_valid_telegram_html(message: Outbound, style: str) -> None:
    parts = TelegramRenderer(GOOD, quiz_style=style).parts(message)
    assert parts
    for part in parts:
        if isinstance(part, Text):
            assert seen(part.html).strip()
        elif isinstance(part, Photo):
            seen(part.caption)


def test_every_word_of_a_template_is_escaped_too() -> None:
    renderer = TelegramRenderer(GOOD)
    html = renderer.html(Help(trainer=False))
    assert "learn &lt;topic&gt;" in html  # a template's own "<topic>" is not a tag
    seen(html)


def test_learners_text_cannot_forge_markup_or_placeholders() -> None:
    renderer = TelegramRenderer(GOOD)
    query = "<b>x</b> & \ue000deadbeef0\ue001 <i>"
    html = renderer.html(NoMatch(query))
    assert seen(html).startswith(f'I have no lesson on "{query}"')


def test_a_lesson_has_a_bold_title_and_its_body_formatted() -> None:
    renderer = TelegramRenderer(GOOD)
    html = renderer.html(LessonMessage(lesson("Use **2FA** & a <key>.", title="Keys & <locks>")))
    assert html.startswith("<b>Keys &amp; &lt;locks&gt;</b>\n<i>2 min</i>\n\n")
    assert seen(html) == "Keys & <locks>\n2 min\n\nUse 2FA & a <key>."


def test_a_lessons_track_is_named_as_learners_read_it() -> None:
    html = TelegramRenderer(GOOD).html(LessonMessage(replace(lesson(), track="git-basics",
                                                             order=1)))
    assert "<i>2 min · Git basics</i>" in html and "git-basics" not in html


def test_a_lesson_with_its_image_goes_as_a_photo_with_caption() -> None:
    renderer = TelegramRenderer(GOOD)
    catalog = Catalog(GOOD)
    catalog.load()
    phishing = catalog.get("security/phishing")
    assert phishing is not None
    [photo] = renderer.parts(LessonMessage(phishing))
    assert isinstance(photo, Photo) and photo.local
    assert Path(photo.source) == GOOD / "security" / "images" / "phishing.png"
    assert seen(photo.caption).startswith("Spot a phishing email in ten seconds\n")


def test_a_long_lesson_with_an_image_has_its_title_as_caption_then_text() -> None:
    renderer = TelegramRenderer(GOOD)
    body = "\n\n".join(f"Paragraph {n} " + "text " * 200 for n in range(6))
    parts = renderer.parts(LessonMessage(lesson(body, image="https://example.com/a.png")))
    photo, *texts = parts
    assert isinstance(photo, Photo) and not photo.local
    assert seen(photo.caption) == "Title\n2 min"
    assert len(texts) == 2 and all(isinstance(text, Text) for text in texts)


def test_an_image_outside_the_lesson_folder_is_never_sent(tmp_path: Path) -> None:
    renderer = TelegramRenderer(tmp_path / "lessons")
    (tmp_path / "secret.png").write_bytes(b"x")
    assert renderer.image(lesson(image="../../secret.png")) is None
    assert renderer.image(lesson(image="missing.png")) is None


def test_a_question_has_one_button_per_choice() -> None:
    renderer = TelegramRenderer(GOOD)
    message = QuestionMessage(lesson(), question(), 9,
                              (Button("A", "a:9:0"), Button("B", "a:9:1"), Button("C", "a:9:2")))
    [part] = renderer.parts(message)
    assert isinstance(part, Text)
    assert [(b.label, b.data) for row in part.keyboard for b in row] == [
        ("1) A", "a:9:0"), ("2) B", "a:9:1"), ("3) C", "a:9:2")]
    assert "Press the right answer" in seen(part.html)


def test_a_baseline_check_question_is_headed_by_its_track() -> None:
    renderer = TelegramRenderer(GOOD)
    message = QuestionMessage(replace(lesson(), track="security-basics"), question(), 9,
                              (Button("A", "a:9:0"), Button("B", "a:9:1")), 1, 4, check="pre")
    [part] = renderer.parts(message)
    assert isinstance(part, Text)
    assert part.html.startswith("<i>Quick check 1 of 4 (Security basics)</i>")


def test_angle_brackets_in_a_choice_stay_on_its_line_and_its_button() -> None:
    renderer = TelegramRenderer(GOOD)
    asked = question(choices=("Press <Enter>", "Press Esc"), right=(0,))
    buttons = tuple(Button(plain_text(choice.text), f"a:9:{n}")
                    for n, choice in enumerate(asked.choices))
    [part] = renderer.parts(QuestionMessage(lesson(), asked, 9, buttons))
    assert isinstance(part, Text)
    assert "1) Press <Enter>" in seen(part.html)
    assert part.keyboard[0][0].label == "1) Press <Enter>"


def test_a_select_all_question_has_ticks_and_submit_from_its_template() -> None:
    renderer = TelegramRenderer(GOOD)
    buttons = tuple(Button(label, f"a:4:{index}") for index, label in enumerate("ABC"))
    [part] = renderer.parts(QuestionMessage(lesson(), question(right=(0, 2)), 4, buttons))
    assert isinstance(part, Text) and part.keyboard[-1][0].label == renderer.submit == "Submit"


def test_a_question_that_says_select_all_is_not_told_it_again() -> None:
    renderer = TelegramRenderer(GOOD)
    buttons = tuple(Button(label, f"a:4:{index}") for index, label in enumerate("ABC"))
    [part] = renderer.parts(QuestionMessage(
        lesson(), question("Which? (Tick all that apply)", right=(0, 2)), 4, buttons))
    assert isinstance(part, Text)
    text = seen(part.html)
    assert "all that apply" in text and "Select all that apply" not in text
    assert "Tick every right answer, then press Submit" in text


def test_the_command_menu_comes_from_its_template() -> None:
    menu = command_menu()
    assert menu[0] == ("start", "Welcome, your settings and how it works")
    assert menu[-1][0] == "help" and all(name.isalpha() and words for name, words in menu)


def test_a_multi_keyboard_has_ticks_and_submit() -> None:
    rows = multi_keyboard(12, ["Report it", "Reply", "Delete it"], 0b101, "Submit")
    labels = [row[0].label for row in rows]
    assert labels == ["☑ 1) Report it", "☐ 2) Reply", "☑ 3) Delete it", "Submit"]
    assert multi_labels(labels[:-1]) == ["Report it", "Reply", "Delete it"]
    assert parse_multi(rows[1][0].data) == (12, 0b101, 1)
    assert parse_multi(rows[3][0].data) == (12, 0b101, None)
    assert parse_multi("a:12:1") is None and parse_multi("m:x:1:ok") is None


def test_callback_data_over_64_bytes_leaves_the_button_out() -> None:
    rows = single_keyboard([("ok", "a:1:0"), ("too long", "a:" + "9" * 70 + ":1")])
    assert [row[0].data for row in rows] == ["a:1:0"]
    assert all(len(row[0].data.encode()) <= 64
               for row in multi_keyboard(2**31 - 1, ["x"] * 12, 2**12 - 1, "Submit"))


def test_a_question_as_a_quiz_poll() -> None:
    poll = as_poll(question(right=(0, 2), explanation="**Why**: " + "x" * 300), 5)
    assert poll is not None and poll.correct == (0, 2) and poll.ask_id == 5
    assert len(poll.explanation) == 200 and poll.explanation.startswith("Why: ")


@pytest.mark.parametrize("too_big", [
    question(text="q" * 301), question(choices=("only one",), right=(0,)),
    question(choices=tuple(f"c{n}" for n in range(13))), question(choices=("a" * 101, "b")),
])
def test_a_question_that_does_not_fit_a_poll_gets_buttons(too_big: Question) -> None:
    assert as_poll(too_big, 1) is None
    renderer = TelegramRenderer(GOOD, quiz_style="poll")
    parts = renderer.parts(QuestionMessage(lesson(), too_big, 1))
    assert all(isinstance(part, Text) for part in parts)


def test_a_poll_questions_situation_comes_first_as_text() -> None:
    renderer = TelegramRenderer(GOOD, quiz_style="poll")
    parts = renderer.parts(QuestionMessage(lesson(title="Mail & you"),
                                           question(detail="Your boss & you."), 3))
    intro, poll = parts
    assert isinstance(intro, Text) and isinstance(poll, Poll)
    assert seen(intro.html) == "Question (Mail & you)\nYour boss & you."


def test_a_poll_question_is_named_first_as_a_question_with_buttons_is() -> None:
    """A typed `quiz` had sent the bare poll: no "Question (lesson)" as buttons have."""
    renderer = TelegramRenderer(GOOD, quiz_style="poll")
    asked = renderer.parts(QuestionMessage(lesson(title="Mail & you"), question(), 3))
    intro, poll = asked
    assert isinstance(intro, Text) and isinstance(poll, Poll) and not intro.keyboard
    assert seen(intro.html) == "Question (Mail & you)"
    intro, poll = renderer.parts(QuestionMessage(lesson(title="Mail & you"), question(), 3,
                                                 number=2, of=5))
    assert isinstance(intro, Text) and isinstance(poll, Poll)
    assert seen(intro.html) == "Question 2 of 5 (Mail & you)"
    [buttons] = TelegramRenderer(GOOD).parts(QuestionMessage(lesson(title="Mail & you"),
                                                             question(), 3, number=2, of=5))
    assert isinstance(buttons, Text)
    assert seen(buttons.html).startswith("Question 2 of 5 (Mail & you)\n")


# -- splitting ---------------------------------------------------------------------------------


def test_short_text_is_one_piece_and_empty_text_none() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]
    assert split_html("  \n ") == []


def test_splits_go_between_paragraphs_when_there_are_some() -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 150 for n in range(12)]
    pieces = split_html("\n\n".join(paragraphs), 2000)
    assert len(pieces) > 1
    for piece in pieces:
        text = seen(piece)
        assert visible_length(piece) <= 2000 and text.startswith("Paragraph")
        assert text.rstrip().endswith("word")
    assert "".join(seen(piece) for piece in pieces).count("Paragraph") == 12


def test_a_cut_inside_formatting_closes_and_reopens_the_tags() -> None:
    html = '<b>bold <a href="https://x.io/?a=1&amp;b=2">' + "linked " * 1200 + "</a> end</b>"
    pieces = split_html(html, MESSAGE_LIMIT)
    assert len(pieces) == 3
    for piece in pieces:
        text, entities = parse_html(piece)  # each piece is valid on its own
        assert {e["type"] for e in entities} >= {"bold"}
        assert utf16_length(text) <= MESSAGE_LIMIT
    assert pieces[1].startswith('<b><a href="https://x.io/?a=1&amp;b=2">')


def test_text_without_spaces_is_cut_anywhere() -> None:
    pieces = split_html("x" * 10_000, MESSAGE_LIMIT)
    assert [len(piece) for piece in pieces] == [4096, 4096, 1808]


def test_entities_and_emoji_count_as_telegram_counts_them() -> None:
    assert visible_length("&lt;b&gt; &amp;") == 5
    assert visible_length("👍") == 2
    pieces = split_html("&amp;" * 5000, MESSAGE_LIMIT)
    assert [visible_length(piece) for piece in pieces] == [4096, 904]
    assert all(seen(piece) == "&" * visible_length(piece) for piece in pieces)
    emoji = split_html("👍" * 3000, CAPTION_LIMIT)
    assert all(utf16_length(seen(piece)) <= CAPTION_LIMIT for piece in emoji)


def test_plain_text_fallback_reads_like_the_message() -> None:
    assert to_plain("<b>A &amp; B</b> &lt;c&gt;") == "A & B <c>"


def test_the_fakes_parser_refuses_what_telegram_refuses() -> None:
    for bad in ("a < b", "a & b", "<script>x</script>", "<b>open", "<b><i>x</b></i>",
                '<a>x</a>', "5 > 3"):
        with pytest.raises(TelegramHTMLError):
            parse_html(bad)


# -- links to other lessons --------------------------------------------------------------------

LINKS = (("passwords.md#managers", "Strong <passwords> & you"),)
"""The engine's word: this link leads to a lesson in service, so titled."""
HINT = 'Strong passwords (type "learn Strong <passwords> & you")'


def test_markdown_shows_a_link_to_a_lesson_with_how_to_open_it() -> None:
    source = "See **[Strong passwords](passwords.md#managers)** first, or [the VPN](vpn.md)."
    html = markdown_to_html(source, {"passwords.md#managers": "(type &quot;x&quot; &amp; y)"})
    assert html == ("See <b>Strong passwords (type &quot;x&quot; &amp; y)</b> first, or "
                    "the VPN.")
    assert markdown_to_html(source) == "See <b>Strong passwords</b> first, or the VPN."


def test_a_lesson_and_a_lookup_say_how_to_open_a_linked_lesson() -> None:
    from bot.messages import LookupAnswer

    renderer = TelegramRenderer(GOOD)
    body = "See [Strong passwords](passwords.md#managers) first."
    for message in (LessonMessage(lesson(body), links=LINKS),
                    LookupAnswer("pass", lesson(body), links=LINKS)):
        html = renderer.html(message)
        assert f"See {HINT} first." in seen(html)
        assert "href" not in html
    assert seen(renderer.html(LessonMessage(lesson(body)))).endswith("See Strong passwords first.")


def test_a_question_its_poll_and_feedback_say_how_to_open_a_linked_lesson() -> None:
    from bot.messages import Feedback

    asked = question(text="Read [Strong passwords](passwords.md#managers)?",
                     explanation="See [Strong passwords](passwords.md#managers) again.")
    renderer = TelegramRenderer(GOOD)
    [text] = renderer.parts(QuestionMessage(lesson(), asked, 1, links=LINKS))
    assert isinstance(text, Text) and f"Read {HINT}?" in seen(text.html)
    told = renderer.html(Feedback(lesson(), asked, False, (0,), False, 3, links=LINKS))
    assert f"See {HINT} again." in seen(told)
    [_, poll] = TelegramRenderer(GOOD, quiz_style="poll").parts(
        QuestionMessage(lesson(), asked, 1, links=LINKS))
    assert isinstance(poll, Poll)
    assert poll.question == f"Read {HINT}?" and poll.explanation == f"See {HINT} again."


def test_a_looked_up_lesson_names_its_track_as_a_pushed_one_does() -> None:
    """A lesson found by a question said "2 min · Goal: ..." where the same lesson pushed, and
    either on Slack, named its track."""
    from bot.messages import LookupAnswer

    tracked = replace(lesson(), track="security-basics", objective="Spot it")
    renderer = TelegramRenderer(GOOD)
    for message in (LessonMessage(tracked), LookupAnswer("q", tracked)):
        assert "2 min · Security basics · Goal: Spot it" in seen(renderer.html(message)), message


def test_done_of_a_looked_up_lesson_names_its_add_button() -> None:
    """On the console "add" is typed; under a Telegram answer it is a button."""
    html = TelegramRenderer(GOOD).html(LookedUpDone("Spot <it>", 2, waiting="Mine"))
    assert 'press its "Add to my reviews" button (or type "add")' in html
    assert '"Spot &lt;it&gt;"' in html and 'Your lesson "Mine" is still waiting' in html
