"""Split a bulk export into product id ranges of about equal size, one per bulk slot.

Shopify runs up to five bulk operations per shop side by side, so an export split into five
parts of equal size ends in about a fifth of the time. Product ids grow with creation time but
not evenly (an import adds thousands in a day, then a few a week), so equal id *widths* would
leave one part holding most of the catalog and running alone. The plan therefore counts:

1. one request: how many products match, the lowest and the highest id;
2. the span cut into `PROBES_PER_SLOT` times `slots` pieces of equal width, each counted
   (`productsCount(query: "id:>=a AND id:<b")`, concurrently: a count costs one point);
3. pieces still holding more than a quarter of a part's share cut again, once;
4. the pieces grouped, in id order, into `slots` parts of about `total / slots` products
   (each cut at the piece boundary nearest its share).

A catalog too small to be worth more than one operation (`MIN_PER_PART` per part) is one part.
Each part is an `ExportPart`: its search, and what the pull has done with it (the bulk
operation, when it started, how many of its products were applied, whether all were), kept in
the pull's checkpoint so a resumed pull collects each part where it stopped.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from product_dashboard.job.typed import JobModel
from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.documents import PRODUCTS_COUNT, PRODUCTS_ID_SPAN

PROBES_PER_SLOT = 8
# Below this many products per part, one more bulk operation saves less than it costs.
MIN_PER_PART = 50


class ExportPart(JobModel):
    """One bulk query of an export and how far the pull got with it."""

    search: str | None = None
    operation_id: str | None = None
    started_at: str | None = None
    """Our clock just before the operation was asked for (what deletions compare links to)."""
    applied: int = 0
    """Its first `applied` products are applied (skipped when the part is streamed again)."""
    done: bool = False
    """Every product of it was applied."""


@dataclass(frozen=True, slots=True)
class _Piece:
    low: int  # inclusive
    high: int  # exclusive
    count: int


def product_number(gid: str) -> int:
    """The numeric id of `gid://shopify/Product/123`."""
    return int(gid.rsplit("/", 1)[-1].split("?", 1)[0])


def id_range_filter(low: int | None, high: int | None) -> str | None:
    """Shopify search syntax for `low <= id < high` (either bound may be open)."""
    terms = ([f"id:>={low}"] if low is not None else []) + (
        [f"id:<{high}"] if high is not None else []
    )
    return " AND ".join(terms) or None


def _joined(search: str | None, extra: str | None) -> str | None:
    parts = [part for part in (search, extra) if part]
    return " AND ".join(parts) or None


async def _count(client: ShopifyClient, search: str | None) -> int:
    response = await client.execute(PRODUCTS_COUNT, {"query": search})
    return int((response.data.get("productsCount") or {}).get("count") or 0)


async def _cut(client: ShopifyClient, search: str | None, piece: _Piece, ways: int) -> list[_Piece]:
    """`piece` cut into up to `ways` pieces of equal id width, each counted."""
    width = max(1, math.ceil((piece.high - piece.low) / ways))
    spans = list(itertools.pairwise([*range(piece.low, piece.high, width), piece.high]))
    counts = await asyncio.gather(
        *(_count(client, _joined(search, id_range_filter(lo, hi))) for lo, hi in spans)
    )
    return [_Piece(lo, hi, n) for (lo, hi), n in zip(spans, counts, strict=True) if n]


def _group(pieces: Sequence[_Piece], total: int, slots: int) -> list[tuple[int, int]]:
    """Consecutive pieces grouped into at most `slots` id ranges of about `total / slots`: each
    cut falls at the piece boundary whose running count is nearest its share."""
    running = list(itertools.accumulate(piece.count for piece in pieces))
    cuts: list[int] = []  # index of the last piece of each group but the last
    for k in range(1, min(slots, len(pieces))):
        first = cuts[-1] + 1 if cuts else 0
        last = len(pieces) - 1 - (min(slots, len(pieces)) - k)  # pieces left for the rest
        if first > last:
            break
        target = total * k / slots
        cuts.append(min(range(first, last + 1), key=lambda i: abs(running[i] - target)))
    starts = [0, *(cut + 1 for cut in cuts)]
    ends = [*cuts, len(pieces) - 1]
    return [(pieces[a].low, pieces[b].high) for a, b in zip(starts, ends, strict=True)]


async def plan_export(
    client: ShopifyClient, search: str | None, slots: int
) -> tuple[list[ExportPart], int]:
    """The parts of an export of the products matching `search`, and how many products match."""
    response = await client.execute(PRODUCTS_ID_SPAN, {"query": search})
    data = response.data
    total = int((data.get("total") or {}).get("count") or 0)
    lowest = (data.get("lowest") or {}).get("nodes") or []
    highest = (data.get("highest") or {}).get("nodes") or []
    parts = min(slots, total // MIN_PER_PART)
    if parts <= 1 or not lowest or not highest:
        return [ExportPart(search=search)], total
    span = _Piece(product_number(lowest[0]["id"]), product_number(highest[0]["id"]) + 1, total)
    pieces = await _cut(client, search, span, PROBES_PER_SLOT * parts)
    share = total / parts
    refined: list[_Piece] = []
    for piece in pieces:
        if piece.count > share / 4 and piece.high - piece.low > 1:
            refined.extend(await _cut(client, search, piece, 2 * PROBES_PER_SLOT))
        else:
            refined.append(piece)
    ranges = _group(refined, sum(piece.count for piece in refined), parts)
    # The outer bounds stay open: a product created meanwhile outside the span is exported too.
    bounds: list[tuple[int | None, int | None]] = list(ranges)
    bounds[0] = (None, bounds[0][1])
    bounds[-1] = (bounds[-1][0], None)
    parts_planned = [ExportPart(search=_joined(search, id_range_filter(*b))) for b in bounds]
    return parts_planned, total
