"""Outgoing HTTPS clients share one TLS context, and it still verifies certificates."""

from __future__ import annotations

import ssl

import pytest

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.shopify.tls import client_tls_context

pytestmark = pytest.mark.quick


async def test_shopify_clients_verify_certificates_through_one_shared_context() -> None:
    async with (
        ShopifyClient("one.myshopify.com", "token") as one,
        ShopifyClient("two.myshopify.com", "token") as two,
    ):
        contexts = [client.http._transport._pool._ssl_context for client in (one, two)]  # type: ignore[attr-defined]
    assert contexts[0] is contexts[1] is client_tls_context()
    context = client_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs(), "the CA bundle is loaded"
