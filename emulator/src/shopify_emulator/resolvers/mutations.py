"""Mutation resolvers: thin adapters from GraphQL arguments to the catalog writers."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from shopify_emulator.catalog import collection_sources as coll_sources
from shopify_emulator.catalog import collections as coll
from shopify_emulator.catalog.common import check_input_size
from shopify_emulator.catalog.product_crud import product_create, product_delete, product_update
from shopify_emulator.catalog.product_set import product_set
from shopify_emulator.catalog.variants_bulk import (
    variants_bulk_create,
    variants_bulk_delete,
    variants_bulk_update,
)
from shopify_emulator.models import UserError
from shopify_emulator.operations import Job, ProductSetOperation
from shopify_emulator.resolvers.context import ctx, store_of
from shopify_emulator.resolvers.queries import shop

Resolver = Any


def _check_product_set_sizes(data: dict[str, Any]) -> None:
    # Variants beyond 2,048 are a VARIANTS_OVER_LIMIT user error, not an input-size error.
    for key in ("productOptions", "collections", "metafields", "files", "tags"):
        check_input_size(data.get(key))


def resolve_product_set(
    root: Any,
    info: GraphQLResolveInfo,
    input: dict[str, Any],
    identifier: dict[str, Any] | None = None,
    synchronous: bool = True,
) -> dict[str, Any]:
    _check_product_set_sizes(input)
    state = ctx(info).state
    if synchronous:
        result = product_set(state.store, input, identifier)
        return {"product": result.product, "productSetOperation": None, "userErrors": result.errors}
    operation = ProductSetOperation(id=state.store.ids.next())
    state.operations.product_operations[operation.id] = operation

    def start() -> None:
        operation.status = "ACTIVE"
        state.schedule(state.config.async_completion_seconds / 2, finish)

    def finish() -> None:
        result = product_set(state.store, input, identifier)
        operation.product = result.product
        operation.user_errors = result.errors
        operation.status = "COMPLETE"

    state.schedule(state.config.async_completion_seconds / 2, start)
    return {"product": None, "productSetOperation": operation, "userErrors": []}


def resolve_product_create(
    root: Any,
    info: GraphQLResolveInfo,
    product: dict[str, Any] | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    check_input_size(media)
    result = product_create(store_of(info), product or {}, media)
    return {"product": result.product, "shop": shop(root, info), "userErrors": result.errors}


def resolve_product_update(
    root: Any,
    info: GraphQLResolveInfo,
    product: dict[str, Any] | None = None,
    media: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    check_input_size(media)
    result = product_update(store_of(info), product or {}, media)
    return {"product": result.product, "userErrors": result.errors}


def resolve_product_delete(
    root: Any, info: GraphQLResolveInfo, input: dict[str, Any], synchronous: bool = True
) -> dict[str, Any]:
    deleted, errors = product_delete(store_of(info), input["id"])
    return {"deletedProductId": deleted, "shop": shop(root, info), "userErrors": errors}


def resolve_variants_bulk_create(
    root: Any,
    info: GraphQLResolveInfo,
    productId: str,
    variants: list[dict[str, Any]],
    strategy: str = "DEFAULT",
    media: Any = None,
) -> dict[str, Any]:
    check_input_size(variants)
    result = variants_bulk_create(store_of(info), productId, variants, strategy)
    return {
        "product": result.product,
        "productVariants": result.variants,
        "userErrors": result.errors,
    }


def resolve_variants_bulk_update(
    root: Any,
    info: GraphQLResolveInfo,
    productId: str,
    variants: list[dict[str, Any]],
    allowPartialUpdates: bool = False,
    media: Any = None,
) -> dict[str, Any]:
    check_input_size(variants)
    result = variants_bulk_update(store_of(info), productId, variants, allowPartialUpdates)
    return {
        "product": result.product,
        "productVariants": result.variants,
        "userErrors": result.errors,
    }


def resolve_variants_bulk_delete(
    root: Any, info: GraphQLResolveInfo, productId: str, variantsIds: list[str]
) -> dict[str, Any]:
    check_input_size(variantsIds)
    result = variants_bulk_delete(store_of(info), productId, variantsIds)
    return {"product": result.product, "userErrors": result.errors}


_NO_INPUT = [UserError(["input"], "Input is required")]


_NO_COLLECTION = [UserError(["collection"], "Collection is required")]
_BOTH = [UserError(["collection"], "Provide either collection or input, not both")]


def resolve_collection_create(
    root: Any,
    info: GraphQLResolveInfo,
    collection: dict[str, Any] | None = None,
    input: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if collection is not None and input is not None:
        return {"collection": None, "userErrors": _BOTH}
    if collection is not None:
        for source in collection.get("sources") or []:
            inclusion = (source.get("source") or {}).get("inclusion") or {}
            check_input_size(inclusion.get("selections"))
            check_input_size(inclusion.get("conditions"))
        currency = ctx(info).state.config.currency_code
        result = coll_sources.create_collection(store_of(info), collection, currency)
    elif input is not None:
        check_input_size(input.get("products"))
        result = coll.collection_create(store_of(info), input)
    else:
        return {"collection": None, "userErrors": _NO_COLLECTION}
    return {"collection": result.collection, "userErrors": result.errors}


def resolve_collection_update(
    root: Any,
    info: GraphQLResolveInfo,
    collection: dict[str, Any] | None = None,
    input: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if collection is not None and input is not None:
        return {"collection": None, "job": None, "userErrors": _BOTH}
    if collection is not None:
        for source in collection.get("sourcesToUpdate") or []:
            inclusion = (source.get("condition") or {}).get("inclusion") or {}
            check_input_size(inclusion.get("selectionsToAdd"))
            check_input_size(inclusion.get("selectionsToRemove"))
            check_input_size(inclusion.get("conditionsToCreate"))
        currency = ctx(info).state.config.currency_code
        result = coll_sources.update_collection(store_of(info), collection, currency)
    elif input is not None:
        result = coll.collection_update(store_of(info), input)
    else:
        return {"collection": None, "job": None, "userErrors": _NO_COLLECTION}
    return {"collection": result.collection, "job": None, "userErrors": result.errors}


def resolve_collection_delete(
    root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> dict[str, Any]:
    deleted, errors = coll.collection_delete(store_of(info), input["id"])
    return {"deletedCollectionId": deleted, "shop": shop(root, info), "userErrors": errors}


def _plain(errors: list[UserError]) -> list[UserError]:
    return [UserError(e.field, e.message) for e in errors]


def resolve_collection_add_products(
    root: Any, info: GraphQLResolveInfo, id: str, productIds: list[str]
) -> dict[str, Any]:
    check_input_size(productIds)
    store = store_of(info)
    collection, ids, errors = coll.check_manual_change(store, id, productIds, adding=True)
    if collection is None:
        return {"collection": None, "userErrors": _plain(errors)}
    coll.add_products(store, collection, ids)
    return {"collection": collection, "userErrors": []}


def _job_for(info: GraphQLResolveInfo, apply: Any) -> Job:
    state = ctx(info).state
    job = Job()
    state.operations.jobs[job.id] = job

    def finish() -> None:
        apply()
        job.done = True

    state.schedule(state.config.async_completion_seconds, finish)
    return job


def resolve_collection_add_products_v2(
    root: Any, info: GraphQLResolveInfo, id: str, productIds: list[str]
) -> dict[str, Any]:
    check_input_size(productIds)
    store = store_of(info)
    collection, ids, errors = coll.check_manual_change(store, id, productIds, adding=True)
    if collection is None:
        return {"job": None, "userErrors": errors}
    target = collection
    return {"job": _job_for(info, lambda: coll.add_products(store, target, ids)), "userErrors": []}


def resolve_collection_remove_products(
    root: Any, info: GraphQLResolveInfo, id: str, productIds: list[str]
) -> dict[str, Any]:
    check_input_size(productIds)
    store = store_of(info)
    collection, ids, errors = coll.check_manual_change(store, id, productIds, adding=False)
    if collection is None:
        return {"job": None, "userErrors": _plain(errors)}
    target = collection
    return {
        "job": _job_for(info, lambda: coll.remove_products(store, target, ids)),
        "userErrors": [],
    }


def resolve_collection_reorder_products(
    root: Any, info: GraphQLResolveInfo, id: str, moves: list[dict[str, Any]]
) -> dict[str, Any]:
    store = store_of(info)
    collection, planned, errors = coll.check_reorder(store, id, moves)
    if collection is None:
        return {"job": None, "userErrors": errors}
    target = collection
    return {
        "job": _job_for(info, lambda: coll.reorder_products(store, target, planned)),
        "userErrors": [],
    }


MUTATION: dict[str, Resolver] = {
    "productSet": resolve_product_set,
    "productCreate": resolve_product_create,
    "productUpdate": resolve_product_update,
    "productDelete": resolve_product_delete,
    "productVariantsBulkCreate": resolve_variants_bulk_create,
    "productVariantsBulkUpdate": resolve_variants_bulk_update,
    "productVariantsBulkDelete": resolve_variants_bulk_delete,
    "collectionCreate": resolve_collection_create,
    "collectionUpdate": resolve_collection_update,
    "collectionDelete": resolve_collection_delete,
    "collectionAddProducts": resolve_collection_add_products,
    "collectionAddProductsV2": resolve_collection_add_products_v2,
    "collectionRemoveProducts": resolve_collection_remove_products,
    "collectionReorderProducts": resolve_collection_reorder_products,
}  # staged uploads, bulk operations and webhook subscriptions: `wiring.wire_subsystems`
