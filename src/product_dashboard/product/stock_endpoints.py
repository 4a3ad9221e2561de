"""Stock per location: `GET /api/locations`, `GET|PUT /api/products/<id>/stock`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.db import SessionDep
from product_dashboard.kit.pagination import EntityId
from product_dashboard.product import stock
from product_dashboard.product.stock import LocationRead, ProductStock, StockUpdate

router = APIRouter(prefix="/api", tags=["inventory"])


@router.get("/locations", response_model=list[LocationRead])
async def list_locations(session: SessionDep, _: CurrentPrincipal) -> list[LocationRead]:
    """The store's active locations, the primary first."""
    return await stock.locations(session)


@router.get("/products/{product_id:int}/stock", response_model=ProductStock)
async def get_stock(
    product_id: EntityId, session: SessionDep, _: CurrentPrincipal, response: Response
) -> ProductStock:
    """Each variant's available (and on hand, where Shopify reported it) per location; null where
    the dashboard has no number."""
    found = await stock.product_stock(session, product_id)
    response.headers["ETag"] = f'"{found.version}"'
    return found


@router.put("/products/{product_id:int}/stock", response_model=ProductStock)
async def put_stock(
    product_id: EntityId,
    body: StockUpdate,
    session: SessionDep,
    principal: WriterPrincipal,
    request: Request,
    response: Response,
) -> ProductStock:
    """Set the available quantity of variants at locations; the next push sends it
    (compare-and-set against what Shopify last reported there)."""
    actor = Actor.for_request(principal.user, request.headers)
    await stock.set_levels(session, product_id, body, actor)
    await session.flush()
    session.expire_all()
    found = await stock.product_stock(session, product_id)
    response.headers["ETag"] = f'"{found.version}"'
    return found
