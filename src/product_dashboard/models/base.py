"""Declarative base with a naming convention and timestamps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.ddl import DDLIf

from product_dashboard.kit.time import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Amounts in cents: 64-bit (a price of 25,000,000.00 in dong is past 2^31 - 1 cents). SQLite's
# INTEGER is 64-bit already, and stays INTEGER there.
Cents = BigInteger().with_variant(Integer(), "sqlite")


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def built_on(item: object, dialect: str) -> bool:
    """Whether the schema holds `item` on this database: an index declared for one database only
    (`Index(...).ddl_if(dialect=...)`) is not on the others, so a comparison of the models with a
    migrated database must not ask for it there."""
    condition: DDLIf | None = getattr(item, "_ddl_if", None)
    if condition is None or condition.dialect is None:
        return True
    if isinstance(condition.dialect, str):
        return condition.dialect == dialect
    return dialect in condition.dialect


class TimestampedModel(Model):
    __abstract__ = True

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        onupdate=utcnow,
        server_default=func.now(),
        nullable=False,
    )
