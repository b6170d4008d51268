"""Display words for terms, scored on the Wikipedia set.

The right display word of a stem is the most frequent original word that
produced it in the original articles (compared case-insensitively). Scored
on the 2,000 most frequent stems and on every stem, each unweighted (share
of stems right) and weighted by the stem's frequency (share of tokens).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from restore import Restorer
from restore.terms import restore_terms

from . import scoring
from .evalsets import EvalSet

TOP = 2000


def _truth(evalset: EvalSet) -> tuple[dict[str, str], Counter[str]]:
    words: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in evalset.sentences:
        for token in sentence:
            if scoring.is_word(token.surface):
                words[token.stem][token.surface.lower()] += 1
    truth = {stem: counts.most_common(1)[0][0] for stem, counts in words.items()}
    frequency = Counter({stem: sum(counts.values()) for stem, counts in words.items()})
    return truth, frequency


def _score(chosen: dict[str, str], truth: dict[str, str], frequency: Counter[str], stems: list[str]) -> dict:
    right = [chosen[s].lower() == truth[s] for s in stems]
    weight = sum(frequency[s] for s in stems)
    return {"unweighted": round(100 * sum(right) / len(stems), 2),
            "weighted": round(100 * sum(frequency[s] for s, r in zip(stems, right) if r) / weight, 2)}


def run(restorer: Restorer, evalset: EvalSet, frequencies: dict[str, float], jobs: int = 2) -> dict:
    truth, frequency = _truth(evalset)
    every = [s for s, _ in frequency.most_common()]
    top = every[:TOP]
    prevalent = scoring.Prevalent(restorer, frequencies)
    most_frequent = scoring.MostFrequent(restorer)
    bare = restore_terms(every, restorer=restorer)
    started = time.perf_counter()
    context = (" ".join(t.stem for t in sentence) for sentence in evalset.sentences)
    in_context = restore_terms(every, context, restorer=restorer, jobs=jobs)
    seconds = time.perf_counter() - started
    methods = {
        "prevalent (tm)": {s: prevalent.complete(s) for s in every},
        "most frequent": {s: most_frequent([s])[0] for s in every},
        "destem, no context": {s: bare[s].word for s in every},
        "destem, with context": {s: in_context[s].word for s in every},
    }
    return {
        "set": evalset.name, "stems": len(every), "tokens": sum(frequency.values()), "top": TOP,
        "context_seconds": round(seconds, 1), "jobs": jobs,
        "methods": {name: {"top": _score(chosen, truth, frequency, top),
                           "all": _score(chosen, truth, frequency, every)} for name, chosen in methods.items()},
    }
