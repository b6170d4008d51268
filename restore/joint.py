"""The joint search (``Settings(joint=True)``, ``--joint``): each word chosen
together with the stopword run before it.

The word search reads stopword-free text, so it cannot hear that ``he was
born`` wants ``born`` and ``the cities`` wants a plural. Here every candidate
is offered twice or more: after no run, and after the runs the gap
statistics rank best between it and the previous position's likely words.
The word model reads the word alone (the ``content`` scorer), CMU's model the
run and the word, all in one beam search. Each candidate's best option then
stands for it, so alternatives, confidences and accurate mode see one entry
per candidate, as with the word search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .candidates import Candidate
from .gaps import START, GapRuns, Run
from .lm import lm_token
from .search import Choice, Option, Search
from .settings import Settings


@dataclass(frozen=True, slots=True)
class JointPick:
    """What the joint search chose, in its own terms: the options chosen and
    the candidate each option stands for."""

    owners: list[list[int]]  # per position, the candidate index of each option
    options: list[int]  # per position, the option chosen


class JointSearch:
    """Chooses each sentence's words with the stopword runs before them."""

    def __init__(self, search: Search, gaps: GapRuns, settings: Settings) -> None:
        self.search = search
        self.gaps = gaps
        self.runs = settings.joint_search.runs
        self.gap_weight = settings.joint_search.gap_weight
        self.prior_weight = settings.words.prior_weight

    def best_path(self, positions: list[list[Candidate]]) -> tuple[list[int], list[list[Option]], JointPick]:
        """The chosen candidate at each position, the rows searched, and the pick behind it."""
        rows, owners = self.rows(positions)
        chosen = self.search.best_path(rows)
        return [owner[j] for owner, j in zip(owners, chosen)], rows, JointPick(owners, chosen)

    def rows(self, positions: list[list[Candidate]]) -> tuple[list[list[Option]], list[list[int]]]:
        """Each candidate after no stopword run and after the best-ranked runs
        of its gap (ranked against the previous position's best candidates),
        and the candidate each option belongs to."""
        rows, owners = [], []
        previous = [START]
        for cands in positions:
            row: list[Option] = []
            owner: list[int] = []
            tokens = [lm_token(cand.word.lower()) for cand in cands]
            for k, (cand, token) in enumerate(zip(cands, tokens)):
                ranked: dict[Run, float] = {}
                for before in previous:
                    for run, score in self.gaps.options(before, token):
                        if score > ranked.get(run, -math.inf):
                            ranked[run] = score
                runs = sorted((r for r in ranked if r), key=ranked.__getitem__, reverse=True)[:self.runs]
                prior = self.prior_weight * cand.logprior
                for run in [(), *runs]:
                    row.append((run + (cand.word,), prior + self.gap_weight * ranked.get(run, 0.0)))
                    owner.append(k)
            rows.append(row)
            owners.append(owner)
            previous = tokens[:3]
        return rows, owners

    def explain(self, rows: list[list[Option]], pick: JointPick) -> list[Choice]:
        """How each position's candidates compared: each candidate's best option stands for it."""
        choices = []
        for owner, choice in zip(pick.owners, self.search.explain(rows, pick.options)):
            best: dict[int, float] = {}
            for j, score in choice.alternatives:  # best first
                best.setdefault(owner[j], score)
            choices.append(Choice(owner[choice.index], tuple(best.items())))
        return choices
