"""Bulk chunk sizes: grow from the first chunk, shrink again before the end."""

from __future__ import annotations

import pytest

from product_dashboard.sync.push.bulk import next_bulk_chunk

pytestmark = pytest.mark.quick


def schedule(total: int, first: int, largest: int) -> list[int]:
    sizes: list[int] = []
    target, left = first, total
    while left > 0:
        size = min(target, left)
        sizes.append(size)
        left -= size
        target = next_bulk_chunk(target, left, smallest=first, largest=largest)
    return sizes


def test_chunks_grow_by_half_up_to_the_largest() -> None:
    sizes = schedule(200_000, 1_000, 5_000)
    assert sizes[:5] == [1_000, 1_500, 2_250, 3_375, 5_000]
    assert max(sizes) == 5_000


def test_chunks_shrink_to_the_smallest_before_the_end() -> None:
    sizes = schedule(20_000, 1_000, 5_000)
    assert sum(sizes) == 20_000
    peak = sizes.index(max(sizes))
    tail = sizes[peak:]
    assert tail == sorted(tail, reverse=True)
    assert sizes[-1] <= 1_000
    assert sizes[-2] <= 1_000


def test_a_small_push_stays_at_the_smallest_size() -> None:
    assert next_bulk_chunk(1_000, 500, smallest=1_000, largest=5_000) == 1_000
    assert next_bulk_chunk(1, 0, smallest=1, largest=1) == 1
