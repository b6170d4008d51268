"""Restored words -> readable prose: put the removed stopwords back, then detokenize.

The pipeline deleted exactly the 179 stopwords and nothing else, so they are
the only words that may come back, and every restored word stays, in order.
Between each two restored words (and at both ends of a sentence) the search
may insert one run of stopwords; the runs it tries are those that filled such
gaps in the training prose (:mod:`restore.gaps`). A KenLM model of the full
text (stopwords kept) scores each sentence with its insertions, plus how
often the gap statistics saw each run next to these words, minus a fixed cost
per inserted word; a beam search over the gaps, recombining on the model's
state, keeps the best. Then Treebank detokenization joins ``'s``,
``n't``, quotes and punctuation, and each sentence opens with a capital.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import kenlm
from nltk.tokenize.treebank import TreebankWordDetokenizer

from .decode import Hypotheses, keep_best, unwind
from .gaps import END, START, GapRuns, Run
from .lm import lm_token

# log10 cost of each inserted word, and the weight of the gap statistics.
# The full-text model alone prefers short sentences, so a cost above 0
# inserts little; a bonus (below 0) inserts as many words as the original had
# but mostly wrong ones. Measured on every eighth Wikipedia dev article with
# the default model (chrF of the words alone: 58.2):
#   cost 0.5, weight 1: chrF 60.0, 2,807 words inserted, 48.5% right
#   cost 0,   weight 0.5: chrF 60.9, 5,517 inserted, 41.4% right   <- chosen
#   cost 0,   weight 0: chrF 61.6, 8,300 inserted, 36.9% right
#   cost -0.5, weight 0: chrF 61.9, 21,260 inserted, 24.1% right
# chrF rewards recall; a reader is misled by every wrong word. The chosen
# point keeps two in five insertions right, where inserting more would add
# under one chrF point for many more wrong words.
INSERT_PENALTY = 0.0
GAP_WEIGHT = 0.5
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

        ``words`` are one sentence's restored words as cased by the truecaser:
        a word the full-text model does not know is scored as the class the
        build put in place of rare words (``<cap>`` or ``<rare>``), so a
        capitalized one is treated as a name.
        """
        model = self.model
        start = kenlm.State()
        model.BeginSentenceWrite(start)
        hyps: Hypotheses = {start: (0.0, None)}
        previous = START
        lowered = [lm_token(w.lower()) for w in words]
        tokens = [w if w in model or not w.isalpha() else rare_class(c) for w, c in zip(lowered, words)]
        for word, token in zip(lowered + [END], tokens + [END]):
            options = self.gaps.options(previous, word)
            extended: Hypotheses = {}
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
            hyps = keep_best(extended, self.beam)
            previous = word
        return unwind(max(hyps.values(), key=lambda sb: sb[0])[1])

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


def rare_class(word: str) -> str:
    """The full-text model's token for a word too rare to have its own.

    >>> rare_class("Bronstein"), rare_class("russification")
    ('<cap>', '<rare>')
    """
    return "<cap>" if word[:1].isupper() else "<rare>"


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


def join_sentences(sentences: Sequence[Sequence[ProseWord]]) -> str:
    """One line of prose from its sentences' words."""
    return " ".join(detokenize([w.word for w in words]) for words in sentences)


def detokenize(words: Sequence[str]) -> str:
    """Treebank tokens -> text: quotes, ``'s``, ``n't`` and punctuation rejoined.

    >>> detokenize(["``", "He", "did", "n't", "go", "''", ",", "Trotsky", "'s", "aide", "said", "."])
    '"He didn\\'t go", Trotsky\\'s aide said.'
    """
    return _DETOKENIZER.detokenize(list(words))
