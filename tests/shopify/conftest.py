"""Fixtures for the Shopify client tests: a virtual clock and, when present, the emulator."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import httpx
import pytest

from product_dashboard.shopify.tls import client_tls_context
from shopify_emulator.testing import EmulatorServer
from tests.fixtures.emulator import EMULATOR_TOKEN, reset_emulator

T = TypeVar("T")


class VirtualClock:
    """Deterministic time for async code: `sleep` parks until `run` advances the clock to it."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self.now + max(0.0, delay), next(self._seq), future))
        await future

    async def run(self, *coros: Awaitable[T]) -> list[T]:
        """Run coroutines concurrently, jumping time forward whenever all of them are parked."""
        tasks = [asyncio.ensure_future(coro) for coro in coros]
        while not all(task.done() for task in tasks):
            for _ in range(50):
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            while self._heap and self._heap[0][2].done():
                heapq.heappop(self._heap)
            if not self._heap:
                for task in tasks:
                    task.cancel()
                raise RuntimeError("deadlock: every task waits and nothing is scheduled")
            when, _, future = heapq.heappop(self._heap)
            self.now = max(self.now, when)
            future.set_result(None)
        return [task.result() for task in tasks]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


class EmulatorKnobs:
    """The emulator's `/_emulator/*` test knobs, over real HTTP."""

    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url
        self._http = http

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self._http.post(
            f"{self.base_url}/_emulator/{path}",
            json=body,
            headers={"X-Shopify-Access-Token": EMULATOR_TOKEN},
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def config(self, **settings: Any) -> dict[str, Any]:
        return await self._post("config", settings)

    async def faults(self, **settings: Any) -> dict[str, Any]:
        return await self._post("faults", settings)

    async def seed(self, products: int, seed: int = 7) -> dict[str, Any]:
        return await self._post("seed", {"products": products, "seed": seed})

    async def stats(self) -> dict[str, Any]:
        response = await self._http.get(
            f"{self.base_url}/_emulator/stats", headers={"X-Shopify-Access-Token": EMULATOR_TOKEN}
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
async def emulator(emulator_server: EmulatorServer) -> AsyncIterator[EmulatorKnobs]:
    """The shared emulator, reset to an empty Standard-plan store with no faults."""
    reset_emulator(emulator_server.base_url, plan="standard")
    async with httpx.AsyncClient(timeout=30, verify=client_tls_context()) as http:
        yield EmulatorKnobs(emulator_server.base_url, http)
