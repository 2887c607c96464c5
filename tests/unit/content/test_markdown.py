"""The Markdown walker: pyromark's events decoded in one place and sent to typed methods."""

from __future__ import annotations

import pyromark
import pytest

from bot.content.markdown import MarkdownWalker, Tag, plain_text, with_link_hints

MATH_AND_FOOTNOTES = pyromark.Options.ENABLE_MATH | pyromark.Options.ENABLE_FOOTNOTES


class Recorder(MarkdownWalker):
    """Writes down every call, with the source the event's range covers."""

    def __init__(self, source: str) -> None:
        self.source = source.encode()
        self.calls: list[tuple[str, object]] = []
        self.spans: list[str] = []

    def record(self, kind: str, value: object = None) -> None:
        self.calls.append((kind, value))
        self.spans.append(self.source[self.span["start"]:self.span["end"]].decode())

    def start(self, tag: Tag) -> None:
        self.record("start", tag)

    def end(self, name: str) -> None:
        self.record("end", name)

    def text(self, value: str) -> None:
        self.record("text", value)

    def code(self, value: str) -> None:
        self.record("code", value)

    def html(self, value: str) -> None:
        self.record("html", value)

    def math(self, value: str) -> None:
        self.record("math", value)

    def task_marker(self, checked: bool) -> None:
        self.record("task_marker", checked)

    def footnote_reference(self, label: str) -> None:
        self.record("footnote_reference", label)

    def soft_break(self) -> None:
        self.record("soft_break")

    def hard_break(self) -> None:
        self.record("hard_break")

    def rule(self) -> None:
        self.record("rule")


def record(source: str, options: pyromark.Options | None = None) -> Recorder:
    recorder = Recorder(source)
    if options is None:
        recorder.walk(source)
    else:
        recorder.walk(source, options)
    return recorder


def calls(source: str, options: pyromark.Options | None = None) -> list[tuple[str, object]]:
    return record(source, options).calls


def tags(source: str) -> list[object]:
    return [value for kind, value in calls(source) if kind == "start"]


def test_every_event_reaches_its_method_in_document_order() -> None:
    assert calls("- [x] *a*\n  `b` <i>\n\n***") == [
        ("start", Tag("List")), ("start", Tag("Item")), ("task_marker", True),
        ("start", Tag("Emphasis")), ("text", "a"), ("end", "Emphasis"), ("soft_break", None),
        ("code", "b"), ("text", " "), ("html", "<i>"), ("end", "Item"), ("end", "List"),
        ("rule", None),
    ]


def test_heading_start_carries_its_level_and_its_end_only_the_name() -> None:
    assert calls("### Three") == [("start", Tag("Heading", level=3)), ("text", "Three"),
                                  ("end", "Heading")]


def test_setext_heading_has_the_level_of_its_underline() -> None:
    assert tags("Two\n---") == [Tag("Heading", level=2)]


def test_ordered_list_carries_its_first_number_and_bullet_list_none() -> None:
    assert tags("7. seven")[0] == Tag("List", number=7)
    assert tags("- dot")[0] == Tag("List", number=None)


def test_link_and_image_carry_their_destination_with_references_resolved() -> None:
    found = tags("[site][ref] ![pic](images/a.png)\n\n[ref]: https://example.com/x")
    assert Tag("Link", url="https://example.com/x") in found
    assert Tag("Image", url="images/a.png") in found


def test_an_email_autolink_carries_its_mailto_as_commonmark_gives_it() -> None:
    # pulldown-cmark leaves the scheme to the writer: without it, '<ann@example.com>' read as
    # a path to a file (warned of, and a dead link on Telegram and Slack).
    assert Tag("Link", url="mailto:ann@example.com") in tags("Write to <ann@example.com>.")
    assert Tag("Link", url="ann@example.com") in tags("Write to [her](ann@example.com).")


def test_fenced_code_block_carries_its_info_string_and_indented_block_none() -> None:
    assert tags("```py title\nx\n```") == [Tag("CodeBlock", info="py title")]
    assert tags("```\nx\n```") == [Tag("CodeBlock", info="")]
    assert tags("    x") == [Tag("CodeBlock", info=None)]


def test_task_markers_say_whether_the_box_is_checked() -> None:
    markers = [value for kind, value in calls("- [ ] no\n- [x] yes") if kind == "task_marker"]
    assert markers == [False, True]


def test_task_markers_are_plain_text_without_the_task_list_option() -> None:
    assert ("text", "[x] yes") in calls("- [x] yes", pyromark.Options(0))


def test_soft_and_hard_breaks_and_rules_have_methods_of_their_own() -> None:
    kinds = [kind for kind, _ in calls("a\nb  \nc\n\n---")]
    assert kinds == ["start", "text", "soft_break", "text", "hard_break", "text", "end", "rule"]


def test_raw_html_inline_and_in_blocks_comes_as_typed() -> None:
    found = calls("<b>bold</b>\n\n<div>\nblock\n</div>")
    assert ("html", "<b>") in found
    assert ("html", "<div>\n") in found
    assert ("start", Tag("HtmlBlock")) in found


def test_math_and_footnote_references_when_their_options_are_on() -> None:
    found = calls("$x^2$ and $$y$$ see[^n]\n\n[^n]: note", MATH_AND_FOOTNOTES)
    assert ("math", "x^2") in found
    assert ("math", "y") in found
    assert ("footnote_reference", "n") in found


def test_adjacent_text_comes_as_one_call() -> None:
    assert [value for kind, value in calls(r"a\*b &amp; c") if kind == "text"] == ["a*b & c"]


def test_adjacent_text_comes_piece_by_piece_when_not_merged() -> None:
    recorder = Recorder(r"a\*b")
    recorder.walk(r"a\*b", merge_text=False)
    assert [value for kind, value in recorder.calls if kind == "text"] == ["a", "*b"]


def test_span_is_the_current_events_range_in_utf8_bytes() -> None:
    recorder = record("é **bold** [x](u)")
    covered = list(zip(recorder.calls, recorder.spans, strict=True))
    assert (("start", Tag("Strong")), "**bold**") in covered
    assert (("text", "bold"), "bold") in covered
    assert (("end", "Link"), "[x](u)") in covered


def test_a_walker_overrides_only_the_methods_it_needs() -> None:
    class TextOnly(MarkdownWalker):
        def __init__(self) -> None:
            self.pieces: list[str] = []

        def text(self, value: str) -> None:
            self.pieces.append(value)

    walker = TextOnly()
    walker.walk("# Title\n\n**bold** `code` <i>[link](https://x)  \nend\n\n---\n\n- [ ] box")
    assert walker.pieces == ["Title", "bold", " ", " ", "link", "end", "box"]


def test_event_kinds_pyromark_may_add_later_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    span = {"start": 0, "end": 1}
    raw = [({"Start": "Paragraph"}, span), ("PageBreak", span), ({"Sparkle": "*"}, span),
           ({"Text": "a"}, span), ({"End": "Paragraph"}, span)]
    monkeypatch.setattr(pyromark, "events_with_range", lambda *_, **__: iter(raw))
    assert calls("ignored") == [("start", Tag("Paragraph")), ("text", "a"), ("end", "Paragraph")]


def test_tags_are_shared_where_their_attributes_allow() -> None:
    first, second = tags("## a\n\n- b"), tags("## c\n\n- d")
    assert all(a is b for a, b in zip(first, second, strict=True))


def test_plain_text_keeps_text_and_code_and_drops_images() -> None:
    assert plain_text("Use `git add` ![diagram *x*](d.png) **now**") == "Use git add now"


def test_plain_text_reads_breaks_as_spaces() -> None:
    assert plain_text("one\\\ntwo\nthree") == "one two three"


HINTS = {"passwords.md#managers": '(type "learn Strong passwords")'}


def test_plain_text_gives_a_link_to_a_lesson_its_hint_after_its_words() -> None:
    source = "Read [**Strong** passwords](passwords.md#managers) and [this](other.md) again."
    assert plain_text(source, HINTS) == \
        'Read Strong passwords (type "learn Strong passwords") and this again.'
    assert plain_text(source) == "Read Strong passwords and this again."


def test_markdown_keeps_its_markup_and_a_link_to_a_lesson_becomes_words_and_hint() -> None:
    source = ("- See **[Strong *pass*words](passwords.md#managers)** and [ref][r], "
              "[it](other.md), `[code](passwords.md#managers)`, [](passwords.md#managers).\n\n"
              "```\n[block](passwords.md#managers)\n```\n\n[r]: passwords.md#managers\n")
    assert with_link_hints(source, HINTS) == (
        '- See **Strong *pass*words (type "learn Strong passwords")** and ref (type "learn '
        'Strong passwords"), [it](other.md), `[code](passwords.md#managers)`, (type "learn '
        'Strong passwords").\n\n```\n[block](passwords.md#managers)\n```\n\n'
        "[r]: passwords.md#managers\n")
    assert with_link_hints(source, {}) == source
    # Characters past ASCII before the link: places are bytes, not characters.
    assert with_link_hints("Café ☕ [pw](passwords.md#managers)!", HINTS) == \
        'Café ☕ pw (type "learn Strong passwords")!'
