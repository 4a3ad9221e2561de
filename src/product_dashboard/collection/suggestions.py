"""Collection suggestions behind a provider seam; the local provider always works.

An AI provider (OpenAI, from the AI-helpers feature) plugs in by setting
`app.state.collection_suggestion_provider` (None by default) to any object with the
`SuggestionProvider` shape; when it fails, the endpoint falls back to the local provider.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated, Protocol

from fastapi import Depends
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from product_dashboard.collection.schemas import SuggestionRead
from product_dashboard.models import Collection, Product, ProductTag
from product_dashboard.product.rules import Rule, RuleColumn, RuleRelation, rules_condition

MIN_SIZE = 2
SAMPLE_IDS = 10
TITLE_SAMPLE = 50_000  # titles read for frequent terms: enough for a signal, bounded cost
_WORD = re.compile(r"[^\W\d_][\w'-]{2,}", re.UNICODE)
STOPWORDS = frozenset(
    (
        "the",
        "and",
        "for",
        "with",
        "from",
        "your",
        "our",
        "you",
        "this",
        "that",
        "set",
        "pack",
        "new",
        "one",
        "two",
        "of",
        "in",
        "on",
        "to",
        "by",
        "at",
        "a",
        "an",
        "or",
        "not",
        "all",
        "per",
        "le",
        "la",
        "les",
        "de",
        "du",
        "des",
        "et",
        "en",
        "un",
        "une",
        "der",
        "die",
        "das",
        "und",
        "mit",
    )
)


class SuggestionProvider(Protocol):
    name: str

    async def suggest(self, session: AsyncSession, *, limit: int) -> list[SuggestionRead]: ...


async def get_configured_provider(connection: HTTPConnection) -> SuggestionProvider | None:
    provider: SuggestionProvider | None = connection.app.state.collection_suggestion_provider
    return provider


ConfiguredProviderDep = Annotated[SuggestionProvider | None, Depends(get_configured_provider)]


def _rule(column: RuleColumn, relation: RuleRelation, condition: str) -> Rule:
    return Rule(column=column, relation=relation, condition=condition)


class LocalSuggestionProvider:
    """Types, vendors, tags, reduced prices and frequent title terms, ranked by size."""

    name = "local"

    async def suggest(self, session: AsyncSession, *, limit: int) -> list[SuggestionRead]:
        live = Product.deleted_at.is_(None)
        catalog = int(await session.scalar(select(func.count()).where(live)) or 0)
        if catalog == 0:
            return []
        existing = {
            _key(c.rules, c.disjunctive)
            for c in await session.scalars(
                select(Collection).where(Collection.deleted_at.is_(None))
            )
        }
        titles = {c.lower() for c in await session.scalars(select(Collection.title))}
        candidates: list[tuple[str, Rule, str]] = []
        for column, attribute in (
            (RuleColumn.TYPE, Product.product_type),
            (RuleColumn.VENDOR, Product.vendor),
        ):
            rows = await session.execute(
                select(attribute, func.count())
                .where(live, attribute != "")
                .group_by(attribute)
                .order_by(func.count().desc())
                .limit(limit * 2)
            )
            for value, count in rows:
                label = "type" if column == RuleColumn.TYPE else "vendor"
                candidates.append(
                    (
                        value,
                        _rule(column, RuleRelation.EQUALS, value),
                        f"{count} products of {label} '{value}'",
                    )
                )
        tag_rows = await session.execute(
            select(func.min(ProductTag.name), func.count())
            .join(Product, Product.id == ProductTag.product_id)
            .where(live)
            .group_by(ProductTag.tag_key)
            .order_by(func.count().desc())
            .limit(limit * 2)
        )
        for name, count in tag_rows:
            candidates.append(
                (
                    name.title(),
                    _rule(RuleColumn.TAG, RuleRelation.EQUALS, name),
                    f"{count} products tagged '{name}'",
                )
            )
        candidates.append(
            (
                "On sale",
                _rule(RuleColumn.IS_PRICE_REDUCED, RuleRelation.IS_SET, ""),
                "products with a compare-at price",
            )
        )
        for term, count in await _title_terms(session, catalog, limit):
            candidates.append(
                (
                    term.title(),
                    _rule(RuleColumn.TITLE, RuleRelation.CONTAINS, term),
                    f"'{term}' appears in {count} product titles",
                )
            )
        suggestions: list[SuggestionRead] = []
        seen: set[str] = set()
        for title, rule, reason in candidates:
            key = _key([rule.model_dump(mode="json")], False)
            if key in existing or key in seen or title.lower() in titles:
                continue
            seen.add(key)
            condition = rules_condition([rule], False)
            size = int(await session.scalar(select(func.count()).where(live, condition)) or 0)
            if size < MIN_SIZE or size == catalog:
                continue
            ids = list(
                await session.scalars(
                    select(Product.id).where(live, condition).order_by(Product.id).limit(SAMPLE_IDS)
                )
            )
            suggestions.append(
                SuggestionRead(
                    title=title,
                    collection_type="smart",
                    rules=[rule],
                    disjunctive=False,
                    product_ids=ids,
                    size=size,
                    reason=reason,
                    source=self.name,
                )
            )
        suggestions.sort(key=lambda s: (-s.size, s.title))
        return suggestions[:limit]


def _key(rules: list[dict[str, object]], disjunctive: bool) -> str:
    parts = sorted(
        f"{r.get('column')}|{r.get('relation')}|{str(r.get('condition', '')).strip().lower()}"
        for r in rules
    )
    return f"{disjunctive}:{';'.join(parts)}"


async def _title_terms(session: AsyncSession, catalog: int, limit: int) -> list[tuple[str, int]]:
    """Words found in at least 3 titles but not in most of them (those say nothing)."""
    counter: Counter[str] = Counter()
    result = await session.stream_scalars(
        select(Product.title).where(Product.deleted_at.is_(None)).limit(TITLE_SAMPLE)
    )
    async for title in result:
        words = {w.lower() for w in _WORD.findall(title)}
        counter.update(w for w in words if w not in STOPWORDS)
    sampled = min(catalog, TITLE_SAMPLE)
    terms = [(w, n) for w, n in counter.most_common(limit * 3) if 3 <= n <= sampled // 2]
    return terms[:limit]
