"""Slack Block Kit rendering and mrkdwn escaping: pure functions, no network."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.slack.blocks import BlockRenderer, cut, sections
from bot.adapters.slack.mrkdwn import escape, from_markdown, to_plain
from bot.content.model import Choice, Lesson, Question
from bot.messages import (
    AnswerGiven,
    BadgesEarned,
    Button,
    Feedback,
    Help,
    LearnerView,
    LessonMessage,
    Linked,
    LookedUpDone,
    Outbound,
    Profile,
    QuestionMessage,
    StreakView,
    TrackProgress,
)
from tests.fakes.slack_api import BLOCKS_TEXT, blocks_text, check_blocks, entities_ok, mrkdwn_texts
from tests.unit.examples import one_of_each


def lesson(**changes: Any) -> Lesson:
    values: dict[str, Any] = {
        "id": "security/phishing", "path": "security/phishing.md", "title": "Spot phishing",
        "summary": "s", "body": "Look **twice** at [links](https://example.com/?a=1&b=2).",
        "text": "t", "topic": "security", "track": "security-basics", "minutes": 3,
        "objective": "Catch <fake> mail & report it", "image": None, "questions": ()}
    return Lesson(**(values | changes))


def question(correct: tuple[int, ...] = (1,), text: str = "Which is **right**?") -> Question:
    choices = tuple(Choice(f"choice {i} <b>", i in correct, i) for i in range(3))
    return Question("q1", text, choices, "Because & so.", 1)


def render(*outbounds: Outbound) -> list[Any]:
    return BlockRenderer().messages(list(outbounds))


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a & b", "a &amp; b"), ("<script>", "&lt;script&gt;"), ("<!channel>", "&lt;!channel&gt;"),
    ("it's \"quoted\" *bold* _it_", "it's \"quoted\" *bold* _it_"),  # only & < > change
    ("&amp;", "&amp;amp;"),
])
def test_escape_changes_only_ampersand_and_angle_brackets(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_inbound_text_is_unescaped_and_links_become_their_labels() -> None:
    assert to_plain("a &lt;b&gt; &amp;amp; <https://x.io|x.io> <mailto:a@b.c|a@b.c> <https://y>"
                    ) == "a <b> &amp; x.io a@b.c https://y"
    assert to_plain("hi <@U123> <!here>") == "hi <@U123> <!here>"


@pytest.mark.parametrize(("sent", "read"), [
    (":tada:", "🎉"), ("done :white_check_mark:", "done ✅"), ("rate :+1:", "rate 👍"),
    (":+1::skin-tone-3:", "👍"), (":partyparrot:", "🙂"), ("hi :partyparrot:", "hi"),
    ("time 10:30", "time 10:30"), ("at 10:30:00", "at 10:30:00"),
    ("<https://x.io/a:b:c>", "https://x.io/a:b:c"), ("a\nb :wave:", "a\nb 👋"),
    ("a:b:c", "a:b:c"), ("ratio 1:100:1000", "ratio 1:100:1000"),
    ("`key:ok:value`", "`key:ok:value`"), (":tada::tada:", "🎉🎉"), ("1:2:3", "1:2:3")])
def test_emoji_shortcodes_are_read_as_emoji(sent: str, read: str) -> None:
    assert to_plain(sent) == read


def test_markdown_becomes_mrkdwn() -> None:
    paragraphs = from_markdown(
        "Hi **bold**, _em_, `code <x>` and [a link](https://e.com/?a=1&b=2).\n\n"
        "## Steps\n\n1. one\n2. two\n\n- dot\n\n> quoted\n\n~~gone~~ a < b")
    assert paragraphs[0] == ("Hi *bold*, _em_, `code &lt;x&gt;` and "
                             "<https://e.com/?a=1&amp;b=2|a link>.")
    assert paragraphs[1] == "*Steps*\n1. one\n2. two\n• dot"
    assert "> quoted" in paragraphs and paragraphs[-1] == "~gone~ a &lt; b"


def test_a_link_slack_cannot_open_is_its_words_as_on_telegram() -> None:
    """A handout beside the lesson ("[the checklist](checklist.pdf)"), an anchor or a phone
    number had been a link in mrkdwn that opens nothing (Slack reads <checklist.pdf|...> as
    a web address); Telegram shows their words alone."""
    [paragraph] = from_markdown("Print [the **checklist**](checklist.pdf), see [below](#steps), "
                                "call [the desk](tel:+4930123) or [mail us](mailto:a@e.com).")
    assert paragraph == ("Print the *checklist*, see below, call the desk or "
                         "<mailto:a@e.com|mail us>.")
    assert entities_ok(paragraph)


def test_a_lesson_is_header_context_image_and_sections() -> None:
    [message] = render(LessonMessage(lesson(image="https://cdn.example/p.png")))
    kinds = [block["type"] for block in message.blocks]
    assert kinds == ["header", "context", "image", "section"]
    facts = [element["text"] for element in message.blocks[1]["elements"]]
    assert facts == [":stopwatch: 3 min", "Track: *Security basics*",
                     "Goal: Catch &lt;fake&gt; mail &amp; report it"]
    check_blocks(message.blocks)


def test_a_local_image_is_left_out() -> None:
    [message] = render(LessonMessage(lesson(image="images/p.png")))
    assert "image" not in [block["type"] for block in message.blocks]


def test_a_huge_lesson_keeps_every_slack_limit() -> None:
    body = "\n\n".join(f"Paragraph {i}: " + "word &amp; <tag> " * 300 for i in range(60))
    posts = render(LessonMessage(lesson(title="T" * 400, body=body), done="read:x"))
    assert len(posts) == 6  # then cut: a lesson is a few minutes' read
    for post in posts:
        check_blocks(post.blocks)  # 50 blocks, 3,000 a section, 150 a header
        assert blocks_text(post.blocks) <= BLOCKS_TEXT  # Slack's msg_blocks_too_long
        assert all(entities_ok(text) for text in mrkdwn_texts(post.blocks))
    assert posts[0].blocks[0]["type"] == "header" and posts[1].text.endswith("(2/6)")
    assert "cut here" in json.dumps(posts[-1].blocks[-2])
    assert posts[-1].blocks[-1]["type"] == "actions"  # Got it, with the last post


def test_a_long_lesson_goes_as_several_posts_with_nothing_lost() -> None:
    paragraphs = [f"Paragraph {i}: " + " ".join(f"w{i}x{j}" for j in range(250))
                  for i in range(16)]  # about 28,000 characters: a long read, not cut
    posts = render(LessonMessage(lesson(body="\n\n".join(paragraphs)), done="read:x"))
    assert len(posts) == 3
    shown = " ".join(json.dumps(post.blocks) for post in posts)
    assert all(paragraph in shown for paragraph in paragraphs) and "cut here" not in shown
    assert [block["type"] for post in posts for block in post.blocks].count("actions") == 1
    assert all(blocks_text(post.blocks) <= BLOCKS_TEXT for post in posts)


def test_a_paragraph_cut_for_a_section_keeps_its_bold_whole() -> None:
    words = " ".join(f"w{i:04d}" for i in range(498))  # 2,987 characters: the bold crosses 3,000
    paragraph = f"{words} **bold phrase that spans words** " + " ".join(
        f"more{i}" for i in range(300))
    [post] = render(LessonMessage(lesson(body=paragraph)))
    texts = [block["text"]["text"] for block in post.blocks if block["type"] == "section"]
    assert len(texts) > 1 and all(text.count("*") % 2 == 0 for text in texts)
    assert any("*bold phrase that spans words*" in text for text in texts)


def test_cut_never_splits_an_entity() -> None:
    assert cut("abc &amp; def", 8) == "abc…"
    assert cut("short", 10) == "short"


def test_sections_pack_paragraphs_under_the_limit() -> None:
    blocks = sections(["a" * 2000, "b" * 2000, "c" * 7000])
    assert [len(block["text"]["text"]) for block in blocks] == [2000, 2000, 3000, 3000, 1000]


def test_a_question_has_numbered_choices_and_a_button_each() -> None:
    buttons = tuple(Button(f"choice {i} <b>", f"a:7:{i}") for i in range(3))
    [message] = render(QuestionMessage(lesson(), question(), 7, buttons))
    actions = next(block for block in message.blocks if block["type"] == "actions")
    assert actions["block_id"] == "ask-7"
    assert [b["value"] for b in actions["elements"]] == ["a:7:0", "a:7:1", "a:7:2"]
    assert [b["action_id"] for b in actions["elements"]] == ["answer-0", "answer-1", "answer-2"]
    assert actions["elements"][0]["text"]["text"] == "1) choice 0 <b>"  # plain_text: no escape
    assert "1) choice 0 &lt;b&gt;" in message.blocks[0]["text"]["text"]
    assert "Which is *right*?" in message.blocks[0]["text"]["text"]
    assert message.ask_id == 7
    check_blocks(message.blocks)


def test_a_baseline_check_question_is_headed_by_its_track() -> None:
    buttons = tuple(Button(f"choice {i}", f"a:7:{i}") for i in range(3))
    [message] = render(QuestionMessage(lesson(), question(), 7, buttons, 2, 4, check="pre"))
    head = message.blocks[0]["text"]["text"]
    assert head.startswith("*Quick check 2 of 4* · Security basics\n")
    assert "Spot phishing" not in head  # a lesson not read yet


def test_a_select_all_question_is_answered_by_typing() -> None:
    buttons = tuple(Button(f"c{i}", f"a:7:{i}") for i in range(3))
    [message] = render(QuestionMessage(lesson(), question((0, 2)), 7, buttons))
    assert "actions" not in [block["type"] for block in message.blocks]
    assert "like *1 3*" in json.dumps(message.blocks)


def test_a_question_that_says_select_all_is_not_told_it_again() -> None:
    buttons = tuple(Button(f"c{i}", f"a:7:{i}") for i in range(3))
    [message] = render(QuestionMessage(lesson(), question((0, 2), "Which? Select all that apply."),
                                       7, buttons))
    shown = json.dumps(message.blocks)
    assert shown.count("elect all that apply") == 1 and "like *1 3*" in shown


def test_slack_help_asks_for_words_not_slashes() -> None:
    """Slack catches a slash typed in a DM as one of its own commands."""
    [message] = render(Help())
    shown = json.dumps(message.blocks)
    assert "a slash is for its own commands" in shown and "with or without a slash" not in shown
    # "<topic>" as typed would be a link in mrkdwn: it is escaped, as learners' text is.
    assert "learn &lt;topic&gt;" in shown and "<topic>" not in shown and "<note>" not in shown
    assert "remove &lt;name&gt;" in shown and "<name>" not in shown


def test_a_placeholder_in_a_shared_template_is_no_link_in_mrkdwn() -> None:
    """'"push <platform>"' after "link CODE" and '"topics add/remove <name>"' in help went to
    Slack as typed: mrkdwn shows <platform> as a link named "platform" to nowhere."""
    [linked] = render(Linked(("slack", "telegram"), "slack"))
    assert '"push &lt;platform&gt;" changes that' in linked.blocks[0]["text"]["text"]


def test_text_messages_join_and_a_question_stands_alone() -> None:
    notice = BadgesEarned(("First <lesson>",))
    feedback = Feedback(lesson(), question(), False, (0,), False, 12)
    ask = QuestionMessage(lesson(), question(), 3, (Button("x", "a:3:0"),))
    messages = render(feedback, notice, ask, notice)
    assert len(messages) == 3
    joined = json.dumps(messages[0].blocks)
    assert "Not quite." in joined and "2) choice 1 &lt;b&gt;" in joined
    assert "First &lt;lesson&gt;" in joined and "Points: *12*" in joined
    assert messages[1].ask_id == 3 and messages[2].ask_id is None


def test_an_answered_question_loses_its_buttons_and_shows_the_result() -> None:
    buttons = (Button("c0", "a:3:0"),)
    renderer = BlockRenderer()
    [message] = renderer.messages([QuestionMessage(lesson(), question(), 3, buttons)])
    result = [{"type": "section", "text": {"type": "mrkdwn", "text": "Right!"}}]
    blocks = renderer.answered_blocks(message.blocks, "1) c0 <x>", result)
    kinds = [block["type"] for block in blocks]
    assert "actions" not in kinds and kinds[-2:] == ["context", "section"]
    assert "You answered: *1) c0 &lt;x&gt;*" in json.dumps(blocks)
    assert "Press a button" not in json.dumps(blocks)
    again = renderer.answered_blocks(blocks, "1) c0", result)  # a second press: one result, not two
    assert json.dumps(again).count("You answered") == 1


def test_an_answer_recap_with_an_ampersand_is_escaped_once() -> None:
    """"Tr0ub4dor&3" had shown as "Tr0ub4dor&amp;3": the recap was escaped twice."""
    renderer = BlockRenderer()
    asked = Question("q1", "Which is strongest?", (Choice("Tr0ub4dor&3", False, 3),
                                                   Choice("correct horse", True, 4)), "", 2)
    [message] = renderer.messages([QuestionMessage(lesson(), asked, 3, ())])
    recap = renderer.answer_recap(AnswerGiven(3, lesson(), asked, (0,)))
    blocks = json.dumps(renderer.answered_blocks(message.blocks, recap, []))
    assert "You answered: *1) Tr0ub4dor&amp;3*" in blocks and "&amp;amp;" not in blocks


LEARNER = LearnerView("Ann <admin>", "Europe/Berlin", "09:00", "15:00", ("mon", "tue"),
                      next_lesson_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC))


def profile(**learner: Any) -> Profile:
    return Profile(replace(LEARNER, **learner), 42, 7, StreakView(3, 5, 1),
                   ("First lesson", "Track & field"), 4, 28, 1)


def test_the_app_home_shows_streak_points_badges_and_next_lesson() -> None:
    view = BlockRenderer().home_view(profile())
    text = json.dumps(view)
    assert view["type"] == "home"
    assert "*Streak:* 3 days (best 5), 1 streak freeze in reserve" in text
    assert "*Points:* 42 (7 this week)" in text and "Track &amp; field" in text
    assert "<!date^1772524800^{date_short_pretty} at {time}|Tue 03 Mar, 09:00>" in text
    check_blocks(view["blocks"], limit=100)


def test_the_app_home_puts_tracks_reviews_and_badges_on_lines_of_their_own() -> None:
    full = replace(profile(), tracks=(TrackProgress("Git basics", 3, 7),), due_today=2,
                   due_tomorrow=1, accuracy=0.8, answered=10)
    lines = BlockRenderer().profile_lines(full).splitlines()
    assert ":bookmark_tabs: *Reviews:* 2 due today, 1 tomorrow; last 30 days 80% right of 10" \
        in lines
    assert ":round_pushpin: *Tracks:* Git basics 3/7" in lines
    assert ":medal: *Badges:* First lesson, Track &amp; field" in lines
    assert ":books: *Lessons:* 4 of 28 read; 1 question mastered" in lines
    mine = replace(profile(topics=("git",)), topic_lessons=9, topic_read=2)
    assert (":books: *Lessons:* 2 of 9 read in your topics, 4 of 28 in the whole library; "
            "1 question mastered") in BlockRenderer().profile_lines(mine).splitlines()


def test_the_app_home_of_a_learner_on_holiday_or_stopped_shows_no_lesson_date() -> None:
    # The plan is kept while away (it resumes from it), but no lesson comes on that date.
    away = json.dumps(BlockRenderer().home_view(profile(paused=True)))
    assert "*Next lesson:* none while you are on holiday" in away and "Tue 03 Mar" not in away
    stopped = json.dumps(BlockRenderer().home_view(profile(stopped=True)))
    assert "*Next lesson:* none while daily messages are off" in stopped
    assert "Tue 03 Mar" not in stopped
    assert "*Reviews:* they wait until you resume" in away  # not "1 tomorrow"
    unplanned = json.dumps(BlockRenderer().home_view(profile(next_lesson_at=None)))
    assert "*Next lesson:* not planned" in unplanned
    # Every lesson read: the date the plan keeps would bring nothing.
    done = json.dumps(BlockRenderer().home_view(replace(profile(topics=("git",)),
                                                        lessons_left=False)))
    assert "*Next lesson:* none left: you have read every lesson in your topics" in done
    assert "Tue 03 Mar" not in done
    emptied = json.dumps(BlockRenderer().home_view(replace(
        profile(topics=("git",)), lessons_left=False, none_in_topics=True)))
    assert "*Next lesson:* none: no lesson is in your topics now" in emptied
    assert "you have read every lesson" not in emptied


def test_the_app_home_of_someone_not_enrolled_invites_them() -> None:
    view = BlockRenderer().home_view(None)
    buttons = next(block for block in view["blocks"] if block["type"] == "actions")
    assert [(b["value"], b["text"]["text"]) for b in buttons["elements"]] == [
        ("lesson", "Next lesson"), ("quiz", "Quiz me"), ("top", "Leaderboard"),
        ("notes", "My notes"), ("mydata", "My data"), ("help", "Help")]
    assert "One short lesson each workday" in json.dumps(view)


def test_a_profile_message_escapes_the_name() -> None:
    [message] = render(profile())
    assert "*Ann &lt;admin&gt;*" in json.dumps(message.blocks)


def test_feedback_says_right_or_not_quite_from_the_shared_title() -> None:
    renderer = BlockRenderer()
    right = Feedback(lesson(), question(), True, (1,), True, 5)
    [message] = renderer.messages([right])
    assert message.text == "Right!"
    assert ":white_check_mark: *Right!*" in json.dumps(message.blocks)
    assert ":trophy: You have mastered" in json.dumps(message.blocks)
    wrong = replace(right, correct=False, mastered=False)
    blocks = json.dumps(renderer.feedback_blocks(wrong))
    assert ":x: *Not quite.* The answer: 2) choice 1 &lt;b&gt;" in blocks
    assert renderer.feedback_preview(wrong) == "Not quite."
    assert "keeps slipping" not in blocks
    slipping = json.dumps(renderer.feedback_blocks(replace(wrong, slipping=True)))
    assert ":books: This one keeps slipping: read its lesson again (`learn " in slipping


EXAMPLES = one_of_each(lesson(questions=(question(),)), lesson(title="Other <t>"))


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: type(message).__name__)
def test_every_kind_keeps_the_block_kit_limits_and_escapes(message: Outbound) -> None:
    [slack] = render(message)
    check_blocks(slack.blocks)
    assert all(entities_ok(text) for text in mrkdwn_texts(slack.blocks))
    assert entities_ok(slack.text)


# -- links to other lessons --------------------------------------------------------------------

LINKS = (("passwords.md#managers", "Strong <passwords> & you"),)
"""The engine's word: this link leads to a lesson in service, so titled (escaped once here)."""
HINT = 'Strong passwords (type "learn Strong &lt;passwords&gt; &amp; you")'


def test_a_link_to_a_lesson_is_its_words_and_how_to_open_it_not_a_dead_link() -> None:
    body = ("See [Strong passwords](passwords.md#managers) first, or [*the VPN*](vpn.md) "
            "and [the wiki](https://example.com).")
    [message] = render(LessonMessage(lesson(body=body), links=LINKS))
    text = shown(message.blocks)
    assert f"See {HINT} first" in text
    assert "<passwords.md" not in text
    # Not a lesson the engine knows (a draft, a missing file): its words, as on Telegram
    # (it had been a link that opens nothing); a web address stays a link.
    assert "or _the VPN_ and" in text and "<https://example.com|the wiki>" in text
    check_blocks(message.blocks)
    [before] = render(LessonMessage(lesson(body=body)))
    assert "See Strong passwords first" in shown(before.blocks)
    assert paragraphs_of("[**Strong** passwords](passwords.md#managers)") == [
        '*Strong* passwords (type "learn Strong &lt;passwords&gt; &amp; you")']


def shown(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(mrkdwn_texts(blocks))


def paragraphs_of(source: str) -> list[str]:
    renderer = BlockRenderer()
    return from_markdown(source, renderer.text.link_hints(LINKS))


def test_a_quiz_question_and_its_feedback_say_how_to_open_a_linked_lesson() -> None:
    asked = Question("q1", "Read [Strong passwords](passwords.md#managers) yet?",
                     (Choice("yes", True, 1), Choice("no", False, 2)),
                     "See [Strong passwords](passwords.md#managers) again.", 1)
    [message] = render(QuestionMessage(lesson(), asked, 7, links=LINKS))
    assert f"Read {HINT} yet?" in shown(message.blocks)
    [told] = render(Feedback(lesson(), asked, False, (1,), False, 12, links=LINKS))
    assert f"See {HINT} again." in shown(told.blocks)
    check_blocks(told.blocks)


def test_done_of_a_looked_up_lesson_names_its_add_button() -> None:
    """On the console "add" is typed; under a Slack answer it is a button."""
    [message] = render(LookedUpDone("Spot <it>", 2, waiting="Mine"))
    assert 'press its "Add to my reviews" button (or type "add")' in str(message)
    assert "Spot &lt;it&gt;" in str(message)
