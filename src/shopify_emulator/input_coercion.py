"""graphql-core's `coerce_input_value`, specialised once per input type.

`compile_coercer(type)` returns a function with the same result as
`coerce_input_value(value, type)`: the coerced value, or `Undefined` when the value is invalid
(the caller then asks graphql-core for the error messages). The type tests graphql-core repeats
for every value (non-null? list? input object? which fields are required or have defaults?) are
decided here once, which makes coercing a bulk line's variables several times cheaper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    Undefined,
    is_required_input_field,
)
from graphql.pyutils import is_iterable
from graphql.type.scalars import coerce_id, coerce_string
from graphql.utilities.coerce_input_value import coerce_default_value

Coercer = Callable[[Any], Any]


def compile_coercer(type_: GraphQLInputType) -> Coercer:
    """A function coercing a Python value to `type_` exactly like `coerce_input_value`."""
    return _Compiler().compile(type_)


def compile_coercers(types: list[GraphQLInputType]) -> list[Coercer]:
    """`compile_coercer` for each type, compiling each input object type once for all."""
    compiler = _Compiler()
    return [compiler.compile(type_) for type_ in types]


class _Compiler:
    def __init__(self) -> None:
        # Input objects may refer to themselves; late binding through this table handles it.
        self._objects: dict[str, Coercer] = {}

    def compile(self, type_: GraphQLInputType) -> Coercer:
        if isinstance(type_, GraphQLNonNull):
            inner = self.compile(type_.of_type)

            def non_null(value: Any) -> Any:
                if value is None or value is Undefined:
                    return Undefined
                return inner(value)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self.compile(type_.of_type)

            def listing(value: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                if type(value) is not list and not is_iterable(value):
                    single = item(value)
                    return Undefined if single is Undefined else [single]
                out = []
                for entry in value:
                    coerced = item(entry)
                    if coerced is Undefined:
                        return Undefined
                    out.append(coerced)
                return out

            return listing
        if isinstance(type_, GraphQLInputObjectType):
            return self._object(type_)
        coerce_leaf = type_.coerce_input_value
        # graphql-core's String and ID accept a str as it is; skip the call for that case.
        passes_str = coerce_leaf in (coerce_string, coerce_id)
        if passes_str:

            def text_leaf(value: Any) -> Any:
                if type(value) is str:
                    return value
                if value is None or value is Undefined:
                    return None
                try:
                    return coerce_leaf(value)
                except Exception:
                    return Undefined

            return text_leaf

        def leaf(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if passes_str and type(value) is str:
                return value
            try:
                return coerce_leaf(value)
            except Exception:
                return Undefined

        return leaf

    def _object(self, type_: GraphQLInputObjectType) -> Coercer:
        name = type_.name
        compiled = self._objects.get(name)
        if compiled is not None and compiled is not _unset:
            return compiled
        if compiled is _unset:  # still being compiled: a recursive reference
            table = self._objects

            def deferred(value: Any) -> Any:
                return table[name](value)

            return deferred
        self._objects[name] = _unset
        fields = type_.fields
        required = [n for n, f in fields.items() if is_required_input_field(f)]
        defaults = [
            (n, f.out_name or n, f)
            for n, f in fields.items()
            if not is_required_input_field(f)
            and (f.default is not None or f.default_value is not Undefined)
        ]
        present = {n: (f.out_name or n, self.compile(f.type)) for n, f in fields.items()}
        required_out = [present[n][0] for n in required]
        is_one_of = type_.is_one_of
        out_type = type_.out_type
        # graphql-core's default out_type returns the dict itself: skip the call then.
        plain = out_type is GraphQLInputObjectType.out_type

        def coerce_object(value: Any) -> Any:
            if type(value) is not dict:
                if value is None or value is Undefined:
                    return None
                if not isinstance(value, dict):
                    return Undefined
            # Keys come out in the input's order, not the type's (dicts compare equal anyway).
            coerced: dict[str, Any] = {}
            for key, item in value.items():
                if item is Undefined:
                    continue
                entry = present.get(key)
                if entry is None:
                    return Undefined
                result = entry[1](item)
                if result is Undefined:
                    return Undefined
                coerced[entry[0]] = result
            for out_name in required_out:
                if out_name not in coerced:
                    return Undefined
            for key, out_name, field in defaults:
                if value.get(key, Undefined) is Undefined:
                    default = coerce_default_value(field)
                    if default is not Undefined:
                        coerced[out_name] = default
            if is_one_of:
                keys = list(coerced)
                if len(keys) != 1 or coerced[keys[0]] is None:
                    return Undefined
            return coerced if plain else out_type(coerced)

        self._objects[name] = coerce_object
        return coerce_object


def _unset(value: Any) -> Any:  # pragma: no cover -- replaced before any call
    raise AssertionError("input object coercer used before it was compiled")
