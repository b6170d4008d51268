"""How words appear inside destem's language models.

The word model scores *lowercased, stopword-free, unstemmed* token sequences:
exactly what the input was before stemming. Numbers share one form per
shape, and the spelling model sees a word as a sentence of characters.
"""

from __future__ import annotations

import regex

_DIGIT = regex.compile(r"\d")


def lm_token(word: str) -> str:
    """The form a word takes inside the LM: digits collapse to ``0``.

    Years, dates and counts then share statistics ("1879" and "1917" are both
    "0000"), which the training text could never give each number alone.
    """
    if word.isalpha() or not _DIGIT.search(word):
        return word
    return _DIGIT.sub("0", word)


def spelling(word: str) -> str:
    """A word as a sentence of characters, for the character-level model."""
    return " ".join(word)
