"""Apply a function to lines (or pieces of lines) on all cores, in input
order, in bounded memory.

Items are grouped into batches; at most ``2 * jobs`` batches are in flight,
so a file of any size streams through with flat memory. Worker processes are
forked from the process that already loaded the model, so each has it from
the start (copy-on-write) and never loads it again. Every item is handled on
its own, so the output does not depend on ``jobs``.

The pool is destem's own rather than :mod:`multiprocessing.Pool`, because
that pool replaces a worker killed from outside (the OOM killer, a stray
``kill -9``) and never runs its batch again, so the run waits forever. Here
the parent watches every worker: a batch whose worker died is run again by
a new one, and a batch that kills its worker three times ends the run with
:class:`~restore.errors.ClusterError`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from .errors import ClusterError

T = TypeVar("T")
R = TypeVar("R")
F = TypeVar("F")
_handle: Callable[[Any], Any] | None = None  # set in the parent, inherited by forked workers
# How many worker processes share the machine's cores: 1 in the parent, the
# pool's size in each worker (the neural model sizes its threads by it).
sharing = 1
# How often one batch may be started on a worker before its worker's death
# is taken to be the batch's doing (a line too big for memory, say).
ATTEMPTS = 3


def worker_signals() -> None:
    """Workers die on SIGTERM and leave Ctrl-C to the parent.

    They must not inherit the CLI's SIGTERM handler: a worker raising inside
    a shared lock would leave the others waiting forever.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def batches(
    items: Iterable[T], max_chars: int,
    size_of: Callable[[T], int] = len,  # type: ignore[assignment]  # items are sized unless size_of says otherwise
) -> Iterator[list[T]]:
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


def usable_jobs(jobs: int) -> int:
    """Worker processes worth starting for ``--jobs`` (0: one per core): at
    most one per core, as more only share the same cores and multiply the
    memory."""
    cores = os.cpu_count() or 1
    return cores if jobs <= 0 else min(jobs, cores)


def in_order(submitted: Iterable[F], window: int, result: Callable[[F], R]) -> Iterator[R]:
    """The results of work submitted elsewhere (Dask futures), in the order
    it was submitted, with at most ``window`` pieces in flight: ``submitted``
    is read lazily, so the next piece is submitted only as the oldest is
    taken, and the input streams."""
    pending: deque[F] = deque()
    for future in submitted:
        pending.append(future)
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


def map_ordered(
    handle: Callable[[T], R], items: Iterable[T], jobs: int, batch_chars: int,
    size_of: Callable[[T], int] = len,  # type: ignore[assignment]  # items are sized unless size_of says otherwise
) -> Iterator[R]:
    """``handle`` over ``items``, in order; worker processes only when it pays.

    Input that fits in one batch is handled in this process: starting
    workers would cost more than it saves. ``jobs`` is capped by the cores.
    """
    global _handle
    jobs = usable_jobs(jobs)
    chunks = batches(items, batch_chars, size_of)
    head = [b for b in (next(chunks, []) for _ in range(2)) if b]
    if jobs <= 1 or len(head) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in chain(head, chunks):
            yield from map(handle, batch)
        return
    _handle = handle
    yield from _Pool(jobs).run(chain(head, chunks))


def _serve(conn: Connection, others: list[Connection], jobs: int) -> None:
    """A worker's life: batches in, results (or the exception) out, until told to stop."""
    global sharing
    sharing = jobs
    worker_signals()
    for other in others:  # the parent's ends of the pipes, so only the parent holds them
        other.close()
    assert _handle is not None
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, batch = message
        try:
            conn.send((index, True, [_handle(item) for item in batch]))
        except Exception as exc:
            try:
                conn.send((index, False, exc))
            except Exception:
                conn.send((index, False, RuntimeError(f"{type(exc).__name__}: {exc}")))


class _Worker:
    def __init__(self, context: Any, parents: list[Connection], jobs: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, [*parents, self.conn], jobs), daemon=True)
        try:
            self.process.start()
        except OSError as exc:
            raise ClusterError(f"cannot start a worker process ({exc.strerror or exc}); "
                               "try fewer --jobs") from None
        finally:
            child.close()
        self.task: tuple[int, list[Any]] | None = None

    def give(self, task: tuple[int, list[Any]]) -> None:
        self.task = task
        self.conn.send(task)

    def stop(self, now: bool) -> None:
        if now and self.process.is_alive():
            self.process.kill()
        elif not now:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join()
        self.conn.close()


class _Pool:
    """Up to ``jobs`` forked workers, started as batches need them."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.context = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []

    def run(self, source: Iterator[list[Any]]) -> Iterator[Any]:
        waiting: deque[tuple[int, list[Any]]] = deque()
        done: dict[int, list[Any]] = {}
        attempts: dict[int, int] = {}
        read = emitted = 0
        exhausted = False
        finished = False
        try:
            while True:
                while not exhausted and read - emitted < 2 * self.jobs:
                    batch = next(source, None)
                    if batch is None:
                        exhausted = True
                    else:
                        waiting.append((read, batch))
                        read += 1
                self._assign(waiting, attempts)
                if emitted in done:
                    yield from done.pop(emitted)
                    emitted += 1
                    continue
                if exhausted and emitted == read:
                    finished = True
                    return
                self._collect(waiting, done, attempts)
        finally:
            for worker in self.workers:
                worker.stop(now=not finished)

    def _assign(self, waiting: deque[tuple[int, list[Any]]], attempts: dict[int, int]) -> None:
        """Waiting batches to idle workers, starting workers up to ``jobs``."""
        while waiting:
            idle = next((w for w in self.workers if w.task is None), None)
            if idle is None:
                if len(self.workers) >= self.jobs:
                    return
                idle = _Worker(self.context, [w.conn for w in self.workers], self.jobs)
                self.workers.append(idle)
            task = waiting.popleft()
            attempts[task[0]] = attempts.get(task[0], 0) + 1
            idle.give(task)

    def _collect(self, waiting: deque[tuple[int, list[Any]]], done: dict[int, list[Any]],
                 attempts: dict[int, int]) -> None:
        """Wait for results; a worker that died gives its batch back to be run again."""
        busy = [w for w in self.workers if w.task is not None]
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
        for worker in busy:
            if worker.conn in ready:
                try:
                    index, ok, payload = worker.conn.recv()
                except (EOFError, OSError):
                    pass  # died while answering: its sentinel tells
                else:
                    if not ok:
                        raise payload
                    done[index] = payload
                    worker.task = None
                    continue
            if worker.task is not None and not worker.process.is_alive():
                task, worker.task = worker.task, None
                self.workers.remove(worker)
                worker.stop(now=True)
                if attempts[task[0]] >= ATTEMPTS:
                    raise ClusterError(
                        f"a worker process died {ATTEMPTS} times on the same batch (last exit "
                        f"{worker.process.exitcode}); the machine may be short of memory: try fewer --jobs")
                waiting.appendleft(task)
