"""Shared fixtures: one database per backend (SQLite always, PostgreSQL when reachable)."""

import os

import pytest
from argon2 import PasswordHasher, profiles

from product_dashboard.auth import security
from shopify_emulator.gc_tuning import tune_for_server

# Production parameters cost ~0.2 s a hash by design; tests hash hundreds of passwords.
security.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))

# A test process builds an app (~200,000 objects) per test and throws it away: with Python's
# default thresholds the cyclic collector took ~23% of tests/product's CPU (11.1 of 48.6 s); with
# the emulator server's thresholds 4.7 of 40.9 s. Garbage cycles are still collected, less often.
tune_for_server()

# Servers running in threads log after their test has ended, past pytest's capture: keep the
# console quiet (log files still get every line; caplog still sees records).
os.environ.setdefault("LOG_CONSOLE", "false")

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.emulator",
    "tests.fixtures.logs",
    "tests.fixtures.shopify_schema",
]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first: xdist workers then run them alongside the quick ones, not at the tail.
    The tests of Shopify's schema run on one worker (scripts/test distributes by these groups):
    each worker that ran one built the schema (~2 s of CPU, ~4 s under coverage)."""
    for item in items:
        if "shopify_schema" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("shopify_schema"))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
