"""The model directory: its files, format version, manifest and loading.

This is the one module that names a model file. The builder
(``restore.build``) writes through :class:`ModelFiles`; the runtime opens a
directory with :func:`load`, which checks everything it can without reading
the data (the folder, every file, the manifest, the format version, each
file's size and header against the manifest) and raises :class:`ModelError`
with the command that rebuilds it. The parts themselves load when first
used: KenLM binaries are memory-mapped and the lexicon is searched in place,
so restoring one short line does not pay for the whole model.

    lm.bin          KenLM binary over lowercased, stopword-free tokens (the word model)
    case.bin        KenLM binary over the same tokens as written (the case model)
    prose.bin       KenLM binary over the full text, stopwords kept (the prose model)
    spelling.bin    character 6-gram KenLM binary of names (ranks guessed spellings)
    english.bin     KenLM binary of CMU's generic US-English trigram model (optional;
                    scores the words beside lm.bin, and the prose beside prose.bin)
    stems.tsv       stem -> candidate words with log10 P(word | stem), sorted by stem
    cases.tsv       word -> usual written form, and its form opening a sentence
    gaps.json.gz    the stopword runs that filled gaps between content words
    rules.json      stem -> word rules, to propose spellings of unseen names
    manifest.json   format, sources, held-out documents, versions, file sizes
"""

from __future__ import annotations

import gzip
import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import kenlm

from .errors import ModelError
from .gaps import GapRuns
from .lexicon import Lexicon

# Bumped whenever the files change meaning; older models must be rebuilt.
FORMAT_VERSION = 5
_KENLM_MAGIC = b"mmap lm "  # how every KenLM binary file begins
_GZIP_MAGIC = b"\x1f\x8b"


class ModelFiles:
    """The paths of one model directory's files (for the builder and the loader)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.lm = self.folder / "lm.bin"
        self.case = self.folder / "case.bin"
        self.prose = self.folder / "prose.bin"
        self.spelling = self.folder / "spelling.bin"
        self.english = self.folder / "english.bin"
        self.stems = self.folder / "stems.tsv"
        self.cases = self.folder / "cases.tsv"
        self.gaps = self.folder / "gaps.json.gz"
        self.rules = self.folder / "rules.json"
        self.manifest = self.folder / "manifest.json"

    def data_files(self) -> list[Path]:
        """Every file every model has, but the manifest, which records their sizes."""
        return [self.lm, self.case, self.prose, self.spelling, self.stems, self.cases, self.gaps, self.rules]

    def optional_files(self) -> list[Path]:
        """Files a model may have (the manifest lists those it has)."""
        return [self.english]

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest last: the format and every data file's size."""
        present = self.data_files() + [p for p in self.optional_files() if p.is_file()]
        manifest = {"format": FORMAT_VERSION, **manifest, "bytes": {p.name: p.stat().st_size for p in present}}
        self.manifest.write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def cache_dir() -> Path:
    """Where built tools, fetched sources and the installed default model live
    (``$DESTEM_CACHE`` wins, then ``$XDG_CACHE_HOME/destem``)."""
    base = os.environ.get("DESTEM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "destem"
    )
    return Path(base)


def default_model_dir() -> Path:
    """``$DESTEM_MODEL``, else ``models/default`` of this checkout, else the cache."""
    if os.environ.get("DESTEM_MODEL"):
        return Path(os.environ["DESTEM_MODEL"])
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "models" / "default"
    return cache_dir() / "models" / "default"


def rebuild_hint(folder: Path) -> str:
    return f"rebuild it with: destem build-model --out {folder}"


def load(folder: str | Path) -> Model:
    """Open a model directory, checking it whole before anything is used.

    >>> load("/nonexistent")
    Traceback (most recent call last):
    ...
    restore.errors.ModelError: no model at /nonexistent; build it with: destem build-model --out /nonexistent
    """
    files = ModelFiles(folder)
    where = files.folder
    if where.exists() and not where.is_dir():
        raise ModelError(f"{where} is a file, not a model; a model is the folder destem build-model writes")
    if not where.is_dir():
        raise ModelError(f"no model at {where}; build it with: destem build-model --out {where}")
    if not os.access(where, os.R_OK | os.X_OK):
        raise ModelError(f"cannot read the model directory {where} (permission denied)")
    missing = [p.name for p in [*files.data_files(), files.manifest] if not p.is_file()]
    if missing:
        raise ModelError(f"model directory {where} lacks {', '.join(missing)}; {rebuild_hint(where)}")
    try:
        manifest = json.loads(files.manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"model directory {where} has an unreadable manifest.json ({exc}); "
                         f"{rebuild_hint(where)}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("bytes"), dict):
        raise ModelError(f"model directory {where} has a manifest.json of the wrong shape; {rebuild_hint(where)}")
    if manifest.get("format") != FORMAT_VERSION:
        raise ModelError(f"model directory {where} was built by another version of destem "
                         f"(format {manifest.get('format')}, this one reads {FORMAT_VERSION}); {rebuild_hint(where)}")
    listed = [p for p in files.optional_files() if p.name in manifest["bytes"]]
    missing = [p.name for p in listed if not p.is_file()]
    if missing:
        raise ModelError(f"model directory {where} lacks {', '.join(missing)}; {rebuild_hint(where)}")
    for path in files.data_files() + listed:
        expected = manifest["bytes"].get(path.name)
        size = path.stat().st_size
        if size != expected:
            raise ModelError(f"model directory {where} is damaged: {path.name} has {size} bytes, "
                             f"the manifest says {expected}; {rebuild_hint(where)}")
        magic = _KENLM_MAGIC if path.suffix == ".bin" else _GZIP_MAGIC if path.suffix == ".gz" else None
        if magic is not None and _head(path, len(magic)) != magic:
            raise ModelError(f"model directory {where} is damaged: {path.name} is not what destem wrote; "
                             f"{rebuild_hint(where)}")
    return Model(files, manifest)


def _head(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


class Model:
    """A checked model directory whose parts load on first use.

    A part that turns out unreadable when it is loaded (damaged inside,
    though of the right size) raises :class:`ModelError` then.
    """

    def __init__(self, files: ModelFiles, manifest: dict[str, Any]) -> None:
        self.files = files
        self.manifest = manifest

    @property
    def folder(self) -> Path:
        return self.files.folder

    def _damaged(self, name: str, exc: BaseException) -> ModelError:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return ModelError(f"model directory {self.folder} is damaged: {name} cannot be read ({detail}); "
                          f"{rebuild_hint(self.folder)}")

    def _kenlm(self, path: Path) -> kenlm.Model:
        config = kenlm.Config()
        config.load_method = kenlm.LoadMethod.LAZY  # mmap: pages come in as queries touch them
        try:
            return kenlm.Model(str(path), config)
        except (OSError, RuntimeError) as exc:
            raise self._damaged(path.name, exc) from None

    @cached_property
    def lm(self) -> kenlm.Model:
        """The word model: lowercased text without stopwords."""
        return self._kenlm(self.files.lm)

    @cached_property
    def case_lm(self) -> kenlm.Model:
        """The case model: the same text as written."""
        return self._kenlm(self.files.case)

    @cached_property
    def prose_lm(self) -> kenlm.Model:
        """The full-text model: stopwords kept, rare words as classes."""
        return self._kenlm(self.files.prose)

    @cached_property
    def spelling_lm(self) -> kenlm.Model:
        """The character model of names."""
        return self._kenlm(self.files.spelling)

    @cached_property
    def english_lm(self) -> kenlm.Model | None:
        """CMU's generic English model, if the model was built with it."""
        return self._kenlm(self.files.english) if self.files.english.name in self.manifest["bytes"] else None

    @cached_property
    def lexicon(self) -> Lexicon:
        try:
            return Lexicon(self.files.stems, self.files.cases)
        except (OSError, ValueError) as exc:
            raise self._damaged(self.files.stems.name, exc) from None

    @cached_property
    def rules(self) -> dict[str, float]:
        try:
            rules = json.loads(self.files.rules.read_text(encoding="utf-8"))
            if not isinstance(rules, dict) or not all(isinstance(v, (int, float)) for v in rules.values()):
                raise ValueError("not a table of rule weights")
            return rules
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise self._damaged(self.files.rules.name, exc) from None

    @cached_property
    def gaps(self) -> GapRuns:
        try:
            with gzip.open(self.files.gaps, "rt", encoding="utf-8") as handle:
                return GapRuns(json.load(handle))
        except (OSError, EOFError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise self._damaged(self.files.gaps.name, exc) from None
