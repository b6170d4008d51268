"""Which stopword runs filled the gaps between content words, learned from prose.

Stopword removal leaves a gap between every two surviving tokens; in the
training prose each gap held a run of zero or more stopwords ("was",
"of the", ...). Trying all 179 stopwords in every slot would be slow and
mostly absurd, so the prose decoder only tries the runs that actually filled
gaps before the same next word or after the same previous word, plus the
runs that are common everywhere. This module counts them at build time and
serves them at restore time.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .lm import lm_token
from .pipeline import STOPWORDS

# Longest run the decoder may insert into one gap: 3 covers "it would have",
# "one of the"; longer runs are rare and are still scored by the LM.
MAX_RUN = 3
# Runs tried in every gap besides each word's own. On every eighth Wikipedia
# dev article 24, 12, 8 and 4 give identical prose (the words' own lists
# already hold what gets chosen), and each run tried costs LM calls.
GLOBAL_RUNS = 8
KEPT_RUNS = 400  # whose overall counts are kept, as the prior of every gap
RUNS_PER_WORD = 8
MIN_WORD_COUNT = 5
# How many observations the overall distribution is worth when a word's own
# counts are smoothed towards it (Dirichlet smoothing).
SMOOTHING = 10.0
START, END = "<s>", "</s>"
Run = tuple[str, ...]


def split_gaps(tokens: Sequence[str]) -> tuple[list[str], list[Run]]:
    """Content tokens and the stopword run before each, plus the final run.

    ``tokens`` are lowercased; the result has one more run than content
    tokens (the run after the last one).

    >>> split_gaps(["he", "was", "born", "in", "kherson", "."])
    (['born', 'kherson', '.'], [('he', 'was'), ('in',), (), ()])
    """
    content: list[str] = []
    runs: list[Run] = []
    current: list[str] = []
    for token in tokens:
        if token in STOPWORDS:
            current.append(token)
        else:
            content.append(token)
            runs.append(tuple(current))
            current = []
    runs.append(tuple(current))
    return content, runs


class GapCounter:
    """Counts runs overall, by the next content word and by the previous one."""

    def __init__(self) -> None:
        self.overall: Counter[Run] = Counter()
        self.by_next: dict[str, Counter[Run]] = {}
        self.by_prev: dict[str, Counter[Run]] = {}

    def add_sentence(self, tokens: Sequence[str]) -> None:
        content, runs = split_gaps([t.lower() for t in tokens])
        words = [START] + [lm_token(w) for w in content] + [END]
        for i, run in enumerate(runs):
            if len(run) > MAX_RUN:
                continue
            self.overall[run] += 1
            self.by_prev.setdefault(words[i], Counter())[run] += 1
            self.by_next.setdefault(words[i + 1], Counter())[run] += 1

    def save(self, path: Path) -> None:
        def top(counts: dict[str, Counter[Run]]) -> dict[str, list]:
            return {
                word: [runs.total(), [[" ".join(run), n] for run, n in runs.most_common(RUNS_PER_WORD)]]
                for word, runs in counts.items()
                if runs.total() >= MIN_WORD_COUNT
            }

        table = {
            "total": self.overall.total(),
            "overall": [[" ".join(run), n] for run, n in self.overall.most_common(KEPT_RUNS)],
            "next": top(self.by_next),
            "prev": top(self.by_prev),
        }
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump(table, handle, separators=(",", ":"))


class GapRuns:
    """The stopword runs worth trying in one gap, each with how likely the gap
    statistics find it there.

    The score of run r between words p and n is
    log P(r | p) + log P(r | n) - log P(r): each side's counts smoothed
    towards the overall distribution, combined as independent evidence.
    """

    def __init__(self, table: dict) -> None:
        total = table["total"]
        self.prior = {tuple(name.split()): math.log10(n / total) for name, n in table["overall"]}
        self.floor = math.log10(0.5 / total)
        self.common = tuple(tuple(name.split()) for name, _ in table["overall"][:GLOBAL_RUNS])

        def counts(entries: dict[str, list]) -> dict[str, tuple[int, dict[Run, int]]]:
            return {w: (n, {tuple(name.split()): c for name, c in runs}) for w, (n, runs) in entries.items()}

        self.by_next = counts(table["next"])
        self.by_prev = counts(table["prev"])
        self._cache: dict[tuple[str, str], tuple[tuple[Run, float], ...]] = {}

    @classmethod
    def load(cls, path: Path) -> GapRuns:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls(json.load(handle))

    def _given(self, entry: tuple[int, dict[Run, int]] | None, run: Run, prior: float) -> float:
        if entry is None:
            return prior
        total, runs = entry
        return math.log10((runs.get(run, 0) + SMOOTHING * 10**prior) / (total + SMOOTHING))

    def options(self, prev: str, next_: str) -> tuple[tuple[Run, float], ...]:
        """(run, log10 score) for the gap between two LM tokens (``<s>``/``</s>`` at the ends)."""
        key = (prev, next_)
        found = self._cache.get(key)
        if found is None:
            before, after = self.by_prev.get(prev), self.by_next.get(next_)
            runs = dict.fromkeys(
                ((),) + tuple(after[1] if after else ()) + tuple(before[1] if before else ()) + self.common
            )
            scored = []
            for run in runs:
                prior = self.prior.get(run, self.floor)
                scored.append((run, self._given(before, run, prior) + self._given(after, run, prior) - prior))
            found = tuple(scored)
            if len(self._cache) >= 200_000:
                self._cache.clear()
            self._cache[key] = found
        return found
