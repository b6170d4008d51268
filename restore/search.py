"""The beam search core: the best path through a lattice of options.

Each position of a sentence holds a row of *options*: the words the option
adds (one candidate word, or inserted stopwords and then a word) and a bonus
(its weighted prior). A hypothesis is the tuple of its scorers' states plus
a score; extending it by an option adds each scorer's weighted log10 score
and the option's bonus. Hypotheses that reach the same states can never be
told apart by later words, so only the best of them is kept (recombination);
then the ``beam`` best survive. The search is the same for choosing words,
their case and the stopwords of prose; only the rows and the scorers differ.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar, cast

from .memo import IdentityMemo
from .scorers import FusedScorer, Scorer

T = TypeVar("T")
# The words an option adds, and its bonus (log10, already weighted).
Option = tuple[tuple[str, ...], float]
# state -> (score, backpointer); a backpointer is (previous backpointer, choice).
Hypotheses = dict[Hashable, tuple[float, tuple | None]]


class Prepared(NamedTuple):
    """A row made ready for the scorers, once."""

    options: tuple[list[Any], ...]  # each scorer's form of each option
    bonuses: list[float]  # each option's bonus plus the scorers' weighted state-independent parts
    fused: list[str] | None  # the row as one word per option, for a lone fused scorer


@dataclass(frozen=True, slots=True)
class Choice:
    """The chosen option of one position and how the others compared."""

    index: int  # into the position's row
    alternatives: tuple[tuple[int, float], ...] = ()  # (index, log10 score vs. best), best first


class Search:
    """Beam search over rows of options with weighted scorers.

    Rows that are shared objects (the candidate generator memoises them)
    are prepared for the scorers once and reused, keyed by identity; the row
    is kept in the entry so its id cannot be reused while cached. Rows made
    afresh for each sentence (prose) pass ``memoize=False``.
    """

    def __init__(self, scorers: Sequence[tuple[Scorer, float]], beam: int, memoize: bool = True) -> None:
        if not scorers:
            raise ValueError("a search needs at least one scorer")
        self.scorers = list(scorers)
        self.beam = beam
        # A scorer searched alone may offer a fused step for rows of single words.
        lone = scorers[0][0]
        self._fused = lone if len(scorers) == 1 and isinstance(lone, FusedScorer) else None
        self._prepared: Callable[[Sequence[Option]], Prepared] = (
            IdentityMemo(self._prepare) if memoize else self._prepare
        )

    def _prepare(self, row: Sequence[Option]) -> Prepared:
        """Each scorer's form of the row's options, and each option's bonus
        plus the scorers' state-independent parts (weighted)."""
        options_: list[list[Any]] = []
        bonuses = [bonus for _, bonus in row]
        for scorer, weight in self.scorers:
            forms = [scorer.prepare(words) for words, _ in row]
            options_.append([form for form, _ in forms])
            bonuses = [bonus + weight * static for bonus, (_, static) in zip(bonuses, forms)]
        options = tuple(options_)
        fused = self._fused.single_words(options[0]) if self._fused is not None else None
        return Prepared(options, bonuses, fused)

    def _begin(self, sentence_start: bool) -> Hashable:
        states = tuple(scorer.begin(sentence_start) for scorer, _ in self.scorers)
        return states[0] if len(states) == 1 else states

    def best_path(self, rows: Sequence[Sequence[Option]], sentence_start: bool = True) -> list[int]:
        """Index of the chosen option at each position.

        With ``sentence_start=False`` the first word is scored without the
        ``<s>`` context, as if other words came before it.
        """
        if not rows:
            return []
        hyps: Hypotheses = {self._begin(sentence_start): (0.0, None)}
        last = len(rows) - 1
        for i, row in enumerate(rows):
            options, bonuses, fused = self._prepared(row)
            if fused is not None:
                extended = self._fused_step(hyps, fused, bonuses)
            else:
                extended = {}
                for state, (score, back) in hyps.items():
                    for j, (total, out) in enumerate(self._expand(state, score, options, bonuses)):
                        seen = extended.get(out)
                        if seen is None or total > seen[0]:
                            extended[out] = (total, (back, j))
            # The last row is not pruned: the end of the sentence still counts.
            hyps = extended if i == last else keep_best(extended, self.beam)
        best = max(hyps.items(), key=lambda kv: kv[1][0] + self._finish(kv[0]))
        return unwind(best[1][1])

    def _fused_step(self, hyps: Hypotheses, words: list[str], bonuses: list[float]) -> Hypotheses:
        """The step above for a lone :class:`FusedScorer` over one-word
        options: the same arithmetic and recombination, one call per (state,
        word), as this loop runs for every hypothesis and candidate of every token."""
        assert self._fused is not None
        score_of, new_state = self._fused.word_step()
        weight = self.scorers[0][1]
        extended: Hypotheses = {}
        for state, (score, back) in hyps.items():
            for j, word in enumerate(words):
                out = new_state()
                total = score + weight * score_of(state, word, out) + bonuses[j]
                seen = extended.get(out)
                if seen is None or total > seen[0]:
                    extended[out] = (total, (back, j))
        return extended

    def _expand(
        self, state: Hashable, score: float, options: tuple[list[Any], ...], bonuses: list[float]
    ) -> list[tuple[float, Hashable]]:
        """The total score and combined state of each option after ``state``."""
        if len(self.scorers) == 1:
            (scorer, weight), = self.scorers
            return [(score + weight * value + bonus, out)
                    for (value, out), bonus in zip(scorer.expand(state, options[0]), bonuses)]
        states = cast(tuple[Hashable, ...], state)  # several scorers: a tuple of their states
        per_scorer = [s.expand(st, o) for (s, _), st, o in zip(self.scorers, states, options)]
        return [(score + bonus + sum(w * results[j][0] for (_, w), results in zip(self.scorers, per_scorer)),
                 tuple(results[j][1] for results in per_scorer)) for j, bonus in enumerate(bonuses)]

    def _finish(self, state: Hashable) -> float:
        if len(self.scorers) == 1:
            scorer, weight = self.scorers[0]
            return weight * scorer.finish(state)
        states = cast(tuple[Hashable, ...], state)
        return sum(w * s.finish(st) for (s, w), st in zip(self.scorers, states))

    def explain(self, rows: Sequence[Sequence[Option]], path: Sequence[int]) -> list[Choice]:
        """Score every option against the chosen one, position by position.

        Swapping the option at position i changes only what the scorers see
        within their order, so each swap is scored exactly on that window of
        the chosen path.
        """
        prepared = [self._prepared(row) for row in rows]
        # Each scorer's states along the chosen path.
        states = []
        for k, (scorer, _) in enumerate(self.scorers):
            along = [scorer.begin(True)]
            for (options, _, _), j in zip(prepared, path):
                along.append(scorer.expand(along[-1], [options[k][j]])[0][1])
            states.append(along)
        order = max(scorer.order for scorer, _ in self.scorers)
        choices = []
        for i, (options, bonuses, _) in enumerate(prepared):
            window_end = min(len(rows), i + order)
            scores = []
            for j, bonus in enumerate(bonuses):
                total = bonus
                for k, (scorer, weight) in enumerate(self.scorers):
                    value, state = scorer.expand(states[k][i], [options[k][j]])[0]
                    for m in range(i + 1, window_end):
                        step, state = scorer.expand(state, [prepared[m][0][k][path[m]]])[0]
                        value += step
                    if window_end == len(rows):
                        value += scorer.finish(state)
                    total += weight * value
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


def shares(alternatives: Sequence[tuple[T, float]]) -> dict[T, float]:
    """Each alternative's share of the score mass, from its log10 score against the best.

    >>> shares([("army", 0.0), ("armies", -1.0)])
    {'army': 0.9090909090909091, 'armies': 0.09090909090909091}
    """
    masses = {key: 10.0**delta for key, delta in alternatives}
    total = sum(masses.values())
    return {key: mass / total for key, mass in masses.items()} if total else {}


def confidence(alternatives: tuple[tuple[int, float], ...], index: int) -> float:
    """Share of the (log10) score mass held by option ``index``."""
    return shares(alternatives).get(index, 0.0) if alternatives else math.nan
