"""The destem command end to end, on the user's stemmed seed and on bad input."""

from __future__ import annotations

import json
import shutil

import pytest

from restore import default_model_dir

from .conftest import ESSAY, STEMMED_SEED, assert_clean_error, run

pytestmark = pytest.mark.system


@pytest.mark.parametrize("mode", [[], ["--joint"]], ids=["default", "joint"])
def test_restoring_the_seed_keeps_every_line_and_token(tmp_path, mode):
    text = "\n".join(STEMMED_SEED.read_text(encoding="utf-8").split(" . ")[:40]) + "\n\nsecond paragraph .\n"
    source = tmp_path / "in.txt"
    source.write_text(text, encoding="utf-8")
    done = run("restore", str(source), "--format", "tokens", *mode)
    assert done.returncode == 0, done.stderr.decode()
    out_lines = done.stdout.decode().split("\n")[:-1]
    in_lines = text.split("\n")[:-1]
    assert len(out_lines) == len(in_lines)
    for before, after in zip(in_lines, out_lines):
        assert len(before.split()) == len(after.split())
    assert "" in out_lines  # the empty line stays empty
    words = " ".join(out_lines).split()
    assert "Trotsky" in words and "revolutionary" in words


def test_stdin_jsonl_gives_scores_and_alternatives():
    done = run("restore", "-", "--format", "jsonl", stdin=b"trotski born kherson provinc\n")
    assert done.returncode == 0, done.stderr.decode()
    record = json.loads(done.stdout.decode())
    tokens = record["tokens"]
    assert [t["stem"] for t in tokens] == ["trotski", "born", "kherson", "provinc"]
    assert tokens[0]["word"] == "Trotsky"
    assert tokens[3]["word"].lower() in {"province", "provinces"}
    for t in tokens:
        assert 0 < t["confidence"] <= 1
        assert t["alternatives"][0][1] == 0.0


def test_output_file_is_written_whole(tmp_path):
    target = tmp_path / "out.txt"
    done = run("restore", str(STEMMED_SEED), "-o", str(target))
    assert done.returncode == 0
    restored = target.read_text(encoding="utf-8")
    assert len(restored.split()) == len(STEMMED_SEED.read_text(encoding="utf-8").split())
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left


def test_failed_run_leaves_no_partial_output(tmp_path):
    source = tmp_path / "bad.txt"
    source.write_bytes(b"trotski born\nkherson provinc\n\xff\xfe broken\n")
    target = tmp_path / "out.txt"
    done = run("restore", str(source), "-o", str(target))
    assert_clean_error(done, 1, "line 3", "UTF-8")
    assert list(tmp_path.iterdir()) == [source]


def test_replace_errors_goes_on(tmp_path):
    source = tmp_path / "bad.txt"
    source.write_bytes(b"trotski born\n\xff kherson\n")
    done = run("restore", str(source), "--errors", "replace")
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert len(lines) == 2 and len(lines[1].split()) == 2


@pytest.mark.parametrize("make, words", [
    (lambda d: d / "missing.txt", ["no such file"]),
    (lambda d: d, ["directory"]),
    (lambda d: (d / "bin").write_bytes(b"\x7fELF\x00\x01\x02") and d / "bin", ["NUL", "binary"]),
    (lambda d: "/proc/self/mem", ["cannot read"]),  # opens, then fails on read, even for root
])
def test_bad_input_is_one_clear_line(tmp_path, make, words):
    assert_clean_error(run("restore", str(make(tmp_path))), 1, *words)


def test_windows_line_endings(tmp_path):
    source = tmp_path / "crlf.txt"
    source.write_bytes(b"trotski born\r\nred armi\r\n")
    done = run("restore", str(source))
    assert done.stdout.decode().splitlines() == ["Trotsky born", "Red Army"]


def test_missing_model_says_how_to_rebuild(tmp_path):
    done = run("restore", str(STEMMED_SEED), "--model", str(tmp_path / "nowhere"))
    assert_clean_error(done, 3, "build-model")


def test_damaged_model_says_how_to_rebuild(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    (model / "lm.bin").write_bytes(b"not a kenlm model")
    done = run("restore", str(STEMMED_SEED), "--model", str(model))
    assert_clean_error(done, 3, "damaged", "build-model")


def test_stem_command_replicates_the_pipeline(tmp_path):
    done = run("stem", str(ESSAY))
    assert done.returncode == 0
    lines = done.stdout.decode().split("\n")[:-1]
    assert len(lines) == len(ESSAY.read_text(encoding="utf-8").split("\n"))
    assert "trotski" in done.stdout.decode().split()


def test_round_trip_stem_then_restore_recovers_most_words():
    stemmed = run("stem", "-", stdin=b"Trotsky organized the Red Army and commanded it in the civil war.\n")
    restored = run("restore", "-", stdin=stemmed.stdout)
    expected = ["Trotsky", "organized", "Red", "Army", "commanded", "civil", "war", "."]
    got = restored.stdout.decode().split()
    assert len(got) == len(expected)
    assert sum(a.lower() == b.lower() for a, b in zip(got, expected)) >= 6
