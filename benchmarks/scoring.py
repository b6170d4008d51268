"""Scoring and the baseline restorers destem is compared with.

A restorer maps one sentence of stems to one word per stem. The baselines
use the same lexicon as destem, so the comparison isolates the search:

- identity: leave every stem as it is;
- most frequent: the lexicon's most likely word for exactly that stem (the
  standard unstemming trick);
- prevalent: R tm's ``stemCompletion(type="prevalent")``, i.e. the most
  frequent dictionary word that *starts with* the stem;
- coverage ceiling: right whenever the answer is among destem's candidates.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from restore import Restorer

SentenceRestorer = Callable[[list[str]], list[str]]


@dataclass
class Tally:
    correct: int = 0
    total: int = 0

    def add(self, right: bool) -> None:
        self.correct += right
        self.total += 1

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else float("nan")


def score(pairs: Iterable[tuple[str, str]], cased: bool = False) -> Tally:
    """Exact-match accuracy of (expected, predicted) word pairs."""
    tally = Tally()
    for expected, predicted in pairs:
        tally.add(expected == predicted if cased else expected.lower() == predicted.lower())
    return tally


def is_word(token: str) -> bool:
    return any(c.isalpha() for c in token)


def identity(stems: list[str]) -> list[str]:
    return list(stems)


class MostFrequent:
    """The lexicon's top word for exactly the stem, in its usual case."""

    def __init__(self, restorer: Restorer) -> None:
        self.lexicon = restorer.lexicon

    def __call__(self, stems: list[str]) -> list[str]:
        out = []
        for s in stems:
            entries = self.lexicon.lookup(s)
            out.append(self.lexicon.case(entries[0].word) if entries else s)
        return out


class Prevalent:
    """tm's stemCompletion "prevalent": most frequent word with the stem as prefix."""

    def __init__(self, restorer: Restorer, frequencies: dict[str, float]) -> None:
        vocabulary = {e.word for _, entries in restorer.lexicon.stems() for e in entries}
        self.words = sorted(vocabulary)
        self.freq = frequencies
        self.cache: dict[str, str] = {}

    def complete(self, stem: str) -> str:
        if stem not in self.cache:
            lo = bisect.bisect_left(self.words, stem)
            hi = bisect.bisect_left(self.words, stem + "\U0010ffff")
            best = max(self.words[lo:hi], key=lambda w: (self.freq.get(w, 0.0), -len(w)), default=stem)
            self.cache[stem] = best
        return self.cache[stem]

    def __call__(self, stems: list[str]) -> list[str]:
        return [self.complete(s) if is_word(s) else s for s in stems]


def destem(restorer: Restorer) -> SentenceRestorer:
    return lambda stems: [t.word for t in restorer.restore_tokens(stems, alternatives=False)]


@dataclass
class Report:
    """Accuracy of one restorer on one set, split by kind of token."""

    words: Tally = field(default_factory=Tally)
    ambiguous: Tally = field(default_factory=Tally)
    unknown: Tally = field(default_factory=Tally)
    cased: Tally = field(default_factory=Tally)
    errors: Counter = field(default_factory=Counter)

    def as_dict(self, top_errors: int = 20) -> dict:
        out = {k: {"correct": t.correct, "total": t.total, "percent": round(t.percent, 2)}
               for k, t in (("words", self.words), ("ambiguous", self.ambiguous),
                            ("unknown", self.unknown), ("cased", self.cased))}
        out["top_errors"] = [[s, p, e, n] for (s, p, e), n in self.errors.most_common(top_errors)]
        return out


def evaluate(
    sentences: list[list], restore: SentenceRestorer, restorer: Restorer, ceiling: bool = False
) -> Report:
    """Score a restorer on sentences of ``pipeline.Token``.

    With ``ceiling=True`` the prediction is the answer whenever the answer is
    among the candidates, which measures what the lexicon makes reachable.
    """
    report = Report()
    for sentence in sentences:
        stems = [t.stem for t in sentence]
        predicted = None if ceiling else restore(stems)
        for i, token in enumerate(sentence):
            if not is_word(token.surface):
                continue
            candidates = restorer.candidates(token.stem)
            expected = token.surface.lower()
            if ceiling:
                words = {c.word for c in candidates}
                guess = token.surface if expected in words else candidates[0].word
            else:
                guess = predicted[i]
            right = guess.lower() == expected
            report.words.add(right)
            report.cased.add(guess == token.surface)
            if len(candidates) > 1:
                report.ambiguous.add(right)
            if not restorer.lexicon.lookup(token.stem):
                report.unknown.add(right)
            if not right:
                report.errors[(token.stem, guess.lower(), expected)] += 1
    return report
