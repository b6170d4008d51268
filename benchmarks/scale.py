"""Throughput and peak memory of the ``destem restore`` command on large input.

Inputs are made by repeating the evaluation text's stems to a given size.
Each run is timed from outside, and its peak memory is read as the largest
resident size of the command or any of its workers (``RUSAGE_CHILDREN`` of
a fresh measuring process). The same input at two sizes shows whether
memory stays flat as the input grows, and the same lines as one file and as
thousands of small files (``--out-dir``) show what each file costs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path


def make_input(path: Path, lines: list[str], megabytes: float) -> int:
    """Write ``lines`` over and over until the file reaches ``megabytes``."""
    target = int(megabytes * 1_000_000)
    size = tokens = 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            for line in lines:
                out.write(line + "\n")
                size += len(line.encode("utf-8")) + 1
                tokens += len(line.split())
                if size >= target:
                    break
    return tokens


def measure(command: list[str]) -> dict:
    """Run ``command`` in a fresh process that reports wall time and peak RSS."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(json.dumps({'seconds': time.perf_counter() - t,"
        " 'peak_rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def one_line(source: Path, target: Path) -> None:
    """The same tokens as ``source``, all on one line."""
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line.rstrip("\n") + " ")
        out.write("\n")


def run(model: Path, lines: list[str], workdir: Path, sizes: tuple[float, ...], jobs: tuple[str, ...]) -> list[dict]:
    """Each size with each way of running: a number of ``--jobs``, ``dask:local:N``,
    or ``one-line`` (``--jobs 1`` on the same tokens written as a single line).

    The Dask runs restore the same file through ``--out-dir`` on a
    LocalCluster, so the difference to ``--jobs`` is Dask's own overhead
    (starting the cluster, loading the model in each worker, scheduling).
    The one-line run shows that memory does not grow with a line's length.
    """
    rows = []
    base = [sys.executable, "-m", "restore", "restore", "--model", str(model)]
    for megabytes in sizes:
        source = workdir / f"scale-{megabytes}MB.txt"
        tokens = make_input(source, lines, megabytes)
        for n in jobs:
            started = time.perf_counter()
            if n == "one-line":
                single = workdir / "scale-one-line.txt"
                one_line(source, single)
                result = measure([*base, str(single), "--jobs", "1", "-o", str(workdir / "scale-out.txt")])
                single.unlink()
            elif n.startswith("dask:"):
                out = workdir / "scale-dask"
                shutil.rmtree(out, ignore_errors=True)
                result = measure([*base, str(source), "--out-dir", str(out), "--dask", n[len("dask:"):]])
                shutil.rmtree(out)
            else:
                result = measure([*base, str(source), "--jobs", n, "-o", str(workdir / "scale-out.txt")])
            rows.append({
                "megabytes": megabytes, "tokens": tokens, "jobs": n,
                "seconds": round(result["seconds"], 1),
                "tokens_per_second": round(tokens / result["seconds"]),
                "peak_rss_mb": round(result["peak_rss_mb"]),
            })
            print(f"benchmark: {megabytes} MB, {n} jobs: {time.perf_counter() - started:.1f} s",
                  file=sys.stderr, flush=True)
        source.unlink()
    (workdir / "scale-out.txt").unlink(missing_ok=True)
    return rows



def many_files(model: Path, lines: list[str], workdir: Path, count: int, per_file: int) -> list[dict]:
    """``count`` files of ``per_file`` lines each, and the same lines as one
    file, each restored with ``--out-dir`` and ``--jobs 1``: the cost of a
    file (its output, its manifest entry) beside the cost of its lines."""
    folder = workdir / "scale-files"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "many").mkdir(parents=True)
    (folder / "one").mkdir()
    chosen = [lines[i % len(lines)] for i in range(count * per_file)]
    for k in range(count):
        part = chosen[k * per_file:(k + 1) * per_file]
        (folder / "many" / f"doc{k:05d}.txt").write_text("\n".join(part) + "\n", encoding="utf-8")
    (folder / "one" / "all.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
    tokens = sum(len(line.split()) for line in chosen)
    megabytes = round(sum(len(line.encode("utf-8")) + 1 for line in chosen) / 1e6, 2)
    base = [sys.executable, "-m", "restore", "restore", "--model", str(model), "--jobs", "1"]
    rows = []
    for name, files in (("files:1", [str(folder / "one" / "all.txt")]), (f"files:{count}", [str(folder / "many" / "*.txt")])):
        started = time.perf_counter()
        result = measure([*base, *files, "--out-dir", str(folder / f"out-{name[6:]}")])
        rows.append({"megabytes": megabytes, "tokens": tokens, "jobs": name, "seconds": round(result["seconds"], 1),
                     "tokens_per_second": round(tokens / result["seconds"]), "peak_rss_mb": round(result["peak_rss_mb"])})
        print(f"benchmark: {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    shutil.rmtree(folder)
    return rows
