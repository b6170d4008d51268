"""The ``destem`` command: restore, stem, build-model.

Input is read line by line and output written line by line, so memory stays
flat whatever the file size. Output files are written to a temporary name
and renamed into place only when complete. Every failure the user can cause
ends in one line on stderr and a documented exit code, never a traceback:

    0 success, 1 bad input (missing, unreadable, binary, not UTF-8, empty),
    2 bad usage, 3 model missing or damaged (here or on a Dask worker),
    4 model build failed, 5 Dask scheduler unreachable,
    130 interrupted (Ctrl-C or SIGTERM; an output file is then not written).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .api import ModelError, Restorer, default_model_dir
from .decode import Settings
from .files import Errors, InputError, open_output, read_lines
from .parallel import map_lines
from .pipeline import stem_line

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn stemmed, stopword-stripped text back into words.")

EXIT_INPUT, EXIT_USAGE, EXIT_MODEL, EXIT_BUILD, EXIT_DASK, EXIT_INTERRUPTED = 1, 2, 3, 4, 5, 130


class Format(str, Enum):
    tokens = "tokens"
    text = "text"
    jsonl = "jsonl"


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"destem: error: {message}", err=True)
    return typer.Exit(code)


def _with_progress(lines: Iterator[str], source: str) -> Iterator[str]:
    """A progress bar on stderr for files, when stderr is a terminal."""
    if source == "-" or not sys.stderr.isatty():
        yield from lines
        return
    total = Path(source).stat().st_size
    with typer.progressbar(length=total, label="restoring", file=sys.stderr) as bar:
        for line in lines:
            bar.update(len(line.encode("utf-8")) + 1)
            yield line


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _process(
    source: str, output: Optional[Path], errors: Errors, handle: Callable[[str], str], jobs: int = 1
) -> None:
    signal.signal(signal.SIGTERM, _interrupted)  # so a killed run cleans up like Ctrl-C
    try:
        with open_output(output) as out:
            empty = True
            for line in map_lines(handle, _with_progress(read_lines(source, errors), source), jobs):
                out.write(line + "\n")
                empty = False
            if empty:
                raise InputError(f"{'standard input' if source == '-' else source} is empty")
    except InputError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except KeyboardInterrupt:
        raise fail("interrupted; no output was written" if output else "interrupted", EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error


InputArg = Annotated[str, typer.Argument(help="Input file, or - for stdin.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")]
ErrorsOpt = Annotated[Errors, typer.Option(help="On invalid UTF-8: stop (strict) or substitute U+FFFD (replace).")]


@app.command()
def restore(
    sources: Annotated[Optional[list[str]], typer.Argument(help="Input files or globs, or - for stdin.")] = None,
    output: OutputOpt = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", help="Restore every input into this folder (same relative names), resumably.")] = None,
    dask: Annotated[Optional[str], typer.Option("--dask", help="With --out-dir: a Dask scheduler ADDRESS, or local[:N] for N local worker processes.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="tokens: one word per input token; text: readable prose with the removed stopwords put back; "
                     "jsonl: scores, alternatives, and the prose with each word's input token.")] = Format.tokens,
    beam: Annotated[int, typer.Option(min=1, max=1000, help="Beam width of the search.")] = Settings.beam,
    model: Annotated[Optional[Path], typer.Option(help="Model directory (default: the built default model).")] = None,
    errors: ErrorsOpt = Errors.strict,
    jobs: Annotated[int, typer.Option(min=0, help="Worker processes; 0 means one per core.")] = 0,
) -> None:
    """Restore stemmed text: one output line per input line (one word per token unless --format text)."""
    sources = sources or ["-"]
    if out_dir is None and (len(sources) > 1 or dask):
        raise fail("several inputs, or --dask, need --out-dir", EXIT_USAGE)
    if out_dir is not None and output is not None:
        raise fail("use either -o or --out-dir", EXIT_USAGE)
    model_dir = model or default_model_dir()
    try:
        restorer = Restorer(model_dir, Settings(beam=beam), build_if_missing=model is None)
        handler = restorer.line_handler(format.value)
    except ModelError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except Exception as exc:  # a failed first-use build
        raise fail(f"building the default model failed: {exc}", EXIT_BUILD) from None
    workers = jobs or os.cpu_count() or 1
    if out_dir is None:
        _process(sources[0], output, errors, handler, workers)
        return
    _restore_folder(sources, out_dir, restorer, dask, workers, beam, format.value, errors)


def _restore_folder(sources: list[str], out_dir: Path, restorer: Restorer, dask: Optional[str], jobs: int,
                    beam: int, fmt: str, errors: Errors) -> None:
    from .cluster import restore_files

    signal.signal(signal.SIGTERM, _interrupted)
    log = lambda message: typer.echo(f"destem: {message}", err=True)  # noqa: E731
    try:
        with _dask_client(dask) as client:
            restore_files(sources, out_dir, restorer.model_dir, client=client, jobs=jobs, beam=beam, fmt=fmt,
                          errors=errors, log=log, restorer=restorer)
    except InputError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except ModelError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except KeyboardInterrupt:
        raise fail("interrupted; files not finished were not written", EXIT_INTERRUPTED) from None
    except OSError as exc:
        raise fail(f"cannot reach the Dask scheduler {dask}: {exc}", EXIT_DASK) from None


@contextlib.contextmanager
def _dask_client(spec: Optional[str]) -> Iterator[object]:
    """None, a client of a LocalCluster (``local[:N]``), or of a running scheduler."""
    if not spec:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise fail("--dask needs Dask: pip install 'dask[distributed]'", EXIT_USAGE) from None
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if count and not count.isdigit():
            raise fail(f"--dask {spec}: expected local or local:N", EXIT_USAGE)
        n = int(count) if count else (os.cpu_count() or 1)
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=50) as cluster, Client(cluster) as client:
            yield client
        return
    with Client(spec, timeout="10s") as client:
        yield client


@app.command()
def stem(source: InputArg = "-", output: OutputOpt = None, errors: ErrorsOpt = Errors.strict) -> None:
    """Run prose through the forward pipeline (tokenize, lowercase, drop stopwords, stem)."""
    _process(source, output, errors, stem_line)


@app.command("build-model")
def build_model_cmd(
    out: Annotated[Optional[Path], typer.Option(help="Model directory to write.")] = None,
    corpus: Annotated[Optional[list[Path]], typer.Option(help="Your own prose (.txt, .gz, .bz2, .xz); repeatable.")] = None,
    essay: Annotated[bool, typer.Option(help="Include the essay in data/ as in-domain prose.")] = True,
    order: Annotated[int, typer.Option(min=2, max=6, help="n-gram order.")] = 5,
    memory: Annotated[str, typer.Option(help="Memory lmplz may take (its -S).")] = "2G",
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing if a usable model is there.")] = False,
) -> None:
    """Build a model from the registry sources (and --corpus files)."""
    from .build import build_model

    target = out or default_model_dir()
    if if_missing:
        try:
            Restorer(target)
            typer.echo(f"destem: model in {target} is usable; not rebuilding", err=True)
            return
        except ModelError:
            pass
    try:
        build_model(target, corpus or [], include_essay=essay, order=order, memory=memory)
    except FileNotFoundError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except Exception as exc:
        raise fail(f"model build failed: {exc}", EXIT_BUILD) from None


def main() -> None:
    app()
