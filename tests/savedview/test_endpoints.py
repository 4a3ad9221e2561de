from __future__ import annotations

import httpx
import pytest

from product_dashboard.models import Role
from tests.fixtures.app import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

Headers = dict[str, str]

VIEW = {
    "name": "Acme drafts",
    "filters": {"vendor": "Acme", "status": ["draft"]},
    "sort": "title",
    "columns": ["price", "sku", "tags"],
}


async def test_a_shared_view_is_listed_for_the_team_and_changed_by_its_owner_only(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    alice = await make_user(Role.editor, "alice@example.com")
    bob = await make_user(Role.editor, "bob@example.com")
    viewer = await make_user(Role.viewer, "vera@example.com")

    r = await client.post("/api/views", json={**VIEW, "shared": True}, headers=alice)
    assert r.status_code == 201, r.text
    shared = r.json()
    assert shared["mine"] and shared["owner_email"] == "alice@example.com"
    assert shared["filters"] == {"vendor": "Acme", "status": ["draft"]}
    r = await client.post("/api/views", json={**VIEW, "name": "Mine only"}, headers=alice)
    private = r.json()

    for headers in (bob, viewer):
        listed = (await client.get("/api/views", headers=headers)).json()
        assert [(v["id"], v["mine"]) for v in listed["items"]] == [(shared["id"], False)]
        assert (await client.get(f"/api/views/{shared['id']}", headers=headers)).status_code == 200
        r = await client.get(f"/api/views/{private['id']}", headers=headers)
        assert r.status_code == 404

    mine = (await client.get("/api/views", headers=alice)).json()["items"]
    assert {v["name"] for v in mine} == {"Acme drafts", "Mine only"}

    # Nobody else saves over Alice's view: not a viewer, not another editor.
    changed = {**VIEW, "name": "Taken over", "shared": True}
    r = await client.put(f"/api/views/{shared['id']}", json=changed, headers=viewer)
    assert r.status_code == 403
    r = await client.put(f"/api/views/{shared['id']}", json=changed, headers=bob)
    assert r.status_code == 403 and "owner" in r.json()["detail"]
    assert (await client.delete(f"/api/views/{shared['id']}", headers=bob)).status_code == 403
    assert (await client.post("/api/views", json=VIEW, headers=viewer)).status_code == 403

    r = await client.put(
        f"/api/views/{shared['id']}", json={**VIEW, "sort": "-price", "shared": True}, headers=alice
    )
    assert r.status_code == 200 and r.json()["sort"] == "-price"
    seen = (await client.get(f"/api/views/{shared['id']}", headers=bob)).json()
    assert seen["sort"] == "-price"

    r = await client.put(
        f"/api/views/{shared['id']}", json={**VIEW, "shared": False}, headers=alice
    )
    assert r.status_code == 200
    assert (await client.get(f"/api/views/{shared['id']}", headers=bob)).status_code == 404


async def test_view_names_and_contents_are_checked(
    client: httpx.AsyncClient, editor_headers: Headers, admin_headers: Headers
) -> None:
    r = await client.post("/api/views", json=VIEW, headers=editor_headers)
    assert r.status_code == 201
    r = await client.post("/api/views", json=VIEW, headers=editor_headers)
    assert r.status_code == 409
    r = await client.post(
        "/api/views", json={**VIEW, "name": "x", "columns": ["nope"]}, headers=editor_headers
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/views", json={**VIEW, "name": "y", "sort": "bogus"}, headers=editor_headers
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/views",
        json={**VIEW, "name": "z", "filters": {"colour": "red"}},
        headers=editor_headers,
    )
    assert r.status_code == 422
    # An admin may tidy up anyone's shared view (the same name is free for another owner).
    view_id = (await client.get("/api/views", headers=editor_headers)).json()["items"][0]["id"]
    r = await client.put(
        f"/api/views/{view_id}", json={**VIEW, "shared": True}, headers=editor_headers
    )
    assert r.status_code == 200
    assert (await client.post("/api/views", json=VIEW, headers=admin_headers)).status_code == 201
    r = await client.put(
        f"/api/views/{view_id}", json={**VIEW, "shared": True}, headers=admin_headers
    )
    assert r.status_code == 200
    assert (await client.delete(f"/api/views/{view_id}", headers=admin_headers)).status_code == 204
