"""Faults and bad input through the real command: the exit code, one line on
stderr, no traceback, and the output state (absent, complete, or the same
bytes as a clean run). Permission cases drop root's override, since CI runs
as root."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restore import cluster, default_model_dir

from .conftest import DESTEM, ESSAY, NO_OVERRIDE, STEMMED_SEED, assert_clean_error, run

pytestmark = pytest.mark.system

def _without_override(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*NO_OVERRIDE, *DESTEM, *args], capture_output=True, timeout=300, **kwargs)


# Output that cannot be written: exit 6, nothing left behind.

@pytest.mark.parametrize("option, target, words", [
    ("-o", "out.txt", ["cannot write", "permission"]),
    ("--out-dir", "out", ["cannot create", "ermission"]),
])
def test_output_into_a_folder_without_write_permission(tmp_path, source, option, target, words):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    done = _without_override("restore", str(source), option, str(locked / target))
    assert_clean_error(done, 6, *words)
    assert list(locked.iterdir()) == []


def test_output_naming_a_directory(tmp_path, source):
    assert_clean_error(run("restore", str(source), "-o", str(tmp_path)), 6, "is a directory")


def test_stdout_on_a_full_disk(source):
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*DESTEM, "restore", str(source)], stdout=full, stderr=subprocess.PIPE, timeout=300)
    assert_clean_error(done, 6, "standard output", "No space left")


@pytest.mark.parametrize("make", [
    lambda d: (d / "afile").write_text("x") and d / "afile",  # a file, not a folder
    lambda d: (d / "afile").write_text("x") and d / "afile" / "below",  # below a file
])
def test_out_dir_that_cannot_be_a_folder(tmp_path, source, make):
    done = run("restore", str(source), "--out-dir", str(make(tmp_path)))
    assert_clean_error(done, 6, "afile")


# Dask specifications.

def test_dask_local_zero_is_a_usage_error(source, tmp_path):
    done = run("restore", str(source), "--out-dir", str(tmp_path / "o"), "--dask", "local:0")
    assert_clean_error(done, 2, "local:N")


def test_dask_address_that_is_no_address(source, tmp_path):
    done = run("restore", str(source), "--out-dir", str(tmp_path / "o"), "--dask", "notanaddress!!")
    assert_clean_error(done, 5, "cannot reach the Dask scheduler")
    assert not (tmp_path / "o" / "in.txt").exists()


# The resume manifest of --out-dir.

@pytest.mark.parametrize("content", [b"garbage{", b"[1, 2]", b'{"files": [1]}'])
def test_damaged_resume_manifest_is_set_aside(tmp_path, source, clean_output, content):
    out = tmp_path / "out"
    out.mkdir()
    (out / cluster.MANIFEST).write_bytes(content)
    done = run("restore", str(source), "--out-dir", str(out))
    assert done.returncode == 0 and "Traceback" not in done.stderr.decode()
    assert "set aside" in done.stderr.decode()
    assert (out / "in.txt").read_bytes() == clean_output
    assert (out / (cluster.MANIFEST + ".damaged")).read_bytes() == content
    assert json.loads((out / cluster.MANIFEST).read_text())["files"]


def test_resume_manifest_is_keyed_by_the_resolved_path(tmp_path, source):
    out = tmp_path / "out"
    first = run("restore", "in.txt", "--out-dir", str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stderr.decode()
    second = run("restore", str(source.resolve()), "--out-dir", str(out))
    assert "already restored, skipped" in second.stderr.decode()


# A damaged model: exit 3 with the rebuild command.

@pytest.mark.parametrize("name, content", [("manifest.json", b"[1, 2]"), ("rules.json", b"[1]")])
def test_model_files_of_the_wrong_shape(tmp_path, source, name, content):
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    manifest = json.loads((model / "manifest.json").read_text())
    if name != "manifest.json":
        manifest["bytes"][name] = len(content)
        (model / "manifest.json").write_text(json.dumps(manifest))
    (model / name).write_bytes(content)
    assert_clean_error(run("restore", str(source), "--model", str(model)), 3, "build-model")


# Input checked before anything slow; interruptions.

def test_a_mistyped_input_is_refused_before_any_model_is_built(tmp_path):
    env = {**os.environ, "DESTEM_MODEL": str(tmp_path / "no-model-yet")}
    began = time.monotonic()
    done = run("restore", str(tmp_path / "mistyped.txt"), env=env)
    assert_clean_error(done, 1, "no such file")
    assert time.monotonic() - began < 30
    assert not (tmp_path / "no-model-yet").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_interrupting_a_build_exits_130_and_leaves_no_temporary_folder(tmp_path, signum):
    """SIGTERM to the command, or Ctrl-C (SIGINT to its whole process group,
    build workers included): one message, no worker tracebacks."""
    proc = subprocess.Popen([*DESTEM, "build-model", "--out", str(tmp_path / "m")], stderr=subprocess.PIPE,
                            start_new_session=True)
    time.sleep(4)  # reading the registry sources by now
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    text = err.decode()
    assert "Traceback" not in text and text.strip().splitlines()[-1].startswith("destem: interrupted")
    assert list(tmp_path.iterdir()) == []


# Files the command writes get the user's umask.

def test_output_files_follow_the_umask(tmp_path, source):
    out = tmp_path / "o.txt"
    done = subprocess.run(["sh", "-c", f"umask 022 && exec {' '.join(DESTEM)} restore {source} -o {out}"],
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    folder = tmp_path / "folder"
    done = subprocess.run(["sh", "-c", f"umask 027 && exec {' '.join(DESTEM)} restore {source} --out-dir {folder}"],
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    for written in (folder / "in.txt", folder / cluster.MANIFEST):
        assert stat.S_IMODE(written.stat().st_mode) == 0o640


def test_stale_temporary_files_of_killed_runs_are_removed(tmp_path, source):
    out = tmp_path / "out.txt"
    dead = tmp_path / ".out.txt.999999999.abc.part"  # no such process
    alive = tmp_path / f".out.txt.{os.getpid()}.abc.part"  # a run still going
    dead.write_text("half")
    alive.write_text("half")
    assert run("restore", str(source), "-o", str(out)).returncode == 0
    assert not dead.exists() and alive.exists()


# Empty input is valid in every mode.

def test_empty_input_gives_empty_output_everywhere(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for fmt in ("tokens", "text", "jsonl"):
        done = run("restore", str(empty), "--format", fmt)
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert run("restore", "-", stdin=b"").returncode == 0
    done = run("restore", str(empty), "-o", str(tmp_path / "o.txt"))
    assert done.returncode == 0 and (tmp_path / "o.txt").read_bytes() == b""
    done = run("restore", str(empty), "--out-dir", str(tmp_path / "dir"))
    assert done.returncode == 0 and (tmp_path / "dir" / "empty.txt").read_bytes() == b""


# Cases that already worked, kept working.

@pytest.mark.parametrize("content, code, words", [
    (b"trotski\n\xff\xfe\n", 1, ["line 2", "UTF-8"]),
    (b"\x7fELF\x00\x01", 1, ["NUL"]),
])
def test_bad_bytes(tmp_path, content, code, words):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert_clean_error(run("restore", str(path), "-o", str(tmp_path / "o.txt")), code, *words)
    assert not (tmp_path / "o.txt").exists()


def test_usage_errors_are_one_line(source):
    assert_clean_error(run("restore", str(source), "--bogus"), 2, "--bogus")
    assert_clean_error(run("restore", str(source), "--beam", "0"), 2, "--beam")
    assert_clean_error(run("restore", str(source), "--format", "xml"), 2, "--format")


def test_typographic_apostrophes_through_the_command():
    done = run("restore", "-", stdin="it’ clear citi’ humans’ right .\n".encode())
    assert done.returncode == 0
    assert [w.lower() for w in done.stdout.decode().split()[:4]] == ["it’s", "clear", "city’s", "humans’"]


def test_the_stem_command_refuses_bad_input_the_same_way(tmp_path):
    assert_clean_error(run("stem", str(tmp_path / "none.txt")), 1, "no such file")
    assert run("stem", str(ESSAY)).returncode == 0


# Random Unicode through the command: never a traceback, nothing lost.

_token = st.one_of(
    st.sampled_from(sorted(set(STEMMED_SEED.read_text(encoding="utf-8").split()))[:500]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=20),
)
_line = st.lists(_token, max_size=30).map(" ".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_line, min_size=0, max_size=4))
def test_random_unicode_through_the_command(lines):
    text = "".join(line + "\n" for line in lines)
    done = run("restore", "-", stdin=text.encode())
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr.decode()
    out = done.stdout.decode().split("\n")[:-1] if lines else []
    assert [len(o.split()) for o in out] == [len(i.split()) for i in lines]
