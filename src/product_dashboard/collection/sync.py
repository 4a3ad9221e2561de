"""Collections <-> Shopify through the sync engine's client, on Admin API 2026-10's sources.

Push: collections whose version moved past `synced_version` (or never synced) are created or
updated with one conditions source: a smart collection's rules become its inclusion conditions
(`collection/sources.py`; a collection with a rule 2026-10 cannot express is not pushed and
reported, its rules untouched), a manual collection's members its selections, changed through
`collectionUpdate` (`selectionsToAdd` / `selectionsToRemove`, awaited when Shopify answers with a
job); only members the dashboard has read and knows as its products are ever removed. Then, for a
manually sorted collection, its order through `collectionReorderProducts` (the moves that turn
Shopify's order into ours, also awaited); tombstones are deleted in Shopify and then locally.
Members not yet on Shopify (no `shopify_product_id`) are skipped and counted.

Pull: every Shopify collection is matched by id (or by handle, then linked) and copied over unless
the local one has unpushed changes (then left alone and reported), or its sources say what a
local collection cannot hold (left alone, reported with the reason); rules that mean what the
local ones say keep their local wording. Manual membership is mapped through products' Shopify
ids. Local collections linked to a Shopify collection that no longer exists are deleted when they
have no unpushed changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.collection.repository import CollectionRepository
from product_dashboard.collection.service import synced_base
from product_dashboard.collection.sources import (
    SOURCE_FIELDS,
    SOURCE_TITLE,
    NotExpressible,
    RemoteRules,
    Unreadable,
    conditions_for,
    match_type,
    remote_rules,
    same_rules,
)
from product_dashboard.exceptions import AppError
from product_dashboard.job import JobRunner
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Collection, CollectionProduct, CollectionType, Product
from product_dashboard.product.normalize import sanitize_html
from product_dashboard.product.rules import Rule
from product_dashboard.shopify import (
    COLLECTION_CREATE,
    COLLECTION_DELETE,
    COLLECTION_REORDER_PRODUCTS,
    COLLECTION_UPDATE,
    ShopifyClient,
    ShopifyError,
    raise_for_user_errors,
)
from product_dashboard.store_gateway import StoreGateway

logger = logging.getLogger(__name__)

Direction = Literal["push", "pull", "both"]


class CollectionSyncParams(JobModel):
    direction: Direction = "both"


class CollectionSyncReport(JobModel):
    store_defaults = True  # every counter, zero or not, as the API shows them

    direction: Direction
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    members_added: int = 0
    members_removed: int = 0
    members_moved: int = 0
    members_not_on_shopify: int = 0
    members_kept_unknown: int = 0  # on Shopify, not a product here: never removed by a push
    pulled_created: int = 0
    pulled_updated: int = 0
    pulled_skipped: int = 0
    pulled_deleted: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list)

    def count_pushed(self, outcome: str, members: dict[str, int]) -> None:
        if outcome == "created":
            self.created += 1
        elif outcome == "updated":
            self.updated += 1
        else:
            self.deleted += 1
        self.members_added += members.get("added", 0)
        self.members_removed += members.get("removed", 0)
        self.members_moved += members.get("moved", 0)
        self.members_not_on_shopify += members.get("not_on_shopify", 0)
        self.members_kept_unknown += members.get("kept_unknown", 0)

    def count_pulled(self, outcome: str) -> None:
        if outcome == "created":
            self.pulled_created += 1
        elif outcome == "updated":
            self.pulled_updated += 1
        else:
            self.pulled_skipped += 1


COLLECTION_SYNC_JOB = JobType(
    "collection.sync", CollectionSyncParams, NoCheckpoint, CollectionSyncReport
)
CollectionSyncJob = TypedJob[CollectionSyncParams, NoCheckpoint, CollectionSyncReport]
MEMBERS_PER_CALL = 250
JOB_POLL_SECONDS = 0.5
JOB_WAIT_LIMIT = 120.0

COLLECTIONS_PAGE = (
    """
query CollectionsPage($after: String) {
  collections(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id handle title descriptionHtml sortOrder
      sources { ...SourceFields }
    }
  }
}
"""
    + SOURCE_FIELDS
)
COLLECTION_SOURCES = (
    """
query CollectionSources($id: ID!) {
  collection(id: $id) { title handle descriptionHtml sortOrder sources { ...SourceFields } }
}
"""
    + SOURCE_FIELDS
)
SHOP_CURRENCY = "query ShopCurrency { shop { currencyCode } }"
COLLECTION_MEMBERS = """
query CollectionMembers($id: ID!, $after: String) {
  collection(id: $id) {
    products(first: 250, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id }
    }
  }
}
"""
JOB_STATUS = "query JobStatus($id: ID!) { job(id: $id) { id done } }"


class ChangedOnBothSides(Exception):
    """Changed in Shopify and here since the last sync, to different values: nothing is sent."""


# Local field → Shopify's, as `push_collection` compares and sends them.
FIELD_KEYS = {
    "title": "title",
    "handle": "handle",
    "description_html": "descriptionHtml",
    "sort_order": "sortOrder",
}


def _changed_side(base: Any, local: Any, remote: Any) -> str:
    """Which side changed since `base`: "none" (same both sides), "local", "remote", "both"."""
    if local == remote:
        return "none"
    if remote == base:
        return "local"
    if local == base:
        return "remote"
    return "both"


class SyncNotAvailable(AppError):
    status_code = 503
    kind = "not_available"


def _shopify_fields(collection: Collection) -> dict[str, Any]:
    return {
        "title": collection.title,
        "handle": collection.handle,
        "descriptionHtml": collection.description_html,
        "sortOrder": collection.sort_order,
    }


def _local_rules(collection: Collection) -> list[Rule]:
    return [Rule.model_validate(rule) for rule in collection.rules]


async def shop_currency(client: ShopifyClient) -> str:
    """The shop's currency: 2026-10's price conditions carry one."""
    return str((await client.execute(SHOP_CURRENCY))["shop"]["currencyCode"])


async def _local_member_gids(session: AsyncSession, collection_id: int) -> tuple[list[str], int]:
    """Shopify ids of the members, in order; and how many members Shopify does not know yet."""
    rows = await session.execute(
        select(Product.shopify_product_id)
        .join(CollectionProduct, CollectionProduct.product_id == Product.id)
        .where(CollectionProduct.collection_id == collection_id, Product.deleted_at.is_(None))
        .order_by(CollectionProduct.position)
    )
    gids = [gid for (gid,) in rows]
    return [g for g in gids if g], sum(1 for g in gids if not g)


async def _remote_member_gids(client: ShopifyClient, collection_gid: str) -> list[str]:
    found: list[str] = []
    after = None
    while True:
        response = await client.execute(COLLECTION_MEMBERS, {"id": collection_gid, "after": after})
        node = response["collection"]
        if node is None:
            return found
        page = node["products"]
        found.extend(p["id"] for p in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def _wait_for_job(client: ShopifyClient, job: dict[str, Any] | None) -> None:
    deadline = asyncio.get_running_loop().time() + JOB_WAIT_LIMIT
    while job is not None and not job.get("done"):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"Shopify job {job.get('id')} did not finish")
        await asyncio.sleep(JOB_POLL_SECONDS)
        job = (await client.execute(JOB_STATUS, {"id": job["id"]}))["job"]


async def _known_gids(session: AsyncSession, gids: list[str]) -> set[str]:
    """Which of these Shopify product ids the dashboard has a product for."""
    known: set[str] = set()
    for start in range(0, len(gids), 500):
        chunk = gids[start : start + 500]
        rows = await session.scalars(
            select(Product.shopify_product_id).where(Product.shopify_product_id.in_(chunk))
        )
        known.update(gid for gid in rows if gid)
    return known


async def _update(client: ShopifyClient, update: dict[str, Any]) -> None:
    response = await client.execute(COLLECTION_UPDATE, {"collection": update})
    payload = response["collectionUpdate"]
    raise_for_user_errors(payload, "collectionUpdate")
    await _wait_for_job(client, payload.get("job"))


async def _change_selections(
    client: ShopifyClient, collection_gid: str, source_id: str, key: str, gids: list[str]
) -> None:
    """Add (`selectionsToAdd`) or remove (`selectionsToRemove`) products, 250 per call."""
    for start in range(0, len(gids), MEMBERS_PER_CALL):
        inclusion = {key: [{"productId": gid} for gid in gids[start : start + MEMBERS_PER_CALL]]}
        await _update(
            client,
            {
                "id": collection_gid,
                "sourcesToUpdate": [{"condition": {"id": source_id, "inclusion": inclusion}}],
            },
        )


async def _sync_members(
    client: ShopifyClient, session: AsyncSession, collection: Collection, source_id: str
) -> tuple[dict[str, int], list[str]]:
    """Apply to Shopify the members added and removed here since the last sync, and here those
    added and removed in Shopify since (products known here); without a recorded base, make
    Shopify's members ours. A member Shopify has that is no product here is kept. Returns the
    counts and Shopify's members once done."""
    assert collection.shopify_collection_id is not None
    local, unknown = await _local_member_gids(session, collection.id)
    remote = await _remote_member_gids(client, collection.shopify_collection_id)
    remote_set, local_set = set(remote), set(local)
    extra = [g for g in remote if g not in local_set]
    known = await _known_gids(session, extra)
    base = (collection.synced_base or {}).get("members")
    if base is None:
        to_add = [g for g in local if g not in remote_set]
        to_remove = [g for g in extra if g in known]
    else:
        was = set(base)
        to_add = [g for g in local if g not in remote_set and g not in was]
        to_remove = [g for g in extra if g in known and g in was]
        taken_out = [g for g in local if g not in remote_set and g in was]
        taken_in = [g for g in extra if g in known and g not in was]
        local = await _take_members(session, collection.id, local, taken_out, taken_in)
    gid = collection.shopify_collection_id
    await _change_selections(client, gid, source_id, "selectionsToAdd", to_add)
    await _change_selections(client, gid, source_id, "selectionsToRemove", to_remove)
    removed = set(to_remove)
    held = [g for g in remote if g not in removed] + to_add
    moved = 0
    if collection.sort_order == "MANUAL":
        if to_add or to_remove:
            remote = await _remote_member_gids(client, collection.shopify_collection_id)
        moved = await _reorder(client, collection.shopify_collection_id, remote, local)
    counts = {
        "added": len(to_add),
        "removed": len(to_remove),
        "moved": moved,
        "not_on_shopify": unknown,
        "kept_unknown": len([g for g in extra if g not in known]),
    }
    return counts, held


async def _take_members(
    session: AsyncSession, collection_id: int, local: list[str], out: list[str], in_: list[str]
) -> list[str]:
    """Shopify's own membership changes since the last sync, made here: `out` removed, `in_`
    added after the others. The local members' Shopify ids, in order, afterwards."""
    if not out and not in_:
        return local
    ids = dict(
        (
            await session.execute(
                select(Product.shopify_product_id, Product.id).where(
                    Product.shopify_product_id.in_([*out, *in_])
                )
            )
        ).all()
    )
    if out:
        await session.execute(
            delete(CollectionProduct).where(
                CollectionProduct.collection_id == collection_id,
                CollectionProduct.product_id.in_([ids[g] for g in out if g in ids]),
            )
        )
    if in_:
        last = await session.scalar(
            select(func.max(CollectionProduct.position)).where(
                CollectionProduct.collection_id == collection_id
            )
        )
        rows = [
            {"collection_id": collection_id, "product_id": ids[g], "position": position}
            for position, g in enumerate((g for g in in_ if g in ids), start=(last or 0) + 1)
        ]
        if rows:
            await session.execute(insert(CollectionProduct), rows)
    gone = set(out)
    return [g for g in local if g not in gone] + [g for g in in_ if g in ids]


def order_moves(current: list[str], wanted: list[str]) -> list[tuple[str, int]]:
    """Moves (id, zero-based position), applied in order, that put `current` in `wanted`'s order.

    Ids only in `current` keep their relative order after the wanted ones.
    """
    order = list(current)
    present = set(current)
    moves: list[tuple[str, int]] = []
    for position, gid in enumerate(g for g in wanted if g in present):
        if order[position] != gid:
            order.remove(gid)
            order.insert(position, gid)
            moves.append((gid, position))
    return moves


async def _reorder(
    client: ShopifyClient, collection_gid: str, remote: list[str], local: list[str]
) -> int:
    moves = order_moves(remote, local)
    for start in range(0, len(moves), MEMBERS_PER_CALL):
        chunk = moves[start : start + MEMBERS_PER_CALL]
        response = await client.execute(
            COLLECTION_REORDER_PRODUCTS,
            {
                "id": collection_gid,
                "moves": [{"id": gid, "newPosition": str(at)} for gid, at in chunk],
            },
        )
        payload = response["collectionReorderProducts"]
        raise_for_user_errors(payload, "collectionReorderProducts")
        await _wait_for_job(client, payload.get("job"))
    return len(moves)


async def _remote_state(
    client: ShopifyClient, collection_gid: str, currency: str
) -> tuple[RemoteRules, dict[str, Any]]:
    """Shopify's collection now: its source in local terms, and its fields (local names)."""
    collection = (await client.execute(COLLECTION_SOURCES, {"id": collection_gid}))["collection"]
    if collection is None:
        raise ShopifyError(f"Collection {collection_gid} does not exist in Shopify")
    fields = {name: collection.get(key) for name, key in FIELD_KEYS.items()}
    fields["description_html"] = sanitize_html(fields["description_html"] or "")
    try:
        return remote_rules(collection["sources"], currency), fields
    except Unreadable as exc:
        raise Unreadable(f"Shopify's collection has {exc}: not overwritten") from exc


def _rules_side(collection: Collection, remote: RemoteRules) -> str:
    """Which side changed a smart collection's rules since the last sync (`_changed_side`)."""

    def same(rules: list[Rule], disjunctive: bool, other: list[Rule], other_disj: bool) -> bool:
        return disjunctive == other_disj and same_rules(rules, other)

    local = _local_rules(collection)
    if same(local, collection.disjunctive, remote.rules, remote.disjunctive):
        return "none"
    base = collection.synced_base
    if base is None or "rules" not in base:
        return "local"  # no base recorded: ours, as before
    base_rules = [Rule.model_validate(rule) for rule in base["rules"]]
    base_disj = bool(base.get("disjunctive"))
    if same(base_rules, base_disj, remote.rules, remote.disjunctive):
        return "local"
    if same(base_rules, base_disj, local, collection.disjunctive):
        return "remote"
    return "both"


def _fields_to_send(
    collection: Collection, remote: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Three-way, field by field, against the last sync's base: what to send (changed here),
    what to take (changed only in Shopify) and what changed on both sides. Without a base,
    every field is sent (the store is made ours, as before bases were recorded)."""
    base = collection.synced_base or {}
    send: dict[str, Any] = {}
    take: dict[str, Any] = {}
    both: list[str] = []
    for name, key in FIELD_KEYS.items():
        local = getattr(collection, name)
        side = _changed_side(base[name], local, remote[name]) if name in base else "local"
        if side == "local":
            send[key] = local
        elif side == "remote":
            take[name] = remote[name]
        elif side == "both":
            both.append(name)
    return send, take, both


async def push_collection(
    client: ShopifyClient, session: AsyncSession, collection: Collection, currency: str
) -> tuple[str, dict[str, int]]:
    """Push one collection; returns what happened and membership counts.

    Raises NotExpressible (nothing sent) when a rule has no 2026-10 condition.
    """
    if collection.deleted_at is not None:
        if collection.shopify_collection_id:
            response = await client.execute(
                COLLECTION_DELETE, {"id": collection.shopify_collection_id}, idempotent=False
            )
            payload = response["collectionDelete"]
            missing = any(
                "not exist" in e.get("message", "") for e in payload.get("userErrors") or []
            )
            if not missing:
                raise_for_user_errors(payload, "collectionDelete")
        await session.delete(collection)
        return "deleted", {}
    smart = collection.collection_type == CollectionType.smart
    rules = _local_rules(collection)
    conditions = conditions_for(rules, collection.disjunctive, currency) if smart else []
    data = _shopify_fields(collection)
    members: dict[str, int] = {}
    held: list[str] = []  # a manual collection's members in Shopify once pushed
    if collection.shopify_collection_id is None:
        gids: list[str] = []
        if smart:
            inclusion: dict[str, Any] = {
                "matchType": match_type(collection.disjunctive),
                "conditions": conditions,
            }
        else:
            gids, unknown = await _local_member_gids(session, collection.id)
            first = gids[:MEMBERS_PER_CALL]
            inclusion = {"selections": [{"productId": gid} for gid in first]}
            members = {"added": len(gids), "removed": 0, "not_on_shopify": unknown}
        data["sources"] = [{"source": {"title": SOURCE_TITLE, "inclusion": inclusion}}]
        response = await client.execute(COLLECTION_CREATE, {"collection": data}, idempotent=False)
        payload = response["collectionCreate"]
        raise_for_user_errors(payload, "collectionCreate")
        created = payload["collection"]
        collection.shopify_collection_id = created["id"]
        if len(gids) > MEMBERS_PER_CALL:
            source_id = created["sources"][0]["id"]
            rest = gids[MEMBERS_PER_CALL:]
            await _change_selections(client, created["id"], source_id, "selectionsToAdd", rest)
        held = gids
        outcome = "created"
    else:
        gid = collection.shopify_collection_id
        remote, remote_fields = await _remote_state(client, gid, currency)
        if remote.source_id is None or remote.smart != smart:
            kind = "smart" if smart else "manual"
            raise Unreadable(f"Shopify's collection has no {kind} source to update")
        send, take, both = _fields_to_send(collection, remote_fields)
        rules_side = _rules_side(collection, remote) if smart else "none"
        if rules_side == "both":
            both.append("rules")
        if both:
            # Told once: the base moves to Shopify's values, so pushing again sends ours.
            seen = dict(collection.synced_base or {})
            seen.update({name: remote_fields[name] for name in both if name in FIELD_KEYS})
            if "rules" in both:
                seen["rules"] = [rule.model_dump(mode="json") for rule in remote.rules]
                seen["disjunctive"] = remote.disjunctive
            collection.synced_base = seen
            theirs = "; ".join(
                f"{name}: {remote_fields[name]!r}" for name in both if name in FIELD_KEYS
            )
            raise ChangedOnBothSides(
                "changed in Shopify and here since the last sync: "
                + ", ".join(both)
                + f"; nothing sent (Shopify's: {theirs or 'its rules'}). "
                "Push again to send ours, or set Shopify's here"
            )
        update: dict[str, Any] = {"id": gid, **send}
        if rules_side == "local":
            inclusion = {
                "matchType": match_type(collection.disjunctive),
                "conditionsToDelete": remote.condition_ids,
                "conditionsToCreate": conditions,
            }
            update["sourcesToUpdate"] = [
                {"condition": {"id": remote.source_id, "inclusion": inclusion}}
            ]
        elif rules_side == "remote":
            take["rules"] = [rule.model_dump(mode="json") for rule in remote.rules]
            take["disjunctive"] = remote.disjunctive
        if "handle" in take and await CollectionRepository(session).handle_taken(
            take["handle"], exclude_id=collection.id
        ):
            del take["handle"]  # another collection here holds it: keep ours (as the pull does)
        if len(update) > 1:
            await _update(client, update)
        for name, value in take.items():
            setattr(collection, name, value)
        if take:
            collection.version += 1
        if not smart:
            members, held = await _sync_members(client, session, collection, remote.source_id)
        outcome = "updated"
    collection.synced_base = synced_base(collection, None if smart else held)
    collection.synced_version = collection.version
    collection.synced_at = utcnow()
    collection.sync_error = None
    return outcome, members


async def push(
    client: ShopifyClient, sessions: Callable[[], Any], report: CollectionSyncReport
) -> None:
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Collection.id)
                .where(
                    (Collection.synced_version.is_(None))
                    | (Collection.version > Collection.synced_version)
                    | (Collection.deleted_at.is_not(None))
                )
                .order_by(Collection.id)
            )
        )
    currency = await shop_currency(client) if ids else ""
    for collection_id in ids:
        async with sessions() as session:
            collection = await session.get(Collection, collection_id)
            if collection is None:
                continue
            try:
                outcome, members = await push_collection(client, session, collection, currency)
            except (
                ShopifyError,
                TimeoutError,
                NotExpressible,
                Unreadable,
                ChangedOnBothSides,
            ) as exc:
                collection.sync_error = str(exc)[:2000]
                report.failed += 1
                report.errors.append({"collection_id": collection_id, "error": str(exc)[:500]})
                continue
            report.count_pushed(outcome, members)


async def _pull_one(
    client: ShopifyClient, session: AsyncSession, remote: dict[str, Any], currency: str
) -> str:
    """Copy one Shopify collection here; raises Unreadable (nothing changed) if it cannot."""
    repo = CollectionRepository(session)
    collection = await session.scalar(
        select(Collection).where(Collection.shopify_collection_id == remote["id"])
    )
    if collection is None:
        collection = await session.scalar(
            select(Collection).where(
                Collection.handle == remote["handle"],
                Collection.shopify_collection_id.is_(None),
                Collection.deleted_at.is_(None),
            )
        )
    if collection is not None and (
        collection.deleted_at is not None
        or (
            collection.synced_version is not None and collection.version > collection.synced_version
        )
    ):
        return "skipped"  # unpushed local changes win until pushed
    sources = remote_rules(remote["sources"], currency)
    kind = "smart" if sources.smart else "manual"
    created = collection is None
    if collection is None:
        handle = remote["handle"]
        if await repo.handle_taken(handle):
            handle = f"{handle}-shopify"
        collection = Collection(handle=handle, version=1, description_html="")
        session.add(collection)
    elif not await repo.handle_taken(remote["handle"], exclude_id=collection.id):
        collection.handle = remote["handle"]
    collection.shopify_collection_id = remote["id"]
    collection.title = remote["title"]
    collection.description_html = sanitize_html(remote.get("descriptionHtml") or "")
    collection.collection_type = kind
    if not (
        collection.rules is not None
        and same_rules(_local_rules(collection), sources.rules)
        and collection.disjunctive == sources.disjunctive
    ):  # the same rules keep the merchant's wording ("20.00", "1.5 kg")
        collection.rules = [rule.model_dump(mode="json") for rule in sources.rules]
        collection.disjunctive = sources.disjunctive
    collection.sort_order = remote.get("sortOrder") or (
        "MANUAL" if kind == "manual" else "ALPHA_ASC"
    )
    if not created:
        collection.version += 1
    await session.flush()
    if kind == "manual":
        gids = await _remote_member_gids(client, remote["id"])
        by_gid = (
            dict(
                (
                    await session.execute(
                        select(Product.shopify_product_id, Product.id).where(
                            Product.shopify_product_id.in_(gids)
                        )
                    )
                ).all()
            )
            if gids
            else {}
        )
        # Members not on Shopify yet (never pushed) are no member there to read: kept, after.
        unpushed = list(
            await session.scalars(
                select(CollectionProduct.product_id)
                .join(Product, Product.id == CollectionProduct.product_id)
                .where(
                    CollectionProduct.collection_id == collection.id,
                    Product.shopify_product_id.is_(None),
                )
                .order_by(CollectionProduct.position)
            )
        )
        await session.execute(
            delete(CollectionProduct).where(CollectionProduct.collection_id == collection.id)
        )
        members = [by_gid[g] for g in gids if g in by_gid] + unpushed
        rows = [
            {"collection_id": collection.id, "product_id": product_id, "position": i}
            for i, product_id in enumerate(members, start=1)
        ]
        if rows:
            await session.execute(insert(CollectionProduct), rows)
        collection.synced_base = synced_base(collection, gids)
    else:
        await session.execute(
            delete(CollectionProduct).where(CollectionProduct.collection_id == collection.id)
        )
        collection.synced_base = synced_base(collection)
    collection.synced_version = collection.version
    collection.synced_at = utcnow()
    collection.sync_error = None
    return "created" if created else "updated"


async def pull(
    client: ShopifyClient, sessions: Callable[[], Any], report: CollectionSyncReport
) -> None:
    seen: set[str] = set()
    after = None
    currency = await shop_currency(client)
    while True:
        page = (await client.execute(COLLECTIONS_PAGE, {"after": after}))["collections"]
        for remote in page["nodes"]:
            seen.add(remote["id"])
            async with sessions() as session:
                try:
                    outcome = await _pull_one(client, session, remote, currency)
                except Unreadable as exc:
                    await session.rollback()
                    report.pulled_skipped += 1
                    report.errors.append(
                        {"shopify_collection_id": remote["id"], "error": f"Not pulled: {exc}"}
                    )
                    continue
            report.count_pulled(outcome)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    async with sessions() as session:
        gone = await session.scalars(
            select(Collection).where(
                Collection.shopify_collection_id.is_not(None),
                Collection.shopify_collection_id.not_in(seen)
                if seen
                else Collection.id.is_not(None),
                Collection.deleted_at.is_(None),
            )
        )
        for collection in gone:
            if (
                collection.synced_version is not None
                and collection.version > collection.synced_version
            ):
                report.pulled_skipped += 1
                continue
            await session.delete(collection)
            report.pulled_deleted += 1


def make_handler(
    clients: Callable[[], ShopifyClient],
) -> Callable[[CollectionSyncJob], Awaitable[CollectionSyncReport]]:
    async def run_collection_sync(job: CollectionSyncJob) -> CollectionSyncReport:
        direction = job.params.direction
        report = CollectionSyncReport(direction=direction)
        async with clients() as client:
            if direction in ("push", "both"):
                await push(client, job.session, report)
                await job.progress(done=1, total=2 if direction == "both" else 1)
            if direction in ("pull", "both"):
                await pull(client, job.session, report)
        await job.progress(done=2 if direction == "both" else 1)
        return report

    return run_collection_sync


def register(runner: JobRunner, gateway: StoreGateway) -> None:
    COLLECTION_SYNC_JOB.register(runner, make_handler(gateway.client), concurrency=1, writes=True)


def unavailable() -> SyncNotAvailable:
    return SyncNotAvailable("Collection sync with Shopify is not available in this process.")
