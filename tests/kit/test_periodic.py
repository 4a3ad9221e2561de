from __future__ import annotations

import logging

import pytest

from product_dashboard.kit.periodic import Periodic
from tests.fixtures.waiting import wait_until

pytestmark = pytest.mark.quick


async def test_runs_again_after_a_failure_and_stops_when_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise RuntimeError("second run fails")

    periodic = Periodic("test-periodic", work, interval=0.01, first_delay=0)
    with caplog.at_level(logging.ERROR):
        periodic.start()

        async def four_runs() -> bool:
            return len(runs) >= 4

        await wait_until(four_runs, what="four runs")
        await periodic.close()
    assert not periodic.running
    stopped_at = len(runs)
    assert "test-periodic failed" in caplog.text and "second run fails" in caplog.text
    await periodic.close()  # closing twice is fine
    assert len(runs) == stopped_at
