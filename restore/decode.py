"""Beam search through the candidate lattice of one sentence.

Each position holds the candidates of one input token. A hypothesis is a
KenLM state plus a score; extending it by a candidate adds the LM's log10
probability of the word, the candidate's prior (scaled by ``prior_weight``)
and a penalty if the LM has never seen the word. Hypotheses that reach the
same KenLM state can never be told apart by later words, so only the best of
them is kept (recombination); then the ``beam`` best survive.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import kenlm

from .candidates import Candidate
from .lm import lm_token

# KenLM state -> (score, backpointer); a backpointer is (previous backpointer, choice).
Hypotheses = dict[kenlm.State, tuple[float, tuple | None]]


@dataclass(frozen=True)
class Settings:
    """Search parameters; the defaults are the ones the benchmark measures."""

    beam: int = 8
    prior_weight: float = 0.5
    oov_penalty: float = -3.0


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen candidate of one position and how it compared."""

    index: int  # into the position's candidate list
    alternatives: tuple[tuple[int, float], ...] = ()  # (index, log10 score vs. best), best first


class Decoder:
    """Scores candidate lattices with one loaded KenLM model."""

    def __init__(self, model: kenlm.Model, settings: Settings = Settings()) -> None:
        self.model = model
        self.settings = settings
        # Candidate lists are shared objects (the generator memoises them), so
        # their scored rows are memoised by identity; the list is kept in the
        # entry so an id is never reused for another list while cached.
        self._rows: dict[int, tuple[Sequence[Candidate], list[tuple[str, float]]]] = {}

    def _row(self, cands: Sequence[Candidate]) -> list[tuple[str, float]]:
        """(LM token, prior and OOV bonus) for each candidate of a position."""
        weight = self.settings.prior_weight
        row = []
        for c in cands:
            token = lm_token(c.word)
            oov = 0.0 if token in self.model else self.settings.oov_penalty
            row.append((token, weight * c.logprior + oov))
        return row

    def _lattice(self, positions: Sequence[Sequence[Candidate]]) -> list[list[tuple[str, float]]]:
        rows = self._rows
        lattice = []
        for cands in positions:
            key = id(cands)
            row = rows.get(key)
            if row is None or row[0] is not cands:
                if len(rows) >= 200_000:
                    rows.clear()
                row = rows[key] = (cands, self._row(cands))
            lattice.append(row[1])
        return lattice

    def best_path(self, positions: Sequence[Sequence[Candidate]], sentence_start: bool = True) -> list[int]:
        """Index of the chosen candidate at each position.

        With ``sentence_start=False`` the first word is scored without the
        ``<s>`` context, as if other words came before it.
        """
        if not positions:
            return []
        lattice = self._lattice(positions)
        model = self.model
        start = kenlm.State()
        if sentence_start:
            model.BeginSentenceWrite(start)
        else:
            model.NullContextWrite(start)
        hyps: Hypotheses = {start: (0.0, None)}
        for row in lattice:
            extended: Hypotheses = {}
            for state, (score, back) in hyps.items():
                for j, (token, bonus) in enumerate(row):
                    out = kenlm.State()
                    total = score + model.BaseScore(state, token, out) + bonus
                    seen = extended.get(out)
                    if seen is None or total > seen[0]:
                        extended[out] = (total, (back, j))
            hyps = keep_best(extended, self.settings.beam)
        end = kenlm.State()
        best_back = max(
            hyps.items(), key=lambda kv: kv[1][0] + model.BaseScore(kv[0], "</s>", end)
        )[1][1]
        return unwind(best_back)

    def explain(self, positions: Sequence[Sequence[Candidate]], path: list[int]) -> list[Choice]:
        """Score every candidate against the chosen one, position by position.

        With an n-gram model, swapping the word at position i changes only the
        n-grams that end within the next ``order`` words, so each swap is
        scored exactly on that window of the chosen path.
        """
        lattice = self._lattice(positions)
        model = self.model
        order = model.order
        words = [lattice[i][j][0] for i, j in enumerate(path)]
        states = [kenlm.State()]
        model.BeginSentenceWrite(states[0])
        for word in words:
            out = kenlm.State()
            model.BaseScore(states[-1], word, out)
            states.append(out)

        choices = []
        for i, row in enumerate(lattice):
            window_end = min(len(words), i + order)
            scores = []
            for j, (token, bonus) in enumerate(row):
                state, total = states[i], bonus
                for k, word in enumerate(words[i:window_end], start=i):
                    out = kenlm.State()
                    total += model.BaseScore(state, token if k == i else word, out)
                    state = out
                if window_end == len(words):
                    total += model.BaseScore(state, "</s>", kenlm.State())
                scores.append((j, total))
            best = max(s for _, s in scores)
            ranked = sorted(((j, round(s - best, 4)) for j, s in scores), key=lambda js: -js[1])
            choices.append(Choice(path[i], tuple(ranked)))
        return choices


def keep_best(extended: Hypotheses, beam: int) -> Hypotheses:
    """The ``beam`` best-scoring hypotheses (all of them if there are no more)."""
    if len(extended) <= beam:
        return extended
    return dict(heapq.nlargest(beam, extended.items(), key=lambda kv: kv[1][0]))


def unwind(back: tuple | None) -> list:
    """The choices along a chain of ``(previous, choice)`` backpointers, first first."""
    chosen = []
    while back is not None:
        back, choice = back
        chosen.append(choice)
    chosen.reverse()
    return chosen


def confidence(alternatives: tuple[tuple[int, float], ...], index: int) -> float:
    """Share of the (log10) score mass held by candidate ``index``."""
    masses = {j: 10.0**delta for j, delta in alternatives}
    total = sum(masses.values())
    return masses.get(index, 0.0) / total if total else math.nan
