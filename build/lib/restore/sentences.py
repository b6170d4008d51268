"""Where sentences end, and input lines cut into pieces of whole sentences.

The search runs one sentence at a time: a sentence ends after ``.``, ``!``
or ``?``, and after every ``max_sentence`` tokens of unpunctuated text, so
no search grows without bound. The same rule cuts a long input line into
*pieces* of whole sentences, each restored on its own and written back
into one output line: restoring piece by piece gives exactly what restoring
the whole line would, while memory stays bounded whatever the line's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

SENTENCE_END = frozenset({".", "!", "?"})


def sentence_cuts(tokens: Sequence[str], max_sentence: int, open_tokens: int = 0) -> list[int]:
    """The positions after which a sentence ends, ``open_tokens`` tokens of
    an unfinished sentence coming before ``tokens``.

    >>> sentence_cuts("a b . c d e".split(), max_sentence=2)
    [2, 3, 5]
    """
    cuts = []
    count = open_tokens
    for i, token in enumerate(tokens, start=1):
        count += 1
        if token in SENTENCE_END or count >= max_sentence:
            cuts.append(i)
            count = 0
    return cuts


@dataclass(frozen=True, slots=True)
class Piece:
    """Whole sentences of one input line (the whole line, if it is short)."""

    text: str
    first_token: int  # index, within its line, of the piece's first token
    last: bool  # the piece ends its line

    def __len__(self) -> int:  # its size, for batching
        return len(self.text)


def cut_pieces(chunks: Iterable[tuple[str, bool]], max_sentence: int) -> Iterator[Piece]:
    """Pieces from text chunks that end at white space, ``(text, ends_line)``.

    A line that arrives as one chunk is one piece, untouched. A longer line
    is cut after its last complete sentence in each chunk; the unfinished
    sentence waits for the next chunk, so it is never split.

    >>> [(p.text, p.first_token, p.last) for p in cut_pieces([("a b . c", False), (" d .", True)], 256)]
    [('a b .', 0, False), ('c d .', 3, True)]
    """
    pending: list[str] = []
    first = 0
    for text, ends_line in chunks:
        if ends_line and not pending and first == 0:
            yield Piece(text, 0, True)
            continue
        tokens = pending + text.split()
        if not ends_line:
            cuts = sentence_cuts(tokens[len(pending):], max_sentence, len(pending))
            if cuts:
                done = len(pending) + cuts[-1]
                yield Piece(" ".join(tokens[:done]), first, False)
                first += done
                tokens = tokens[done:]
            pending = tokens
            continue
        yield Piece(" ".join(tokens), first, True)
        pending, first = [], 0
