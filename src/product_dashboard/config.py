"""Application settings, read once from the environment and `.env`."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends
from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from starlette.requests import HTTPConnection

DEFAULT_JWT_SECRET = "change-me"
MIN_JWT_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")
    _jwt_secret_generated: bool = PrivateAttr(default=False)

    environment: Literal["development", "test", "production"] = "development"
    port: int = 5000
    database_url: str = "sqlite+aiosqlite:///data/dashboard.db"
    database_echo: bool = False

    jwt_secret: str = ""
    jwt_algorithm: str = "HS256"
    access_token_expire_minutes: int = Field(default=60 * 12, ge=1)

    admin_email: str | None = None
    admin_password: str | None = None
    allow_registration: bool = False

    login_rate_limit_per_minute: int = Field(default=10, ge=1)
    register_rate_limit_per_hour: int = Field(default=20, ge=1)

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    metrics_token: str | None = None

    shopify_store_url: str | None = None
    shopify_access_token: str | None = None
    shopify_api_version: str = "2026-10"
    shopify_webhook_secret: str | None = None
    # The local store emulator `start_dashboard.sh` runs as the demo store while no
    # SHOPIFY_STORE_URL is set (token and secret generated into .env on its first run).
    emulator_port: int = Field(default=5001, ge=1, le=65535)
    emulator_plan: Literal["standard", "advanced", "plus", "enterprise", "unlimited"] = "standard"
    emulator_access_token: str | None = None
    emulator_webhook_secret: str | None = None
    shopify_timeout_seconds: float = Field(default=30.0, gt=0)
    shopify_max_retries: int = Field(default=5, ge=0, le=20)

    sync_min_workers: int = Field(default=2, ge=1, le=50)
    sync_max_workers: int = Field(default=10, ge=1, le=50)
    sync_bulk_chunk_size: int = Field(default=25_000, ge=1)
    sync_redirect_handles: bool = True
    sync_alert_error_rate: float = Field(default=0.05, ge=0, le=1)
    sync_alert_throttled_share: float = Field(default=0.05, ge=0, le=1)
    sync_alert_throughput_drop: float = Field(default=0.5, ge=0, le=1)
    # Inbound changes: webhooks, conflict detection, reconciliation.
    webhook_callback_url: str | None = None  # set: register our webhook subscriptions at start-up
    webhook_processing_enabled: bool = True
    webhook_max_attempts: int = Field(default=8, ge=1, le=100)
    webhook_retry_base_seconds: float = Field(default=2.0, gt=0)
    webhook_processor_concurrency: int = Field(default=4, ge=1, le=64)
    reconcile_interval_seconds: float = Field(default=0, ge=0)  # 0 = off
    conflict_detect_by_id_limit: int = Field(default=50, ge=0)  # larger scopes: bulk queries
    # Guard rules: a push whose preview breaks one waits for approval (unset: the rule is off;
    # a schedule may carry its own rules instead).
    guard_price_change_percent: float | None = Field(default=None, gt=0)
    guard_price_change_products: int = Field(default=0, ge=0)
    guard_zero_stock_variants: int | None = Field(default=None, ge=0)
    guard_stock_units_change_percent: float | None = Field(default=None, gt=0)
    guard_block_deletions: bool = False
    guard_catalog_share_percent: float | None = Field(default=None, gt=0, le=100)
    schedule_poll_seconds: float = Field(default=15, gt=0)  # how often due schedules are looked for

    openai_api_key: str | None = None
    openai_base_url: str | None = None  # an OpenAI-compatible endpoint; None for api.openai.com
    openai_image_model: str = "gpt-image-2.5-flare"
    openai_image_quality: Literal["low", "medium", "high", "auto"] = "medium"
    openai_text_model: str = "gpt-5.4-mini"
    openai_timeout_seconds: float = Field(default=120.0, gt=0)
    openai_max_retries: int = Field(default=2, ge=0, le=10)
    openai_requests_per_minute: int = Field(default=20, ge=1)
    openai_max_concurrency: int = Field(default=2, ge=1, le=32)
    icon_batch_max_products: int = Field(default=10_000, ge=1)

    # Retention: what is pruned, and when (RETENTION_INTERVAL_MINUTES=0 switches pruning off).
    retention_interval_minutes: float = Field(default=60, ge=0)
    retention_export_days: float = Field(default=7, gt=0)
    retention_upload_hours: float = Field(default=24, gt=0)
    retention_webhook_body_days: float = Field(default=14, ge=2)  # Shopify retries for 48 h
    retention_job_days: float = Field(default=90, gt=0)
    retention_alert_days: float = Field(default=90, gt=0)  # acknowledged or not
    max_active_exports_per_user: int = Field(default=3, ge=1)

    # Backups while the app runs (`product-dashboard backup` makes one any time; 0: none here).
    # Alerts (a job failed or held, a sync run's figures gone bad, webhook events given up on, a
    # backup failed) are also posted here as JSON, e.g. a Slack or Mattermost incoming webhook.
    alert_webhook_url: str | None = None
    alert_webhook_secret: str | None = None  # set: each post signed (X-Dashboard-Signature)

    backup_interval_hours: float = Field(default=24, ge=0)
    backup_keep: int = Field(default=7, ge=1)
    backup_dir: Path = Path("backups")

    log_dir: Path = Path("logs")
    log_level: str = "INFO"
    log_console: bool = True
    data_dir: Path = Path("data")

    @field_validator(
        "guard_price_change_percent",
        "guard_zero_stock_variants",
        "guard_stock_units_change_percent",
        "guard_catalog_share_percent",
        mode="before",
    )
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("alert_webhook_url", "alert_webhook_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("alert_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            url = urlsplit(value.strip())
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValueError(f"ALERT_WEBHOOK_URL must be an http(s) URL, not {value!r}")
        return value

    @field_validator("cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard_origin(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError(
                "CORS_ORIGINS=* would let any site call the API with the user's credentials; "
                "list the origins that may, e.g. https://admin.example.com"
            )
        return value

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        if not self.jwt_secret and self.environment == "development":
            # Tokens then last as long as the process; the app warns at start.
            self.jwt_secret = secrets.token_urlsafe(48)
            self._jwt_secret_generated = True
        elif self.jwt_secret == DEFAULT_JWT_SECRET or len(self.jwt_secret) < MIN_JWT_SECRET_LENGTH:
            raise ValueError(
                f"JWT_SECRET must be a random value of at least {MIN_JWT_SECRET_LENGTH} characters"
                f" (ENVIRONMENT={self.environment}); generate one with: python3 -c "
                '"import secrets; print(secrets.token_urlsafe(48))"'
            )
        return self

    @property
    def jwt_secret_generated(self) -> bool:
        """No JWT_SECRET was configured (development): a random one lives with this process."""
        return self._jwt_secret_generated

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


async def get_settings_from_app(connection: HTTPConnection) -> Settings:
    """The app's settings (create_app's), for endpoints; async, as a plain `def` dependency
    would cost a thread-pool hop per request."""
    settings: Settings = connection.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
