"""Write restored words in their proper case: truecasing with a cased LM.

Case depends on the neighbours: ``island`` is lowercase until it follows
``Wake``; ``red`` until it precedes ``Army``; a sentence's first surviving
token is capitalized only if it opened the sentence (``However``), not if a
removed stopword did (``He was born`` leaves ``born``). A KenLM model trained
on the *cased* training prose (stopwords removed, as the input) knows all of
this, so the chosen words' case variants are searched with the same beam
search that chose the words.
"""

from __future__ import annotations

from collections.abc import Sequence

from .candidates import attached
from .lexicon import Lexicon
from .memo import Memo
from .scorers import Scorer
from .search import Option, Search


class Truecaser:
    """Chooses each word's written form with a cased language model."""

    def __init__(self, scorer: Scorer, lexicon: Lexicon, beam: int, other_form: float) -> None:
        self.search = Search([(scorer, 1.0)], beam)
        self.lexicon = lexicon
        self.other_form = other_form
        self._forms: Memo[tuple[str, bool], list[Option]] = Memo(self._variants)

    def forms(self, word: str, guessed: bool) -> list[Option]:
        """The case variants of a lowercase word, its usual form first.

        A word the lexicon does not have (a guessed spelling) is most likely
        a name, so its capitalized form comes first.
        """
        return self._forms[word, guessed]

    def _variants(self, key: tuple[str, bool]) -> list[Option]:
        word, guessed = key
        capital = word[:1].upper() + word[1:]
        usual = capital if guessed else self._usual(word)
        variants = dict.fromkeys([usual, word, capital, self.lexicon.case(word, sentence_start=True)])
        return [((f,), 0.0 if f == usual else self.other_form) for f in variants]

    def _usual(self, word: str) -> str:
        """The lexicon's form of a word; for a word glued to punctuation
        (``hoyle’s``), the form of its letters (``Hoyle’s``)."""
        found = self.lexicon.case(word)
        parts = attached(word) if found == word else None
        if parts:
            head, core, tail = parts
            return head + self.lexicon.case(core) + tail
        return found

    def write(self, words: Sequence[str], guessed: Sequence[bool], sentence_start: bool = True) -> list[str]:
        """Cased forms of one sentence's lowercase words.

        ``sentence_start=False`` when other words will precede them (stopwords
        put back in prose), so the first word is cased as mid-sentence.
        """
        rows = [self.forms(w, g) for w, g in zip(words, guessed)]
        path = self.search.best_path(rows, sentence_start)
        return [row[j][0][0] for row, j in zip(rows, path)]
