from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from product_dashboard.ai import AIBadOutput, AIRefused, OpenAIGateway
from product_dashboard.config import Settings
from product_dashboard.icon.openai_provider import OpenAIIconGenerator, normalise
from product_dashboard.icon.prompt import build_prompt
from product_dashboard.icon.subject import IconSubject
from tests.ai import fakes
from tests.ai.fakes import IMAGES, FakeOpenAI

pytestmark = pytest.mark.quick

SUBJECT = IconSubject(
    title="Enamel\x00 Camp   Mug\n(12 oz)",
    product_type="Mugs",
    vendor="Copper Kettle Co.",
    category="Home & Garden > Kitchen > Drinkware > Mugs",
    tags=("camping", "outdoor", "", "enamel"),
)


def test_prompt_describes_the_product_safely() -> None:
    prompt = build_prompt(SUBJECT)
    assert "Enamel Camp Mug (12 oz)" in prompt
    assert "Product type: Mugs." in prompt
    assert "Keywords: camping, outdoor, enamel." in prompt
    assert "do not draw its name or logo" in prompt
    assert "transparent background" in prompt
    assert "\x00" not in prompt


def test_prompt_is_bounded() -> None:
    huge = IconSubject(title="x" * 10_000, tags=tuple(f"tag{i}" for i in range(500)))
    assert len(build_prompt(huge)) < 2_000


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_normalise_trims_and_centres() -> None:
    source = Image.new("RGBA", (1024, 1024), (0, 0, 0, 0))
    source.paste((10, 200, 30, 255), (0, 0, 200, 100))  # a small object in a corner
    image = normalise(_png(source))
    assert image.size == (512, 512)
    assert image.mode == "RGBA"
    box = image.getchannel("A").getbbox()
    assert box is not None
    left, top, right, bottom = box
    assert right - left > 400  # scaled up to fill the icon
    assert abs((left + right) / 2 - 256) <= 2 and abs((top + bottom) / 2 - 256) <= 2


def test_normalise_opaque_image_is_kept_whole() -> None:
    image = normalise(_png(Image.new("RGB", (1536, 1024), (255, 255, 255))))
    assert image.size == (512, 512)
    assert image.getchannel("A").getpixel((256, 256)) == 255
    assert image.getchannel("A").getpixel((256, 2)) == 0  # padded to a square, transparent


@pytest.mark.parametrize(
    "data",
    [
        b"not an image",
        _png(Image.new("RGBA", (64, 64), (0, 0, 0, 0))),
        _png(Image.new("1", (4100, 4100))),
    ],
    ids=["garbage", "empty", "too-large"],
)
def test_normalise_rejects_unusable_images(data: bytes) -> None:
    with pytest.raises(AIBadOutput):
        normalise(data)


async def test_generator_calls_openai_with_the_prompt(tmp_path: Path) -> None:
    fake = FakeOpenAI().on(IMAGES, fakes.image_ok())
    settings = Settings(_env_file=None, openai_api_key="sk-test", openai_max_retries=0)
    async with fake.http_client() as http:
        gateway = OpenAIGateway(settings, http_client=http)
        generator = OpenAIIconGenerator(gateway)
        image = await generator.generate(SUBJECT)
        assert image.size == (512, 512)
        assert fake.bodies(IMAGES)[0]["prompt"] == build_prompt(SUBJECT)
        fake.script[IMAGES].clear()
        fake.on(IMAGES, fakes.refused())
        with pytest.raises(AIRefused):
            await generator.generate(SUBJECT)
        await gateway.aclose()
