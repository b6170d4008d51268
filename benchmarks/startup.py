"""Start-up: how long the ``destem restore`` command takes on one short line.

Almost all of it is loading: Python, the imports, and opening the model. The
reference in the same run is the bare interpreter (``python -c pass``), so the
figure can be read on any machine as a multiple of that.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 5
LINE = b"trotski born kherson provinc , ukrain novemb 7 , 1879 .\n"


def _seconds(command: list[str], stdin: bytes = b"") -> float:
    """Median wall time of ``RUNS`` runs (after one untimed run that warms the page cache)."""
    subprocess.run(command, input=stdin, capture_output=True, check=True)
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        subprocess.run(command, input=stdin, capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def run(model: Path) -> dict:
    command = [sys.executable, "-m", "restore", "restore", "--model", str(model), "--jobs", "1", "-"]
    result = {"python_seconds": round(_seconds([sys.executable, "-c", "pass"]), 3)}
    for fmt in ("tokens", "text"):
        result[f"{fmt}_seconds"] = round(_seconds([*command, "--format", fmt], LINE), 3)
    return result
