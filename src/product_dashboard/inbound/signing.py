"""Shopify webhook signatures: base64(HMAC-SHA256(raw body, secret)), compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str | None, body: bytes, signature: str | None) -> bool:
    """True when `signature` is the body's HMAC under `secret`; False when either is missing."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), signature.strip().encode())
