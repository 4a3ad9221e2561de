from __future__ import annotations

import io

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.icon.service import IconService
from product_dashboard.models import AuditEvent
from tests.ai import fakes
from tests.ai.fakes import IMAGES, FakeOpenAI
from tests.icon.conftest import BreaksOn, by_prompt, make_product, wait_for_job

pytestmark = pytest.mark.integration


async def test_generate_locally_then_serve_both_sizes(
    client: httpx.AsyncClient, editor_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    product_id = await make_product(client, editor_headers, "Camp Mug", "Mugs")
    response = await client.post(
        "/api/icons/generate", json={"product_id": product_id}, headers=editor_headers
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["provider"] == "local"  # no OPENAI_API_KEY in tests
    assert accepted["status_url"] == f"/api/icons/status/{accepted['job_id']}"

    status = await wait_for_job(client, viewer_headers, accepted["job_id"])
    assert status["state"] == "completed"
    assert status["progress"] == {"total": 1, "done": 1, "failed": 0, "skipped": 0}
    results = status["results"]
    assert results["generated"] == 1
    assert results["files_pruned"] == 0  # unused files go only once older than an hour
    (item,) = results["items"]
    assert item["status"] == "generated"
    assert item["provider"] == "local"
    assert item["icon_url"] == f"/api/products/{product_id}/icon"

    product = (await client.get(f"/api/products/{product_id}", headers=viewer_headers)).json()
    assert product["icon_url"] == item["icon_url"]

    for size in (512, 128):
        icon = await client.get(f"{item['icon_url']}?size={size}", headers=viewer_headers)
        assert icon.status_code == 200
        assert icon.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(icon.content))
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]

    first = await client.get(item["icon_url"], headers=viewer_headers)
    etag = first.headers["etag"]
    assert item["digest"] in etag
    cached = await client.get(item["icon_url"], headers={**viewer_headers, "If-None-Match": etag})
    assert cached.status_code == 304
    bad = await client.get(f"{item['icon_url']}?size=300", headers=viewer_headers)
    assert bad.status_code == 422


async def test_regenerating_a_local_icon_is_stable_and_audited(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    product_id = await make_product(client, editor_headers, "Trail Runner", "Sneakers")
    digests = []
    for _ in range(2):
        job = (
            await client.post(
                "/api/icons/generate", json={"product_id": product_id}, headers=editor_headers
            )
        ).json()
        status = await wait_for_job(client, editor_headers, job["job_id"])
        digests.append(status["results"]["items"][0]["digest"])
    assert digests[0] == digests[1]
    async with sessionmaker() as session:
        events = list(
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_id == str(product_id), AuditEvent.action == "icon")
                .order_by(AuditEvent.id)
            )
        )
    assert len(events) == 2
    assert events[0].before == {"icon": None}
    assert events[1].before == {"icon": events[0].after["icon"]}  # type: ignore[index]
    assert events[0].after is not None and events[0].after["provider"] == "local"
    assert events[0].actor_email is not None and events[0].actor_email.startswith("editor")


async def test_viewers_cannot_generate(
    client: httpx.AsyncClient, editor_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    product_id = await make_product(client, editor_headers, "Camp Mug", "Mugs")
    single = await client.post(
        "/api/icons/generate", json={"product_id": product_id}, headers=viewer_headers
    )
    batch = await client.post(
        "/api/icons/batch", json={"product_ids": [product_id]}, headers=viewer_headers
    )
    delete = await client.delete(f"/api/products/{product_id}/icon", headers=viewer_headers)
    assert (single.status_code, batch.status_code, delete.status_code) == (403, 403, 403)
    assert (
        await client.post("/api/icons/generate", json={"product_id": product_id})
    ).status_code == 401


async def test_clear_errors_before_queueing(
    client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    product_id = await make_product(client, editor_headers, "Camp Mug", "Mugs")
    missing = await client.post(
        "/api/icons/generate", json={"product_id": 999_999}, headers=editor_headers
    )
    assert missing.status_code == 404
    no_key = await client.post(
        "/api/icons/generate",
        json={"product_id": product_id, "provider": "openai"},
        headers=editor_headers,
    )
    assert no_key.status_code == 400
    assert "OPENAI_API_KEY" in no_key.json()["detail"]
    both = await client.post(
        "/api/icons/batch",
        json={"product_ids": [product_id], "filter": {"q": "mug"}},
        headers=editor_headers,
    )
    assert both.status_code == 422
    nothing = await client.post(
        "/api/icons/batch", json={"filter": {"vendor": "Nobody"}}, headers=editor_headers
    )
    assert nothing.status_code == 422
    unknown = await client.post(
        "/api/icons/batch", json={"product_ids": [product_id, 999_999]}, headers=editor_headers
    )
    assert unknown.status_code == 404
    assert "999999" in unknown.json()["detail"]
    bad_filter = await client.post(
        "/api/icons/batch", json={"filter": {"colour": "red"}}, headers=editor_headers
    )
    assert bad_filter.status_code == 422
    not_icon_job = await client.get("/api/icons/status/nope", headers=editor_headers)
    assert not_icon_job.status_code == 404


async def test_batch_by_filter_only_missing(
    client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    mug = await make_product(client, editor_headers, "Camp Mug", "Mugs", vendor="Kettle")
    tee = await make_product(client, editor_headers, "Crew Tee", "T-Shirts", vendor="Kettle")
    await make_product(client, editor_headers, "Other Tee", "T-Shirts", vendor="Elsewhere")
    first = await client.post(
        "/api/icons/generate", json={"product_id": mug}, headers=editor_headers
    )
    await wait_for_job(client, editor_headers, first.json()["job_id"])

    response = await client.post(
        "/api/icons/batch",
        json={"filter": {"vendor": "Kettle"}, "only_missing": True},
        headers=editor_headers,
    )
    assert response.status_code == 202, response.text
    assert response.json()["total"] == 1  # the mug already has one
    status = await wait_for_job(client, editor_headers, response.json()["job_id"])
    assert [i["product_id"] for i in status["results"]["items"]] == [tee]


async def test_a_failing_product_does_not_stop_the_batch(
    app: FastAPI, client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    service: IconService = app.state.icon_service
    original = service.local
    service.local = BreaksOn(original, "Broken")
    try:
        ids = [
            await make_product(client, editor_headers, "Good Mug", "Mugs"),
            await make_product(client, editor_headers, "Broken Lamp", "Lamps"),
            await make_product(client, editor_headers, "Good Tee", "T-Shirts"),
        ]
        deleted = await make_product(client, editor_headers, "Gone Hat", "Hats")
        job = await client.post(
            "/api/icons/batch", json={"product_ids": [*ids, deleted]}, headers=editor_headers
        )
        assert job.status_code == 202
        await client.delete(f"/api/products/{deleted}", headers=editor_headers)
        status = await wait_for_job(client, editor_headers, job.json()["job_id"])
    finally:
        service.local = original
    assert status["state"] == "completed"
    assert status["progress"] == {"total": 4, "done": 2, "failed": 1, "skipped": 1}
    by_id = {i["product_id"]: i for i in status["results"]["items"]}
    assert by_id[ids[1]]["status"] == "failed"
    assert "cannot draw Broken Lamp" in by_id[ids[1]]["reason"]
    assert by_id[ids[0]]["status"] == by_id[ids[2]]["status"] == "generated"
    assert by_id[deleted]["status"] == "skipped"


async def test_openai_icons_with_refusal_and_timeout_falling_back(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    openai_icons: IconService,
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.on(IMAGES, by_prompt({"Forbidden": fakes.refused, "Sluggish": fakes.timeout}))
    good = await make_product(client, editor_headers, "Enamel Mug", "Mugs", vendor="Kettle")
    refused = await make_product(client, editor_headers, "Forbidden Fruit", "Candles")
    slow = await make_product(client, editor_headers, "Sluggish Tee", "T-Shirts")
    response = await client.post(
        "/api/icons/batch", json={"product_ids": [good, refused, slow]}, headers=editor_headers
    )
    assert response.status_code == 202, response.text
    assert response.json()["provider"] == "openai"
    status = await wait_for_job(client, editor_headers, response.json()["job_id"])

    results = status["results"]
    assert status["progress"] == {"total": 3, "done": 3, "failed": 0, "skipped": 0}
    assert (results["generated"], results["fallbacks"]) == (1, 2)
    assert results["model"] == "gpt-image-2.5-flare"
    assert results["openai_disabled"] is None  # two unrelated failures don't disable OpenAI
    by_id = {i["product_id"]: i for i in results["items"]}
    assert by_id[good]["provider"] == "openai"
    assert by_id[refused]["provider"] == "local"
    assert by_id[refused]["error_code"] == "refused"
    assert "content policy" in by_id[refused]["reason"]
    assert by_id[slow]["provider"] == "local"
    assert by_id[slow]["error_code"] == "timeout"
    prompts = [b["prompt"] for b in fake_openai.bodies(IMAGES)]
    assert len(prompts) == 3
    assert any("Enamel Mug" in p and "Product type: Mugs." in p for p in prompts)

    # The OpenAI icon is what the product now serves (normalised to 512 px).
    icon = await client.get(f"/api/products/{good}/icon", headers=editor_headers)
    assert Image.open(io.BytesIO(icon.content)).size == (512, 512)


async def test_retired_model_stops_calling_openai(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    openai_icons: IconService,
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.on(IMAGES, fakes.model_not_found("gpt-image-2.5-flare"))
    openai_icons.remote_parallelism = 1  # one at a time, so the first failure decides
    ids = [await make_product(client, editor_headers, f"Mug {n}", "Mugs") for n in ("A", "B", "C")]
    response = await client.post(
        "/api/icons/batch", json={"product_ids": ids}, headers=editor_headers
    )
    status = await wait_for_job(client, editor_headers, response.json()["job_id"])
    results = status["results"]
    assert results["fallbacks"] == 3
    assert "OPENAI_IMAGE_MODEL" in results["openai_disabled"]
    codes = [i["error_code"] for i in results["items"]]
    assert codes == ["model_unavailable", "disabled", "disabled"]
    assert len(fake_openai.requests) == 1


async def test_delete_icon_and_providers(
    client: httpx.AsyncClient, editor_headers: dict[str, str]
) -> None:
    product_id = await make_product(client, editor_headers, "Camp Mug", "Mugs")
    job = await client.post(
        "/api/icons/generate", json={"product_id": product_id}, headers=editor_headers
    )
    await wait_for_job(client, editor_headers, job.json()["job_id"])
    assert (
        await client.delete(f"/api/products/{product_id}/icon", headers=editor_headers)
    ).status_code == 204
    assert (
        await client.get(f"/api/products/{product_id}/icon", headers=editor_headers)
    ).status_code == 404
    product = (await client.get(f"/api/products/{product_id}", headers=editor_headers)).json()
    assert product["icon_url"] is None

    providers = (await client.get("/api/icons/providers", headers=editor_headers)).json()
    assert providers["default"] == "local"
    assert providers["openai_configured"] is False
    assert "mug" in providers["local_glyphs"]
