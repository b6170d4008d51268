"""Prose output: stopwords put back within limits, alignment kept, text detokenized."""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import pytest
import sacrebleu

from restore import Restorer, Settings, pipeline
from restore.build import sources
from restore.formats import detokenize, join_sentences
from restore.gaps import MAX_RUN, split_gaps
from restore.prose import inserted_runs
from restore.settings import Prose

from .conftest import DESTEM, STEMMED_SEED

unit, model, system = pytest.mark.unit, pytest.mark.model, pytest.mark.system


@pytest.fixture(scope="module")
def seed_tokens() -> list[str]:
    return STEMMED_SEED.read_text(encoding="utf-8").split()[:2000]


@pytest.fixture(scope="module")
def sotu_heldout() -> list[tuple[str, list[str]]]:
    """Sentences of held-out State of the Union addresses, as written and as tokens."""
    docs = [d for d in sources.sotu_documents() if sources.is_heldout(d)]
    return [pair for d in docs for line in d.text.splitlines() for pair in pipeline.sentences_with_text(line)]


@unit
def test_prose_keeps_every_token_once_in_order_and_inserts_only_stopwords(essay_model, seed_tokens):
    restorer = Restorer(essay_model)
    sentences = restorer.restore_prose(seed_tokens)
    words = [w for sentence in sentences for w in sentence]
    assert [w.token for w in words if w.token is not None] == list(range(len(seed_tokens)))
    inserted = [w.word.lower() for w in words if w.token is None]
    assert inserted, "nothing was put back"
    assert set(inserted) <= pipeline.STOPWORDS
    plain = [t.word for t in restorer.restore_tokens(seed_tokens, alternatives=False)]
    assert [w.word.lower() for w in words if w.token is not None] == [w.lower() for w in plain]
    run = longest = 0
    for w in words:
        run = run + 1 if w.token is None else 0
        longest = max(longest, run)
    assert longest <= MAX_RUN


@unit
def test_the_insertion_penalty_limits_how_much_goes_back(essay_model, seed_tokens):
    counts = []
    for penalty in (0.0, 1.0, 1000.0):
        restorer = Restorer(essay_model, Settings(prose=Prose(insert_penalty=penalty)))
        counts.append(sum(w.token is None for s in restorer.restore_prose(seed_tokens) for w in s))
    assert counts[0] > counts[1] > counts[2] == 0


@unit
def test_every_prose_sentence_opens_with_a_capital(essay_model, seed_tokens):
    for sentence in Restorer(essay_model).restore_prose(seed_tokens):
        first = next((w.word for w in sentence if any(c.isalpha() for c in w.word)), None)
        if first is not None and first[0].isalpha() and first[0].lower() != first[0].upper():
            assert first[0].isupper(), sentence


@unit
def test_detokenizing_quotes_possessives_and_negations_gives_back_the_text(sotu_heldout):
    tricky = [(text, tokens) for text, tokens in sotu_heldout if '"' in text or "'s" in text or "n't" in text]
    assert len(tricky) > 500
    same = sum(detokenize(tokens) == text for text, tokens in tricky)
    assert same / len(tricky) > 0.97


@model
def test_restored_prose_is_closer_to_the_original_than_the_bare_words(default_restorer, sotu_heldout):
    """On held-out speeches: chrF above the content-words-only output, and
    most stopwords put back are the ones the speech had in that gap."""
    sample = sotu_heldout[:400]
    prose, bare, references = [], [], []
    right = inserted = 0
    for text, tokens in sample:
        stems = [t.stem for t in pipeline.surviving(tokens)]
        sentences = default_restorer.restore_prose(stems)
        prose.append(join_sentences(sentences))
        bare.append(detokenize([t.word for t in default_restorer.restore_tokens(stems, alternatives=False)]))
        references.append(text)
        gold = split_gaps([t.lower() for t in tokens])[1]
        got = inserted_runs([w for s in sentences for w in s], len(stems))
        for want, have in zip(gold, got):
            right += sum((Counter(want) & Counter(have)).values())
            inserted += len(have)
    gain = sacrebleu.corpus_chrf(prose, [references]).score - sacrebleu.corpus_chrf(bare, [references]).score
    assert gain > 1.0
    assert right / inserted > 0.3


@system
def test_cli_text_and_jsonl_formats(tmp_path, seed_tokens):
    source = tmp_path / "in.txt"
    source.write_text(" ".join(seed_tokens[:300]) + "\n\n" + " ".join(seed_tokens[300:400]) + "\n", encoding="utf-8")
    text = subprocess.run([*DESTEM, "restore", str(source), "--format", "text"], capture_output=True, timeout=300)
    assert text.returncode == 0, text.stderr.decode()
    lines = text.stdout.decode().split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[3] == ""
    assert len(lines[0].split()) > 300 * 0.8
    jsonl = subprocess.run([*DESTEM, "restore", str(source), "--format", "jsonl"], capture_output=True, timeout=300)
    assert jsonl.returncode == 0, jsonl.stderr.decode()
    first = json.loads(jsonl.stdout.decode().splitlines()[0])
    restored = [w for w in first["words"] if w["token"] is not None]
    assert [w["token"] for w in restored] == list(range(300))
    assert [first["tokens"][w["token"]]["word"].lower() for w in restored] == [w["word"].lower() for w in restored]
    assert first["text"] == lines[0]
