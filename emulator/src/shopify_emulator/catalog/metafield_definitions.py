"""Metafield definitions of products and variants: create (with Shopify's checks), find, delete."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import MetafieldDefinition, UserError
from shopify_emulator.store import Store

OWNER_TYPES = ("PRODUCT", "PRODUCTVARIANT")
APP_NAMESPACE = "app--1"  # the calling app's reserved namespace, used when none is given
RESERVED_NAMESPACES = ("shopify",)  # standard definitions only (not through this mutation)
MAX_PINNED = 20
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

# Shopify's metafield types (the scalar ones) and the category each belongs to; every one of
# them also exists as `list.<type>` except boolean, json, money and rich text.
_CATEGORIES = {
    "single_line_text_field": "TEXT",
    "multi_line_text_field": "TEXT",
    "rich_text_field": "TEXT",
    "number_integer": "NUMBER",
    "number_decimal": "NUMBER",
    "boolean": "TRUE_FALSE",
    "date": "DATE_TIME",
    "date_time": "DATE_TIME",
    "color": "COLOR",
    "url": "URL",
    "json": "JSON",
    "money": "MONEY",
    "rating": "RATING",
    "weight": "MEASUREMENT",
    "dimension": "MEASUREMENT",
    "volume": "MEASUREMENT",
    "product_reference": "REFERENCE",
    "variant_reference": "REFERENCE",
    "collection_reference": "REFERENCE",
    "file_reference": "REFERENCE",
    "page_reference": "REFERENCE",
    "metaobject_reference": "REFERENCE",
}
_NOT_LISTS = frozenset({"boolean", "json", "money", "rich_text_field"})
# Validation name -> the metafield type its value is written in ("" = the definition's own).
_VALIDATIONS = {
    "min": "",
    "max": "",
    "regex": "single_line_text_field",
    "choices": "list.single_line_text_field",
    "max_precision": "number_integer",
    "file_type_options": "list.single_line_text_field",
    "metaobject_definition_id": "metaobject_definition_reference",
}
_LENGTH_BOUNDED = frozenset({"single_line_text_field", "multi_line_text_field"})


def type_category(type_name: str) -> str | None:
    """The category of a known metafield type (lists share their element's), else None."""
    base = type_name.removeprefix("list.")
    if type_name != base and base in _NOT_LISTS:
        return None
    return _CATEGORIES.get(base)


def validation_type(definition: MetafieldDefinition, name: str) -> str:
    """The metafield type a validation's value is written in (MetafieldDefinitionValidation)."""
    base = definition.type.removeprefix("list.")
    if name in ("min", "max") and base in _LENGTH_BOUNDED:
        return "number_integer"  # a text's length
    return _VALIDATIONS.get(name) or base


@dataclass
class DefinitionResult:
    definition: MetafieldDefinition | None
    errors: list[UserError] = field(default_factory=list)


def _error(path: str, message: str, code: str) -> UserError:
    return UserError(["definition", path], message, code)


def _name_errors(value: str, path: str, low: int, high: int) -> list[UserError]:
    if len(value) < low:
        return [_error(path, f"{path.capitalize()} is too short (minimum is {low})", "TOO_SHORT")]
    if len(value) > high:
        return [_error(path, f"{path.capitalize()} is too long (maximum is {high})", "TOO_LONG")]
    if not _NAME.match(value):
        return [
            _error(
                path,
                f"{path.capitalize()} contains one or more invalid characters.",
                "INVALID_CHARACTER",
            )
        ]
    return []


def create_definition(store: Store, data: dict[str, Any]) -> DefinitionResult:
    """metafieldDefinitionCreate: checked, then added (pinned last when `pin`)."""
    owner_type = data["ownerType"]
    namespace = data.get("namespace") or APP_NAMESPACE
    key = data["key"]
    type_name = data["type"]
    errors: list[UserError] = []
    if owner_type not in OWNER_TYPES:
        errors.append(
            _error("ownerType", "Owner type is not supported here.", "INCLUSION")  # products only
        )
    if not (data.get("name") or "").strip():
        errors.append(_error("name", "Name can't be blank", "BLANK"))
    errors += _name_errors(namespace, "namespace", 3, 255)
    errors += _name_errors(key, "key", 2, 64)
    if namespace.lower() in RESERVED_NAMESPACES:
        errors.append(
            _error("namespace", f"Namespace {namespace} is reserved.", "RESERVED_NAMESPACE_KEY")
        )
    if type_category(type_name) is None:
        errors.append(_error("type", f"Type name {type_name} is not a valid type.", "INCLUSION"))
    validations = [{"name": v["name"], "value": v["value"]} for v in data.get("validations") or []]
    for index, validation in enumerate(validations):
        if validation["name"] not in _VALIDATIONS:
            errors.append(
                UserError(
                    ["definition", "validations", str(index), "name"],
                    f"Validations has an invalid option: {validation['name']}.",
                    "INVALID_OPTION",
                )
            )
    if find_definition(store, owner_type, namespace, key) is not None:
        errors.append(_error("key", "Key is in use for this namespace and owner type.", "TAKEN"))
    pinned = [d for d in store.metafield_definitions.values() if d.owner_type == owner_type]
    pinned = [d for d in pinned if d.pinned_position is not None]
    if data.get("pin") and len(pinned) >= MAX_PINNED:
        message = f"Limit of {MAX_PINNED} pinned definitions reached."
        errors.append(_error("pin", message, "PINNED_LIMIT_REACHED"))
    if errors:
        return DefinitionResult(None, errors)
    definition = MetafieldDefinition(
        id=store.ids.next(),
        owner_type=owner_type,
        namespace=namespace,
        key=key,
        name=data["name"].strip(),
        type=type_name,
        description=data.get("description"),
        validations=validations,
        pinned_position=len(pinned) + 1 if data.get("pin") else None,
    )
    add_definition(store, definition)
    return DefinitionResult(definition)


def add_definition(store: Store, definition: MetafieldDefinition) -> None:
    store.metafield_definitions[definition.id] = definition
    store.touch()


def find_definition(
    store: Store, owner_type: str, namespace: str, key: str
) -> MetafieldDefinition | None:
    return next(
        (
            d
            for d in store.metafield_definitions.values()
            if (d.owner_type, d.namespace, d.key) == (owner_type, namespace, key)
        ),
        None,
    )


def delete_definition(
    store: Store,
    id: str | None,
    identifier: dict[str, Any] | None,
    delete_metafields: bool,
) -> tuple[MetafieldDefinition | None, list[UserError]]:
    """metafieldDefinitionDelete by id or identifier; with `delete_metafields`, its metafields
    go too (otherwise they stay, without a definition, as in Shopify)."""
    definition: MetafieldDefinition | None = None
    if id is not None:
        number = parse_numeric_gid(id, "MetafieldDefinition")
        definition = store.metafield_definitions.get(number) if number is not None else None
    elif identifier is not None:
        definition = find_definition(
            store,
            identifier["ownerType"],
            identifier.get("namespace") or APP_NAMESPACE,
            identifier["key"],
        )
    if definition is None:
        return None, [UserError(["id"], "Definition not found.", "NOT_FOUND")]
    del store.metafield_definitions[definition.id]
    store.touch()
    if delete_metafields:
        _delete_metafields(store, definition)
    return definition, []


def _delete_metafields(store: Store, definition: MetafieldDefinition) -> None:
    named = (definition.namespace, definition.key)

    def kept(metafields: list[Any]) -> list[Any]:
        return [m for m in metafields if (m.namespace, m.key) != named]

    for product in list(store.products.values()):
        if definition.owner_type == "PRODUCT":
            remaining = kept(product.metafields)
            changed = len(remaining) != len(product.metafields)
            product.metafields = remaining
        else:
            changed = False
            for variant in product.variants:
                remaining = kept(variant.metafields)
                changed = changed or len(remaining) != len(variant.metafields)
                variant.metafields = remaining
        if changed:
            product.updated_at = store.next_timestamp(product.updated_at)
            store.save_product(product, created=False)
