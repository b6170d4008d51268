"""Accurate mode's older policy (``Neural(write=False)``): which words are
close calls, and how the neural model's scores re-decide them.

The n-gram search picks every word first. Then, for each word whose
runner-up candidates came close (within ``margin`` log10 of the chosen one),
the model compares the sentence with the chosen word and with each close
candidate swapped in, reading the text before it and a few tokens after it.
Its log-probability difference, weighted, is added to the n-gram search's
score difference, and the best total wins. It is fast because the model
reads each stretch of text once, keeping every position's logits: a
candidate's first diverging sub-word token is scored from them for free,
and only its remaining tokens and the right context are evaluated, as short
sequences sharing the chunk's cached prefix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..search import Choice
from .engine import NeuralLM, Variant

_LN10 = math.log(10.0)


@dataclass
class Close:
    """One word whose runners-up came close: the chosen word (first) and
    the candidates, as written, with the n-gram search's log10 score of each
    against the chosen one."""

    words: list[str]
    deltas: list[float]
    indices: list[int]  # of each candidate in the position's row


class Redecider:
    """Re-decides close calls with the neural model (see the module's text).

    ``weight`` scales the neural model's log10 difference against the n-gram
    search's; ``switch`` is the log10 cost of overruling the n-gram search;
    ``right`` is how many sub-word tokens after a word are read to judge it;
    ``context`` caps the sub-word tokens of the text before a chunk.
    """

    def __init__(self, lm: NeuralLM, weight: float, switch: float, right: int, context: int = 64) -> None:
        self.lm = lm
        self.weight = weight
        self.switch = switch
        self.right = right
        self.context = context

    def rescore(self, sentences: Sequence[Sequence[str]], close: Sequence[dict[int, Close]]
                ) -> list[dict[int, list[float]]]:
        """For each sentence (its chosen words, as written) and its close
        calls (by position), the combined log10 score of each candidate
        against the chosen word (0 for the chosen word itself).

        The model reads the restored words as they are, without the removed
        stopwords: reading prose (the stopwords put back first) did no
        better on the development splits (docs/tuning.md).
        """
        stream = [(s, p, self.lm.pieces(word)) for s, sentence in enumerate(sentences)
                  for p, word in enumerate(sentence)]
        out: list[dict[int, list[float]]] = [{} for _ in sentences]
        for group in self._groups(stream):
            chunks: list[tuple[int, ...]] = []
            variants: list[Variant] = []
            owners: list[tuple[int, int, int]] = []  # (sentence, position, candidate) of each variant
            for c, (context, first, last) in enumerate(group):
                tokens = list(self.lm.start) + context
                spans = []
                for s, p, word_pieces in stream[first:last]:
                    spans.append((s, p, len(tokens), len(tokens) + len(word_pieces)))
                    tokens += word_pieces
                chunks.append(tuple(tokens))
                for s, p, start, end in spans:
                    call = close[s].get(p)
                    if call is None:
                        continue
                    right = min(self.right, len(tokens) - end)
                    chosen = tokens[start:end]
                    for k, word in enumerate(call.words[1:], 1):
                        alt = self.lm.pieces(word)
                        shared = _common_prefix(chosen, alt)
                        tail = tuple(alt[shared:]) + tuple(tokens[end:end + right])
                        if not tail or shared == len(alt) == len(chosen):
                            continue  # the same tokens (e.g. two spellings the model reads alike)
                        variants.append(Variant(c, start + shared, tail, end + right))
                        owners.append((s, p, k))
            base, scores = self.lm.score(chunks, variants)
            for (s, p, k), v, score in zip(owners, variants, scores):
                chosen_logp = float(base[v.chunk][v.start:v.base_end].sum())
                combined = out[s].setdefault(p, list(close[s][p].deltas))
                combined[k] = close[s][p].deltas[k] + self.weight * (score - chosen_logp) / _LN10 - self.switch
        return out

    def _groups(self, stream: list[tuple[int, int, tuple[int, ...]]]) -> list[list[tuple[list[int], int, int]]]:
        """The word stream cut into chunks (context tokens, first word, end
        word), and the chunks into groups that fit one batch.

        A chunk ends at a sentence end once it holds half a batch, or at any
        word before it would overflow one; its context is the tail of the
        text before it.
        """
        budget = self.lm.BATCH - len(self.lm.start) - self.context
        cuts: list[tuple[int, int]] = []
        first, size = 0, 0
        for i, (s, _, word_pieces) in enumerate(stream):
            n = len(word_pieces)
            sentence_start = i > 0 and stream[i - 1][0] != s
            if i > first and ((sentence_start and size >= budget // 2) or size + n > budget):
                cuts.append((first, i))
                first, size = i, 0
            size += n
        if first < len(stream):
            cuts.append((first, len(stream)))
        groups: list[list[tuple[list[int], int, int]]] = []
        used = self.lm.BATCH
        for first, last in cuts:
            before = [t for _, _, word_pieces in stream[max(0, first - self.context):first] for t in word_pieces]
            context = before[-self.context:] if first else []
            n = len(self.lm.start) + len(context) + sum(len(w[2]) for w in stream[first:last])
            if used + n > self.lm.BATCH:
                groups.append([])
                used = 0
            groups[-1].append((context, first, last))
            used += n
        return groups


def close_calls(written: Sequence[str], candidates: Sequence[Sequence[str]], choices: Sequence[Choice],
                margin: float, most: int) -> dict[int, Close]:
    """The positions whose runners-up scored within ``margin`` of the chosen
    word, each with its ``most`` best candidates, written in the chosen
    word's case (``Army`` -> ``Armies``).

    >>> from restore.search import Choice
    >>> calls = close_calls(["Red", "Army"], [["red"], ["army", "armies", "armi"]],
    ...                     [Choice(0), Choice(0, ((0, 0.0), (1, -0.4), (2, -2.5)))], 1.0, 3)
    >>> calls[1].words, calls[1].deltas, 0 in calls
    (['Army', 'Armies'], [0.0, -0.4], False)
    """
    calls: dict[int, Close] = {}
    for p, (word, words, choice) in enumerate(zip(written, candidates, choices)):
        scores = dict(choice.alternatives)
        if len(scores) < 2:
            continue
        own = scores.get(choice.index, 0.0)
        near = [(k, d - own) for k, d in choice.alternatives if k != choice.index and d - own >= -margin]
        if near:
            near = near[:most - 1]
            calls[p] = Close([word] + [like(word, words[choice.index], words[k]) for k, _ in near],
                             [0.0] + [d for _, d in near], [choice.index] + [k for k, _ in near])
    return calls


def apply(path: Sequence[int], choices: Sequence[Choice], calls: dict[int, Close],
          rescored: dict[int, list[float]]) -> tuple[list[int], list[Choice]]:
    """A sentence's path with the neural model's decisions, and its choices
    with the combined scores (best first, the best at 0)."""
    path, choices = list(path), list(choices)
    for p, combined in rescored.items():
        call = calls[p]
        best = max(range(len(combined)), key=combined.__getitem__)
        top = combined[best]
        # Candidates the neural model did not read keep their n-gram score.
        own = dict(choices[p].alternatives).get(call.indices[0], 0.0)
        scores = {k: d - own - top for k, d in choices[p].alternatives}
        scores.update({k: c - top for k, c in zip(call.indices, combined)})
        ranked = tuple(sorted(((k, round(d, 4)) for k, d in scores.items()), key=lambda kd: -kd[1]))
        choices[p] = Choice(call.indices[best], ranked)
        path[p] = call.indices[best]
    return path, choices


def like(written: str, word: str, other: str) -> str:
    """``other`` written in the case ``written`` gives ``word``."""
    if written == word or not other:
        return other
    if written == word.upper() and len(word) > 1:
        return other.upper()
    if written == word[:1].upper() + word[1:]:
        return other[:1].upper() + other[1:]
    if written == word.title():
        return other.title()
    return other


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
