"""Pull: Shopify → local catalog (full via a bulk query export, incremental via `updated_at`).

    from product_dashboard.sync.pull import PullEngine, PullParams
    report = await PullEngine(sessions, client, events).run(PullParams(kind="auto"))

The `sync.pull` job (job.py) runs the engine; its type is declared in sync/job_types.py.

See engine.py for the flow, apply.py for what happens to each product (local edits are never
overwritten: they go through conflict detection), deletions.py for products gone from Shopify.
"""

from product_dashboard.sync.pull.apply import ChunkResult, apply_chunk
from product_dashboard.sync.pull.cursor import PULL_CURSOR, load_cursor, save_cursor
from product_dashboard.sync.pull.engine import (
    PullCheckpoint,
    PullEngine,
    PullHooks,
    PullParams,
    PullReport,
)

__all__ = [
    "PULL_CURSOR",
    "ChunkResult",
    "PullCheckpoint",
    "PullEngine",
    "PullHooks",
    "PullParams",
    "PullReport",
    "apply_chunk",
    "load_cursor",
    "save_cursor",
]
