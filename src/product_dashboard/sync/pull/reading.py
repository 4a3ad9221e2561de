"""How an `auto` pull (and its preview) reads Shopify: page by page or by a bulk export,
whichever is estimated to be done sooner for the products it has to read.

Pages cost points (PAGE_POINTS_PER_PRODUCT), asked for at PAGE_PRODUCTS_PER_SECOND; their pace is
the plan's restore rate once the bucket is spent:

    t_pages = n / products_per_s + max(0, n · points / r - BUCKET_SECONDS)

A bulk export costs no points; its products and variants exports start one after the other and
share the shop's slots (`BulkTiming`, Shopify's pace as the push assumes it):

    t_bulk = 2 · startup + n · LINES_PER_PRODUCT / (lines_per_second · slots)

On the Standard plan (100 points/s) bulk is sooner from 25 products, on Plus (1,000) from 77
(there the pages' requests, not their points, set their pace).
With the restore rate unknown, bulk from BULK_UNKNOWN_PLAN_FROM, as the push.
"""

from __future__ import annotations

from product_dashboard.shopify import plan_rate
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.export import count_matching
from product_dashboard.sync.push.modes import BUCKET_SECONDS, BULK_UNKNOWN_PLAN_FROM, BulkTiming

# Measured on the emulator's cost model (Shopify's rules) with the demo catalog (5.9 variants a
# product, products past VARIANTS_PER_PAGE_PRODUCT read again whole): 112 points a product
# actually spent, 302 asked for; a page of 6 products with its whole reads ~1.2 s of requests.
PAGE_POINTS_PER_PRODUCT = 110.0
PAGE_PRODUCTS_PER_SECOND = 5.0
LINES_PER_PRODUCT = 7.0  # the product's line and its variants' in the two exports


def pages_seconds(count: int, restore_rate: float) -> float:
    drain = count * PAGE_POINTS_PER_PRODUCT / restore_rate - BUCKET_SECONDS
    return count / PAGE_PRODUCTS_PER_SECOND + max(0.0, drain)


def bulk_seconds(count: int, timing: BulkTiming) -> float:
    rate = timing.lines_per_second * timing.slots
    return 2 * timing.startup_seconds + count * LINES_PER_PRODUCT / rate


def bulk_is_sooner(
    count: int, restore_rate: float | None, timing: BulkTiming | None = None
) -> bool:
    if count == 0:
        return False
    if restore_rate is None:
        return count >= BULK_UNKNOWN_PLAN_FROM
    return bulk_seconds(count, timing or BulkTiming()) < pages_seconds(count, restore_rate)


async def read_plan(client: ShopifyClient, search: str | None) -> tuple[bool, int]:
    """Whether the products `search` matches are read in bulk, and how many match."""
    count = await count_matching(client, search)
    return bulk_is_sooner(count, await plan_rate.restore_rate(client) if count else None), count


async def reads_in_bulk(client: ShopifyClient, search: str | None) -> bool:
    return (await read_plan(client, search))[0]
