"""The search core and its scorers, on a tiny model built from the essay."""

from __future__ import annotations

import kenlm
import pytest

from restore import Restorer, Settings, scorers
from restore.lm import lm_token
from restore.search import Search
from restore.settings import Words

pytestmark = pytest.mark.unit


def _rows(restorer: Restorer, stems: list[str]) -> tuple[list, list]:
    positions = [restorer.candidates(s) for s in stems]
    weight = restorer.settings.words.prior_weight
    return positions, [[((c.word,), weight * c.logprior) for c in cands] for cands in positions]


def _path_score(restorer: Restorer, positions, path) -> float:
    """The search objective of a path, computed with KenLM directly."""
    model, settings = restorer.model.lm, restorer.settings
    state, total = kenlm.State(), 0.0
    model.BeginSentenceWrite(state)
    for cands, j in zip(positions, path):
        token = lm_token(cands[j].word)
        out = kenlm.State()
        total += model.BaseScore(state, token, out) + settings.words.prior_weight * cands[j].logprior
        total += 0.0 if token in model else settings.words.oov_penalty
        state = out
    return total + model.BaseScore(state, "</s>", kenlm.State())


def test_a_model_trained_on_the_text_restores_it_better_than_most_frequent(essay_model, essay_sentences):
    restorer = Restorer(essay_model)
    right = frequent = total = 0
    for sentence in essay_sentences:
        restored = restorer.restore_tokens([t.stem for t in sentence], alternatives=False)
        for token, got in zip(sentence, restored):
            if any(c.isalpha() for c in token.surface):
                total += 1
                right += got.word.lower() == token.surface.lower()
                entries = restorer.lexicon.lookup(token.stem)
                frequent += (entries[0].word if entries else token.stem) == token.surface.lower()
    assert right / total > 0.97
    assert right / total > frequent / total + 0.02


@pytest.mark.parametrize("narrow", [1, 2])
def test_a_wider_beam_never_finds_a_worse_path(essay_model, essay_sentences, narrow):
    wide = Restorer(essay_model, Settings(beam=16))
    small = Restorer(essay_model, Settings(beam=narrow))
    for sentence in essay_sentences[:150]:
        positions, rows = _rows(wide, [t.stem for t in sentence])
        wide_score = _path_score(wide, positions, wide.search.best_path(rows))
        small_score = _path_score(small, positions, small.search.best_path(rows))
        assert wide_score >= small_score - 1e-4


def test_two_scorers_recombine_on_both_states(essay_model, essay_sentences):
    """The same model twice with weight 1 is the model once with weight 2:
    the combined state and the weighted sum are what the search uses."""
    restorer = Restorer(essay_model)
    words = scorers.SCORERS["words"](restorer.model, restorer.settings)
    twice = Search([(words, 1.0), (words, 1.0)], beam=8)
    doubled = Search([(words, 2.0)], beam=8)
    for sentence in essay_sentences[:80]:
        _, rows = _rows(restorer, [t.stem for t in sentence])
        assert twice.best_path(rows) == doubled.best_path(rows)


class _PluralScorer:
    """A toy knowledge source: every word ending in ``s`` gains 5 (log10)."""

    order = 1

    def prepare(self, words: tuple[str, ...]) -> tuple[int, float]:
        plurals = sum(w.endswith("s") for w in words)
        return plurals, 0.0  # scored in expand, to go through the state-dependent path

    def begin(self, sentence_start: bool) -> int:
        return 0

    def expand(self, state: int, options) -> list[tuple[float, int]]:
        return [(5.0 * plurals, 0) for plurals in options]

    def finish(self, state: int) -> float:
        return 0.0


def test_a_new_scorer_slots_in_by_name_and_weight(essay_model, monkeypatch):
    monkeypatch.setitem(scorers.SCORERS, "plural", lambda model, settings: _PluralScorer())
    plain = Restorer(essay_model)
    plural = Restorer(essay_model, Settings(words=Words(scorers=(("words", 1.0), ("plural", 1.0)))))
    stems = ["bolshevik", "red", "armi", "peasant"]
    assert [t.word.lower() for t in plain.restore_tokens(stems, alternatives=False)] == [
        "bolsheviks", "red", "army", "peasant"]
    assert [t.word.lower() for t in plural.restore_tokens(stems, alternatives=False)] == [
        "bolsheviks", "red", "armies", "peasants"]  # the essay has no "reds"
    assert "reds" not in [c.word for c in plural.candidates("red")]
    with pytest.raises(ValueError, match="unknown scorer 'nope'"):
        Restorer(essay_model, Settings(words=Words(scorers=(("nope", 1.0),))))


def test_explain_ranks_the_chosen_word_first_with_a_confidence(essay_model):
    restorer = Restorer(essay_model)
    tokens = ["trotski", "organ", "red", "armi"]
    restored = restorer.restore_tokens(tokens)
    assert [t.stem for t in restored] == tokens
    for t in restored:
        assert t.alternatives[0][0].lower() == t.word.lower()
        assert t.alternatives[0][1] == 0.0
        assert 0.0 < t.confidence <= 1.0


def test_empty_and_punctuation_only_input(essay_model):
    restorer = Restorer(essay_model)
    assert restorer.restore_tokens([]) == []
    assert [t.word for t in restorer.restore_tokens([".", ",", "("])] == [".", ",", "("]
