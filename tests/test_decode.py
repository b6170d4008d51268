"""The beam search, on a small model trained here on the user's essay."""

import kenlm
import pytest

from restore import Restorer, Settings
from restore.lm import lm_token
from benchmarks import scoring


def _path_score(restorer: Restorer, positions, path) -> float:
    """The search objective of a path, computed independently of the search."""
    model, settings = restorer.decoder.model, restorer.decoder.settings
    state, total = kenlm.State(), 0.0
    model.BeginSentenceWrite(state)
    for cands, j in zip(positions, path):
        token = lm_token(cands[j].word)
        out = kenlm.State()
        total += model.BaseScore(state, token, out) + settings.prior_weight * cands[j].logprior
        total += 0.0 if token in model else settings.oov_penalty
        state = out
    return total + model.BaseScore(state, "</s>", kenlm.State())


def test_a_model_trained_on_the_text_restores_it_better_than_most_frequent(essay_model, essay_sentences):
    restorer = Restorer(essay_model)
    searched = scoring.evaluate(essay_sentences, scoring.destem(restorer), restorer)
    frequent = scoring.evaluate(essay_sentences, scoring.MostFrequent(restorer), restorer)
    assert searched.words.percent > 97.0
    assert searched.words.percent > frequent.words.percent + 2


@pytest.mark.parametrize("narrow", [1, 2])
def test_a_wider_beam_never_finds_a_worse_path(essay_model, essay_sentences, narrow):
    wide = Restorer(essay_model, Settings(beam=16))
    small = Restorer(essay_model, Settings(beam=narrow))
    for sentence in essay_sentences[:150]:
        positions = [wide.candidates(t.stem) for t in sentence]
        wide_score = _path_score(wide, positions, wide.decoder.best_path(positions))
        small_score = _path_score(small, positions, small.decoder.best_path(positions))
        assert wide_score >= small_score - 1e-4


def test_explain_ranks_the_chosen_word_first_with_a_confidence(essay_model):
    restorer = Restorer(essay_model)
    tokens = "trotski organ red armi".split()
    restored = restorer.restore_tokens(tokens)
    assert [t.stem for t in restored] == tokens
    for t in restored:
        assert t.alternatives[0][0].lower() == t.word.lower()
        assert t.alternatives[0][1] == 0.0
        assert 0.0 < t.confidence <= 1.0


def test_case_follows_the_neighbouring_word(default_restorer):
    words = [t.word for t in default_restorer.restore_tokens("red armi central committe wave red flag".split())]
    assert words[:4] == ["Red", "Army", "Central", "Committee"]
    assert words[5:] == ["red", "flag"]


def test_empty_and_punctuation_only_input(essay_model):
    restorer = Restorer(essay_model)
    assert restorer.restore_tokens([]) == []
    assert [t.word for t in restorer.restore_tokens([".", ",", "("])] == [".", ",", "("]
