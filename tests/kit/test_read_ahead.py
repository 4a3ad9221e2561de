"""`batches_ahead`: a stream in batches, read ahead of its consumer, ended cleanly either way."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from product_dashboard.kit.read_ahead import batches_ahead


class Source:
    """Numbers 0..n-1, noting how far they were read and whether the stream was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n = n
        self.fail_at = fail_at
        self.read = 0
        self.closed = False

    async def items(self) -> AsyncIterator[int]:
        try:
            for i in range(self.n):
                if i == self.fail_at:
                    raise ValueError(f"bad line {i}")
                await asyncio.sleep(0)
                self.read = i + 1
                yield i
        finally:
            self.closed = True


async def test_every_item_arrives_in_order_in_batches_of_the_size() -> None:
    source = Source(7)
    async with contextlib.aclosing(batches_ahead(source.items(), 3)) as batches:
        got = [batch async for batch in batches]
    assert got == [[0, 1, 2], [3, 4, 5], [6]]
    assert source.closed


async def test_the_reader_runs_ahead_while_a_batch_is_applied_but_only_so_far() -> None:
    source = Source(100)
    async with contextlib.aclosing(batches_ahead(source.items(), 5, ahead=2)) as batches:
        first = await anext(batches)
        for _ in range(50):  # the consumer "waits on its database"
            await asyncio.sleep(0)
        assert first == [0, 1, 2, 3, 4]
        # read: the batch taken, two queued, one being filled (blocked on the full queue)
        assert source.read == 20


async def test_a_read_error_comes_after_the_items_read_before_it() -> None:
    source = Source(10, fail_at=4)
    got: list[list[int]] = []
    with pytest.raises(ValueError, match="bad line 4"):
        async with contextlib.aclosing(batches_ahead(source.items(), 3)) as batches:
            async for batch in batches:
                got.append(batch)
    assert got == [[0, 1, 2], [3]]


async def test_closing_early_stops_the_reader_and_closes_the_source() -> None:
    source = Source(1000)
    async with contextlib.aclosing(batches_ahead(source.items(), 10)) as batches:
        async for _ in batches:
            break
    assert source.closed
    assert source.read < 1000
