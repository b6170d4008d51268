"""The second round of the fault matrix (issue 20): special files as
outputs, killed and stopped workers, ``--out-dir`` traps, what a resume
compares, strangers posing as Dask schedulers, closed standard streams,
decomposed accents, and the library refusing a bare string.

Every case runs the real command (or the real library call) and checks the
exit code, the one line on stderr and the state of the files afterwards.
Destructive cases only ever touch files made here, in a temporary folder.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import signal
import socket
import stat
import subprocess
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from restore import Restorer, cluster, parallel, restore_terms
from restore.errors import ClusterError

from .conftest import DESTEM, LINES, NO_OVERRIDE, STEMMED_SEED, assert_clean_error, run

SENTENCES = STEMMED_SEED.read_text(encoding="utf-8").split(" . ")


def _corpus(path: Path, lines: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    path.write_text("\n".join(" . ".join(rng.sample(SENTENCES, 6)) + " ." for _ in range(lines)) + "\n",
                    encoding="utf-8")


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def _run_with_workers(source: Path, target: Path) -> tuple[subprocess.Popen, list[int]]:
    """The command restoring ``source`` with two workers, once they are running."""
    proc = subprocess.Popen([*DESTEM, "restore", str(source), "--jobs", "2", "-o", str(target)],
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(proc.pid)
    assert workers, "no worker started"
    return proc, workers


# 1. -o onto what is not a regular file is written through, never replaced.

@pytest.mark.system
def test_output_into_a_fifo_reaches_its_reader_and_the_fifo_stays(tmp_path, source, clean_output):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    done = run("restore", str(source), "-o", str(fifo))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received == [clean_output]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "in.txt"]


@pytest.mark.system
@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_output_onto_a_null_device_leaves_the_device(tmp_path, source):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    done = run("restore", str(source), "-o", str(null))
    assert done.returncode == 0, done.stderr.decode()
    mode = null.lstat().st_mode
    assert stat.S_ISCHR(mode) and os.major(null.lstat().st_rdev) == 1 and os.minor(null.lstat().st_rdev) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "null"]


@pytest.mark.system
def test_output_to_dev_stdout_is_written_through(source, clean_output):
    done = run("restore", str(source), "-o", "/dev/stdout")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == clean_output


@pytest.mark.system
def test_output_through_a_symlink_keeps_the_link(tmp_path, source, clean_output):
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert run("restore", str(source), "-o", str(link)).returncode == 0
    assert link.is_symlink() and real.read_bytes() == clean_output


# 2. A killed worker's batch is run again; a stopped worker cannot keep SIGTERM from ending the run.

@pytest.mark.system
def test_a_killed_worker_costs_only_time(tmp_path):
    source = tmp_path / "big.txt"
    _corpus(source, 4000)  # about ten batches for two workers
    clean = run("restore", str(source), "--jobs", "2")
    assert clean.returncode == 0
    target = tmp_path / "out.txt"
    proc, workers = _run_with_workers(source, target)
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)  # a hang fails here
    assert proc.returncode == 0, err.decode()
    assert target.read_bytes() == clean.stdout


@pytest.mark.system
def test_sigterm_ends_a_run_whose_worker_hangs(tmp_path):
    source = tmp_path / "big.txt"
    _corpus(source, 4000)
    proc, workers = _run_with_workers(source, tmp_path / "out.txt")
    for worker in workers:
        os.kill(worker, signal.SIGSTOP)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err.decode()
    assert not (tmp_path / "out.txt").exists()
    for worker in workers:
        assert not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]


@pytest.mark.unit
def test_a_batch_that_keeps_killing_its_worker_ends_the_run():
    def die_on_seven(item: int) -> int:
        if item == 7:
            os.kill(os.getpid(), signal.SIGKILL)
        return item

    with pytest.raises(ClusterError, match="died 3 times"):
        list(parallel.map_ordered(die_on_seven, range(40), 2, 10, size_of=lambda item: 4))


# 9. Workers are capped by the cores and by the batches; a failed start is its own error.

@pytest.mark.unit
def test_workers_never_outnumber_the_cores():
    pids = set(parallel.map_ordered(lambda item: os.getpid(), range(400), 1000, 10, size_of=lambda item: 4))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= (os.cpu_count() or 1)


@pytest.mark.unit
def test_a_worker_that_cannot_start_is_one_error(monkeypatch):
    """fork() failing as it does at a process limit (EAGAIN); this sandbox's
    kernel does not enforce RLIMIT_NPROC, so the failure is injected at the call."""
    def no_more_processes() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_more_processes)
    with pytest.raises(ClusterError, match=r"^cannot start a worker process \(Resource temporarily unavailable\)"):
        list(parallel.map_ordered(lambda item: item, range(40), 2, 10, size_of=lambda item: 4))


# 3, 5, 7. --out-dir never overwrites an input, never reads its own outputs, never takes stdin.

@pytest.mark.system
def test_out_dir_onto_the_inputs_folder_is_refused(tmp_path, source):
    before = source.read_bytes()
    done = run("restore", str(source), "--out-dir", str(tmp_path))
    assert_clean_error(done, 2, "never overwrite")
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


@pytest.mark.system
def test_a_glob_run_twice_never_restores_its_own_outputs(tmp_path, source):
    pattern = str(tmp_path / "**" / "*.txt")
    for _ in range(2):
        done = run("restore", pattern, "--out-dir", str(tmp_path / "restored"))
        assert done.returncode == 0, done.stderr.decode()
    assert not (tmp_path / "restored" / "restored").exists()
    assert sorted(p.name for p in (tmp_path / "restored").iterdir()) == [cluster.MANIFEST, "in.txt"]


@pytest.mark.system
def test_stdin_into_out_dir_is_refused_before_any_work(tmp_path):
    done = run("restore", "-", "--out-dir", str(tmp_path / "od"), stdin=LINES.encode())
    assert_clean_error(done, 2, "standard input")
    assert not (tmp_path / "od").exists()
    done = run("restore", "--out-dir", str(tmp_path / "od"), stdin=LINES.encode())
    assert_clean_error(done, 2, "standard input")


# 4. A resume restores again when what decides the output changed.

@pytest.mark.system
def test_resume_compares_the_format_and_settings(tmp_path, source):
    out = tmp_path / "out"
    assert run("restore", str(source), "--out-dir", str(out)).returncode == 0
    tokens = (out / "in.txt").read_text()
    same = run("restore", str(source), "--out-dir", str(out))
    assert "already restored, skipped" in same.stderr.decode()
    as_jsonl = run("restore", str(source), "--out-dir", str(out), "--format", "jsonl")
    assert as_jsonl.returncode == 0 and "skipped" not in as_jsonl.stderr.decode()
    assert [json.loads(line)["tokens"][0]["stem"] for line in (out / "in.txt").read_text().splitlines()] == [
        "trotski", "red"]
    wider = run("restore", str(source), "--out-dir", str(out), "--format", "jsonl", "--beam", "3")
    assert "skipped" not in wider.stderr.decode()
    back = run("restore", str(source), "--out-dir", str(out))
    assert "skipped" not in back.stderr.decode() and (out / "in.txt").read_text() == tokens


# 10, 16. The manifest: a journal folded in at the end; concurrent runs keep each other's entries.

def _one_line_files(folder: Path, count: int) -> Path:
    folder.mkdir()
    for k in range(count):
        (folder / f"doc{k:03d}.txt").write_text(SENTENCES[k % len(SENTENCES)] + " .\n", encoding="utf-8")
    return folder


@pytest.mark.system
def test_many_files_leave_one_whole_manifest(tmp_path):
    folder = _one_line_files(tmp_path / "in", 300)
    done = run("restore", str(folder / "*.txt"), "--out-dir", str(tmp_path / "out"), "--jobs", "1")
    assert done.returncode == 0, done.stderr.decode()[-400:]
    manifest = json.loads((tmp_path / "out" / cluster.MANIFEST).read_text())
    assert len(manifest["files"]) == 300 and all(v["lines"] == 1 for v in manifest["files"].values())
    assert not (tmp_path / "out" / cluster.JOURNAL).exists()


@pytest.mark.system
def test_a_killed_run_resumes_from_its_journal(tmp_path):
    folder = _one_line_files(tmp_path / "in", 400)
    out = tmp_path / "out"
    proc = subprocess.Popen([*DESTEM, "restore", str(folder / "*.txt"), "--out-dir", str(out), "--jobs", "1"],
                            stderr=subprocess.DEVNULL)
    journal = out / cluster.JOURNAL
    deadline = time.monotonic() + 120
    while (not journal.exists() or journal.read_text().count("\n") < 20) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    recorded = journal.read_text().count("\n")
    assert 20 <= recorded < 400
    again = run("restore", str(folder / "*.txt"), "--out-dir", str(out), "--jobs", "1")
    assert again.returncode == 0
    assert again.stderr.decode().count("already restored, skipped") >= recorded
    assert len(json.loads((out / cluster.MANIFEST).read_text())["files"]) == 400


@pytest.mark.system
def test_two_runs_into_one_folder_keep_both_manifests(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for k in range(60):
            (tmp_path / name / f"{name}{k:02d}.txt").write_text(SENTENCES[k] + " .\n", encoding="utf-8")
    out = tmp_path / "out"
    procs = [subprocess.Popen([*DESTEM, "restore", str(tmp_path / name / "*.txt"), "--out-dir", str(out),
                               "--jobs", "1"], stderr=subprocess.DEVNULL) for name in ("a", "b")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    files = json.loads((out / cluster.MANIFEST).read_text())["files"]
    assert len(files) == 120


# 6. --dask at something that is no scheduler: exit 5 within the timeout, one line.

@pytest.mark.system
def test_dask_at_a_silent_listener(tmp_path, source):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        began = time.monotonic()
        done = run("restore", str(source), "--out-dir", str(tmp_path / "o"), "--dask",
                   f"tcp://127.0.0.1:{listener.getsockname()[1]}")
    assert_clean_error(done, 5, "no answer within 10 s")
    assert time.monotonic() - began < 60


@pytest.mark.system
def test_dask_at_a_web_server(tmp_path, source):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = run("restore", str(source), "--out-dir", str(tmp_path / "o"), "--dask",
                   f"tcp://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert_clean_error(done, 5, "Dask scheduler")


@pytest.mark.system
def test_dask_at_a_server_that_sends_garbage(tmp_path, source):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)

        def answer() -> None:
            conn, _ = listener.accept()
            conn.sendall(b"\xff" * 64 + b"hello, this is not dask\r\n" * 20)
            time.sleep(15)
            conn.close()

        threading.Thread(target=answer, daemon=True).start()
        done = run("restore", str(source), "--out-dir", str(tmp_path / "o"), "--dask",
                   f"tcp://127.0.0.1:{listener.getsockname()[1]}")
    assert_clean_error(done, 5, "Dask scheduler")


# 8. Closed standard streams.

@pytest.mark.system
def test_closed_standard_streams(tmp_path, source, clean_output):
    destem = " ".join(DESTEM)
    done = subprocess.run(["sh", "-c", f"exec {destem} restore {source} >&-"], stderr=subprocess.PIPE,
                          timeout=300)
    assert_clean_error(done, 6, "standard output", "closed")
    done = subprocess.run(["sh", "-c", f"exec {destem} restore - <&-"], capture_output=True, timeout=300)
    assert_clean_error(done, 1, "standard input", "closed")
    done = subprocess.run(["sh", "-c", f"exec {destem} restore {source} 2>&-"], stdout=subprocess.PIPE,
                          timeout=300)
    assert done.returncode == 0 and done.stdout == clean_output
    done = subprocess.run(["sh", "-c", f"exec {destem} restore {source} -o {tmp_path / 'o.txt'} >&- 2>&-"],
                          timeout=300)
    assert done.returncode == 0 and (tmp_path / "o.txt").read_bytes() == clean_output


# 11. Decomposed accents restore as composed ones, never with a capital inside the word.

@pytest.mark.model
def test_decomposed_accents_restore_as_composed(default_restorer):
    composed = "naïv résumé café"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    words = default_restorer.restore_words(decomposed.split())
    assert words == default_restorer.restore_words(composed.split())
    assert all(w[1:] == w[1:].lower() for w in words), words


# 12. A bad byte far into a long line is named by its place in the line.

@pytest.mark.system
def test_a_bad_byte_is_named_by_its_place_in_the_line(tmp_path):
    path = tmp_path / "long.txt"
    head = ("armi " * 18_000).encode()  # 90,000 bytes, read in several chunks
    path.write_bytes(b"red armi\n" + head + b"\xff armi\n")
    assert_clean_error(run("restore", str(path)), 1, "line 2", "byte 90001")


# 13, 14. Help and the version: a full disk, a reader gone, the install command shown whole.

@pytest.mark.system
def test_help_and_version_on_a_full_disk_and_a_closed_pipe():
    for args in (["--help"], ["--version"], ["restore", "--help"]):
        with open("/dev/full", "wb") as full:
            done = subprocess.run([*DESTEM, *args], stdout=full, stderr=subprocess.PIPE, timeout=120)
        assert_clean_error(done, 6, "standard output", "No space left")
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first byte
        done = subprocess.run([*DESTEM, *args], stdout=write, stderr=subprocess.PIPE, timeout=120)
        os.close(write)
        assert (done.returncode, done.stderr) == (0, b""), done.stderr.decode()


@pytest.mark.unit
def test_help_names_the_extra_to_install():
    done = run("restore", "--help")
    assert done.returncode == 0
    assert "destem[accurate]" in done.stdout.decode()


# 15. --model that is a file, or a folder that cannot be read: exit 3, saying which.

@pytest.mark.system
def test_model_that_is_a_file_or_unreadable(tmp_path, source):
    afile = tmp_path / "model.bin"
    afile.write_bytes(b"x")
    done = run("restore", str(source), "--model", str(afile))
    assert_clean_error(done, 3, "is a file")
    assert f"--out {afile}" not in done.stderr.decode()
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    done = subprocess.run([*NO_OVERRIDE, *DESTEM, "restore", str(source), "--model", str(locked)],
                          capture_output=True, timeout=300)
    assert_clean_error(done, 3, "permission denied")


# 17. The library refuses a bare string where tokens or lines belong.

@pytest.mark.unit
def test_a_bare_string_is_no_token_list(essay_model):
    r = Restorer(essay_model)
    for call in (r.restore_tokens, r.restore_words, r.restore_prose):
        with pytest.raises(TypeError, match="split"):
            call("red armi")
    with pytest.raises(TypeError, match="list of tokens"):
        restore_terms("armi", model_dir=essay_model)
    with pytest.raises(TypeError, match="splitlines"):
        restore_terms(["armi"], context="red armi\nred armi", model_dir=essay_model)
    assert [t.stem for t in r.restore_tokens(["red", "armi"])] == ["red", "armi"]


# 18. destem terms: a line without stems gives no row in tsv and jsonl.

@pytest.mark.system
def test_terms_rows_without_stems(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("armi\n\nrevolutionari\t3\n\t\n", encoding="utf-8")
    done = run("terms", str(path), "-f", "jsonl")
    assert done.returncode == 0, done.stderr.decode()
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["stem"] for r in rows] == ["armi", "revolutionari"]
    done = run("terms", str(path), "-f", "tsv")
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 0 and len(lines) == 3
    assert {len(line.split("\t")) for line in lines} == {6}
    text = run("terms", str(path)).stdout.decode().split("\n")
    assert len(text) == 5 and text[1] == ""
