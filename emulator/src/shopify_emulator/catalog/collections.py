"""collectionCreate / Update / Delete and manual membership changes."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from shopify_emulator.catalog.common import build_metafields
from shopify_emulator.catalog.records import same_content
from shopify_emulator.clock import utc_now
from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.handles import slugify
from shopify_emulator.models import Collection, CollectionRule, RuleSet, UserError
from shopify_emulator.rules import matches_rule_set
from shopify_emulator.store import Store


@dataclass
class CollectionResult:
    collection: Collection | None
    errors: list[UserError] = field(default_factory=list)


def find_collection(store: Store, collection_gid: str) -> Collection | None:
    collection_id = parse_numeric_gid(collection_gid, "Collection")
    return store.collections.get(collection_id) if collection_id is not None else None


def collection_member_ids(store: Store, collection: Collection) -> list[int]:
    """Product ids in the collection: manual order, or rule matches in id order."""
    if collection.rule_set is None:
        return [pid for pid in collection.product_ids if pid in store.products]
    rule_set = collection.rule_set
    members: list[int] = store.cached(
        ("members", collection.id),
        lambda: [pid for pid, p in store.products.items() if matches_rule_set(p, rule_set)],
    )
    return members


def collection_create(store: Store, data: dict[str, Any]) -> CollectionResult:
    now = utc_now()
    collection = Collection(
        id=store.ids.next(), title="", handle="", created_at=now, updated_at=now
    )
    errors: list[UserError] = []
    if data.get("ruleSet") is None:
        collection.sort_order = "MANUAL"  # custom collections keep the merchant's order
    _apply_fields(store, collection, data, errors, created=True)
    if data.get("ruleSet") is not None and data.get("products"):
        errors.append(UserError(["products"], "Can't add products to a smart collection"))
    if data.get("products") and data.get("ruleSet") is None:
        ids = product_ids(store, data["products"], ["products"], errors)
        collection.product_ids = ids
    if errors:
        return CollectionResult(None, errors)
    store.save_collection(collection, created=True)
    return CollectionResult(collection)


def collection_update(store: Store, data: dict[str, Any]) -> CollectionResult:
    existing = find_collection(store, data.get("id") or "")
    if existing is None:
        return CollectionResult(None, [UserError(["id"], "Collection does not exist")])
    collection = copy.deepcopy(existing)
    errors: list[UserError] = []
    if data.get("ruleSet") is not None and existing.rule_set is None:
        errors.append(UserError(["ruleSet"], "Cannot update rule set of a custom collection"))
    if data.get("products") is not None:
        errors.append(
            UserError(["products"], "Products can only be added when creating a collection")
        )
    _apply_fields(store, collection, data, errors, created=False)
    if errors:
        return CollectionResult(None, errors)
    if not same_content(collection, existing):
        collection.updated_at = store.next_timestamp(existing.updated_at)
        store.save_collection(collection, created=False)
        return CollectionResult(collection)
    return CollectionResult(existing)


def collection_delete(store: Store, collection_gid: str) -> tuple[str | None, list[UserError]]:
    collection = find_collection(store, collection_gid)
    if collection is None:
        return None, [UserError(["id"], "Collection does not exist")]
    store.delete_collection(collection)
    return collection.gid, []


def check_manual_change(
    store: Store, collection_gid: str, product_gids: list[str], adding: bool
) -> tuple[Collection | None, list[int], list[UserError]]:
    """Validate collectionAdd/RemoveProducts arguments; codes are set by the caller."""
    collection = find_collection(store, collection_gid)
    if collection is None:
        return (
            None,
            [],
            [UserError(["id"], "Collection does not exist", "COLLECTION_DOES_NOT_EXIST")],
        )
    if collection.is_smart:
        verb = "add products to" if adding else "remove products from"
        return (
            None,
            [],
            [
                UserError(
                    ["id"],
                    f"Can't manually {verb} a smart collection",
                    "CANT_ADD_TO_SMART_COLLECTION",
                )
            ],
        )
    errors: list[UserError] = []
    ids = product_ids(store, product_gids, ["productIds"], errors)
    return (None if errors else collection), ids, errors


def add_products(store: Store, collection: Collection, product_ids: list[int]) -> None:
    for product_id in product_ids:
        if product_id not in collection.product_ids and product_id in store.products:
            collection.product_ids.append(product_id)
    store.mark_collection_changed(collection.id)


def remove_products(store: Store, collection: Collection, product_ids: list[int]) -> None:
    drop = set(product_ids)
    collection.product_ids = [pid for pid in collection.product_ids if pid not in drop]
    store.mark_collection_changed(collection.id)


MAX_MOVES = 250


def check_reorder(
    store: Store, collection_gid: str, moves: list[dict[str, Any]]
) -> tuple[Collection | None, list[tuple[int, int]], list[UserError]]:
    """Check collectionReorderProducts input: (collection, [(product id, position)], errors)."""
    collection = find_collection(store, collection_gid)
    if collection is None:
        return None, [], [UserError(["id"], "Collection does not exist", "COLLECTION_NOT_FOUND")]
    if collection.is_smart or collection.sort_order != "MANUAL":
        message = "Can't reorder products unless collection is manually sorted"
        return None, [], [UserError(["id"], message, "MANUALLY_SORTED_COLLECTION")]
    if len(moves) > MAX_MOVES:
        return (
            None,
            [],
            [
                UserError(
                    ["moves"],
                    f"Too many moves were provided. A maximum of {MAX_MOVES} moves can be "
                    "passed per request.",
                    "INVALID_MOVE",
                )
            ],
        )
    errors: list[UserError] = []
    planned: list[tuple[int, int]] = []
    members = set(collection.product_ids)
    for index, move in enumerate(moves):
        product_id = parse_numeric_gid(str(move["id"]), "Product")
        if product_id is None or product_id not in members:
            errors.append(
                UserError(
                    ["moves", str(index), "id"], "Product is not in the collection", "INVALID_MOVE"
                )
            )
            continue
        planned.append((product_id, int(move["newPosition"])))
    return (None if errors else collection), planned, errors


def reorder_products(store: Store, collection: Collection, moves: list[tuple[int, int]]) -> None:
    """Apply moves in order: each product is taken out and put back at its zero-based position."""
    order = list(collection.product_ids)
    for product_id, position in moves:
        if product_id in order:
            order.remove(product_id)
            order.insert(min(position, len(order)), product_id)
    collection.product_ids = order
    collection.updated_at = utc_now()
    store.mark_collection_changed(collection.id)


def product_ids(
    store: Store, gids: list[str], path: list[str], errors: list[UserError]
) -> list[int]:
    ids: list[int] = []
    for index, value in enumerate(gids):
        product_id = parse_numeric_gid(value, "Product")
        if product_id is None or product_id not in store.products:
            errors.append(UserError([*path, str(index)], f"Product {value} does not exist"))
        elif product_id not in ids:
            ids.append(product_id)
    return ids


def _apply_fields(
    store: Store,
    collection: Collection,
    data: dict[str, Any],
    errors: list[UserError],
    created: bool,
) -> None:
    if "title" in data or created:
        title = (data.get("title") or "").strip()
        if not title:
            errors.append(UserError(["title"], "Title can't be blank"))
        else:
            collection.title = title
    requested = data.get("handle")
    if requested:
        handle = slugify(requested)
        owner = store.collection_handles.get(handle)
        if owner is not None and owner != collection.id:
            errors.append(
                UserError(
                    ["handle"], f"Handle '{handle}' already in use. Please provide a new handle."
                )
            )
        else:
            collection.handle = handle
    elif created:
        collection.handle = store.free_collection_handle(
            collection.title or "collection", collection.id
        )
    if "descriptionHtml" in data:
        collection.description_html = data["descriptionHtml"] or ""
    if data.get("sortOrder") is not None:
        collection.sort_order = data["sortOrder"]
    if "templateSuffix" in data:
        collection.template_suffix = data["templateSuffix"] or None
    seo = data.get("seo")
    if seo is not None:
        if "title" in seo:
            collection.seo_title = seo["title"] or None
        if "description" in seo:
            collection.seo_description = seo["description"] or None
    if data.get("ruleSet") is not None:
        rule_set = data["ruleSet"]
        rules = rule_set.get("rules") or []
        if not rules:
            errors.append(UserError(["ruleSet", "rules"], "Rules can't be blank"))
        collection.rule_set = RuleSet(
            applied_disjunctively=bool(rule_set["appliedDisjunctively"]),
            rules=[
                CollectionRule(
                    r["column"], r["relation"], str(r["condition"]), r.get("weight_unit")
                )
                for r in rules
            ],
        )
    if data.get("metafields") is not None:
        collection.metafields = build_metafields(
            store, data["metafields"], collection.metafields, utc_now(), ["metafields"], errors
        )
