"""Shared fixtures: one database per backend (SQLite always, PostgreSQL when reachable)."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
]
