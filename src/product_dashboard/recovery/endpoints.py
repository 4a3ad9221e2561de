"""Products deleted because Shopify deleted them: listed, and restored (editors)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.kit.pagination import MAX_ID, Page, PaginationDep
from product_dashboard.recovery.service import (
    DeletedProduct,
    RestoreResult,
    deleted_products,
    restore_deleted,
)

router = APIRouter(prefix="/api/products", tags=["products"])


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audit_id: int = Field(
        ge=1, le=MAX_ID, description="The audit entry of the deletion (`GET …/deleted`)."
    )
    dry_run: bool = Field(default=False, description="Only say what would come back.")


@router.get("/deleted", response_model=Page[DeletedProduct])
async def list_deleted(
    session: SessionDep, _: CurrentPrincipal, pagination: PaginationDep
) -> Page[DeletedProduct]:
    """The products deleted here because Shopify deleted them (a webhook or a pull), newest
    first, each with whether it can be restored and what it was restored as."""
    return await deleted_products(session, pagination)


@router.post(
    "/restore",
    response_model=RestoreResult,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "A dry run: what would come back, nothing written."}},
)
async def restore_product(
    body: RestoreRequest,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
    response: Response,
) -> RestoreResult:
    """Make again, unlinked, a product deleted because Shopify deleted it, from what its audit
    entry kept; the next push creates it in Shopify. 409: restored already, or its handle taken."""
    actor = Actor.for_request(principal.user, request.headers)
    result = await restore_deleted(session, body.audit_id, actor, dry_run=body.dry_run)
    if body.dry_run:
        response.status_code = status.HTTP_200_OK
    return result
