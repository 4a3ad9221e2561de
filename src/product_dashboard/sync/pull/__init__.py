"""Pull: Shopify → local catalog (full via a bulk query export, incremental via `updated_at`).

    from product_dashboard.sync.pull import PULL_JOB, PullEngine, PullParams
    job_id = await runner.submit(PULL_JOB, {"kind": "auto"})   # or run PullEngine directly

See engine.py for the flow, apply.py for what happens to each product (local edits are never
overwritten: they go through conflict detection), deletions.py for products gone from Shopify.
"""

from product_dashboard.sync.pull.apply import ChunkResult, apply_chunk
from product_dashboard.sync.pull.cursor import PULL_CURSOR, load_cursor, save_cursor
from product_dashboard.sync.pull.engine import PullEngine, PullHooks, PullParams, PullReport
from product_dashboard.sync.pull.job import PULL_JOB, register

__all__ = [
    "PULL_CURSOR",
    "PULL_JOB",
    "ChunkResult",
    "PullEngine",
    "PullHooks",
    "PullParams",
    "PullReport",
    "apply_chunk",
    "load_cursor",
    "register",
    "save_cursor",
]
