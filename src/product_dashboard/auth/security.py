"""Password hashing (Argon2id) and JWT access tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from product_dashboard.kit.time import utcnow

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Swap the hashing parameters (tests use argon2's cheapest profile to stay fast)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("timing-equaliser-not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    jti: str
    expires_at: datetime


def create_access_token(
    user_id: int, *, secret: str, algorithm: str, expires_in: timedelta
) -> tuple[str, TokenClaims]:
    now = utcnow()
    claims = TokenClaims(user_id=user_id, jti=uuid.uuid4().hex, expires_at=now + expires_in)
    token = jwt.encode(
        {"sub": str(user_id), "jti": claims.jti, "iat": now, "exp": claims.expires_at},
        secret,
        algorithm=algorithm,
    )
    return token, claims


def decode_access_token(token: str, *, secret: str, algorithm: str) -> TokenClaims | None:
    """The token's claims, or None when it is malformed, badly signed or expired."""
    try:
        payload = jwt.decode(
            token, secret, algorithms=[algorithm], options={"require": ["sub", "jti", "exp"]}
        )
        return TokenClaims(
            user_id=int(payload["sub"]),
            jti=str(payload["jti"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=utcnow().tzinfo),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
