from __future__ import annotations

import asyncio

import pytest

from product_dashboard.eventstream.bus import JOBS, SYNC, EventBus

pytestmark = pytest.mark.quick


async def test_fan_out_reaches_every_subscriber_of_the_channel_only() -> None:
    bus = EventBus()
    first, second, other = bus.subscribe([JOBS]), bus.subscribe([JOBS, SYNC]), bus.subscribe([SYNC])
    bus.publish(JOBS, "job.progress", {"id": "a"})
    assert (await first.get()).data == {"id": "a"}
    event = await second.get()
    assert (event.channel, event.type) == (JOBS, "job.progress")
    assert other.pending() == 0


async def test_slow_subscriber_loses_oldest_and_never_blocks_publisher() -> None:
    bus = EventBus()
    slow = bus.subscribe([JOBS], maxsize=3)
    fast = bus.subscribe([JOBS], maxsize=100)
    for n in range(10):
        bus.publish(JOBS, "tick", {"n": n})
    assert [slow.get_nowait().data["n"] for _ in range(3)] == [7, 8, 9]  # type: ignore[union-attr]
    assert slow.dropped == 7
    assert fast.pending() == 10 and fast.dropped == 0


async def test_unknown_channel_fails_loudly_and_added_channels_work() -> None:
    bus = EventBus()
    with pytest.raises(ValueError, match="unknown channel"):
        bus.publish("jbos", "typo")
    with pytest.raises(ValueError, match="unknown channel"):
        bus.subscribe(["jbos"])
    bus.add_channel("icons")
    sub = bus.subscribe(["icons"])
    bus.publish("icons", "icon.done", {"n": 1})
    assert sub.get_nowait() is not None
    with pytest.raises(ValueError, match="invalid channel"):
        bus.add_channel("Bad Name")


async def test_unsubscribe_and_close_stop_delivery_and_end_iteration() -> None:
    bus = EventBus()
    sub = bus.subscribe([JOBS, SYNC])
    sub.unsubscribe(SYNC)
    bus.publish(SYNC, "ignored")
    assert sub.pending() == 0 and bus.subscriber_count(SYNC) == 0

    received: list[str] = []

    async def consume() -> None:
        async for event in sub:
            received.append(event.type)

    consumer = asyncio.create_task(consume())
    bus.publish(JOBS, "one")
    bus.publish(JOBS, "two")
    await asyncio.sleep(0)
    sub.close()
    await asyncio.wait_for(consumer, 5)
    assert received == ["one", "two"]
    assert bus.subscriber_count(JOBS) == 0


async def test_event_json_shape() -> None:
    event = EventBus().publish(JOBS, "job.started", {"id": "x"})
    body = event.to_json()
    assert set(body) == {"channel", "type", "data", "at"}
    assert body["at"].endswith("+00:00")
