"""Fusion of lexical and semantic evidence, and the "is it an answer" decision."""

from __future__ import annotations

from bot.content.fusion import Evidence, decide, probability, rank


def test_a_lesson_that_both_means_and_says_it_ranks_first() -> None:
    ranked = rank([Evidence("meaning", 0.60, 0.2), Evidence("both", 0.58, 0.2, 1.0, 1.0, 9.0)],
                  hybrid=True)
    assert [r.evidence.lesson_id for r in ranked] == ["both", "meaning"]


def test_without_the_model_the_lexical_score_ranks() -> None:
    ranked = rank([Evidence("a", lexical=2.0, coverage=1.0, strength=0.5),
                   Evidence("b", lexical=5.0, coverage=1.0, strength=1.0)], hybrid=False)
    assert [r.evidence.lesson_id for r in ranked] == ["b", "a"]


def test_confidence_grows_with_similarity() -> None:
    low, high = (rank([Evidence("x", s, s - 0.2)], hybrid=True)[0].confidence
                 for s in (0.2, 0.8))
    assert 0.0 <= low < high <= 1.0


def test_silence_below_the_bar_and_weak_runners_up_dropped() -> None:
    ranked = rank([Evidence("a", 0.9, 0.5, 1.0, 1.0, 5.0), Evidence("b", 0.1, -0.3)],
                  hybrid=True)
    assert [r.evidence.lesson_id for r in decide(ranked, 3, 0.5)] == ["a"]
    assert decide(ranked, 3, 1.0) == []
    assert decide([], 3, 0.0) == []


def test_probability_is_bounded_for_extreme_inputs() -> None:
    assert probability((1.0, 1e6), (0.0, 1.0)) == 1.0 / (1.0 + 2.718281828459045 ** -30)
    assert probability((1.0, -1e6), (0.0, 1.0)) > 0.0


def test_the_first_result_carries_the_answer_models_confidence() -> None:
    candidate = (0.0,) * 10  # every candidate: probability 0.5
    answer = (2.0,) + (0.0,) * 12  # the answer: sigmoid(2)
    ranked = rank([Evidence("a", 0.9, 0.5, 1.0, 1.0, 5.0), Evidence("b", 0.5, 0.1)],
                  hybrid=True, coefficients=candidate, answer_coefficients=answer)
    assert round(ranked[0].confidence, 3) == round(probability((1.0,), (2.0,)), 3)
    assert ranked[1].confidence == 0.5
    assert [r.evidence.lesson_id for r in decide(ranked, 3, 0.85)] == ["a", "b"]
    assert decide(ranked, 3, 0.9) == []  # the bar is on the answer, not on the best lesson
