"""Apply a per-line function on all cores, in input order, in bounded memory.

Lines are grouped into batches; at most ``2 * jobs`` batches are in flight,
so a file of any size streams through with flat memory. Worker processes are
forked from the process that already loaded the model, so each has it from
the start (copy-on-write) and never loads it again. Every line is handled on
its own, so the output does not depend on ``jobs``.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

_handle: Callable[[str], str] | None = None  # set in the parent, inherited by forked workers


def worker_signals() -> None:
    """Workers die on SIGTERM and leave Ctrl-C to the parent.

    They must not inherit the CLI's SIGTERM handler: a worker raising inside
    the pool's shared queue lock would leave the others waiting forever.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(batch: list[str]) -> list[str]:
    assert _handle is not None
    return [_handle(line) for line in batch]


def batches(lines: Iterable[str], max_chars: int) -> Iterator[list[str]]:
    """Consecutive lines grouped into lists of about ``max_chars`` characters."""
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line) + 1
        if size >= max_chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def map_lines(handle: Callable[[str], str], lines: Iterable[str], jobs: int, batch_chars: int) -> Iterator[str]:
    """``handle`` over ``lines``, in order; worker processes only when it pays.

    Input that fits in one batch is handled in this process: starting
    workers would cost more than it saves.
    """
    global _handle
    chunks = batches(lines, batch_chars)
    head = list(next(chunks, []) for _ in range(2))
    head = [b for b in head if b]
    if jobs <= 1 or len(head) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in chain(head, chunks):
            yield from map(handle, batch)
        return
    _handle = handle
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=worker_signals)
    try:
        window: deque = deque()
        for batch in chain(head, chunks):
            window.append(pool.apply_async(_run, (batch,)))
            if len(window) >= 2 * jobs:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()
        pool.close()  # all work is done: let the workers exit on their own
    except BaseException:
        pool.terminate()  # interrupted or failed: stop the workers now
        raise
    finally:
        pool.join()
