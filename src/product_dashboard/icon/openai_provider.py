"""Icons from OpenAI's image model, normalised to our square transparent 512 px format."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, UnidentifiedImageError

from product_dashboard.ai.client import OpenAIGateway
from product_dashboard.ai.errors import AIBadOutput
from product_dashboard.icon.prompt import build_prompt
from product_dashboard.icon.subject import ICON_SIZE, IconSubject

REQUEST_SIZE = "1024x1024"
MAX_PIXELS = 4096 * 4096
PADDING = 0.06  # of the side, kept around the object after trimming empty margins
OPAQUE_ALPHA = 16  # alpha at or below this counts as background when trimming


def normalise(data: bytes) -> Image.Image:
    """Decode the model's PNG, trim transparent margins, centre it on a square, resize."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise AIBadOutput(f"The generated image is too large ({width}x{height}).")
            image = probe.convert("RGBA")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise AIBadOutput("OpenAI returned data that is not a readable image.") from exc
    alpha = image.getchannel("A").point(lambda v: 255 if v > OPAQUE_ALPHA else 0)
    box = alpha.getbbox()
    if box is None:
        raise AIBadOutput("OpenAI returned an empty (fully transparent) image.")
    if box != (0, 0, width, height):
        image = image.crop(box)
    side = round(max(image.size) * (1 + 2 * PADDING))
    square = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    resized = square.convert("RGBa").resize((ICON_SIZE, ICON_SIZE), Image.Resampling.LANCZOS)
    return resized.convert("RGBA")


class OpenAIIconGenerator:
    """Calls the configured OPENAI_IMAGE_MODEL; raises AIError subclasses on failure."""

    name = "openai"

    def __init__(self, gateway: OpenAIGateway) -> None:
        self.gateway = gateway

    @property
    def model(self) -> str:
        return self.gateway.image_model

    async def generate(self, subject: IconSubject) -> Image.Image:
        data = await self.gateway.generate_image(build_prompt(subject), size=REQUEST_SIZE)
        return await asyncio.to_thread(normalise, data)
