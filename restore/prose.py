"""Restored words -> readable prose: put the removed stopwords back, then detokenize.

The pipeline deleted exactly the 179 stopwords and nothing else, so they are
the only words that may come back, and every restored word stays, in order.
Between each two restored words (and at both ends of a sentence) the search
may insert one run of stopwords; the runs it tries are those that filled such
gaps in the training prose (:mod:`restore.gaps`). A KenLM model of the full
text (stopwords kept) scores each sentence with its insertions, minus a fixed
penalty per inserted word, and a beam search over the gaps, recombining on the
model's state, keeps the best. Then Treebank detokenization joins ``'s``,
``n't``, quotes and punctuation, and each sentence opens with a capital.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import heapq

import kenlm
from nltk.tokenize.treebank import TreebankWordDetokenizer

from .gaps import END, START, GapRuns, Run
from .lm import lm_token

# log10 cost of each inserted word. Without it the model fills every gap
# with the likeliest filler; with it, a word goes in only where it raises the
# sentence's probability by more than the penalty. Chosen on every fourth
# Wikipedia dev article (see the README's prose results for the measurement).
INSERT_PENALTY = 0.5
GAP_WEIGHT = 1.0
BEAM = 4

_DETOKENIZER = TreebankWordDetokenizer()


@dataclass(frozen=True, slots=True)
class ProseWord:
    """One word of restored prose and where it came from."""

    word: str
    token: int | None  # index of the input token it restores; None if it was inserted

    def as_dict(self) -> dict:
        return {"word": self.word, "token": self.token}


class ProseWriter:
    """Chooses the stopword runs of each gap with the full-text model."""

    def __init__(
        self,
        model: kenlm.Model,
        gaps: GapRuns,
        penalty: float = INSERT_PENALTY,
        gap_weight: float = GAP_WEIGHT,
        beam: int = BEAM,
    ) -> None:
        self.model = model
        self.gaps = gaps
        self.penalty = penalty
        self.gap_weight = gap_weight
        self.beam = beam

    def runs(self, words: Sequence[str]) -> list[Run]:
        """The run inserted before each word and after the last (len(words) + 1 runs).

        ``words`` are one sentence's restored words, lowercased.
        """
        model = self.model
        start = kenlm.State()
        model.BeginSentenceWrite(start)
        # state -> (score, backpointer); a backpointer is (previous, run).
        hyps: dict[kenlm.State, tuple[float, tuple | None]] = {start: (0.0, None)}
        previous = START
        for token in [lm_token(w) for w in words] + [END]:
            options = self.gaps.options(previous, token)
            extended: dict[kenlm.State, tuple[float, tuple | None]] = {}
            for state, (score, back) in hyps.items():
                # Runs share prefixes ("of", "of the"): score each prefix once.
                prefixes: dict[Run, tuple[float, kenlm.State]] = {(): (score, state)}
                for run, gap_score in options:
                    total, current = self._prefix(prefixes, run)
                    out = kenlm.State()
                    total += (model.BaseScore(current, token, out) + self.gap_weight * gap_score
                              - self.penalty * len(run))
                    seen = extended.get(out)
                    if seen is None or total > seen[0]:
                        extended[out] = (total, (back, run))
            if len(extended) > self.beam:
                hyps = dict(heapq.nlargest(self.beam, extended.items(), key=lambda kv: kv[1][0]))
            else:
                hyps = extended
            previous = token
        back = max(hyps.values(), key=lambda sb: sb[0])[1]
        chosen: list[Run] = []
        while back is not None:
            back, run = back
            chosen.append(run)
        chosen.reverse()
        return chosen

    def _prefix(self, prefixes: dict[Run, tuple[float, kenlm.State]], run: Run) -> tuple[float, kenlm.State]:
        found = prefixes.get(run)
        if found is None:
            score, state = self._prefix(prefixes, run[:-1])
            out = kenlm.State()
            score += self.model.BaseScore(state, run[-1], out)
            found = prefixes[run] = (score, out)
        return found

    def sentence(self, written: Sequence[str], runs: Sequence[Run], first_token: int = 0) -> list[ProseWord]:
        """One sentence's restored words in order, each ``runs[i]`` inserted before word i.

        ``written`` are the words as the truecaser cased them, knowing whether
        they open the sentence (``runs[0]`` empty) or not.
        """
        out: list[ProseWord] = []
        for i, run in enumerate(runs):
            out.extend(ProseWord("I" if w == "i" else w, None) for w in run)
            if i < len(written):
                out.append(ProseWord(written[i], first_token + i))
        return capitalize_first(out)


def capitalize_first(words: list[ProseWord]) -> list[ProseWord]:
    """Give the sentence's first word with a letter a capital.

    >>> [w.word for w in capitalize_first([ProseWord("``", 0), ProseWord("he", None)])]
    ['``', 'He']
    """
    for i, item in enumerate(words):
        if any(c.isalpha() for c in item.word):
            words = list(words)
            words[i] = ProseWord(item.word[:1].upper() + item.word[1:], item.token)
            break
    return words


def detokenize(words: Sequence[str]) -> str:
    """Treebank tokens -> text: quotes, ``'s``, ``n't`` and punctuation rejoined.

    >>> detokenize(["``", "He", "did", "n't", "go", "''", ",", "Trotsky", "'s", "aide", "said", "."])
    '"He didn\\'t go", Trotsky\\'s aide said.'
    """
    return _DETOKENIZER.detokenize(list(words))
