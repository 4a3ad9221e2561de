"""Shared fixtures: one database per backend (SQLite always, PostgreSQL when reachable)."""

import os
from collections.abc import Generator

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import settings as hypothesis_settings

from product_dashboard.auth import security
from shopify_emulator.gc_tuning import tune_for_server

# Production parameters cost ~0.2 s a hash by design; tests hash hundreds of passwords.
security.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))

# A test process builds an app (~200,000 objects) per test and throws it away: with Python's
# default thresholds the cyclic collector took ~23% of tests/product's CPU (11.1 of 48.6 s); with
# the emulator server's thresholds 4.7 of 40.9 s. Garbage cycles are still collected, less often.
tune_for_server()

# No timed assertions in tests: Hypothesis's default 200 ms deadline a call is one. It failed
# `restore(neutralise(cell))` (microseconds) once coverage instrumentation or a loaded machine
# stalled one call for a second. Examples, seeds and shrinking are Hypothesis's defaults.
hypothesis_settings.register_profile("no_deadline", deadline=None)
hypothesis_settings.load_profile("no_deadline")

# Servers running in threads log after their test has ended, past pytest's capture: keep the
# console quiet (log files still get every line; caplog still sees records).
os.environ.setdefault("LOG_CONSOLE", "false")

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.cli",
    "tests.fixtures.emulator",
    "tests.fixtures.logs",
    "tests.fixtures.shopify_schema",
]


@pytest.hookimpl(wrapper=True)  # before xdist reads the groups, and again after it
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Generator[None, None, None]:
    """Slow tests first: xdist workers then run them alongside the quick ones, not at the tail.
    The tests of Shopify's schema run on one worker (scripts/test distributes by these groups):
    each worker that ran one built the schema (~2 s of CPU, ~4 s under coverage; ~30 s each on
    the two extra workers in a loaded CI run). The API fuzz's shards are groups too, each
    holding one shard's two database runs (tests/test_api_contract.py says why)."""
    for item in items:
        if "shopify_schema" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("shopify_schema"))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    yield
    _keep_xdist_groups(config, items)


def _keep_xdist_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` groups by a node id suffix, `test_x@group`, that xdist 3.8 writes to
    `item._nodeid`; pytest 9.2's node ids are structured (`item._id`) and ignore it, so every
    group was silently spread over the workers (pytest-xdist#1386). Write it where pytest reads
    it, as xdist's proposed fix does (pytest-xdist#1388); nothing to do where xdist's took."""
    if not config.getoption("loadgroup", False) or not hasattr(items[0] if items else None, "_id"):
        return
    for item in items:
        names = sorted(
            {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
        )
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            item._id = type(item._id).parse(item.nodeid + suffix)
