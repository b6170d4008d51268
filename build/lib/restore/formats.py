"""Restored words -> output lines: ``tokens``, ``text`` and ``jsonl``.

One module renders every format, and the API, ``--jobs`` workers and Dask
tasks all call it, so a line comes out the same wherever it was restored.
Every input line gives exactly one output line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nltk.tokenize.treebank import TreebankWordDetokenizer

from .prose import ProseWord

if TYPE_CHECKING:
    from .api import Restorer

FORMATS = ("tokens", "text", "jsonl")
_DETOKENIZER = TreebankWordDetokenizer()


@dataclass(frozen=True, slots=True)
class RestoredToken:
    """One input token and what destem made of it."""

    stem: str
    word: str  # the chosen word, in its case
    confidence: float  # share of score mass among the candidates (NaN if not computed)
    alternatives: tuple[tuple[str, float], ...]  # (word, log10 score vs. best), best first

    def as_dict(self) -> dict:
        return {
            "stem": self.stem, "word": self.word, "confidence": round(self.confidence, 4),
            "alternatives": [[w, s] for w, s in self.alternatives],
        }


def detokenize(words: Sequence[str]) -> str:
    """Treebank tokens -> text: quotes, ``'s``, ``n't`` and punctuation rejoined.

    >>> detokenize(["``", "He", "did", "n't", "go", "''", ",", "Trotsky", "'s", "aide", "said", "."])
    '"He didn\\'t go", Trotsky\\'s aide said.'
    """
    return _DETOKENIZER.detokenize(list(words))


def join_sentences(sentences: Sequence[Sequence[ProseWord]]) -> str:
    """One line of prose from its sentences' words."""
    return " ".join(detokenize([w.word for w in words]) for words in sentences)


def tokens_line(restorer: Restorer, line: str) -> str:
    """One word per input token, separated by spaces."""
    return " ".join(t.word for t in restorer.restore_tokens(line.split(), alternatives=False))


def text_line(restorer: Restorer, line: str) -> str:
    """Readable prose: stopwords put back, tokens joined as text."""
    return join_sentences(restorer.restore_prose(line.split()))


def jsonl_line(restorer: Restorer, line: str) -> str:
    """A JSON object: every token's stem, word, confidence and alternatives
    (``tokens``), the prose (``text``) and its words, each with the index of
    the token it restores or null if inserted (``words``)."""
    restored = restorer.restore(line.split(), alternatives=True, prose=True)
    return json.dumps({
        "tokens": [t.as_dict() for t in restored.tokens],
        "text": join_sentences(restored.sentences),
        "words": [w.as_dict() for words in restored.sentences for w in words],
    }, ensure_ascii=False)


_RENDERERS: dict[str, Callable[[Restorer, str], str]] = {
    "tokens": tokens_line, "text": text_line, "jsonl": jsonl_line,
}


def line_handler(restorer: Restorer, fmt: str) -> Callable[[str], str]:
    """The per-line function of a format, with every model part it needs loaded.

    Loading happens here, before any worker is forked, so workers share the
    parts' pages instead of each loading a copy.
    """
    render = _RENDERERS[fmt]
    restorer.preload(prose=fmt != "tokens")
    return lambda line: render(restorer, line)
