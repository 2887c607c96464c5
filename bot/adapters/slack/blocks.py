"""Neutral outbound messages as Slack Block Kit: one job, no network.

Lessons and lookups get a header, a context line (minutes, track, goal), the lesson's image when it
is a URL, and the body as mrkdwn sections; questions get answer buttons; the App Home gets the
learner's streak, points, badges and next lesson. Every other kind is its plain template, escaped
for mrkdwn, in sections. Every text that is not our own markup is escaped (``& < >`` only), and
every Block Kit limit is kept (3,000 characters a section, 150 a header, 75 a button, 50 blocks a
message), so a learner's or trainer's odd text can never make Slack refuse a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.slack.mrkdwn import escape, from_markdown, inline
from bot.engine.messages import Kind, Outbound
from bot.rendering.renderer import Renderer

Block = dict[str, Any]

SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
CONTEXT_ELEMENTS = 10
MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
FALLBACK_TEXT = 300
"""The notification text (``text`` beside ``blocks``): a preview, not the message."""
ANSWER_ACTION = "answer"
"""Answer buttons' ``action_id`` prefix: ``answer-0``, ``answer-1``, ... (unique in a block)."""
COMMAND_ACTION = "command"
"""App Home buttons' ``action_id`` prefix; the value is the words to run (``lesson``)."""
RESULT_BLOCK = "result"


@dataclass(frozen=True)
class SlackMessage:
    """One ``chat.postMessage``: notification text and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)
    ask_id: int | None = None
    """The ask its buttons answer, for questions."""


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


def _split(paragraph: str, limit: int) -> list[str]:
    """A paragraph longer than a section, cut at line ends or spaces (never inside an entity)."""
    pieces: list[str] = []
    while len(paragraph) > limit:
        window = paragraph[:limit]
        at = max(window.rfind("\n"), window.rfind(" "))
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
    """An image block when the lesson's image is a URL Slack can fetch (local files are not
    uploaded: docs/slack.md)."""
    if not url or not url.startswith(("https://", "http://")) or len(url) > 3000:
        return []
    return [{"type": "image", "image_url": url, "alt_text": cut(alt or "image", 2000)}]


def fit(blocks: list[Block], limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """At most ``limit`` blocks; a note says when the end was cut."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[:limit - 1], context("_(cut here: too long for one Slack message)_")]


def fallback(text: str) -> str:
    """Notification text from escaped mrkdwn: one line, short."""
    return cut(" ".join(text.replace("*", "").split()), FALLBACK_TEXT) or "microlearn"


# -- kinds -------------------------------------------------------------------------------------

def lesson_blocks(lesson: Any, note: str | None = None) -> list[Block]:
    """Header, context (minutes, track, goal), image, body."""
    facts = [f":stopwatch: {int(lesson.minutes)} min"]
    if lesson.track:
        facts.append(f"Track: *{escape(str(lesson.track).replace('-', ' '))}*")
    if lesson.objective:
        facts.append(f"Goal: {escape(lesson.objective)}")
    blocks = [header(lesson.title), context(*facts),
              *image(lesson.image, lesson.title), *sections(from_markdown(lesson.body))]
    if note:
        blocks.append(context(note))
    return blocks


def lesson_message(data: Mapping[str, Any]) -> SlackMessage:
    lesson = data["lesson"]
    count = len(lesson.questions)
    note = (f"{count} question{'s' if count > 1 else ''} from this lesson will come back for "
            "review, from your next workday on." if count else None)
    return SlackMessage(fallback(f"Today's lesson: {escape(lesson.title)}"),
                        lesson_blocks(lesson, note))


def lookup_message(data: Mapping[str, Any]) -> SlackMessage:
    lesson = data["lesson"]
    blocks: list[Block] = []
    corrections: Mapping[str, str] = data.get("corrections") or {}
    if corrections:
        read = ", ".join(f"{escape(typed)} → {escape(used)}" for typed, used in corrections.items())
        blocks.append(context(f"I read: {read}"))
    blocks += lesson_blocks(lesson)
    others: Sequence[Any] = data.get("others") or ()
    if others:
        titles = "; ".join(f"“{escape(other.title)}”" for other in others)
        blocks.append(context(f"Related: {titles} (type *learn* and a title)"))
    return SlackMessage(fallback(escape(lesson.title)), blocks)


def question_message(data: Mapping[str, Any], buttons: Sequence[Any]) -> SlackMessage:
    """The question, its numbered choices, and one button per choice.

    A select-all question gets no buttons (a button answers one choice): the learner types the
    numbers, as the hint says.
    """
    lesson, question, ask_id = data["lesson"], data["question"], int(data["ask_id"])
    several = len(question.correct_indexes) > 1
    lines = [f"*Question* · {escape(lesson.title)}", inline(question.text)]
    if question.detail:
        lines.append(inline(question.detail))
    choices = "\n".join(f"{index}) {inline(choice.text)}"
                        for index, choice in enumerate(question.choices, start=1))
    blocks = [*sections(["\n".join(lines), choices])]
    if buttons and not several:
        elements = [{"type": "button", "action_id": f"{ANSWER_ACTION}-{index}",
                     "text": plain(f"{index + 1}) {button.label}", BUTTON_TEXT),
                     "value": button.value[:2000]}
                    for index, button in enumerate(buttons[:25])]
        blocks.append({"type": "actions", "block_id": f"ask-{ask_id}", "elements": elements})
        hint = "Press a button, or type the number."
    else:
        hint = ("Select all that apply: type every right number, like *1 3*." if several
                else "Type the number (or letter).")
    blocks.append(context(hint))
    return SlackMessage(fallback(f"Question: {inline(question.text)}"), blocks, ask_id)


def feedback_blocks(data: Mapping[str, Any]) -> list[Block]:
    """Right or not, the right answer, the explanation, points."""
    question = data["question"]
    if data["correct"]:
        lines = [":white_check_mark: *Right!*"]
    else:
        right = "; ".join(f"{index + 1}) {inline(question.choices[index].text)}"
                          for index in question.correct_indexes)
        lines = [f":x: *Not quite.* The answer: {right}"]
    if question.explanation:
        lines.append(inline(question.explanation))
    if data.get("mastered"):
        lines.append(":trophy: You have mastered this question: it will rest for a long while.")
    return [*sections(["\n".join(lines)]), context(f"Points: *{int(data['points'])}*")]


def feedback_message(data: Mapping[str, Any]) -> SlackMessage:
    blocks = feedback_blocks(data)
    return SlackMessage(fallback("Right!" if data["correct"] else "Not quite."), blocks)


def answered_blocks(original: Sequence[Block], chosen: str, result: list[Block]) -> list[Block]:
    """A question message after its answer: the buttons replaced by the choice and the result."""
    kept = [block for block in original
            if block.get("type") not in ("actions",) and block.get("block_id") != RESULT_BLOCK
            and not (block.get("type") == "context" and _is_hint(block))]
    answer = context(f"You answered: *{escape(chosen)}*")
    answer["block_id"] = RESULT_BLOCK
    return fit([*kept, answer, *result])


def _is_hint(block: Block) -> bool:
    elements = block.get("elements") or []
    return bool(elements) and str(elements[0].get("text", "")).startswith(
        ("Press a button", "Type the number", "Select all"))


def when(moment: datetime | None, zone_name: str) -> str:
    """A time Slack shows in the reader's own time zone, with a fallback in the learner's."""
    if moment is None:
        return "not planned (you are on holiday, or daily messages are off)"
    try:
        local = moment.astimezone(ZoneInfo(zone_name))
    except (KeyError, ValueError):
        local = moment
    fallback_text = local.strftime("%a %d %b, %H:%M")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback_text}>"


def profile_lines(data: Mapping[str, Any]) -> list[str]:
    learner, streak = data["learner"], data["streak"]
    days = "day" if streak.current == 1 else "days"
    freezes = (f", {streak.freezes} streak freeze{'s' if streak.freezes > 1 else ''} in reserve"
               if streak.freezes else "")
    badges = ", ".join(escape(name) for name in data["badges"]) or "none yet"
    lines = [
        f":fire: *Streak:* {streak.current} {days} (best {streak.longest}){freezes}",
        f":star: *Points:* {int(data['points'])} ({int(data['week_points'])} this week)",
        f":books: *Lessons:* {data['lessons_read']} of {data['lessons_total']} read; "
        f"{data['mastered']} question{'s' if data['mastered'] != 1 else ''} mastered",
        f":medal: *Badges:* {badges}",
        f":calendar: *Next lesson:* {when(learner.next_lesson_at, learner.time_zone)}",
    ]
    if learner.paused:
        lines.append("You are on holiday: type *resume* when you are back.")
    elif learner.stopped:
        lines.append("Daily messages are off: type *resume* to turn them on.")
    return lines


def profile_message(data: Mapping[str, Any]) -> SlackMessage:
    name = data["learner"].display_name or "You"
    blocks = [section(f"*{escape(name)}*"), *sections(["\n".join(profile_lines(data))])]
    return SlackMessage(fallback(f"{escape(name)}: {int(data['points'])} points"), blocks)


def home_view(profile: Mapping[str, Any] | None) -> dict[str, Any]:
    """The App Home tab: the learner's standing, and buttons for the everyday words."""
    blocks: list[Block] = [header("microlearn")]
    if profile is not None:
        learner = profile["learner"]
        blocks.append(context(f"Lessons at {escape(learner.lesson_time)}, review questions at "
                              f"{escape(learner.quiz_time)} ({escape(learner.time_zone)}), "
                              f"on {escape(', '.join(learner.workdays))}"))
        blocks += sections(["\n".join(profile_lines(profile))])
    else:
        blocks.append(section("One short lesson each workday, and quiz questions that come "
                              "back just before you would forget."))
    buttons = [("Today's lesson", "lesson"), ("Quiz me", "quiz"), ("Leaderboard", "top"),
               ("Help", "help")]
    blocks.append(divider())
    blocks.append({"type": "actions", "block_id": "home-commands", "elements": [
        {"type": "button", "action_id": f"{COMMAND_ACTION}-{value}", "text": plain(label, 75),
         "value": value} for label, value in buttons]})
    blocks.append(context("Or write to me in *Messages*: ask anything, like "
                          "“how do I spot a phishing email?”, or type *help*."))
    return {"type": "home", "blocks": fit(blocks, HOME_BLOCKS)}


# -- the whole delivery ------------------------------------------------------------------------

class BlockRenderer:
    """Turns one delivery's outbound messages into Slack messages.

    Consecutive messages without buttons are joined into one Slack message (fewer notifications,
    and fewer sends under Slack's one-message-a-second pace); a question stands alone, so its
    message can be updated with the result when it is answered.
    """

    def __init__(self) -> None:
        self.text = Renderer(escape=escape)

    def message(self, outbound: Outbound) -> SlackMessage:
        data = outbound.data
        if outbound.kind is Kind.LESSON:
            return lesson_message(data)
        if outbound.kind is Kind.LOOKUP:
            return lookup_message(data)
        if outbound.kind is Kind.QUESTION:
            return question_message(data, outbound.buttons)
        if outbound.kind is Kind.FEEDBACK:
            return feedback_message(data)
        if outbound.kind is Kind.PROFILE:
            return profile_message(data)
        text = self.text.render(outbound)
        return SlackMessage(fallback(text), sections(text.split("\n\n")))

    def messages(self, outbounds: Sequence[Outbound]) -> list[SlackMessage]:
        grouped: list[SlackMessage] = []
        joinable = False
        for outbound in outbounds:
            message = self.message(outbound)
            alone = message.ask_id is not None
            if (grouped and joinable and not alone
                    and len(grouped[-1].blocks) + 1 + len(message.blocks) <= MESSAGE_BLOCKS):
                last = grouped[-1]
                grouped[-1] = SlackMessage(last.text, [*last.blocks, divider(), *message.blocks])
            else:
                grouped.append(SlackMessage(message.text, fit(message.blocks), message.ask_id))
            joinable = not alone
        return grouped
