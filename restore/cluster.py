"""Restore many files into a folder, on a Dask cluster or local processes.

Each input file is cut into batches of lines; each batch is one Dask task
(``restore_lines``), and the results are written in input order to a
temporary file renamed onto the output only when the file is complete. A
worker that dies mid-task costs nothing but time: Dask runs the task again
elsewhere, and since every line is restored on its own the output is the
same byte for byte. Workers load the model once per process and keep it.

``destem-manifest.json`` in the output folder lists every input, its output,
line count and what decided its words (the model, the format and the
settings); a re-run skips the files it lists as done whose input and run
are unchanged. Each finished file is appended to a journal beside it, and
the journal is folded into the manifest when the run ends, under a lock on
the folder: a run of thousands of files writes each entry once, and two
runs into one folder keep each other's entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import formats
from .api import Restorer
from .errors import ClusterError, ModelError, OutputError, UsageError
from .files import Errors, expand_inputs, open_output, read_chunks, remove_stale_parts
from .model import ModelFiles
from .parallel import batches, in_order, map_ordered
from .sentences import Piece, cut_pieces
from .settings import Settings

MANIFEST = "destem-manifest.json"
JOURNAL = MANIFEST + ".journal"
# How long a scheduler has to answer before --dask gives up on it.
CONNECT_SECONDS = 10


@lru_cache(maxsize=4)
def worker_restorer(model_dir: str, settings: Settings) -> Restorer:
    """The restorer of a worker process, loaded on its first task and kept."""
    return Restorer(Path(model_dir), settings)


def restore_pieces(
    pieces: list[Piece], model_dir: str, settings: Settings, fmt: str
) -> list[tuple[formats.Fragment, bool]]:
    """One batch on a worker: the model is loaded on first use and kept."""
    handle = formats.piece_handler(worker_restorer(model_dir, settings), fmt)
    return [handle(piece) for piece in pieces]


def restore_lines(lines: list[str], model_dir: str, settings: Settings = Settings(), fmt: str = "tokens") -> list[str]:
    """A partition of a bag of lines on a worker: one output line each."""
    handle = formats.line_handler(worker_restorer(model_dir, settings), fmt)
    return [handle(line) for line in lines]


def model_problem(model_dir: str, settings: Settings) -> str | None:
    """Run on every worker first: why it cannot load the model, if it cannot."""
    try:
        worker_restorer(model_dir, settings)
    except ModelError as exc:
        return str(exc)
    return None


def restore_bag(bag: Any, model_dir: str | Path, settings: Settings = Settings(), fmt: str = "tokens") -> Any:
    """A ``dask.bag`` of stemmed lines -> a bag of restored lines, same order.

    For pipelines that already build a Dask graph:

    >>> import dask.bag as db
    >>> from restore import default_model_dir
    >>> bag = db.from_sequence(["red armi", "trotski born kherson"], npartitions=2)
    >>> restore_bag(bag, default_model_dir()).compute(scheduler="sync")
    ['Red Army', 'Trotsky born Kherson']
    """
    return bag.map_partitions(restore_lines, str(Path(model_dir).resolve()), settings, fmt)


@contextlib.contextmanager
def dask_client(spec: str | None) -> Iterator[Any]:
    """None, a client of a LocalCluster (``local[:N]``), or of a running scheduler."""
    if not spec:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--dask needs Dask: pip install 'destem[cluster]'") from None
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if count and (not count.isdigit() or int(count) < 1):
            raise UsageError(f"--dask {spec}: expected local or local:N with N at least 1")
        n = int(count) if count else (os.cpu_count() or 1)
        try:
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=50)
        except (OSError, RuntimeError) as exc:
            raise ClusterError(f"cannot start a local Dask cluster: {exc}") from None
        with cluster, Client(cluster) as client:
            yield client
        return
    _check_scheduler(spec)
    try:
        client = Client(spec, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, ValueError, TypeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterError(f"cannot reach the Dask scheduler {spec}: {detail}") from None
    with client:
        yield client


def _check_scheduler(address: str) -> None:
    """Ask ``address`` who it is before a client is made of it.

    Dask's client waits without end on a port that accepts and says
    nothing, and reads whatever another kind of server answers as a frame
    length (``Unable to allocate 3.07 EiB``); one identity request with a
    hard deadline tells a scheduler from everything else.
    """
    from distributed.comm.core import connect

    async def identity() -> Any:
        comm = await connect(address, timeout=CONNECT_SECONDS)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(identity(), CONNECT_SECONDS))
    except (asyncio.TimeoutError, TimeoutError):
        raise ClusterError(f"cannot reach the Dask scheduler {address}: no answer within "
                           f"{CONNECT_SECONDS} s") from None
    except Exception as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ClusterError(f"cannot reach the Dask scheduler {address}: {detail}") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise ClusterError(f"{address} answered, but it is not a Dask scheduler")


def plan(inputs: Iterable[str], out_dir: Path) -> list[tuple[Path, Path]]:
    """(input, output) pairs; outputs keep the inputs' paths below their common folder.

    Files inside ``out_dir`` are never inputs (a glob run twice would
    otherwise restore its own outputs), and no output may be an input: both
    are refused as usage errors before any work.
    """
    inputs = list(inputs)
    if "-" in inputs:
        raise UsageError("standard input has no file name to keep in --out-dir; use -o FILE, or stdout")
    resolved = expand_inputs(inputs)
    folder = out_dir.resolve()
    kept = [r for r in resolved if not r.is_relative_to(folder)]
    if not kept:
        raise UsageError(f"every input lies inside --out-dir {out_dir}, where the outputs go; "
                         "outputs never overwrite inputs: choose another folder")
    base = Path(os.path.commonpath([p.parent for p in kept]))
    pairs = [(r, out_dir / r.relative_to(base)) for r in kept]
    sources = set(kept)
    for source, target in pairs:
        if target.resolve() in sources:
            raise UsageError(f"the output for {source} would be {target}, an input; "
                             "outputs never overwrite inputs: choose another --out-dir")
    return pairs


Rendered = Iterator[tuple[formats.Fragment, bool]]


def _on_dask(client: Any, model_dir: str, settings: Settings, fmt: str) -> Callable[[Iterator[Piece]], Rendered]:
    """Restore a stream of pieces with the cluster's workers, in order."""
    window = 2 * max(1, len(client.scheduler_info()["workers"]))

    def run(pieces: Iterator[Piece]) -> Rendered:
        submitted = (client.submit(restore_pieces, batch, model_dir, settings, fmt, pure=False)
                     for batch in batches(pieces, settings.batch))
        for rendered in in_order(submitted, window, lambda future: future.result()):
            yield from rendered

    return run


def _model_id(model_dir: Path) -> str:
    return hashlib.sha256(ModelFiles(model_dir).manifest.read_bytes()).hexdigest()[:16]


def run_id(model_id: str, settings: Settings, fmt: str, errors: Errors) -> str:
    """What decides an output's bytes (the model, format, settings, the
    handling of bad bytes), as a digest kept for each file in the manifest."""
    # How the work is split (batches, threads) never changes the words written.
    decisive = dataclasses.asdict(settings)
    del decisive["batch_chars"], decisive["neural"]["batch_chars"], decisive["neural"]["threads"]
    record = json.dumps([model_id, fmt, errors.value, decisive], sort_keys=True)
    return hashlib.sha256(record.encode()).hexdigest()[:16]


def _fingerprint(path: Path) -> dict:
    stat = path.stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """The output folder's manifest to this run alone (``flock`` on the folder itself)."""
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _load_manifest(out_dir: Path, log: Callable[[str], None]) -> dict:
    """The resume manifest of an output folder with its journal replayed; a
    damaged manifest is set aside (renamed with ``.damaged``) and the run
    starts afresh, saying so. A journal line cut short by a kill is ignored."""
    manifest = _read_manifest(out_dir / MANIFEST, log)
    try:
        lines = (out_dir / JOURNAL).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):  # none yet, or unreadable: nothing to replay
        lines = []
    for line in lines:
        try:
            key, entry = json.loads(line)
        except (ValueError, TypeError):
            continue
        if isinstance(key, str) and isinstance(entry, dict):
            manifest["files"][key] = entry
    return manifest


def _read_manifest(path: Path, log: Callable[[str], None]) -> dict:
    if not path.is_file():
        return {"files": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict) or not all(
            isinstance(v, dict) for v in manifest["files"].values()
        ):
            raise ValueError("not a destem manifest")
        return manifest
    except (OSError, UnicodeDecodeError, ValueError):
        aside = path.with_name(path.name + ".damaged")
        try:
            path.replace(aside)
        except OSError as exc:
            raise OutputError(f"{path} is damaged and cannot be set aside ({exc.strerror or exc})") from None
        log(f"{path} was damaged; set aside as {aside.name}, restoring every file again")
        return {"files": {}}


def _record(out_dir: Path, key: str, entry: dict) -> None:
    """One finished file, appended to the journal (one short write, whatever the run's size)."""
    line = json.dumps([key, entry], ensure_ascii=False) + "\n"
    try:
        with _locked(out_dir), open(out_dir / JOURNAL, "a", encoding="utf-8") as journal:
            journal.write(line)
    except OSError as exc:
        raise OutputError(f"cannot write {out_dir / JOURNAL} ({exc.strerror or exc})") from None


def _fold_journal(out_dir: Path, model: dict, log: Callable[[str], None]) -> dict:
    """The manifest as every run into the folder left it, written whole; the journal is then gone."""
    with _locked(out_dir):
        manifest = _load_manifest(out_dir, log)
        manifest["model"] = model
        with open_output(out_dir / MANIFEST) as out:
            json.dump(manifest, out, indent=1)
        with contextlib.suppress(FileNotFoundError):
            (out_dir / JOURNAL).unlink()
    return manifest


def restore_files(
    inputs: Iterable[str],
    out_dir: Path,
    model_dir: Path,
    *,
    client: Any = None,
    jobs: int = 1,
    settings: Settings = Settings(),
    fmt: str = "tokens",
    errors: Errors = Errors.strict,
    restorer: Restorer | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Restore every input into ``out_dir``; returns the manifest.

    With a Dask ``client`` the batches (about ``settings.batch``
    characters of lines each) run on its workers; without one, on ``jobs``
    local processes. ``restorer``, if given, must be loaded from
    ``model_dir`` with ``settings``.
    """
    out_dir = Path(out_dir)
    model_dir = Path(model_dir).resolve()
    pairs = plan(inputs, out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"cannot write into {out_dir}: it is a file, not a folder")
    # Refuses a missing or damaged model before any work; a caller that has
    # already loaded the model (the CLI) passes it, so it is not loaded twice.
    local = restorer or worker_restorer(str(model_dir), settings)
    if client is not None:
        problems = {w: p for w, p in client.run(model_problem, str(model_dir), settings).items() if p}
        if problems:
            worker, problem = sorted(problems.items())[0]
            raise ModelError(f"worker {worker} cannot use the model: {problem} (put the model directory at "
                             "the same path on every worker, e.g. on a shared filesystem)")
        restore: Callable[[Iterator[Piece]], Rendered] = _on_dask(client, str(model_dir), settings, fmt)
    else:
        handle = formats.piece_handler(local, fmt)
        restore = lambda pieces: map_ordered(handle, pieces, jobs, settings.batch)  # noqa: E731

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir} ({exc.strerror or exc})") from None
    with _locked(out_dir):
        files = _load_manifest(out_dir, log)["files"]
    model = {"path": str(model_dir), "id": _model_id(model_dir)}
    run = run_id(model["id"], settings, fmt, errors)
    swept: set[Path] = set()
    for source, target in pairs:
        key = str(source)
        done = files.get(key)
        fingerprint = _fingerprint(source)
        if done and done.get("input") == fingerprint and done.get("run") == run and target.is_file():
            log(f"{source}: already restored, skipped")
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {target.parent} ({exc.strerror or exc})") from None
        if target.parent not in swept:  # temporary files of killed runs: once per folder
            swept.add(target.parent)
            remove_stale_parts(target.parent)
        with open_output(target, sweep=False) as out:
            writer = formats.LineWriter(out)
            for fragment, last in restore(cut_pieces(read_chunks(str(source), errors), settings.max_sentence)):
                writer.write(fragment, last)
        lines = writer.lines
        _record(out_dir, key, {"output": str(target), "lines": lines, "input": fingerprint, "model": model["id"],
                               "format": fmt, "run": run})
        log(f"{source}: {lines} lines -> {target}")
    return _fold_journal(out_dir, model, log)
