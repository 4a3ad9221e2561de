"""Asynchronous work Shopify reports through polling: productSet operations and Jobs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from shopify_emulator.gid import make_gid
from shopify_emulator.models import Product, UserError


@dataclass
class ProductSetOperation:
    id: int
    status: str = "CREATED"  # CREATED → ACTIVE → COMPLETE
    product: Product | None = None
    user_errors: list[UserError] = field(default_factory=list)
    graphql_type = "ProductSetOperation"

    @property
    def gid(self) -> str:
        return make_gid("ProductSetOperation", self.id)


@dataclass
class Job:
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    done: bool = False
    graphql_type = "Job"

    @property
    def gid(self) -> str:
        return make_gid("Job", self.id)


class OperationRegistry:
    """Operations and jobs by id; kept in memory only (Shopify expires them too)."""

    def __init__(self) -> None:
        self.product_operations: dict[int, ProductSetOperation] = {}
        self.jobs: dict[str, Job] = {}

    def clear(self) -> None:
        self.product_operations.clear()
        self.jobs.clear()
