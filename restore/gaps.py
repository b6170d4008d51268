"""Which stopword runs filled the gaps between content words, learned from prose.

Stopword removal leaves a gap between every two surviving tokens; in the
training prose each gap held a run of zero or more stopwords ("was",
"of the", ...). Trying all 179 stopwords in every slot would be slow and
mostly absurd, so the prose search only tries the runs that actually filled
gaps before the same next word or after the same previous word, plus the
runs that are common everywhere. ``restore.build.gaps`` counts them at build
time; this module serves them at restore time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .memo import Memo
from .pipeline import STOPWORDS

# Longest run the decoder may insert into one gap: 3 covers "it would have",
# "one of the"; longer runs are rare and are still scored by the LM.
MAX_RUN = 3
# Runs tried in every gap besides each word's own. On every eighth Wikipedia
# dev article 24, 12, 8 and 4 give identical prose (the words' own lists
# already hold what gets chosen), and each run tried costs LM calls.
GLOBAL_RUNS = 8
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
        self._options: Memo[tuple[str, str], tuple[tuple[Run, float], ...]] = Memo(self._score_runs)

    def _given(self, entry: tuple[int, dict[Run, int]] | None, run: Run, prior: float) -> float:
        if entry is None:
            return prior
        total, runs = entry
        return math.log10((runs.get(run, 0) + SMOOTHING * 10**prior) / (total + SMOOTHING))

    def options(self, prev: str, next_: str) -> tuple[tuple[Run, float], ...]:
        """(run, log10 score) for the gap between two LM tokens (``<s>``/``</s>`` at the ends)."""
        return self._options[prev, next_]

    def _score_runs(self, gap: tuple[str, str]) -> tuple[tuple[Run, float], ...]:
        prev, next_ = gap
        before, after = self.by_prev.get(prev), self.by_next.get(next_)
        runs = dict.fromkeys(
            ((),) + tuple(after[1] if after else ()) + tuple(before[1] if before else ()) + self.common
        )
        scored = []
        for run in runs:
            prior = self.prior.get(run, self.floor)
            scored.append((run, self._given(before, run, prior) + self._given(after, run, prior) - prior))
        return tuple(scored)
