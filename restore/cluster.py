"""Restore many files into a folder, on a Dask cluster or local processes.

Each input file is cut into batches of lines; each batch is one Dask task
(``restore_lines``), and the results are written in input order to a
temporary file renamed onto the output only when the file is complete. A
worker that dies mid-task costs nothing but time: Dask runs the task again
elsewhere, and since every line is restored on its own the output is the
same byte for byte. Workers load the model once per process and keep it.

``destem-manifest.json`` in the output folder lists every input, its output,
line count and the model used; a re-run skips the files it lists as done
whose input has not changed since.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from .api import ModelError, Restorer
from .decode import Settings
from .files import Errors, InputError, open_output, read_lines
from .parallel import BATCH_CHARS, batches, map_lines

MANIFEST = "destem-manifest.json"


@lru_cache(maxsize=4)
def _restorer(model_dir: str, beam: int = Settings.beam) -> Restorer:
    return Restorer(Path(model_dir), Settings(beam=beam))


def restore_lines(lines: list[str], model_dir: str, beam: int = Settings.beam, fmt: str = "tokens") -> list[str]:
    """One batch on a worker: the model is loaded on first use and kept."""
    handle = _restorer(model_dir, beam).line_handler(fmt)
    return [handle(line) for line in lines]


def model_problem(model_dir: str) -> str | None:
    """Run on every worker first: why it cannot load the model, if it cannot."""
    try:
        _restorer(model_dir)
    except ModelError as exc:
        return str(exc)
    return None


def restore_bag(bag: Any, model_dir: str | Path) -> Any:
    """A ``dask.bag`` of stemmed lines -> a bag of restored lines, same order.

    For pipelines that already build a Dask graph:

    >>> import dask.bag as db
    >>> from restore import default_model_dir
    >>> bag = db.from_sequence(["red armi", "trotski born kherson"], npartitions=2)
    >>> restore_bag(bag, default_model_dir()).compute(scheduler="sync")
    ['Red Army', 'Trotsky born Kherson']
    """
    return bag.map_partitions(restore_lines, str(Path(model_dir).resolve()))


def plan(inputs: Iterable[str], out_dir: Path) -> list[tuple[Path, Path]]:
    """(input, output) pairs; outputs keep the inputs' paths below their common folder."""
    paths: list[Path] = []
    for pattern in inputs:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise InputError(f"{pattern}: no such file")
        paths += [Path(m) for m in matches]
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: {'is a directory, not a file' if path.is_dir() else 'no such file'}")
    resolved = [p.resolve() for p in paths]
    base = Path(os.path.commonpath([p.parent for p in resolved]))
    return [(p, out_dir / r.relative_to(base)) for p, r in zip(paths, resolved)]


def _on_dask(
    client: Any, model_dir: str, beam: int, fmt: str, batch_chars: int
) -> Callable[[Iterator[str]], Iterator[str]]:
    """Restore a stream of lines with the cluster's workers, in order."""
    window_size = 2 * max(1, len(client.scheduler_info()["workers"]))

    def run(lines: Iterator[str]) -> Iterator[str]:
        window: deque = deque()
        for batch in batches(lines, batch_chars):
            window.append(client.submit(restore_lines, batch, model_dir, beam, fmt, pure=False))
            if len(window) >= window_size:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()

    return run


def _model_id(model_dir: Path) -> str:
    return hashlib.sha256((model_dir / "manifest.json").read_bytes()).hexdigest()[:16]


def _fingerprint(path: Path) -> dict:
    stat = path.stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _save_manifest(out_dir: Path, manifest: dict) -> None:
    with open_output(out_dir / MANIFEST) as out:
        json.dump(manifest, out, indent=1)


def restore_files(
    inputs: Iterable[str],
    out_dir: Path,
    model_dir: Path,
    *,
    client: Any = None,
    jobs: int = 1,
    beam: int = Settings.beam,
    fmt: str = "tokens",
    errors: Errors = Errors.strict,
    batch_chars: int = BATCH_CHARS,
    restorer: Restorer | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Restore every input into ``out_dir``; returns the manifest.

    With a Dask ``client`` the batches (about ``batch_chars`` characters of
    lines each) run on its workers; without one, on ``jobs`` local processes.
    ``restorer``, if given, must be loaded from ``model_dir`` with ``beam``.
    """
    out_dir = Path(out_dir)
    model_dir = Path(model_dir).resolve()
    pairs = plan(inputs, out_dir)
    # Refuses a missing or damaged model before any work; a caller that has
    # already loaded the model (the CLI) passes it, so it is not loaded twice.
    local = restorer or _restorer(str(model_dir), beam)
    if client is not None:
        problems = {w: p for w, p in client.run(model_problem, str(model_dir)).items() if p}
        if problems:
            worker, problem = sorted(problems.items())[0]
            raise ModelError(f"worker {worker} cannot use the model: {problem} (put the model directory at "
                             "the same path on every worker, e.g. on a shared filesystem)")
        restore: Callable[[Iterator[str]], Iterator[str]] = _on_dask(client, str(model_dir), beam, fmt, batch_chars)
    else:
        restore = lambda lines: map_lines(local.line_handler(fmt), lines, jobs)  # noqa: E731

    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {"files": {}}
    manifest["model"] = {"path": str(model_dir), "id": _model_id(model_dir)}
    for source, target in pairs:
        key = str(source)
        done = manifest["files"].get(key)
        fingerprint = _fingerprint(source)
        if (done and done.get("input") == fingerprint and done.get("model") == manifest["model"]["id"]
                and target.is_file()):
            log(f"{source}: already restored, skipped")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        lines = 0
        with open_output(target) as out:
            for line in restore(read_lines(str(source), errors)):
                out.write(line + "\n")
                lines += 1
        manifest["files"][key] = {"output": str(target), "lines": lines, "input": fingerprint,
                                  "model": manifest["model"]["id"]}
        _save_manifest(out_dir, manifest)
        log(f"{source}: {lines} lines -> {target}")
    return manifest
