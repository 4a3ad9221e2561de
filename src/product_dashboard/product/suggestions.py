"""Suggestions for the list's filters: the vendors, types, tags or collections in use that contain
what was typed, whatever its case, with how many live products carry each, most used first."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from product_dashboard.models import Collection, Product, ProductTag
from product_dashboard.product.membership import membership_condition
from product_dashboard.product.schemas import Suggestion

SuggestedField = Literal["vendor", "product_type", "tag", "collection"]


def _containing(column: QueryableAttribute[str], typed: str) -> ColumnElement[bool] | None:
    text = typed.strip().lower()
    return func.lower(column).contains(text, autoescape=True) if text else None


async def suggest(
    session: AsyncSession, field: SuggestedField, typed: str, limit: int
) -> list[Suggestion]:
    if field == "tag":
        return await _tags(session, typed, limit)
    if field == "collection":
        return await _collections(session, typed, limit)
    column = Product.vendor if field == "vendor" else Product.product_type
    count = func.count().label("count")
    statement = (
        select(column, count)
        .where(Product.deleted_at.is_(None), column != "")
        .group_by(column)
        .order_by(count.desc(), column)
        .limit(limit)
    )
    contains = _containing(column, typed)
    if contains is not None:
        statement = statement.where(contains)
    rows = await session.execute(statement)
    return [Suggestion(value=value, count=int(n)) for value, n in rows]


async def _tags(session: AsyncSession, typed: str, limit: int) -> list[Suggestion]:
    """One entry per tag whatever its case (as the filter matches), under its first spelling."""
    count = func.count().label("count")
    statement = (
        select(func.min(ProductTag.name), count)
        .join(Product, Product.id == ProductTag.product_id)
        .where(Product.deleted_at.is_(None))
        .group_by(ProductTag.tag_key)
        .order_by(count.desc(), ProductTag.tag_key)
        .limit(limit)
    )
    contains = _containing(ProductTag.tag_key, typed)
    if contains is not None:
        statement = statement.where(contains)
    rows = await session.execute(statement)
    return [Suggestion(value=value, count=int(n)) for value, n in rows]


async def _collections(session: AsyncSession, typed: str, limit: int) -> list[Suggestion]:
    """Live collections whose title contains the text, with their live members counted (one
    count per collection: smart membership is a query, never stored)."""
    statement = (
        select(Collection)
        .where(Collection.deleted_at.is_(None))
        .order_by(func.lower(Collection.title), Collection.id)
        .limit(limit)
    )
    contains = _containing(Collection.title, typed)
    if contains is not None:
        statement = statement.where(contains)
    suggestions = []
    for collection in await session.scalars(statement):
        members = await session.scalar(
            select(func.count())
            .select_from(Product)
            .where(Product.deleted_at.is_(None), membership_condition(collection))
        )
        suggestions.append(
            Suggestion(value=collection.title, count=int(members or 0), id=collection.id)
        )
    return sorted(suggestions, key=lambda s: -s.count)
