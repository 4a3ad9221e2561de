from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, Principal, WriterPrincipal
from product_dashboard.collection import service
from product_dashboard.collection.repository import SORTABLE, CollectionRepository
from product_dashboard.collection.schemas import (
    MAX_ID,
    AutoByTypeIn,
    AutoByTypeResult,
    CollectionCreate,
    CollectionRead,
    CollectionSyncState,
    CollectionTypeLiteral,
    CollectionUpdate,
    MembershipChange,
    ProductIdsIn,
    ProductTypeCount,
    ReorderIn,
    RulePreviewIn,
    SuggestionRead,
)
from product_dashboard.collection.serialize import collection_read
from product_dashboard.collection.suggestions import (
    ConfiguredProviderDep,
    LocalSuggestionProvider,
    SuggestionProvider,
)
from product_dashboard.collection.sync import (
    COLLECTION_SYNC_JOB,
    CollectionSyncParams,
    Direction,
    unavailable,
)
from product_dashboard.db import SessionDep
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.kit.pagination import Page, PaginationDep
from product_dashboard.kit.sorting import parse_sort
from product_dashboard.models import Collection
from product_dashboard.product.rules import rules_condition
from product_dashboard.product.schemas import ProductSummary
from product_dashboard.product.serialize import product_summary
from product_dashboard.store_gateway import StoreGatewayDep

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/collections", tags=["collections"])

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor.for_request(principal.user, request.headers)


async def _read(session: SessionDep, collection: Collection) -> CollectionRead:
    count = await CollectionRepository(session).count_members(collection)
    return collection_read(collection, count)


@router.get("", response_model=Page[CollectionRead])
async def list_collections(
    session: SessionDep,
    _: CurrentPrincipal,
    pagination: PaginationDep,
    q: Annotated[str | None, Query(max_length=200, description="Title contains")] = None,
    collection_type: Annotated[CollectionTypeLiteral | None, Query()] = None,
    sync_state: Annotated[CollectionSyncState | None, Query()] = None,
    sort: Annotated[str, Query(max_length=100, description="title, -updated_at, …")] = "title",
    counts: Annotated[bool, Query(description="Include products_count (one query each)")] = True,
) -> Page[CollectionRead]:
    collections, total = await service.list_collections(
        session,
        q=q,
        collection_type=collection_type,
        sync_state=sync_state,
        sort=parse_sort(sort, SORTABLE, [("title", False)]),
        offset=pagination.offset,
        limit=pagination.per_page,
    )
    repo = CollectionRepository(session)
    items = [
        collection_read(c, await repo.count_members(c) if counts else None) for c in collections
    ]
    return Page(items=items, total=total, page=pagination.page, per_page=pagination.per_page)


@router.post("", response_model=CollectionRead, status_code=status.HTTP_201_CREATED)
async def create_collection(
    body: CollectionCreate, session: SessionDep, principal: WriterPrincipal, request: Request
) -> CollectionRead:
    collection = await service.create(session, body, _actor(principal, request))
    return await _read(session, collection)


@router.get("/product-types", response_model=Page[ProductTypeCount])
async def product_types(
    session: SessionDep, _: CurrentPrincipal, pagination: PaginationDep
) -> Page[ProductTypeCount]:
    repo = CollectionRepository(session)
    rows, total = await repo.product_type_counts(
        offset=pagination.offset, limit=pagination.per_page
    )
    items = []
    for product_type, count in rows:
        auto = await repo.get_by_auto_key(service.type_key(product_type))
        live = auto is not None and auto.deleted_at is None
        items.append(
            ProductTypeCount(
                product_type=product_type,
                products_count=count,
                collection_id=auto.id if live and auto is not None else None,
            )
        )
    return Page(items=items, total=total, page=pagination.page, per_page=pagination.per_page)


@router.post("/auto-by-type", response_model=AutoByTypeResult)
async def auto_by_type(
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
    body: AutoByTypeIn | None = None,
) -> AutoByTypeResult:
    """Create (or refresh) one smart collection per product type."""
    return await service.auto_by_type(session, body or AutoByTypeIn(), _actor(principal, request))


@router.get("/suggestions", response_model=Page[SuggestionRead])
async def suggestions(
    session: SessionDep,
    _: CurrentPrincipal,
    configured: ConfiguredProviderDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    provider: Annotated[str, Query(pattern="^(auto|local)$")] = "auto",
) -> Page[SuggestionRead]:
    """Proposed collections: the configured provider (AI) when present, else the local one."""
    local = LocalSuggestionProvider()
    chosen: SuggestionProvider = local
    if provider == "auto" and configured is not None:
        chosen = configured
    try:
        items = await chosen.suggest(session, limit=limit)
    except Exception:
        if chosen is local:
            raise
        logger.exception("suggestion provider %s failed; using the local one", chosen.name)
        items = await local.suggest(session, limit=limit)
    return Page(items=items, total=len(items), page=1, per_page=limit)


@router.post("/preview", response_model=Page[ProductSummary], openapi_extra={"x-read-only": True})
async def preview_rules(
    body: RulePreviewIn, session: SessionDep, _: CurrentPrincipal, pagination: PaginationDep
) -> Page[ProductSummary]:
    """The products a rule set would hold, before saving it."""
    products, total = await CollectionRepository(session).preview(
        rules_condition(body.rules, body.disjunctive),
        offset=pagination.offset,
        limit=pagination.per_page,
    )
    return Page(
        items=[product_summary(p) for p in products],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


class SyncBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    direction: Direction = Field(
        default="both", description="push (local → Shopify), pull (Shopify → local), or both"
    )


@router.post("/sync", status_code=status.HTTP_202_ACCEPTED)
async def sync_collections(
    session: SessionDep,
    principal: WriterPrincipal,
    runner: JobRunnerDep,
    gateway: StoreGatewayDep,
    body: SyncBody | None = None,
) -> dict[str, str]:
    """Start a collection sync job; its report counts what was pushed, pulled and skipped."""
    if COLLECTION_SYNC_JOB.name not in runner.types:
        raise unavailable()
    gateway.require_configured()
    direction = (body or SyncBody()).direction
    job_id = await COLLECTION_SYNC_JOB.submit(
        runner,
        CollectionSyncParams(direction=direction),
        created_by_id=principal.user.id,
        session=session,
    )
    return {"job_id": job_id, "direction": direction, "status_url": f"/api/jobs/{job_id}"}


@router.get("/{collection_id:int}", response_model=CollectionRead)
async def get_collection(
    collection_id: PathId, session: SessionDep, _: CurrentPrincipal
) -> CollectionRead:
    return await _read(session, await service.get(session, collection_id))


@router.put("/{collection_id:int}", response_model=CollectionRead)
async def update_collection(
    collection_id: PathId,
    body: CollectionUpdate,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
) -> CollectionRead:
    collection = await service.update(session, collection_id, body, _actor(principal, request))
    return await _read(session, collection)


@router.delete("/{collection_id:int}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_collection(
    collection_id: PathId, session: SessionDep, principal: WriterPrincipal, request: Request
) -> None:
    await service.delete(session, collection_id, _actor(principal, request))


@router.get("/{collection_id:int}/products", response_model=Page[ProductSummary])
async def collection_products(
    collection_id: PathId, session: SessionDep, _: CurrentPrincipal, pagination: PaginationDep
) -> Page[ProductSummary]:
    """Members in the collection's order (manual position, or its sort order)."""
    collection = await service.get(session, collection_id)
    products, total = await CollectionRepository(session).members(
        collection, offset=pagination.offset, limit=pagination.per_page
    )
    return Page(
        items=[product_summary(p) for p in products],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )


@router.post("/{collection_id:int}/products", response_model=MembershipChange)
async def add_products(
    collection_id: PathId,
    body: ProductIdsIn,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
) -> MembershipChange:
    return await service.add_products(
        session, collection_id, body.product_ids, _actor(principal, request), position=body.position
    )


@router.put("/{collection_id:int}/products/order", status_code=status.HTTP_204_NO_CONTENT)
async def reorder_products(
    collection_id: PathId,
    body: ReorderIn,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
) -> None:
    await service.reorder(session, collection_id, body.product_ids, _actor(principal, request))


@router.delete("/{collection_id:int}/products/{product_id:int}", response_model=MembershipChange)
async def remove_product(
    collection_id: PathId,
    product_id: PathId,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
) -> MembershipChange:
    return await service.remove_product(
        session, collection_id, product_id, _actor(principal, request)
    )
