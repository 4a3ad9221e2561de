"""A local emulator of Shopify's Admin GraphQL API (2025-04) for demos, tests and benchmarks."""

from shopify_emulator.app import create_app
from shopify_emulator.config import EmulatorConfig, Plan

__all__ = ["EmulatorConfig", "Plan", "create_app"]
