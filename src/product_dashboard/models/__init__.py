"""Every table, one module each; import from here."""

from product_dashboard.models.alert import AlertRecord
from product_dashboard.models.audit_event import AuditEvent, AuditSource
from product_dashboard.models.base import Model, TimestampedModel
from product_dashboard.models.collection import Collection, CollectionProduct, CollectionType
from product_dashboard.models.inbound_cursor import InboundCursor
from product_dashboard.models.inventory import (
    InventoryLevel,
    InventoryPolicy,
    Location,
    WeightUnit,
)
from product_dashboard.models.job import Job, JobState
from product_dashboard.models.job_result import JobResult, ResultAction, ResultStage
from product_dashboard.models.job_schedule import JobSchedule
from product_dashboard.models.legacy_batch import (
    LegacyBatch,
    LegacyBatchItem,
    LegacyBatchState,
    LegacyItemState,
)
from product_dashboard.models.product import (
    MetafieldDefinition,
    MetafieldOwner,
    Product,
    ProductImage,
    ProductMetafield,
    ProductOption,
    ProductStatus,
    ProductTag,
    ProductVariant,
    SyncState,
)
from product_dashboard.models.product_batch import (
    BatchState,
    ProductBatch,
    ProductBatchCell,
    ProductBatchItem,
    ProductBatchVariant,
)
from product_dashboard.models.product_conflict import ConflictState, ProductConflict
from product_dashboard.models.revoked_token import RevokedToken
from product_dashboard.models.saved_view import SavedView
from product_dashboard.models.user import Role, User
from product_dashboard.models.webhook_event import WebhookEvent, WebhookState

__all__ = [
    "AlertRecord",
    "AuditEvent",
    "AuditSource",
    "BatchState",
    "Collection",
    "CollectionProduct",
    "CollectionType",
    "ConflictState",
    "InboundCursor",
    "InventoryLevel",
    "InventoryPolicy",
    "Job",
    "JobResult",
    "JobSchedule",
    "JobState",
    "LegacyBatch",
    "LegacyBatchItem",
    "LegacyBatchState",
    "LegacyItemState",
    "Location",
    "MetafieldDefinition",
    "MetafieldOwner",
    "Model",
    "Product",
    "ProductBatch",
    "ProductBatchCell",
    "ProductBatchItem",
    "ProductBatchVariant",
    "ProductConflict",
    "ProductImage",
    "ProductMetafield",
    "ProductOption",
    "ProductStatus",
    "ProductTag",
    "ProductVariant",
    "ResultAction",
    "ResultStage",
    "RevokedToken",
    "Role",
    "SavedView",
    "SyncState",
    "TimestampedModel",
    "User",
    "WebhookEvent",
    "WebhookState",
    "WeightUnit",
]
