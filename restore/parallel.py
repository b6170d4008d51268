"""Apply a function to lines (or pieces of lines) on all cores, in input
order, in bounded memory.

Items are grouped into batches; at most ``2 * jobs`` batches are in flight,
so a file of any size streams through with flat memory. Worker processes are
forked from the process that already loaded the model, so each has it from
the start (copy-on-write) and never loads it again. Every item is handled on
its own, so the output does not depend on ``jobs``.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
_handle: Callable[[Any], Any] | None = None  # set in the parent, inherited by forked workers
# How many worker processes share the machine's cores: 1 in the parent, the
# pool's size in each worker (the neural model sizes its threads by it).
sharing = 1


def worker_signals() -> None:
    """Workers die on SIGTERM and leave Ctrl-C to the parent.

    They must not inherit the CLI's SIGTERM handler: a worker raising inside
    the pool's shared queue lock would leave the others waiting forever.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_worker(jobs: int) -> None:
    global sharing
    sharing = jobs
    worker_signals()


def _run(batch: list[Any]) -> list[Any]:
    assert _handle is not None
    return [_handle(item) for item in batch]


def batches(items: Iterable[T], max_chars: int, size_of: Callable[[T], int] = len) -> Iterator[list[T]]:
    """Consecutive items grouped into lists of about ``max_chars`` characters."""
    batch: list[T] = []
    size = 0
    for item in items:
        batch.append(item)
        size += size_of(item) + 1
        if size >= max_chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def map_ordered(
    handle: Callable[[T], R], items: Iterable[T], jobs: int, batch_chars: int, size_of: Callable[[T], int] = len
) -> Iterator[R]:
    """``handle`` over ``items``, in order; worker processes only when it pays.

    Input that fits in one batch is handled in this process: starting
    workers would cost more than it saves.
    """
    global _handle
    chunks = batches(items, batch_chars, size_of)
    head = list(next(chunks, []) for _ in range(2))
    head = [b for b in head if b]
    if jobs <= 1 or len(head) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in chain(head, chunks):
            yield from map(handle, batch)
        return
    _handle = handle
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker, initargs=(jobs,))
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
