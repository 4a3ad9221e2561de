"""Icon test helpers: products, waiting for icon jobs, and an app whose OpenAI is faked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from PIL import Image

from product_dashboard.ai.client import OpenAIGateway
from product_dashboard.config import Settings
from product_dashboard.icon.service import IconService
from product_dashboard.icon.setup import build_icon_service
from product_dashboard.icon.subject import IconGenerator, IconSubject
from tests.ai import fakes
from tests.ai.fakes import IMAGES, FakeOpenAI
from tests.product.factories import create_product

FINAL = {"completed", "failed", "stopped"}
WAIT_LIMIT = 30.0


async def make_product(
    client: httpx.AsyncClient, headers: dict[str, str], title: str, product_type: str, **kw: Any
) -> int:
    product = await create_product(
        client,
        headers,
        title=title,
        product_type=product_type,
        handle=None,
        variants=[{"sku": f"SKU-{title[:12]}", "price": "10.00", "option_values": ["S", "Red"]}],
        **kw,
    )
    return int(product["id"])


async def wait_for_job(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT
    while True:
        response = await client.get(f"/api/icons/status/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["state"] in FINAL:
            return body
        if loop.time() > deadline:
            raise AssertionError(f"icon job {job_id} still {body['state']}: {body}")
        await asyncio.sleep(0.05)


def by_prompt(rules: dict[str, Callable[[], httpx2.Response | Exception]]) -> Any:
    """A fake reply chosen by a word in the prompt; anything else gets a good image."""

    def reply(request: httpx2.Request) -> httpx2.Response:
        prompt = json.loads(request.content)["prompt"]
        for word, make in rules.items():
            if word in prompt:
                outcome = make()
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome
        return fakes.image_ok()

    return reply


class BreaksOn:
    """A local generator that fails for titles containing a word (a disk or bug stand-in)."""

    name = "local"

    def __init__(self, inner: IconGenerator, word: str) -> None:
        self.inner = inner
        self.word = word

    async def generate(self, subject: IconSubject) -> Image.Image:
        if self.word in subject.title:
            raise RuntimeError(f"cannot draw {subject.title}")
        return await self.inner.generate(subject)


@pytest.fixture
def fake_openai() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
async def openai_icons(
    app: FastAPI, settings: Settings, fake_openai: FakeOpenAI
) -> AsyncIterator[IconService]:
    """Swap the app's icon service for one that calls the fake OpenAI."""
    keyed = settings.model_copy(update={"openai_api_key": "sk-test", "openai_max_retries": 0})
    http = fake_openai.http_client()
    gateway = OpenAIGateway(keyed, http_client=http)
    original = app.state.icon_service
    service = build_icon_service(keyed, gateway)
    app.state.icon_service = service
    try:
        yield service
    finally:
        app.state.icon_service = original
        await gateway.aclose()
        await http.aclose()


__all__ = ["IMAGES", "BreaksOn", "by_prompt", "make_product", "wait_for_job"]
