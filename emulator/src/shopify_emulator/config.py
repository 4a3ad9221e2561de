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

# `ShopPlan.publicDisplayName` (2026-10 lists: Advanced, Basic, Development, Grow, Plus, ...).
PLAN_PUBLIC_DISPLAY_NAMES: dict[Plan, str] = {
    Plan.STANDARD: "Grow",
    Plan.ADVANCED: "Advanced",
    Plan.PLUS: "Plus",
    Plan.ENTERPRISE: "Plus",
    Plan.UNLIMITED: "Development",
}
# The deprecated `ShopPlan.displayName`.
PLAN_DISPLAY_NAMES: dict[Plan, str] = {
    Plan.STANDARD: "Basic",
    Plan.ADVANCED: "Advanced",
    Plan.PLUS: "Shopify Plus",
    Plan.ENTERPRISE: "Commerce Components",
    Plan.UNLIMITED: "Development",
}

# The versions Shopify serves in December 2026, oldest first: each quarterly version is supported
# for about a year. A request for an older (retired) version is answered as the oldest one.
SUPPORTED_API_VERSIONS: tuple[str, ...] = (
    "2026-01",
    "2026-04",
    "2026-07",
    "2026-10",
    "unstable",
)
CURRENT_API_VERSION = "2026-10"

# Bulk mutation lines per second per operation, and the fixed start-up time of each operation,
# as merchants and developers report them for real stores (emulator/README.md, "Bulk timing").
REALISTIC_BULK_RATE = 20.0
REALISTIC_BULK_STARTUP_SECONDS = 5.0


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
    # Bulk lines processed per second by each operation (0 = as fast as the emulator can).
    bulk_rate: float = REALISTIC_BULK_RATE
    # Seconds each bulk operation stays CREATED before its first line runs.
    bulk_startup_seconds: float = REALISTIC_BULK_STARTUP_SECONDS
    # Time scale for webhook retry backoff (1.0 = Shopify's real schedule).
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
