"""Which Admin API version the store really answers in.

Shopify serves each quarterly version for about a year; a request for a retired one is answered
as the oldest supported version, whose semantics may differ, and the `X-Shopify-API-Version`
response header names the version that served it. One watch per store (the gateway shares it
between its clients) notes the served version, logs the first mismatch, and keeps it for
`/readyz`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import BaseModel

logger = logging.getLogger(__name__)

HEADER = "X-Shopify-API-Version"


class ApiVersionMismatch(BaseModel):
    """The store answered in another version than the one asked for."""

    asked: str
    served: str


@dataclass
class ApiVersionWatch:
    asked: str
    served: str | None = None

    def record(self, served: str | None) -> None:
        if not served or served == self.served:
            return
        self.served = served
        if served != self.asked:
            logger.warning(
                "Shopify answered Admin API %s requests as version %s (%s is retired or "
                "unknown there): set SHOPIFY_API_VERSION to a supported version",
                self.asked,
                served,
                self.asked,
            )

    @property
    def mismatch(self) -> ApiVersionMismatch | None:
        if self.served is None or self.served == self.asked:
            return None
        return ApiVersionMismatch(asked=self.asked, served=self.served)
