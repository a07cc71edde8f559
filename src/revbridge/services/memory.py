"""Keeping a big batch's memory cheap: freed memory kept for reuse, and the cycle collector paused.

A rescoring makes and drops arrays of a hundred megabytes at a time. glibc hands blocks that large back
to the system as soon as they are freed, and the next array faults every one of its pages in again; in a
virtual machine each such fault is dear (on the 2-core reference machine it cost a rescoring of a million
leads about 2 s, ``benchmarks/scoring.py``). Within ``reusing_freed_memory`` large blocks come from the heap
and freed ones stay there for the next array; on leaving, the defaults are restored and what is free is
given back. Elsewhere than glibc (macOS, musl) it changes nothing.

Python's cycle collector runs whenever enough new objects have outlived the last run; a batch that holds
a hundred thousand rows at once (a tick after an outage) sets it off again and again, and each older
generation's run walks every object the process holds, SQLAlchemy's included. Within
``pausing_cycle_collection`` it does not run: what the batch drops, reference counting frees at once, and
a cycle it leaves behind waits for the collector's next run after the batch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_DEFAULT_TRIM_THRESHOLD = 128 * 1024
_DEFAULT_MMAP_MAX = 65536
_KEEP = 2**31 - 1  # the most mallopt takes (an int): a heap shrinks only past 2 GiB of free top

_lock = threading.Lock()
_depth = 0


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


@contextmanager
def reusing_freed_memory() -> Iterator[None]:
    """Within: no block is handed back to the system when freed. Nests; safe from several threads."""
    global _depth
    libc = _glibc()
    if libc is None:
        yield
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            libc.mallopt(_M_MMAP_MAX, 0)
            libc.mallopt(_M_TRIM_THRESHOLD, _KEEP)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                libc.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD)
                libc.malloc_trim(0)


_pauses = 0
_collecting_before = True


@contextmanager
def pausing_cycle_collection() -> Iterator[None]:
    """Within: the cycle collector does not run (as it was once every thread has left). Nests."""
    global _pauses, _collecting_before
    with _lock:
        _pauses += 1
        if _pauses == 1:
            _collecting_before = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _collecting_before:
                gc.enable()
