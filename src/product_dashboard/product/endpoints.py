from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic_core import to_json

from product_dashboard.audit.repository import AuditRepository
from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, Principal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import BadRequest
from product_dashboard.kit.numbers import is_ascii_digits
from product_dashboard.kit.pagination import EntityId, Page, PaginationDep
from product_dashboard.kit.sorting import parse_sort
from product_dashboard.product import service
from product_dashboard.product.filters import ProductFilterDep
from product_dashboard.product.listing import SORTABLE, list_rows
from product_dashboard.product.normalize import FieldErrors
from product_dashboard.product.schemas import (
    AuditEventRead,
    ProductCreate,
    ProductFields,
    ProductRead,
    ProductSummary,
    ProductUpdate,
    Suggestion,
)
from product_dashboard.product.serialize import audit_event_read, product_read, summary_from_row
from product_dashboard.product.suggestions import SuggestedField, suggest
from product_dashboard.shopify.mapping import READ_ONLY_FIELDS

router = APIRouter(prefix="/api/products", tags=["products"])


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor.for_request(principal.user, request.headers)


def if_match_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not is_ascii_digits(value) or len(value) > 18:
        raise BadRequest('If-Match must carry the product version, e.g. If-Match: "3".')
    return int(value)


@router.get("", response_model=Page[ProductSummary])
async def list_products(
    session: SessionDep,
    _: CurrentPrincipal,
    pagination: PaginationDep,
    selection: ProductFilterDep,
    sort: Annotated[
        str,
        Query(
            max_length=200,
            description="Field to sort by, '-' for descending, comma-separated "
            f"({', '.join(sorted(SORTABLE))})",
        ),
    ] = "-updated_at",
) -> Response:
    rows, total = await list_rows(
        session,
        selection,
        sort=parse_sort(sort, SORTABLE, [("updated_at", True)]),
        offset=pagination.offset,
        limit=pagination.per_page,
    )
    page = {
        "items": [summary_from_row(row) for row in rows],
        "total": total,
        "page": pagination.page,
        "per_page": pagination.per_page,
    }
    # summary_from_row builds exactly the ProductSummary fields, so serialise them as they are:
    # validating 50 summaries (twice, as FastAPI would) costs more than the page query.
    return Response(to_json(page), media_type="application/json")


@router.get("/suggestions", response_model=list[Suggestion], response_model_exclude_none=True)
async def filter_suggestions(
    _: CurrentPrincipal,
    session: SessionDep,
    field: SuggestedField,
    q: Annotated[str, Query(max_length=255)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[Suggestion]:
    """Vendors, types, tags or collections in use containing `q` (any case), with their product
    counts; a collection's `id` is what the `collection_id` filter takes."""
    return await suggest(session, field, q, limit)


def _refuse_read_only(body: ProductFields) -> None:
    """Fields only Shopify sets (a pull brings them): a value given here would never be sent."""
    errors = FieldErrors()
    for name in READ_ONLY_FIELDS:
        if getattr(body, name) is not None:
            errors.add([name], "is set in Shopify (combined listings) and read from there")
    errors.raise_if_any()


@router.post("", response_model=ProductRead, status_code=status.HTTP_201_CREATED)
async def create_product(
    body: ProductCreate, session: SessionDep, principal: WriterPrincipal, request: Request
) -> ProductRead:
    _refuse_read_only(body)
    product_id = await service.create(session, body, _actor(principal, request))
    return product_read(await service.get(session, product_id))


@router.get("/{product_id:int}", response_model=ProductRead)
async def get_product(
    product_id: EntityId, session: SessionDep, _: CurrentPrincipal, response: Response
) -> ProductRead:
    product = await service.get(session, product_id)
    response.headers["ETag"] = f'"{product.version}"'
    return product_read(product)


@router.put("/{product_id:int}", response_model=ProductRead)
async def update_product(
    product_id: EntityId,
    body: ProductUpdate,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> ProductRead:
    _refuse_read_only(body)
    product = await service.update(
        session,
        product_id,
        body,
        _actor(principal, request),
        expected_version=if_match_version(if_match),
    )
    await session.flush()
    session.expire(product)
    fresh = await service.get(session, product_id)
    response.headers["ETag"] = f'"{fresh.version}"'
    return product_read(fresh)


@router.delete("/{product_id:int}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_product(
    product_id: EntityId,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
    if_match: Annotated[str | None, Header()] = None,
) -> None:
    await service.delete(
        session,
        product_id,
        _actor(principal, request),
        expected_version=if_match_version(if_match),
    )


@router.get("/{product_id:int}/history", response_model=Page[AuditEventRead])
async def product_history(
    product_id: EntityId, session: SessionDep, _: CurrentPrincipal, pagination: PaginationDep
) -> Page[AuditEventRead]:
    await service.get(session, product_id)
    events, total = await AuditRepository(session).for_entity(
        "product", product_id, offset=pagination.offset, limit=pagination.per_page
    )
    return Page(
        items=[audit_event_read(e) for e in events],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )
