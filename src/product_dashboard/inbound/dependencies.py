from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from product_dashboard.inbound.service import Inbound


async def get_inbound(connection: HTTPConnection) -> Inbound:
    inbound: Inbound = connection.app.state.inbound
    return inbound


InboundDep = Annotated[Inbound, Depends(get_inbound)]
