"""The ``destem`` command: restore, stem, build-model.

Input is read line by line and output written line by line, so memory stays
flat whatever the file size. Every input is checked before the model is
loaded (or built on first use), and output files are written to a temporary
name and renamed into place only when complete. Every failure ends in one
line on stderr and the exit code that :data:`EXIT_CODES` gives its kind,
never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import formats, model
from .api import Restorer
from .errors import (
    BuildError,
    ClusterError,
    DestemError,
    InputError,
    ModelError,
    OutputError,
    UsageError,
)
from .files import (
    Errors,
    check_input,
    check_output,
    check_stdout,
    discard_stdout,
    expand_inputs,
    open_output,
    read_chunks,
    read_lines,
    stop_requested,
)
from .neural import describe as describe_neural
from .neural import threads_for as neural_threads_for
from .parallel import map_ordered
from .pipeline import stem_line
from .sentences import Piece, cut_pieces
from .settings import Settings
from .terms import TERM_FORMATS

# The one table from kinds of failure to exit codes (README: "Errors").
EXIT_CODES: dict[type[DestemError], int] = {
    InputError: 1, UsageError: 2, ModelError: 3, BuildError: 4, ClusterError: 5, OutputError: 6,
}
EXIT_INTERRUPTED = 130

# Help is plain text: with rich markup on, "[accurate]" in an install command vanishes.
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="Turn stemmed, stopword-stripped text back into words.")


def _version(asked: bool) -> None:
    """destem's version, the default model's, and the optional neural model's."""
    if not asked:
        return
    from importlib.metadata import version

    typer.echo(f"destem {version('destem')} (model format {model.FORMAT_VERSION})")
    typer.echo(f"default model: {model.default_model_dir()}")
    neural_model = describe_neural()
    typer.echo(f"neural model (--accurate): {neural_model or 'not installed; pip install ' + repr('destem[accurate]')}")
    raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the versions of destem and its models, then exit.")] = False,
) -> None:
    """Turn stemmed, stopword-stripped text back into words."""


# The choices of --format, as the modules that write them name them.
Format = Enum("Format", {name: name for name in formats.FORMATS}, type=str)  # type: ignore[misc]
TermFormat = Enum("TermFormat", {name: name for name in TERM_FORMATS}, type=str)  # type: ignore[misc]


def _say(message: str) -> None:
    typer.echo(f"destem: {message}", err=True)


def _with_progress(chunks: Iterator[tuple[str, bool]], source: str) -> Iterator[tuple[str, bool]]:
    """A progress bar on stderr for files, when stderr is a terminal."""
    if source == "-" or not sys.stderr.isatty():
        yield from chunks
        return
    total = Path(source).stat().st_size
    with typer.progressbar(length=total, label="restoring", file=sys.stderr) as bar:
        for text, ends_line in chunks:
            bar.update(len(text.encode("utf-8")) + ends_line)
            yield text, ends_line


def _interrupted(signum: int, frame: object) -> None:
    stop_requested.set()
    raise KeyboardInterrupt


def _restore_stream(source: str, output: Optional[Path], errors: Errors, handle: formats.PieceHandler,
                    settings: Settings, jobs: int) -> None:
    """Every line of ``source`` restored into ``output`` (or stdout), long lines in pieces."""
    try:
        with open_output(output) as out:
            writer = formats.LineWriter(out)
            pieces = cut_pieces(_with_progress(read_chunks(source, errors), source), settings.max_sentence)
            for fragment, last in map_ordered(handle, pieces, jobs, settings.batch):
                if stop_requested.is_set():
                    raise KeyboardInterrupt
                writer.write(fragment, last)
    except BrokenPipeError:
        discard_stdout()  # the reader went away (e.g. `| head`): not an error


def _restorer(model_dir: Optional[Path], settings: Settings) -> Restorer:
    """Load the model; with no ``--model`` and no default model yet, build it first."""
    target = model_dir or model.default_model_dir()
    if model_dir is None and not target.exists():
        _say(f"no model at {target}; building the default model once (a few minutes)")
        from .build import build_model

        build_model(target)
    return Restorer(target, settings)


InputArg = Annotated[str, typer.Argument(help="Input file, or - for stdin.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")]
ErrorsOpt = Annotated[Errors, typer.Option(help="On invalid UTF-8: stop (strict) or substitute U+FFFD (replace).")]
ModelOpt = Annotated[Optional[Path], typer.Option("--model", readable=False, help="Model directory (default: the built default model).")]
JobsOpt = Annotated[int, typer.Option(min=0, help="Worker processes (at most one per core); 0 means one per core.")]


@app.command()
def restore(
    sources: Annotated[Optional[list[str]], typer.Argument(help="Input files or globs, or - for stdin.")] = None,
    output: OutputOpt = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", help="Restore every input into this folder (same relative names), resumably.")] = None,
    dask: Annotated[Optional[str], typer.Option("--dask", help="With --out-dir: a Dask scheduler ADDRESS, or local[:N] for N local worker processes.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="tokens: one word per input token; text: readable prose with the removed stopwords put back; "
                     "jsonl: scores, alternatives, and the prose with each word's input token.")] = Format("tokens"),
    beam: Annotated[int, typer.Option(min=1, max=1000, help="Beam width of the search.")] = Settings.beam,
    model_dir: ModelOpt = None,
    errors: ErrorsOpt = Errors.strict,
    jobs: JobsOpt = 0,
    accurate: Annotated[bool, typer.Option("--accurate", help="Let a small neural language model write each sentence back, "
                        "stopwords and word forms together (about 1000x slower; needs pip install 'destem[accurate]').")] = False,
    neural_model: Annotated[Optional[Path], typer.Option("--neural-model", readable=False, help="With --accurate: a llama.cpp GGUF model "
                            "to use instead of SmolLM2-135M.")] = None,
    joint: Annotated[bool, typer.Option("--joint", help="Choose each word together with the stopword run before it "
                     "(0.3 to 0.7 points more accurate, about an eighth of the speed).")] = False,
) -> None:
    """Restore stemmed text: one output line per input line (one word per token unless --format text)."""
    sources = sources or ["-"]
    if out_dir is None and (len(sources) > 1 or dask):
        raise UsageError("several inputs, or --dask, need --out-dir")
    if out_dir is not None and output is not None:
        raise UsageError("use either -o or --out-dir")
    if neural_model is not None and not accurate:
        raise UsageError("--neural-model is used by --accurate only")
    settings = Settings(beam=beam, accurate=accurate, joint=joint)
    if neural_model is not None:
        settings = replace(settings, neural=replace(settings.neural, model=str(neural_model.resolve())))
    if accurate and dask and dask.startswith("local:") and dask[6:].isdigit():
        settings = replace(settings, neural=replace(settings.neural, threads=neural_threads_for(int(dask[6:]))))
    if out_dir is None:
        check_input(sources[0])
        if output is not None:
            check_output(output)
        else:
            check_stdout()
        handle = formats.piece_handler(_restorer(model_dir, settings), format.value)
        _restore_stream(sources[0], output, errors, handle, settings, jobs)
        return
    from .cluster import dask_client, plan, restore_files

    plan(sources, out_dir)  # refuses bad inputs and outputs before the model is loaded
    with dask_client(dask) as client:
        restorer = _restorer(model_dir, settings)
        restore_files(sources, out_dir, restorer.model_dir, client=client, jobs=jobs, settings=settings,
                      fmt=format.value, errors=errors, log=_say, restorer=restorer)


@app.command()
def stem(source: InputArg = "-", output: OutputOpt = None, errors: ErrorsOpt = Errors.strict) -> None:
    """Run prose through the forward pipeline (tokenize, lowercase, drop stopwords, stem)."""
    check_input(source)
    if output is not None:
        check_output(output)
    else:
        check_stdout()
    try:
        with open_output(output) as out:
            for line in read_lines(source, errors):
                out.write(stem_line(line) + "\n")
    except BrokenPipeError:
        discard_stdout()


@app.command("build-model")
def build_model_cmd(
    out: Annotated[Optional[Path], typer.Option(help="Model directory to write.")] = None,
    corpus: Annotated[Optional[list[Path]], typer.Option(help="Your own prose (.txt, .gz, .bz2, .xz); repeatable.")] = None,
    essay: Annotated[bool, typer.Option(help="Include the essay shipped with destem as in-domain prose.")] = True,
    order: Annotated[int, typer.Option(min=2, max=6, help="n-gram order.")] = 5,
    memory: Annotated[str, typer.Option(help="Memory lmplz may take (its -S), e.g. 2G or 80%.")] = "2G",
    word_list: Annotated[Optional[Path], typer.Option(help="Word list for the lexicon (default: Debian wamerican-insane's).")] = None,
    wordnet: Annotated[Optional[Path], typer.Option(help="Folder of WordNet's data.* files (default: Debian wordnet-base's).")] = None,
    if_missing: Annotated[bool, typer.Option("--if-missing", help="Do nothing if a usable model is there.")] = False,
    english: Annotated[bool, typer.Option(help="Include CMU's US-English trigram model (from PyPI pocketsphinx), a second scorer of words and prose.")] = True,
) -> None:
    """Build a model from the registry sources (and --corpus files)."""
    target = out or model.default_model_dir()
    if if_missing:
        try:
            model.load(target)
            _say(f"model in {target} is usable; not rebuilding")
            return
        except ModelError:
            pass
    from .build import build_model
    from .build.sources import DEFAULT_SOURCES

    names = [n for n in DEFAULT_SOURCES if essay or n != "essay"]
    build_model(target, corpus or [], source_names=names, order=order, memory=memory,
                word_list=word_list, wordnet=wordnet, english=english)


@app.command()
def terms(
    source: InputArg = "-",
    context: Annotated[Optional[list[str]], typer.Option("--context", help="The stemmed corpus the terms came from (files or globs, or - for stdin); repeatable.")] = None,
    format: Annotated[TermFormat, typer.Option("--format", "-f", help="text: each stem replaced by its word; tsv/jsonl: stem, word, share, alternatives, known.")] = TermFormat("text"),
    output: OutputOpt = None,
    model_dir: ModelOpt = None,
    dask: Annotated[Optional[str], typer.Option("--dask", help="Restore the context on a Dask scheduler ADDRESS, or local[:N].")] = None,
    jobs: JobsOpt = 0,
    errors: ErrorsOpt = Errors.strict,
) -> None:
    """Display words for terms (topic words, matrix columns, stem<TAB>count lines), from their context if given."""
    from .cluster import dask_client
    from .terms import (
        Counts,
        count_words,
        count_words_on_dask,
        describe,
        parse_term_line,
        render_term_line,
        tsv_header,
    )

    contexts = context or []
    if source == "-" and "-" in contexts:
        raise UsageError("the terms and --context cannot both come from standard input")
    check_input(source)
    context_files = [c if c == "-" else str(p) for c in contexts for p in ([c] if c == "-" else expand_inputs([c]))]
    if output is not None:
        check_output(output)
    else:
        check_stdout()
    where = "standard input" if source == "-" else source
    lines = [parse_term_line(line, f"{where}: line {n}") for n, line in enumerate(read_lines(source, errors), 1)]
    wanted = {stem for line in lines for stem in line.stems}
    settings = Settings()
    restorer = _restorer(model_dir, settings)

    def pieces() -> Iterator[Piece]:
        for name in context_files:
            yield from cut_pieces(read_chunks(name, errors), settings.max_sentence)

    if not context_files:
        counts = Counts()
    elif dask:
        with dask_client(dask) as client:
            counts = count_words_on_dask(client, restorer, pieces(), wanted)
    else:
        counts = count_words(restorer, pieces(), wanted, jobs)
    described = describe(restorer, wanted, counts)
    try:
        with open_output(output) as out:
            has_counts = any(line.rest for line in lines)
            if format.value == "tsv":
                out.write(tsv_header(has_counts) + "\n")
            for line in lines:
                for rendered in render_term_line(line, described, format.value, count_column=has_counts):
                    out.write(rendered + "\n")
    except BrokenPipeError:
        discard_stdout()


def _fill_closed_streams() -> None:
    """Give a closed stdin, stdout or stderr (``<&-``, ``>&-``, ``2>&-``)
    /dev/null's descriptor, so that no file the command opens takes its
    number. Python has set the closed stream itself to None: reading or
    writing it is refused by :mod:`restore.files`; a closed stderr just
    hears nothing."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process


def main() -> None:
    """Run the command; map every failure to one stderr line and its exit code."""
    _fill_closed_streams()
    for signum in (signal.SIGTERM, signal.SIGINT):  # a killed run cleans up like Ctrl-C
        signal.signal(signum, _interrupted)
    try:
        try:
            if len(sys.argv) > 1:
                code = app(standalone_mode=False)
            else:  # a bare `destem`: the overview, on stderr as a usage error's
                with contextlib.redirect_stdout(sys.stderr):
                    app(["--help"], standalone_mode=False)
                code = EXIT_CODES[UsageError]
        except SystemExit as exc:
            # click ends a broken pipe while printing help or the version with
            # exit 1; like every other output, a reader that left is no error.
            if not isinstance(exc.__context__, BrokenPipeError):
                raise
            discard_stdout()
            code = 0
        if code == EXIT_INTERRUPTED or stop_requested.is_set():  # typer turns KeyboardInterrupt into 130
            raise KeyboardInterrupt
    except typer.TyperException as exc:  # click's usage errors: an unknown option, a bad value
        _say(f"error: {exc.format_message()} (see --help)")
        code = EXIT_CODES[UsageError]
    except DestemError as exc:
        _say(f"error: {exc}")
        code = next(c for kind, c in EXIT_CODES.items() if isinstance(exc, kind))
    except (KeyboardInterrupt, typer.Abort):
        _say("interrupted; output files not finished were not written")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        discard_stdout()
        code = 0
    except OSError as exc:
        # Every file and every output but help and the version goes through
        # restore.files, which types its failures; what is left without a
        # file name is click writing those two to a full disk.
        if exc.filename is not None:
            raise
        discard_stdout()
        _say(f"error: cannot write to standard output ({exc.strerror or exc})")
        code = EXIT_CODES[OutputError]
    for signum in (signal.SIGTERM, signal.SIGINT):  # the work is over: nothing is left to interrupt
        signal.signal(signum, signal.SIG_IGN)
    if code == EXIT_INTERRUPTED:
        # CPython remembers a KeyboardInterrupt raised inside some C calls
        # even once it was handled, and would end the process by SIGINT
        # instead of this exit code; the work is wound down, so leave now.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):
                stream.flush()
        os._exit(code)
    sys.exit(code if isinstance(code, int) else 0)
