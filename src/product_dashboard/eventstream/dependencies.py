from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from product_dashboard.eventstream.bus import EventBus


def get_event_bus(request: Request) -> EventBus:
    bus: EventBus = request.app.state.event_bus
    return bus


EventBusDep = Annotated[EventBus, Depends(get_event_bus)]
