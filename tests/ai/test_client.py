from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from product_dashboard.ai import (
    AIAuthFailed,
    AIBadOutput,
    AIModelUnavailable,
    AINotConfigured,
    AIQuotaExhausted,
    AIRefused,
    AITimeout,
    AIUnavailable,
    OpenAIGateway,
    gateway_from_settings,
)
from product_dashboard.config import Settings
from tests.ai import fakes
from tests.ai.fakes import CHAT, IMAGES, FakeOpenAI

pytestmark = pytest.mark.quick


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "openai_api_key": "sk-test",
        "openai_max_retries": 0,
        "data_dir": tmp_path,
        "log_dir": tmp_path / "logs",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
async def gateway(tmp_path: Path, fake: FakeOpenAI) -> AsyncIterator[OpenAIGateway]:
    http = fake.http_client()
    gw = OpenAIGateway(make_settings(tmp_path), http_client=http)
    yield gw
    await gw.aclose()
    await http.aclose()


class Names(BaseModel):
    names: list[str]


def test_no_key_means_no_gateway(tmp_path: Path) -> None:
    assert gateway_from_settings(make_settings(tmp_path, openai_api_key=None)) is None
    with pytest.raises(AINotConfigured):
        OpenAIGateway(make_settings(tmp_path, openai_api_key=None))


async def test_image_request_and_decoding(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    png = fakes.png_bytes(64)
    fake.on(IMAGES, fakes.image_ok(png))

    assert await gateway.generate_image("a red mug") == png

    (body,) = fake.bodies(IMAGES)
    assert body["model"] == "gpt-image-2.5-flare"
    assert body["prompt"] == "a red mug"
    assert body["background"] == "transparent"
    assert body["output_format"] == "png"
    assert body["size"] == "1024x1024"
    assert "response_format" not in body  # GPT image models always answer base64
    assert fake.requests[0].headers["authorization"] == "Bearer sk-test"


async def test_retired_model_names_the_setting(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(IMAGES, fakes.model_not_found("gpt-image-2.5-flare"))
    with pytest.raises(AIModelUnavailable) as caught:
        await gateway.generate_image("x")
    assert "OPENAI_IMAGE_MODEL" in caught.value.detail
    assert "gpt-image-2.5-flare" in caught.value.detail
    assert caught.value.fatal


async def test_bad_key(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(IMAGES, fakes.error(401, "invalid_api_key", "Incorrect API key provided: sk-t***"))
    with pytest.raises(AIAuthFailed) as caught:
        await gateway.generate_image("x")
    assert "OPENAI_API_KEY" in caught.value.detail
    assert caught.value.fatal


async def test_refused_prompt(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(IMAGES, fakes.refused())
    with pytest.raises(AIRefused) as caught:
        await gateway.generate_image("x")
    assert "content policy" in caught.value.detail
    assert not caught.value.fatal


async def test_quota_exhausted_is_fatal(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(IMAGES, fakes.error(429, "insufficient_quota", "You exceeded your current quota."))
    with pytest.raises(AIQuotaExhausted) as caught:
        await gateway.generate_image("x")
    assert caught.value.fatal


async def test_timeout(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(IMAGES, fakes.timeout())
    with pytest.raises(AITimeout):
        await gateway.generate_image("x")


async def test_missing_or_corrupt_image(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(
        IMAGES,
        fakes.httpx2.Response(200, json={"created": 1, "data": []}),
        fakes.httpx2.Response(200, json={"created": 1, "data": [{"b64_json": "@@not base64@@"}]}),
    )
    with pytest.raises(AIBadOutput):
        await gateway.generate_image("x")
    with pytest.raises(AIBadOutput):
        await gateway.generate_image("x")


async def test_retries_are_bounded(tmp_path: Path, fake: FakeOpenAI) -> None:
    busy = fakes.error(503, "server_error", "overloaded", **{"retry-after-ms": "1"})
    fake.on(IMAGES, busy)
    http = fake.http_client()
    gw = OpenAIGateway(make_settings(tmp_path, openai_max_retries=2), http_client=http)
    try:
        with pytest.raises(AIUnavailable):
            await gw.generate_image("x")
    finally:
        await gw.aclose()
        await http.aclose()
    assert len(fake.requests) == 3  # the first try and two retries, then it gives up


async def test_retry_then_success(tmp_path: Path, fake: FakeOpenAI) -> None:
    busy = fakes.error(500, "server_error", "oops", **{"retry-after-ms": "1"})
    fake.on(IMAGES, busy, fakes.image_ok())
    http = fake.http_client()
    gw = OpenAIGateway(make_settings(tmp_path, openai_max_retries=2), http_client=http)
    try:
        assert await gw.generate_image("x")
    finally:
        await gw.aclose()
        await http.aclose()
    assert len(fake.requests) == 2


async def test_structured_output(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(CHAT, fakes.chat_json({"names": ["Summer Tees", "Mugs"]}))
    result = await gateway.structured(system="s", user="u", schema=Names)
    assert result == Names(names=["Summer Tees", "Mugs"])
    (body,) = fake.bodies(CHAT)
    assert body["model"] == "gpt-5.4-mini"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True


async def test_structured_output_wrong_shape(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(CHAT, fakes.chat_json({"titles": "nope"}))
    with pytest.raises(AIBadOutput):
        await gateway.structured(system="s", user="u", schema=Names)


async def test_structured_output_refusal(gateway: OpenAIGateway, fake: FakeOpenAI) -> None:
    fake.on(CHAT, fakes.chat_json(None, refusal="I can't help with that."))
    with pytest.raises(AIRefused):
        await gateway.structured(system="s", user="u", schema=Names)


async def test_text_model_not_found_names_text_setting(
    gateway: OpenAIGateway, fake: FakeOpenAI
) -> None:
    fake.on(CHAT, fakes.model_not_found("gpt-5.4-mini"))
    with pytest.raises(AIModelUnavailable) as caught:
        await gateway.structured(system="s", user="u", schema=Names)
    assert "OPENAI_TEXT_MODEL" in caught.value.detail
