"""Restored words -> readable prose: put the removed stopwords back.

The pipeline deleted exactly the 179 stopwords and nothing else, so they are
the only words that may come back, and every restored word stays, in order.
Between each two restored words (and at both ends of a sentence) the search
may insert one run of stopwords; the runs it tries are those that filled such
gaps in the training prose (:mod:`restore.gaps`). The full-text scorers (a
KenLM model of the text with its stopwords) score each sentence with its
insertions, plus how often the gap statistics saw each run next to these
words, minus a fixed cost per inserted word; the beam search of
:mod:`restore.search`, recombining on the scorers' states, keeps the best.
Each sentence opens with a capital; :mod:`restore.formats` joins the words
into text.
"""

from __future__ import annotations

from collections.abc import Sequence

from .gaps import END, START, GapRuns, Run
from .lm import lm_token
from .results import ProseWord
from .search import Option, Search


class ProseWriter:
    """Chooses the stopword runs of each gap with the full-text scorers."""

    def __init__(self, search: Search, gaps: GapRuns, insert_penalty: float, gap_weight: float) -> None:
        self.search = search
        self.gaps = gaps
        self.insert_penalty = insert_penalty
        self.gap_weight = gap_weight

    def runs(self, words: Sequence[str]) -> list[Run]:
        """The run inserted before each word and after the last (len(words) + 1 runs).

        ``words`` are one sentence's restored words as cased by the truecaser
        (the prose scorer reads a capitalized word it does not know as a name).
        Each option of gap i is a run followed by word i; the last gap's
        options are runs alone, and the search then scores the sentence's end.
        """
        rows: list[list[Option]] = []
        previous = START
        for word in [*words, None]:
            lowered = END if word is None else lm_token(word.lower())
            tail = () if word is None else (word,)
            rows.append([
                (run + tail, self.gap_weight * gap_score - self.insert_penalty * len(run))
                for run, gap_score in self.gaps.options(previous, lowered)
            ])
            previous = lowered
        chosen = [row[j][0] for row, j in zip(rows, self.search.best_path(rows))]
        return [option[:-1] for option in chosen[:-1]] + [chosen[-1]]

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


def inserted_runs(words: Sequence[ProseWord], count: int) -> list[Run]:
    """The inserted run before each of ``count`` restored tokens, and after the last:
    what :meth:`ProseWriter.sentence` put where, read back from its words.

    >>> inserted_runs([ProseWord("He", None), ProseWord("was", None), ProseWord("born", 0)], 1)
    [('he', 'was'), ()]
    """
    runs: list[list[str]] = [[] for _ in range(count + 1)]
    position = 0
    for word in words:
        if word.token is None:
            runs[position].append(word.word.lower())
        else:
            position = word.token + 1
    return [tuple(r) for r in runs]
