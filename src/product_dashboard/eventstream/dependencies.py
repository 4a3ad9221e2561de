from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from product_dashboard.eventstream.bus import EventBus
from product_dashboard.eventstream.config import StreamConfig


async def get_event_bus(connection: HTTPConnection) -> EventBus:
    bus: EventBus = connection.app.state.event_bus
    return bus


EventBusDep = Annotated[EventBus, Depends(get_event_bus)]


async def get_stream_config(connection: HTTPConnection) -> StreamConfig:
    config: StreamConfig = connection.app.state.eventstream
    return config


StreamConfigDep = Annotated[StreamConfig, Depends(get_stream_config)]
