from __future__ import annotations

import logging

import httpx
import pytest

from product_dashboard.config import Settings
from product_dashboard.kit.log_fields import log_fields
from product_dashboard.monitoring.log_failures import parse_fields
from tests.fixtures.logs import read_log

pytestmark = [pytest.mark.integration]

Headers = dict[str, str]


def test_fields_are_read_back_as_written() -> None:
    message, fields = parse_fields(
        'push failed (a=b inside) job=ab12 product=7 reason="Title \\"x\\" is = bad"'
    )
    assert message == "push failed (a=b inside)"
    assert fields == {"job": "ab12", "product": "7", "reason": 'Title "x" is = bad'}


async def test_activity_reads_recent_failures_per_job_from_the_log_file(
    client: httpx.AsyncClient,
    settings: Settings,
    editor_headers: Headers,
    viewer_headers: Headers,
) -> None:
    logger = logging.getLogger("product_dashboard.sync.run_log")
    logger.warning("push: product failed", extra=log_fields(job="job1", product=3, reason="old"))
    logger.info("push finished", extra=log_fields(job="job1"))  # not a failure
    logger.warning("webhook failed", extra=log_fields(webhook=9, reason="bad body"))
    logger.error(
        "push: product failed", extra=log_fields(job="job1", product=5, reason="Title is blank")
    )
    read_log(settings.log_dir / "dashboard.log")  # flushed

    r = await client.get("/api/logs/failures", headers=editor_headers)
    assert r.status_code == 200, r.text
    groups = {group["job"]: group for group in r.json()}
    assert set(groups) == {"job1", None}
    job = groups["job1"]
    assert job["count"] == 2 and job["last_reason"] == "Title is blank"
    assert job["products"] == ["5", "3"]
    assert [line["level"] for line in job["lines"]] == ["ERROR", "WARNING"]
    assert groups[None]["lines"][0]["fields"] == {"webhook": "9", "reason": "bad body"}

    assert (await client.get("/api/logs/failures", headers=viewer_headers)).status_code == 403
