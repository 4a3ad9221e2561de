"""Emulator configuration: plan, latency, credentials, persistence."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Plan(StrEnum):
    """Shopify plans; each fixes the cost bucket's restore rate."""

    STANDARD = "standard"
    ADVANCED = "advanced"
    PLUS = "plus"
    ENTERPRISE = "enterprise"
    UNLIMITED = "unlimited"


# Restore rate in points/s; the bucket holds 20 s of restore (observed on Shopify).
RESTORE_RATES: dict[Plan, float] = {
    Plan.STANDARD: 100.0,
    Plan.ADVANCED: 200.0,
    Plan.PLUS: 1000.0,
    Plan.ENTERPRISE: 2000.0,
    Plan.UNLIMITED: 100000.0,
}
BUCKET_SECONDS = 20.0

PLAN_DISPLAY_NAMES: dict[Plan, str] = {
    Plan.STANDARD: "Basic",
    Plan.ADVANCED: "Advanced",
    Plan.PLUS: "Shopify Plus",
    Plan.ENTERPRISE: "Commerce Components",
    Plan.UNLIMITED: "Development",
}

SUPPORTED_API_VERSIONS: tuple[str, ...] = (
    "2024-10",
    "2025-01",
    "2025-04",
    "2025-07",
    "2025-10",
    "2026-01",
    "unstable",
)


@dataclass
class EmulatorConfig:
    """Everything that shapes one emulated store; all fields have test-friendly defaults."""

    plan: Plan = Plan.STANDARD
    latency_ms: float = 0.0
    access_token: str = "shpat_emulator"
    webhook_secret: str = "emulator-webhook-secret"
    shop_domain: str = "emulator-store.myshopify.com"
    shop_name: str = "Emulator Store"
    currency_code: str = "USD"
    weight_unit: str = "KILOGRAMS"
    iana_timezone: str = "America/New_York"
    state_file: Path | None = None
    api_versions: tuple[str, ...] = SUPPORTED_API_VERSIONS
    # Seconds an async productSet / Job stays unfinished before completing.
    async_completion_seconds: float = 0.05
    # Bulk-mutation lines processed per second (handed to the bulk manager once wired).
    bulk_rate: float = 2000.0
    # Time scale for webhook retry backoff (1.0 = Shopify's real schedule, which spans hours).
    webhook_time_scale: float = 0.001
    # Real seconds per emulated second for every wait the store imposes: cost-bucket restore and
    # throttle storms, latency, timeout faults and webhook retries (on top of
    # webhook_time_scale). 1.0 is Shopify's pace; tests use e.g. 0.01, so a 3 s throttle storm
    # passes in 30 ms. Rates are then reported per real second (restoreRate 100 becomes 10000).
    time_scale: float = 1.0
    # Debounce before a changed store is written to the state file.
    snapshot_debounce_seconds: float = 1.0
    # Size of the parsed-and-validated document cache.
    document_cache_size: int = 512
    # Base URL clients reach the emulator at (staged-upload and bulk-result links); taken from
    # the first request when not set.
    public_base_url: str | None = None

    @property
    def restore_rate(self) -> float:
        """Points restored per real second."""
        return RESTORE_RATES[self.plan] / self.time_scale

    @property
    def bucket_size(self) -> float:
        return RESTORE_RATES[self.plan] * BUCKET_SECONDS

    def real_seconds(self, emulated_seconds: float) -> float:
        return emulated_seconds * self.time_scale
