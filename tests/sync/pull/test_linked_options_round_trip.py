"""#16: an option linked to a metafield keeps its link through pull → edit → push.

productSet links an option by `linkedMetafield { namespace key values }` (the metaobjects its
values are) and a variant's value by `linkedMetafieldValue`; a value name alone would not link
it. The pull reads each value's metaobject, the push sends them back; a plain option stays
plain, and a linked option whose values' metaobjects are not all known goes by name. Against the
emulator over loopback HTTP (its metaobjects made by the seed knob).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.models import AuditSource, Product
from product_dashboard.product import service as product_service
from product_dashboard.product.schemas import LinkedMetafield, OptionIn, ProductUpdate, VariantIn
from product_dashboard.shopify.mapping import SyncImage, SyncOption, SyncProduct, SyncVariant
from product_dashboard.sync.pull.engine import PullParams
from product_dashboard.sync.push.documents import product_set_input
from product_dashboard.sync.push.items import PushItem
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, push
from tests.sync.pull.conftest import PRODUCT_SET, Store, pull

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]

_READ = """
query Read($id: ID!) {
  product(id: $id) {
    options { name linkedMetafield { namespace key } optionValues { name linkedMetafieldValue } }
    variants(first: 10) { nodes { price selectedOptions { name value } } }
  }
}
"""
SOURCES = {
    "bulk": PullParams(kind="full"),
    "pages": PullParams(kind="incremental", since=datetime(2000, 1, 1, tzinfo=UTC), use_bulk=False),
}


def _store_input(red: str, blue: str) -> dict[str, Any]:
    return {
        "title": "Scarf",
        "handle": "scarf",
        "productOptions": [
            {
                "name": "Color",
                "linkedMetafield": {
                    "namespace": "shopify",
                    "key": "color-pattern",
                    "values": [red, blue],
                },
            },
            {"name": "Size", "values": [{"name": "S"}]},
        ],
        "variants": [
            {
                "optionValues": [
                    {"optionName": "Color", "linkedMetafieldValue": color},
                    {"optionName": "Size", "name": "S"},
                ],
                "price": "20.00",
            }
            for color in (red, blue)
        ],
    }


async def _options(store: Store, shopify_id: str) -> list[dict[str, Any]]:
    response = await store.client.execute(_READ, {"id": shopify_id})
    options: list[dict[str, Any]] = response.data["product"]["options"]
    return options


@pytest.mark.parametrize("source", list(SOURCES))
async def test_a_linked_option_keeps_its_link_through_pull_and_push(
    sessions: Sessions, store: Store, emulator: Emulator, source: str
) -> None:
    red, blue = emulator.knob("seed", {"metaobjects": ["Red", "Blue"]})["metaobjects"]
    created = await store.client.execute(PRODUCT_SET, {"input": _store_input(red, blue)})
    assert created.data["productSet"]["userErrors"] == []
    shopify_id = created.data["productSet"]["product"]["id"]
    before = await _options(store, shopify_id)
    assert before[0]["optionValues"] == [
        {"name": "Red", "linkedMetafieldValue": red},
        {"name": "Blue", "linkedMetafieldValue": blue},
    ]

    assert (await pull(sessions, store, SOURCES[source])).outcomes == {"created": 1}
    async with sessions() as session:
        local = (
            await session.scalars(select(Product).options(selectinload(Product.options)))
        ).one()
    color, size = local.options
    assert (color.linked_metafield_namespace, color.linked_metafield_key) == (
        "shopify",
        "color-pattern",
    )
    assert color.linked_metafield_values == {"Red": red, "Blue": blue}
    assert size.linked_metafield_key is None and size.linked_metafield_values is None

    async with sessions() as session, session.begin():
        product = await product_service.get(session, local.id)
        variants = [
            VariantIn(
                id=v.id,
                price="18.00",
                option_values=v.option_values,
                sku=v.sku,
                inventory_quantity=v.inventory_quantity,
            )
            for v in product.variants
        ]
        await product_service.update(
            session, local.id, ProductUpdate(variants=variants), Actor(source=AuditSource.api)
        )
    report = await push(sessions, emulator, PushMode.sequential)
    assert (report.pushed, report.failed) == (1, 0), report.errors

    assert await _options(store, shopify_id) == before  # still linked, the same metaobjects
    read = await store.client.execute(_READ, {"id": shopify_id})
    assert [v["price"] for v in read.data["product"]["variants"]["nodes"]] == ["18.00", "18.00"]
    async with sessions() as session:
        again = (
            await session.scalars(select(Product).options(selectinload(Product.options)))
        ).one()
    assert again.options[0].linked_metafield_values == {"Red": red, "Blue": blue}

    # An edit that gives the link without its metaobjects (the product page does) keeps them for
    # the values it keeps.
    async with sessions() as session, session.begin():
        product = await product_service.get(session, local.id)
        await product_service.update(
            session,
            local.id,
            ProductUpdate(
                options=[
                    OptionIn(
                        name="Color",
                        values=["Red"],
                        linked_metafield=LinkedMetafield(namespace="shopify", key="color-pattern"),
                    ),
                    OptionIn(name="Size", values=["S"]),
                ],
                variants=[VariantIn(id=product.variants[0].id, option_values=["Red", "S"])],
            ),
            Actor(source=AuditSource.api),
        )
    async with sessions() as session:
        edited = (
            await session.scalars(select(Product).options(selectinload(Product.options)))
        ).one()
    assert edited.options[0].linked_metafield_values == {"Red": red}


def _linked_product() -> SyncProduct:
    return SyncProduct(
        title="Scarf",
        handle="scarf",
        description_html="",
        vendor="",
        product_type="",
        status="active",
        tags=[],
        category_id=None,
        options=[
            SyncOption("Color", ["Red", "Green"], "shopify", "color-pattern"),
            SyncOption("Size", ["S"]),
        ],
        variants=[
            SyncVariant(None, None, 2000, None, 0, None, ["Red", "S"]),
            SyncVariant(None, None, 2000, None, 0, None, ["Green", "S"]),
        ],
    )


def _linked_item(
    metaobjects: dict[str, str] | None, product: SyncProduct | None = None, **fields: Any
) -> PushItem:
    return PushItem.of(
        SyncedSnapshot.of(product or _linked_product()),
        product_id=1,
        version=1,
        linked_values=[metaobjects, None],
        **fields,
    )


@pytest.mark.quick
def test_a_linked_option_is_sent_by_its_metaobjects_when_all_are_known() -> None:
    data = product_set_input(
        _linked_item({"Red": "gid://shopify/Metaobject/1", "Green": "gid://shopify/Metaobject/2"})
    )
    assert data["productOptions"] == [
        {
            "name": "Color",
            "linkedMetafield": {
                "namespace": "shopify",
                "key": "color-pattern",
                "values": ["gid://shopify/Metaobject/1", "gid://shopify/Metaobject/2"],
            },
        },
        {"name": "Size", "values": [{"name": "S"}]},
    ]
    assert data["variants"][1]["optionValues"] == [
        {"optionName": "Color", "linkedMetafieldValue": "gid://shopify/Metaobject/2"},
        {"optionName": "Size", "name": "S"},
    ]


@pytest.mark.quick
@pytest.mark.parametrize("metaobjects", [None, {"Red": "gid://shopify/Metaobject/1"}])
def test_a_linked_option_missing_a_metaobject_goes_by_name(
    metaobjects: dict[str, str] | None,
) -> None:
    data = product_set_input(_linked_item(metaobjects))
    assert data["productOptions"][0] == {
        "name": "Color",
        "values": [{"name": "Red"}, {"name": "Green"}],
    }
    assert data["variants"][0]["optionValues"][0] == {"optionName": "Color", "name": "Red"}


def _deprecated_inputs(value: Any, type_: Any, path: str = "") -> list[str]:
    """Input fields given in `value` that the schema deprecates."""
    from graphql import GraphQLInputObjectType, GraphQLList, get_nullable_type

    type_ = get_nullable_type(type_)
    if isinstance(type_, GraphQLList):
        return [
            found
            for index, item in enumerate(value)
            for found in _deprecated_inputs(item, type_.of_type, f"{path}[{index}]")
        ]
    if not isinstance(type_, GraphQLInputObjectType):
        return []
    found: list[str] = []
    for name, item in value.items():
        field = type_.fields[name]
        if field.deprecation_reason:
            found.append(f"{path}.{name}")
        found.extend(_deprecated_inputs(item, field.type, f"{path}.{name}"))
    return found


@pytest.mark.quick
def test_the_pushed_input_is_valid_and_current_in_2026_10(shopify_schema: Any) -> None:
    """Linked options and a staged image, as sent, against Shopify's own ProductSetInput."""
    from graphql.utilities import validate_input_value

    product = _linked_product()
    product.images = [SyncImage("/api/media/" + "a" * 64 + ".png", "Front")]
    product.variants[0].image_src = product.images[0].src
    item = _linked_item(
        {"Red": "gid://shopify/Metaobject/1", "Green": "gid://shopify/Metaobject/2"},
        product,
        local_files=["a" * 64 + ".png"],
    )
    item.staged_sources[0] = "https://shopify-staged-uploads.storage.googleapis.com/tmp/1/a.png"
    data = product_set_input(item)
    assert data["files"][0]["originalSource"] == item.staged_sources[0]
    assert data["variants"][0]["file"]["originalSource"] == item.staged_sources[0]
    errors: list[str] = []
    input_type = shopify_schema.type_map["ProductSetInput"]
    validate_input_value(data, input_type, lambda error, path: errors.append(f"{path}: {error}"))
    assert errors == []
    assert _deprecated_inputs(data, input_type) == []
