"""One configured OpenAI client for the app: construction, pacing, and error mapping in one place.

The `openai` package (3.x, built on httpx2) is given an explicit `httpx2.AsyncClient`, so tests
(and proxies) intercept calls at the HTTP level with a transport of their choosing.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import TYPE_CHECKING, Literal, TypeVar

import httpx2
from pydantic import BaseModel, ValidationError

from product_dashboard.ai.errors import (
    AIBadOutput,
    AIError,
    AINotConfigured,
    AIRefused,
    map_openai_error,
)
from product_dashboard.ai.ratelimit import Pacer
from product_dashboard.config import Settings

if TYPE_CHECKING:
    import openai

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

IMAGE_MODEL_SETTING = "OPENAI_IMAGE_MODEL"
TEXT_MODEL_SETTING = "OPENAI_TEXT_MODEL"
MAX_IMAGE_BYTES = 32 * 1024 * 1024


class OpenAIGateway:
    """The app's way to OpenAI: images and structured text, paced, with errors made actionable."""

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx2.AsyncClient | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        if not settings.openai_api_key:
            raise AINotConfigured("OpenAI is not configured: set OPENAI_API_KEY.")
        # Imported here, not with the module: `import openai` costs ~0.6 s of CPU, and every
        # process (each app, CLI run and test worker) imported it while only a configured key
        # ever builds a gateway.
        import openai

        self.image_model = settings.openai_image_model
        self.image_quality = settings.openai_image_quality
        self.text_model = settings.openai_text_model
        self._owns_http = http_client is None
        self._http = http_client or httpx2.AsyncClient(
            timeout=httpx2.Timeout(settings.openai_timeout_seconds, connect=10.0)
        )
        self.client: openai.AsyncOpenAI = openai.AsyncOpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            http_client=self._http,
            max_retries=settings.openai_max_retries,
            timeout=settings.openai_timeout_seconds,
        )
        self.pacer = pacer or Pacer(
            settings.openai_requests_per_minute, settings.openai_max_concurrency
        )

    async def generate_image(
        self,
        prompt: str,
        *,
        size: str = "1024x1024",
        background: Literal["transparent", "opaque", "auto"] = "transparent",
    ) -> bytes:
        """One PNG from the image model, as bytes (the API answers base64, `b64_json`)."""
        try:
            async with self.pacer.slot():
                response = await self.client.images.generate(
                    model=self.image_model,
                    prompt=prompt,
                    n=1,
                    size=size,
                    background=background,
                    output_format="png",
                    quality=self.image_quality,
                )
        except Exception as exc:
            raise map_openai_error(
                exc, model=self.image_model, model_setting=IMAGE_MODEL_SETTING
            ) from exc
        encoded = response.data[0].b64_json if response.data else None
        if not encoded:
            raise AIBadOutput(f"The image model '{self.image_model}' returned no image data.")
        if len(encoded) > MAX_IMAGE_BYTES * 4 // 3 + 4:
            raise AIBadOutput("The image returned by OpenAI is implausibly large.")
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AIBadOutput("The image returned by OpenAI is not valid base64.") from exc

    async def structured(self, *, system: str, user: str, schema: type[T]) -> T:
        """A reply from the text model, constrained to and validated against `schema`."""
        import openai  # loaded by __init__

        try:
            async with self.pacer.slot():
                completion = await self.client.chat.completions.parse(
                    model=self.text_model,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": user},
                    ],
                    response_format=schema,
                )
        except (ValidationError, openai.LengthFinishReasonError) as exc:
            raise AIBadOutput(
                f"The text model '{self.text_model}' answered in an unusable shape: {exc}"
            ) from exc
        except openai.ContentFilterFinishReasonError as exc:
            raise AIRefused("OpenAI's content filter stopped the answer.") from exc
        except AIError:
            raise
        except Exception as exc:
            raise map_openai_error(
                exc, model=self.text_model, model_setting=TEXT_MODEL_SETTING
            ) from exc
        if not completion.choices:
            raise AIBadOutput(f"The text model '{self.text_model}' returned no answer.")
        message = completion.choices[0].message
        if message.refusal:
            raise AIRefused(f"The text model refused: {message.refusal}")
        if message.parsed is None:
            raise AIBadOutput(f"The text model '{self.text_model}' returned no parsable answer.")
        return message.parsed

    async def aclose(self) -> None:
        await self.client.close()
        if self._owns_http:
            await self._http.aclose()


def gateway_from_settings(
    settings: Settings, *, http_client: httpx2.AsyncClient | None = None
) -> OpenAIGateway | None:
    """The gateway when OPENAI_API_KEY is set, else None (callers then use local methods)."""
    if not settings.openai_api_key:
        return None
    return OpenAIGateway(settings, http_client=http_client)
