"""Alembic environment: async engine, URL from the Alembic config or the app settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from alembic import context
from sqlalchemy.engine import Connection

from product_dashboard.config import get_settings
from product_dashboard.db import create_engine
from product_dashboard.models import Model
from product_dashboard.models.base import built_on
from product_dashboard.product import search_index

config = context.config
target_metadata = Model.metadata


def _include_object(dialect: str) -> Callable[[object, str | None, str, bool, object], bool]:
    """Leave the full-text index (FTS5 tables, the trigram search table and its index) and what
    the models build on other databases only out of autogenerate's diff."""

    def include(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        return built_on(obj, dialect) and not (name or "").startswith(search_index.OUTSIDE_MODELS)

    return include


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(_database_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
