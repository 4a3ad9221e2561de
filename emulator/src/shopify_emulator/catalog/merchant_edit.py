"""Edits as a merchant makes them in Shopify's admin (through `/_emulator/products/{id}/edit`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shopify_emulator.catalog.product_fields import FieldCodes, apply_product_fields
from shopify_emulator.catalog.product_set import commit_product
from shopify_emulator.catalog.records import clone
from shopify_emulator.catalog.variant_fields import apply_variant_fields
from shopify_emulator.clock import utc_now
from shopify_emulator.gid import is_numeric_id, parse_numeric_gid
from shopify_emulator.models import Product, UserError
from shopify_emulator.money import MoneyError, parse_money
from shopify_emulator.store import Store

_SNAKE_ALIASES = {
    "body_html": "descriptionHtml",
    "description_html": "descriptionHtml",
    "product_type": "productType",
    "template_suffix": "templateSuffix",
}
_MONEY_KEYS = ("price", "compareAtPrice")


@dataclass
class EditResult:
    product: Product | None
    changed: bool = False
    not_found: bool = False
    errors: list[UserError] = field(default_factory=list)


def _normalise(body: dict[str, Any]) -> dict[str, Any]:
    data = {_SNAKE_ALIASES.get(k, k): v for k, v in body.items()}
    if isinstance(data.get("tags"), str):
        data["tags"] = [t.strip() for t in data["tags"].split(",")]
    if isinstance(data.get("status"), str):
        data["status"] = data["status"].upper()
    return data


def merchant_edit(store: Store, product_ref: str, body: dict[str, Any]) -> EditResult:
    """Apply scalar fields, and per-variant fields under `variants` (matched by id or position).

    Top-level `price`/`compareAtPrice`/`inventoryQuantity` apply to every variant.
    """
    product_id = (
        int(product_ref)
        if is_numeric_id(product_ref)
        else parse_numeric_gid(product_ref, "Product")
    )
    existing = store.products.get(product_id) if product_id is not None else None
    if existing is None:
        return EditResult(
            None, not_found=True, errors=[UserError(["id"], "Product does not exist")]
        )
    data = _normalise(body)
    errors: list[UserError] = []
    now = utc_now()
    product = clone(existing)
    apply_product_fields(
        store, product, data, created=False, path=[], errors=errors, codes=FieldCodes(), now=now
    )
    shared = {k: data[k] for k in (*_MONEY_KEYS, "inventoryQuantity", "sku") if k in data}
    changes = [(v, dict(shared)) for v in product.variants] if shared else []
    for index, item in enumerate(data.get("variants") or []):
        target = None
        if item.get("id"):
            wanted = parse_numeric_gid(str(item["id"]), "ProductVariant") or (
                int(item["id"]) if is_numeric_id(str(item["id"])) else None
            )
            target = next((v for v in product.variants if v.id == wanted), None)
        elif index < len(product.variants):
            target = product.variants[index]
        if target is None:
            errors.append(UserError(["variants", str(index)], "Product variant does not exist"))
            continue
        changes.append((target, item))
    for variant, item in changes:
        fields = dict(item)
        try:
            for key in _MONEY_KEYS:
                if fields.get(key) is not None:
                    fields[key] = parse_money(fields[key])
        except MoneyError as exc:
            errors.append(UserError(["price"], str(exc)))
            continue
        if "inventoryQuantity" in fields:
            variant.inventory_quantity = int(fields.pop("inventoryQuantity"))
        apply_variant_fields(store, variant, fields, ["variants"], errors, None, now)
    if errors:
        return EditResult(None, errors=errors)
    result = commit_product(store, product, existing)
    return EditResult(result.product, changed=result.changed)
