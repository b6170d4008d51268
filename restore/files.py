"""Reading and writing text files safely: the input and output of every mode.

Input is decoded line by line with a clear error naming the line; output
goes to a temporary file renamed onto its target only when complete, so no
run, however it ends, leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import IO, Optional


class Errors(str, Enum):
    strict = "strict"
    replace = "replace"


class InputError(Exception):
    """Bad input; the message is shown as is."""


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
