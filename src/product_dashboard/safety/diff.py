"""Field-by-field differences between two stored product shapes, derived from the shapes.

Works on the JSON form of a product (a `SyncedSnapshot`'s stored form, or any shape that grows
new fields later): objects are compared key by key, lists of objects element by element (matched
by identity, see `IDENTITY`), and anything else as one value. A field added to the snapshot shows
in every preview and results file without being named here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

IGNORED = frozenset({"format"})
"""Bookkeeping keys of the stored shape, not merchant data."""

GROUPS = frozenset({"more"})
"""Keys of the stored shape that only group fields (the snapshot's later fields, kept apart so
the hashes of products without them stay as they were): their fields are their parent's own, as
a merchant knows them (`detail.requires_selling_plan`, not `detail.more`)."""

IDENTITY: tuple[tuple[str, ...], ...] = (
    ("id",),
    ("namespace", "key"),
    ("option_values",),
    ("src",),
    ("name",),
    ("sku",),
    ("variant", "location"),
)
"""How elements of a list of objects are told apart: the first of these key groups that every
element of both sides carries (Shopify's own identities: a variant by its option values, an image
by its source, a metafield by namespace and key; a level, of an import's `stock`, by its variant's
option values and its location's name); else by position."""


class ChangeKind(StrEnum):
    changed = "changed"
    added = "added"
    removed = "removed"


@dataclass(slots=True)
class FieldChange:
    """One change: `path` locates it (`variants[Red / L].price`), `field` names it generically
    (`variants.price`) for counting. A dataclass (validated where a model holds it): a preview
    builds hundreds of thousands."""

    path: str
    field: str
    kind: ChangeKind
    old: Any = None
    new: Any = None

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> FieldChange:
        """One read back from its JSON."""
        return cls(
            path=stored["path"],
            field=stored["field"],
            kind=ChangeKind(stored["kind"]),
            old=stored.get("old"),
            new=stored.get("new"),
        )


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[FieldChange]:
    """Every field that differs between `old` and `new` (either may be None: nothing)."""
    found: list[FieldChange] = []
    _diff_object(old or {}, new or {}, "", "", found)
    return found


# The walk appends to one list rather than yielding: a preview diffs tens of thousands of
# products, and nested generators cost a good part of it.
def _diff_object(
    old: Mapping[str, Any], new: Mapping[str, Any], path: str, field: str, found: list[FieldChange]
) -> None:
    for key in sorted(old.keys() | new.keys()):
        if key in IGNORED:
            continue
        before, after = old.get(key), new.get(key)
        if before != after and key in GROUPS:
            _diff_object(before or {}, after or {}, path, field, found)
        elif before != after:
            place = f"{path}.{key}" if path else key
            _diff_value(before, after, place, f"{field}.{key}" if field else key, found)


def _diff_value(old: Any, new: Any, path: str, field: str, found: list[FieldChange]) -> None:
    # JSON objects are dicts: a check against `dict` costs a fraction of one against `Mapping`.
    if isinstance(old, dict) and isinstance(new, dict):
        _diff_object(old, new, path, field, found)
    elif _objects(old) and _objects(new):
        _diff_list(old or [], new or [], path, field, found)
    else:
        found.append(FieldChange(path, field, ChangeKind.changed, old, new))


def _objects(value: Any) -> bool:
    """A list of objects (or None/empty, which may pair with one); the shapes never mix objects
    and plain values in one list, so the first element tells."""
    if value is None:
        return True
    return isinstance(value, list) and (not value or isinstance(value[0], dict))


def _diff_list(
    old: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
    path: str,
    field: str,
    found: list[FieldChange],
) -> None:
    keys = identity_keys(old, new)
    old_by = {element_id(e, keys, i): e for i, e in enumerate(old)}
    new_by = {element_id(e, keys, i): e for i, e in enumerate(new)}
    for ident, element in old_by.items():
        if ident not in new_by:
            found.append(FieldChange(f"{path}[{ident}]", field, ChangeKind.removed, element, None))
    for ident, element in new_by.items():
        before = old_by.get(ident)
        if before is None:
            found.append(FieldChange(f"{path}[{ident}]", field, ChangeKind.added, None, element))
        elif before != element:
            _diff_object(before, element, f"{path}[{ident}]", field, found)


def identity_keys(*sides: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The identity of list elements (see `IDENTITY`): present and unique on every side;
    () means by position."""
    for keys in IDENTITY:
        if all(_identifies(side, keys) for side in sides):
            return keys
    return ()


def _identifies(elements: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> bool:
    seen: set[tuple[Any, ...]] = set()
    for element in elements:
        value = _identity(element, keys)
        if value is None or value in seen:
            return False
        seen.add(value)
    return True


# Plain loops rather than generator expressions: identities are checked for every list of every
# product a preview diffs.
def _identity(element: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The element's values of `keys` (lists as tuples); None when one is missing or empty."""
    parts = []
    for key in keys:
        value = element.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, list | tuple):
            if not value:
                return None
            value = tuple(value)
        parts.append(value)
    return tuple(parts)


def element_id(element: Mapping[str, Any], keys: tuple[str, ...], index: int) -> str:
    if not keys:
        return str(index + 1)
    if len(keys) == 1:
        return _label(element.get(keys[0]))
    return ".".join([_label(element.get(k)) for k in keys])


def _label(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " / ".join(map(str, value))
    return str(value)
