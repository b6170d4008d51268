"""The ``destem`` command: restore, stem, build-model.

Input is read line by line and output written line by line, so memory stays
flat whatever the file size. Output files are written to a temporary name
and renamed into place only when complete. Every failure the user can cause
ends in one line on stderr and a documented exit code, never a traceback:

    0 success, 1 bad input (missing, unreadable, binary, not UTF-8, empty),
    2 bad usage, 3 model missing or damaged, 4 model build failed,
    130 interrupted (Ctrl-C or SIGTERM; an output file is then not written).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Optional

import typer

from .api import ModelError, Restorer, default_model_dir
from .decode import Settings
from .parallel import map_lines
from .pipeline import stem_line

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn stemmed, stopword-stripped text back into words.")

EXIT_INPUT, EXIT_USAGE, EXIT_MODEL, EXIT_BUILD, EXIT_INTERRUPTED = 1, 2, 3, 4, 130


class Format(str, Enum):
    tokens = "tokens"
    jsonl = "jsonl"


class Errors(str, Enum):
    strict = "strict"
    replace = "replace"


class InputError(Exception):
    """Bad input; the message is shown as is."""


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"destem: error: {message}", err=True)
    return typer.Exit(code)


def read_lines(source: str, errors: Errors) -> Iterator[str]:
    """Lines of a file or stdin (``-``), decoded, without line endings."""
    if source == "-":
        stream: IO[bytes] = sys.stdin.buffer
    else:
        path = Path(source)
        if path.is_dir():
            raise InputError(f"{source} is a directory, not a file")
        try:
            stream = path.open("rb")
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror})") from None
    with stream if source != "-" else contextlib.nullcontext(stream):
        for number, raw in enumerate(_raw_lines(stream, source), start=1):
            if b"\0" in raw:
                raise InputError(f"{source}: line {number} holds a NUL byte; this looks like binary data")
            try:
                text = raw.decode("utf-8", errors=errors.value)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{source}: line {number} is not valid UTF-8 (byte {exc.start + 1}); "
                    "use --errors replace to go on"
                ) from None
            yield text.rstrip("\r\n")


def _raw_lines(stream: IO[bytes], source: str) -> Iterator[bytes]:
    """Lines as bytes; a read error (a bad disk, a special file) is bad input."""
    try:
        yield from stream
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None


@contextlib.contextmanager
def open_output(target: Optional[Path]) -> Iterator[IO[str]]:
    """stdout, or a temporary file renamed onto ``target`` on success only."""
    if target is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    folder = target.resolve().parent
    if not folder.is_dir():
        raise InputError(f"cannot write {target}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
    source: InputArg = "-",
    output: OutputOpt = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="tokens: one word per input token; jsonl: scores and alternatives.")] = Format.tokens,
    beam: Annotated[int, typer.Option(min=1, max=1000, help="Beam width of the search.")] = Settings.beam,
    model: Annotated[Optional[Path], typer.Option(help="Model directory (default: the built default model).")] = None,
    errors: ErrorsOpt = Errors.strict,
    jobs: Annotated[int, typer.Option(min=0, help="Worker processes; 0 means one per core.")] = 0,
) -> None:
    """Restore stemmed text: one output line per input line, one word per token."""
    model_dir = model or default_model_dir()
    try:
        restorer = Restorer(model_dir, Settings(beam=beam), build_if_missing=model is None)
    except ModelError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    except Exception as exc:  # a failed first-use build
        raise fail(f"building the default model failed: {exc}", EXIT_BUILD) from None

    def as_jsonl(line: str) -> str:
        tokens = [t.as_dict() for t in restorer.restore_tokens(line.split())]
        return json.dumps({"tokens": tokens}, ensure_ascii=False)

    handle = restorer.restore_line if format is Format.tokens else as_jsonl
    _process(source, output, errors, handle, jobs or os.cpu_count() or 1)


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
