"""Keeping freed memory for reuse during a batch: blocks stay with the process inside, go back outside."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from revbridge.services.memory import _glibc

PROBE = textwrap.dedent(
    """
    import os, numpy as np
    from revbridge.services.memory import reusing_freed_memory

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def kept_after_free(mib):
        block = np.ones(mib * 2**20, dtype=np.uint8)  # every page touched
        before = rss()
        del block
        return before - rss() < mib * 2**19  # less than half of it handed back

    outside = kept_after_free(64)
    with reusing_freed_memory():
        with reusing_freed_memory():
            pass
        inside = kept_after_free(64)  # still inside the outer one
        held = rss()
    given_back = held - rss() > 32 * 2**20  # on leaving, what is free goes back
    # Bigger than the block inside, so no free space the batch left in the heap can hold it: glibc's
    # defaults decide alone, and they hand so large a block back as soon as it is freed.
    after = kept_after_free(96)
    print(outside, inside, given_back, after)
    """
)


@pytest.mark.skipif(_glibc() is None or not os.path.exists("/proc/self/statm"), reason="needs glibc on Linux")
def test_a_freed_block_stays_with_the_process_only_inside_even_when_nested() -> None:
    # A fresh interpreter: the test run's own heap would blur the figures.
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True", "False"]


def test_the_cycle_collector_is_paused_only_inside_even_when_nested_and_stays_off_if_it_was() -> None:
    import gc
    import threading

    from revbridge.services.memory import pausing_cycle_collection

    assert gc.isenabled()
    entered, leave = threading.Event(), threading.Event()

    def other_batch() -> None:
        with pausing_cycle_collection():
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=other_batch)
    with pausing_cycle_collection():
        thread.start()
        entered.wait(5)
        with pausing_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still within
    leave.set()
    thread.join()
    assert gc.isenabled()
    gc.disable()
    try:
        with pausing_cycle_collection():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
