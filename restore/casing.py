"""Write restored words in their proper case, using the neighbouring words.

A word's usual form (``army``, ``Trotsky``) comes from the lexicon. Some
words change case with their neighbours: ``red`` is lowercase until it
precedes ``army``; ``committee`` is lowercase until ``central`` precedes it.
For words whose case varies in the training prose, a second pass counts the
form they take after and before each neighbour, and keeps the pairs where the
neighbour reliably overrides the usual form.
"""

from __future__ import annotations

import gzip
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from .lexicon import Lexicon

# A pair must be seen this often, and its form must win this share of the
# time, to override the word's usual case.
MIN_PAIR_COUNT = 3
MIN_PAIR_SHARE = 0.6


class CaseContext:
    """Case overrides keyed by (previous word, word) and (word, next word)."""

    def __init__(self, after: dict[tuple[str, str], str], before: dict[tuple[str, str], str]) -> None:
        self.after = after
        self.before = before

    @classmethod
    def learn(cls, sentences: Iterable[Sequence[str]], lexicon: Lexicon, varying: set[str]) -> CaseContext:
        """Count contextual forms of the words whose case varies."""
        after: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        before: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for sentence in sentences:
            lowered = [w.lower() for w in sentence]
            for i in range(1, len(sentence)):  # the first word has its own statistics
                word = lowered[i]
                if word not in varying:
                    continue
                after[(lowered[i - 1], word)][sentence[i]] += 1
                if i + 1 < len(sentence):
                    before[(word, lowered[i + 1])][sentence[i]] += 1
        return cls(_overrides(after, lexicon, 1), _overrides(before, lexicon, 0))

    def write(self, words: Sequence[str], lexicon: Lexicon, first: int, guessed: Sequence[bool]) -> list[str]:
        """Cased forms of a sentence's lowercase words.

        ``first`` is the index of the sentence's first word; ``guessed`` marks
        words the lexicon does not have (mostly names: capitalized).
        """
        out = []
        for i, word in enumerate(words):
            if guessed[i]:
                out.append(word[:1].upper() + word[1:] if word.isalpha() else word)
                continue
            form = self.after.get((words[i - 1], word)) if i > 0 and i != first else None
            if form is None and i + 1 < len(words):
                form = self.before.get((word, words[i + 1]))
            out.append(form or lexicon.case(word, sentence_start=i == first))
        return out

    def save(self, path: Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8") as out:
            for side, table in (("after", self.after), ("before", self.before)):
                for (a, b), form in sorted(table.items()):
                    out.write(f"{side}\t{a}\t{b}\t{form}\n")

    @classmethod
    def load(cls, path: Path) -> CaseContext:
        tables: dict[str, dict[tuple[str, str], str]] = {"after": {}, "before": {}}
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                side, a, b, form = line.rstrip("\n").split("\t")
                tables[side][(a, b)] = form
        return cls(tables["after"], tables["before"])


def varying_words(inner: dict[str, Counter[str]], min_share: float = 0.05) -> set[str]:
    """Words written in more than one way, the rarer ways at least ``min_share``."""
    varying = set()
    for word, forms in inner.items():
        if len(forms) > 1:
            total = sum(forms.values())
            if total - forms.most_common(1)[0][1] >= min_share * total:
                varying.add(word)
    return varying


def _overrides(
    table: dict[tuple[str, str], Counter[str]], lexicon: Lexicon, word_at: int
) -> dict[tuple[str, str], str]:
    kept = {}
    for key, forms in table.items():
        total = sum(forms.values())
        form, n = forms.most_common(1)[0]
        if total >= MIN_PAIR_COUNT and n / total >= MIN_PAIR_SHARE and form != lexicon.case(key[word_at]):
            kept[key] = form
    return kept
