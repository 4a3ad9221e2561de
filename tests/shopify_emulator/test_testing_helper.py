"""`run_emulator_in_thread` for other test suites, and the CLI's wiring."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from shopify_emulator import EmulatorConfig, Plan
from shopify_emulator.cli import app as cli_app
from shopify_emulator.testing import run_emulator_in_thread

pytestmark = pytest.mark.integration


def test_run_emulator_in_thread_serves_and_stops() -> None:
    config = EmulatorConfig(plan=Plan.UNLIMITED, access_token="abc", shop_name="Helper Shop")
    with run_emulator_in_thread(config) as base_url:
        response = httpx.post(
            f"{base_url}/admin/api/2026-10/graphql.json",
            json={"query": "{ shop { name } }"},
            headers={"X-Shopify-Access-Token": "abc"},
        )
        assert response.json()["data"] == {"shop": {"name": "Helper Shop"}}
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/_emulator/health", timeout=1)


def test_cli_serve_documents_its_options() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in (
        "--plan",
        "--latency-ms",
        "--access-token",
        "--webhook-secret",
        "--state",
        "--shop-domain",
        "--host",
        "--port",
    ):
        assert option in result.output
