"""A full pull applies a products part before every variants part is read: each product waits
only for the variants parts whose id ranges hold its variants, in stream order."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.shopify.export import product_number
from product_dashboard.sync.pull.apply import ChunkResult
from product_dashboard.sync.pull.engine import PullCheckpoint, PullParams
from tests.sync.pull.conftest import Store, local_products, pull
from tests.sync.pull.test_pull_slots import Watch

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]
CHUNK = 20
# Only a guard against a hang: a variants part held until a chunk is applied is let go after
# this long all the same (a pull that reads every variant first would wait forever); long
# enough that a loaded machine still applies its first chunk well before.
GUARD_SECONDS = 30.0

_OPTIONS = "query($id: ID!) { product(id: $id) { options { name optionValues { name } } } }"
_ADD_VARIANT = """
mutation($id: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkCreate(productId: $id, variants: $variants) {
    productVariants { id }
    userErrors { field message code }
  }
}
"""


class HoldVariantsPart(Watch):
    """Holds the variants part at `index` (as it starts, before it can be read) until a chunk
    of products is applied; stops after `stop_after` chunks."""

    def __init__(self, index: int, stop_after: int | None = None) -> None:
        super().__init__(stop_after)
        self.index = index
        self.applied = asyncio.Event()
        self.held = False
        self.released_by_a_chunk: bool | None = None

    async def on_chunk(self, result: ChunkResult, checkpoint: PullCheckpoint) -> None:
        await super().on_chunk(result, checkpoint)
        self.applied.set()

    async def on_checkpoint(self, checkpoint: PullCheckpoint, *, flush: bool = False) -> None:
        self.checkpoint = checkpoint
        parts = checkpoint.variant_parts or []
        if self.held or len(parts) < 2 or not parts[self.index].operation_id:
            return
        self.held = True  # saved as it started: it is not read before this returns
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.applied.wait(), GUARD_SECONDS)
        self.released_by_a_chunk = self.applied.is_set()


async def _seeded_in_id_order(store: Store, count: int) -> list[str]:
    return sorted(await store.seed(count), key=product_number)


async def _add_variant_with_metafield(store: Store, shopify_id: str) -> str:
    """A new variant (its id above every other's: the last variants part) with a metafield."""
    response = await store.client.execute(_OPTIONS, {"id": shopify_id})
    options = response.data["product"]["options"]
    values = [
        {"optionName": option["name"], "name": "Pipelined" if n == 0 else value["name"]}
        for n, option in enumerate(options)
        for value in option["optionValues"][:1]
    ]
    created = await store.client.execute(
        _ADD_VARIANT,
        {
            "id": shopify_id,
            "variants": [
                {
                    "optionValues": values,
                    "price": "12.00",
                    "metafields": [
                        {
                            "namespace": "custom",
                            "key": "pipelined",
                            "type": "single_line_text_field",
                            "value": "late",
                        }
                    ],
                }
            ],
        },
        idempotent=False,
    )
    payload = created.data["productVariantsBulkCreate"]
    assert payload["userErrors"] == []
    variant_id: str = payload["productVariants"][0]["id"]
    return variant_id


async def _late_variant_metafields(sessions: Sessions, shopify_id: str) -> list[tuple[str, str]]:
    """The local product's variant metafields of the variant added last, and whether every
    variant's list is known."""
    [product] = [p for p in await local_products(sessions) if p.shopify_product_id == shopify_id]
    assert product.variant_metafields_complete
    return sorted((m.key, m.value) for m in product.metafields if m.variant_id is not None)


async def test_a_products_part_is_applied_before_a_later_variants_part_is_read(
    sessions: Sessions, store: Store
) -> None:
    await store.seed(300)
    hooks = HoldVariantsPart(index=1)

    report = await pull(sessions, store, PullParams(kind="full", chunk_size=CHUNK), hooks=hooks)

    assert hooks.held and hooks.released_by_a_chunk is True
    assert report.outcomes == {"created": 300}
    local = await local_products(sessions)
    assert len(local) == 300
    assert all(p.variant_metafields_complete for p in local)


async def test_a_product_whose_variant_is_in_a_later_variants_part_waits_for_it(
    sessions: Sessions, store: Store
) -> None:
    ids = await _seeded_in_id_order(store, 300)
    late = ids[CHUNK + 10]  # in the first products part's second chunk
    await _add_variant_with_metafield(store, late)
    hooks = HoldVariantsPart(index=-1)

    report = await pull(sessions, store, PullParams(kind="full", chunk_size=CHUNK), hooks=hooks)

    assert hooks.held and hooks.released_by_a_chunk is True
    assert report.outcomes == {"created": 300}
    assert ("pipelined", "late") in await _late_variant_metafields(sessions, late)


async def test_a_pull_stopped_while_a_product_waits_for_its_variants_resumes_each_once(
    sessions: Sessions, store: Store
) -> None:
    ids = await _seeded_in_id_order(store, 300)
    late = ids[CHUNK + 10]
    await _add_variant_with_metafield(store, late)
    hooks = HoldVariantsPart(index=-1, stop_after=1)
    params = PullParams(kind="full", chunk_size=CHUNK)

    first = await pull(sessions, store, params, hooks=hooks)

    assert hooks.held and hooks.released_by_a_chunk is True
    assert first.stopped and first.outcomes == {"created": CHUNK}
    checkpoint = hooks.checkpoint
    assert checkpoint is not None and checkpoint.applied == CHUNK

    resumed = await pull(sessions, store, params, checkpoint=checkpoint)

    assert not resumed.stopped
    assert resumed.outcomes == {"created": 300}  # tally carried over, nothing twice
    local = await local_products(sessions)
    assert sorted(p.shopify_product_id or "" for p in local) == sorted(ids)
    assert ("pipelined", "late") in await _late_variant_metafields(sessions, late)
