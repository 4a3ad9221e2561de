"""The one way to the configured Shopify store: clients that share its cost pacer and breaker.

Shopify's cost budget is per store, and so is its health. Every caller (sync push and pull,
collection sync, inbound detect, reconcile and webhook registration) takes its client here, so
each request reserves from the store's one CostPacer and counts towards its one CircuitBreaker.
Without a store, every caller raises the same `ShopifyNotConfigured`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import Depends
from starlette.requests import HTTPConnection

from product_dashboard.config import Settings
from product_dashboard.exceptions import Conflict
from product_dashboard.shopify.api_version import ApiVersionWatch
from product_dashboard.shopify.breaker import CircuitBreaker
from product_dashboard.shopify.client import DEFAULT_API_VERSION, ShopifyClient
from product_dashboard.shopify.pacer import CostPacer


class ShopifyNotConfigured(Conflict):
    kind = "shopify_not_configured"

    def __init__(self) -> None:
        super().__init__(
            "Shopify is not configured: set SHOPIFY_STORE_URL and SHOPIFY_ACCESS_TOKEN "
            "(the start script points them at the local store emulator)."
        )


@dataclass(frozen=True, slots=True)
class StoreAccess:
    """Where the store is and how to talk to it."""

    url: str
    token: str
    api_version: str = DEFAULT_API_VERSION
    timeout_seconds: float = 30.0
    max_retries: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreAccess | None:
        if not (settings.shopify_store_url and settings.shopify_access_token):
            return None
        return cls(
            url=settings.shopify_store_url,
            token=settings.shopify_access_token,
            api_version=settings.shopify_api_version,
            timeout_seconds=settings.shopify_timeout_seconds,
            max_retries=settings.shopify_max_retries,
        )


class StoreGateway:
    """Builds the store's clients; `access=None` (no store configured) refuses every one."""

    def __init__(self, access: StoreAccess | None) -> None:
        self.access = access
        self.pacer = CostPacer()
        self.breaker = CircuitBreaker(name=access.url if access else "shopify")
        self.version_watch = ApiVersionWatch(access.api_version if access else "")

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreGateway:
        return cls(StoreAccess.from_settings(settings))

    @property
    def configured(self) -> bool:
        return self.access is not None

    def require_configured(self) -> StoreAccess:
        if self.access is None:
            raise ShopifyNotConfigured()
        return self.access

    def client(self) -> ShopifyClient:
        """A client with its own connection pool (close it) on the store's pacer and breaker."""
        access = self.require_configured()
        timeout = access.timeout_seconds
        return ShopifyClient(
            access.url,
            access.token,
            access.api_version,
            timeout=httpx.Timeout(
                connect=min(5.0, timeout), read=timeout, write=timeout, pool=30.0
            ),
            max_retries=access.max_retries,
            pacer=self.pacer,
            breaker=self.breaker,
            version_watch=self.version_watch,
        )


async def get_store_gateway(connection: HTTPConnection) -> StoreGateway:
    gateway: StoreGateway = connection.app.state.store_gateway
    return gateway


StoreGatewayDep = Annotated[StoreGateway, Depends(get_store_gateway)]
