"""Publishing products on the online store: finding its publication, the aliased
publishablePublish / publishableUnpublish document, and reading each answer back.

`publication_batch_document(kinds)` holds one alias `p{n}` per product (`$p{n}` its id), each
publishing (True) or unpublishing (False) it on `$publication`, and reads back what Shopify then
says (`publishedOnPublication`) and the product's `updatedAt`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from product_dashboard.shopify.errors import UserError, user_errors_in

__all__ = [
    "MAX_PER_REQUEST",
    "ONLINE_STORE",
    "PublicationOutcome",
    "online_store_publication",
    "parse_publication_payload",
    "publication_batch_document",
]

ONLINE_STORE = "Online Store"
# Ten points a mutation: fifty stay well under the 1,000-point cap of one request.
MAX_PER_REQUEST = 50
_FIELDS = (
    "publishable { ... on Product { id updatedAt "
    "publishedOnPublication(publicationId: $publication) } } "
    "userErrors { field message }"
)


def online_store_publication(nodes: Sequence[Mapping[str, Any]]) -> str | None:
    """The id of the publication whose catalog is the online store, from `Publications`."""
    for node in nodes:
        if ((node.get("catalog") or {}).get("title") or "").strip() == ONLINE_STORE:
            found: str = node["id"]
            return found
    return None


@functools.lru_cache(maxsize=256)
def publication_batch_document(kinds: tuple[bool, ...]) -> str:
    """Aliased `p{n}`: publishablePublish (True) or publishableUnpublish (False) of `$p{n}`."""
    declarations = ["$publication: ID!", *(f"$p{n}: ID!" for n in range(len(kinds)))]
    fields = [
        f"p{n}: {'publishablePublish' if publish else 'publishableUnpublish'}"
        f"(id: $p{n}, input: [{{publicationId: $publication}}]) {{ {_FIELDS} }}"
        for n, publish in enumerate(kinds)
    ]
    return f"mutation publicationBatch({', '.join(declarations)}) {{ {' '.join(fields)} }}"


@dataclass(frozen=True, slots=True)
class PublicationOutcome:
    """One alias's answer: whether the product is now on the publication, and when it changed."""

    published: bool | None
    updated_at: str | None
    user_errors: list[UserError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.user_errors and self.published is not None


def parse_publication_payload(payload: Mapping[str, Any] | None) -> PublicationOutcome:
    errors = user_errors_in(payload)
    product = (payload or {}).get("publishable") or {}
    if not product and not errors:
        errors = [UserError(field=None, message="Shopify returned no product", code=None)]
    return PublicationOutcome(
        published=product.get("publishedOnPublication"),
        updated_at=product.get("updatedAt"),
        user_errors=errors,
    )
