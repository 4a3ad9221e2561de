"""Cheap copies of stored products and content comparison that ignores timestamps.

Writers edit a copy of the stored product and keep it only when its content differs. The copy
renews exactly what writers edit in place: the product, its tag list, its options with their
value lists, its variants with their option-value lists, and the media/metafield lists.
`Media`, `Metafield` and `OptionValue` records are shared with the stored product: writers
replace them (`build_media`, `build_metafields`, `build_options`), never edit them. Sharing also
makes comparison cheap, as an untouched record is the very same object on both sides.
"""

from __future__ import annotations

import dataclasses
import operator
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from shopify_emulator.models import Product, ProductOption, Variant

TIMESTAMP_FIELDS = frozenset({"created_at", "updated_at"})
_Record = TypeVar("_Record")


def shallow_copy(record: _Record) -> _Record:
    """A new instance with the same attribute values (no constructor call, no deep walk)."""
    duplicate: _Record = object.__new__(type(record))
    duplicate.__dict__.update(record.__dict__)
    return duplicate


def clone(product: Product) -> Product:
    """A copy of `product` that writers may edit without touching the stored one."""
    duplicate = shallow_copy(product)
    duplicate.tags = list(product.tags)
    duplicate.options = [_clone_option(option) for option in product.options]
    duplicate.variants = [clone_variant(variant) for variant in product.variants]
    duplicate.media = list(product.media)
    duplicate.metafields = list(product.metafields)
    return duplicate


def _clone_option(option: ProductOption) -> ProductOption:
    duplicate = shallow_copy(option)
    duplicate.values = list(option.values)
    return duplicate


def clone_variant(variant: Variant) -> Variant:
    duplicate = shallow_copy(variant)
    duplicate.option_values = list(variant.option_values)
    duplicate.metafields = list(variant.metafields)
    duplicate.other_levels = dict(variant.other_levels)
    return duplicate


@dataclass(frozen=True)
class _Shape:
    """How to compare one dataclass: plain fields at once, record fields one by one."""

    plain: Callable[[Any], Any]
    records: tuple[str, ...]
    record_lists: tuple[str, ...]


_SHAPES: dict[type, _Shape | None] = {}


def _shape(kind: type) -> _Shape | None:
    if kind in _SHAPES:
        return _SHAPES[kind]
    shape: _Shape | None = None
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        plain: list[str] = []
        records: list[str] = []
        record_lists: list[str] = []
        for field in dataclasses.fields(kind):
            if field.name in TIMESTAMP_FIELDS:
                continue
            hint = hints[field.name]
            if typing.get_origin(hint) is list and _holds_record(typing.get_args(hint)):
                record_lists.append(field.name)
            elif _holds_record(typing.get_args(hint) or (hint,)):
                records.append(field.name)
            else:
                plain.append(field.name)
        getter = operator.attrgetter(*plain) if plain else (lambda record: ())
        shape = _Shape(getter, tuple(records), tuple(record_lists))
    _SHAPES[kind] = shape
    return shape


def _holds_record(types: tuple[Any, ...]) -> bool:
    return any(isinstance(t, type) and dataclasses.is_dataclass(t) for t in types)


def comparable(record: Any) -> Any:
    """A record's content without timestamps, for detecting no-op writes."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return tuple(
            (f.name, comparable(getattr(record, f.name)))
            for f in dataclasses.fields(record)
            if f.name not in TIMESTAMP_FIELDS
        )
    if isinstance(record, list):
        return tuple(comparable(item) for item in record)
    return record


def same_content(left: Any, right: Any) -> bool:
    """`comparable(left) == comparable(right)`, without building either side."""
    if left is right:
        return True
    kind = type(left)
    if kind is not type(right):
        return bool(comparable(left) == comparable(right))
    if kind is list:
        return len(left) == len(right) and all(map(same_content, left, right))
    shape = _shape(kind)
    if shape is None:
        return bool(left == right)
    if shape.plain(left) != shape.plain(right):
        return False
    for name in shape.records:
        if not same_content(getattr(left, name), getattr(right, name)):
            return False
    for name in shape.record_lists:
        if not same_content(getattr(left, name), getattr(right, name)):
            return False
    return True
