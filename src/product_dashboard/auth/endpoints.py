from __future__ import annotations

from fastapi import APIRouter, Request, status

from product_dashboard.auth import service
from product_dashboard.auth.dependencies import CurrentPrincipal, RateLimiterDep
from product_dashboard.auth.ratelimit import per_hour, per_minute
from product_dashboard.auth.schemas import (
    ChangePasswordRequest,
    LoginRequest,
    RegisterRequest,
    RegistrationReceived,
    TokenResponse,
    UserRead,
)
from product_dashboard.config import Settings, SettingsDep
from product_dashboard.db import SessionDep
from product_dashboard.exceptions import Unauthorized

router = APIRouter(prefix="/api/auth", tags=["auth"])


def _client_key(request: Request) -> str:
    return f"ip:{request.client.host if request.client else 'unknown'}"


@router.post("/login", response_model=TokenResponse)
async def login(
    body: LoginRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenResponse:
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
    return _token_response(token, settings)


def _token_response(token: str, settings: Settings) -> TokenResponse:
    return TokenResponse(access_token=token, expires_in=settings.access_token_expire_minutes * 60)


REGISTRATION_RECEIVED = (
    "Registration received. If this address had no account, it now has a viewer account: "
    "log in with the password you chose."
)


@router.post("/register", response_model=RegistrationReceived, status_code=status.HTTP_202_ACCEPTED)
async def register(
    body: RegisterRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> RegistrationReceived:
    """Open a viewer account when registration is switched on (ALLOW_REGISTRATION). The answer
    is the same whether or not the address was taken, so it reveals no account."""
    limit = per_hour(settings.register_rate_limit_per_hour)
    limiter.hit(limit, f"register:{_client_key(request)}")
    await service.register(session, settings, body.email, body.password)
    return RegistrationReceived(detail=REGISTRATION_RECEIVED)


@router.post("/password", response_model=TokenResponse)
async def change_password(
    body: ChangePasswordRequest,
    limiter: RateLimiterDep,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenResponse:
    """Change your own password (the current one is asked for). Every other session of yours
    ends; this one continues with the token returned."""
    limit = per_minute(settings.login_rate_limit_per_minute)
    limiter.hit(limit, f"password:user:{principal.user.id}")
    token, _ = await service.change_own_password(
        session, settings, principal.user, body.current_password, body.new_password
    )
    return _token_response(token, settings)


@router.get("/me", response_model=UserRead)
async def me(principal: CurrentPrincipal) -> UserRead:
    return UserRead.model_validate(principal.user)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentPrincipal, session: SessionDep) -> None:
    await service.logout(session, principal.claims)
