"""Worker processes of a build: never forked from a threaded process, never outliving their parent.

A process forked while another thread runs may deadlock on a lock that
thread held at the fork (Python 3.12 warns about it). :func:`can_fork` is
true only when the caller is the process's one thread; the build then forks
(cheap, and workers share the parent's memory), and otherwise spawns fresh
interpreters (:func:`pool`) or does the work itself. The command line keeps
no thread of its own alive during a build (its progress bar is redrawn by
the progress calls), so ``newsgraph build`` always forks.

Every worker asks the kernel to kill it when its parent dies
(:func:`die_with_parent`, Linux's ``PR_SET_PDEATHSIG``): a build killed with
SIGKILL, or by the out-of-memory killer, leaves no worker asleep behind it.

>>> with pool(2) as workers:
...     list(workers.map(abs, [-1, 2, -3]))
[1, 2, 3]
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import Final

__all__ = ["can_fork", "context", "default_jobs", "die_with_parent", "give_back_memory", "pool", "worker_init"]

_PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>


def give_back_memory() -> None:
    """Return the heap memory freed by a stage to the system (glibc's ``malloc_trim``; elsewhere nothing).

    Python keeps freed memory for reuse; after story detection at 60,000 items about 350 MB of it
    sat unused while the outputs were written, and every process forked for them counted it
    (measured 2026-11-30: resident memory 1,103 MB -> 752 MB). Called between stages, not in loops.
    No garbage collection: the stages make no cycles, and the command line turns the collector off.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            ctypes.CDLL(None).malloc_trim(0)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True when forking this process is safe: ``fork`` exists and no other thread is alive.

    Threads of native libraries that Python does not know of (a BLAS pool,
    a database's background threads) are not counted: they do not hold
    Python's locks. A thread Python has joined may still be leaving the
    kernel (a process pool's manager, just shut down): on Linux this waits
    for such threads, up to :data:`SETTLE_S`, so the fork copies none.
    """
    if "fork" not in mp.get_all_start_methods() or threading.active_count() != 1:
        return False
    _settle()
    return True


#: The longest :func:`can_fork` waits for joined threads to leave the kernel.
SETTLE_S: Final = 0.5


def _settle() -> None:
    """Wait until this process has no more kernel threads than Python threads (bounded by SETTLE_S)."""
    tasks = "/proc/self/task"
    try:
        if len(os.listdir(tasks)) <= threading.active_count():
            return
    except OSError:  # no /proc: nothing to wait for that can be seen
        return
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        time.sleep(0.002)
        if len(os.listdir(tasks)) <= threading.active_count():
            return


def context() -> BaseContext:
    """``fork`` when :func:`can_fork`, else ``spawn`` (a fresh interpreter: slower to start, safe with threads).

    Spawn, not forkserver: a spawned worker is a child of this process, so
    :func:`die_with_parent` ties it to the build.
    """
    return mp.get_context("fork" if can_fork() else "spawn")


def pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` workers (:func:`context`) that leave Ctrl-C to this process and die with it.

    Workers are started by the thread that first submits work, and the
    parent-death signal fires when *that thread* ends: submit from a thread
    that outlives the pool (as every caller here does: it waits for the results).
    """
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context(), initializer=worker_init, initargs=(os.getpid(),))


def worker_init(parent: int) -> None:
    """First thing in a worker of process ``parent``: leave Ctrl-C to the parent, die when it dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # on Ctrl-C the parent stops its workers itself
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """End this process (SIGKILL) when its parent, process ``parent``, ends.

    On Linux the kernel sends the signal (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread watches the parent's id. If the parent died
    before the request was made (the child was then adopted by another
    process), this process ends at once.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            ok = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            ok = False
        if not ok:  # pragma: no cover
            _watch(parent)
    else:  # pragma: no cover - not Linux
        _watch(parent)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)


def _watch(parent: int) -> None:  # pragma: no cover - only without prctl
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="newsgraph-parent-watch", daemon=True).start()
