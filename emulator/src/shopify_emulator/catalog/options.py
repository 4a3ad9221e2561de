"""Product options and variant option values: Shopify's matching and validation rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import OptionValue, ProductOption, UserError
from shopify_emulator.store import Store

MAX_OPTIONS = 3
MAX_VARIANTS = 2048
DEFAULT_OPTION = "Title"
DEFAULT_VALUE = "Default Title"


@dataclass
class OptionCodes:
    """The error codes one mutation's user-error enum uses for option problems."""

    over_limit: str | None = "OPTIONS_OVER_LIMIT"
    duplicated_name: str | None = "DUPLICATED_OPTION_NAME"
    duplicated_value: str | None = "DUPLICATED_OPTION_VALUE"
    option_missing: str | None = "OPTION_DOES_NOT_EXIST"
    value_missing: str | None = "OPTION_VALUE_DOES_NOT_EXIST"
    values_incomplete: str | None = "OPTION_VALUES_MISSING"
    duplicate_variant: str | None = "INVALID_VARIANT"
    linked_and_plain: str | None = "CANNOT_COMBINE_LINKED_AND_NONLINKED_OPTION_VALUES"
    linked_value_invalid: str | None = "INVALID_METAFIELD_VALUE_FOR_LINKED_OPTION"


def default_options(store: Store) -> list[ProductOption]:
    return [
        ProductOption(
            id=store.ids.next(),
            name=DEFAULT_OPTION,
            position=1,
            values=[OptionValue(id=store.ids.next(), name=DEFAULT_VALUE)],
        )
    ]


def build_options(
    store: Store,
    inputs: list[dict[str, Any]],
    existing: list[ProductOption],
    path: list[str],
    errors: list[UserError],
    codes: OptionCodes,
) -> list[ProductOption]:
    """Options from OptionSetInput/OptionCreateInput, keeping ids of options matched by id/name."""
    if len(inputs) > MAX_OPTIONS:
        errors.append(
            UserError(
                path, f"Can only specify a maximum of {MAX_OPTIONS} options", codes.over_limit
            )
        )
        return existing
    by_id = {o.id: o for o in existing}
    by_name = {o.name.lower(): o for o in existing}
    seen_names: set[str] = set()
    result: list[ProductOption] = []
    for index, item in enumerate(inputs):
        option_path = [*path, str(index)]
        given_id = parse_numeric_gid(item["id"], "ProductOption") if item.get("id") else None
        previous = by_id.get(given_id) if given_id is not None else None
        name = (item.get("name") or (previous.name if previous else "")).strip()
        if not name:
            errors.append(UserError([*option_path, "name"], "Option name can't be blank", None))
            continue
        lowered = name.lower()
        if lowered in seen_names:
            errors.append(
                UserError(
                    [*option_path, "name"],
                    f"Duplicated option name '{name}'.",
                    codes.duplicated_name,
                )
            )
            continue
        seen_names.add(lowered)
        previous = previous or by_name.get(lowered)
        link = item.get("linkedMetafield")
        if link is not None:
            values = _linked_values(store, item, link, previous, option_path, errors, codes)
            namespace, key = link["namespace"], link["key"]
        else:
            values = _build_values(
                store, item.get("values") or [], previous, option_path, errors, codes
            )
            namespace = previous.linked_namespace if previous else None
            key = previous.linked_key if previous else None
        option_id = previous.id if previous else store.ids.next()
        position = item.get("position") or index + 1
        result.append(ProductOption(option_id, name, position, values, namespace, key))
    result.sort(key=lambda o: o.position)
    for position, option in enumerate(result, start=1):
        option.position = position
    return result


def _linked_values(
    store: Store,
    item: dict[str, Any],
    link: dict[str, Any],
    previous: ProductOption | None,
    option_path: list[str],
    errors: list[UserError],
    codes: OptionCodes,
) -> list[OptionValue]:
    """A metafield-linked option's values: metaobject entries (`linkedMetafield.values`), each
    named by its entry; values by name cannot be given beside them."""
    if item.get("values"):
        errors.append(
            UserError(
                [*option_path, "values"],
                "Cannot combine linked metafield and option values.",
                codes.linked_and_plain,
            )
        )
        return []
    old = {v.linked_value: v for v in previous.values} if previous else {}
    values: list[OptionValue] = []
    for index, gid in enumerate(link.get("values") or []):
        name = store.metaobjects.get(gid)
        if name is None:
            errors.append(
                UserError(
                    [*option_path, "linkedMetafield", "values", str(index)],
                    f"The metafield value {gid} is not a metaobject this option can link to.",
                    codes.linked_value_invalid,
                )
            )
            continue
        prior = old.get(gid)
        values.append(OptionValue(prior.id if prior else store.ids.next(), name, gid))
    return values


def _build_values(
    store: Store,
    inputs: list[dict[str, Any]],
    previous: ProductOption | None,
    option_path: list[str],
    errors: list[UserError],
    codes: OptionCodes,
) -> list[OptionValue]:
    # Values differing only in case ("1PC" and "1pc") are distinct values, as in Shopify.
    old = {v.name: v for v in previous.values} if previous else {}
    old_folded = {v.name.lower(): v for v in reversed(previous.values)} if previous else {}
    old_ids = {v.id: v for v in previous.values} if previous else {}
    seen: set[str] = set()
    values: list[OptionValue] = []
    next_id = store.ids.next
    for index, item in enumerate(inputs):
        given = parse_numeric_gid(item["id"], "ProductOptionValue") if item.get("id") else None
        by_id = old_ids.get(given) if given is not None else None
        name = (item.get("name") or (by_id.name if by_id else "")).strip()
        if not name:
            errors.append(
                UserError(
                    [*option_path, "values", str(index), "name"], "Option value can't be blank"
                )
            )
            continue
        if name in seen:
            errors.append(
                UserError(
                    [*option_path, "values", str(index), "name"],
                    f"Duplicated option value '{name}'.",
                    codes.duplicated_value,
                )
            )
            continue
        seen.add(name)
        prior = by_id or old.get(name) or old_folded.get(name.lower())
        if (
            prior is not None
            and prior.name != name
            and prior.name in [i.get("name") for i in inputs]
        ):
            prior = None  # "1PC" renamed is not "1pc" when "1pc" is kept too
        values.append(OptionValue(prior.id if prior else next_id(), name))
    return values


class OptionIndex:
    """Lookups of a product's options and values by id and by name (first match wins)."""

    def __init__(self, options: list[ProductOption]) -> None:
        self.option_by_id: dict[int, int] = {}
        self.option_by_name: dict[str, int] = {}
        self.value_by_id: list[dict[int, OptionValue]] = []
        self.value_by_name: list[dict[str, OptionValue]] = []
        self.value_by_exact_name: list[dict[str, OptionValue]] = []
        self.value_by_link: list[dict[str, OptionValue]] = []
        for index, option in enumerate(options):
            self.option_by_id.setdefault(option.id, index)
            self.option_by_name.setdefault(option.name.lower(), index)
            by_id: dict[int, OptionValue] = {}
            by_name: dict[str, OptionValue] = {}
            for value in option.values:
                by_id.setdefault(value.id, value)
                by_name.setdefault(value.name.lower(), value)
            self.value_by_id.append(by_id)
            self.value_by_name.append(by_name)
            self.value_by_exact_name.append({value.name: value for value in option.values})
            self.value_by_link.append(
                {value.linked_value: value for value in option.values if value.linked_value}
            )

    def value_named(self, option_index: int, name: str) -> OptionValue | None:
        """The value of this exact name, else one differing only in case."""
        name = name.strip()
        exact = self.value_by_exact_name[option_index].get(name)
        return exact or self.value_by_name[option_index].get(name.lower())

    def option(self, item: dict[str, Any]) -> int | None:
        if item.get("optionId"):
            option_id = parse_numeric_gid(item["optionId"], "ProductOption")
            return self.option_by_id.get(option_id) if option_id is not None else None
        return self.option_by_name.get((item.get("optionName") or "").strip().lower())

    def value(self, option_index: int, item: dict[str, Any]) -> OptionValue | None:
        if item.get("id"):
            value_id = parse_numeric_gid(item["id"], "ProductOptionValue")
            return self.value_by_id[option_index].get(value_id) if value_id is not None else None
        if item.get("linkedMetafieldValue"):
            return self.value_by_link[option_index].get(item["linkedMetafieldValue"])
        return self.value_named(option_index, item.get("name") or "")

    def names(self, inputs: list[dict[str, Any]]) -> list[str] | None:
        """`resolve_option_values` for the common case: every option named once, by name.

        None when anything else occurs (ids, an unknown name, a missing option); the full
        function then gives the answer and its errors.
        """
        chosen: list[str | None] = [None] * len(self.value_by_name)  # one per option
        option_by_name = self.option_by_name
        for item in inputs:
            if item.get("optionId") or item.get("id") or item.get("linkedMetafieldValue"):
                return None
            option_index = option_by_name.get((item.get("optionName") or "").strip().lower())
            if option_index is None:
                return None
            value = self.value_named(option_index, item.get("name") or "")
            if value is None:
                return None
            chosen[option_index] = value.name
        if None in chosen:
            return None
        return chosen  # type: ignore[return-value]  # no None left


def resolve_option_values(
    options: list[ProductOption],
    inputs: list[dict[str, Any]],
    path: list[str],
    errors: list[UserError],
    codes: OptionCodes,
    index: OptionIndex | None = None,
) -> list[str] | None:
    """Map VariantOptionValueInput entries to one value name per option, in option order.

    Pass an `OptionIndex` of `options` when resolving many variants of one product.
    """
    lookup = index or OptionIndex(options)
    chosen: dict[int, str] = {}
    ok = True
    for position, item in enumerate(inputs):
        value_path = [*path, str(position)]
        option_index = lookup.option(item)
        if option_index is None:
            label = item.get("optionName") or item.get("optionId") or ""
            errors.append(
                UserError(value_path, f"Option '{label}' does not exist.", codes.option_missing)
            )
            ok = False
            continue
        option = options[option_index]
        value = lookup.value(option_index, item)
        if value is None:
            label = item.get("name") or item.get("linkedMetafieldValue") or item.get("id") or ""
            errors.append(
                UserError(
                    value_path,
                    f"Option value '{label}' does not exist for option '{option.name}'.",
                    codes.value_missing,
                )
            )
            ok = False
            continue
        chosen[option_index] = value.name
    missing = [o.name for i, o in enumerate(options) if i not in chosen]
    if ok and missing:
        errors.append(
            UserError(
                path,
                "The variant is missing option values for: " + ", ".join(missing) + ".",
                codes.values_incomplete,
            )
        )
        return None
    if not ok:
        return None
    return [chosen[i] for i in range(len(options))]


def variant_title(values: list[str]) -> str:
    return " / ".join(values)
