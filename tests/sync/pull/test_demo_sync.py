"""`product-dashboard demo-sync` end to end: a real emulator process, every mode, the table."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_demo_sync_runs_every_mode_and_prints_the_table() -> None:
    command = [
        sys.executable,
        "-c",
        "from product_dashboard.cli import app; app()",
        "demo-sync",
        "--products",
        "24",
        "--sequential",
        "6",
        "--plan",
        "unlimited",
        "--latency-ms",
        "0",
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
        for line in done.stdout.splitlines()
        if line.startswith("│")
    }
    assert list(rows) == [
        "push sequential",
        "push parallel",
        "push batch",
        "push bulk",
        "re-sync unchanged (auto)",
        "pull full into empty catalog",
        "pull incremental (10 edits)",
    ], done.stdout
    products, changed = 0, 1
    assert rows["push sequential"][products : changed + 1] == ["6", "6"]
    for name in ("push parallel", "push batch", "push bulk", "pull full into empty catalog"):
        assert rows[name][products : changed + 1] == ["24", "24"], name
    assert rows["re-sync unchanged (auto)"][changed] == "0"
    assert rows["pull incremental (10 edits)"][products : changed + 1] == ["10", "10"]
