"""Who may list products: the token is checked against the database on every request (the user
and revocation come back in one query, nothing is cached), so revocation, disabling, deletion and
role changes take effect at once."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.auth import dependencies
from product_dashboard.kit.time import utcnow
from product_dashboard.models import Role, User
from tests.fixtures.app import UserFactory
from tests.product.factories import tee_payload

pytestmark = pytest.mark.integration

LIST = "/api/products"


async def _set_user(
    sessionmaker: async_sessionmaker[AsyncSession], email: str, **values: object
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(**values))


async def test_revoked_token_is_refused(client: httpx.AsyncClient, make_user: UserFactory) -> None:
    headers = await make_user(Role.viewer)
    assert (await client.get(LIST, headers=headers)).status_code == 200
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    refused = await client.get(LIST, headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


async def test_disabled_and_deleted_accounts_are_refused(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    disabled = await make_user(Role.viewer, email="disabled@example.com")
    deleted = await make_user(Role.viewer, email="deleted@example.com")
    await _set_user(sessionmaker, "disabled@example.com", is_active=False)
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(User).where(User.email == "deleted@example.com"))
    for headers in (disabled, deleted):
        refused = await client.get(LIST, headers=headers)
        assert refused.status_code == 401 and "no longer exists" in refused.json()["detail"]


async def test_revocation_wins_over_a_missing_account(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers = await make_user(Role.viewer, email="leaver@example.com")
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(User).where(User.email == "leaver@example.com"))
    refused = await client.get(LIST, headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


async def test_role_changes_apply_to_the_next_request(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    headers = await make_user(Role.editor, email="editor@example.com")
    created = await client.post(LIST, json=tee_payload("First"), headers=headers)
    assert created.status_code == 201, created.text
    await _set_user(sessionmaker, "editor@example.com", role=Role.viewer.value)
    assert (await client.get(LIST, headers=headers)).json()["total"] == 1
    refused = await client.post(LIST, json=tee_payload("Second"), headers=headers)
    assert refused.status_code == 403


async def test_a_token_seen_before_still_expires(
    client: httpx.AsyncClient, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await make_user(Role.viewer)
    assert (await client.get(LIST, headers=headers)).status_code == 200
    later = utcnow() + timedelta(days=365)
    monkeypatch.setattr(dependencies, "utcnow", lambda: later)
    refused = await client.get(LIST, headers=headers)
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
