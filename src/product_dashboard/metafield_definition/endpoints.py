"""`GET /api/metafield-definitions`: the store's definitions, as the last full pull read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from product_dashboard.auth.dependencies import CurrentPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.kit.pagination import Page, PaginationDep
from product_dashboard.metafield_definition import repository
from product_dashboard.metafield_definition.schemas import MetafieldDefinitionRead
from product_dashboard.models import MetafieldOwner

router = APIRouter(prefix="/api", tags=["metafields"])


@router.get("/metafield-definitions", response_model=Page[MetafieldDefinitionRead])
async def list_definitions(
    session: SessionDep,
    _: CurrentPrincipal,
    pagination: PaginationDep,
    owner_type: Annotated[
        MetafieldOwner | None, Query(description="PRODUCT or PRODUCTVARIANT; both when omitted")
    ] = None,
) -> Page[MetafieldDefinitionRead]:
    """Metafield definitions of products and variants (read-only: they are Shopify's, pulled on
    every full pull), by owner type, namespace and key."""
    rows, total = await repository.page(session, owner_type, pagination.offset, pagination.per_page)
    return Page(
        items=[MetafieldDefinitionRead.model_validate(row) for row in rows],
        total=total,
        page=pagination.page,
        per_page=pagination.per_page,
    )
