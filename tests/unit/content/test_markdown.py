"""The Markdown walker: pyromark's events decoded once into typed events, and sent to writers."""

from __future__ import annotations

import pyromark
import pytest

from bot.content.markdown import (
    Code,
    End,
    FootnoteReference,
    HardBreak,
    Html,
    MarkdownWriter,
    Math,
    Rule,
    SoftBreak,
    Start,
    Tag,
    TaskMarker,
    Text,
    events,
    events_with_range,
    plain_text,
    walk,
)


def starts(source: str) -> list[Tag]:
    return [event.tag for event in events(source) if isinstance(event, Start)]


def test_heading_start_carries_its_level_and_its_end_only_the_name() -> None:
    assert list(events("### Three")) == [Start(Tag("Heading", level=3)), Text("Three"),
                                        End("Heading")]


def test_setext_heading_has_the_level_of_its_underline() -> None:
    assert starts("Two\n---") == [Tag("Heading", level=2)]


def test_ordered_list_carries_its_first_number_and_bullet_list_none() -> None:
    assert starts("7. seven\n\n- dot")[0] == Tag("List", number=7)
    assert Tag("List", number=None) in starts("- dot")


def test_link_and_image_carry_their_destination_with_references_resolved() -> None:
    tags = starts("[site][ref] ![pic](images/a.png)\n\n[ref]: https://example.com/x")
    assert Tag("Link", url="https://example.com/x") in tags
    assert Tag("Image", url="images/a.png") in tags


def test_fenced_code_block_carries_its_info_string_and_indented_block_none() -> None:
    assert starts("```py title\nx\n```")[0] == Tag("CodeBlock", info="py title")
    assert starts("```\nx\n```")[0] == Tag("CodeBlock", info="")
    assert starts("    x")[0] == Tag("CodeBlock", info=None)


def test_task_markers_say_whether_the_box_is_checked() -> None:
    markers = [event for event in events("- [ ] no\n- [x] yes") if isinstance(event, TaskMarker)]
    assert markers == [TaskMarker(False), TaskMarker(True)]


def test_task_markers_are_text_without_the_task_list_option() -> None:
    assert not any(isinstance(event, TaskMarker)
                   for event in events("- [x] yes", pyromark.Options(0)))


def test_breaks_and_rules_are_events_of_their_own() -> None:
    found = list(events("a\nb  \nc\n\n---"))
    assert SoftBreak() in found
    assert HardBreak() in found
    assert found[-1] == Rule()


def test_inline_code_and_raw_html_keep_their_source() -> None:
    found = list(events("`x < y` <b>bold</b>\n\n<div>\nblock\n</div>"))
    assert Code("x < y") in found
    assert Html("<b>") in found
    assert Html("<div>\n") in found


def test_math_and_footnote_references_when_their_options_are_on() -> None:
    options = pyromark.Options.ENABLE_MATH | pyromark.Options.ENABLE_FOOTNOTES
    found = list(events("$x^2$ and $$y$$ see[^n]\n\n[^n]: note", options))
    assert Math("x^2") in found
    assert Math("y") in found
    assert FootnoteReference("n") in found


def test_events_without_a_payload_of_their_own_are_shared_not_rebuilt() -> None:
    first, second = (list(events("a\nb")) for _ in range(2))
    assert all(a is b for a, b in zip(first, second, strict=True) if not isinstance(a, Text))


def test_events_with_range_give_utf8_byte_offsets_into_the_source() -> None:
    source = "é **bold**"
    encoded = source.encode()
    found = {event: encoded[start:end].decode() for event, start, end
             in events_with_range(source)}
    assert found[Start(Tag("Strong"))] == "**bold**"
    assert found[Text("bold")] == "bold"


def test_events_with_range_leave_adjacent_text_unmerged() -> None:
    texts = [event for event, _, _ in events_with_range("a\\*b") if isinstance(event, Text)]
    assert texts == [Text("a"), Text("*b")]
    assert [event for event in events("a\\*b") if isinstance(event, Text)] == [Text("a*b")]


def test_event_kinds_pyromark_may_add_later_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    raw: list[object] = [{"Start": "Paragraph"}, "PageBreak", {"Sparkle": "*"}, {"Text": "a"},
                         {"End": "Paragraph"}]
    monkeypatch.setattr(pyromark, "events", lambda *_, **__: iter(raw))
    assert list(events("ignored")) == [Start(Tag("Paragraph")), Text("a"), End("Paragraph")]


class Recorder(MarkdownWriter):
    """Writes down every callback, to show what walk() sends."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def start(self, tag: Tag) -> None:
        self.calls.append(("start", tag))

    def end(self, name: str) -> None:
        self.calls.append(("end", name))

    def text(self, value: str) -> None:
        self.calls.append(("text", value))

    def code(self, value: str) -> None:
        self.calls.append(("code", value))

    def html(self, value: str) -> None:
        self.calls.append(("html", value))

    def task_marker(self, checked: bool) -> None:
        self.calls.append(("task_marker", checked))

    def soft_break(self) -> None:
        self.calls.append(("soft_break", None))

    def hard_break(self) -> None:
        self.calls.append(("hard_break", None))

    def rule(self) -> None:
        self.calls.append(("rule", None))


def test_walk_sends_every_event_to_its_callback_in_document_order() -> None:
    recorder = Recorder()
    walk("- [x] *a*\n  `b` <i>\n\n***", recorder)
    assert recorder.calls == [
        ("start", Tag("List")), ("start", Tag("Item")), ("task_marker", True),
        ("start", Tag("Emphasis")), ("text", "a"), ("end", "Emphasis"), ("soft_break", None),
        ("code", "b"), ("text", " "), ("html", "<i>"), ("end", "Item"), ("end", "List"),
        ("rule", None),
    ]


def test_walk_sends_math_and_footnotes_to_their_callbacks() -> None:
    class Collector(MarkdownWriter):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def math(self, value: str) -> None:
            self.seen.append(f"math {value}")

        def footnote_reference(self, label: str) -> None:
            self.seen.append(f"note {label}")

    collector = Collector()
    walk("$x$ b[^1]\n\n[^1]: n", collector,
         pyromark.Options.ENABLE_MATH | pyromark.Options.ENABLE_FOOTNOTES)
    assert collector.seen == ["math x", "note 1"]


def test_a_writer_implements_only_the_callbacks_it_needs() -> None:
    class TextOnly(MarkdownWriter):
        def __init__(self) -> None:
            self.pieces: list[str] = []

        def text(self, value: str) -> None:
            self.pieces.append(value)

    writer = TextOnly()
    walk("# Title\n\n**bold** `code` [link](https://x)  \nend\n\n---\n\n- [ ] box", writer)
    assert writer.pieces == ["Title", "bold", " ", " ", "link", "end", "box"]


def test_plain_text_keeps_text_and_code_and_drops_images() -> None:
    assert plain_text("Use `git add` ![diagram *x*](d.png) **now**") == "Use git add now"


def test_plain_text_reads_breaks_as_spaces() -> None:
    assert plain_text("one\\\ntwo\nthree") == "one two three"
