"""Read ahead: parse the next batch of a file on a second thread while the database stores this one.

Arrow's CSV parsing and compute kernels release the GIL, so on two cores reading and writing overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` of them ahead on a background thread.

    An error in the producer is raised here, at the point where its item would have come.
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                slots.put(item)
            slots.put(_DONE)
        except BaseException as exc:  # handed to the consumer, re-raised there
            slots.put(exc)

    worker = threading.Thread(target=produce, name="revbridge-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while not slots.empty():
            slots.get_nowait()
        worker.join(timeout=5)
