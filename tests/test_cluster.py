"""Many files on a Dask cluster: same bytes as one process, resumable, fault-tolerant."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import threading
import time

import pytest
from dask.distributed import Client, LocalCluster

from restore import ModelError, Settings, cluster, default_model_dir

from .conftest import STEMMED_SEED, run

pytestmark = pytest.mark.system

SENTENCES = STEMMED_SEED.read_text(encoding="utf-8").split(" . ")


def _inputs(folder, files: int, lines: int) -> list[str]:
    rng = random.Random(3)
    paths = []
    for i in range(files):
        path = folder / ("nested" if i % 2 else "") / f"part-{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(" . ".join(rng.sample(SENTENCES, 3)) + " ." for _ in range(lines)) + "\n",
                        encoding="utf-8")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=50) as local, Client(local) as c:
        yield c


def test_local_cluster_cli_matches_one_process_and_resumes(tmp_path):
    inputs = _inputs(tmp_path / "in", 3, 300)
    one = run("restore", *inputs, "--out-dir", str(tmp_path / "one"), "--jobs", "1")
    dask = run("restore", str(tmp_path / "in" / "**" / "*.txt"), "--out-dir", str(tmp_path / "dask"),
               "--dask", "local:2")
    assert one.returncode == 0 and dask.returncode == 0, dask.stderr.decode()[-500:]
    for name in ("part-0.txt", "nested/part-1.txt", "part-2.txt"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
        assert len((tmp_path / "dask" / name).read_text().splitlines()) == 300
    manifest = json.loads((tmp_path / "dask" / cluster.MANIFEST).read_text())
    assert sorted(v["lines"] for v in manifest["files"].values()) == [300, 300, 300]
    assert manifest["model"]["path"] == str(default_model_dir().resolve())

    again = run("restore", *inputs, "--out-dir", str(tmp_path / "one"), "--jobs", "1")
    assert again.stderr.decode().count("already restored, skipped") == 3
    time.sleep(0.01)
    with open(inputs[0], "a", encoding="utf-8") as changed:
        changed.write("red armi\n")
    third = run("restore", *inputs, "--out-dir", str(tmp_path / "one"), "--jobs", "1")
    assert third.stderr.decode().count("already restored, skipped") == 2
    assert (tmp_path / "one" / "part-0.txt").read_text().splitlines()[-1] == "Red Army"


def test_a_killed_worker_loses_and_duplicates_nothing(tmp_path, client):
    inputs = _inputs(tmp_path / "in", 2, 2500)
    cluster.restore_files(inputs, tmp_path / "single", default_model_dir())
    errors: list[BaseException] = []

    def work() -> None:
        try:
            cluster.restore_files(inputs, tmp_path / "dask", default_model_dir(), client=client,
                                  settings=Settings(batch_chars=4_000))
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 120
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # inside the run: about 200 batches, and each worker loads the model first
    _, pid = sorted(client.run(os.getpid).items())[0]
    assert thread.is_alive(), "the run ended before the worker could be killed"
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive() and not errors, errors
    for name in ("part-0.txt", "nested/part-1.txt"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "single" / name).read_bytes()


def test_workers_without_the_model_are_refused_clearly(tmp_path, client):
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    cluster.worker_restorer(str(model.resolve()), Settings())  # this process has it loaded...
    (model / "lm.bin").unlink()  # ...the workers will not find it
    with pytest.raises(ModelError, match=r"worker .* cannot use the model"):
        cluster.restore_files(_inputs(tmp_path / "in", 1, 5), tmp_path / "out", model, client=client)
    assert not (tmp_path / "out" / "part-0.txt").exists()


def test_usage_errors_are_one_line(tmp_path):
    inputs = _inputs(tmp_path / "in", 2, 2)
    done = run("restore", *inputs)
    assert done.returncode == 2 and "--out-dir" in done.stderr.decode()
    done = run("restore", inputs[0], "--out-dir", str(tmp_path / "o"), "--dask", "local:x")
    assert done.returncode == 2 and "local:N" in done.stderr.decode()
    done = run("restore", str(tmp_path / "none*.txt"), "--out-dir", str(tmp_path / "o"))
    assert done.returncode == 1 and "no such file" in done.stderr.decode()
    done = run("restore", inputs[0], "--out-dir", str(tmp_path / "o"), "--dask", "tcp://127.0.0.1:9")
    err = done.stderr.decode()
    assert done.returncode == 5 and "cannot reach the Dask scheduler" in err and "Traceback" not in err
