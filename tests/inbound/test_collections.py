"""Collection webhooks end to end: the emulator fires real signed deliveries after store edits.

Edits made in Shopify (GraphQL collection mutations on the emulator, as the admin makes them)
reach the local collection; cases the emulator cannot stage (out-of-order delivery) go through
the real endpoint with correctly signed bodies shaped like Shopify's.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from product_dashboard.config import Settings
from product_dashboard.models import AuditEvent, Collection
from product_dashboard.shopify.documents import (
    COLLECTION_CREATE,
    COLLECTION_DELETE,
    COLLECTION_UPDATE,
)
from tests.inbound.harness import Harness, running_harness

pytestmark = pytest.mark.integration


async def _shopify(h: Harness, document: str, name: str, variables: dict[str, Any]) -> Any:
    response = await h.shopify.execute(document, variables, idempotent=False)
    payload = response.data[name]
    assert not payload["userErrors"], payload["userErrors"]
    return payload


async def _create_in_shopify(h: Harness, **fields: Any) -> str:
    payload = await _shopify(
        h,
        COLLECTION_CREATE,
        "collectionCreate",
        {"collection": {"title": "Summer Linen", **fields}},
    )
    return str(payload["collection"]["id"])


async def _update_in_shopify(h: Harness, shopify_id: str, **fields: Any) -> None:
    await _shopify(
        h,
        COLLECTION_UPDATE,
        "collectionUpdate",
        {"collection": {"id": shopify_id, **fields}},
    )


async def _collection(h: Harness, shopify_id: str) -> Collection | None:
    async with h.sessions() as session:
        return await session.scalar(
            select(Collection).where(Collection.shopify_collection_id == shopify_id)
        )


async def _audits(h: Harness, collection_id: int) -> list[tuple[str, str]]:
    async with h.sessions() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.source)
            .where(AuditEvent.entity_type == "collection")
            .where(AuditEvent.entity_id == str(collection_id))
            .order_by(AuditEvent.id)
        )
        return [(action, source) for action, source in rows.all()]


async def test_collection_made_in_shopify_is_created_updated_and_deleted_here(
    settings: Settings,
) -> None:
    async with running_harness(settings) as h:
        shopify_id = await _create_in_shopify(
            h, handle="summer-linen", descriptionHtml="<p>Light</p>", sortOrder="ALPHA_DESC"
        )
        [created] = await h.wait_processed(shopify_id, 1, topic="collections/create")
        assert (created.state, created.outcome) == ("processed", "created")
        collection = await _collection(h, shopify_id)
        assert collection is not None
        assert (collection.title, collection.handle, collection.collection_type) == (
            "Summer Linen",
            "summer-linen",
            "manual",
        )
        assert collection.description_html == "<p>Light</p>"
        assert collection.sort_order == "ALPHA_DESC"
        # Nothing to push back: it came from Shopify.
        assert collection.synced_version == collection.version == 1

        await _update_in_shopify(h, shopify_id, title="Summer Linen 2026")
        [updated] = await h.wait_processed(shopify_id, 1, topic="collections/update")
        assert updated.outcome == "updated"
        collection = await _collection(h, shopify_id)
        assert collection is not None
        assert collection.title == "Summer Linen 2026"
        assert collection.synced_version == collection.version == 2

        await _shopify(h, COLLECTION_DELETE, "collectionDelete", {"id": shopify_id})
        [deleted] = await h.wait_processed(shopify_id, 1, topic="collections/delete")
        assert deleted.outcome == "deleted"
        assert await _collection(h, shopify_id) is None
        assert await _audits(h, collection.id) == [
            ("create", "webhook"),
            ("update", "webhook"),
            ("delete", "webhook"),
        ]


async def test_smart_collection_rules_arrive_in_the_stored_form(settings: Settings) -> None:
    async with running_harness(settings) as h:
        shopify_id = await _create_in_shopify(
            h,
            title="Cheap shirts",
            sources=[
                {
                    "source": {
                        "title": "Rules",
                        "inclusion": {
                            "matchType": "ANY",
                            "conditions": [
                                {
                                    "productType": {
                                        "relation": "EQUALS",
                                        "values": ["Shirts"],
                                        "matchType": "ANY",
                                    }
                                },
                                {
                                    "variantPrice": {
                                        "relation": "LESS_THAN",
                                        "value": {"amount": "20", "currencyCode": "USD"},
                                    }
                                },
                            ],
                        },
                    }
                }
            ],
        )
        [event] = await h.wait_processed(shopify_id, 1, topic="collections/create")
        assert event.outcome == "created", event.last_error
        collection = await _collection(h, shopify_id)
        assert collection is not None
        assert collection.collection_type == "smart"
        assert collection.disjunctive is True
        assert [(r["column"], r["relation"], r["condition"]) for r in collection.rules] == [
            ("TYPE", "EQUALS", "Shirts"),
            ("VARIANT_PRICE", "LESS_THAN", "20"),
        ]


async def test_local_edits_not_yet_pushed_win_and_our_push_echo_changes_nothing(
    settings: Settings,
) -> None:
    async with running_harness(settings) as h:
        shopify_id = await _create_in_shopify(h, handle="summer-linen")
        await h.wait_processed(shopify_id, 1, topic="collections/create")
        collection = await _collection(h, shopify_id)
        assert collection is not None
        response = await h.api(
            "PUT", f"/api/collections/{collection.id}", json={"title": "Linen (ours)"}
        )
        assert response.status_code == 200, response.text

        await _update_in_shopify(h, shopify_id, title="Linen (theirs)")
        [skipped] = await h.wait_processed(shopify_id, 1, topic="collections/update")
        assert skipped.outcome == "local_changes"
        kept = await _collection(h, shopify_id)
        assert kept is not None and kept.title == "Linen (ours)"
        assert kept.version == 2 and kept.synced_version == 1

        # Changed on both sides since the last sync: the push refuses, once, saying so.
        refused = await _push(h)
        assert refused["report"]["failed"] == 1, refused
        assert "title" in str(refused["report"]["errors"])
        theirs = await h.shopify.execute(
            "query($id: ID!) { collection(id: $id) { title } }", {"id": shopify_id}
        )
        assert theirs.data["collection"]["title"] == "Linen (theirs)"

        # Pushed again: ours is sent; Shopify's collections/update echo changes nothing.
        job = await _push(h)
        assert job["report"]["failed"] == 0, job
        updates = await h.wait_processed(shopify_id, 2, topic="collections/update")
        # Either the push had recorded itself when the echo came (Shopify holds what we have),
        # or not yet (still unpushed local changes): both leave the collection alone.
        assert updates[-1].outcome in ("unchanged", "local_changes"), updates[-1].outcome
        pushed = await _collection(h, shopify_id)
        assert pushed is not None
        assert (pushed.title, pushed.version, pushed.synced_version) == ("Linen (ours)", 2, 2)


async def _push(h: Harness) -> dict[str, Any]:
    response = await h.api("POST", "/api/collections/sync", json={"direction": "push"})
    assert response.status_code == 202, response.text
    job = await h.wait_job(response.json()["job_id"])
    assert job["state"] == "completed", job
    return job


def _rest_collection(legacy_id: int, title: str, updated_at: str) -> dict[str, Any]:
    """A body shaped like Shopify's collections/update webhook."""
    return {
        "id": legacy_id,
        "handle": "autumn-wool",
        "title": title,
        "updated_at": updated_at,
        "body_html": "<p>Warm</p>",
        "published_at": "2026-11-01T09:00:00-05:00",
        "sort_order": "best-selling",
        "template_suffix": None,
        "published_scope": "web",
        "admin_graphql_api_id": f"gid://shopify/Collection/{legacy_id}",
    }


async def test_out_of_order_deliveries_are_stale(settings: Settings) -> None:
    async with running_harness(settings, subscribe=False) as h:
        gid = "gid://shopify/Collection/880011"
        newer = _rest_collection(880011, "Autumn Wool (new)", "2026-11-20T10:15:31-05:00")
        older = _rest_collection(880011, "Autumn Wool (old)", "2026-11-20T10:15:30-05:00")
        assert (await h.deliver("collections/update", newer, webhook_id="c-new")).status_code == 200
        await h.wait_processed(gid, 1, topic="collections/update")
        assert (await h.deliver("collections/update", older, webhook_id="c-old")).status_code == 200
        first, second = await h.wait_processed(gid, 2, topic="collections/update")
        assert (first.outcome, second.outcome) == ("created", "stale")
        collection = await _collection(h, gid)
        assert collection is not None
        assert collection.title == "Autumn Wool (new)"
        assert collection.sort_order == "BEST_SELLING"

        # Shopify sending what we already have (a new webhook id, same content) changes nothing.
        again = await h.deliver("collections/update", newer, webhook_id="c-new-again")
        assert again.status_code == 200
        *_, same = await h.wait_processed(gid, 3, topic="collections/update")
        assert same.outcome == "unchanged"
        unchanged = await _collection(h, gid)
        assert unchanged is not None and unchanged.version == collection.version

        # The creation delivered last is older than everything already handled.
        assert (await h.deliver("collections/create", older, webhook_id="c-0")).status_code == 200
        [create] = await h.wait_processed(gid, 1, topic="collections/create")
        assert create.outcome == "stale"

        deletion = {"id": 880011}
        assert (
            await h.deliver("collections/delete", deletion, webhook_id="c-d")
        ).status_code == 200
        [deleted] = await h.wait_processed(gid, 1, topic="collections/delete")
        assert deleted.outcome == "deleted"
        # An update delivered after the deletion does not bring the collection back.
        late = _rest_collection(880011, "Autumn Wool (late)", "2026-11-20T10:15:32-05:00")
        assert (await h.deliver("collections/update", late, webhook_id="c-late")).status_code == 200
        *_, after_delete = await h.wait_processed(gid, 4, topic="collections/update")
        assert after_delete.outcome == "stale"
        assert await _collection(h, gid) is None


async def test_a_weight_condition_arrives_with_its_unit(settings: Settings) -> None:
    async with running_harness(settings) as h:
        weight = {"relation": "GREATER_THAN", "value": {"unit": "KILOGRAMS", "value": 1.5}}
        tag = {"relation": "NOT_TAGGED_WITH", "values": ["old"], "matchType": "ALL"}
        shopify_id = await _create_in_shopify(
            h,
            title="Heavy",
            sources=[
                {
                    "source": {
                        "title": "Rules",
                        "inclusion": {
                            "matchType": "ALL",
                            "conditions": [{"variantWeight": weight}, {"productTag": tag}],
                        },
                    }
                }
            ],
        )
        [event] = await h.wait_processed(shopify_id, 1, topic="collections/create")
        assert event.outcome == "created", event.last_error
        collection = await _collection(h, shopify_id)
        assert collection is not None
        assert (collection.collection_type, collection.disjunctive) == ("smart", False)
        assert [(r["column"], r["relation"], r["condition"]) for r in collection.rules] == [
            ("VARIANT_WEIGHT", "GREATER_THAN", "1.5 kg"),
            ("TAG", "NOT_EQUALS", "old"),
        ]


async def test_rules_that_mean_the_same_keep_their_local_wording(settings: Settings) -> None:
    async with running_harness(settings, subscribe=False) as h:
        gid = "gid://shopify/Collection/880022"
        created = _rest_collection(880022, "Bargains", "2026-11-20T10:15:30-05:00")
        created["rules"] = [
            {"column": "variant_price", "relation": "less_than", "condition": "20.00"},
            {"column": "tag", "relation": "equals", "condition": "Sale"},
        ]
        echo = {**created, "updated_at": "2026-11-20T10:16:30-05:00"}
        echo["rules"] = [
            {"column": "variant_price", "relation": "less_than", "condition": "20"},
            {"column": "tag", "relation": "equals", "condition": "sale"},
        ]
        assert (await h.deliver("collections/create", created, webhook_id="b-1")).status_code == 200
        await h.wait_processed(gid, 1, topic="collections/create")
        assert (await h.deliver("collections/update", echo, webhook_id="b-2")).status_code == 200
        [update] = await h.wait_processed(gid, 1, topic="collections/update")
        assert update.outcome == "unchanged", update.last_error
        collection = await _collection(h, gid)
        assert collection is not None
        assert [r["condition"] for r in collection.rules] == ["20.00", "Sale"]
