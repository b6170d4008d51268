"""Restored words -> output lines: ``tokens``, ``text`` and ``jsonl``.

One module renders every format, and the API, ``--jobs`` workers and Dask
tasks all call it, so a line comes out the same wherever it was restored.
Every input line gives exactly one output line.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Protocol

from .results import ProseWord, Restored
from .sentences import Piece

if TYPE_CHECKING:
    from nltk.tokenize.treebank import TreebankWordDetokenizer


class Restorer(Protocol):
    """What the formats ask of :class:`restore.api.Restorer` (named here so
    that the formats need not import the module that imports them)."""

    def preload(self, prose: bool) -> None: ...

    def restore_words(self, tokens: Sequence[str]) -> list[str]: ...

    def restore_prose(self, tokens: Sequence[str]) -> list[list[ProseWord]]: ...

    def restore(self, tokens: Sequence[str], *, alternatives: bool, prose: bool) -> Restored: ...

FORMATS = ("tokens", "text", "jsonl")
_SPOOL = 1 << 20  # characters a jsonl line's later parts keep in memory before spilling to disk


def detokenize(words: Sequence[str]) -> str:
    """Treebank tokens -> text: quotes, ``'s``, ``n't`` and punctuation rejoined.

    >>> detokenize(["``", "He", "did", "n't", "go", "''", ",", "Trotsky", "'s", "aide", "said", "."])
    '"He didn\\'t go", Trotsky\\'s aide said.'
    """
    return _detokenizer().detokenize(list(words))


@lru_cache(maxsize=1)
def _detokenizer() -> TreebankWordDetokenizer:
    from nltk.tokenize.treebank import TreebankWordDetokenizer  # on first use, as in restore.pipeline

    return TreebankWordDetokenizer()


def join_sentences(sentences: Sequence[Sequence[ProseWord]]) -> str:
    """One line of prose from its sentences' words."""
    return " ".join(detokenize([w.word for w in words]) for words in sentences)


# What one piece of a line renders to: text for ``tokens`` and ``text``; for
# ``jsonl`` the three parts of the line's object (comma-joined token
# objects, the prose, comma-joined word objects), joined across pieces.
Fragment = str | tuple[str, str, str]
PieceHandler = Callable[[Piece], tuple[Fragment, bool]]


def _tokens(restorer: Restorer, piece: Piece) -> Fragment:
    return " ".join(restorer.restore_words(piece.text.split()))


def _text(restorer: Restorer, piece: Piece) -> Fragment:
    return join_sentences(restorer.restore_prose(piece.text.split()))


def _jsonl(restorer: Restorer, piece: Piece) -> Fragment:
    restored = restorer.restore(piece.text.split(), alternatives=True, prose=True)
    offset = piece.first_token
    words = [{"word": w.word, "token": None if w.token is None else w.token + offset}
             for sentence in restored.sentences for w in sentence]
    return (", ".join(_json(t.as_dict()) for t in restored.tokens), join_sentences(restored.sentences),
            ", ".join(_json(w) for w in words))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


_RENDERERS: dict[str, Callable[[Restorer, Piece], Fragment]] = {"tokens": _tokens, "text": _text, "jsonl": _jsonl}


def piece_handler(restorer: Restorer, fmt: str) -> PieceHandler:
    """The function that renders one piece of a line in format ``fmt``, with
    every model part it needs loaded.

    Loading happens here, before any worker is forked, so workers share the
    parts' pages instead of each loading a copy.
    """
    render = _RENDERERS[fmt]
    restorer.preload(prose=fmt != "tokens")
    return lambda piece: (render(restorer, piece), piece.last)


def line_handler(restorer: Restorer, fmt: str) -> Callable[[str], str]:
    """The function that restores one whole line into one output line.

    ``tokens``: one word per input token; ``text``: readable prose; ``jsonl``:
    a JSON object with every token's stem, word, confidence and alternatives
    (``tokens``), the prose (``text``) and its words, each with the index of
    the token it restores or null if inserted (``words``).
    """
    handle = piece_handler(restorer, fmt)

    def line(text: str) -> str:
        return _assemble(handle(Piece(text, 0, True))[0])

    return line


# What opens each part of an output line, joins its pieces and closes it, by
# the number of parts: tokens and text are one part; a jsonl object holds
# three (its tokens, its prose as a JSON string, its words).
_LAYOUT: dict[int, tuple[tuple[str, str, str], ...]] = {
    1: (("", " ", ""),),
    3: (('{"tokens": [', ", ", '], "text": "'), ("", " ", '", "words": ['), ("", ", ", "]}")),
}


def _parts_of(fragment: Fragment) -> list[str]:
    """A piece's fragment as the parts of its line (the prose JSON-escaped)."""
    if isinstance(fragment, str):
        return [fragment]
    tokens, text, words = fragment
    return [tokens, _json(text)[1:-1], words]


def _assemble(fragment: Fragment) -> str:
    """The output line of a line that is a single piece."""
    parts = _parts_of(fragment)
    return "".join(opening + part + closing for (opening, _, closing), part in zip(_LAYOUT[len(parts)], parts))


class LineWriter:
    """Writes rendered pieces as output lines; a line ends with its last piece.

    The pieces of a long line are written as they come, joined as the
    whole line's output would be, so nothing grows with the line: for
    ``jsonl`` the prose and the words, which come after all the tokens in the
    line's object, wait in temporary files that stay in memory while small.
    """

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.lines = 0
        self._parts: list[_Part] | None = None  # the open line's parts, once it has a piece

    def write(self, fragment: Fragment, last: bool) -> None:
        if last and self._parts is None:
            self.out.write(_assemble(fragment) + "\n")
        else:
            values = _parts_of(fragment)
            if self._parts is None:
                self._parts = [_Part(self.out if i == 0 else None, opening, separator, closing)
                               for i, (opening, separator, closing) in enumerate(_LAYOUT[len(values)])]
            for part, value in zip(self._parts, values):
                part.add(value)
            if last:
                self._close()
        if last:
            self.lines += 1

    def _close(self) -> None:
        assert self._parts is not None
        first, *later = self._parts
        self.out.write(first.closing)
        for part in later:
            part.copy_to(self.out)
            self.out.write(part.closing)
        self.out.write("\n")
        self._parts = None


class _Part:
    """One part of an output line written piece by piece: straight to the
    output, or (for the parts that come later in the line) to a spool."""

    def __init__(self, out: IO[str] | None, opening: str, separator: str, closing: str) -> None:
        self.target: IO[str] = out if out is not None else tempfile.SpooledTemporaryFile(_SPOOL, mode="w+")  # noqa: SIM115 - lives as long as the part
        self.separator = separator
        self.closing = closing
        self.empty = True
        self.target.write(opening)

    def add(self, value: str) -> None:
        if value:
            self.target.write(value if self.empty else self.separator + value)
            self.empty = False

    def copy_to(self, out: IO[str]) -> None:
        self.target.seek(0)
        shutil.copyfileobj(self.target, out)
        self.target.close()
