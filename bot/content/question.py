"""What a learner actually asks: the question's content without greetings, thanks and filler.

People write to a bot the way they write to a colleague: "Hi! Quick question: I got a weird
mail from 'the CEO' asking for gift cards. Is that phishing? Thanks!". The greeting, the
"quick question" and the thanks carry nothing to match, and a sentence-embedding model reads
them as part of the meaning. :func:`clean_question` keeps the sentences that ask or tell
something, with their leading filler removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from bot.content.analysis import fold

MAX_SENTENCES = 4
"""A question is a few sentences; later ones of a pasted text add little and cost time."""

_SENTENCE = re.compile(
    r"(?<=[.!?])\s+|\n+|(?<![^\S\n])[^\S\n]+(?:-{3,}|_{3,}|={3,})\s+")
"""Sentences end after . ! ? and at line breaks, and at a separator line pasted into one line
("... Thanks, Anna --- can I claim this?": the question is a sentence of its own); a dash
("--") is not one. A separator is looked for only from the start of a line's run of spaces:
tried from each space of a long run, it cost seconds for a message of spaces."""
# Whole sentences that are only politeness or preamble.
_EMPTY = re.compile(
    r"^(hi|hello|hey|hiya|good (morning|afternoon|evening)|thanks?( you)?( (so|very) much)?|"
    r"thx|ty|cheers|please( help)?|help( me)?( please)?|quick question|question|sorry|ok(ay)?|"
    r"(any|some) (help|ideas?|tips?)( (is|are|would be) (much )?(appreciated|welcome))?|"
    r"(can|could) (you|someone|anyone) help( me)?( out)?( please)?|"
    r"i have a (quick )?question|many thanks( in advance)?|thanks in advance)"
    r"(\s+(all|everyone|team|guys|folks|bot))?[\s.!?,:;)(-]*$",
    re.IGNORECASE,
)
# Filler at the start of a sentence that does carry content.
_LEAD = re.compile(
    r"^((hi|hello|hey|so|um+|uh+|ok(ay)?|well|quick question|question|sorry)"
    r"(\s+(all|everyone|team|guys|folks|there|bot))?\b[\s,:;!.-]*)+|"
    r"^((can|could|would) (you|someone|anyone) (please )?(tell|show|explain to|help) me\b"
    r"|i (was )?(want|wanted|need|needed|would like|'d like) to know\b"
    r"|i (was )?wonder(ing)?\b|do you know\b|tell me\b|explain\b|please\b)[\s,:]*",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split after . ! ?, at line breaks and at separators)."""
    return [part.strip() for part in _SENTENCE.split(text) if part and part.strip()]


SCAN_SENTENCES = 40
"""Sentences looked at for the ones that ask: enough for a chatty message, bounded for a paste.
The last ``SCAN_TAIL`` of them are always among them: a pasted mail is often asked about at
its end ("... Is this phishing?")."""
SCAN_TAIL = 10
MAX_TEXT = 8000
"""Characters of a message read: its first and last halves of this (a pasted page costs no more
than a long question, and a question before or after the paste is kept)."""
MAX_SENTENCE = 400
"""Characters kept of one sentence: a paste without full stops is one long "sentence", and
lookup reads a question's first words (32 of them, 128 word pieces for the model)."""
LONG = 300
"""Characters of what a text says beyond which it is read in several ways (see
:func:`readings`). Read whole, a paste drowns the question: few of its words are in any lesson,
so no lesson covers what was asked."""


def clean_question(text: str) -> str:
    """``text`` without greetings, thanks and leading filler, at most a few sentences: the
    first of :func:`readings`."""
    return readings(text)[0]


def readings(text: str) -> list[str]:
    """The ways to read ``text`` as a question, the usual one first.

    The usual one is ``text`` without greetings, thanks and leading filler, at most a few
    sentences. People often give the context first and ask last ("I'm new here. I started on
    Monday. ... How do I report a phishing mail?"), so the sentences that ask (ending in "?")
    are always kept, and the rest of the few sentences kept are the first ones, in the text's
    order. When nothing but filler is left, the text is returned as it was (stripped, and cut
    as a long text is): the caller then decides, as for any question, whether anything
    answers it.

    A long text (:data:`LONG`) with questions in it is mostly a paste with a question about
    it, and no one reading serves every such text: "<a mail> Is this phishing?" is read best
    by its question alone, "<a mail> What should I do?" needs the mail, and a mail may ask
    questions of its own before the learner's. So it is read with its asking sentences first,
    then the text (the usual reading), and also by its last asking sentences alone; lookup
    takes the reading it is surest of. (Its first asking sentences alone were a third
    reading: a mail's own "Could you reply by Friday?" then answered with a lesson.)
    """
    if len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT // 2]}\n{text[-(MAX_TEXT // 2):]}"
    parts = sentences(text)
    if len(parts) > SCAN_SENTENCES:
        parts = parts[:SCAN_SENTENCES - SCAN_TAIL] + parts[-SCAN_TAIL:]
    meaningful: list[str] = []
    asking: list[int] = []
    for sentence in parts:
        if _EMPTY.match(sentence):
            continue
        stripped = _LEAD.sub("", sentence).strip()
        if stripped:
            if stripped.endswith("?"):
                asking.append(len(meaningful))
            meaningful.append(cut_at_word(stripped))
    if not meaningful:
        return [cut_at_word(text.strip(), MAX_TEXT // 4)]
    chosen = set(asking[:MAX_SENTENCES])
    for i in range(len(meaningful)):
        if len(chosen) >= MAX_SENTENCES:
            break
        chosen.add(i)
    order = sorted(chosen)
    if sum(len(sentence) for sentence in meaningful) <= LONG or not asking:
        return [" ".join(meaningful[i] for i in order)]
    order.sort(key=lambda i: i not in asking)  # stable: each group keeps its order
    found = [" ".join(meaningful[i] for i in order),
             " ".join(meaningful[i] for i in _last_run(asking))]
    return list(dict.fromkeys(found))


def _last_run(asking: list[int]) -> list[int]:
    """The last sentences that ask one after the other: a learner's question is often two
    ("Is this phishing? What should I do with it?")."""
    run = [asking[-1]]
    for i in asking[-2::-1][:MAX_SENTENCES - 1]:
        if run[-1] - i != 1:
            break
        run.append(i)
    return sorted(run)


def cut_at_word(sentence: str, limit: int = MAX_SENTENCE) -> str:
    """``sentence`` cut to ``limit`` characters, at a space in its second half where there is
    one."""
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


_WORD = re.compile(r"[^\W_]+")  # words as analysis splits them: "child_proces" is two


def with_corrections(text: str, corrections: Mapping[str, str]) -> str:
    """``text`` with each misspelt word replaced by its correction (keys are folded words, as
    lexical lookup reports them: ``{"pasword": "password"}``).

    The embedding model reads a question as word pieces: "direcotry" falls apart into pieces
    that mean nothing, while lexical lookup already knows the word the learner meant. Text
    whose accents come as separate marks (as some keyboards send it) is composed first, so
    that a word is not cut at its accent."""
    if not corrections:
        return text
    text = unicodedata.normalize("NFC", text)
    return _WORD.sub(lambda m: corrections.get(fold(m.group()), m.group()), text)


def for_model(text: str) -> str:
    """``text`` as the embedding model should read it: compatibility forms folded as lexical
    lookup folds them (full-width letters, as some keyboards type them, are letters; the "fi"
    ligature is "fi"), and emoji and other pictographs made spaces. The model cuts words only
    at spaces and punctuation, so "password🔑manager" was one unknown word to it."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(" " if not char.isascii() and unicodedata.category(char) in _PICTURES
                   else char for char in text)  # "HEAD^" and backticks are kept


_PICTURES = frozenset({"So", "Sk", "Cf", "Co", "Cs"})
"""Symbols (emoji, dingbats), their modifiers and joiners, private and broken characters."""
