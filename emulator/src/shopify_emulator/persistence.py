"""Snapshot the in-memory store to SQLite (debounced on change, and at shutdown)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from shopify_emulator.clock import parse_datetime
from shopify_emulator.gid import IdSequence
from shopify_emulator.models import (
    Collection,
    CollectionRule,
    Location,
    Media,
    Metafield,
    MetafieldDefinition,
    OptionValue,
    Product,
    ProductOption,
    RuleSet,
    UrlRedirect,
    Variant,
)
from shopify_emulator.state import EmulatorState
from shopify_emulator.store import Store

logger = logging.getLogger("shopify_emulator.persistence")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collections (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""
_DATETIME_FIELDS = frozenset({"created_at", "updated_at", "published_at"})
_DECIMAL_FIELDS = frozenset({"price", "compare_at_price", "unit_cost"})


def to_jsonable(record: Any) -> Any:
    if is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_jsonable(getattr(record, f.name)) for f in fields(record)}
    if isinstance(record, list):
        return [to_jsonable(item) for item in record]
    if isinstance(record, datetime):
        return record.isoformat()
    if isinstance(record, Decimal):
        return str(record)
    return record


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for key in _DATETIME_FIELDS & out.keys():
        if out[key] is not None:
            out[key] = parse_datetime(out[key])
    for key in _DECIMAL_FIELDS & out.keys():
        if out[key] is not None:
            out[key] = Decimal(out[key])
    return out


def _metafields(items: list[dict[str, Any]]) -> list[Metafield]:
    return [Metafield(**_scalars(m)) for m in items]


def product_from_json(data: dict[str, Any]) -> Product:
    raw = _scalars(data)
    raw["options"] = [
        ProductOption(
            id=o["id"],
            name=o["name"],
            position=o["position"],
            values=[OptionValue(**v) for v in o["values"]],
            linked_namespace=o.get("linked_namespace"),
            linked_key=o.get("linked_key"),
        )
        for o in data["options"]
    ]
    raw["variants"] = [
        Variant(
            **(
                _scalars(v)
                | {
                    "metafields": _metafields(v["metafields"]),
                    # JSON keys are text; location ids are ints.
                    "other_levels": {int(k): q for k, q in (v.get("other_levels") or {}).items()},
                }
            )
        )
        for v in data["variants"]
    ]
    raw["media"] = [Media(**_scalars(m)) for m in data["media"]]
    raw["metafields"] = _metafields(data["metafields"])
    return Product(**raw)


def collection_from_json(data: dict[str, Any]) -> Collection:
    raw = _scalars(data)
    if data.get("rule_set") is not None:
        rule_set = data["rule_set"]
        raw["rule_set"] = RuleSet(
            rule_set["applied_disjunctively"], [CollectionRule(**r) for r in rule_set["rules"]]
        )
    raw["metafields"] = _metafields(data["metafields"])
    return Collection(**raw)


def load_store(path: Path, store: Store) -> dict[str, str]:
    """Fill `store` from a snapshot file (no events); return the meta table."""
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA)
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if "last_id" in meta:
            store.ids = IdSequence(int(meta["last_id"]))
        if "created_at" in meta:
            store.created_at = parse_datetime(meta["created_at"])
            store.reset_locations()
        if "locations" in meta:
            store.locations = {
                int(row["id"]): Location(**_scalars(row)) for row in json.loads(meta["locations"])
            }
        if "metafield_definitions" in meta:
            store.metafield_definitions = {
                int(row["id"]): MetafieldDefinition(**row)
                for row in json.loads(meta["metafield_definitions"])
            }
        if "url_redirects" in meta:
            store.url_redirects = {
                int(row["id"]): UrlRedirect(**row) for row in json.loads(meta["url_redirects"])
            }
        for (data,) in db.execute("SELECT data FROM products ORDER BY id"):
            product = product_from_json(json.loads(data))
            store.products[product.id] = product
            store.product_handles[product.handle] = product.id
            store.reindex_variants(product)
        for (data,) in db.execute("SELECT data FROM collections ORDER BY id"):
            collection = collection_from_json(json.loads(data))
            store.collections[collection.id] = collection
            store.collection_handles[collection.handle] = collection.id
    store.take_changes()
    store.version += 1
    return meta


def _write(
    path: Path,
    products: list[tuple[int, str]],
    deleted_products: list[int],
    collections: list[tuple[int, str]],
    deleted_collections: list[int],
    meta: list[tuple[str, str]],
) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(_SCHEMA)
        db.executemany("INSERT OR REPLACE INTO products (id, data) VALUES (?, ?)", products)
        db.executemany("DELETE FROM products WHERE id = ?", [(i,) for i in deleted_products])
        db.executemany("INSERT OR REPLACE INTO collections (id, data) VALUES (?, ?)", collections)
        db.executemany("DELETE FROM collections WHERE id = ?", [(i,) for i in deleted_collections])
        db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta)


class Snapshotter:
    """Writes changed records to the state file, at most once per debounce interval."""

    def __init__(self, state: EmulatorState) -> None:
        assert state.config.state_file is not None
        self.state = state
        self.path = Path(state.config.state_file)
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def load(self) -> None:
        """Reload the store, then hand extra saved state to the subsystems that provided it."""
        if self.path.exists():
            meta = load_store(self.path, self.state.store)
            for name, part in self.state.hooks.snapshot_parts.items():
                if name in meta:
                    part.restore(meta[name])
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.state.store.on_dirty = self._on_dirty

    def _on_dirty(self) -> None:
        loop = self.state.loop
        if loop is None or self._task is not None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._task = loop.create_task(self._debounced())
        else:
            loop.call_soon_threadsafe(self._on_dirty)

    async def _debounced(self) -> None:
        try:
            await asyncio.sleep(self.state.config.snapshot_debounce_seconds)
        finally:
            self._task = None
        await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            store = self.state.store
            changes = store.take_changes()
            products = [
                (pid, json.dumps(to_jsonable(store.products[pid])))
                for pid in changes.products
                if pid in store.products
            ]
            collections = [
                (cid, json.dumps(to_jsonable(store.collections[cid])))
                for cid in changes.collections
                if cid in store.collections
            ]
            meta = [
                ("last_id", str(store.ids.last)),
                ("created_at", store.created_at.isoformat()),
                ("locations", json.dumps(to_jsonable(list(store.locations.values())))),
                (
                    "metafield_definitions",
                    json.dumps(to_jsonable(list(store.metafield_definitions.values()))),
                ),
                ("url_redirects", json.dumps(to_jsonable(list(store.url_redirects.values())))),
            ]
            meta += [(name, part.dump()) for name, part in self.state.hooks.snapshot_parts.items()]
            await asyncio.to_thread(
                _write,
                self.path,
                products,
                sorted(changes.deleted_products),
                collections,
                sorted(changes.deleted_collections),
                meta,
            )

    async def stop(self) -> None:
        self.state.store.on_dirty = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await self.flush()
