"""Python's cyclic garbage collector while a bulk job holds thousands of rows alive.

CPython collects its oldest generation (every tracked object not frozen) whenever the
objects that survived the younger ones have grown by a quarter since the last full
collection. A CSV import keeps a batch or two of rows alive at a time (tens of thousands of
small dicts and strings: its rows, plans and transactions), so it crosses that line about
once per batch of 1,000 rows; each full collection walks every live object while holding
the GIL (100 to 200 ms here), the threads sending the batch's requests wait meanwhile, and it
frees nothing: the rows' objects hold no reference cycles, so reference counting frees them
as soon as a batch is done. Measured with ``bench.import_csv``, the full collections took
about a fifth of an import's wall time.

Within :func:`no_full_collections` the young generations are still collected as usual
(cheap: a few thousand objects each time) and only the full collections wait until the
block ends. The threshold is the process's, so concurrent blocks (two imports in one
local-stack process) share one pause: the first to enter sets it, the last to leave
restores it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NEVER = 2**30  # middle-generation collections between two full ones: none in practice

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def no_full_collections() -> Iterator[None]:
    """Young collections as usual, no full collection until the (last) block ends."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], NEVER)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
