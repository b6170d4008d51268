"""What a build says while it runs: one line per step, on stderr."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    print(f"destem: {message}", file=sys.stderr, flush=True)


def last_line(text: str) -> str:
    """The last non-empty line of a tool's output: the one that says what failed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"
