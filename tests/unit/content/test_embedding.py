"""The numpy MiniLM: its tokenizer, its vectors, and a model file that cannot be read."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest

from bot.content.catalog import Catalog
from bot.content.embedding import (
    MiniLM,
    ModelUnavailable,
    WordPiece,
    bundled_model_path,
    bundled_vocabulary,
)
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return MiniLM.load()


def test_wordpiece_splits_punctuation_accents_and_subwords() -> None:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "cafe", "un", "##do", "!", "git"]
    tokenizer = WordPiece(vocab)
    assert tokenizer.encode("Café undo!") == [2, 4, 5, 6, 7, 3]
    assert tokenizer.encode("qqq git") == [2, 1, 8, 3]


def test_wordpiece_cuts_long_text_to_the_limit() -> None:
    tokenizer = WordPiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"])
    ids = tokenizer.encode("a " * 500, limit=16)
    assert len(ids) == 16
    assert ids[0] == 2 and ids[-1] == 3


def test_a_word_is_known_when_it_is_one_token_of_the_vocabulary(model: MiniLM) -> None:
    assert model.knows("password") and model.knows("Desk")
    assert not model.knows("pasword")  # read as pieces: a misspelling, or a rare word
    assert not model.knows("pass word") and not model.knows("")


def test_vectors_are_unit_length_and_close_in_meaning(model: MiniLM) -> None:
    vectors = model.encode(["A man is eating food.", "A man is eating a piece of bread.",
                            "The girl is carrying a baby.", ""])
    assert numpy.allclose(numpy.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # The published all-MiniLM-L6-v2 similarity of these two sentences is 0.755.
    assert vectors[0] @ vectors[1] == pytest.approx(0.755, abs=0.01)
    assert vectors[0] @ vectors[2] < 0.1


def test_batching_does_not_change_a_vector(model: MiniLM) -> None:
    texts = ["report a phishing mail", "how do I change file permissions so others cannot read",
             "x"]
    together = model.encode(texts)
    alone = numpy.stack([model.encode([text])[0] for text in texts])
    assert numpy.allclose(together, alone, atol=1e-5)


def test_missing_or_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable):
        MiniLM.load(tmp_path / "absent.npz")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ModelUnavailable, match=r"is damaged .* reinstall microlearn") as caught:
        MiniLM.load(broken)
    assert "pickle" not in str(caught.value)  # numpy's words mean nothing to a user
    numpy.savez(tmp_path / "partial.npz", vocab=numpy.array("[CLS]\n[SEP]\n[UNK]"))
    with pytest.raises(ModelUnavailable):
        MiniLM.load(tmp_path / "partial.npz")
    cut = tmp_path / "cut.npz"  # a copy that stopped half-way, and an empty one
    cut.write_bytes(bundled_model_path().read_bytes()[:1_000_000])
    (tmp_path / "empty.npz").write_bytes(b"")
    for damaged in (cut, tmp_path / "empty.npz"):
        with pytest.raises(ModelUnavailable):
            MiniLM.load(damaged)


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04 cut short"])
def test_a_damaged_model_file_leaves_lookup_working_without_a_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    content: bytes,
) -> None:
    damaged = tmp_path / "minilm.npz"
    damaged.write_bytes(content)
    monkeypatch.setattr("bot.content.embedding.bundled_model_path", lambda: damaged)
    bundled_vocabulary.cache_clear()
    try:
        assert bundled_vocabulary() is None
        catalog = Catalog(SAMPLE)
        catalog.load()
        result = catalog.lookup("pasword managr")
        assert result.hits[0].lesson.id == "security/strong-passwords"
        assert "typo correction goes without its words" in caplog.text
    finally:
        bundled_vocabulary.cache_clear()  # the next caller reads the real file again
