"""HMAC signing of webhook bodies as Shopify does it."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign_body(secret: str, body: bytes) -> str:
    """Return base64(HMAC-SHA256(body, secret)), the `X-Shopify-Hmac-Sha256` header value."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(secret: str, body: bytes, header_value: str) -> bool:
    """Constant-time check of an `X-Shopify-Hmac-Sha256` header against the raw body."""
    return hmac.compare_digest(sign_body(secret, body), header_value)
