"""Count which stopword runs filled the gaps between content words (build side).

The table written here is read by :class:`restore.gaps.GapRuns`: the overall
counts of the commonest runs, and for each content word seen often enough the
commonest runs after it (``prev``) and before it (``next``).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..gaps import END, MAX_RUN, START, Run, split_gaps
from ..lm import lm_token

KEPT_RUNS = 400  # whose overall counts are kept, as the prior of every gap
RUNS_PER_WORD = 8
MIN_WORD_COUNT = 5


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
