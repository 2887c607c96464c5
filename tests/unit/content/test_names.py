"""A question that is exactly a lesson's name gets that lesson first, and an answer."""

from __future__ import annotations

from pathlib import Path

from bot.content import fusion
from bot.content.catalog import Catalog
from bot.content.names import NAMED_CONFIDENCE, NameIndex, lesson_names, question_name
from bot.content.parser import parse_lesson


def test_a_title_and_the_names_before_its_dash_are_names() -> None:
    assert lesson_names("gzip, gunzip, zcat - compress or expand files") == {
        "gzip", "gunzip", "zcat", "gzip gunzip zcat compress or expand files"}
    assert "create table" in lesson_names("CREATE TABLE — define a new table")
    assert "npm ci" in lesson_names("npm-ci")
    assert lesson_names("Spot a phishing email in ten seconds") == {
        "spot a phishing email in ten seconds"}
    # A sentence before a dash is no name: only the whole title is.
    assert lesson_names("How we review code at work - a guide for new colleagues") == {
        "how we review code at work a guide for new colleagues"}
    assert lesson_names("") == set()
    assert lesson_names("Tip: never share passwords") == {"tip never share passwords"}
    assert lesson_names("C++") == {"c++"} and lesson_names("C#") == {"c#"}
    assert lesson_names("Q&A") != lesson_names("QA")
    assert lesson_names("?!") == set()


def test_a_question_is_compared_folded_and_without_its_question_mark() -> None:
    assert question_name("  Socket? ") == "socket"
    assert question_name("npm_ci.") == "npm ci"
    assert question_name("Café") == "cafe"
    assert question_name("???") == ""
    assert question_name("(socket)") == "socket" and question_name("'C#'") == "c#"
    for typed in ("\u201csocket\u201d", "socket \U0001f642", "*socket*", "\u00absocket\u00bb",
                  "\u2018socket\u2019"):
        assert question_name(typed) == "socket", typed
    assert question_name("Don\u2019t panic") == question_name("dont panic") == "dont panic"


def test_the_index_follows_changes() -> None:
    index = NameIndex()
    lesson, _ = parse_lesson("# tail - output the last part of files\n\nText.\n", "tail.md")
    assert lesson is not None
    index.rebuild([lesson])
    assert index.named("tail") == [lesson.id]
    assert index.named("Tail?") == [lesson.id]
    assert index.named("how do I tail a log") == []
    index.remove(lesson.id)
    assert index.named("tail") == []
    index.upsert(lesson)
    index.upsert(lesson)  # twice is once
    assert index.named("tail") == [lesson.id]
    index.remove("unknown")


def test_the_named_lesson_comes_first_with_an_answer(tmp_path: Path) -> None:
    for name, title, text in (
            ("socket", "socket - create an endpoint for communication",
             "Creates an endpoint for communication and returns a descriptor."),
            ("socketpair", "socketpair - create a pair of connected sockets",
             "Creates a pair of connected sockets. A socket pair is two sockets; each socket "
             "of the socket pair talks to the other socket, like a socket and a socket."),
            ("gets", "gets - get a string from standard input (DEPRECATED)",
             "Never use this function."),
            ("grep", "grep, egrep, fgrep - print lines that match patterns", "Searches."),
            ("egrep", "grep, egrep, fgrep - print lines that match patterns", "Searches.")):
        (tmp_path / f"{name}.md").write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
    catalog = Catalog(tmp_path)
    catalog.load()
    found = catalog.lookup("socket", 3)
    assert found.hits[0].lesson.id == "socket"
    assert found.hits[0].confidence is not None and found.hits[0].confidence >= NAMED_CONFIDENCE
    assert [hit.lesson.id for hit in catalog.lookup("gets", 3).hits] == ["gets"]  # a stop word
    assert catalog.lookup("fgrep", 3).hits[0].lesson.title.startswith("grep, egrep")
    assert catalog.lookup("a socket for a pair", 3).hits[0].lesson.id != "gets"
    # A strict bar still answers a name; only a bar above the name's confidence refuses it.
    catalog.min_confidence = NAMED_CONFIDENCE
    assert catalog.lookup("socket", 3).hits[0].lesson.id == "socket"
    catalog.min_confidence = 1.0
    assert catalog.lookup("socket", 3).hits == ()


def test_rank_moves_named_lessons_first_and_keeps_the_others_confidence() -> None:
    candidates = [fusion.Evidence("a", 0.9, 0.3, 1.0, 1.0, 5.0),
                  fusion.Evidence("b", 0.2, 0.0, 0.1, 0.1, 0.5)]
    plain = fusion.rank(candidates, True)
    named = fusion.rank(candidates, True, named={"b"})
    assert [r.evidence.lesson_id for r in plain] == ["a", "b"]
    assert [r.evidence.lesson_id for r in named] == ["b", "a"]
    assert named[0].confidence >= NAMED_CONFIDENCE
    # The lesson moved down shows its own probability of being right, not the answer's.
    own = fusion.probability(fusion.score(candidates, True).rows[0], fusion.HYBRID_COEFFICIENTS)
    assert named[1].confidence == own
    assert fusion.rank([], True, named={"x"}) == []


def test_a_title_many_lessons_share_names_none_of_them(tmp_path: Path) -> None:
    for number in range(5):
        (tmp_path / f"chapter{number}.md").write_text(
            f"# Introduction\n\nChapter {number} begins with apples number {number}.\n",
            encoding="utf-8")
    (tmp_path / "apples.md").write_text("# Apples - the fruit\n\nAn introduction to apples.\n",
                                        encoding="utf-8")
    catalog = Catalog(tmp_path)
    catalog.load()
    found = catalog.lookup("introduction", 3)
    assert all(hit.confidence is None or hit.confidence < NAMED_CONFIDENCE
               for hit in found.hits[:1])  # ranked as any question is
    assert catalog.lookup("apples", 3).hits[0].lesson.id == "apples"


def test_signs_in_a_name_count(tmp_path: Path) -> None:
    for name, title in (("csharp", "C#"), ("cpp", "C++")):
        (tmp_path / f"{name}.md").write_text(f"# {title}\n\nAbout {title}.\n", encoding="utf-8")
    catalog = Catalog(tmp_path)
    catalog.load()
    found = catalog.lookup("C#", 3)
    assert not found.hits or found.hits[0].lesson.id == "csharp"
    assert all(hit.lesson.id != "cpp" or (hit.confidence or 0) < NAMED_CONFIDENCE
               for hit in found.hits[:1])
