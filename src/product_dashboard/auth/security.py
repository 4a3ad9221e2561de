"""Password hashing (Argon2id) and JWT access tokens."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from product_dashboard.kit.time import utcnow

_hasher = PasswordHasher()
_DUMMY_PASSWORD = "timing-equaliser-not-a-password"
# Verified against when the account does not exist, so a login takes as long either way. Hashed
# when the app starts (`timing_dummy_hash`), not at import: ~0.45 s of CPU that every process
# importing this module paid (each CLI command, each test worker).
_dummy_hash: str | None = None


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Swap the hashing parameters (tests use argon2's cheapest profile to stay fast)."""
    global _hasher, _dummy_hash
    _hasher = hasher
    _dummy_hash = hasher.hash(_DUMMY_PASSWORD)


# Argon2 costs ~50 ms of CPU by design and releases the GIL: it runs on these threads, never on
# the event loop, and at most this many at once (a burst of logins queues instead of stalling).
_argon2_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


async def hash_password(password: str) -> str:
    hasher = _hasher
    return await asyncio.get_running_loop().run_in_executor(_argon2_threads, hasher.hash, password)


async def timing_dummy_hash() -> str:
    """The dummy hash, made on the Argon2 threads on first need (the app's start-up asks)."""
    global _dummy_hash
    if _dummy_hash is None:
        hasher = _hasher
        loop = asyncio.get_running_loop()
        _dummy_hash = await loop.run_in_executor(_argon2_threads, hasher.hash, _DUMMY_PASSWORD)
    return _dummy_hash


async def verify_password(password: str, password_hash: str | None) -> bool:
    hasher, stored = _hasher, password_hash or await timing_dummy_hash()

    def verify() -> bool:
        try:
            return hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    matches = await asyncio.get_running_loop().run_in_executor(_argon2_threads, verify)
    return matches and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


MIN_PASSWORD_LENGTH = 10


def generate_password() -> str:
    """A random password to hand over once (20 URL-safe characters, 120 bits)."""
    return secrets.token_urlsafe(15)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    jti: str
    issued_at: datetime
    expires_at: datetime


def create_access_token(
    user_id: int, *, secret: str, algorithm: str, expires_in: timedelta
) -> tuple[str, TokenClaims]:
    now = utcnow()
    claims = TokenClaims(
        user_id=user_id, jti=uuid.uuid4().hex, issued_at=now, expires_at=now + expires_in
    )
    # `iat` to the microsecond (JWT allows a fractional NumericDate): a login in the same second
    # as a revocation of the user's sessions must still count as after it.
    payload = {
        "sub": str(user_id),
        "jti": claims.jti,
        "iat": now.timestamp(),
        "exp": claims.expires_at,
    }
    return jwt.encode(payload, secret, algorithm=algorithm), claims


def decode_access_token(token: str, *, secret: str, algorithm: str) -> TokenClaims | None:
    """The token's claims, or None when it is malformed, badly signed or expired."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            options={"require": ["sub", "jti", "iat", "exp"]},
        )
        return TokenClaims(
            user_id=int(payload["sub"]),
            jti=str(payload["jti"]),
            issued_at=datetime.fromtimestamp(float(payload["iat"]), tz=UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return None
