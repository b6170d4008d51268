"""Large, long, odd and interrupted input: nothing lost, nothing half-written."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import pytest

from .conftest import DESTEM, STEMMED_SEED, run

pytestmark = pytest.mark.system

SENTENCES = STEMMED_SEED.read_text(encoding="utf-8").split(" . ")


def _corpus(path, lines: int, per_line: int = 6, seed: int = 1) -> None:
    rng = random.Random(seed)
    path.write_text("\n".join(" . ".join(rng.sample(SENTENCES, per_line)) + " ." for _ in range(lines)) + "\n",
                    encoding="utf-8")


def test_output_is_identical_whatever_the_number_of_jobs(tmp_path):
    source = tmp_path / "in.txt"
    _corpus(source, 700)  # several batches, so two workers really share the work
    one = run("restore", str(source), "--jobs", "1")
    two = run("restore", str(source), "--jobs", "2")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout
    assert len(one.stdout.decode().splitlines()) == 700


def test_one_huge_unpunctuated_line_is_restored_whole(tmp_path):
    tokens = [t for t in STEMMED_SEED.read_text(encoding="utf-8").split() if t not in {".", "!", "?"}] * 12
    source = tmp_path / "line.txt"
    source.write_text(" ".join(tokens), encoding="utf-8")
    done = run("restore", str(source))
    assert done.returncode == 0
    assert len(done.stdout.decode().split()) == len(tokens)


def test_overlong_and_odd_tokens_pass_through():
    blob = "a" * 10_000
    done = run("restore", "-", stdin=f"trotski {blob} троцкий 🙂 ʦ\n".encode())
    words = done.stdout.decode().split()
    assert words[0] == "Trotsky"
    assert words[1] == blob
    assert [w.lower() for w in words[2:]] == ["троцкий", "🙂", "ʦ"]  # a name may be capitalized


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_terminated_run_leaves_no_output_file(tmp_path, jobs):
    source = tmp_path / "big.txt"
    _corpus(source, 20000)  # long enough to be still running when the signal comes
    target = tmp_path / "out.txt"
    proc = subprocess.Popen([*DESTEM, "restore", str(source), "-o", str(target), "--jobs", jobs],
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.txt.*.part")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(tmp_path.glob(".out.txt.*.part")), "the run never started writing"
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in err.decode() and "Traceback" not in err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


def test_a_single_50_megabyte_line(tmp_path):
    blob = "ab" * 25_000_000
    source = tmp_path / "huge.txt"
    source.write_text(f"trotski born {blob} red armi\nsecond line .\n", encoding="utf-8")
    done = run("restore", str(source), "-o", str(tmp_path / "out.txt"))
    assert done.returncode == 0, done.stderr.decode()[-300:]
    lines = (tmp_path / "out.txt").read_text(encoding="utf-8").split("\n")
    assert lines[0].split() == ["Trotsky", "born", blob, "Red", "Army"]
    assert len(lines[1].split()) == 3
