"""Waiting out a store that told us to wait: its open circuit breaker, or a throttle storm the
client gave up on. Bounded, and cut short when the caller is stopping.

    status = await patiently(lambda: get_bulk_operation(client, operation_id), stopping=stopping)

A long job (a push's sends, a bulk operation's status reads, an export's parts) would otherwise
fail on the first call that meets an open breaker, while the breaker only asks for a pause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from product_dashboard.shopify.errors import CircuitOpenError, ThrottledError

__all__ = ["MAX_WAITS", "patiently"]

T = TypeVar("T")

MAX_WAITS = 10
"""Pauses one call may take before its error is raised (the breaker's recovery is 30 s)."""


def _never() -> bool:
    return False


async def patiently(
    call: Callable[[], Awaitable[T]],
    *,
    stopping: Callable[[], bool] = _never,
    max_waits: int = MAX_WAITS,
) -> T:
    """`call()`, called again after each pause an open circuit or a throttle asks for."""
    waits = 0
    while True:
        try:
            return await call()
        except CircuitOpenError as exc:
            pause = max(0.05, exc.retry_after)
            error: Exception = exc
        except ThrottledError as exc:
            pause = max(0.25, exc.wait_seconds)
            error = exc
        waits += 1
        if waits > max_waits or stopping():
            raise error
        await asyncio.sleep(pause)
