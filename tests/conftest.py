"""Shared fixtures and the test tiers.

Tiers (pytest markers): ``unit`` needs no default model (a tiny model is
built here, in seconds, by the real builder from the essay shipped with
destem); ``model`` needs the default model; ``system`` runs the command line
in subprocesses, Dask clusters and installs. ``pytest -m unit`` is the quick
tier. Doctests are tiered too: those that restore with the default model
are ``model``, the rest ``unit``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from restore import Restorer, default_model_dir, pipeline
from restore.build import build_model

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
STEMMED_SEED = DATA / "trotsky.stemmed.txt"
ESSAY = DATA / "trotsky-essay.txt"
DESTEM = [sys.executable, "-m", "restore"]
# Doctests that restore with the default model.
_MODEL_DOCTESTS = ("restore.api.", "restore.cluster.", "restore.terms", "restore.__init__")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.DoctestItem):
            tier = "model" if any(item.name.startswith(p) or item.name == "restore" for p in _MODEL_DOCTESTS) else "unit"
            item.add_marker(tier)


def run(*args: str, stdin: bytes | None = None, **kwargs) -> subprocess.CompletedProcess:
    """The destem command in a subprocess."""
    return subprocess.run([*DESTEM, *args], input=stdin, capture_output=True, timeout=300, **kwargs)


def words_right(restorer: Restorer, lines: list[list[pipeline.Token]]) -> tuple[int, int]:
    """Alphabetic tokens restored exactly (case-insensitive), and how many there are."""
    right = total = 0
    for tokens in lines:
        words = restorer.restore_words([t.stem for t in tokens])
        assert len(words) == len(tokens)
        for token, word in zip(tokens, words):
            if any(c.isalpha() for c in token.surface):
                total += 1
                right += word.lower() == token.surface.lower()
    return right, total


# A two-line input for the command-line fault tests, and the run that drops
# root's override of file permissions (CI runs as root).
LINES = "trotski born kherson provinc , ukrain .\nred armi\n"
NO_OVERRIDE = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
               "--bounding-set=-dac_override,-dac_read_search"]


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    """The two lines in a file of a temporary folder."""
    path = tmp_path / "in.txt"
    path.write_text(LINES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean_output() -> bytes:
    """What a clean run of the command makes of the two lines."""
    done = run("restore", "-", stdin=LINES.encode())
    assert done.returncode == 0
    return done.stdout


def assert_clean_error(done: subprocess.CompletedProcess, code: int, *words: str) -> None:
    """Exit ``code``, one line on stderr naming ``words``, no traceback."""
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


@pytest.fixture(scope="session")
def default_restorer() -> Restorer:
    return Restorer(default_model_dir())


@pytest.fixture(scope="session")
def essay_sentences() -> list[list[pipeline.Token]]:
    return [s for line in ESSAY.read_text(encoding="utf-8").splitlines() for s in pipeline.analyse_line(line)]


@pytest.fixture(scope="session")
def essay_model(tmp_path_factory, essay_sentences) -> Path:
    """A complete model trained on the essay alone by the real builder (seconds):
    its own words as the word list, no wordfreq, trigrams."""
    folder = tmp_path_factory.mktemp("essay-model")
    words = folder / "words.txt"
    words.write_text("\n".join(sorted({t.surface for s in essay_sentences for t in s})) + "\n", encoding="utf-8")
    return build_model(folder / "model", source_names=["essay"], order=3, memory="200M", jobs=1, english=False,
                       word_list=words, frequencies=False)
