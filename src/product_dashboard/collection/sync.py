"""Collections ↔ Shopify through the sync engine's client.

Push: collections whose version moved past `synced_version` (or never synced) are created or
updated with their rule set; a manual collection's membership follows through
`collectionAddProducts` / `collectionRemoveProducts` (the latter is one of Shopify's async jobs,
awaited), then, for a manually sorted collection, its order through `collectionReorderProducts`
(the moves that turn Shopify's order into ours, also awaited); tombstones are deleted in Shopify
and then locally. Members not yet on Shopify (no `shopify_product_id`) are skipped and counted.

Pull: every Shopify collection is matched by id (or by handle, then linked) and copied over unless
the local one has unpushed changes (then left alone and reported); manual membership is mapped
through products' Shopify ids. Local collections linked to a Shopify collection that no longer
exists are deleted when they have no unpushed changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.collection.repository import CollectionRepository
from product_dashboard.exceptions import AppError
from product_dashboard.job import JobRunner
from product_dashboard.job.typed import JobModel, JobType, NoCheckpoint, TypedJob
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Collection, CollectionProduct, CollectionType, Product
from product_dashboard.product.normalize import sanitize_html
from product_dashboard.shopify import (
    COLLECTION_ADD_PRODUCTS,
    COLLECTION_CREATE,
    COLLECTION_DELETE,
    COLLECTION_REMOVE_PRODUCTS,
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

COLLECTIONS_PAGE = """
query CollectionsPage($after: String) {
  collections(first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id handle title descriptionHtml sortOrder
      ruleSet { appliedDisjunctively rules { column relation condition } }
    }
  }
}
"""
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


class SyncNotAvailable(AppError):
    status_code = 503
    kind = "not_available"


def _shopify_input(collection: Collection) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": collection.title,
        "handle": collection.handle,
        "descriptionHtml": collection.description_html,
        "sortOrder": collection.sort_order,
    }
    if collection.collection_type == CollectionType.smart:
        data["ruleSet"] = {
            "appliedDisjunctively": collection.disjunctive,
            "rules": [
                {
                    "column": r["column"],
                    "relation": r["relation"],
                    "condition": r.get("condition", ""),
                }
                for r in collection.rules
            ],
        }
    return data


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


async def _sync_members(
    client: ShopifyClient, session: AsyncSession, collection: Collection
) -> dict[str, int]:
    assert collection.shopify_collection_id is not None
    local, unknown = await _local_member_gids(session, collection.id)
    remote = await _remote_member_gids(client, collection.shopify_collection_id)
    remote_set, local_set = set(remote), set(local)
    to_add = [g for g in local if g not in remote_set]
    to_remove = [g for g in remote if g not in local_set]
    for start in range(0, len(to_add), MEMBERS_PER_CALL):
        response = await client.execute(
            COLLECTION_ADD_PRODUCTS,
            {
                "id": collection.shopify_collection_id,
                "productIds": to_add[start : start + MEMBERS_PER_CALL],
            },
        )
        raise_for_user_errors(response["collectionAddProducts"], "collectionAddProducts")
    for start in range(0, len(to_remove), MEMBERS_PER_CALL):
        response = await client.execute(
            COLLECTION_REMOVE_PRODUCTS,
            {
                "id": collection.shopify_collection_id,
                "productIds": to_remove[start : start + MEMBERS_PER_CALL],
            },
        )
        payload = response["collectionRemoveProducts"]
        raise_for_user_errors(payload, "collectionRemoveProducts")
        await _wait_for_job(client, payload.get("job"))
    moved = 0
    if collection.sort_order == "MANUAL":
        if to_add or to_remove:
            remote = await _remote_member_gids(client, collection.shopify_collection_id)
        moved = await _reorder(client, collection.shopify_collection_id, remote, local)
    return {
        "added": len(to_add),
        "removed": len(to_remove),
        "moved": moved,
        "not_on_shopify": unknown,
    }


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


async def push_collection(
    client: ShopifyClient, session: AsyncSession, collection: Collection
) -> tuple[str, dict[str, int]]:
    """Push one collection; returns what happened and membership counts."""
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
    data = _shopify_input(collection)
    members: dict[str, int] = {}
    if collection.shopify_collection_id is None:
        if collection.collection_type == CollectionType.manual:
            gids, unknown = await _local_member_gids(session, collection.id)
            data["products"] = gids
            members = {"added": len(gids), "removed": 0, "not_on_shopify": unknown}
        response = await client.execute(COLLECTION_CREATE, {"input": data}, idempotent=False)
        payload = response["collectionCreate"]
        raise_for_user_errors(payload, "collectionCreate")
        collection.shopify_collection_id = payload["collection"]["id"]
        outcome = "created"
    else:
        response = await client.execute(
            COLLECTION_UPDATE, {"input": {"id": collection.shopify_collection_id, **data}}
        )
        raise_for_user_errors(response["collectionUpdate"], "collectionUpdate")
        if collection.collection_type == CollectionType.manual:
            members = await _sync_members(client, session, collection)
        outcome = "updated"
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
    for collection_id in ids:
        async with sessions() as session:
            collection = await session.get(Collection, collection_id)
            if collection is None:
                continue
            try:
                outcome, members = await push_collection(client, session, collection)
            except (ShopifyError, TimeoutError) as exc:
                collection.sync_error = str(exc)[:2000]
                report.failed += 1
                report.errors.append({"collection_id": collection_id, "error": str(exc)[:500]})
                continue
            report.count_pushed(outcome, members)


def _rules_from(remote: dict[str, Any]) -> tuple[str, list[dict[str, Any]], bool]:
    rule_set = remote.get("ruleSet")
    if not rule_set:
        return "manual", [], False
    rules = [
        {"column": r["column"], "relation": r["relation"], "condition": r.get("condition") or ""}
        for r in rule_set.get("rules") or []
    ]
    return "smart", rules, bool(rule_set.get("appliedDisjunctively"))


async def _pull_one(client: ShopifyClient, session: AsyncSession, remote: dict[str, Any]) -> str:
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
    kind, rules, disjunctive = _rules_from(remote)
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
    collection.rules = rules
    collection.disjunctive = disjunctive
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
        await session.execute(
            delete(CollectionProduct).where(CollectionProduct.collection_id == collection.id)
        )
        rows = [
            {"collection_id": collection.id, "product_id": by_gid[g], "position": i}
            for i, g in enumerate((g for g in gids if g in by_gid), start=1)
        ]
        if rows:
            await session.execute(insert(CollectionProduct), rows)
    else:
        await session.execute(
            delete(CollectionProduct).where(CollectionProduct.collection_id == collection.id)
        )
    collection.synced_version = collection.version
    collection.synced_at = utcnow()
    collection.sync_error = None
    return "created" if created else "updated"


async def pull(
    client: ShopifyClient, sessions: Callable[[], Any], report: CollectionSyncReport
) -> None:
    seen: set[str] = set()
    after = None
    while True:
        page = (await client.execute(COLLECTIONS_PAGE, {"after": after}))["collections"]
        for remote in page["nodes"]:
            seen.add(remote["id"])
            async with sessions() as session:
                outcome = await _pull_one(client, session, remote)
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
    COLLECTION_SYNC_JOB.register(runner, make_handler(gateway.client), concurrency=1)


def unavailable() -> SyncNotAvailable:
    return SyncNotAvailable("Collection sync with Shopify is not available in this process.")
