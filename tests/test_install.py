"""A built wheel, installed away from the checkout, finds its data and tools
and builds and restores with them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from restore.build import kenlm, sources

pytestmark = pytest.mark.system

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_SCRIPT = """
import sys
from importlib import resources
from pathlib import Path

import restore
from restore import default_model_dir
from restore.build import build_model, kenlm, sources

site = Path(sys.argv[1])
assert Path(restore.__file__).is_relative_to(site), restore.__file__
data = resources.files("restore.data")
assert (data / "trotsky-essay.txt").is_file() and (data / "trotsky.stemmed.txt").is_file()
assert default_model_dir() == Path(sys.argv[2]) / "models" / "default", default_model_dir()
print("tools", kenlm.find_tools())
print("word list", sources.word_list_file())
print("wordnet", sources.wordnet_dir())
essay = next(sources.essay_documents()).text
words = Path(sys.argv[2]) / "words.txt"
words.write_text(" ".join(sorted(set(essay.split()))), encoding="utf-8")
build_model(Path(sys.argv[2]) / "model", source_names=["essay"], order=3, memory="200M", jobs=1, english=False,
            word_list=words, frequencies=False)
"""


def test_the_wheel_carries_its_data_and_builds_from_anywhere(tmp_path):
    source, wheel_dir, site, home = (tmp_path / name for name in ("source", "wheel", "site", "home"))
    home.mkdir()
    # Built from a copy, so the checkout gets no build/ folder.
    top_level = {".git", ".venv", "models", "build", "destem.egg-info"}
    shutil.copytree(ROOT, source, ignore=lambda folder, names: [n for n in names if folder == ROOT and n in top_level])
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheel_dir), str(source)],
                   check=True, capture_output=True, timeout=300)
    wheel = next(wheel_dir.glob("destem-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site), "DESTEM_CACHE": str(home),
           "DESTEM_KENLM_BIN": str(kenlm.find_tools() or kenlm.build_tools())}
    env.pop("DESTEM_MODEL", None)
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(site), str(home)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"word list {sources.word_list_file()}" in done.stdout
    restored = subprocess.run([sys.executable, "-m", "restore", "restore", "--model", str(home / "model"), "-"],
                              input="trotski organ red armi .\n", cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    words = restored.stdout.split()
    assert len(words) == 5 and words[0] == "Trotsky" and words[2:] == ["Red", "Army", "."]
    assert words[1].startswith("organi")
