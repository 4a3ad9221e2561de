from __future__ import annotations

from fastapi import APIRouter, Request, status

from product_dashboard.auth import service
from product_dashboard.auth.dependencies import CurrentPrincipal, SettingsDep
from product_dashboard.auth.ratelimit import RateLimiter, per_hour, per_minute
from product_dashboard.auth.schemas import LoginRequest, RegisterRequest, TokenResponse, UserRead
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Unauthorized

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _client_key(request: Request) -> str:
    return f"ip:{request.client.host if request.client else 'unknown'}"


@router.post("/login", response_model=TokenResponse)
async def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenResponse:
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit(per_minute(settings.login_rate_limit_per_minute), f"login:{_client_key(request)}")
    account = f"login:account:{body.email.lower()}"
    await limiter.slow_down(account)
    try:
        user = await service.authenticate(session, body.email, body.password)
    except Unauthorized:
        limiter.record_failure(account)
        raise
    limiter.clear_failures(account)
    token, _ = service.issue_token(user, settings)
    return TokenResponse(access_token=token, expires_in=settings.access_token_expire_minutes * 60)


@router.post("/register", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def register(
    body: RegisterRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> UserRead:
    limit = per_hour(settings.register_rate_limit_per_hour)
    request.app.state.rate_limiter.hit(limit, f"register:{_client_key(request)}")
    user = await service.register(session, settings, body.email, body.password)
    return UserRead.model_validate(user)


@router.get("/me", response_model=UserRead)
async def me(principal: CurrentPrincipal) -> UserRead:
    return UserRead.model_validate(principal.user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentPrincipal, session: SessionDep) -> None:
    await service.logout(session, principal.claims)
