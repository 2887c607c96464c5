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

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
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
    """The sentences of ``text`` (split after . ! ? and at line breaks)."""
    return [part.strip() for part in _SENTENCE.split(text) if part and part.strip()]


SCAN_SENTENCES = 40
"""Sentences looked at for the ones that ask: enough for a chatty message, bounded for a paste."""


def clean_question(text: str) -> str:
    """``text`` without greetings, thanks and leading filler, at most a few sentences.

    People often give the context first and ask last ("I'm new here. I started on Monday. ...
    How do I report a phishing mail?"), so the sentences that ask (ending in "?") are always
    kept, and the rest of the few sentences kept are the first ones, in the text's order.
    When nothing but filler is left, the text is returned as it was (stripped): the caller
    then decides, as for any question, whether anything answers it.
    """
    meaningful: list[str] = []
    for sentence in sentences(text)[:SCAN_SENTENCES]:
        if _EMPTY.match(sentence):
            continue
        stripped = _LEAD.sub("", sentence).strip()
        if stripped:
            meaningful.append(stripped)
    if not meaningful:
        return text.strip()
    asking = [i for i, sentence in enumerate(meaningful) if sentence.endswith("?")]
    chosen = set(asking[:MAX_SENTENCES])
    for i in range(len(meaningful)):
        if len(chosen) >= MAX_SENTENCES:
            break
        chosen.add(i)
    return " ".join(meaningful[i] for i in sorted(chosen))


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
