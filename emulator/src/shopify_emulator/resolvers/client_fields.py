"""Fields that widely used extraction clients (Singer, Meltano and Airbyte Shopify taps) read
beyond what the dashboard needs: deprecated-but-declared fields, presentment prices, collection
publications, media errors, inventory levels and items, and the event log.

`wire_client_fields` binds them into an app's schema. The emulated shop has one currency, one
publication (the online store) and one location, and its media never fail to process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from graphql import GraphQLResolveInfo, GraphQLSchema

from shopify_emulator.events import EventLog, EventRecord
from shopify_emulator.gid import is_numeric_id, make_gid, parse_numeric_gid
from shopify_emulator.graphql_schema import extend_resolvers
from shopify_emulator.models import Collection, Product, UrlRedirect, Variant
from shopify_emulator.resolvers import inventory
from shopify_emulator.resolvers.context import ctx, store_of
from shopify_emulator.resolvers.objects import page_args
from shopify_emulator.resolvers.pagination import Connection, map_nodes, paginate
from shopify_emulator.resolvers.publications import PublicationView, publication_by_gid
from shopify_emulator.resolvers.queries import query_predicate
from shopify_emulator.resolvers.views import MoneyV2
from shopify_emulator.search.filters import (
    FieldMatcher,
    date_matches,
    exact_matches,
    id_matches,
    text_matches,
)
from shopify_emulator.state import EmulatorState

R = TypeVar("R")


def _numbered(items: list[Any], args: dict[str, Any]) -> Connection[Any]:
    """A connection over a short list kept in its own order."""
    page = paginate(
        list(enumerate(items)), lambda pair: (pair[0], pair[0]), presorted=True, **page_args(args)
    )
    return map_nodes(page, lambda pair: pair[1])


# --- prices ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PricePair:
    price: MoneyV2
    compare_at_price: MoneyV2 | None


def presentment_prices(variant: Variant, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    """One pair per presentment currency; the shop sells in its own currency only."""
    currency = ctx(info).state.config.currency_code
    wanted = args.get("presentmentCurrencies")
    pairs: list[PricePair] = []
    if wanted is None or currency in wanted:
        compare_at = variant.compare_at_price
        pairs.append(
            PricePair(
                MoneyV2(variant.price, currency),
                MoneyV2(compare_at, currency) if compare_at is not None else None,
            )
        )
    return _numbered(pairs, args)


# --- compare-at prices ------------------------------------------------------------------------
@dataclass(frozen=True)
class CompareAtRange:
    min_variant_compare_at_price: MoneyV2
    max_variant_compare_at_price: MoneyV2


def compare_at_price_range(product: Product, info: GraphQLResolveInfo) -> CompareAtRange | None:
    """Over the variants that have a compare-at price; none when no variant has one."""
    prices = [v.compare_at_price for v in product.variants if v.compare_at_price is not None]
    if not prices:
        return None
    currency = ctx(info).state.config.currency_code
    return CompareAtRange(MoneyV2(min(prices), currency), MoneyV2(max(prices), currency))


# --- publications ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CollectionPublicationView:
    collection: Collection
    publication: PublicationView
    is_published: bool = True

    @property
    def publish_date(self) -> datetime:
        return self.collection.created_at


def collection_publications(
    collection: Collection, info: GraphQLResolveInfo, **args: Any
) -> Connection[Any]:
    return _numbered([CollectionPublicationView(collection, PublicationView())], args)


# --- events ---------------------------------------------------------------------------------
_EVENT_FIELDS: dict[str, FieldMatcher[EventRecord]] = {
    "action": lambda t: lambda e: exact_matches(t, e.action),
    "subject_type": lambda t: lambda e: exact_matches(t, e.subject_type),
    "id": lambda t: lambda e: id_matches(t, e.id, "BasicEvent"),
    "created_at": lambda t: lambda e: date_matches(t, e.created_at),
    "comments": lambda t: lambda e: t.value.lower() == "false",
}


def _event_default(term: Any) -> Any:
    return lambda e: text_matches(term, e.message)


def _searched(
    info: GraphQLResolveInfo,
    rows: list[R],
    query: str | None,
    fields: dict[str, FieldMatcher[R]],
    default: Any,
) -> list[R]:
    """The rows a connection's `query:` matches (all without one), in their order."""
    if not query:
        return rows
    predicate = query_predicate(info, query, fields, default)
    return [row for row in rows if predicate(row)]


def _events_resolver(log: EventLog) -> Any:
    def events(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[EventRecord]:
        # Ids, and so CREATED_AT, increase with time.
        rows = _searched(info, log.events, args.get("query"), _EVENT_FIELDS, _event_default)
        return paginate(rows, lambda e: (e.id, e.id), presorted=True, **page_args(args))

    return events


def _event_by_id(log: EventLog) -> Any:
    def event(root: Any, info: GraphQLResolveInfo, id: str) -> EventRecord | None:
        number = parse_numeric_gid(id, "BasicEvent")
        return log.get(number) if number is not None else None

    return event


BASIC_EVENT: dict[str, Any] = {
    "appTitle": lambda e, info: None,
    "attributeToApp": lambda e, info: False,
    "attributeToUser": lambda e, info: False,
    "author": lambda e, info: None,
    "criticalAlert": lambda e, info: False,
    "hasAdditionalContent": lambda e, info: False,
    "secondaryMessage": lambda e, info: None,
    "subjectId": lambda e, info: e.subject_gid,
}


# --- small fields ---------------------------------------------------------------------------
PRODUCT: dict[str, Any] = {
    "bodyHtml": lambda p, info: p.description_html,
    "compareAtPriceRange": compare_at_price_range,
    "combinedListingRole": lambda p, info: p.combined_listing_role,
    "giftCardTemplateSuffix": lambda p, info: p.gift_card_template_suffix,
    "feedback": lambda p, info: None,  # no app has left feedback on the emulator's products
    "requiresSellingPlan": lambda p, info: p.requires_selling_plan,
}
VARIANT: dict[str, Any] = {
    "presentmentPrices": presentment_prices,
    # The emulator sells no bundles: no variant is made of components.
    "productVariantComponents": lambda v, info, **args: _numbered([], args),
    "requiresComponents": lambda v, info: v.requires_components,
    "showUnitPrice": lambda v, info: v.show_unit_price,
    # The online store sells what is in stock at the one location.
    "sellableOnlineQuantity": lambda v, info: max(v.inventory_quantity, 0),
}


@dataclass(frozen=True)
class CountryHsCode:
    country_code: str
    harmonized_system_code: str


def country_hs_codes(item: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[Any]:
    """InventoryItem.countryHarmonizedSystemCodes, by country code, a page at a time."""
    codes = sorted(item.variant.country_hs_codes.items())
    return _numbered([CountryHsCode(country, code) for country, code in codes], args)


INVENTORY_ITEM: dict[str, Any] = {"countryHarmonizedSystemCodes": country_hs_codes}


# --- URL redirects --------------------------------------------------------------------------
_REDIRECT_FIELDS: dict[str, FieldMatcher[UrlRedirect]] = {
    "path": lambda t: lambda r: exact_matches(t, r.path),
    "target": lambda t: lambda r: exact_matches(t, r.target),
    "id": lambda t: lambda r: id_matches(t, r.id, "UrlRedirect"),
}


def url_redirects(root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection[UrlRedirect]:
    """QueryRoot.urlRedirects: sorted by ID or PATH, filtered by `path:` / `target:` / `id:`."""
    rows = _searched(
        info,
        list(store_of(info).url_redirects.values()),
        args.get("query"),
        _REDIRECT_FIELDS,
        lambda term: lambda r: text_matches(term, r.path),
    )
    if args.get("sortKey") == "PATH":
        return paginate(rows, lambda r: (r.path, r.id), **page_args(args))
    return paginate(rows, lambda r: (r.id, r.id), **page_args(args))


LOCATION: dict[str, Any] = {
    "metafield": lambda location, info, **_: None,
    "metafields": lambda location, info, **args: _numbered([], args),
}
IMAGE: dict[str, Any] = {
    "originalSrc": lambda i, info: i.media.url,
    "src": lambda i, info: i.media.url,
}
MEDIA_IMAGE: dict[str, Any] = {
    # Media here is ready as soon as it is attached; Shopify lists processing failures here.
    "mediaErrors": lambda m, info: [],
    "mediaWarnings": lambda m, info: [],
    # Media carries no metafields of its own (Shopify deprecated them for metaobjects).
    "metafield": lambda m, info, **_: None,
    "metafields": lambda m, info, **args: _numbered([], args),
}
METAFIELD: dict[str, Any] = {"description": lambda m, info: None}
COLLECTION: dict[str, Any] = {"publications": collection_publications}


def wire_client_fields(state: EmulatorState, schema: GraphQLSchema) -> EventLog:
    """Bind these resolvers into `schema`; start the event log (returned) on the store."""
    log = EventLog()
    state.store.listeners.append(log.record)
    state.hooks.reset.append(log.clear)
    for type_name, resolvers in (
        ("Product", PRODUCT),
        ("ProductVariant", VARIANT),
        ("Image", IMAGE),
        ("MediaImage", MEDIA_IMAGE),
        ("Metafield", METAFIELD),
        ("Collection", COLLECTION),
        ("BasicEvent", BASIC_EVENT),
        ("InventoryItem", {**inventory.INVENTORY_ITEM, **INVENTORY_ITEM}),
        ("InventoryLevel", inventory.INVENTORY_LEVEL),
        ("Location", {**inventory.LOCATION, **LOCATION}),
        ("ProductOptionValue", {"swatch": lambda value, info: None}),
        (
            "QueryRoot",
            {
                **inventory.QUERY,
                "events": _events_resolver(log),
                "event": _event_by_id(log),
                "urlRedirects": url_redirects,
            },
        ),
    ):
        extend_resolvers(schema, type_name, resolvers)
    finders = state.hooks.node_finders
    finders["InventoryLevel"] = lambda raw: inventory.level_by_number(state.store, raw)
    finders["BasicEvent"] = lambda raw: log.get(int(raw)) if is_numeric_id(raw) else None
    finders["Publication"] = lambda raw: publication_by_gid(make_gid("Publication", raw))
    return log
