"""The time left a job shows: from the rate of the items that take time."""

from __future__ import annotations

from datetime import timedelta

from product_dashboard.job.schemas import JobProgress, estimate_eta
from product_dashboard.kit.time import utcnow


def test_skipped_items_do_not_make_the_rest_look_instant() -> None:
    # A push of 1,000 products: 900 unchanged skipped in its first moment, then 10 pushed in
    # 5 s; the 90 left take about 45 s more (it used to say half a second).
    started = utcnow()
    progress = JobProgress(total=1000, done=10, failed=0, skipped=900)
    eta = estimate_eta(progress, started, started + timedelta(seconds=5))
    assert eta == 45.0


def test_a_resumed_run_counts_only_its_own_work() -> None:
    started = utcnow()
    progress = JobProgress(total=100, done=60, failed=0, skipped=0)  # 50 from the earlier run
    eta = estimate_eta(progress, started, started + timedelta(seconds=10), worked_before=50)
    assert eta == 40.0


def test_no_rate_yet_and_nothing_left() -> None:
    started = utcnow()
    later = started + timedelta(seconds=3)
    assert estimate_eta(JobProgress(total=10, done=0, failed=0, skipped=4), started, later) is None
    assert estimate_eta(JobProgress(total=10, done=0, failed=0, skipped=10), started, later) == 0.0
