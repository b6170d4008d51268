"""Accurate mode's writer: the neural model writes each sentence back as the
prose it was trained on, constrained to the input.

The n-gram search has chosen every word and ranked each token's candidates.
The writer then decodes the sentence left to right as SmolLM2 would write
it: before each input token a hypothesis may insert up to two of NLTK's
stopwords (those the model itself ranks highest at that point and that the
gap statistics have seen there), then it must emit one of the token's
candidates; punctuation and numbers emit themselves. Every emitted sub-word
token's log-probability counts, plus ``weight`` times the n-gram search's
log10 score of the candidate against its best (in natural-log units), and
the ``beam`` best hypotheses survive each input token. So one search
chooses both the stopwords and every word form, and ``tokens``, ``text`` and
``jsonl`` all come from the same hypothesis.

Costs are kept down by reading the model's logits where they are free: a
candidate's or stopword's first sub-word token is scored from the row the
hypothesis already has; only further sub-word tokens, the inserted
stopwords and the chosen words are evaluated, as short sequences sharing
their hypothesis's cached prefix (llama.cpp's KV cache, copied by
reference), for many sentences in each batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..gaps import START, GapRuns, Run
from ..lm import lm_token
from ..pipeline import STOPWORDS
from ..search import Choice
from .engine import NeuralLM
from .redecide import like

_LN10 = math.log(10.0)
# Treebank tokens that attach to the word before them in running text.
_ATTACHED = frozenset({",", ".", ";", ":", "!", "?", ")", "]", "}", "''", "'s", "'S", "n't", "N'T", "'re",
                       "'ve", "'ll", "'d", "'m", "%", "...", "’s", "’"})
_OPENING = frozenset({"(", "[", "{", "``", "$", "#"})
_TEXT = {"``": '"', "''": '"', "-LRB-": "(", "-RRB-": ")"}


def as_text(word: str, previous: str | None) -> str:
    """A token as it reads in running text after ``previous`` (None: the sentence's start).

    >>> as_text("army", "Red"), as_text(",", "Army"), as_text("``", ","), as_text("Trotsky", "``")
    (' army', ',', ' "', 'Trotsky')
    """
    text = _TEXT.get(word, word)
    if word in _ATTACHED or (previous is not None and previous in _OPENING):
        return text
    return " " + text


@dataclass(frozen=True, slots=True)
class Position:
    """One input token as the writer sees it."""

    words: tuple[str, ...]  # its candidates as written, the n-gram search's choice first
    indices: tuple[int, ...]  # each candidate's index in the token's candidate list
    deltas: tuple[float, ...]  # the n-gram search's log10 score of each against its choice
    gap: tuple[str, str]  # the gap before it as the gap statistics name it (previous, this LM token)
    open: bool  # stopwords may be inserted before it (not before punctuation)


@dataclass(frozen=True, slots=True)
class Written:
    """A sentence as the writer chose it."""

    choice: list[int]  # per position, the index of the chosen word in ``Position.words``
    runs: list[Run]  # per position, the stopwords inserted before it; then an empty run after the last
    scores: list[list[float]]  # per position, each of ``Position.words``' best log10 score there against the best


@dataclass(slots=True)
class _Hyp:
    seq: int  # the llama.cpp sequence holding its text
    length: int  # tokens in that sequence
    row: Any  # log-probabilities of the next token, after its text
    score: float  # natural log
    back: tuple[Any, ...] | None  # (parent's back, run, choice)
    last: str | None  # the last word written (None: nothing yet)


@dataclass(slots=True)
class _Context:
    """A hypothesis, or a hypothesis followed by inserted stopwords."""

    hyp: _Hyp
    seq: int
    run: Run
    logp: float  # of the run
    row: Any  # log-probabilities of the next token


@dataclass(slots=True)
class _Option:
    """A candidate after a context. Its score counts only the first sub-word
    token until the others are read (into ``seq``, all but the last)."""

    score: float
    context: _Context
    j: int  # the candidate's index in its position's words
    pieces: tuple[int, ...]
    seq: int | None = None


class Writer:
    """Writes sentences with the neural model, constrained to their candidates (see the module)."""

    def __init__(self, lm: NeuralLM, gaps: GapRuns, weight: float, beam: int, first: int, second: int,
                 runs: int = 0, word_cost: float = 0.0) -> None:
        self.lm = lm
        self.gaps = gaps
        self.runs = runs  # the gap statistics' best runs that may be inserted (0: every run they have seen)
        self.word_cost = word_cost  # what a word after an inserted stopword costs at least (nats), for pruning
        self.weight = weight
        self.beam = beam
        self.widths = (first, second)  # stopwords tried as a gap's first inserted word, and after each
        # The stopwords the model reads as one sub-word token, by that token
        # (mid-sentence, and capitalized to open a sentence).
        self.stopword_ids: dict[bool, dict[int, str]] = {False: {}, True: {}}
        for word in sorted(STOPWORDS):
            for capital in (False, True):
                form = word[:1].upper() + word[1:] if capital else word
                pieces = lm.pieces(form)
                if len(pieces) == 1 and "'" not in word:
                    self.stopword_ids[capital][pieces[0]] = word
        self._free: list[int] = []

    def write(self, sentences: Sequence[Sequence[Position]]) -> list[Written]:
        """Every sentence written, as many at a time as the model's sequences allow."""
        first, second = self.widths
        # Sequences one sentence holds at most: its beam, each hypothesis's
        # stopword branches, the options whose further tokens are read, the new beam.
        per_sentence = self.beam * (1 + first + first * second) + 3 * self.beam
        most = max(1, (self.lm.SEQUENCES - 1) // per_sentence)
        # The KV cache holds every hypothesis's text: about beam x 2 sub-word
        # tokens per input token (and the branches), for all sentences at once.
        budget = self.lm.context // 2
        out: list[Written] = []
        group: list[Sequence[Position]] = []
        used = 0
        for sentence in sentences:
            need = self.beam * (len(self.lm.start) + 2 * len(sentence) + 8)
            if group and (len(group) >= most or used + need > budget):
                out += self._write_group(group)
                group, used = [], 0
            group.append(sentence)
            used += need
        if group:
            out += self._write_group(group)
        return out

    # Sequence ids of llama.cpp's KV cache, taken and given back.
    def _branch(self, seq: int | None) -> int:
        new = self._free.pop()
        if seq is not None:
            self.lm.ll.llama_memory_seq_cp(self.lm.memory, seq, new, -1, -1)
        return new

    def _give(self, seq: int) -> None:
        self.lm.ll.llama_memory_seq_rm(self.lm.memory, seq, -1, -1)
        self._free.append(seq)

    def _write_group(self, sentences: Sequence[Sequence[Position]]) -> list[Written]:
        lm = self.lm
        lm.ll.llama_memory_clear(lm.memory, True)
        self._free = list(range(lm.SEQUENCES - 1, -1, -1))
        starts = [self._branch(None) for _ in sentences]
        last = len(lm.start) - 1
        rows = lm.decode([(tok, pos, seq, pos == last) for seq in starts for pos, tok in enumerate(lm.start)])
        beams = [[_Hyp(seq, len(lm.start), rows[k].copy(), 0.0, None, None)] for k, seq in enumerate(starts)]
        scored: list[list[dict[int, float]]] = [[] for _ in sentences]
        for i in range(max((len(s) for s in sentences), default=0)):
            active = [k for k, s in enumerate(sentences) if i < len(s)]
            steps = self._step([beams[k] for k in active], [sentences[k][i] for k in active])
            for k, (beam, best) in zip(active, steps):
                beams[k] = beam
                scored[k].append(best)
        written = []
        for k, sentence in enumerate(sentences):
            choice: list[int] = []
            runs: list[Run] = []
            back = max(beams[k], key=lambda h: h.score).back
            while back is not None:
                back, run, j = back
                choice.append(j)
                runs.append(run)
            choice.reverse()
            runs.reverse()
            scores = []
            for best, position in zip(scored[k], sentence):
                top = max(best.values())
                scores.append([round((best[m] - top) / _LN10, 4) if m in best else -math.inf
                               for m in range(len(position.words))])
            written.append(Written(choice, runs + [()], scores))
        return written

    def _step(self, beams: list[list[_Hyp]], positions: list[Position]) -> list[tuple[list[_Hyp], dict[int, float]]]:
        """One input token for every sentence in flight: the stopword branches,
        every candidate after each, the ``beam`` best kept and written into the cache."""
        contexts = [[_Context(h, h.seq, (), 0.0, h.row) for h in beam] for beam in beams]
        for depth, width in enumerate(self.widths, 1):
            if width:
                self._insert(contexts, positions, depth, width)
        options = [self._options(here, position) for here, position in zip(contexts, positions)]
        self._read_further(options)
        results = self._keep(options, positions)
        for here in contexts:
            for context in here:
                self._give(context.seq)
        return results

    def _insert(self, contexts: list[list[_Context]], positions: list[Position], depth: int, width: int) -> None:
        """Each context whose run is ``depth - 1`` long, followed by each of
        the ``width`` stopwords the model ranks highest there (among those
        the gap statistics have seen there), added to ``contexts``.

        A branch is read only if it can still make the beam: its score so far,
        less ``word_cost``, must reach the ``beam``-th best score an option
        already has, for a word after it can only lower it (by at least
        ``word_cost``: 0 makes the pruning exact).
        """
        items, made = [], []
        for k, position in enumerate(positions):
            if not position.open:
                continue
            runs = [run for run, _ in self._runs(position.gap)]
            reach = self._reach(contexts[k], position)
            for context in [c for c in contexts[k] if len(c.run) == depth - 1]:
                allowed = {r[depth - 1] for r in runs if len(r) >= depth and r[:depth - 1] == context.run}
                capital = context.hyp.last is None and not context.run
                base = context.hyp.score + context.logp
                for token, word in self._ranked(context.row, capital, allowed, width):
                    logp = float(context.row[token])
                    if base + logp - self.word_cost < reach:
                        break  # ranked best first: the rest fall short too
                    seq = self._branch(context.seq)
                    items.append((token, context.hyp.length + len(context.run), seq, True))
                    made.append((k, context, seq, word, logp))
        if items:
            rows = self.lm.decode(items)
            for (k, context, seq, word, logp), row in zip(made, rows):
                contexts[k].append(_Context(context.hyp, seq, context.run + (word,), context.logp + logp, row))

    def _runs(self, gap: tuple[str, str]) -> list[tuple[Run, float]]:
        """The runs the gap statistics rank best in this gap (all they have seen if ``runs`` is 0)."""
        seen = [(run, score) for run, score in self.gaps.options(*gap) if run]
        return sorted(seen, key=lambda rs: -rs[1])[:self.runs] if self.runs else seen

    def _reach(self, contexts: list[_Context], position: Position) -> float:
        """The ``beam``-th best score among the options whose score is already
        final (one sub-word token), or -inf if there are fewer."""
        final = sorted((o.score for o in self._options(contexts, position, keep=None) if len(o.pieces) == 1),
                       reverse=True)
        return final[self.beam - 1] if len(final) >= self.beam else -math.inf

    def _ranked(self, row: Any, capital: bool, allowed: set[str], width: int) -> list[tuple[int, str]]:
        """The ``width`` stopwords the model ranks highest here, among those allowed."""
        ranked = sorted(((float(row[token]), token, word) for token, word in self.stopword_ids[capital].items()
                         if word in allowed), reverse=True)
        return [(token, word) for _, token, word in ranked[:width]]

    def _options(self, contexts: list[_Context], position: Position, keep: int | None = 2) -> list[_Option]:
        """Every candidate after every context, by its first sub-word token;
        the ``keep * beam`` best go on (a word's later tokens only lower its score)."""
        options = []
        for context in contexts:
            previous = context.run[-1] if context.run else context.hyp.last
            base = context.hyp.score + context.logp
            for j, word in enumerate(position.words):
                if previous is None:
                    word = word[:1].upper() + word[1:]
                pieces = self.lm.text_pieces(as_text(word, previous))
                score = base + float(context.row[pieces[0]]) + self.weight * _LN10 * position.deltas[j]
                options.append(_Option(score, context, j, pieces))
        if keep is None:
            return options
        options.sort(key=lambda o: -o.score)
        return options[:keep * self.beam]

    def _read_further(self, options: list[list[_Option]]) -> None:
        """Add the later sub-word tokens' log-probabilities to the options
        that have them and can still make the beam (their first token's
        score reaches the ``beam``-th best final score)."""
        items, owners = [], []
        for here in options:
            final = sorted((o.score for o in here if len(o.pieces) == 1), reverse=True)
            reach = final[self.beam - 1] if len(final) >= self.beam else -math.inf
            for option in here:
                if len(option.pieces) > 1 and option.score < reach:
                    option.score = -math.inf  # cannot make the beam: never read
                elif len(option.pieces) > 1:
                    option.seq = self._branch(option.context.seq)
                    base = option.context.hyp.length + len(option.context.run)
                    items += [(tok, base + m, option.seq, True) for m, tok in enumerate(option.pieces[:-1])]
                    owners.append(option)
        if not items:
            return
        rows = self.lm.decode(items)
        at = 0
        for option in owners:
            for piece in option.pieces[1:]:
                option.score += float(rows[at][piece])
                at += 1

    def _keep(self, options: list[list[_Option]], positions: list[Position]
              ) -> list[tuple[list[_Hyp], dict[int, float]]]:
        """The ``beam`` best options of each sentence, written into the cache
        as the new hypotheses (the last sub-word token read for each: the
        rest are there already); and each candidate's best score."""
        items, kept = [], []
        best: list[dict[int, float]] = []
        for k, here in enumerate(options):
            here.sort(key=lambda o: -o.score)
            scores: dict[int, float] = {}
            for option in here:
                scores.setdefault(option.j, option.score)
            best.append(scores)
            for option in here[self.beam:]:
                if option.seq is not None:
                    self._give(option.seq)
            for option in here[:self.beam]:
                seq = option.seq if option.seq is not None else self._branch(option.context.seq)
                at = option.context.hyp.length + len(option.context.run) + len(option.pieces) - 1
                items.append((option.pieces[-1], at, seq, True))
                kept.append((k, option, seq))
        rows = self.lm.decode(items)
        beams: list[list[_Hyp]] = [[] for _ in options]
        for (k, option, seq), row in zip(kept, rows):
            context = option.context
            beams[k].append(_Hyp(seq, context.hyp.length + len(context.run) + len(option.pieces), row.copy(),
                                 option.score, (context.hyp.back, context.run, option.j), positions[k].words[option.j]))
        return [(beam, scores) for beam, scores in zip(beams, best)]


def positions_of(written: Sequence[str], candidates: Sequence[Sequence[str]], choices: Sequence[Choice],
                 most: int, margin: float) -> list[Position]:
    """A sentence's positions for the writer: each token's ``most`` best
    candidates within ``margin`` (log10) of the n-gram search's choice,
    written in its case, and the gap before it."""
    out = []
    previous = START
    for word, words, choice in zip(written, candidates, choices):
        token = lm_token(word.lower())
        near: list[tuple[int, float]] = []
        if any(c.isalpha() for c in word):
            own = dict(choice.alternatives).get(choice.index, 0.0)
            near = [(k, d - own) for k, d in choice.alternatives
                    if k != choice.index and d - own >= -margin][:most - 1]
        out.append(Position(tuple([word] + [like(word, words[choice.index], words[k]) for k, _ in near]),
                            tuple([choice.index] + [k for k, _ in near]),
                            tuple([0.0] + [d for _, d in near]),
                            (previous, token), word not in _ATTACHED))
        previous = token
    return out
