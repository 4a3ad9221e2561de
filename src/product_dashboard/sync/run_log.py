"""What a push or pull leaves in the operational log: a line per run, and one per failed product
(the first `LOGGED_ERRORS` of them; the job's report keeps the rest), with job, product and reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from product_dashboard.kit.log_fields import log_fields

logger = logging.getLogger(__name__)
LOGGED_ERRORS = 50

Direction = Literal["push", "pull"]


def log_run(
    direction: Direction,
    job_id: str,
    *,
    mode: str,
    counts: dict[str, int],
    errors: Sequence[dict[str, Any]],
    stopped: bool = False,
) -> None:
    failed = counts.get("failed", 0)
    figures = ", ".join(f"{value} {key}" for key, value in counts.items())
    level = logging.WARNING if failed else logging.INFO
    logger.log(
        level,
        "%s %s: %s",
        direction,
        "stopped" if stopped else "finished",
        figures,
        extra=log_fields(job=job_id, direction=direction, mode=mode, **counts),
    )
    for error in errors[:LOGGED_ERRORS]:
        product = error.get("product_id") or error.get("handle")
        logger.warning(
            "%s of product %s failed",
            direction,
            product if product is not None else error.get("shopify_id", "?"),
            extra=log_fields(
                job=job_id,
                direction=direction,
                product=error.get("product_id"),
                handle=error.get("handle"),
                shopify_id=error.get("shopify_id"),
                kind=error.get("kind"),
                reason=error.get("error") or error.get("message"),
            ),
        )
    if len(errors) > LOGGED_ERRORS:
        logger.warning(
            "%s: %d more product errors in the job's report",
            direction,
            len(errors) - LOGGED_ERRORS,
            extra=log_fields(job=job_id, direction=direction),
        )
