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

import kenlm

from .candidates import Candidate
from .decode import Decoder, Settings
from .lexicon import Lexicon

# log10 prior of a form other than the word's usual one (measured on every
# fourth Wikipedia dev article: 0 -> 67.42% cased, -0.3 -> 67.46, -1 -> 66.96).
OTHER_FORM = -0.3
SEARCH = Settings(beam=4, prior_weight=1.0, oov_penalty=0.0)


class Truecaser:
    """Chooses each word's written form with a cased language model."""

    def __init__(self, model: kenlm.Model, lexicon: Lexicon) -> None:
        self.decoder = Decoder(model, SEARCH)
        self.lexicon = lexicon
        self._forms: dict[tuple[str, bool], list[Candidate]] = {}

    def forms(self, word: str, guessed: bool) -> list[Candidate]:
        """The case variants of a lowercase word, its usual form first.

        A word the lexicon does not have (a guessed spelling) is most likely
        a name, so its capitalized form comes first.
        """
        key = (word, guessed)
        found = self._forms.get(key)
        if found is None:
            capital = word[:1].upper() + word[1:]
            usual = capital if guessed else self.lexicon.case(word)
            variants = dict.fromkeys([usual, word, capital, self.lexicon.case(word, sentence_start=True)])
            found = [Candidate(f, 0.0 if f == usual else OTHER_FORM, True) for f in variants]
            if len(self._forms) >= 200_000:
                self._forms.clear()
            self._forms[key] = found
        return found

    def write(self, words: Sequence[str], guessed: Sequence[bool], sentence_start: bool = True) -> list[str]:
        """Cased forms of one sentence's lowercase words.

        ``sentence_start=False`` when other words will precede them (stopwords
        put back in prose), so the first word is cased as mid-sentence.
        """
        positions = [self.forms(w, g) for w, g in zip(words, guessed)]
        path = self.decoder.best_path(positions, sentence_start)
        return [cands[j].word for cands, j in zip(positions, path)]
