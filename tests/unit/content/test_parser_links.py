"""Links a learner could not follow from a chat: a mistyped address, and a path to a file (said
to lead nowhere, with the nearest file's name, when the folder does not have it either)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.telegram.formatting import markdown_to_html
from bot.content.catalog import Catalog
from bot.content.lesson_cache import LessonCache
from bot.content.model import Problem, Severity
from bot.content.parser import parse_lesson

E, W = Severity.ERROR, Severity.WARNING


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def checked(body: str, rel: str = "x.md", root: Path | None = None) -> list[Problem]:
    lesson, problems = parse_lesson(f"# Title\n\n{body}\n", rel, root)
    assert lesson is not None or any(p.is_error for p in problems)
    return problems


@pytest.fixture
def library(tmp_path: Path) -> Path:
    for rel in ("security/strong-passwords.md", "security/spot-phishing.md",
                "general/welcome.md"):
        write(tmp_path / rel, "# A lesson\n\nIts text.\n")
    (tmp_path / "handouts").mkdir()
    (tmp_path / "handouts" / "Checklist.pdf").write_bytes(b"%PDF-1.4\n")
    return tmp_path


# -- mistyped addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "words"), [
    ("htps://example.com/a", "starts with 'htps:', which no chat opens; did you mean "
                             "'https://example.com/a'?"),
    ("htp://example.com", "starts with 'htp:', which no chat opens; did you mean "
                          "'http://example.com'?"),
    ("hhtps://example.com", "did you mean 'https://example.com'?"),
    ("htps:/example.com", "did you mean 'https://example.com'?"),
    ("http//example.com", "has no ':' after 'http', so a chat takes it for a file path; did "
                          "you mean 'http://example.com'?"),
    ("https;//example.com", "has no ':' after 'https', so a chat takes it for a file path; "
                            "did you mean 'https://example.com'?"),
    ("https:/example.com", "has one '/' after 'https:' where a web address has two; did you "
                           "mean 'https://example.com'?"),
    ("https:example.com", "has no '/' after 'https:' where a web address has two; did you "
                          "mean 'https://example.com'?"),
    ("HTTPS:///example.com", "has three '/' after 'HTTPS:' where a web address has two; did "
                             "you mean 'https://example.com'?"),
    ("https://", "has no address after 'https://'; write the whole address"),
    ("www.example.com", "has no 'https://', so a chat takes it for a file path; did you mean "
                        "'https://www.example.com'?"),
    ("example.com/security", "did you mean 'https://example.com/security'?"),
    ("www.example.com:8080/x", "did you mean 'https://www.example.com:8080/x'?"),
    ("//example.com/x", "has no 'https:', which a chat needs to open it; did you mean "
                        "'https://example.com/x'?"),
    ("ann@example.com", "has no 'mailto:', so a chat takes it for a file path; did you mean "
                        "'mailto:ann@example.com'?"),
    ("mailo:ann@example.com", "did you mean 'mailto:ann@example.com'?"),
    ("file:///C:/Users/ann/guide.pdf", "is a file on your computer, which learners cannot "
                                       "open"),
    ("C:\\Users\\ann\\guide.pdf", "is a file on your computer"),
])
def test_a_mistyped_address_is_warned_with_the_address_meant(url: str, words: str) -> None:
    problems = checked(f"Read [the guide]({url}) first.")
    assert [(p.line, p.severity) for p in problems] == [(3, W)]
    assert problems[0].message.startswith(f"the link '{url}' ")
    assert words in problems[0].message


@pytest.mark.parametrize("url", [
    "https://example.com", "http://example.com/a?b=1#c", "HTTPS://EXAMPLE.COM",
    "mailto:ann@example.com", "tel:+44-20-7946-0000", "#quiz", "http://[::1]:8080/",
    "tg://resolve?domain=example", "slack://open", "https://intranet/wiki",
])
def test_good_addresses_say_nothing(url: str, library: Path) -> None:
    assert checked(f"See [this]({url}).", "general/x.md", library) == []


def test_autolinks_and_reference_links_are_checked_too_and_an_email_autolink_is_fine() -> None:
    problems = checked("Go to <htps://example.com> or [the wiki][w] or <ann@example.com>.\n\n"
                       "[w]: www.example.com/wiki")
    assert [p.line for p in problems] == [3, 3]
    assert {p.message.split("'")[1] for p in problems} == {"htps://example.com",
                                                           "www.example.com/wiki"}
    # Telegram gets it as a mail link now, not as a dead one.
    assert '<a href="mailto:ann@example.com">' in markdown_to_html("<ann@example.com>")


def test_links_in_code_and_in_notes_for_trainers_are_not_checked(library: Path) -> None:
    body = ("Type `[x](htps://example.com)` and `[y](passwords.md)` as they are.\n\n"
            "```markdown\n[guide](www.example.com)\n[see](missing.md)\n```\n\n"
            "    [indented](http//example.com)\n\n"
            "<!-- [old](htps://example.com) -->\n\n"
            "~~~\n![pic](htps://example.com/p.png)\n~~~\n")
    assert checked(body, "general/x.md", library) == []


def test_each_link_is_warned_at_its_own_line() -> None:
    text = ("---\ntitle: Lines\ntags: [a]\n---\n"        # 1-4: front matter
            "Intro with a [first](www.example.com)\n"     # 5
            "and on the next line [second](htps://x.io).\n"  # 6
            "\n"
            "- an item\n"                                  # 8
            "- another with [third](http//example.com)\n"  # 9
            "\n"
            "> quoted [fourth](https:/example.com)\n"     # 11
            "\n"
            "## Quiz\n\n"                                  # 13
            "### Which [fifth](ann@example.com) one?\n"    # 15
            "- [x] [sixth](htp://example.com)\n"           # 16
            "- [ ] no\n")
    lesson, problems = parse_lesson(text, "x.md")
    assert lesson is not None
    assert [(p.line, p.message.split("'")[1]) for p in problems] == [
        (5, "www.example.com"), (6, "htps://x.io"), (9, "http//example.com"),
        (11, "https:/example.com"), (15, "ann@example.com"), (16, "htp://example.com")]
    assert all(p.severity is W for p in problems)


def test_a_link_that_cannot_be_read_is_an_error_not_a_crash(library: Path) -> None:
    # The Telegram adapter cannot read it either: served, the lesson would fail to send.
    problems = checked("Open [the site](http://[example.com) now.")
    assert [(p.line, p.severity) for p in problems] == [(3, E)]
    assert "is not an address that can be read" in problems[0].message
    problems = checked("![pic](http://[example.com/p.png)", root=library)
    assert [(p.line, p.severity) for p in problems] == [(3, E)]
    assert problems[0].message.startswith("image 'http://[example.com/p.png' is not an address")


# -- paths to files ----------------------------------------------------------------------------


def test_a_link_to_a_lesson_that_is_there_is_still_a_dead_link_in_a_chat(library: Path) -> None:
    # Telegram shows only the link's words, so the trainer hears what to write instead.
    problems = checked("See [phishing](../security/spot-phishing.md) and "
                       "[the list](/handouts/Checklist.pdf).", "general/x.md", library)
    assert [(p.line, p.severity) for p in problems] == [(3, W), (3, W)]
    for problem in problems:
        assert "is a path to a file, which learners cannot open from a chat; link a web page " \
               "(https://...), or name the lesson for learners to ask for ('type \"learn\" " \
               "and its title')" in problem.message
    assert "spot-phishing" not in markdown_to_html("[phishing](../security/spot-phishing.md)")


@pytest.mark.parametrize(("rel", "url", "looked", "meant"), [
    ("security/x.md", "passwords.md", "security/passwords.md", "strong-passwords.md"),
    ("general/x.md", "passwords.md", "general/passwords.md", "../security/strong-passwords.md"),
    ("general/x.md", "../security/phishing.md", "security/phishing.md",
     "../security/spot-phishing.md"),
    ("general/x.md", "../securty/spot-phishing.md", "securty/spot-phishing.md",
     "../security/spot-phishing.md"),
    ("general/x.md", "Welcome.md", "general/Welcome.md", "welcome.md"),
    ("general/x.md", "welcome", "general/welcome", "welcome.md"),
    ("security/x.md", "/handouts/checklist.pdf", "handouts/checklist.pdf",
     "/handouts/Checklist.pdf"),
    ("x.md", "strong%20passwords.md", "strong passwords.md", "security/strong-passwords.md"),
])
def test_a_link_to_a_missing_file_names_the_nearest_one(
        library: Path, rel: str, url: str, looked: str, meant: str) -> None:
    problems = checked(f"Text.\n\nSee [it]({url}#top).", rel, library)
    assert [(p.line, p.severity) for p in problems] == [(5, W)]
    assert problems[0].message == (
        f"the link '{url}#top' leads to no file: '{looked}' is not in the lesson folder (did you "
        f"mean '{meant}'?), and learners could not open a file from a chat anyway; link a web "
        "page (https://...), or name the lesson for learners to ask for ('type \"learn\" and its "
        "title')")


def test_a_missing_file_with_nothing_close_gets_no_guess(library: Path) -> None:
    problems = checked("See [vpn](vpn-setup.md).", "security/x.md", library)
    assert len(problems) == 1
    assert "leads to no file: 'security/vpn-setup.md' is not in the lesson folder, and" \
        in problems[0].message


def test_a_path_written_with_backslashes_is_told_to_use_slashes(library: Path) -> None:
    problems = checked("See [it](..\\security\\spot-phishing.md).", "general/x.md", library)
    assert len(problems) == 1
    assert "(write a path with '/', not '\\': '../security/spot-phishing.md')" \
        in problems[0].message


def test_without_the_folder_or_outside_it_a_path_is_not_looked_up(library: Path) -> None:
    # One file parsed on its own (no folder known), and a path that leaves the folder: the
    # link is a dead one in a chat all the same.
    for rel, root, url in (("x.md", None, "nowhere.md"),
                           ("general/x.md", library, "../../outside.md")):
        problems = checked(f"See [it]({url}).", rel, root)
        assert len(problems) == 1 and "is a path to a file" in problems[0].message


def test_a_lesson_lists_the_paths_it_links_to_once_each(library: Path) -> None:
    lesson, _ = parse_lesson("# T\n\n[a](welcome.md) [b](welcome.md) [c](https://x.io) "
                             "[d](www.example.com) [e](#top) [f](gone.md)\n",
                             "general/x.md", library)
    assert lesson is not None and lesson.links == ("welcome.md", "gone.md")


# -- images ------------------------------------------------------------------------------------


def test_a_mistyped_image_address_gets_the_address_meant(library: Path) -> None:
    text = ("---\nimage: htps://example.com/flags.png\n---\n# Pictures\n\nText.\n\n"
            "![a](www.example.com/a.png)\n\n![b](https:/example.com/b.png)\n")
    lesson, problems = parse_lesson(text, "x.md", library)
    assert lesson is None
    assert [(p.line, p.severity, p.message) for p in problems] == [
        (2, E, "image 'htps://example.com/flags.png' must be a path relative to this file or "
               "an http(s) URL; did you mean 'https://example.com/flags.png'?"),
        (8, E, "image 'www.example.com/a.png' does not exist (looked for "
               "'www.example.com/a.png'); did you mean 'https://www.example.com/a.png'?"),
        (10, W, "image 'https:/example.com/b.png' has one '/' after 'https:' where a web "
                "address has two; did you mean 'https://example.com/b.png'?"),
    ]


# -- while the bot runs ------------------------------------------------------------------------


def test_a_linked_lesson_that_arrives_or_goes_is_looked_up_again(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\nSee [b](b.md).\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    assert ["leads to no file" in p.message for p in catalog.problems()] == [True]
    write(tmp_path / "b.md", "# B\n\nText.\n")
    change = catalog.refresh([tmp_path / "b.md"])
    assert change.added == ("b",) and change.changed == ()
    assert ["is a path to a file" in p.message for p in catalog.problems()] == [True]
    (tmp_path / "b.md").unlink()
    catalog.refresh()  # a rescan, with no event
    assert ["leads to no file" in p.message for p in catalog.problems()] == [True]


def test_a_linked_file_that_arrives_is_looked_up_again(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\nPrint [the list](list.pdf).\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    assert "leads to no file" in catalog.problems()[0].message
    (tmp_path / "list.pdf").write_bytes(b"%PDF-1.4\n")
    catalog.refresh([tmp_path / "list.pdf"], recheck_assets=True)  # as the watcher calls it
    assert "is a path to a file" in catalog.problems()[0].message


def test_a_restart_looks_linked_files_up_again_rather_than_trust_the_cache(
        tmp_path: Path) -> None:
    root, path = tmp_path / "lessons", tmp_path / "lessons.sqlite3"
    write(root / "a.md", "# A\n\nSee [b](b.md).\n")
    assert "leads to no file" in Catalog(root, cache=LessonCache(path)).load().problems[0].message
    write(root / "b.md", "# B\n\nText.\n")
    change = Catalog(root, cache=LessonCache(path)).load()
    assert ["is a path to a file" in p.message for p in change.problems] == [True]
