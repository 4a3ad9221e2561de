"""A worker pool whose size follows a target that may change while it runs.

Workers take units from a bounded queue. A worker whose index is at or above the current target
exits after finishing its unit (scale down); a controller starts workers up to the target (scale
up). On stop the producer stops feeding, queued units are dropped (they were never sent), and
in-flight units finish: nothing is abandoned half-way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from typing import Generic, TypeVar

T = TypeVar("T")

_END = object()


class WorkerPool(Generic[T]):
    def __init__(
        self,
        handle: Callable[[T], Awaitable[None]],
        *,
        target: Callable[[], int],
        max_workers: int,
        should_stop: Callable[[], bool],
        control_interval: float = 0.2,
    ) -> None:
        self._handle = handle
        self._target = target
        self._max = max_workers
        self._should_stop = should_stop
        self._interval = control_interval
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max_workers * 2)
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._current_target = 1
        self._ended = False
        self._queued = 0  # units waiting in the queue (end markers not counted)
        self.lowest = 0
        self.highest = 0

    @property
    def size(self) -> int:
        return len(self._workers)

    async def run(self, units: AsyncIterator[T]) -> None:
        producer = asyncio.create_task(self._produce(units))
        try:
            self._queued = 1  # scale at least once
            self._scale()
            self._queued = 0
            while self._workers:
                done, _ = await asyncio.wait(list(self._workers.values()), timeout=self._interval)
                for task in done:
                    task.result()  # a handler bug surfaces here rather than vanishing
                self._workers = {i: t for i, t in self._workers.items() if not t.done()}
                if self._queued and not self._should_stop():
                    self._scale()
            if producer.done():
                producer.result()  # a failure while loading units is the run's failure
        finally:
            producer.cancel()
            with suppress(asyncio.CancelledError):
                await producer
            for task in self._workers.values():
                task.cancel()

    def _scale(self) -> None:
        self._current_target = max(1, min(self._max, self._target()))
        for index in range(self._current_target):
            if index not in self._workers:
                self._workers[index] = asyncio.create_task(self._work(index))
        target = self._current_target
        self.lowest = target if self.lowest == 0 else min(self.lowest, target)
        self.highest = max(self.highest, self._current_target)

    async def _produce(self, units: AsyncIterator[T]) -> None:
        try:
            async for unit in units:
                if self._should_stop():
                    break
                self._queued += 1
                await self._queue.put(unit)
        finally:
            self._ended = True
            for _ in range(self._max):
                with suppress(asyncio.QueueFull):
                    self._queue.put_nowait(_END)

    async def _work(self, index: int) -> None:
        while index < self._current_target and not self._should_stop():
            unit = await self._next_unit()
            if unit is _END:
                with suppress(asyncio.QueueFull):
                    self._queue.put_nowait(_END)  # leave one for the next worker
                return
            self._queued -= 1
            await self._handle(unit)  # type: ignore[arg-type]

    async def _next_unit(self) -> object:
        while True:
            try:
                return await asyncio.wait_for(self._queue.get(), self._interval)
            except TimeoutError:
                if self._should_stop():
                    return _END
                if self._ended and self._queue.empty():
                    return _END
