"""Shared OpenAI access: one paced client, errors a person can act on."""

from product_dashboard.ai.client import OpenAIGateway, gateway_from_settings
from product_dashboard.ai.errors import (
    AIAuthFailed,
    AIBadOutput,
    AIError,
    AIModelUnavailable,
    AINotConfigured,
    AIQuotaExhausted,
    AIRateLimited,
    AIRefused,
    AITimeout,
    AIUnavailable,
)
from product_dashboard.ai.ratelimit import Pacer

__all__ = [
    "AIAuthFailed",
    "AIBadOutput",
    "AIError",
    "AIModelUnavailable",
    "AINotConfigured",
    "AIQuotaExhausted",
    "AIRateLimited",
    "AIRefused",
    "AITimeout",
    "AIUnavailable",
    "OpenAIGateway",
    "Pacer",
    "gateway_from_settings",
]
