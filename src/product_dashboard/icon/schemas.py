"""Request and response shapes of the icon API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from product_dashboard.icon.service import ProviderChoice
from product_dashboard.job.schemas import JobRead
from product_dashboard.kit.pagination import MAX_ID

PROVIDER_HELP = "auto: OpenAI when configured, else local; openai: fails if not configured"


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1, le=MAX_ID)
    provider: ProviderChoice = Field(default="auto", description=PROVIDER_HELP)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[int] | None = Field(
        default=None, min_length=1, description="Products by id (or give `filter`)"
    )
    filter: dict[str, Any] | None = Field(
        default=None, description="The product list's filter keys (q, status, product_type, …)"
    )
    only_missing: bool = Field(default=False, description="Skip products that have an icon")
    provider: ProviderChoice = Field(default="auto", description=PROVIDER_HELP)

    @model_validator(mode="after")
    def _one_selection(self) -> BatchIn:
        if (self.product_ids is None) == (self.filter is None):
            raise ValueError("give exactly one of product_ids or filter")
        if self.product_ids is not None and any(not 1 <= i <= MAX_ID for i in self.product_ids):
            raise ValueError("product ids must be positive integers")
        return self


class JobAccepted(BaseModel):
    job_id: str
    status_url: str
    provider: Literal["openai", "local"]
    total: int


class IconJobStatus(JobRead):
    results: dict[str, Any] | None = Field(
        description="The report so far (while running) or final: counters and per-product items"
    )


class ProvidersRead(BaseModel):
    default: Literal["openai", "local"]
    openai_configured: bool
    openai_image_model: str | None
    local_glyphs: list[str]
