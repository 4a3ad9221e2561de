"""Generate, store and attach product icons: OpenAI when configured, the local generator always.

A failed OpenAI call falls back to the local generator for that product and says why. Within one
run, a fatal OpenAI error (bad key, retired model, no quota) or a few failures in a row stop
further OpenAI calls, so a broken configuration doesn't cost a timeout per product.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.ai.errors import AIError
from product_dashboard.audit import service as audit
from product_dashboard.audit.service import Actor
from product_dashboard.db import SessionFactory
from product_dashboard.exceptions import BadRequest, NotFound
from product_dashboard.icon.repository import IconRepository
from product_dashboard.icon.storage import IconStore
from product_dashboard.icon.subject import IconGenerator, IconSubject

logger = logging.getLogger(__name__)

ProviderChoice = Literal["auto", "openai", "local"]
Provider = Literal["openai", "local"]


class ItemStatus(StrEnum):
    generated = "generated"  # by the provider asked for
    fallback = "fallback"  # OpenAI failed; the local generator made it
    skipped = "skipped"  # product gone, or it already had an icon and only_missing was set
    failed = "failed"  # nothing could be made or stored


@dataclass(slots=True)
class IconOutcome:
    product_id: int
    status: ItemStatus
    provider: Provider | None = None
    icon_url: str | None = None
    digest: str | None = None
    reason: str | None = None  # why it fell back, was skipped or failed
    error_code: str | None = None
    stored_path: str | None = None  # relative to DATA_DIR; not reported

    def as_report(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "status": self.status.value,
            "provider": self.provider,
            "icon_url": self.icon_url,
            "digest": self.digest,
            "reason": self.reason,
            "error_code": self.error_code,
        }


@dataclass(slots=True)
class RemoteCircuit:
    """Per run: whether to keep calling OpenAI."""

    max_consecutive_failures: int = 3
    consecutive_failures: int = 0
    disabled_reason: str | None = None

    @property
    def open(self) -> bool:
        return self.disabled_reason is None

    def success(self) -> None:
        self.consecutive_failures = 0

    def failure(self, error: AIError) -> None:
        self.consecutive_failures += 1
        if error.fatal:
            self.disabled_reason = error.detail
        elif self.consecutive_failures >= self.max_consecutive_failures:
            self.disabled_reason = (
                f"{self.consecutive_failures} OpenAI failures in a row; last: {error.detail}"
            )


def icon_url(product_id: int) -> str:
    return f"/api/products/{product_id}/icon"


class IconService:
    def __init__(
        self,
        store: IconStore,
        local: IconGenerator,
        remote: IconGenerator | None = None,
        *,
        remote_model: str | None = None,
        remote_parallelism: int = 2,
        local_parallelism: int = 2,
    ) -> None:
        self.store = store
        self.local = local
        self.remote = remote
        self.remote_model = remote_model
        self.remote_parallelism = remote_parallelism
        self.local_parallelism = local_parallelism

    def parallelism(self, provider: Provider) -> int:
        """How many products a batch works on at once."""
        return self.remote_parallelism if provider == "openai" else self.local_parallelism

    @property
    def default_provider(self) -> Provider:
        return "openai" if self.remote is not None else "local"

    def resolve(self, choice: ProviderChoice) -> Provider:
        if choice == "auto":
            return self.default_provider
        if choice == "openai" and self.remote is None:
            raise BadRequest(
                "OpenAI is not configured (set OPENAI_API_KEY); use provider 'local' or 'auto'."
            )
        return choice

    async def generate(
        self,
        sessions: SessionFactory,
        product_id: int,
        *,
        provider: Provider,
        actor: Actor,
        circuit: RemoteCircuit | None = None,
        only_missing: bool = False,
        batch_id: str | None = None,
    ) -> IconOutcome:
        """Make, store and attach one product's icon. Never raises for a per-product problem."""
        circuit = circuit or RemoteCircuit()
        try:
            async with sessions() as session:
                product = await IconRepository(session).product_with_tags(product_id)
                if product is None:
                    return IconOutcome(product_id, ItemStatus.skipped, reason="product not found")
                if only_missing and product.icon_path:
                    return IconOutcome(product_id, ItemStatus.skipped, reason="already has an icon")
                previous = product.icon_path
                subject = IconSubject.from_product(product, [t.name for t in product.tags])
            outcome = await self._render_and_store(product_id, subject, provider, circuit)
            path = outcome.stored_path
            if path is None:
                return outcome
            async with sessions() as session:
                if not await IconRepository(session).set_icon(product_id, path):
                    return IconOutcome(product_id, ItemStatus.skipped, reason="product deleted")
                audit.record(
                    session,
                    actor,
                    entity_type="product",
                    entity_id=product_id,
                    action="icon",
                    before={"icon": previous},
                    after={"icon": path, "provider": outcome.provider},
                    batch_id=batch_id,
                )
            return outcome
        except Exception as exc:  # one product's trouble must not end a batch
            logger.exception("icon generation failed for product %s", product_id)
            return IconOutcome(
                product_id,
                ItemStatus.failed,
                reason=f"{type(exc).__name__}: {exc}"[:500],
                error_code="internal",
            )

    async def _render_and_store(
        self, product_id: int, subject: IconSubject, provider: Provider, circuit: RemoteCircuit
    ) -> IconOutcome:
        status, used, reason, code = ItemStatus.generated, provider, None, None
        image = None
        if provider == "openai" and self.remote is not None:
            if circuit.open:
                try:
                    image = await self.remote.generate(subject)
                    circuit.success()
                except AIError as exc:
                    circuit.failure(exc)
                    status, reason, code = ItemStatus.fallback, exc.detail, exc.code
            else:
                status, reason, code = ItemStatus.fallback, circuit.disabled_reason, "disabled"
        if image is None:
            used = "local"
            image = await self.local.generate(subject)
        stored = await asyncio.to_thread(self.store.save, image)
        return IconOutcome(
            product_id,
            status,
            provider=used,
            icon_url=icon_url(product_id),
            digest=stored.digest,
            reason=reason,
            error_code=code,
            stored_path=stored.relative_path,
        )

    async def prune_files(self, sessions: SessionFactory) -> int:
        """Delete stored icons that no product uses any more (replaced or removed ones)."""
        async with sessions() as session:
            referenced = await IconRepository(session).referenced_paths()
        return await asyncio.to_thread(self.store.prune, referenced)

    async def remove(self, session: AsyncSession, product_id: int, actor: Actor) -> None:
        """Detach the product's icon (the file stays: other products may share it)."""
        repository = IconRepository(session)
        product = await repository.product_with_tags(product_id)
        if product is None:
            raise NotFound(f"Product {product_id} does not exist.")
        if product.icon_path is None:
            return
        await repository.set_icon(product_id, None)
        audit.record(
            session,
            actor,
            entity_type="product",
            entity_id=product_id,
            action="icon",
            before={"icon": product.icon_path},
            after={"icon": None},
        )
