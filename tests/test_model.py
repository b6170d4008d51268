"""The model directory: every kind of damage is a ModelError that says how
to rebuild, and restoring never imports the build side."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys

import pytest

from restore import ModelError, Restorer, model

pytestmark = pytest.mark.unit


@pytest.fixture()
def copy(essay_model, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(essay_model, target)
    return target


def _refused(folder, *words: str) -> None:
    with pytest.raises(ModelError) as caught:
        model.load(folder)
    message = str(caught.value)
    assert f"destem build-model --out {folder}" in message
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_built_model_loads_and_names_its_files_once(essay_model):
    loaded = model.load(essay_model)
    assert loaded.manifest["format"] == model.FORMAT_VERSION
    names = sorted(p.name for p in essay_model.iterdir())
    assert names == sorted(p.name for p in [*model.ModelFiles(essay_model).data_files(), loaded.files.manifest])


def test_missing_folder_and_missing_file(copy, tmp_path):
    _refused(tmp_path / "nowhere", "no model")
    (copy / "case.bin").unlink()
    _refused(copy, "lacks case.bin")


def test_truncated_file(copy):
    data = (copy / "lm.bin").read_bytes()
    (copy / "lm.bin").write_bytes(data[: len(data) // 2])
    _refused(copy, "damaged", "lm.bin")


def test_garbage_of_the_right_size(copy):
    size = (copy / "spelling.bin").stat().st_size
    (copy / "spelling.bin").write_bytes(b"x" * size)
    _refused(copy, "damaged", "spelling.bin")


@pytest.mark.parametrize("content, words", [
    (b"{not json", ["unreadable manifest"]),
    (b"[1, 2]", ["wrong shape"]),
    (b"\xff\xfe", ["unreadable manifest"]),
])
def test_unreadable_or_misshapen_manifest(copy, content, words):
    (copy / "manifest.json").write_bytes(content)
    _refused(copy, *words)


def test_another_format_version(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format"] = model.FORMAT_VERSION - 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    _refused(copy, "another version of destem")


def test_a_part_damaged_inside_fails_when_first_used(copy):
    """A gap table of the right size but the wrong shape is found when prose
    first needs it, still as a ModelError with the rebuild command."""
    payload = gzip.compress(json.dumps([1]).encode())
    size = (copy / "gaps.json.gz").stat().st_size
    (copy / "gaps.json.gz").write_bytes(payload + b"\0" * (size - len(payload)))
    restorer = Restorer(copy)
    assert restorer.restore_tokens(["armi"], alternatives=False)[0].word  # words need no gap table
    with pytest.raises(ModelError, match=r"gaps.json.gz.*build-model"):
        restorer.restore_prose(["armi"])


def test_restoring_never_imports_the_build_side(essay_model):
    code = (
        "import sys\n"
        "from restore import Restorer, formats\n"
        f"r = Restorer({str(essay_model)!r})\n"
        "for fmt in formats.FORMATS: formats.line_handler(r, fmt)('trotski organ red armi .')\n"
        "print(sorted(m for m in sys.modules if m.startswith('restore.build')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    cli = subprocess.run([sys.executable, "-X", "importtime", "-m", "restore", "restore", "--model",
                          str(essay_model), "-"], input=b"red armi\n", capture_output=True, timeout=120)
    assert cli.returncode == 0, cli.stderr.decode()[-500:]
    assert cli.stdout.decode() == "Red Army\n"
    assert b"restore.build" not in cli.stderr
