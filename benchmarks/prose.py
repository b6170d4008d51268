"""Restored prose against the original sentences: BLEU, chrF, inserted stopwords.

Each original sentence is stemmed, restored as prose, and compared with the
sentence as written (sacrebleu, default settings: case-sensitive, with its
13a tokenizer for BLEU). Two baselines restore the same words and differ only
in what goes into the gaps: nothing, or the single most frequent stopword run
of the training prose in every gap between two words. Inserted stopwords are
scored per gap: a word counts as right if the original had it in that gap.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

import sacrebleu

from restore import Restorer
from restore.formats import join_sentences
from restore.gaps import Run, split_gaps
from restore.prose import capitalize_first, inserted_runs
from restore.results import ProseWord

from .evalsets import EvalSet


def _with_run(restored: Sequence[str], run: Run) -> str:
    """Baseline prose: the restored words with ``run`` between each two."""
    words: list[ProseWord] = []
    for i, word in enumerate(restored):
        words.extend(ProseWord(w, None) for w in (run if i else ()))
        words.append(ProseWord(word, i))
    return join_sentences([capitalize_first(words)])


def evaluate(evalset: EvalSet, restorer: Restorer) -> dict:
    """BLEU and chrF of destem's prose and both baselines; insertion precision and recall."""
    common = next(run for run in restorer.prose_writer.gaps.common if run)
    baseline = f"+ '{' '.join(common)}' in every gap"
    systems: dict[str, list[str]] = {"content words only": [], baseline: [], "destem": []}
    right = inserted = wanted = 0
    seconds = {"tokens": 0.0, "text": 0.0}
    for stemmed, full in zip(evalset.sentences, evalset.full):
        stems = [t.stem for t in stemmed]
        started = time.perf_counter()
        restored = [t.word for t in restorer.restore_tokens(stems, alternatives=False)]
        seconds["tokens"] += time.perf_counter() - started
        started = time.perf_counter()
        prose = restorer.restore_prose(stems)
        seconds["text"] += time.perf_counter() - started
        systems["destem"].append(join_sentences(prose))
        systems["content words only"].append(_with_run(restored, ()))
        systems[baseline].append(_with_run(restored, common))
        gold = split_gaps([t.lower() for t in full])[1]
        chosen = inserted_runs([w for words in prose for w in words], len(stems))
        for want, got in zip(gold, chosen):
            right += sum((Counter(want) & Counter(got)).values())
            inserted += len(got)
            wanted += len(want)
    scores = {
        name: {"bleu": round(sacrebleu.corpus_bleu(hyps, [evalset.references]).score, 1),
               "chrf": round(sacrebleu.corpus_chrf(hyps, [evalset.references]).score, 1)}
        for name, hyps in systems.items()
    }
    tokens = evalset.tokens
    return {
        "set": evalset.name, "sentences": len(evalset.sentences), "tokens": tokens, "systems": scores,
        "inserted": {"words": inserted, "wanted": wanted, "right": right,
                     "precision": round(100 * right / inserted, 1) if inserted else None,
                     "recall": round(100 * right / wanted, 1) if wanted else None},
        "tokens_per_second": {mode: round(tokens / s) for mode, s in seconds.items() if s},
    }
