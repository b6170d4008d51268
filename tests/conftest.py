"""Shared fixtures: the default model (built by set-up) and a small model
built here from the user's essay, so decoder tests do not depend on the
default model's exact numbers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from restore import Restorer, default_model_dir, gaps, lexicon, lm, pipeline
from restore.build import FORMAT_VERSION, SPELLING_ORDER

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
STEMMED_SEED = DATA / "trotsky.stemmed.txt"
ESSAY = DATA / "trotsky-essay.txt"


@pytest.fixture(scope="session")
def default_restorer() -> Restorer:
    return Restorer(default_model_dir())


@pytest.fixture(scope="session")
def essay_sentences() -> list[list[pipeline.Token]]:
    return [s for line in ESSAY.read_text(encoding="utf-8").splitlines() for s in pipeline.analyse_line(line)]


@pytest.fixture(scope="session")
def essay_model(tmp_path_factory, essay_sentences) -> Path:
    """A complete model directory trained on the essay alone (seconds)."""
    out = tmp_path_factory.mktemp("essay-model")
    counts: Counter[str] = Counter()
    cases = lexicon.CaseStats()
    lines = []
    for sentence in essay_sentences:
        words = [t.surface for t in sentence]
        cases.add_sentence(words)
        counts.update(w.lower() for w in words)
        lines.append(" ".join(lm.lm_token(w.lower()) for w in words))
    text = out / "train.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lm.train(text, out / "lm.bin", 3, [], "200M")
    words = sorted({w for w in counts if lexicon.is_wordlike(w)})
    lex = lexicon.build(counts, cases, words, {})
    lex.save(out / "lexicon.tsv.gz")
    cased = out / "cased.txt"
    cased.write_text("".join(" ".join(lm.lm_token(t.surface) for t in s) + "\n" for s in essay_sentences),
                     encoding="utf-8")
    lm.train(cased, out / "case.bin", 3, [], "200M")
    (out / "rules.json").write_text(json.dumps(lexicon.learn_rules(lex)), encoding="utf-8")
    full = [t for line in ESSAY.read_text(encoding="utf-8").splitlines() for t in pipeline.full_sentences(line)]
    prose = out / "prose.txt"
    prose.write_text("".join(" ".join(lm.lm_token(t.lower()) for t in s) + "\n" for s in full), encoding="utf-8")
    lm.train(prose, out / "prose.bin", 3, [], "200M")
    gap_counts = gaps.GapCounter()
    for tokens in full:
        gap_counts.add_sentence(tokens)
    gap_counts.save(out / "gaps.json.gz")
    names = out / "names.txt"
    names.write_text("".join(lm.spelling(w) + "\n" for w in words), encoding="utf-8")
    lm.train(names, out / "spelling.bin", SPELLING_ORDER, [], "200M")
    (out / "manifest.json").write_text(json.dumps({"format": FORMAT_VERSION, "sources": {"essay": {}}}), encoding="utf-8")
    return out
