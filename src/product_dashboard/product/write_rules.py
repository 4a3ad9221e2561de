"""How a request's field is written over what a product holds (nothing, for a new product):
the rules creating (`create_rows`) and editing (`service`) a product share, and the columns
kept from its rows."""

from __future__ import annotations

from collections.abc import Sequence

from product_dashboard.kit.assign import assign
from product_dashboard.models import Product, ProductOption
from product_dashboard.models.inventory import whole_grams
from product_dashboard.product.rows import NewProduct
from product_dashboard.product.schemas import LinkedMetafield, VariantIn
from product_dashboard.product.search_index import build_search_text


def merge_extra_columns(
    kept: dict[str, str] | None, given: dict[str, str] | None
) -> dict[str, str] | None:
    """The given columns merged over the kept ones; an empty value removes its column."""
    if given is None:
        return kept
    merged = {k: v for k, v in {**(kept or {}), **given}.items() if v != ""}
    return merged or None


def linked_values(
    option: ProductOption | None, link: LinkedMetafield | None, values: Sequence[str]
) -> dict[str, str] | None:
    """The metaobject of each of the option's values: as given, else those the option (None: a
    new one) knows for the same linked metafield (an edit in the page does not carry them);
    only for values it has."""
    if link is None:
        return None
    known = link.values
    if (
        known is None
        and option is not None
        and (option.linked_metafield_namespace, option.linked_metafield_key)
        == (
            link.namespace,
            link.key,
        )
    ):
        known = option.linked_metafield_values
    kept = {value: known[value] for value in values if known and value in known}
    return kept or None


def weight_given(given: VariantIn, new: bool) -> bool:
    """Whether `weight_value` says the weight: given (or set on a new variant), and not
    contradicted by a `weight_grams` given beside it (an edit of the grams wins)."""
    if not ("weight_value" in given.model_fields_set or (new and given.weight_value is not None)):
        return False
    if "weight_grams" not in given.model_fields_set:
        return True
    return whole_grams(given.weight_value, given.weight_unit) == given.weight_grams


def refresh_derived(product: Product | NewProduct) -> None:
    """The product's columns kept from its variants and tags: price range, stock, search text."""
    prices = [v.price_cents for v in product.variants]
    assign(product, "price_min_cents", min(prices) if prices else None)
    assign(product, "price_max_cents", max(prices) if prices else None)
    assign(product, "total_inventory", sum(v.inventory_quantity for v in product.variants))
    search_text = build_search_text(
        product.title,
        product.vendor,
        product.product_type,
        [t.name for t in product.tags],
        [v.sku for v in product.variants],
    )
    assign(product, "search_text", search_text)
