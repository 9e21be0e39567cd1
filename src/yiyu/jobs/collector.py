"""Python's cyclic garbage collector held off while a job builds a page of values.

A page of coverage builds tens of thousands of values (obligations, children, their
parts) that all live until the page is counted. Each of them counts towards the
collector's next pass, and each pass walks every object the process holds: measured at
10,000 children, the passes were a quarter of a coverage report's time in a fresh
process and a third in one holding a cohort besides, and none of them freed anything
(the values are frozen ``attrs`` instances and tuples: reference counting frees them,
they hold no cycles).

So a job pauses the collector for one page at a time, never for a whole run: between
pages it runs as usual, and whatever cycles the host's other threads made meanwhile are
collected then. A host that turned the collector off itself keeps it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off inside the block, and on again after it (even
    when the block raises) if it was on before. Reference counting still frees whatever
    holds no cycle, so memory is what the block keeps, not what it made."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
