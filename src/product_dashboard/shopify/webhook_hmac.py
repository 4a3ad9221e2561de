"""Shopify webhook signatures: base64(HMAC-SHA256(raw body, app secret)), constant-time check."""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["HMAC_HEADER", "sign_webhook", "verify_webhook"]

HMAC_HEADER = "X-Shopify-Hmac-Sha256"


def sign_webhook(body: bytes, secret: str) -> str:
    """The `X-Shopify-Hmac-Sha256` value Shopify sends for `body`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_webhook(body: bytes, secret: str, header_value: str | None) -> bool:
    """Whether `header_value` signs the raw `body` (verify before parsing it)."""
    if not header_value:
        return False
    expected = sign_webhook(body, secret)
    return hmac.compare_digest(
        expected.encode("ascii"), header_value.strip().encode("ascii", "replace")
    )
