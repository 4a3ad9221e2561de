from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from product_dashboard.auth.ratelimit import RateLimiter, login_delay
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Role
from tests.auth.conftest import RecordingHasher
from tests.fixtures.app import PASSWORD, TEST_JWT_SECRET, UserFactory

pytestmark = pytest.mark.integration


async def test_registration_is_off_by_default(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/auth/register", json={"email": "a@example.com", "password": PASSWORD}
    )
    assert r.status_code == 403
    assert "switched off" in r.json()["detail"]


async def test_registration_only_ever_creates_viewers(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.settings.allow_registration = True
    for email in ("boss@example.com", "intern@example.com"):  # the very first one too
        r = await client.post("/api/auth/register", json={"email": email, "password": PASSWORD})
        assert r.status_code == 202, r.text
        login = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert (await client.get("/api/auth/me", headers=headers)).json()["role"] == "viewer"


async def test_registration_answer_does_not_reveal_taken_addresses(
    client: httpx.AsyncClient, app: FastAPI, make_user: UserFactory, recording: RecordingHasher
) -> None:
    app.state.settings.allow_registration = True
    await make_user(Role.admin, email="boss@example.com")
    recording.threads.clear()
    taken = await client.post(
        "/api/auth/register", json={"email": "Boss@Example.com", "password": "another password"}
    )
    hashes_when_taken = len(recording.threads)
    recording.threads.clear()
    free = await client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": "another password"}
    )
    assert taken.status_code == free.status_code == 202
    assert taken.json() == free.json()
    assert hashes_when_taken == len(recording.threads) == 1  # as slow either way
    # The taken account is untouched: still the admin, still with its own password.
    login = await client.post(
        "/api/auth/login", json={"email": "boss@example.com", "password": "another password"}
    )
    assert login.status_code == 401


async def test_login_me_logout_and_revoked_token_refused(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user(Role.viewer, email="a@example.com")
    login = await client.post(
        "/api/auth/login", json={"email": "a@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    body = login.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = await client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["email"] == "a@example.com"
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    refused = await client.get("/api/auth/me", headers=headers)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


async def test_wrong_password_and_unknown_user_look_alike(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user(Role.viewer, email="a@example.com")
    wrong = await client.post("/api/auth/login", json={"email": "a@example.com", "password": "x"})
    unknown = await client.post("/api/auth/login", json={"email": "b@example.com", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


@pytest.fixture
def delays(app: FastAPI) -> list[float]:
    """Login delays asked for, recorded instead of slept."""
    asked: list[float] = []

    async def record(seconds: float) -> None:
        asked.append(seconds)

    app.state.rate_limiter = RateLimiter(sleep=record)
    return asked


async def test_login_rate_limited_with_retry_after(
    client: httpx.AsyncClient, make_user: UserFactory, delays: list[float]
) -> None:
    await make_user(email="victim@example.com")
    statuses = []
    for _ in range(12):
        r = await client.post(
            "/api/auth/login", json={"email": "victim@example.com", "password": "wrong"}
        )
        statuses.append(r.status_code)
    assert 429 in statuses
    limited = await client.post(
        "/api/auth/login", json={"email": "victim@example.com", "password": PASSWORD}
    )
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1


async def test_registration_can_be_switched_off(
    client: httpx.AsyncClient, make_user: UserFactory, app: FastAPI
) -> None:
    await make_user()
    app.state.settings.allow_registration = False
    r = await client.post(
        "/api/auth/register", json={"email": "x@example.com", "password": PASSWORD}
    )
    assert r.status_code == 403


async def test_missing_and_garbage_tokens_are_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/auth/me")).status_code == 401
    r = await client.get("/api/auth/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"


async def test_failed_logins_slow_an_account_down_but_never_lock_it_out(
    app: FastAPI, make_user: UserFactory, delays: list[float]
) -> None:
    await make_user(email="target@example.com")
    # An attacker spreads guesses over many addresses, so no per-address limit stops them.
    for attempt in range(8):
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{attempt}", 1000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as attacker:
            body = {"email": "target@example.com", "password": f"guess {attempt}"}
            assert (await attacker.post("/api/auth/login", json=body)).status_code == 401
    assert delays == [0.5, 1.0, 2.0]  # from the sixth failure on, doubling

    transport = httpx.ASGITransport(app=app, client=("192.0.2.1", 1000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as owner:
        body = {"email": "target@example.com", "password": PASSWORD}
        response = await owner.post("/api/auth/login", json=body)
        assert response.status_code == 200, response.text  # slowed (4 s), not locked out
        assert delays[-1] == 4.0
        await owner.post("/api/auth/login", json=body)
        assert delays[-1] == 4.0 and len(delays) == 4  # success cleared the failures


def test_login_delays_double_and_stop_at_ten_seconds() -> None:
    assert [login_delay(n) for n in range(4, 12)] == [0, 0.5, 1, 2, 4, 8, 10, 10]


async def test_tokens_without_an_issue_time_are_refused(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user(Role.viewer, email="a@example.com")
    # Signed with the right secret, but without iat nothing says whether it predates a revocation.
    claims = {"sub": "1", "jti": "no-iat", "exp": utcnow() + timedelta(hours=1)}
    token = jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")
    r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_password_change_attempts_are_rate_limited(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    headers = await make_user(Role.viewer)
    body = {"current_password": "guess", "new_password": "a long new password"}
    statuses = [
        (await client.post("/api/auth/password", json=body, headers=headers)).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 422 and statuses[-1] == 429
