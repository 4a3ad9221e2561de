from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from product_dashboard.icon.service import IconService


async def get_icon_service(connection: HTTPConnection) -> IconService:
    service: IconService = connection.app.state.icon_service
    return service


IconServiceDep = Annotated[IconService, Depends(get_icon_service)]
