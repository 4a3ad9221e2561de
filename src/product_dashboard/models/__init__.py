"""Every table, one module each; import from here."""

from product_dashboard.models.audit_event import AuditEvent, AuditSource
from product_dashboard.models.base import Model, TimestampedModel
from product_dashboard.models.job import Job, JobState
from product_dashboard.models.product import (
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    ProductTag,
    ProductVariant,
    SyncState,
)
from product_dashboard.models.revoked_token import RevokedToken
from product_dashboard.models.user import Role, User

__all__ = [
    "AuditEvent",
    "AuditSource",
    "Job",
    "JobState",
    "Model",
    "Product",
    "ProductImage",
    "ProductOption",
    "ProductStatus",
    "ProductTag",
    "ProductVariant",
    "RevokedToken",
    "Role",
    "SyncState",
    "TimestampedModel",
    "User",
]
