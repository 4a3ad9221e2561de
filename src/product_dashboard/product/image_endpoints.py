"""Uploaded images: `POST /api/products/<id>/images` adds one, `GET /api/media/<name>` serves it.

The upload is a multipart form (`file`, optional `alt`); the bytes are hashed and stored off the
event loop (`image_store`), then the image is appended to the product's media through the
product service, so it is validated, versioned and audited as any edit. The next push sends it
to Shopify through a staged upload.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from product_dashboard.audit.service import Actor
from product_dashboard.auth.dependencies import CurrentPrincipal, WriterPrincipal
from product_dashboard.config import SettingsDep
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Conflict, NotFound, Unprocessable
from product_dashboard.kit.pagination import EntityId
from product_dashboard.product import service
from product_dashboard.product.endpoints import if_match_version
from product_dashboard.product.image_store import (
    MAX_IMAGE_BYTES,
    RejectedImage,
    content_type_of,
    image_store_in,
    is_stored_name,
    local_src,
)
from product_dashboard.product.schemas import ImageIn, ProductRead, ProductUpdate
from product_dashboard.product.serialize import product_read

router = APIRouter(prefix="/api", tags=["products"])

IMAGE_UPLOAD_PATH = re.compile(r"^/api/products/[0-9]+/images$")
MAX_ALT = 512
# The body limit of the upload route: the image and the form's own parts.
MAX_IMAGE_UPLOAD_BODY = MAX_IMAGE_BYTES + 64 * 1024

_FORM_SCHEMA = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A JPEG, PNG, GIF or WebP image of at most 20 MB",
                    },
                    "alt": {"type": "string", "maxLength": MAX_ALT},
                },
            }
        }
    },
}


def _form_error(message: str, field: str) -> Unprocessable:
    return Unprocessable(message, fields=[{"loc": ["body", field], "msg": message}])


@router.post(
    "/products/{product_id:int}/images",
    response_model=ProductRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": _FORM_SCHEMA},
    responses={200: {"description": "The product already has this image"}},
)
async def upload_image(
    product_id: EntityId,
    session: SessionDep,
    principal: WriterPrincipal,
    settings: SettingsDep,
    request: Request,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> Any:
    """Add an image file to the product's media (last); the product as it is then.

    The same bytes are stored once; uploading an image the product already has changes
    nothing (200). Refused (422) when the file is not a JPEG, PNG, GIF or WebP image, is empty
    or larger than 20 MB; 409 when Shopify holds media the dashboard has not read (pull the
    product first) or the product changed since the version given in If-Match.
    """
    product = await service.get(session, product_id)
    if not product.media_complete:
        raise Conflict(
            "Shopify holds more media of this product than the dashboard has read: pull it "
            "before adding images here."
        )
    store = image_store_in(settings.data_dir)
    try:
        async with request.form(max_files=1, max_fields=5) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise _form_error("Send the image as a multipart form field named 'file'.", "file")
            alt = form.get("alt")
            if alt is not None and (not isinstance(alt, str) or len(alt) > MAX_ALT):
                raise _form_error(f"alt must be text of at most {MAX_ALT} characters.", "alt")
            try:
                stored = await asyncio.to_thread(store.save, upload.file)
            except RejectedImage as exc:
                raise _form_error(str(exc), "file") from exc
    except StarletteHTTPException as exc:
        if exc.status_code == 413:
            raise
        raise _form_error(f"The upload cannot be read: {exc.detail}", "file") from exc

    src = local_src(stored.name)
    # The images it has, as they are (not validated again: a src pulled from Shopify or a CSV
    # need not pass what an edit must).
    kept = [
        ImageIn.model_construct(
            src=image.src, alt=image.alt, shopify_media_id=image.shopify_media_id
        )
        for image in product.images
    ]
    if any(image.src == src for image in kept):
        response.status_code = status.HTTP_200_OK
        return product_read(product)
    expected = if_match_version(if_match)
    updated = await service.update(
        session,
        product_id,
        ProductUpdate(images=[*kept, ImageIn(src=src, alt=alt or None)]),
        Actor.for_request(principal.user, request.headers),
        expected_version=expected,
    )
    await session.flush()
    session.expire(updated)
    fresh = await service.get(session, product_id)
    response.headers["ETag"] = f'"{fresh.version}"'
    return product_read(fresh)


@router.get(
    "/media/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"image/*": {}}}, 304: {"description": "Not modified"}},
)
async def get_media(
    name: str,
    _: CurrentPrincipal,
    settings: SettingsDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """An uploaded image's bytes (the `src` of a local image). Its name is its content hash,
    so it never changes."""
    if not is_stored_name(name):
        raise NotFound(f"No uploaded image is named {name!r}.")
    path = await asyncio.to_thread(image_store_in(settings.data_dir).path_of, name)
    if path is None:
        raise NotFound(f"The uploaded image {name} is missing from the media folder.")
    etag = f'"{name.split(".", 1)[0]}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return FileResponse(path, media_type=content_type_of(name), headers=headers)
