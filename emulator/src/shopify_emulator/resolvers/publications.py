"""Publications: the online store (the emulated shop's one), and publishing products on it.

A product is on the online store while its `published_at` is set and not in the future;
`publishablePublish` / `publishableUnpublish` set and clear it (a change is a products/update).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import GraphQLResolveInfo

from shopify_emulator.clock import utc_now
from shopify_emulator.gid import make_gid, parse_numeric_gid
from shopify_emulator.models import Product, UserError
from shopify_emulator.resolvers.context import store_of
from shopify_emulator.resolvers.objects import page_args
from shopify_emulator.resolvers.pagination import Connection, paginate
from shopify_emulator.resolvers.queries import shop

ONLINE_STORE_PUBLICATION = 1
ONLINE_STORE = "Online Store"


@dataclass(frozen=True)
class PublicationView:
    """The online store, where products are published on creation and every collection is."""

    id: int = ONLINE_STORE_PUBLICATION
    name: str = ONLINE_STORE
    auto_publish: bool = True
    supports_future_publishing: bool = True
    graphql_type = "Publication"

    @property
    def gid(self) -> str:
        return make_gid("Publication", self.id)

    @property
    def catalog(self) -> dict[str, Any]:
        return {
            "__typename": "AppCatalog",
            "id": make_gid("AppCatalog", self.id),
            "status": "ACTIVE",
            "title": self.name,
        }


def publication_by_gid(gid: str | None) -> PublicationView | None:
    if gid is None or parse_numeric_gid(gid, "Publication") != ONLINE_STORE_PUBLICATION:
        return None
    return PublicationView()


def published_on(product: Product, publication_id: str) -> bool:
    if publication_by_gid(publication_id) is None or product.published_at is None:
        return False
    return product.published_at <= utc_now()


def publications(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    listed = [] if args.get("catalogType") not in (None, "APP") else [PublicationView()]
    return paginate(listed, lambda p: (p.id, p.id), **page_args(args))


def _publish(
    info: GraphQLResolveInfo, id: str, input: list[dict[str, Any]], *, publish: bool
) -> dict[str, Any]:
    store = store_of(info)
    number = parse_numeric_gid(id, "Product")
    product = store.products.get(number) if number is not None else None
    if product is None:
        return {
            "publishable": None,
            "shop": shop(None, info),
            "userErrors": [UserError(["id"], "Resource does not exist")],
        }
    errors: list[UserError] = []
    when: datetime | None = None
    for index, entry in enumerate(input):
        publication_id = entry.get("publicationId") or entry.get("channelId")
        if publication_by_gid(publication_id) is None:
            errors.append(
                UserError(["input", str(index), "publicationId"], "Publication does not exist")
            )
        when = entry.get("publishDate") or when
    if errors or not input:
        return {"publishable": None, "shop": shop(None, info), "userErrors": errors}
    target = (when or utc_now()) if publish else None
    if (product.published_at is None) != (target is None) or (
        publish and when is not None and product.published_at != target
    ):
        product.published_at = target
        product.updated_at = store.next_timestamp(product.updated_at)
        store.save_product(product, created=False)
    return {"publishable": product, "shop": shop(None, info), "userErrors": []}


def resolve_publish(
    root: Any, info: GraphQLResolveInfo, id: str, input: list[dict[str, Any]]
) -> dict[str, Any]:
    return _publish(info, id, input, publish=True)


def resolve_unpublish(
    root: Any, info: GraphQLResolveInfo, id: str, input: list[dict[str, Any]]
) -> dict[str, Any]:
    return _publish(info, id, input, publish=False)


QUERY: dict[str, Any] = {
    "publications": publications,
    "publication": lambda root, info, id: publication_by_gid(id),
}
MUTATION: dict[str, Any] = {
    "publishablePublish": resolve_publish,
    "publishableUnpublish": resolve_unpublish,
}
PRODUCT: dict[str, Any] = {
    "publishedOnPublication": lambda product, info, publicationId: published_on(
        product, publicationId
    ),
}
