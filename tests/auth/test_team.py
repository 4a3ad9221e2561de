"""`/api/users`: admins manage the team; every change audited; the team keeps an active admin."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.audit.service import Actor
from product_dashboard.exceptions import Conflict
from product_dashboard.models import AuditEvent, AuditSource, Role
from product_dashboard.team import service as team
from tests.fixtures.app import PASSWORD, UserFactory

pytestmark = pytest.mark.integration

Sessions = async_sessionmaker[AsyncSession]


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


def _bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _id_of(client: httpx.AsyncClient, admin: dict[str, str], email: str) -> int:
    page = (await client.get("/api/users", params={"q": email}, headers=admin)).json()
    return int(next(u["id"] for u in page["items"] if u["email"] == email))


async def _user_audit(sessions: Sessions) -> list[tuple[str, str | None, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.actor_email, AuditEvent.entity_id)
            .where(AuditEvent.entity_type == "user")
            .order_by(AuditEvent.id)
        )
        return [(action, actor, entity) for action, actor, entity in rows]


async def test_only_admins_manage_users(
    client: httpx.AsyncClient, editor_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    assert (await client.get("/api/users")).status_code == 401
    for headers in (editor_headers, viewer_headers):
        assert (await client.get("/api/users", headers=headers)).status_code == 403
        invite = {"email": "x@example.com", "role": "admin"}
        assert (await client.post("/api/users", json=invite, headers=headers)).status_code == 403
        assert (await client.post("/api/users/1/disable", headers=headers)).status_code == 403


async def test_list_is_paginated_and_filters_by_role_status_and_email(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    await make_user(Role.editor, email="ed@example.com")
    await make_user(Role.viewer, email="vi@example.com")
    await make_user(Role.viewer, email="val@other.org")
    admin = admin_headers
    everyone = (await client.get("/api/users", params={"per_page": 2}, headers=admin)).json()
    assert everyone["total"] == 4 and everyone["per_page"] == 2 and len(everyone["items"]) == 2
    second = await client.get("/api/users", params={"per_page": 2, "page": 2}, headers=admin)
    assert {u["email"] for u in second.json()["items"]} == {"vi@example.com", "val@other.org"}
    viewers = (await client.get("/api/users", params={"role": "viewer"}, headers=admin)).json()
    assert {u["email"] for u in viewers["items"]} == {"vi@example.com", "val@other.org"}
    found = (await client.get("/api/users", params={"q": "OTHER.org"}, headers=admin)).json()
    assert [u["email"] for u in found["items"]] == ["val@other.org"]
    member = found["items"][0]
    assert member["role"] == "viewer" and member["is_active"] is True and member["created_at"]
    await client.post(f"/api/users/{member['id']}/disable", headers=admin)
    disabled = (await client.get("/api/users", params={"active": "false"}, headers=admin)).json()
    assert [u["email"] for u in disabled["items"]] == ["val@other.org"]
    active = (await client.get("/api/users", params={"active": "true"}, headers=admin)).json()
    assert active["total"] == 3
    bad = await client.get("/api/users", params={"role": "owner"}, headers=admin)
    assert bad.status_code == 422


async def test_invite_generates_a_password_shown_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/users", json={"email": "New@Example.com", "role": "editor"}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["user"]["email"] == "new@example.com" and body["user"]["role"] == "editor"
    password = body["password"]
    assert isinstance(password, str) and len(password) >= 10
    assert (await _login(client, "new@example.com", password)).status_code == 200
    listed = (await client.get("/api/users", headers=admin_headers)).text
    assert password not in listed

    given = await client.post(
        "/api/users",
        json={"email": "own@example.com", "password": "chosen by admin"},
        headers=admin_headers,
    )
    assert given.status_code == 201 and given.json()["password"] is None
    assert given.json()["user"]["role"] == "viewer"
    assert (await _login(client, "own@example.com", "chosen by admin")).status_code == 200


async def test_invite_refusals_name_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    short = await client.post(
        "/api/users", json={"email": "a@example.com", "password": "short"}, headers=admin_headers
    )
    assert short.status_code == 422
    assert short.json()["fields"][0]["loc"] == ["password"]
    role = await client.post(
        "/api/users", json={"email": "a@example.com", "role": "owner"}, headers=admin_headers
    )
    assert role.status_code == 422 and role.json()["fields"][0]["loc"] == ["role"]
    email = await client.post("/api/users", json={"email": "nope"}, headers=admin_headers)
    assert email.status_code == 422 and email.json()["fields"][0]["loc"] == ["email"]
    ok = await client.post("/api/users", json={"email": "a@example.com"}, headers=admin_headers)
    assert ok.status_code == 201
    again = await client.post("/api/users", json={"email": "A@example.com"}, headers=admin_headers)
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    assert (await client.get("/api/users/999", headers=admin_headers)).status_code == 404
    missing = await client.post("/api/users/999/disable", headers=admin_headers)
    assert missing.status_code == 404


async def test_role_change_takes_effect_at_once(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    editor = await make_user(Role.editor, email="ed@example.com")
    ed_id = await _id_of(client, admin_headers, "ed@example.com")
    changed = await client.put(
        f"/api/users/{ed_id}/role", json={"role": "viewer"}, headers=admin_headers
    )
    assert changed.status_code == 200 and changed.json()["role"] == "viewer"
    assert (await client.get("/api/auth/me", headers=editor)).json()["role"] == "viewer"
    promoted = await client.put(
        f"/api/users/{ed_id}/role", json={"role": "admin"}, headers=admin_headers
    )
    assert promoted.json()["role"] == "admin"
    assert (await client.get("/api/users", headers=editor)).status_code == 200


async def test_admins_cannot_demote_disable_or_lock_out_themselves(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    boss = await make_user(Role.admin, email="boss@example.com")
    await make_user(Role.admin, email="other@example.com")
    me = await _id_of(client, boss, "boss@example.com")
    for method, path, body, words in [
        ("PUT", f"/api/users/{me}/role", {"role": "editor"}, "your own role"),
        ("POST", f"/api/users/{me}/disable", None, "your own account"),
        ("POST", f"/api/users/{me}/reset-password", {}, "/api/auth/password"),
        ("POST", f"/api/users/{me}/revoke-sessions", None, "sign you out"),
    ]:
        r = await client.request(method, path, json=body, headers=boss)
        assert r.status_code == 409, (path, r.text)
        assert r.json()["error"] == "conflict" and words in r.json()["detail"]
    me_now = await client.get("/api/auth/me", headers=boss)
    assert me_now.status_code == 200 and me_now.json()["role"] == "admin"


async def test_an_admin_can_demote_another_while_one_stays(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    boss = await make_user(Role.admin, email="boss@example.com")
    await make_user(Role.admin, email="other@example.com")
    other = await _id_of(client, boss, "other@example.com")
    r = await client.put(f"/api/users/{other}/role", json={"role": "editor"}, headers=boss)
    assert r.status_code == 200 and r.json()["role"] == "editor"


async def test_the_last_active_admin_is_never_disabled_or_demoted(
    make_user: UserFactory, sessionmaker: Sessions
) -> None:
    await make_user(Role.admin, email="boss@example.com")
    await make_user(Role.admin, email="gone@example.com")
    operator = Actor(source=AuditSource.cli)  # no account of its own: only the last-admin rule
    async with sessionmaker() as session, session.begin():
        gone = await team.find_member(session, "gone@example.com")
        await team.set_active(session, operator, gone, False)
    async with sessionmaker() as session, session.begin():
        boss = await team.find_member(session, "boss@example.com")
        with pytest.raises(Conflict, match="last active admin"):
            await team.set_active(session, operator, boss, False)
        with pytest.raises(Conflict, match="last active admin"):
            await team.set_role(session, operator, boss, Role.editor)
    async with sessionmaker() as session:
        boss = await team.find_member(session, "boss@example.com")
        assert boss.role == "admin" and boss.is_active


async def test_disable_refuses_tokens_and_logins_until_enabled(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    viewer = await make_user(Role.viewer, email="vi@example.com")
    vi = await _id_of(client, admin_headers, "vi@example.com")
    disabled = await client.post(f"/api/users/{vi}/disable", headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert (await client.get("/api/auth/me", headers=viewer)).status_code == 401
    assert (await _login(client, "vi@example.com")).status_code == 403
    enabled = await client.post(f"/api/users/{vi}/enable", headers=admin_headers)
    assert enabled.json()["is_active"] is True
    # Enabling does not revive the sessions that disabling ended.
    assert (await client.get("/api/auth/me", headers=viewer)).status_code == 401
    fresh = _bearer(await _login(client, "vi@example.com"))
    assert (await client.get("/api/auth/me", headers=fresh)).status_code == 200


async def test_reset_password_ends_sessions_and_shows_the_new_one_once(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    viewer = await make_user(Role.viewer, email="vi@example.com")
    assert (await client.get("/api/auth/me", headers=viewer)).status_code == 200
    vi = await _id_of(client, admin_headers, "vi@example.com")
    reset = await client.post(f"/api/users/{vi}/reset-password", json={}, headers=admin_headers)
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    password = reset.json()["password"]
    refused = await client.get("/api/auth/me", headers=viewer)
    assert refused.status_code == 401 and "log in again" in refused.json()["detail"]
    assert (await _login(client, "vi@example.com")).status_code == 401
    fresh = _bearer(await _login(client, "vi@example.com", password))
    assert (await client.get("/api/auth/me", headers=fresh)).status_code == 200
    given = await client.post(
        f"/api/users/{vi}/reset-password",
        json={"password": "admin chose this"},
        headers=admin_headers,
    )
    assert given.json()["password"] is None
    assert (await client.get("/api/auth/me", headers=fresh)).status_code == 401
    assert (await _login(client, "vi@example.com", "admin chose this")).status_code == 200


async def test_revoked_sessions_are_refused_on_the_next_request(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    viewer = await make_user(Role.viewer, email="vi@example.com")
    # Used once first: its verified claims are now cached, and must still be refused below.
    assert (await client.get("/api/auth/me", headers=viewer)).status_code == 200
    vi = await _id_of(client, admin_headers, "vi@example.com")
    revoked = await client.post(f"/api/users/{vi}/revoke-sessions", headers=admin_headers)
    assert revoked.status_code == 200 and revoked.json()["sessions_revoked_at"]
    assert (await client.get("/api/auth/me", headers=viewer)).status_code == 401
    # A login right after the revocation (within the same second) is a new, valid session.
    again = _bearer(await _login(client, "vi@example.com"))
    assert (await client.get("/api/auth/me", headers=again)).status_code == 200
    assert (await client.get("/api/auth/me", headers=admin_headers)).status_code == 200


async def test_change_own_password_ends_other_sessions_keeps_this_one(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    here = await make_user(Role.editor, email="ed@example.com")
    elsewhere = _bearer(await _login(client, "ed@example.com"))
    wrong = await client.post(
        "/api/auth/password",
        json={"current_password": "not it", "new_password": "a brand new passphrase"},
        headers=here,
    )
    assert wrong.status_code == 422
    assert wrong.json()["fields"][0]["loc"] == ["current_password"]
    short = await client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=here,
    )
    assert short.status_code == 422 and short.json()["fields"][0]["loc"] == ["new_password"]
    assert (await client.get("/api/auth/me", headers=elsewhere)).status_code == 200

    changed = await client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=here,
    )
    renewed = _bearer(changed)
    assert (await client.get("/api/auth/me", headers=renewed)).status_code == 200
    assert (await client.get("/api/auth/me", headers=elsewhere)).status_code == 401
    assert (await client.get("/api/auth/me", headers=here)).status_code == 401
    assert (await _login(client, "ed@example.com")).status_code == 401
    assert (await _login(client, "ed@example.com", "a brand new passphrase")).status_code == 200


async def test_every_change_is_audited_with_who_did_it(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    admin_headers: dict[str, str],
    sessionmaker: Sessions,
) -> None:
    admin = admin_headers
    me = (await client.get("/api/auth/me", headers=admin)).json()["email"]
    created = await client.post(
        "/api/users", json={"email": "t@example.com", "role": "viewer"}, headers=admin
    )
    uid = created.json()["user"]["id"]
    for method, path, body in [
        ("PUT", f"/api/users/{uid}/role", {"role": "editor"}),
        ("POST", f"/api/users/{uid}/disable", None),
        ("POST", f"/api/users/{uid}/enable", None),
        ("POST", f"/api/users/{uid}/reset-password", {"password": "admin chose this"}),
        ("POST", f"/api/users/{uid}/revoke-sessions", None),
    ]:
        r = await client.request(
            method, path, json=body, headers={**admin, "X-Change-Source": "ui"}
        )
        assert r.status_code == 200, r.text
    own = _bearer(await _login(client, "t@example.com", "admin chose this"))
    changed = await client.post(
        "/api/auth/password",
        json={"current_password": "admin chose this", "new_password": "mine and only mine"},
        headers=own,
    )
    assert changed.status_code == 200
    actions = [
        "create",
        "set_role",
        "disable",
        "enable",
        "reset_password",
        "revoke_sessions",
        "change_password",
    ]
    expected_actors = [me] * 6 + ["t@example.com"]
    assert await _user_audit(sessionmaker) == [
        (a, who, str(uid)) for a, who in zip(actions, expected_actors, strict=True)
    ]
    async with sessionmaker() as session:
        events = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "user"))
        )
    assert events[1].before == {"role": "viewer"} and events[1].after == {"role": "editor"}
    assert events[1].source == "ui" and events[0].source == "api"
    assert all("admin chose this" not in repr((e.before, e.after)) for e in events)
