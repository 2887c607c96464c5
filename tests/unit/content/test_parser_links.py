"""Links a learner could not follow from a chat: a mistyped address, and a path to a file (said
to lead nowhere, with the nearest file's name, when the folder does not have it either)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.telegram.formatting import markdown_to_html
from bot.content.catalog import Catalog
from bot.content.lesson_cache import LessonCache
from bot.content.links import is_lesson_path, link_path
from bot.content.model import Lesson, Problem, Severity
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


def test_a_link_to_a_lesson_of_the_folder_is_not_warned_but_one_to_another_file_is(
        library: Path) -> None:
    # A lesson is opened by its title (the bot says how); a PDF cannot be opened from a chat.
    (library / "README.md").write_text("# About\n\nThe library.\n", encoding="utf-8")
    write(library / "_drafts" / "vpn.md", "# VPN\n\nSoon.\n")
    problems = checked("See [phishing](../security/spot-phishing.md#signs), "
                       "[passwords](/security/strong-passwords.md), [welcome](./welcome.md), "
                       "[the list](/handouts/Checklist.pdf), [about](../README.md) and "
                       "[vpn](../_drafts/vpn.md).", "general/x.md", library)
    assert [(p.line, p.severity) for p in problems] == [(3, W)] * 3
    problems.sort(key=lambda p: p.message.startswith("the link '.."))
    assert [p.message.split("'")[1] for p in problems] == [
        "/handouts/Checklist.pdf", "../README.md", "../_drafts/vpn.md"]
    for problem in problems:
        assert "is a path to a file, which learners cannot open from a chat" in problem.message
        assert "link a web page (https://...), or name the lesson for learners to ask for " \
               "('type \"learn\" and its title')" in problem.message
    assert problems[0].message == (
        "the link '/handouts/Checklist.pdf' is a path to a file, which learners cannot open "
        "from a chat; link a web page (https://...), or name the lesson for learners to ask for "
        "('type \"learn\" and its title')")
    for problem in problems[1:]:
        assert "is not a lesson: files and folders whose names start with '_' or '.', and " \
               "README files, are never served" in problem.message
    assert "spot-phishing" not in markdown_to_html("[phishing](../security/spot-phishing.md)")


def test_a_link_to_a_lesson_written_in_other_capitals_is_a_link_to_no_file(
        library: Path) -> None:
    # A file system that ignores case finds the file; the server's may not, nor does the bot.
    problems = checked("See [it](Strong-Passwords.md).", "security/x.md", library)
    assert len(problems) == 1
    assert "leads to no file" in problems[0].message
    assert "did you mean 'strong-passwords.md'?" in problems[0].message


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


def test_a_lesson_lists_the_paths_it_links_to_once_each_with_their_first_lines(
        library: Path) -> None:
    lesson, _ = parse_lesson("# T\n\n[a](welcome.md) [c](https://x.io) [d](www.example.com)\n\n"
                             "[e](#top) [f](gone.md) [b](welcome.md)\n",
                             "general/x.md", library)
    assert lesson is not None and lesson.links == ("welcome.md", "gone.md")
    assert lesson.link_lines == (3, 5)


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
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == ()
    write(tmp_path / "b.md", "# B\n\nText.\n")
    change = catalog.refresh([tmp_path / "b.md"])
    assert change.added == ("b",) and change.changed == ()
    assert catalog.problems() == []  # a lesson: the bot says how to open it
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == (("b.md", "B"),)
    (tmp_path / "b.md").unlink()
    catalog.refresh()  # a rescan, with no event
    assert ["leads to no file" in p.message for p in catalog.problems()] == [True]
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == ()


def lesson_at(catalog: Catalog, path: str) -> Lesson:
    found = next((lesson for lesson in catalog.lessons() if lesson.path == path), None)
    assert found is not None, path
    return found


def link_problems(catalog: Catalog) -> list[tuple[str, int, str]]:
    return [(p.path, p.line, p.message) for p in catalog.problems() if "the link" in p.message]


def test_a_link_to_a_draft_or_a_lesson_not_served_is_warned_as_before(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\nIntro.\n\nSee [b](b.md#part) and [c](sub/../c.md).\n")
    write(tmp_path / "b.md", "---\ndraft: true\n---\n# B\n\nText.\n")
    write(tmp_path / "c.md", "---\ntitle: [C\n---\nText.\n")  # broken YAML: never served
    for drafts in (False, True):  # the bot, and `lessons check` (which serves drafts)
        catalog = Catalog(tmp_path, include_drafts=drafts)
        catalog.load()
        assert link_problems(catalog) == [
            ("a.md", 5, "the link 'b.md#part' is a path to a file, which learners cannot open "
                        "from a chat ('b.md' is a draft, which learners do not get); link a web "
                        "page (https://...), or name the lesson for learners to ask for ('type "
                        "\"learn\" and its title')"),
            ("a.md", 5, "the link 'sub/../c.md' is a path to a file, which learners cannot "
                        "open from a chat ('c.md' has errors and is not served); link a web "
                        "page (https://...), or name the lesson for learners to ask for ('type "
                        "\"learn\" and its title')")]
        assert catalog.lesson_links(lesson_at(catalog, "a.md")) == ()
    # Published and fixed: the warnings go, and the links say how to open the lessons.
    write(tmp_path / "b.md", "# B\n\nText.\n")
    write(tmp_path / "c.md", "---\ntitle: C\n---\nText.\n")
    catalog.refresh([tmp_path / "b.md", tmp_path / "c.md"])
    assert link_problems(catalog) == []
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == (("b.md#part", "B"),
                                                                 ("sub/../c.md", "C"))
    # Broken while the bot runs, its last good version is served: the link still opens it.
    write(tmp_path / "c.md", "---\ntitle: [C\n---\nText.\n")
    catalog.refresh([tmp_path / "c.md"])
    assert link_problems(catalog) == []
    assert len(catalog.lesson_links(lesson_at(catalog, "a.md"))) == 2


def test_a_link_to_a_lesson_whose_title_finds_another_too_is_warned(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\nSee [passwords](security/passwords.md).\n")
    write(tmp_path / "security" / "passwords.md", "# Passwords\n\nLong ones.\n")
    write(tmp_path / "it" / "passwords.md", "# Passwords\n\nReset them at the desk.\n")
    write(tmp_path / "copy" / "passwords.md", "# Passwords\n\nLong ones.\n")  # the same
    catalog = Catalog(tmp_path)
    catalog.load()
    assert link_problems(catalog) == [
        ("a.md", 3, "the link 'security/passwords.md' leads to the lesson 'Passwords', but "
                    "typing \"learn Passwords\" would not open it: another lesson has that name "
                    "too; give each lesson its own title")]
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == ()
    (tmp_path / "it" / "passwords.md").unlink()  # a copy of it is the same lesson to learners
    catalog.refresh()
    assert link_problems(catalog) == []
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == (
        ("security/passwords.md", "Passwords"),)


def test_a_link_to_a_lesson_whose_title_lookup_reads_past_is_warned(tmp_path: Path) -> None:
    # Lookup drops a leading filler word ("well"): the title would not find the lesson.
    write(tmp_path / "a.md", "# A\n\nSee [it](b.md).\n")
    write(tmp_path / "b.md", "# Well-being at work\n\nBreaks.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    assert link_problems(catalog) == [
        ("a.md", 3, "the link 'b.md' leads to the lesson 'Well-being at work', but typing "
                    "\"learn Well-being at work\" would not open it: lookup does not read its "
                    "title as its name; reword the title")]
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == ()


def test_a_link_follows_a_lesson_renamed_or_retitled_at_once(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\nSee [it](b.md).\n")
    write(tmp_path / "b.md", "# Bee\n\nText.\n")
    catalog = Catalog(tmp_path)
    catalog.load()
    linking = lesson_at(catalog, "a.md")
    assert catalog.lesson_links(linking) == (("b.md", "Bee"),)
    write(tmp_path / "b.md", "# Honey bee\n\nText.\n")
    catalog.refresh([tmp_path / "b.md"])
    assert catalog.lesson_links(linking) == (("b.md", "Honey bee"),)
    (tmp_path / "b.md").rename(tmp_path / "c.md")  # moved: the link leads nowhere now
    catalog.refresh()
    assert catalog.lesson_links(linking) == ()
    write(tmp_path / "a.md", "# A\n\nSee [it](c.md).\n")  # the trainer follows it
    catalog.refresh([tmp_path / "a.md"])
    assert catalog.lesson_links(lesson_at(catalog, "a.md")) == (("c.md", "Honey bee"),)
    assert link_problems(catalog) == []  # (the move itself is warned of: no 'id: b')


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
    assert change.problems == ()


# -- where a link leads ------------------------------------------------------------------------


@pytest.mark.parametrize(("rel", "url", "path"), [
    ("security/x.md", "passwords.md", "security/passwords.md"),
    ("security/x.md", "passwords.md#managers", "security/passwords.md"),
    ("security/x.md", "./passwords.md?v=2#top", "security/passwords.md"),
    ("security/x.md", "../general/welcome.md", "general/welcome.md"),
    ("security/x.md", "sub/../../general/./welcome.md", "general/welcome.md"),
    ("security/x.md", "/general/welcome.md", "general/welcome.md"),
    ("x.md", "strong%20passwords.md", "strong passwords.md"),
    ("x.md", "strong passwords.md", "strong passwords.md"),  # '<strong passwords.md>'
    ("security/x.md", "../../outside.md", None),
    ("security/x.md", "..\\general\\welcome.md", None),
    ("security/x.md", "#managers", None),
    ("security/x.md", "https://example.com/a.md", None),
    ("security/x.md", "mailto:ann@example.com", None),
    ("security/x.md", "//example.com/a.md", None),
    ("security/x.md", "http://[x", None),
    ("security/x.md", "..", None),
])
def test_a_links_path_in_the_folder(rel: str, url: str, path: str | None) -> None:
    assert link_path(rel, url) == path


@pytest.mark.parametrize(("path", "lesson"), [
    ("security/passwords.md", True), ("a.MARKDOWN", True), ("handouts/list.pdf", False),
    ("README.md", False), ("_drafts/a.md", False), ("security/_a.md", False),
    (".hidden/a.md", False), ("notes.txt", False)])
def test_which_paths_are_lessons(path: str, lesson: bool) -> None:
    assert is_lesson_path(path) is lesson


def test_a_link_path_with_a_space_is_warned_with_the_two_ways_to_write_it(
        library: Path) -> None:
    """Markdown does not read '[guide](my guide.md)' as a link (a path ends at a space):
    learners saw the words as typed; check warned of an image so written, not of a link."""
    body = ("See [the guide](my guide.md) first.\n\n"
            "Then [our wiki](https://example.com/team wiki \"Wiki\").\n")
    assert [(p.line, p.severity, p.message) for p in checked(body, root=library)] == [
        (3, W, "'[the guide](my guide.md)' is not read as a link: Markdown ends a link's path "
               "at a space, so learners see these words as typed; write the path in angle "
               "brackets, '[the guide](<my guide.md>)', or each space as %20, "
               "'[the guide](my%20guide.md)'"),
        (5, W, "'[our wiki](https://example.com/team wiki \"Wiki\")' is not read as a link: "
               "Markdown ends a link's path at a space, so learners see these words as typed; "
               "write the path in angle brackets, "
               "'[our wiki](<https://example.com/team wiki> \"Wiki\")', or each space as %20, "
               "'[our wiki](https://example.com/team%20wiki \"Wiki\")'")]
    # Written either way it is a link (warned of as any link to a file); in code, or escaped,
    # it is text meant as such; a title after the path is no space in it.
    fine = ("A [wiki](<https://example.com/team wiki>) and [site](https://example.com \"Home\")."
            "\n\n`[c](my guide.md)` and \\[d](my guide.md)\n\n"
            "```\n[e](my guide.md)\n```\n\n    [f](my guide.md)\n")
    assert checked(fine, root=library) == []
