"""The llama.cpp batch engine of accurate mode: log-probabilities of many
texts that share prefixes, read in few batches (see :mod:`restore.neural`)."""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from ..memo import Memo
from . import INSTALL, runtime

if TYPE_CHECKING:  # numpy comes with llama-cpp-python, not with destem's default install
    import numpy as np

# SmolLM2's GGUF adds no start token of its own: a text starts after
# <|endoftext|>. Models that declare one (Gemma's <bos>) start with it.
START = "<|endoftext|>"


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


# llama.cpp keeps one log callback for the whole process; it must outlive
# every model (a callback freed with the first model crashed the process
# when the second one logged).
_QUIET: list[Any] = []


def _silence(ll: Any) -> None:
    """Send llama.cpp's log nowhere, once per process."""
    if not _QUIET:
        _QUIET.append(ll.llama_log_callback(lambda level, text, data: None))
        ll.llama_log_set(_QUIET[0], ctypes.c_void_p(0))


class NeuralLM:
    """SmolLM2 in a llama.cpp context: log-probabilities of many texts sharing prefixes."""

    # Tokens read at once (the logits of each are kept: 4 bytes x 49,152 each).
    BATCH = 512
    SEQUENCES = 256  # llama.cpp's most
    MAX_PIECES = 32

    def __init__(self, path: Path, threads: int, context: int = 4 * BATCH) -> None:
        """``context``: tokens the KV cache holds across all sequences at once."""
        ll = self.ll = runtime()
        _silence(ll)
        ll.llama_backend_init()
        self.model = ll.llama_model_load_from_file(str(path).encode(), ll.llama_model_default_params())
        if not self.model:
            raise ModelError(f"cannot load the neural model {path} (not a llama.cpp GGUF model?); "
                             f"the default one installs with: {INSTALL}")
        self.vocab = ll.llama_model_get_vocab(self.model)
        self.n_vocab = ll.llama_vocab_n_tokens(self.vocab)
        params = ll.llama_context_default_params()
        params.n_ctx = self.context = context
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
        adds_start = ll.llama_vocab_get_add_bos(self.vocab)
        self.start = (ll.llama_vocab_bos(self.vocab),) if adds_start else self._tokenize(START, special=True)
        self._pieces: Memo[str, tuple[int, ...]] = Memo(self._text_pieces)

    def close(self) -> None:
        ll = self.ll
        if self.ctx:
            ll.llama_batch_free(self.batch)
            ll.llama_free(self.ctx)
            ll.llama_model_free(self.model)
            self.ctx = self.model = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown: llama.cpp may be gone already
            self.close()

    def _tokenize(self, text: str, special: bool = False) -> tuple[int, ...]:
        data = text.encode("utf-8")
        room = len(data) + 8
        buf = (self.ll.llama_token * room)()
        n = self.ll.llama_tokenize(self.vocab, data, len(data), buf, room, False, special)
        return tuple(buf[:max(n, 0)])

    def pieces(self, word: str) -> tuple[int, ...]:
        """A word's sub-word tokens as it reads inside text (after a space)."""
        return self._pieces[" " + word]

    def text_pieces(self, text: str) -> tuple[int, ...]:
        """The sub-word tokens of a stretch of text; a freak token is read by
        its first ``MAX_PIECES``, so that any word fits a batch."""
        return self._pieces[text]

    def _text_pieces(self, text: str) -> tuple[int, ...]:
        return self._tokenize(text)[:self.MAX_PIECES]

    def decode(self, items: Sequence[tuple[int, int, int, bool]]) -> np.ndarray:
        """Read tokens (token, position, sequence, wants logits), in batches
        of at most ``BATCH``; the log-softmax rows of those that want
        logits, in order."""
        import numpy as np

        if len(items) <= self.BATCH:
            return self._decode(items)
        parts = [self._decode(items[at:at + self.BATCH]) for at in range(0, len(items), self.BATCH)]
        return np.concatenate(parts)

    def _decode(self, items: Sequence[tuple[int, int, int, bool]]) -> np.ndarray:
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
