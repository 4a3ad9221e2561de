"""An async stream read by a task of its own, a few batches ahead of the one consuming it.

    async with contextlib.aclosing(batches_ahead(items, 200)) as batches:
        async for batch in batches:
            await apply(batch)   # meanwhile the next batches are read

A consumer that waits on its database (SQLite works on a thread of its own, the GIL released)
would leave the event loop idle; reading (download, parse, mapping) fills that time instead.
Closing the stream early stops the reader; an error while reading is raised to the consumer
once the batches read before it are taken.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

__all__ = ["batches_ahead"]

T = TypeVar("T")


class _End:
    """What the reader puts last: the error that ended it, or None at the stream's end."""

    __slots__ = ("error",)

    def __init__(self, error: Exception | None) -> None:
        self.error = error


async def batches_ahead(
    items: AsyncIterator[T], size: int, ahead: int = 2
) -> AsyncGenerator[list[T], None]:
    """`items` in lists of `size` (the last one shorter), read up to `ahead` lists before they
    are taken."""
    queue: asyncio.Queue[list[T] | _End] = asyncio.Queue(maxsize=ahead)

    async def read() -> None:
        batch: list[T] = []
        try:
            async for item in items:
                batch.append(item)
                if len(batch) >= size:
                    await queue.put(batch)
                    batch = []
        except Exception as exc:  # the consumer's to raise, after what was read before it
            if batch:
                await queue.put(batch)
            await queue.put(_End(exc))
            return
        if batch:
            await queue.put(batch)
        await queue.put(_End(None))

    reader = asyncio.create_task(read())
    try:
        while True:
            got = await queue.get()
            if isinstance(got, _End):
                if got.error is not None:
                    raise got.error
                return
            yield got
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
