"""Who is calling: typed dependency aliases for any user, writers and admins."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from product_dashboard.auth.ratelimit import RateLimiter
from product_dashboard.auth.repository import UserRepository
from product_dashboard.auth.security import TokenClaims, decode_access_token
from product_dashboard.config import Settings, SettingsDep
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Forbidden, Unauthorized
from product_dashboard.kit.time import as_utc, utcnow
from product_dashboard.models import Role, User

_bearer = HTTPBearer(auto_error=False, description="JWT from POST /api/auth/login")


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    claims: TokenClaims


async def get_rate_limiter(connection: HTTPConnection) -> RateLimiter:
    limiter: RateLimiter = connection.app.state.rate_limiter
    return limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


@lru_cache(maxsize=1024)
def _verified_claims(token: str, secret: str, algorithm: str) -> TokenClaims | None:
    """Signature and shape are checked once per token (~0.1 ms each time otherwise); the caller
    checks expiry on every use, and revocation and the account are read from the database."""
    return decode_access_token(token, secret=secret, algorithm=algorithm)


async def resolve_token(session: SessionDep, settings: Settings, token: str) -> Principal:
    claims = _verified_claims(token, settings.jwt_secret, settings.jwt_algorithm)
    if claims is None or claims.expires_at <= utcnow():
        raise Unauthorized("Invalid or expired token.")
    user, revoked = await UserRepository(session).get_unless_revoked(claims.user_id, claims.jti)
    if revoked:
        raise Unauthorized("This token has been revoked; log in again.")
    if user is None or not user.is_active:
        raise Unauthorized("The account for this token no longer exists or is disabled.")
    # Read with the user on every request: the cached claims only say when the token was issued.
    if user.sessions_revoked_at is not None and claims.issued_at <= as_utc(
        user.sessions_revoked_at
    ):
        raise Unauthorized(
            "This session has been ended (password reset or sign-out); log in again."
        )
    return Principal(user=user, claims=claims)


async def get_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Missing bearer token.")
    return await resolve_token(session, settings, credentials.credentials)


async def get_writer(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.user.can_write:
        raise Forbidden("Your role (viewer) can read but not change anything.")
    return principal


async def get_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.user.role != Role.admin:
        raise Forbidden("Only administrators can do this.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
WriterPrincipal = Annotated[Principal, Depends(get_writer)]
AdminPrincipal = Annotated[Principal, Depends(get_admin)]
