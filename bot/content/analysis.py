"""Text analysis shared by indexing and querying: normalise, tokenise, drop stop words, stem.

Indexing and querying must analyse text identically, so both go through :class:`Analyzer`.
"""

from __future__ import annotations

import re
import unicodedata

import Stemmer

# Function words plus the filler of how learners ask ("how do I ...", "tell me about ...").
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can cannot could did do does doing done down during each else etc ever
every few for from further get gets getting got had has have having he her here hers herself him
himself his how i if in into is it its itself just let lets like may me might mine more most must
my myself nor not now of off on once one only or other ought our ours ourselves out over own
please really same shall she should so some such than that the their theirs them themselves then
there these they this those through thus to too under until up upon us very via want wanted wants
was way ways we were what whats when where whether which while who whom whose why will with would
you your yours yourself yourselves im ive id youre dont doesnt didnt cant wont isnt arent s t ll ve
re d m tell explain show know need needs learn learning anything something someone thing things
don doesn didn isn aren wasn weren haven hasn hadn shouldn couldn wouldn mustn needn
theres heres thats theyre wasnt werent couldnt shouldnt wouldnt hasnt havent hadnt hes shes weve
youve theyve youll theyll itll wheres whos hows pls plz
hi hello hey thanks thank ok okay best good quick quickly exactly rather quite
""".split())

_WORD = re.compile(r"[^\W_]+")
_PLAIN_WORD = re.compile(r"\w+")
# Possessive quantifiers: without them the engine backtracks through every word (3x slower).
_COMPOUND = re.compile(r"\b[^\W_]++(?:[-'’._][^\W_]++)+")  # noqa: RUF001 - typographic apostrophe
_JOINERS = re.compile(r"[-'’._]")  # noqa: RUF001 - typographic apostrophe


def fold(text: str) -> str:
    """Lower-case and strip accents so 'Résumé' and 'resume' meet."""
    text = text.casefold()
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKD", text):
        text = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", text)  # text already decomposed (NFD) has its accents apart too


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Stop words and single letters never make a term (single digits do: "2 factors").
_DROP = STOP_WORDS | frozenset("abcdefghijklmnopqrstuvwxyz")


# British spellings become American before stemming, on both sides, so "prioritise" finds
# "prioritize", "colour" finds "color" and "catalogue" finds "catalog" (Snowball keeps them apart).
_SPELLING = [
    (re.compile(r"(?<=\w\w)is(e|es|ed|ing|er|ers|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=\w\w)ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=\w\w\w)our(s|ed|ing|ite|ites|able|ful)?$"), r"or\1"),
    (re.compile(r"(?<=\w\w\w)tre(s)?$"), r"ter\1"),
    (re.compile(r"(?<=\w\w\w)ogue(s)?$"), r"og\1"),
    (re.compile(r"(?<=\w\w\w)ence(s)?$"), r"ense\1"),
    (re.compile(r"(?<=\w\w\w)mme(s)?$"), r"m\1"),
]
_SPELLING_HINT = re.compile(r"(?:is|ys)(?:e|es|ed|ing|er|ers|ation|ations)$|our|tre|ogue|ence|mme")


def americanize(word: str) -> str:
    """The American spelling of a folded British word, or the word itself."""
    if len(word) < 5 or not _SPELLING_HINT.search(word):
        return word
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


class Analyzer:
    """Turns text into index terms: folded, stop words removed, spelling unified (British to
    American), Snowball-stemmed (English)."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._stems: dict[str, str] = {}

    def stem(self, word: str) -> str:
        """The index term of one folded word."""
        stem = self._stems.get(word)
        if stem is None:
            stem = str(self._stemmer.stemWord(americanize(word)))
            if len(self._stems) < 500_000:
                self._stems[word] = stem
        return stem

    @staticmethod
    def words(text: str, compounds: bool = True) -> list[str]:
        """Folded surface words of ``text``, stop words included.

        Compounds joined by '-', '.', '_' or an apostrophe yield their parts and then the joined
        form, so "e-mail" matches "email" and "mail", and "child_process" matches "childprocess".
        """
        text = fold(text)
        words = _WORD.findall(text)
        if not compounds:
            return words
        for compound in _COMPOUND.findall(text):
            joined = _JOINERS.sub("", compound)
            if len(joined) <= 24:
                words.append(joined)
        return words

    @staticmethod
    def plain_words(text: str) -> list[str]:
        """Folded words as plain BM25 sees them: nothing dropped, nothing stemmed, ``_`` kept
        (``__main__``, ``child_process``)."""
        return _PLAIN_WORD.findall(fold(text))

    @staticmethod
    def compounds(text: str) -> dict[str, list[str]]:
        """The joined form that :meth:`words` adds for each compound of ``text``, with the
        compound's content words ("in-place" -> {"inplace": ["place"]}; "e-mail" ->
        {"email": ["mail"]})."""
        found: dict[str, list[str]] = {}
        for compound in _COMPOUND.findall(fold(text)):
            parts = [word for word in _WORD.findall(compound) if word not in _DROP]
            found.setdefault(_JOINERS.sub("", compound), []).extend(parts)
        return found

    def analyze(self, text: str, compounds: bool = True) -> tuple[list[str], list[str]]:
        """(index terms in order, distinct content words) of ``text``.

        ``compounds=False`` skips the joined forms of compounds: for long text, where they cost
        a third of the time and rarely add a word that the text does not also have whole.
        """
        kept = [word for word in self.words(text, compounds) if word not in _DROP]
        stems = self._stems
        return ([stems.get(word) or self.stem(word) for word in kept],
                list(dict.fromkeys(kept)))

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text`` in order: stop words and 1-letter words dropped, stemmed."""
        return self.analyze(text)[0]

    def content_words(self, text: str) -> list[str]:
        """Surface words that carry meaning (no stop words), in order, without duplicates."""
        return self.analyze(text)[1]
