"""The process's cyclic-GC policy: freeze the long-lived heap once, collect less during pushes
and the other bulk work that allocates alike: pulls, a preview, a webhook batch.

A full (generation 2) collection walks every tracked object: about 210,000 once the app is built
(routes, ORM mappers, schemas), 100-160 ms of CPU that lands on whichever request happens to
allocate at that moment. Freezing what is alive after start-up takes it out of every later
collection; it is still freed by reference counting if it dies. One freeze per process, never
undone: a scoped unfreeze would also release what start-up froze.

A push allocates many short-lived, acyclic objects per product (rows, snapshots, inputs, JSON);
with the default gen-0 threshold of 700 the collector ran every few products and measured ~35% of
the engine's CPU. Collecting every 20,000 allocations while a push runs loses nothing.
Generation 1 holds what survived those collections, and during a bulk push that is every
product of the chunks in flight (~500,000 objects): each generation-1 collection took ~100 ms,
ten per 20k-product push, each one a stall of the loop that polls and starts the next bulk
operation. During a push it runs after 100 generation-0 collections instead of 10.

A full pull is the same: rows, snapshots and requests per product, with the variants export's
~40,000 entries held meanwhile. With the default thresholds a 20k-product pull ran ~2,250
collections (18 full ones): ~1.2 s of its event loop's ~13 s of CPU.
A webhook batch (64 events: their products loaded, decided, written) ran ~280 gen-0 collections
in an 847-event drain after the freeze, 0.08 ms of CPU an event (~5 %); 2 with these thresholds.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

PUSH_GEN0_THRESHOLD = 20_000
PUSH_GEN1_THRESHOLD = 100


class _FreezeState:
    done = False


_freeze = _FreezeState()


def freeze_long_lived_heap() -> None:
    """Hide everything alive now from the cyclic collector, once per process."""
    # A flag, not gc.get_freeze_count(): that walks the whole frozen heap (~40 ms), and tests
    # start hundreds of apps in one process.
    if _freeze.done or gc.get_freeze_count():
        return  # frozen already (a second app in this process, as in tests)
    gc.collect()  # so that no garbage is frozen with the live objects
    gc.freeze()
    _freeze.done = True


class _PushState:
    depth = 0
    saved: tuple[int, ...] = gc.get_threshold()


_push = _PushState()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the gen-0 and gen-1 thresholds while at least one push (or pull) runs; restored
    when the last ends."""
    if _push.depth == 0:
        _push.saved = gc.get_threshold()
        first, second, *rest = _push.saved
        gc.set_threshold(max(first, PUSH_GEN0_THRESHOLD), max(second, PUSH_GEN1_THRESHOLD), *rest)
    _push.depth += 1
    try:
        yield
    finally:
        _push.depth -= 1
        if _push.depth == 0:
            gc.set_threshold(*_push.saved)
