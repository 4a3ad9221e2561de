"""OpenAI collection suggestions for the catalog's `SuggestionProvider` seam.

The model sees a compact summary of the catalog (types, vendors, tags, prices, sample titles,
existing collections) and answers in a strict JSON schema; every proposal is then validated as
a Shopify rule set and measured against the database, so only collections that exist, are new
and hold at least two products reach the user. On any OpenAI failure the local method answers;
when the model proposes fewer than asked, local suggestions fill the rest.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.ai.client import OpenAIGateway
from product_dashboard.ai.errors import AIError
from product_dashboard.ai.setup import ensure_gateway
from product_dashboard.collection.schemas import SuggestionRead
from product_dashboard.collection.suggestions import LocalSuggestionProvider
from product_dashboard.models import Collection, Product, ProductTag
from product_dashboard.product.rules import Rule, rules_condition

logger = logging.getLogger(__name__)

MIN_SIZE = 2
SAMPLE_IDS = 10
TOP_VALUES = 40
SAMPLE_TITLES = 40
CACHE_SECONDS = 600.0

SYSTEM = (
    "You are a merchandising assistant for a Shopify store. Propose collections that would help "
    "shoppers browse: clear, short customer-facing titles (at most 6 words), each defined by "
    "Shopify smart-collection rules over the columns and relations given. Prefer groupings that "
    "cut across the obvious single product type (themes, occasions, materials, price bands, "
    "sale items), use only values that occur in the catalog summary, and do not repeat the "
    "existing collections. Conditions for prices are decimal amounts in the store currency."
)

RuleColumnName = Literal[
    "TAG",
    "TITLE",
    "TYPE",
    "VENDOR",
    "VARIANT_PRICE",
    "VARIANT_COMPARE_AT_PRICE",
    "VARIANT_INVENTORY",
    "VARIANT_TITLE",
    "IS_PRICE_REDUCED",
]
RuleRelationName = Literal[
    "EQUALS",
    "NOT_EQUALS",
    "CONTAINS",
    "NOT_CONTAINS",
    "STARTS_WITH",
    "ENDS_WITH",
    "GREATER_THAN",
    "LESS_THAN",
    "IS_SET",
    "IS_NOT_SET",
]


class ProposedRule(BaseModel):
    column: RuleColumnName
    relation: RuleRelationName
    condition: str


class ProposedCollection(BaseModel):
    title: str
    reason: str
    disjunctive: bool
    rules: list[ProposedRule]


class Proposals(BaseModel):
    """The exact shape the model must answer in (OpenAI structured output, strict)."""

    suggestions: list[ProposedCollection]


@dataclass(frozen=True, slots=True)
class CatalogSummary:
    products: int
    product_types: list[tuple[str, int]]
    vendors: list[tuple[str, int]]
    tags: list[tuple[str, int]]
    price_min: str | None
    price_max: str | None
    on_sale: int
    sample_titles: list[str]
    existing_collections: list[str]
    fingerprint: str


async def summarise_catalog(session: AsyncSession) -> CatalogSummary:
    live = Product.deleted_at.is_(None)
    count, newest, low, high = (
        await session.execute(
            select(
                func.count(),
                func.max(Product.updated_at),
                func.min(Product.price_min_cents),
                func.max(Product.price_max_cents),
            ).where(live)
        )
    ).one()

    async def top(column: Any) -> list[tuple[str, int]]:
        rows = await session.execute(
            select(column, func.count())
            .where(live, column != "")
            .group_by(column)
            .order_by(func.count().desc(), column)
            .limit(TOP_VALUES)
        )
        return [(str(value), int(n)) for value, n in rows]

    tag_rows = await session.execute(
        select(func.min(ProductTag.name), func.count())
        .join(Product, Product.id == ProductTag.product_id)
        .where(live)
        .group_by(ProductTag.tag_key)
        .order_by(func.count().desc(), ProductTag.tag_key)
        .limit(TOP_VALUES)
    )
    on_sale = rules_condition(
        [Rule.model_validate({"column": "IS_PRICE_REDUCED", "relation": "IS_SET"})], False
    )
    sale_count = await session.scalar(select(func.count()).where(live, on_sale))
    titles = await session.scalars(
        select(Product.title).where(live).order_by(Product.updated_at.desc()).limit(SAMPLE_TITLES)
    )
    collections = await session.execute(
        select(Collection.title, func.max(Collection.updated_at), func.count())
        .where(Collection.deleted_at.is_(None))
        .group_by(Collection.title)
        .order_by(Collection.title)
        .limit(200)
    )
    collection_rows = list(collections)
    collection_stamp = max((str(r[1]) for r in collection_rows), default="")
    return CatalogSummary(
        products=int(count or 0),
        product_types=await top(Product.product_type),
        vendors=await top(Product.vendor),
        tags=[(str(name), int(n)) for name, n in tag_rows],
        price_min=None if low is None else f"{low / 100:.2f}",
        price_max=None if high is None else f"{high / 100:.2f}",
        on_sale=int(sale_count or 0),
        sample_titles=list(titles),
        existing_collections=[str(r[0]) for r in collection_rows],
        fingerprint=f"{count}|{newest}|{len(collection_rows)}|{collection_stamp}",
    )


def _prompt(summary: CatalogSummary, limit: int) -> str:
    facts = asdict(summary)
    facts.pop("fingerprint")
    return (
        f"Propose up to {limit} new collections for this catalog.\n"
        "Rules: TAG takes EQUALS/NOT_EQUALS; TITLE, VARIANT_TITLE take text relations; TYPE and "
        "VENDOR take text relations or IS_SET/IS_NOT_SET; VARIANT_PRICE, VARIANT_INVENTORY take "
        "EQUALS/NOT_EQUALS/GREATER_THAN/LESS_THAN with a number; IS_PRICE_REDUCED takes IS_SET "
        "(condition empty). disjunctive=true means a product matching any rule belongs.\n"
        f"Catalog summary (JSON):\n{json.dumps(facts, ensure_ascii=False)}"
    )


def _rule_key(rules: list[dict[str, Any]], disjunctive: bool) -> str:
    parts = sorted(
        f"{r.get('column')}|{r.get('relation')}|{str(r.get('condition', '')).strip().lower()}"
        for r in rules
    )
    return f"{disjunctive}:{';'.join(parts)}"


class OpenAISuggestionProvider:
    """`SuggestionProvider` backed by OPENAI_TEXT_MODEL; cached per catalog state."""

    name = "openai"

    def __init__(
        self,
        gateway: OpenAIGateway,
        *,
        local: LocalSuggestionProvider | None = None,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.gateway = gateway
        self.local = local or LocalSuggestionProvider()
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple[str, int], tuple[float, list[SuggestionRead]]] = {}

    async def suggest(self, session: AsyncSession, *, limit: int) -> list[SuggestionRead]:
        summary = await summarise_catalog(session)
        if summary.products == 0:
            return []
        key = (summary.fingerprint, limit)
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return [s.model_copy(deep=True) for s in cached[1]]
        try:
            proposals = await self.gateway.structured(
                system=SYSTEM, user=_prompt(summary, limit), schema=Proposals
            )
        except AIError as exc:
            logger.warning("OpenAI suggestions failed (%s); using the local method", exc.detail)
            return await self.local.suggest(session, limit=limit)
        suggestions = await self._validated(session, proposals, summary, limit)
        if len(suggestions) < limit:
            suggestions += self._unseen(
                await self.local.suggest(session, limit=limit), suggestions, limit
            )
        self._cache = {key: (time.monotonic(), suggestions)}
        return [s.model_copy(deep=True) for s in suggestions]

    async def _validated(
        self, session: AsyncSession, proposals: Proposals, summary: CatalogSummary, limit: int
    ) -> list[SuggestionRead]:
        live = Product.deleted_at.is_(None)
        existing_titles = {t.strip().lower() for t in summary.existing_collections}
        existing_rules = {
            _rule_key(c.rules, c.disjunctive)
            for c in await session.scalars(
                select(Collection).where(Collection.deleted_at.is_(None))
            )
        }
        accepted: list[SuggestionRead] = []
        seen: set[str] = set()
        for proposal in proposals.suggestions:
            title = " ".join(proposal.title.split())[:255]
            try:
                rules = [Rule.model_validate(r.model_dump()) for r in proposal.rules]
            except ValidationError as exc:
                logger.info("dropping suggestion %r: invalid rules: %s", title, exc)
                continue
            if not title or not rules or len(rules) > 10:
                continue
            key = _rule_key([r.model_dump(mode="json") for r in rules], proposal.disjunctive)
            if title.lower() in existing_titles or key in existing_rules or key in seen:
                continue
            condition = rules_condition(rules, proposal.disjunctive)
            size = int(await session.scalar(select(func.count()).where(live, condition)) or 0)
            if size < MIN_SIZE or size == summary.products:
                continue
            seen.add(key)
            ids = await session.scalars(
                select(Product.id).where(live, condition).order_by(Product.id).limit(SAMPLE_IDS)
            )
            accepted.append(
                SuggestionRead(
                    title=title,
                    collection_type="smart",
                    rules=rules,
                    disjunctive=proposal.disjunctive,
                    product_ids=list(ids),
                    size=size,
                    reason=" ".join(proposal.reason.split())[:500],
                    source=self.name,
                )
            )
            if len(accepted) >= limit:
                break
        return accepted

    @staticmethod
    def _unseen(
        local: list[SuggestionRead], chosen: list[SuggestionRead], limit: int
    ) -> list[SuggestionRead]:
        titles = {s.title.lower() for s in chosen}
        keys = {
            _rule_key([r.model_dump(mode="json") for r in s.rules], s.disjunctive) for s in chosen
        }
        extra = []
        for suggestion in local:
            key = _rule_key(
                [r.model_dump(mode="json") for r in suggestion.rules], suggestion.disjunctive
            )
            if suggestion.title.lower() in titles or key in keys:
                continue
            extra.append(suggestion)
            if len(chosen) + len(extra) >= limit:
                break
        return extra


def install_openai_suggestions(app: FastAPI) -> None:
    """Plug the OpenAI provider into the collection suggestions seam when a key is configured."""
    gateway = ensure_gateway(app)
    if gateway is not None:
        app.state.collection_suggestion_provider = OpenAISuggestionProvider(gateway)
