from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from product_dashboard.icon.service import IconService


def get_icon_service(request: Request) -> IconService:
    service: IconService = request.app.state.icon_service
    return service


IconServiceDep = Annotated[IconService, Depends(get_icon_service)]
