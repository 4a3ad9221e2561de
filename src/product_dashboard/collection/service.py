"""Create, change and delete collections and their manual membership. Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.collection.repository import SORTABLE, CollectionRepository
from product_dashboard.collection.schemas import (
    AutoByTypeIn,
    AutoByTypeResult,
    CollectionCreate,
    CollectionUpdate,
    MembershipChange,
)
from product_dashboard.exceptions import Conflict, NotFound, Unprocessable
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Collection, CollectionType
from product_dashboard.product.normalize import (
    FieldErrors,
    check_handle,
    handle_from_title,
    sanitize_html,
)
from product_dashboard.product.rules import Rule, RuleColumn, RuleRelation


async def get(session: AsyncSession, collection_id: int) -> Collection:
    collection = await CollectionRepository(session).get(collection_id)
    if collection is None:
        raise NotFound(f"Collection {collection_id} does not exist.")
    return collection


def snapshot(collection: Collection) -> dict[str, Any]:
    return {
        "title": collection.title,
        "handle": collection.handle,
        "description_html": collection.description_html,
        "collection_type": collection.collection_type,
        "rules": list(collection.rules),
        "disjunctive": collection.disjunctive,
        "sort_order": collection.sort_order,
    }


BASE_FIELDS = ("title", "handle", "description_html", "sort_order", "disjunctive")


def synced_base(collection: Collection, members: list[str] | None = None) -> dict[str, Any]:
    """What Shopify holds once the collection is synced: its fields, rules and (`members`: a
    manual collection's Shopify product ids, as Shopify holds them) members; without `members`,
    those recorded before are kept (a webhook body carries none)."""
    base: dict[str, Any] = {name: getattr(collection, name) for name in BASE_FIELDS}
    base["rules"] = list(collection.rules)
    if members is not None:
        base["members"] = list(members)
    elif collection.synced_base and "members" in collection.synced_base:
        base["members"] = collection.synced_base["members"]
    return base


async def list_collections(
    session: AsyncSession,
    *,
    q: str | None,
    collection_type: str | None,
    sync_state: str | None,
    sort: list[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[list[Collection], int]:
    conditions: list[ColumnElement[bool]] = []
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(Collection.title).like(f"%{escaped}%", escape="\\"))
    if collection_type:
        conditions.append(Collection.collection_type == collection_type)
    if sync_state == "never_synced":
        conditions.append(Collection.synced_version.is_(None))
    elif sync_state == "pending":
        conditions.append(Collection.version > Collection.synced_version)
    elif sync_state == "synced":
        conditions.append(Collection.version == Collection.synced_version)
    elif sync_state == "error":
        conditions.append(Collection.sync_error.is_not(None))
    order: list[Any] = [SORTABLE[f].desc() if desc else SORTABLE[f].asc() for f, desc in sort]
    order.append(Collection.id.asc())
    return await CollectionRepository(session).paginate(
        conditions, order=order, offset=offset, limit=limit
    )


async def _unique_handle(repo: CollectionRepository, base: str, exclude_id: int | None) -> str:
    handle, suffix = base, 0
    while await repo.handle_taken(handle, exclude_id=exclude_id):
        suffix += 1
        handle = f"{base}-{suffix}"
    return handle


def _rules_json(rules: list[Rule]) -> list[dict[str, Any]]:
    return [rule.model_dump(mode="json") for rule in rules]


async def create(
    session: AsyncSession, data: CollectionCreate, actor: Actor, *, auto_key: str | None = None
) -> Collection:
    repo = CollectionRepository(session)
    errors = FieldErrors()
    kind = data.collection_type or ("smart" if data.rules else "manual")
    if kind == "smart" and not data.rules:
        errors.add(["rules"], "a smart collection needs at least one rule")
    if kind == "manual" and data.rules:
        errors.add(["rules"], "a manual collection has no rules; use collection_type 'smart'")
    if kind == "smart" and data.product_ids:
        errors.add(["product_ids"], "a smart collection's products follow its rules")
    if kind == "smart" and data.sort_order == "MANUAL":
        errors.add(["sort_order"], "smart collections cannot be sorted manually here")
    handle = None
    if data.handle is not None:
        handle = check_handle(data.handle, errors)
        if not errors.errors and await repo.handle_taken(handle):
            errors.add(["handle"], f"'{handle}' is already used by another collection")
    errors.raise_if_any("The collection is not valid.")
    collection = Collection(
        title=data.title.strip(),
        handle=handle or await _unique_handle(repo, handle_from_title(data.title), None),
        description_html=sanitize_html(data.description_html or ""),
        collection_type=kind,
        rules=_rules_json(data.rules or []),
        disjunctive=bool(data.disjunctive),
        sort_order=data.sort_order or ("MANUAL" if kind == "manual" else "ALPHA_ASC"),
        auto_key=auto_key,
        version=1,
    )
    session.add(collection)
    await session.flush()
    if data.product_ids:
        await _add(repo, collection, data.product_ids, None)
    audit.record(
        session,
        actor,
        entity_type="collection",
        entity_id=collection.id,
        action="create",
        before=None,
        after=snapshot(collection),
    )
    return collection


async def update(
    session: AsyncSession, collection_id: int, data: CollectionUpdate, actor: Actor
) -> Collection:
    repo = CollectionRepository(session)
    collection = await get(session, collection_id)
    if data.version is not None and data.version != collection.version:
        raise Conflict(
            f"Collection {collection_id} is at version {collection.version}, not {data.version}; "
            "reload it and apply your edit again.",
            extra={"current_version": collection.version},
        )
    errors = FieldErrors()
    smart = collection.collection_type == CollectionType.smart
    if data.rules is not None and not smart:
        errors.add(["rules"], "a manual collection has no rules")
    if data.rules is not None and smart and not data.rules:
        errors.add(["rules"], "a smart collection needs at least one rule")
    if smart and data.sort_order == "MANUAL":
        errors.add(["sort_order"], "smart collections cannot be sorted manually here")
    handle = None
    if data.handle is not None:
        handle = check_handle(data.handle, errors)
        if not errors.errors and await repo.handle_taken(handle, exclude_id=collection.id):
            errors.add(["handle"], f"'{handle}' is already used by another collection")
    errors.raise_if_any("The collection is not valid.")
    before = snapshot(collection)
    if data.title is not None:
        collection.title = data.title.strip()
    if handle is not None:
        collection.handle = handle
    if data.description_html is not None:
        collection.description_html = sanitize_html(data.description_html)
    if data.rules is not None:
        collection.rules = _rules_json(data.rules)
    if data.disjunctive is not None:
        collection.disjunctive = data.disjunctive
    if data.sort_order is not None:
        collection.sort_order = data.sort_order
    after = snapshot(collection)
    if before != after:
        collection.version += 1
        old, new = audit.changed_fields(before, after)
        audit.record(
            session,
            actor,
            entity_type="collection",
            entity_id=collection.id,
            action="update",
            before=old,
            after=new,
        )
    await session.flush()
    return collection


async def delete(session: AsyncSession, collection_id: int, actor: Actor) -> None:
    """Collections Shopify knows stay as tombstones until the deletion has synced."""
    collection = await get(session, collection_id)
    before = snapshot(collection)
    if collection.shopify_collection_id is None:
        await session.delete(collection)
    else:
        collection.deleted_at = utcnow()
        collection.version += 1
        collection.handle = f"{collection.handle}--deleted-{collection.id}"[:255]
        collection.auto_key = None
    audit.record(
        session,
        actor,
        entity_type="collection",
        entity_id=collection_id,
        action="delete",
        before=before,
        after=None,
    )
    await session.flush()


def _require_manual(collection: Collection) -> None:
    if collection.collection_type != CollectionType.manual:
        raise Conflict(
            f"Collection {collection.id} is a smart collection: its products follow its rules "
            "and cannot be added, removed or reordered by hand."
        )


async def _add(
    repo: CollectionRepository,
    collection: Collection,
    product_ids: list[int],
    position: int | None,
) -> tuple[int, int]:
    live = await repo.live_product_ids(product_ids)
    missing = [pid for pid in product_ids if pid not in live]
    if missing:
        raise Unprocessable(
            f"{len(missing)} product(s) do not exist: {', '.join(map(str, missing[:20]))}.",
            fields=[{"loc": ["body", "product_ids"], "msg": "unknown product", "ids": missing}],
        )
    current = await repo.positions(collection.id)
    new = [pid for pid in product_ids if pid not in current]
    if not new:
        return 0, len(product_ids)
    if position is None or position > len(current):
        start = (max(current.values()) if current else 0) + 1
    else:
        ordered = sorted(current.items(), key=lambda item: (item[1], item[0]))
        start = ordered[position - 1][1]
        await repo.shift_from(collection.id, start, len(new))
    await repo.add_members(collection.id, {pid: start + i for i, pid in enumerate(new)})
    return len(new), len(product_ids) - len(new)


async def add_products(
    session: AsyncSession,
    collection_id: int,
    product_ids: list[int],
    actor: Actor,
    *,
    position: int | None = None,
) -> MembershipChange:
    repo = CollectionRepository(session)
    collection = await get(session, collection_id)
    _require_manual(collection)
    added, present = await _add(repo, collection, product_ids, position)
    if added:
        collection.version += 1
        audit.record(
            session,
            actor,
            entity_type="collection",
            entity_id=collection.id,
            action="add_products",
            before=None,
            after={"product_ids": product_ids, "position": position},
        )
    await session.flush()
    return MembershipChange(
        collection_id=collection.id,
        added=added,
        already_present=present,
        products_count=await repo.count_members(collection),
    )


async def remove_product(
    session: AsyncSession, collection_id: int, product_id: int, actor: Actor
) -> MembershipChange:
    repo = CollectionRepository(session)
    collection = await get(session, collection_id)
    _require_manual(collection)
    if not await repo.remove_member(collection.id, product_id):
        raise NotFound(f"Product {product_id} is not in collection {collection_id}.")
    collection.version += 1
    audit.record(
        session,
        actor,
        entity_type="collection",
        entity_id=collection.id,
        action="remove_product",
        before={"product_id": product_id},
        after=None,
    )
    await session.flush()
    return MembershipChange(
        collection_id=collection.id,
        removed=1,
        products_count=await repo.count_members(collection),
    )


async def reorder(
    session: AsyncSession, collection_id: int, product_ids: list[int], actor: Actor
) -> None:
    """The listed members take the positions they occupy between them, in the given order."""
    repo = CollectionRepository(session)
    collection = await get(session, collection_id)
    _require_manual(collection)
    current = await repo.positions(collection.id)
    strangers = [pid for pid in product_ids if pid not in current]
    if strangers:
        raise Unprocessable(
            f"{len(strangers)} product(s) are not in collection {collection_id}: "
            f"{', '.join(map(str, strangers[:20]))}.",
            fields=[{"loc": ["body", "product_ids"], "msg": "not a member", "ids": strangers}],
        )
    slots = sorted(current[pid] for pid in product_ids)
    if len(product_ids) == len(current):
        slots = list(range(1, len(product_ids) + 1))  # a full reorder also closes gaps
    new_positions = dict(zip(product_ids, slots, strict=True))
    changed = {pid: pos for pid, pos in new_positions.items() if current[pid] != pos}
    if not changed:
        return
    await repo.set_positions(collection.id, changed)
    collection.version += 1
    audit.record(
        session,
        actor,
        entity_type="collection",
        entity_id=collection.id,
        action="reorder",
        before=None,
        after={"product_ids": product_ids},
    )
    await session.flush()


def type_key(product_type: str) -> str:
    return f"type:{product_type.strip().lower()}"[:300]


async def auto_by_type(
    session: AsyncSession, options: AutoByTypeIn, actor: Actor
) -> AutoByTypeResult:
    """One smart collection per product type (TYPE EQUALS <type>), created or refreshed."""
    repo = CollectionRepository(session)
    counts: dict[str, tuple[str, int]] = {}
    offset = 0
    while True:
        rows, total = await repo.product_type_counts(offset=offset, limit=1000)
        for product_type, count in rows:
            key = type_key(product_type)
            name, seen = counts.get(key, (product_type, 0))
            counts[key] = (name, seen + count)
        offset += 1000
        if offset >= total:
            break
    result = AutoByTypeResult(created=[], updated=[], unchanged=[], deleted=[])
    for key, (product_type, count) in sorted(counts.items()):
        if count < options.min_products:
            continue
        rules = [Rule(column=RuleColumn.TYPE, relation=RuleRelation.EQUALS, condition=product_type)]
        existing = await repo.get_by_auto_key(key)
        if existing is not None and existing.deleted_at is not None:
            existing.auto_key = None
            await session.flush()
            existing = None
        if existing is None:
            created = await create(
                session,
                CollectionCreate(title=product_type, collection_type="smart", rules=rules),
                actor,
                auto_key=key,
            )
            result.created.append(created.id)
            continue
        if existing.rules == _rules_json(rules) and not existing.disjunctive:
            result.unchanged.append(existing.id)
            continue
        await update(session, existing.id, CollectionUpdate(rules=rules, disjunctive=False), actor)
        result.updated.append(existing.id)
    if options.prune:
        for collection in await repo.auto_collections():
            if collection.auto_key not in counts:
                result.deleted.append(collection.id)
                await delete(session, collection.id, actor)
    return result
