"""QueryRoot resolvers."""

from __future__ import annotations

from typing import Any, TypeVar

from graphql import GraphQLError, GraphQLResolveInfo

from shopify_emulator.catalog.taxonomy import TaxonomyCategory, category_key
from shopify_emulator.config import PLAN_DISPLAY_NAMES, PLAN_PUBLIC_DISPLAY_NAMES, Plan
from shopify_emulator.gid import is_numeric_id, parse_gid, parse_numeric_gid
from shopify_emulator.models import Collection, Product, Variant
from shopify_emulator.resolvers.context import ctx, store_of, warn_unknown_filters
from shopify_emulator.resolvers.objects import COLLECTION_SORTS, page_args
from shopify_emulator.resolvers.pagination import (
    Connection,
    map_nodes,
    paginate,
    text_key,
    time_key,
)
from shopify_emulator.resolvers.views import (
    Count,
    InventoryItemView,
    LocationView,
    ShopPlan,
    ShopView,
)
from shopify_emulator.search import (
    SearchSyntaxError,
    collection_filter,
    product_filter,
    variant_filter,
)
from shopify_emulator.search.filters import (
    FieldMatcher,
    Predicate,
    compile_query,
    count_within,
    id_bounds,
    unknown_fields,
)
from shopify_emulator.search.parser import parse_query
from shopify_emulator.store import Store

T = TypeVar("T")
Resolver = Any
COUNT_LIMIT = 10000

_PRODUCT_SORTS: dict[str, Any] = {
    "ID": lambda p: (p.id, p.id),
    "RELEVANCE": lambda p: (p.id, p.id),
    "TITLE": lambda p: (text_key(p.title), p.id),
    "UPDATED_AT": lambda p: (time_key(p.updated_at), p.id),
    "CREATED_AT": lambda p: (time_key(p.created_at), p.id),
    "PUBLISHED_AT": lambda p: (time_key(p.published_at), p.id),
    "PRODUCT_TYPE": lambda p: (text_key(p.product_type), p.id),
    "VENDOR": lambda p: (text_key(p.vendor), p.id),
    "INVENTORY_TOTAL": lambda p: (p.total_inventory, p.id),
}
_VARIANT_ROOT_SORTS: dict[str, Any] = {
    "ID": lambda r: (r[0].id, r[0].id),
    "RELEVANCE": lambda r: (r[0].id, r[0].id),
    "POSITION": lambda r: (r[0].position, r[0].id),
    "SKU": lambda r: (text_key(r[0].sku), r[0].id),
    "TITLE": lambda r: (text_key(r[0].title), r[0].id),
    "NAME": lambda r: (text_key(r[0].title), r[0].id),
    "FULL_TITLE": lambda r: (text_key(f"{r[1].title} {r[0].title}"), r[0].id),
    "INVENTORY_QUANTITY": lambda r: (r[0].inventory_quantity, r[0].id),
    "INVENTORY_LEVELS_AVAILABLE": lambda r: (r[0].inventory_quantity, r[0].id),
    "INVENTORY_POLICY": lambda r: (r[0].inventory_policy, r[0].id),
    "INVENTORY_MANAGEMENT": lambda r: (int(r[0].tracked), r[0].id),
    "POPULAR": lambda r: (r[0].id, r[0].id),
}


def search_error(exc: SearchSyntaxError) -> GraphQLError:
    return GraphQLError(f"Invalid search query: {exc}", extensions={"code": "BAD_REQUEST"})


def query_predicate(
    info: GraphQLResolveInfo,
    query: str,
    fields: dict[str, FieldMatcher[T]],
    default: FieldMatcher[T],
) -> Predicate[T]:
    """A connection's `query:` over its filters: bad syntax a BAD_REQUEST, a filter the resource
    does not have warned of (as Shopify does)."""
    try:
        node = parse_query(query)
    except SearchSyntaxError as exc:
        raise search_error(exc) from exc
    warn_unknown_filters(info, query, unknown_fields(node, fields))
    return compile_query(node, fields, default)


def filtered_products(info: GraphQLResolveInfo, query: str | None) -> list[Product]:
    return _filter_products(info, "ID", list(store_of(info).products.values()), query)


def products(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[Product]:
    sort_key = args.get("sortKey") or "ID"
    key = _PRODUCT_SORTS[sort_key]
    store = store_of(info)
    # Products are stored in id order; other orders are cached until the store changes.
    ordered = (
        list(store.products.values())
        if sort_key in ("ID", "RELEVANCE")
        else store.sorted_products(sort_key, key)
    )
    items = _filter_products(info, sort_key, ordered, args.get("query"))
    return paginate(items, key, presorted=True, **page_args(args))


def _filter_products(
    info: GraphQLResolveInfo, sort_key: str, ordered: list[Product], query: str | None
) -> list[Product]:
    """The products matching `query`, in `ordered`'s order; each page of a filtered read
    reuses the match list (cached until the store changes) instead of filtering again."""
    if not query:
        return ordered
    try:
        predicate, unknown = product_filter(query)
    except SearchSyntaxError as exc:
        raise search_error(exc) from exc
    warn_unknown_filters(info, query, unknown)
    matches: list[Product] = store_of(info).cached(
        ("products", sort_key, query), lambda: [p for p in ordered if predicate(p)]
    )
    return matches


def products_count(
    root: Any,
    info: GraphQLResolveInfo,
    query: str | None = None,
    limit: int | None = COUNT_LIMIT,
    **_: Any,
) -> Count:
    bounds = id_bounds(query, "Product")
    if bounds is not None:
        store = store_of(info)
        ids: list[int] = store.cached(("product_ids",), lambda: sorted(store.products))
        return _counted(count_within(ids, bounds), limit)
    return _counted(len(filtered_products(info, query)), limit)


def _counted(count: int, limit: int | None) -> Count:
    """A count as Shopify gives it: at most `limit` (None: no limit), then AT_LEAST."""
    if limit is not None and count > limit:
        return Count(limit, "AT_LEAST")
    return Count(count)


def product_variants_count(
    root: Any,
    info: GraphQLResolveInfo,
    query: str | None = None,
    limit: int | None = COUNT_LIMIT,
    **_: Any,
) -> Count:
    bounds = id_bounds(query, "ProductVariant")
    if bounds is not None:
        store = store_of(info)
        ids: list[int] = store.cached(
            ("variant_ids",),
            lambda: sorted(v.id for p in store.products.values() for v in p.variants),
        )
        return _counted(count_within(ids, bounds), limit)
    return _counted(len(_variant_rows(info, query)), limit)


def _product_by_gid(store: Store, gid: str) -> Product | None:
    product_id = parse_numeric_gid(gid, "Product")
    return store.products.get(product_id) if product_id is not None else None


def product_by_identifier(
    root: Any, info: GraphQLResolveInfo, identifier: dict[str, Any]
) -> Product | None:
    store = store_of(info)
    if identifier.get("id"):
        return _product_by_gid(store, identifier["id"])
    if identifier.get("handle"):
        return store.product_by_handle(identifier["handle"])
    return None


VariantRow = tuple[Variant, Product]


def _variant_rows(
    info: GraphQLResolveInfo, query: str | None, sort_key: str = "ID"
) -> list[VariantRow]:
    """All (variant, product) rows matching `query`, sorted by `sort_key`.

    Built once and cached until the store changes, so paging through every variant costs
    each page its own rows only, not a rebuild and re-sort of the whole catalog.
    """
    store = store_of(info)
    key = _VARIANT_ROOT_SORTS[sort_key]
    predicate = None
    if query:
        try:
            predicate, unknown = variant_filter(query)
        except SearchSyntaxError as exc:
            raise search_error(exc) from exc
        warn_unknown_filters(info, query, unknown)
    everything: list[VariantRow] = store.cached(
        ("variant_rows", sort_key),
        lambda: sorted(((v, p) for p in store.products.values() for v in p.variants), key=key),
    )
    if predicate is None:
        return everything
    matches: list[VariantRow] = store.cached(
        ("variant_rows", sort_key, query), lambda: [r for r in everything if predicate(r)]
    )
    return matches


def product_variants(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    sort_key = args.get("sortKey") or "ID"
    rows = _variant_rows(info, args.get("query"), sort_key)
    page = paginate(rows, _VARIANT_ROOT_SORTS[sort_key], presorted=True, **page_args(args))
    return map_nodes(page, lambda row: row[0])


def _collections(info: GraphQLResolveInfo, query: str | None) -> list[Collection]:
    store = store_of(info)
    if not query:
        return list(store.collections.values())
    try:
        predicate, unknown = collection_filter(query)
    except SearchSyntaxError as exc:
        raise search_error(exc) from exc
    warn_unknown_filters(info, query, unknown)
    return [c for c in store.collections.values() if predicate(c)]


def collections(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[Collection]:
    items = _collections(info, args.get("query"))
    return paginate(items, COLLECTION_SORTS[args.get("sortKey") or "ID"], **page_args(args))


def _collection_by_gid(store: Store, gid: str) -> Collection | None:
    collection_id = parse_numeric_gid(gid, "Collection")
    return store.collections.get(collection_id) if collection_id is not None else None


def collection_by_identifier(
    root: Any, info: GraphQLResolveInfo, identifier: dict[str, Any]
) -> Collection | None:
    store = store_of(info)
    if identifier.get("id"):
        return _collection_by_gid(store, identifier["id"])
    if identifier.get("handle"):
        return store.collection_by_handle(identifier["handle"])
    return None


def shop(root: Any, info: GraphQLResolveInfo) -> ShopView:
    state = ctx(info).state
    config = state.config
    plan = config.plan
    return ShopView(
        id=state.store.location_id + 1,
        name=config.shop_name,
        myshopify_domain=config.shop_domain,
        plan=ShopPlan(
            display_name=PLAN_DISPLAY_NAMES[plan],
            public_display_name=PLAN_PUBLIC_DISPLAY_NAMES[plan],
            partner_development=plan == Plan.UNLIMITED,
            shopify_plus=plan in (Plan.PLUS, Plan.ENTERPRISE),
        ),
        created_at=state.store.created_at,
        updated_at=state.store.created_at,
        email=f"owner@{config.shop_domain}",
        currency_code=config.currency_code,
        weight_unit=config.weight_unit,
        iana_timezone=config.iana_timezone,
        url=f"https://{config.shop_domain}",
    )


def location_view(store: Store, location_id: int | None = None) -> LocationView:
    """A location of the shop (the primary when no id is given)."""
    return LocationView.of(store.locations[location_id or store.location_id])


def location(root: Any, info: GraphQLResolveInfo, id: str | None = None) -> LocationView | None:
    store = store_of(info)
    location_id = parse_numeric_gid(id, "Location") if id is not None else store.location_id
    return location_view(store, location_id) if location_id in store.locations else None


def locations(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[LocationView]:
    store = store_of(info)
    items = [LocationView.of(location) for location in store.locations.values()]
    return paginate(items, lambda loc: (loc.id, loc.id), **page_args(args))


def resolve_node(info: GraphQLResolveInfo, gid: str) -> Any:
    """Any record by gid, or None."""
    parsed = parse_gid(gid)
    if parsed is None:
        return None
    type_name, raw = parsed
    state = ctx(info).state
    store = state.store
    finders = state.hooks.node_finders
    if type_name in finders:
        return finders[type_name](raw)
    if type_name == "TaxonomyCategory":
        key = category_key(gid)
        return TaxonomyCategory(key) if key else None
    if not is_numeric_id(raw):
        return None
    number = int(raw)
    if type_name == "Product":
        return store.products.get(number)
    if type_name == "ProductVariant":
        return store.variants.get(number)
    if type_name == "Collection":
        return store.collections.get(number)
    if type_name == "InventoryItem":
        variant_id = store.inventory_items.get(number)
        return InventoryItemView(store.variants[variant_id]) if variant_id is not None else None
    if type_name == "ProductSetOperation":
        return state.operations.product_operations.get(number)
    if type_name == "Location":
        return location(None, info, gid)
    if type_name == "MediaImage":
        return next((m for p in store.products.values() for m in p.media if m.id == number), None)
    return None


def node(root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    return resolve_node(info, id)


def nodes(root: Any, info: GraphQLResolveInfo, ids: list[str]) -> list[Any]:
    if len(ids) > 250:
        raise GraphQLError(
            f"The input array size of {len(ids)} is greater than the maximum allowed of 250.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )
    return [resolve_node(info, gid) for gid in ids]


def product_operation(root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    number = parse_numeric_gid(id, "ProductSetOperation")
    return ctx(info).state.operations.product_operations.get(number) if number is not None else None


def job(root: Any, info: GraphQLResolveInfo, id: str) -> Any:
    parsed = parse_gid(id)
    if parsed is None or parsed[0] != "Job":
        return None
    return ctx(info).state.operations.jobs.get(parsed[1])


QUERY: dict[str, Resolver] = {
    "products": products,
    "productsCount": products_count,
    "product": lambda root, info, id: _product_by_gid(store_of(info), id),
    "productByHandle": lambda root, info, handle: store_of(info).product_by_handle(handle),
    "productByIdentifier": product_by_identifier,
    "productVariant": lambda root, info, id: store_of(info).variants.get(
        parse_numeric_gid(id, "ProductVariant") or -1
    ),
    "productVariants": product_variants,
    "productVariantsCount": product_variants_count,
    "collections": collections,
    "collectionsCount": lambda root, info, query=None, **_: Count(len(_collections(info, query))),
    "collection": lambda root, info, id: _collection_by_gid(store_of(info), id),
    "collectionByHandle": lambda root, info, handle: store_of(info).collection_by_handle(handle),
    "collectionByIdentifier": collection_by_identifier,
    "node": node,
    "nodes": nodes,
    "shop": shop,
    "location": location,
    "locations": locations,
    "productOperation": product_operation,
    "job": job,
}  # bulk operations and webhook subscriptions: `wiring.wire_subsystems`
