"""`create_rows.new_rows` against `service.create`: the same request gives the same rows.

The pull builds new products as plain rows (`new_rows`) and `service.create` builds them as ORM
objects; both apply the create rules. Every column of every row they make is compared (ids
replaced by what they point at), and a request one refuses the other refuses with the same
message.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.create import create_request
from product_dashboard.exceptions import AppError
from product_dashboard.models import (
    AuditSource,
    Model,
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductTag,
    ProductVariant,
)
from product_dashboard.product import service as product_service
from product_dashboard.product.create_rows import new_rows
from product_dashboard.product.normalize import FieldErrors
from product_dashboard.product.rows import NewProduct
from product_dashboard.product.schemas import ProductCreate
from tests.sync.pull.test_set_based_differential import first_pull

ACTOR = Actor(source=AuditSource.ui)
LEFT_OUT = {"id", "product_id", "created_at", "updated_at", "image_id", "variant_id"}

REQUESTS: list[dict[str, Any]] = [
    {"title": "  Plain  ", "handle": "plain"},
    {"title": "No handle given"},
    {
        "title": "Weights",
        "handle": "weights",
        "vendor": " V ",
        "product_type": " T ",
        "tags": ["a", "A", " b "],
        "extra_columns": {"Google: gender": "female", "Empty": ""},
        "options": [{"name": "Size", "values": ["S", "M", "L"]}],
        "variants": [
            {"option_values": ["S"], "weight_grams": 250, "sku": " s1 "},
            {"option_values": ["M"], "weight_value": "8", "weight_unit": "OUNCES"},
            {
                "option_values": ["L"],
                "weight_value": "1.5",
                "weight_unit": "KILOGRAMS",
                "weight_grams": 1500,
                "cost": "2.50",
                "inventory_policy": "CONTINUE",
                "extra_columns": {"Variant Tax Code": "", "x": "y"},
            },
        ],
    },
    {
        "title": "Linked",
        "handle": "linked",
        "images": [{"src": "https://cdn.example/a.jpg"}, {"src": "https://cdn.example/a.jpg"}],
        "options": [
            {
                "name": "Color",
                "values": ["Red", "Blue"],
                "linked_metafield": {
                    "namespace": "shopify",
                    "key": "color-pattern",
                    "values": {"Red": "gid://shopify/Metaobject/1", "Green": "gid://x/2"},
                },
            }
        ],
        "variants": [
            {
                "option_values": ["Red"],
                "image_src": "https://cdn.example/a.jpg",
                "metafields": [
                    {"namespace": "c", "key": "k", "type": "t", "value": "1"},
                    {"namespace": "c", "key": "k", "type": "t", "value": "2"},
                ],
            },
            {"option_values": ["Blue"], "taxable": False, "fulfillment_service": "manual"},
        ],
        "metafields": [{"namespace": "c", "key": "k", "type": "t", "value": "own"}],
        "seo_title": "SEO",
        "gift_card": False,
    },
    {
        "title": "Bad image",
        "handle": "bad-image",
        "variants": [{"image_src": "https://cdn.example/none.jpg"}],
    },
    {"title": "Bad handle", "handle": "Not A Handle!", "variants": [{}, {}]},
]


def _columns(model: type[Model], row: object) -> dict[str, Any]:
    mapper = inspect(model)
    keys = [mapper.get_property_by_column(c).key for c in mapper.local_table.columns]
    keys = [key for key in keys if key not in LEFT_OUT]
    return {key: getattr(row, key) for key in keys}


def _shape(product: Product | NewProduct) -> dict[str, Any]:
    """Every column of the product's rows; what a row points at by its position."""
    image_position = {id(i): i.position for i in product.images}
    images_by_id = {i.id: i.position for i in product.images if i.id is not None}
    variants_by_id = {v.id: v.position for v in product.variants if v.id is not None}

    def image_of(variant: Any) -> int | None:
        if variant.image_id is not None:
            return images_by_id[variant.image_id]
        image = variant.__dict__.get("image")
        return image_position[id(image)] if image is not None else None

    def owner_of(metafield: Any) -> int | None:
        if metafield.variant_id is not None:
            return variants_by_id[metafield.variant_id]
        owner = metafield.__dict__.get("variant")
        return owner.position if owner is not None else None

    return {
        "product": _columns(Product, product),
        "images": [_columns(ProductImage, i) for i in product.images],
        "variants": [
            {**_columns(ProductVariant, v), "image": image_of(v)} for v in product.variants
        ],
        "options": [_columns(ProductOption, o) for o in product.options],
        "tags": [_columns(ProductTag, t) for t in product.tags],
        "metafields": sorted(
            ({**_columns(ProductMetafield, m), "variant": owner_of(m)} for m in product.metafields),
            key=repr,
        ),
    }


async def _by_orm(session: AsyncSession, data: ProductCreate) -> dict[str, Any] | str:
    try:
        product = await product_service.create(session, data, ACTOR)
    except (AppError, ValidationError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await session.flush()
    return _shape(product)


async def _by_rows(session: AsyncSession, data: ProductCreate) -> dict[str, Any] | str:
    errors = FieldErrors()
    if data.handle is None:
        handle = await product_service.handle_for_title(session, data.title)
    else:
        handle = await product_service.checked_handle(session, data.handle, errors, exclude_id=None)
    try:
        return _shape(new_rows(data, handle, errors))
    except (AppError, ValidationError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


async def test_new_rows_are_the_rows_create_writes(db_session: AsyncSession) -> None:
    requests = [create_request(remote.product) for remote in first_pull()]
    requests += [ProductCreate.model_validate(r) for r in REQUESTS]
    refused = 0
    for data in requests:
        # Built first: the ORM create then holds the handle, as the one before it holds its own.
        rows = await _by_rows(db_session, data)
        orm = await _by_orm(db_session, data)
        assert rows == orm, data.handle
        refused += isinstance(orm, str)
    assert refused >= 3  # a taken handle, an invalid one, a variant image not among the images
