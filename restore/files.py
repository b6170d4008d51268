"""Reading and writing text files safely: the input and output of every mode.

Input is decoded line by line with a clear error naming the line; output
goes to a temporary file renamed onto its target only when complete, so no
run, however it ends, leaves a half-written file behind. Failures are typed
here, where they happen: :class:`InputError` for what is read,
:class:`OutputError` for what is written.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from typing import IO

from .errors import InputError, OutputError

# Set when the command is asked to stop (SIGTERM, Ctrl-C). An output file is
# then never put in place, even where the KeyboardInterrupt raised for the
# signal was swallowed by code that catches everything (some libraries do,
# around their own imports).
stop_requested = threading.Event()

# Bytes read at a time: lines up to this size come whole; longer ones in pieces.
CHUNK_BYTES = 1 << 16


class Errors(Enum):
    strict = "strict"
    replace = "replace"


def check_input(source: str) -> None:
    """Refuse an input that cannot be opened, before anything slow happens."""
    if source == "-":
        if sys.stdin is None:  # the command was started with stdin closed (<&-)
            raise InputError("standard input is closed; name an input file")
        return
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source} is a directory, not a file")
    if not path.exists():
        raise InputError(f"{source}: no such file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{source}: cannot read (permission denied)")


def expand_inputs(patterns: Iterable[str]) -> list[Path]:
    """The files that paths and globs (``corpus/**/*.txt``) name, resolved,
    each once, in order; a pattern that names nothing is bad input."""
    paths: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise InputError(f"{pattern}: no such file")
        paths += [Path(m) for m in matches]
    for path in paths:
        check_input(str(path))
    return list(dict.fromkeys(p.resolve() for p in paths))


def read_lines(source: str, errors: Errors) -> Iterator[str]:
    """Whole lines of a file or stdin (``-``), decoded, without line endings."""
    parts: list[str] = []
    for text, ends_line in read_chunks(source, errors):
        parts.append(text)
        if ends_line:
            yield "".join(parts)
            parts = []


def read_chunks(source: str, errors: Errors, limit: int = CHUNK_BYTES) -> Iterator[tuple[str, bool]]:
    """A file or stdin (``-``) as decoded chunks ``(text, ends_line)`` of
    about ``limit`` bytes at most, cut at white space, without line endings.

    A line longer than ``limit`` comes in several chunks, so reading never
    holds more than a chunk (and one token) whatever the line's length.
    """
    check_input(source)
    if source == "-":
        assert sys.stdin is not None
        stream: IO[bytes] = sys.stdin.buffer
    else:
        try:
            stream = Path(source).open("rb")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    number = 1
    offset = 0  # bytes of the current line in earlier chunks, so errors name the byte in the line
    with stream if source != "-" else contextlib.nullcontext(stream):
        for raw, ends_line in _raw_chunks(stream, source, limit):
            if b"\0" in raw:
                raise InputError(f"{source}: line {number} holds a NUL byte; this looks like binary data")
            try:
                text = raw.decode("utf-8", errors=errors.value)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{source}: line {number} is not valid UTF-8 (byte {offset + exc.start + 1}); "
                    "use --errors replace to go on"
                ) from None
            yield (text.rstrip("\r\n") if ends_line else text), ends_line
            number += ends_line
            offset = 0 if ends_line else offset + len(raw)


def _raw_chunks(stream: IO[bytes], source: str, limit: int) -> Iterator[tuple[bytes, bool]]:
    """Chunks of bytes ending at a newline or at white space (a token longer
    than ``limit`` is read whole); a read error is bad input."""
    carry = b""
    while True:
        try:
            raw = stream.readline(limit)
        except OSError as exc:
            raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
        if not raw:
            if carry:
                yield carry, True
            return
        data = carry + raw
        if data.endswith(b"\n") or len(raw) < limit:  # a whole line, or the last one
            yield data, True
            carry = b""
            continue
        cut = max(data.rfind(b" "), data.rfind(b"\t")) + 1
        if cut == 0:
            carry = data  # one long token so far: keep reading it
            continue
        yield data[:cut], False
        carry = data[cut:]


def destination(target: Path) -> Path | None:
    """The regular file an output is renamed onto when complete, or None
    for a target that must be written in place.

    Renaming a new file onto a device, a FIFO or a socket would delete the
    node (``-o /dev/null`` as root would replace the system's ``/dev/null``),
    and ``/dev/stdout`` names a descriptor, not a file; so anything that
    exists and is not a regular file, and anything under ``/dev`` or
    ``/proc``, is opened and written through. A symbolic link to a regular
    file stays a link: the rename goes onto the file it points to.
    """
    absolute = Path(os.path.abspath(target))
    if absolute.parts[1:2] in (("dev",), ("proc",)):
        return None
    try:
        mode = os.stat(absolute).st_mode
    except FileNotFoundError:
        return Path(os.path.realpath(absolute))  # a new file (or where a dangling link points)
    except OSError:
        return absolute  # check_output names the problem
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return Path(os.path.realpath(absolute))
    return None


def check_output(target: Path) -> None:
    """Refuse an output file that cannot be written, before anything slow happens."""
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a directory")
    final = destination(target)
    if final is None:
        if not os.access(target, os.W_OK):
            raise OutputError(f"cannot write {target}: permission denied")
        return
    folder = final.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: no permission to write in {folder}")


def check_stdout() -> None:
    """Refuse to write to a standard output the command was started without (``>&-``)."""
    if sys.stdout is None:
        raise OutputError("cannot write to standard output: it is closed")


def discard_stdout() -> None:
    """Point stdout at /dev/null once it cannot be written (a closed pipe, a
    full disk), so the interpreter's last flush has nowhere to fail."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _part_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def remove_stale_parts(folder: Path, name: str = "*") -> None:
    """Remove temporary files (of output ``name``, or of every output in
    ``folder``) left by runs that were killed outright (SIGKILL, power
    loss): their process no longer exists."""
    pattern = re.compile(r"^\..+\.(\d+)\.[^.]+\.part$")
    for candidate in folder.glob(f".{name if name == '*' else glob.escape(name)}.*.part"):
        match = pattern.match(candidate.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                candidate.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def open_output(target: Path | None, sweep: bool = True) -> Iterator[IO[str]]:
    """stdout, or a temporary file renamed onto ``target`` on success only.

    The file gets the permissions any new file would (the user's umask). A
    target that is not a regular file (a device, a FIFO, ``/dev/stdout``) is
    written in place instead (see :func:`destination`). Write failures (a
    full disk, permissions, a directory in the way) become
    :class:`OutputError`; a reader that went away (``| head``) stays a
    ``BrokenPipeError`` for the caller to treat as the end. ``sweep=False``
    skips looking for the temporary files of killed runs, for a caller that
    writes many files into one folder and has swept it once.
    """
    if target is None:
        check_stdout()
        assert sys.stdout is not None
        try:
            yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            discard_stdout()
            raise OutputError(f"cannot write to standard output ({exc.strerror or exc})") from None
        return
    target = Path(target)
    check_output(target)
    final = destination(target)
    if final is None:
        with _written_in_place(target) as out:
            yield out
        return
    if sweep:
        remove_stale_parts(final.parent, final.name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_part_prefix(final), suffix=".part", dir=final.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target} ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
        if stop_requested.is_set():
            raise KeyboardInterrupt
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, final)
    except (BrokenPipeError, InputError):
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {target} ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def _written_in_place(target: Path) -> Iterator[IO[str]]:
    """A device, FIFO or descriptor opened for writing (a FIFO waits for its reader)."""
    try:
        out = target.open("w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise OutputError(f"cannot write {target} ({exc.strerror or exc})") from None
    try:
        with out:
            yield out
    except (BrokenPipeError, InputError):
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {target} ({exc.strerror or exc})") from None
