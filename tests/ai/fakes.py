"""A scripted stand-in for OpenAI's HTTP API, plugged in through httpx2.MockTransport."""

from __future__ import annotations

import base64
import io
import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
from PIL import Image, ImageDraw

Reply = httpx2.Response | Exception | Callable[[httpx2.Request], httpx2.Response]

IMAGES = "/v1/images/generations"
CHAT = "/v1/chat/completions"


def png_bytes(size: int = 1024, color: tuple[int, int, int, int] = (200, 40, 40, 255)) -> bytes:
    """A PNG with a transparent border and a coloured disc, like an icon the model would draw."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))

    ImageDraw.Draw(image).ellipse((size // 4, size // 4, size * 3 // 4, size * 3 // 4), fill=color)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def image_ok(png: bytes | None = None) -> httpx2.Response:
    data = base64.b64encode(png or png_bytes()).decode()
    return httpx2.Response(200, json={"created": 1, "data": [{"b64_json": data}]})


def error(status: int, code: str, message: str, **headers: str) -> httpx2.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return httpx2.Response(status, json=body, headers=headers)


def refused() -> httpx2.Response:
    return error(
        400,
        "moderation_blocked",
        "Your request was rejected as a result of our safety system.",
    )


def model_not_found(model: str) -> httpx2.Response:
    return error(
        404, "model_not_found", f"The model `{model}` does not exist or you do not have access."
    )


def chat_json(content: Any, *, refusal: str | None = None) -> httpx2.Response:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if refusal else json.dumps(content),
        "refusal": refusal,
    }
    return httpx2.Response(
        200,
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1,
            "model": "test",
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
        },
    )


@dataclass
class FakeOpenAI:
    """Replies per path, in order; the last reply of a path repeats once the script runs out."""

    script: dict[str, deque[Reply]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[httpx2.Request] = field(default_factory=list)

    def on(self, path: str, *replies: Reply) -> FakeOpenAI:
        self.script[path].extend(replies)
        return self

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        replies = self.script.get(request.url.path)
        if not replies:
            return error(404, "unknown_url", f"fake OpenAI has no reply for {request.url.path}")
        reply = replies.popleft() if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    def http_client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))


def timeout() -> httpx2.ReadTimeout:
    return httpx2.ReadTimeout("timed out (fake)")
