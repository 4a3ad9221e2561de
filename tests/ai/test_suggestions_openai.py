from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from product_dashboard.ai.client import OpenAIGateway
from product_dashboard.collection.suggestions_openai import OpenAISuggestionProvider
from product_dashboard.config import Settings
from tests.ai import fakes
from tests.ai.fakes import CHAT, FakeOpenAI
from tests.icon.conftest import make_product

pytestmark = pytest.mark.integration


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
async def provider(
    app: FastAPI, settings: Settings, fake: FakeOpenAI
) -> AsyncIterator[OpenAISuggestionProvider]:
    keyed = settings.model_copy(update={"openai_api_key": "sk-test", "openai_max_retries": 0})
    http = fake.http_client()
    gateway = OpenAIGateway(keyed, http_client=http)
    chosen = OpenAISuggestionProvider(gateway)
    app.state.collection_suggestion_provider = chosen
    try:
        yield chosen
    finally:
        del app.state.collection_suggestion_provider
        await gateway.aclose()
        await http.aclose()


async def _catalog(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for title, kind, tags in [
        ("Summer Linen Tee", "T-Shirts", ["summer", "linen"]),
        ("Summer Crew Tee", "T-Shirts", ["summer"]),
        ("Winter Wool Beanie", "Beanies", ["winter", "wool"]),
        ("Winter Cable Beanie", "Beanies", ["winter"]),
        ("Enamel Camp Mug", "Mugs", ["camping"]),
    ]:
        await make_product(client, headers, title, kind, tags=tags, vendor="Northwind")


def rule(column: str, relation: str, condition: str = "") -> dict[str, str]:
    return {"column": column, "relation": relation, "condition": condition}


def proposal(title: str, *rules: dict[str, str], disjunctive: bool = False) -> dict[str, Any]:
    return {
        "title": title,
        "reason": f"why {title}",
        "disjunctive": disjunctive,
        "rules": list(rules),
    }


async def get_suggestions(
    client: httpx.AsyncClient, headers: dict[str, str], limit: int = 3
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/collections/suggestions?limit={limit}", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_validated_ai_suggestions_filled_up_locally(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    provider: OpenAISuggestionProvider,
    fake: FakeOpenAI,
) -> None:
    await _catalog(client, editor_headers)
    fake.on(
        CHAT,
        fakes.chat_json(
            {
                "suggestions": [
                    proposal("Summer  Essentials", rule("TAG", "EQUALS", "summer")),
                    proposal("Cold Weather", rule("TITLE", "CONTAINS", "winter")),
                    proposal("Bad Rule", rule("TAG", "CONTAINS", "summer")),  # not allowed
                    proposal("Nothing Matches", rule("VENDOR", "EQUALS", "Nobody")),
                    proposal("Everything", rule("VENDOR", "EQUALS", "Northwind")),
                    proposal("Same Again", rule("TAG", "EQUALS", "Summer")),  # duplicate rules
                ]
            }
        ),
    )
    items = await get_suggestions(client, editor_headers, limit=3)

    assert [i["title"] for i in items[:2]] == ["Summer Essentials", "Cold Weather"]
    assert [i["source"] for i in items] == ["openai", "openai", "local"]
    assert items[0]["size"] == 2
    assert items[0]["rules"] == [rule("TAG", "EQUALS", "summer")]
    assert items[0]["reason"] == "why Summer  Essentials".replace("  ", " ")
    assert len(items[1]["product_ids"]) == 2

    (body,) = fake.bodies(CHAT)
    assert body["model"] == "gpt-5.4-mini"
    assert body["response_format"]["json_schema"]["strict"] is True
    prompt = body["messages"][1]["content"]
    summary = json.loads(prompt.split("Catalog summary (JSON):\n", 1)[1])
    assert summary["products"] == 5
    assert ["T-Shirts", 2] in summary["product_types"]
    assert "Winter Wool Beanie" in summary["sample_titles"]


async def test_openai_failure_answers_with_the_local_method(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    provider: OpenAISuggestionProvider,
    fake: FakeOpenAI,
) -> None:
    await _catalog(client, editor_headers)
    fake.on(CHAT, fakes.timeout())
    items = await get_suggestions(client, editor_headers)
    assert items and {i["source"] for i in items} == {"local"}


async def test_malformed_answer_answers_with_the_local_method(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    provider: OpenAISuggestionProvider,
    fake: FakeOpenAI,
) -> None:
    await _catalog(client, editor_headers)
    fake.on(CHAT, fakes.chat_json({"collections": "not what was asked"}))
    items = await get_suggestions(client, editor_headers)
    assert items and {i["source"] for i in items} == {"local"}


async def test_cached_until_the_catalog_changes(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    provider: OpenAISuggestionProvider,
    fake: FakeOpenAI,
) -> None:
    await _catalog(client, editor_headers)
    fake.on(
        CHAT,
        fakes.chat_json({"suggestions": [proposal("Summer", rule("TAG", "EQUALS", "summer"))]}),
    )
    first = await get_suggestions(client, editor_headers, limit=1)
    second = await get_suggestions(client, editor_headers, limit=1)
    assert first == second
    assert len(fake.bodies(CHAT)) == 1
    await make_product(client, editor_headers, "Summer Cap", "Hats", tags=["summer"])
    third = await get_suggestions(client, editor_headers, limit=1)
    assert len(fake.bodies(CHAT)) == 2
    assert third[0]["size"] == 3


async def test_explicit_local_skips_openai(
    client: httpx.AsyncClient,
    editor_headers: dict[str, str],
    provider: OpenAISuggestionProvider,
    fake: FakeOpenAI,
) -> None:
    await _catalog(client, editor_headers)
    response = await client.get(
        "/api/collections/suggestions?provider=local", headers=editor_headers
    )
    assert response.status_code == 200
    assert not fake.requests
