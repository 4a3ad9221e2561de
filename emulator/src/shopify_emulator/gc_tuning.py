"""Cyclic-GC settings for a process that keeps a large in-memory store.

The store holds hundreds of thousands of long-lived objects and every mutation allocates many
more that live on in it; with Python's default thresholds (700, 10, 10) the collector runs every
few hundred allocations and rescans young objects that are going to stay, which measured ~40% of
the CPU of an aliased productSet batch. Records are plain, mostly acyclic data freed by reference
counting, so collecting less often loses nothing. `tune_for_server()` is for the emulator's own
process (the CLI, the benchmarks); `relaxed_gc()` scopes the same idea to one long job inside any
process (bulk mutations), also freezing the objects alive at its start. Freezing is one-way:
unfreezing would also release what the host process froze (the dashboard freezes its start-up heap
when the emulator runs inside it, as in tests); frozen records are still freed by reference
counting when deleted.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["SERVER_THRESHOLD", "relaxed_gc", "tune_for_server"]

SERVER_THRESHOLD = (20_000, 20, 10)
_JOB_THRESHOLD = (10_000, 20, 10)


def tune_for_server() -> None:
    """Collect young objects every 20,000 allocations instead of 700 (process-wide)."""
    gc.set_threshold(*SERVER_THRESHOLD)


class _GcState:
    depth = 0
    saved: tuple[int, ...] = gc.get_threshold()


_relaxed = _GcState()


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Fewer, cheaper cyclic-GC passes while a long job runs (restored afterwards).

    The objects alive at the start are frozen (skipped by later collections, for good).
    """
    if _relaxed.depth == 0:
        _relaxed.saved = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*(max(a, b) for a, b in zip(_relaxed.saved, _JOB_THRESHOLD, strict=True)))
    _relaxed.depth += 1
    try:
        yield
    finally:
        _relaxed.depth -= 1
        if _relaxed.depth == 0:
            gc.set_threshold(*_relaxed.saved)
