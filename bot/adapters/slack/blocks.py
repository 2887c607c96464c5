"""Neutral outbound messages as Slack Block Kit: one job, no network.

Lessons and lookups get a header, a context line (minutes, track, goal), the lesson's image when it
is a URL, and the body as mrkdwn sections; questions get answer buttons; the App Home gets the
learner's streak, points, badges and next lesson. Every other kind is its plain template, escaped
for mrkdwn, in sections. The words around the blocks are templates too: Slack's own in
``templates/`` (in mrkdwn), the shared ones in ``bot/rendering/templates``. Every text that is not
our own markup is escaped (``& < >`` only), and every Block Kit limit is kept (3,000 characters a
section, 150 a header, 75 a button, 50 blocks a message), so a learner's or trainer's odd text
can never make Slack refuse a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.slack.mrkdwn import escape, from_markdown, inline
from bot.content.images import image_path
from bot.content.model import Lesson
from bot.messages import (
    AnswerGiven,
    Feedback,
    LessonLinks,
    LessonMessage,
    LookupAnswer,
    MyData,
    NoMatch,
    Outbound,
    Profile,
    QuestionMessage,
    RateLesson,
)
from bot.rendering.renderer import TEMPLATES, Renderer

Block = dict[str, Any]
OWN_TEMPLATES = Path(__file__).resolve().parent / "templates"

SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
CONTEXT_ELEMENTS = 10
MESSAGE_BLOCKS = 50
MESSAGE_TEXT = 11_000
"""Characters of text in one post: Slack refuses a post whose blocks hold more than about
12,000 (``msg_blocks_too_long``; undocumented, so with room to spare)."""
BLOCK_WEIGHT = 20
"""What a block itself counts towards ``MESSAGE_TEXT`` (Slack's buffer for containers)."""
MESSAGE_POSTS = 6
"""Posts one message may become before the rest is cut: a lesson is a few minutes' read."""
HOME_BLOCKS = 100
FALLBACK_TEXT = 300
"""The notification text (``text`` beside ``blocks``): a preview, not the message."""
ANSWER_ACTION = "answer"
"""Answer buttons' ``action_id`` prefix: ``answer-0``, ``answer-1``, ... (unique in a block)."""
LESSON_ACTION = "lesson"
"""A lesson's own buttons' ``action_id`` prefix: ``lesson-read`` ("Got it"), ``lesson-add``
("Add to my reviews"), ``lesson-up`` and ``lesson-down`` (its rating); the value is what the
engine gave (it names the lesson)."""
COMMAND_ACTION = "command"
"""App Home buttons' ``action_id`` prefix; the value is the words to run (``lesson``)."""
RESULT_BLOCK = "result"


class Mrkdwn(str):
    """Text already in mrkdwn (escaped, formatted): a template shows it as it is."""


def _escape(value: Any) -> str:
    """The templates' escaping: everything but :class:`Mrkdwn`."""
    return value if isinstance(value, Mrkdwn) else escape(value)


def when(moment: datetime, zone_name: str) -> str:
    """A time Slack shows in the reader's own time zone, with a fallback in the learner's."""
    try:
        local = moment.astimezone(ZoneInfo(zone_name))
    except (KeyError, ValueError):
        local = moment
    fallback_text = local.strftime("%a %d %b, %H:%M")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback_text}>"


@dataclass(frozen=True)
class SlackMessage:
    """One ``chat.postMessage``: notification text and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    ask_id: int | None = None
    """The ask its buttons answer, for questions."""
    upload: tuple[str, bytes] | None = None
    """A file (name, content) shared in the channel instead of a post, with ``text`` as its
    comment (a learner's `mydata`)."""
    photo: tuple[Path, str] | None = None
    """A lesson's local image (its file, the lesson's title) shared in the channel just before
    the post: an image block can show only a URL Slack can fetch."""


# -- small builders ----------------------------------------------------------------------------

def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in an ellipsis when cut, never inside an
    entity such as ``&amp;``."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head.rstrip() + "…"


def plain(text: str, limit: int, emoji: bool = True) -> dict[str, Any]:
    """A ``plain_text`` object (no markup, so no escaping), never empty."""
    return {"type": "plain_text", "text": cut(" ".join(text.split()) or "-", limit),
            "emoji": emoji}


def mrkdwn(text: str) -> dict[str, Any]:
    """A ``mrkdwn`` text object of already-escaped text."""
    return {"type": "mrkdwn", "text": cut(text, SECTION_TEXT) or " "}


def section(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> Block:
    """A context line of already-escaped mrkdwn pieces (empty pieces dropped)."""
    elements = [mrkdwn(text) for text in texts if text][:CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def divider() -> Block:
    return {"type": "divider"}


_MARKS = ("*", "`", "~")
"""mrkdwn's paired marks: a cut between a pair shows both as typed characters."""


def _cut_at(window: str) -> int:
    """Where to cut ``window``: the last line end or space (in its second half) outside any
    bold, code or struck-through span, else the last one; -1 when there is none."""
    least = len(window) // 2
    open_marks = {mark: window[:least].count(mark) % 2 for mark in _MARKS}
    outside = last = -1
    for at in range(least, len(window)):
        character = window[at]
        if character in " \n":
            last = at
            if not any(open_marks.values()):
                outside = at
        elif character in open_marks:
            open_marks[character] ^= 1
    return outside if outside != -1 else last


def _split(paragraph: str, limit: int) -> list[str]:
    """A paragraph longer than a section, cut at line ends or spaces, outside bold and code
    spans where it can (never inside an entity)."""
    pieces: list[str] = []
    while len(paragraph) > limit:
        window = paragraph[:limit]
        at = _cut_at(window)
        if at < limit // 2:
            at = limit
            amp = window.rfind("&")
            if amp != -1 and ";" not in window[amp:]:
                at = amp
        pieces.append(paragraph[:at].rstrip())
        paragraph = paragraph[at:].lstrip()
    if paragraph:
        pieces.append(paragraph)
    return pieces


def sections(paragraphs: Iterable[str], limit: int = SECTION_TEXT) -> list[Block]:
    """Escaped mrkdwn paragraphs packed into as few sections as the limit allows."""
    blocks: list[Block] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _split(paragraph, limit):
            if current and len(current) + 2 + len(piece) > limit:
                blocks.append(section(current))
                current = ""
            current = f"{current}\n\n{piece}" if current else piece
    if current:
        blocks.append(section(current))
    return blocks


def image(url: str | None, alt: str) -> list[Block]:
    """An image block when the lesson's image is a URL Slack can fetch (a local file is
    shared before the post: :attr:`SlackMessage.photo`)."""
    if not url or not url.startswith(("https://", "http://")) or len(url) > 3000:
        return []
    return [{"type": "image", "image_url": url, "alt_text": cut(alt or "image", 2000)}]


def fit(blocks: list[Block], note: str, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """At most ``limit`` blocks; ``note`` (escaped mrkdwn) says when the end was cut."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[:limit - 1], context(note)]


def fallback(text: str) -> str:
    """Notification text from escaped mrkdwn: one line, short."""
    return cut(" ".join(text.replace("*", "").split()), FALLBACK_TEXT) or "microlearn"


# -- the whole delivery ------------------------------------------------------------------------

class BlockRenderer:
    """Turns one delivery's outbound messages into Slack messages.

    Consecutive messages without buttons are joined into one Slack message (fewer notifications,
    and fewer sends under Slack's one-message-a-second pace); a question stands alone, so its
    message can be updated with the result when it is answered.
    """

    def __init__(self, lessons_dir: Path | None = None) -> None:
        self.lessons_dir = lessons_dir
        self.text = Renderer(escape=_escape, folders=(OWN_TEMPLATES, TEMPLATES))
        filters = self.text.environment.filters
        filters["inline"] = lambda source, links=(): Mrkdwn(inline(str(source),
                                                                   self.text.link_hints(links)))
        filters["slack_date"] = lambda moment, zone: Mrkdwn(when(moment, str(zone)))
        self._hints = frozenset(self.text.phrase("question_hint", buttons=buttons, several=several,
                                                 sure=sure, stated=stated)
                                for buttons in (False, True) for several in (False, True)
                                for sure in (False, True) for stated in (False, True))

    def phrase(self, name: str, **values: Any) -> str:
        """Words from a template, as escaped mrkdwn."""
        return self.text.phrase(name, **values)

    def fit(self, blocks: list[Block], limit: int = MESSAGE_BLOCKS) -> list[Block]:
        return fit(blocks, self.phrase("cut_note"), limit)

    # -- kinds ---------------------------------------------------------------------------------

    def message(self, outbound: Outbound) -> SlackMessage:
        match outbound:
            case LessonMessage():
                return self.lesson_message(outbound)
            case LookupAnswer():
                return self.lookup_message(outbound)
            case NoMatch(picks=picks) if picks:
                return self.no_match_message(outbound)
            case QuestionMessage():
                return self.question_message(outbound)
            case Feedback():
                return self.feedback_message(outbound)
            case Profile():
                return self.profile_message(outbound)
            case RateLesson():
                return self.rate_message(outbound)
            case MyData(filename=filename, content=content):
                return SlackMessage(cut(self.text.render(outbound), SECTION_TEXT),
                                    upload=(filename, content.encode("utf-8")))
        text = self.text.render(outbound)
        return SlackMessage(fallback(text), sections(text.split("\n\n")))

    def lesson_blocks(self, lesson: Lesson, note: str | None = None,
                      links: LessonLinks = ()) -> list[Block]:
        """Header, context (minutes, track, goal), image, body (its links to other lessons
        with how to open them: ``links``)."""
        facts = self.phrase("lesson_facts", lesson=lesson).split("\n")
        blocks = [header(lesson.title), context(*facts), *image(lesson.image, lesson.title),
                  *sections(from_markdown(lesson.body, self.text.link_hints(links)))]
        if note:
            blocks.append(context(note))
        return blocks

    def photo(self, lesson: Lesson) -> tuple[Path, str] | None:
        """The lesson's image as a file to share, when it is a local one that is there."""
        if not lesson.image or self.lessons_dir is None:
            return None
        path = image_path(self.lessons_dir, lesson.path, lesson.image)
        return (path, lesson.title) if path is not None and path.is_file() else None

    def lesson_message(self, message: LessonMessage) -> SlackMessage:
        lesson = message.lesson
        note = self.phrase("lesson_note", lesson=lesson) if lesson.questions else None
        return SlackMessage(fallback(self.phrase("lesson_preview", lesson=lesson)),
                            self.with_buttons(self.lesson_blocks(lesson, note, message.links),
                                              ("read", message.done)),
                            photo=self.photo(lesson))

    def lookup_message(self, message: LookupAnswer) -> SlackMessage:
        lesson = message.lesson
        blocks: list[Block] = []
        if message.corrections:
            blocks.append(context(self.phrase("lookup_read", corrections=message.corrections)))
        if message.unsure:
            blocks.append(context(self.phrase("lookup_unsure")))
        blocks += self.lesson_blocks(lesson, links=message.links)
        if message.others:
            blocks.append(context(self.phrase("lookup_related", others=message.others)))
        return SlackMessage(fallback(escape(lesson.title)),
                            self.with_buttons(blocks, ("add", message.add),
                                              ("notit", message.not_it)),
                            photo=self.photo(lesson))

    def no_match_message(self, message: NoMatch) -> SlackMessage:
        """"I have no lesson on ...", then a button for each lesson offered (``lesson-pick-N``:
        an action id must be unique within its block)."""
        text = self.text.render(message)
        buttons = [{"type": "button", "action_id": f"{LESSON_ACTION}-pick-{number}",
                    "text": plain(f"{number}. {title}", BUTTON_TEXT), "value": value[:2000]}
                   for number, (title, value) in enumerate(
                       zip(message.suggestions, message.picks, strict=False), 1)]
        return SlackMessage(fallback(text), [
            *sections(text.split("\n\n")),
            {"type": "actions", "block_id": f"{LESSON_ACTION}-{message.picks[0][:200]}",
             "elements": buttons}])

    def with_buttons(self, blocks: list[Block], *buttons: tuple[str, str]) -> list[Block]:
        """A lesson's blocks and, when the engine gave them, its buttons ("Got it", "Add to my
        reviews", "Not what I asked"; each a tag and the value the engine gave, none when it
        gave none) last: a long lesson is cut before them, never a button."""
        labels = dict(self.text.menu("buttons"))
        elements = []
        for tag, value in buttons:
            if not value:
                continue
            button = {"type": "button", "action_id": f"{LESSON_ACTION}-{tag}",
                      "text": plain(labels[tag], BUTTON_TEXT), "value": value[:2000]}
            if tag == "read":
                button["style"] = "primary"
            elements.append(button)
        if not elements:
            return blocks
        first = str(elements[0]["value"])
        return [*self.fit(blocks, MESSAGE_BLOCKS - 1),
                {"type": "actions", "block_id": f"{LESSON_ACTION}-{first[:200]}",
                 "elements": elements}]

    def rate_message(self, message: RateLesson) -> SlackMessage:
        """The question and its two buttons (``lesson-up``, ``lesson-down``) in one block,
        which the press replaces with its result."""
        text = self.text.render(message)
        labels = dict(self.text.menu("buttons"))
        buttons = [{"type": "button", "action_id": f"{LESSON_ACTION}-{tag}",
                    "text": plain(labels[tag], BUTTON_TEXT), "value": value[:2000]}
                   for tag, value in (("up", message.up), ("down", message.down))]
        return SlackMessage(fallback(text), [
            *sections([text]),
            {"type": "actions", "block_id": f"{LESSON_ACTION}-{message.up[:200]}",
             "elements": buttons}])

    def pressed_blocks(self, original: Sequence[Block], block_id: str,
                       result: Outbound) -> list[Block]:
        """A lesson message after its button was pressed: the button replaced by what the press
        did ("counts as read: +5 points")."""
        kept = [block for block in original if block.get("block_id") != block_id]
        done = context(f":white_check_mark: {self.text.render(result)}")
        done["block_id"] = f"{block_id}-done"[:255]
        return self.fit([*kept, done])

    def question_message(self, message: QuestionMessage) -> SlackMessage:
        """The question, its numbered choices, and one button per choice.

        A select-all question gets no buttons (a button answers one choice): the learner types
        the numbers, as the hint says.
        """
        question, ask_id, buttons = message.question, message.ask_id, message.buttons
        several = len(question.correct_indexes) > 1
        hints = self.text.link_hints(message.links)
        lines = [self.phrase("question_intro", lesson=message.lesson, number=message.number,
                             of=message.of, check=message.check), inline(question.text, hints)]
        if question.detail:
            lines.append(inline(question.detail, hints))
        choices = "\n".join(f"{index}) {inline(choice.text, hints)}"
                            for index, choice in enumerate(question.choices, start=1))
        blocks = [*sections(["\n".join(lines), choices])]
        pressable = bool(buttons) and not several
        levels = message.levels
        if pressable and levels:
            # How sure, in the same tap: a row of buttons per choice, one per level.
            for choice in range(len(question.choices)):
                row = buttons[choice * len(levels):(choice + 1) * len(levels)]
                blocks.append({"type": "actions", "block_id": f"ask-{ask_id}-{choice}",
                               "elements": [{
                                   "type": "button",
                                   "action_id": f"{ANSWER_ACTION}-{choice * len(levels) + n}",
                                   "text": plain(self.text.phrase(
                                       "confidence_button", number=choice + 1, level=level),
                                       BUTTON_TEXT),
                                   "value": button.value[:2000]}
                                   for n, (button, level) in enumerate(zip(row, levels,
                                                                           strict=True))]})
        elif pressable:
            elements = [{"type": "button", "action_id": f"{ANSWER_ACTION}-{index}",
                         "text": plain(f"{index + 1}) {button.label}", BUTTON_TEXT),
                         "value": button.value[:2000]}
                        for index, button in enumerate(buttons[:25])]
            blocks.append({"type": "actions", "block_id": f"ask-{ask_id}", "elements": elements})
        blocks.append(context(self.phrase("question_hint", buttons=pressable, several=several,
                                          sure=bool(levels), stated=question.says_select_all)))
        return SlackMessage(fallback(self.phrase("question_preview", question=question,
                                                  links=message.links)), blocks,
                            ask_id)

    def feedback_blocks(self, feedback: Feedback) -> list[Block]:
        """Right or not, the right answer, the explanation, points."""
        result = self.phrase("feedback_result", correct=feedback.correct,
                             skipped=feedback.skipped,
                             question=feedback.question, mastered=feedback.mastered,
                             confidence=feedback.confidence, slipping=feedback.slipping,
                             lesson=feedback.lesson, links=feedback.links)
        return [*sections([result]), context(self.phrase("feedback_points", points=feedback.points,
                                               earned=feedback.earned,
                                               mastered_points=feedback.mastered_points,
                                               practice=feedback.practice))]

    def feedback_preview(self, feedback: Feedback) -> str:
        """The notification text of a feedback: right or not."""
        return fallback(self.phrase("feedback_title", correct=feedback.correct,
                                    skipped=feedback.skipped))

    def feedback_message(self, feedback: Feedback) -> SlackMessage:
        return SlackMessage(self.feedback_preview(feedback), self.feedback_blocks(feedback))

    def answered_blocks(self, original: Sequence[Block], chosen: str,
                        result: list[Block]) -> list[Block]:
        """A question message after its answer: the buttons replaced by the choice and the
        result."""
        kept = [block for block in original
                if block.get("type") not in ("actions",) and block.get("block_id") != RESULT_BLOCK
                and not (block.get("type") == "context" and self._is_hint(block))]
        answer = context(self.phrase("answered", chosen=chosen))
        answer["block_id"] = RESULT_BLOCK
        return self.fit([*kept, answer, *result])

    def answer_recap(self, given: AnswerGiven) -> Mrkdwn:
        """An answer as the learner gave it, typed or pressed: "2) Report it · sure", or
        the skip; mrkdwn already escaped, so :meth:`answered_blocks` does not escape it again
        ("Tr0ub4dor&amp;amp;3")."""
        return Mrkdwn(self.phrase("answer_given", picked=given.picked(),
                                  confidence=given.confidence))

    def _is_hint(self, block: Block) -> bool:
        elements = block.get("elements") or []
        return bool(elements) and str(elements[0].get("text", "")) in self._hints

    def profile_lines(self, profile: Profile) -> str:
        return self.phrase("profile_lines", **_fields(profile))

    def profile_message(self, profile: Profile) -> SlackMessage:
        blocks = [section(self.phrase("profile_name", learner=profile.learner)),
                  *sections([self.profile_lines(profile)])]
        return SlackMessage(fallback(self.phrase("profile_preview", learner=profile.learner,
                                                 points=profile.points)), blocks)

    def home_view(self, profile: Profile | None) -> dict[str, Any]:
        """The App Home tab: the learner's standing, and buttons for the everyday words."""
        blocks: list[Block] = [header("microlearn")]
        if profile is not None:
            blocks.append(context(self.phrase("home_settings", learner=profile.learner)))
            blocks += sections([self.profile_lines(profile)])
        else:
            blocks.append(section(self.phrase("home_invite")))
        blocks.append(divider())
        blocks.append({"type": "actions", "block_id": "home-commands", "elements": [
            {"type": "button", "action_id": f"{COMMAND_ACTION}-{value}", "text": plain(label, 75),
             "value": value} for value, label in self.text.menu("home_commands")]})
        blocks.append(context(self.phrase("home_footer")))
        return {"type": "home", "blocks": self.fit(blocks, HOME_BLOCKS)}

    def sorry(self, lost: bool = False) -> SlackMessage:
        """The polite answer when handling an event failed (``lost``: only its reply)."""
        name = "reply_lost" if lost else "sorry"
        return SlackMessage(self.phrase(f"{name}_preview"), [section(self.phrase(name))])

    # -- the whole delivery --------------------------------------------------------------------

    def messages(self, outbounds: Sequence[Outbound]) -> list[SlackMessage]:
        grouped: list[SlackMessage] = []
        joinable = False
        for outbound in outbounds:
            message = self.message(outbound)
            alone = message.ask_id is not None or message.upload is not None
            # A message with a photo starts a post (the photo is shared just before it); what
            # follows may join it.
            if (grouped and joinable and not alone and message.photo is None
                    and len(grouped[-1].blocks) + 1 + len(message.blocks) <= MESSAGE_BLOCKS):
                last = grouped[-1]
                grouped[-1] = SlackMessage(last.text, [*last.blocks, divider(), *message.blocks],
                                           photo=last.photo)
            else:
                grouped.append(message)
            joinable = not alone
        return [part for message in grouped for part in self.posts(message)]

    def posts(self, message: SlackMessage) -> list[SlackMessage]:
        """``message`` as the posts Slack takes: at most ``MESSAGE_BLOCKS`` blocks and
        ``MESSAGE_TEXT`` characters of text each (a long lesson goes as several posts, its
        picture with the first, its buttons with the last); past ``MESSAGE_POSTS`` posts the
        rest is cut, saying so."""
        posts: list[list[Block]] = [[]]
        size = 0
        for block in message.blocks:
            weight = _weight([block])
            if posts[-1] and (size + weight > MESSAGE_TEXT
                              or len(posts[-1]) == MESSAGE_BLOCKS):
                posts.append([])
                size = 0
            posts[-1].append(block)
            size += weight
        if len(posts) > MESSAGE_POSTS:
            # The last post kept ends with the cut note and the message's buttons.
            tail = [context(self.phrase("cut_note")),
                    *[block for block in posts[-1] if block.get("type") == "actions"][-1:]]
            last = posts[MESSAGE_POSTS - 1]
            while last and (_weight(last) + _weight(tail) > MESSAGE_TEXT
                            or len(last) + len(tail) > MESSAGE_BLOCKS):
                last.pop()
            posts = [*posts[:MESSAGE_POSTS - 1], [*last, *tail]]
        final = len(posts) - 1
        return [SlackMessage(
            message.text if number == 0 else self.phrase(
                "continued", text=message.text, part=number + 1, parts=len(posts)),
            blocks,
            message.ask_id if number == final else None,
            message.upload if number == final else None,
            message.photo if number == 0 else None) for number, blocks in enumerate(posts)]


def _weight(blocks: list[Block]) -> int:
    """What ``blocks`` count towards ``MESSAGE_TEXT``."""
    return sum(_text_size(block) + BLOCK_WEIGHT for block in blocks)


def _text_size(block: Any) -> int:
    """The characters of text in a block (Slack counts them over a whole post)."""
    if isinstance(block, str):
        return len(block)
    if isinstance(block, dict):
        return sum(_text_size(value) for key, value in block.items()
                   if key in ("text", "alt_text", "elements", "fields", "title"))
    if isinstance(block, list):
        return sum(_text_size(item) for item in block)
    return 0


def _fields(message: Outbound) -> dict[str, Any]:
    return {item.name: getattr(message, item.name) for item in fields(message)}
