from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import FileResponse
from pydantic import ValidationError

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.config import SettingsDep
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import NotFound, Unprocessable
from product_dashboard.icon.dependencies import IconServiceDep
from product_dashboard.icon.glyphs import GLYPHS
from product_dashboard.icon.jobs import ICON_JOB, IconJobParams
from product_dashboard.icon.repository import IconRepository
from product_dashboard.icon.schemas import (
    BatchIn,
    GenerateIn,
    IconJobStatus,
    JobAccepted,
    ProvidersRead,
)
from product_dashboard.icon.storage import SIZES
from product_dashboard.icon.subject import ICON_SIZE
from product_dashboard.job import service as job_service
from product_dashboard.job.dependencies import JobRunnerDep
from product_dashboard.job.schemas import JobRead
from product_dashboard.kit.pagination import EntityId
from product_dashboard.product.filters import ProductFilter, filter_conditions

router = APIRouter(tags=["icons"])


def _status_url(job_id: str) -> str:
    return f"/api/icons/status/{job_id}"


@router.post(
    "/api/icons/generate", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
async def generate_icon(
    body: GenerateIn,
    session: SessionDep,
    principal: WriterPrincipal,
    runner: JobRunnerDep,
    icons: IconServiceDep,
) -> JobAccepted:
    """Queue (re)generation of one product's icon; follow it at `status_url`."""
    provider = icons.resolve(body.provider)
    if not await IconRepository(session).live_ids([body.product_id]):
        raise NotFound(f"Product {body.product_id} does not exist.")
    params = IconJobParams(
        product_ids=[body.product_id],
        provider=provider,
        actor_id=principal.user.id,
        actor_email=principal.user.email,
    )
    job_id = await ICON_JOB.submit(runner, params, created_by_id=principal.user.id, session=session)
    return JobAccepted(job_id=job_id, status_url=_status_url(job_id), provider=provider, total=1)


@router.post("/api/icons/batch", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
async def generate_icons_batch(
    body: BatchIn,
    session: SessionDep,
    principal: WriterPrincipal,
    runner: JobRunnerDep,
    icons: IconServiceDep,
    settings: SettingsDep,
) -> JobAccepted:
    """Queue icons for many products (by ids or by the product list's filter) as one job."""
    provider = icons.resolve(body.provider)
    limit = settings.icon_batch_max_products
    repository = IconRepository(session)
    if body.product_ids is not None:
        ids = list(dict.fromkeys(body.product_ids))
        if len(ids) > limit:
            raise Unprocessable(f"At most {limit} products per batch (ICON_BATCH_MAX_PRODUCTS).")
        live = await repository.live_ids(ids)
        missing = [i for i in ids if i not in live]
        if missing:
            raise NotFound(f"Products not found: {', '.join(map(str, missing[:20]))}.")
    else:
        selection = await _selection(body.filter or {})
        await selection.resolve_collection(session)
        dialect = session.get_bind().dialect.name
        ids = await repository.ids_matching(
            filter_conditions(selection, dialect), only_missing=body.only_missing, limit=limit + 1
        )
        if len(ids) > limit:
            raise Unprocessable(
                f"The filter matches more than {limit} products (ICON_BATCH_MAX_PRODUCTS); "
                "narrow it or raise the limit."
            )
    if not ids:
        raise Unprocessable("No products match; nothing to generate.")
    params = IconJobParams(
        product_ids=ids,
        provider=provider,
        only_missing=body.only_missing,
        batch=True,
        actor_id=principal.user.id,
        actor_email=principal.user.email,
    )
    job_id = await ICON_JOB.submit(runner, params, created_by_id=principal.user.id, session=session)
    return JobAccepted(
        job_id=job_id, status_url=_status_url(job_id), provider=provider, total=len(ids)
    )


async def _selection(raw: dict[str, object]) -> ProductFilter:
    try:
        return ProductFilter.model_validate(raw)
    except ValidationError as exc:
        fields = [
            {"loc": ["body", "filter", *[str(p) for p in e["loc"]]], "msg": e["msg"]}
            for e in exc.errors()
        ]
        raise Unprocessable("Invalid product filter.", fields=fields) from exc


@router.get("/api/icons/status/{job_id}", response_model=IconJobStatus)
async def icon_job_status(
    job_id: str, _: CurrentPrincipal, session: SessionDep, runner: JobRunnerDep
) -> IconJobStatus:
    """Progress and per-product results of an icon job (partial while it runs)."""
    job = await job_service.get(session, job_id)
    if job.type != ICON_JOB.name:
        raise NotFound(f"No icon job with id {job_id}.")
    read = JobRead.from_job(job, eta_seconds=runner.live_eta(job.id))
    checkpoint = ICON_JOB.checkpoint_of(job)
    results = ICON_JOB.report_of(job) or (checkpoint.report if checkpoint is not None else None)
    return IconJobStatus(
        **read.model_dump(), results=results.to_json() if results is not None else None
    )


@router.get("/api/icons/providers", response_model=ProvidersRead)
async def icon_providers(_: CurrentPrincipal, icons: IconServiceDep) -> ProvidersRead:
    """Which generator `auto` uses, and the configured OpenAI model if any."""
    return ProvidersRead(
        default=icons.default_provider,
        openai_configured=icons.remote is not None,
        openai_image_model=icons.remote_model,
        local_glyphs=sorted(GLYPHS),
    )


@router.get(
    "/api/products/{product_id:int}/icon",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}, 304: {"description": "Not modified"}},
)
async def get_product_icon(
    product_id: EntityId,
    _: CurrentPrincipal,
    session: SessionDep,
    icons: IconServiceDep,
    size: Annotated[int, Query(description="Edge length in pixels: 512 or 128")] = ICON_SIZE,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The product's icon as PNG (512 or 128 px); ETag is the content hash."""
    if size not in SIZES:
        raise Unprocessable(
            "size must be 512 or 128.", fields=[{"loc": ["query", "size"], "msg": "512 or 128"}]
        )
    product = await IconRepository(session).product_with_tags(product_id)
    if product is None:
        raise NotFound(f"Product {product_id} does not exist.")
    if product.icon_path is None:
        raise NotFound(f"Product {product_id} has no icon yet; POST /api/icons/generate.")
    path = icons.store.path_for(product.icon_path, size)
    if path is None:
        raise NotFound(f"The icon file of product {product_id} is missing; regenerate it.")
    etag = f'"{icons.store.digest_of(product.icon_path)}-{size}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return FileResponse(path, media_type="image/png", headers=headers)


@router.delete("/api/products/{product_id:int}/icon", status_code=status.HTTP_204_NO_CONTENT)
async def delete_product_icon(
    product_id: EntityId, principal: WriterPrincipal, session: SessionDep, icons: IconServiceDep
) -> Response:
    """Detach the product's icon."""
    await icons.remove(session, product_id, Actor.for_user(principal.user))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
