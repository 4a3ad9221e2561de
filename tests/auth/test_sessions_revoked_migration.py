"""Migration 0007 adds `user.sessions_revoked_at` and takes it away again, keeping every account."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from product_dashboard import migrate
from product_dashboard.db import create_engine

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REVISION = "0007_user_sessions_revoked_at"
BEFORE = "0006_product_facets_index"


def _sql(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    async def go() -> list[tuple[object, ...]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _user_columns(url: str) -> set[str]:
    async def go() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                columns = await connection.run_sync(lambda sync: inspect(sync).get_columns("user"))
                return {c["name"] for c in columns}
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_upgrade_and_downgrade_keep_accounts(clean_database: str) -> None:
    url = clean_database
    assert ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_revision(REVISION) is not None
    revoked_at = datetime(2026, 12, 6, 5, 30, tzinfo=UTC)
    _sql(
        url,
        'INSERT INTO "user" (email, password_hash, role, is_active, created_at, updated_at, '
        "sessions_revoked_at) VALUES ('kept@example.com', 'h', 'editor', true, :at, :at, :at)",
        at=revoked_at,
    )
    try:
        command.downgrade(migrate.alembic_config(url), BEFORE)
        assert "sessions_revoked_at" not in _user_columns(url)
        assert _sql(url, 'SELECT email, role FROM "user"') == [("kept@example.com", "editor")]
    finally:
        migrate.upgrade(url)  # the database is shared with the tests that follow (PostgreSQL)
    assert "sessions_revoked_at" in _user_columns(url)
    assert _sql(url, 'SELECT email, sessions_revoked_at FROM "user"') == [
        ("kept@example.com", None)
    ]
