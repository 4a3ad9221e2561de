"""A bulk query page run by a plan compiled once per page, not field by field through graphql-core.

graphql-core's executor spends most of a bulk export's time on its own machinery (field lookup,
resolve info, argument coercion, path objects) for each of the ~90 fields of every product. A
bulk query has no variables and no directives and its resolvers are synchronous, so the work per
field can be decided once: `compile_plan` turns the document into a tree of fields, each with its
resolver, its arguments already coerced, a resolve info built once, and how to complete its value
(non-null, list, leaf serializer, object, abstract type). `run_plan` then calls only the
resolvers and the serializers, and builds the same `data` as graphql-core would, key for key and
in the same order (`tests/shopify_emulator/test_bulk_plan.py` compares both on awkward products).

Anything the plan does not model gives None at compile time (directives, variables, fragments
with conditions on abstract types, subscriptions) or raises `Unplanned` while running (a resolver
error or an awaitable, a null for a non-null field, a leaf that does not serialize, an unknown
runtime type): the caller then runs the page through graphql-core, which reports it as always.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import CoroutineType
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
)
from graphql.execution import Executor
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path

__all__ = ["Plan", "Unplanned", "compile_plan", "run_plan"]

Resolver = Callable[..., Any]
Complete = Callable[[Any], Any]


class Unplanned(Exception):
    """The page needs graphql-core (an error to report, or something the plan does not model)."""


class _Unsupported(Exception):
    """The document needs graphql-core (found while compiling)."""


@dataclass(slots=True)
class _Field:
    key: str
    resolve: Resolver
    info: GraphQLResolveInfo | None
    """None: `__typename`."""
    args: dict[str, Any]
    complete: Complete


@dataclass(slots=True)
class _Object:
    """A selection set on one object type."""

    type_name: str
    fields: list[_Field] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Plan:
    root: _Object
    root_value: Any


def compile_plan(
    schema: GraphQLSchema,
    document: DocumentNode,
    context: Any,
    field_resolver: Resolver,
    is_awaitable: Callable[[Any], TypeGuard[Awaitable[Any]]],
) -> Plan | None:
    """The plan of `document` (a query without variables or directives), or None."""
    built = Executor.build(
        schema,
        document,
        context_value=context,
        field_resolver=field_resolver,
        is_awaitable=is_awaitable,
    )
    if isinstance(built, list):
        return None
    operation = built.operation
    if operation.operation != OperationType.QUERY or operation.variable_definitions:
        return None
    root_type = schema.query_type
    if root_type is None:
        return None
    try:
        compiler = _Compiler(schema, built, field_resolver)
        root = compiler.object(root_type, [operation.selection_set], None)
    except _Unsupported:
        return None
    return Plan(root, built.root_value)


def run_plan(plan: Plan) -> dict[str, Any]:
    """The `data` of the planned query; raises Unplanned when graphql-core must run it."""
    return _run_object(plan.root, plan.root_value)


class _Compiler:
    def __init__(
        self, schema: GraphQLSchema, execution: Executor, field_resolver: Resolver
    ) -> None:
        self.schema = schema
        self.execution = execution
        self.fragments: Mapping[str, FragmentDefinitionNode] = execution.fragment_definitions
        self.field_resolver = field_resolver

    def object(
        self, type_: GraphQLObjectType, selection_sets: list[SelectionSetNode], path: Path | None
    ) -> _Object:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(type_, selection_set, grouped)
        planned = _Object(type_.name)
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                planned.fields.append(_Field(key, _typename, None, {}, _same))
                continue
            field_def = self.schema.get_field(type_, name)
            if field_def is None:
                continue  # graphql-core leaves the key out too
            planned.fields.append(self._field(type_, key, nodes, field_def, path))
        return planned

    def _field(
        self,
        parent: GraphQLObjectType,
        key: str,
        nodes: list[FieldNode],
        field_def: GraphQLField,
        path: Path | None,
    ) -> _Field:
        field_path = Path(path, key, parent.name)
        info = self.execution.build_resolve_info(field_def, nodes, parent, field_path)
        args = (
            get_argument_values(field_def, nodes[0], self.execution.variable_values)
            if field_def.args or nodes[0].arguments
            else {}
        )
        sub = [node.selection_set for node in nodes if node.selection_set is not None]
        complete = self._complete(field_def.type, sub, field_path, info)
        return _Field(key, field_def.resolve or self.field_resolver, info, args, complete)

    def _complete(
        self,
        type_: GraphQLOutputType,
        sub: list[SelectionSetNode],
        path: Path,
        info: GraphQLResolveInfo,
    ) -> Complete:
        if isinstance(type_, GraphQLNonNull):
            return _non_null(self._complete(type_.of_type, sub, path, info))
        if isinstance(type_, GraphQLList):
            return _list(self._complete(type_.of_type, sub, path, info))
        if is_leaf_type(type_):
            assert isinstance(type_, GraphQLLeafType)
            return _leaf(type_)
        if is_abstract_type(type_):
            assert isinstance(type_, GraphQLAbstractType)
            return self._abstract(type_, sub, path, info)
        if is_object_type(type_):
            assert isinstance(type_, GraphQLObjectType)
            return _object(type_, self.object(type_, sub, path))
        raise _Unsupported(str(type_))

    def _abstract(
        self,
        type_: GraphQLAbstractType,
        sub: list[SelectionSetNode],
        path: Path,
        info: GraphQLResolveInfo,
    ) -> Complete:
        resolve_type = type_.resolve_type
        if resolve_type is None:
            raise _Unsupported(f"{type_} has no resolve_type")
        planned = {
            possible.name: _object(possible, self.object(possible, sub, path))
            for possible in self.schema.get_possible_types(type_)
        }

        def complete(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            name = resolve_type(value, info, type_)
            found = planned.get(name) if isinstance(name, str) else None
            if found is None:
                raise Unplanned(f"{type_} resolved to {name!r}")
            return found(value)

        return complete

    def _collect(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: dict[str, list[FieldNode]],
    ) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise _Unsupported("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, type_):
                    self._collect(type_, selection.selection_set, grouped)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    raise _Unsupported("unknown fragment")
                if self._applies(fragment.type_condition, type_):
                    self._collect(type_, fragment.selection_set, grouped)
            else:
                raise _Unsupported(type(selection).__name__)

    def _applies(self, condition: Any, type_: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        conditional = self.schema.get_type(condition.name.value)
        if conditional is type_:
            return True
        if isinstance(conditional, GraphQLAbstractType):
            return self.schema.is_sub_type(conditional, type_)
        return False


def _typename(source: Any, info: Any) -> Any:
    raise AssertionError("__typename is the object's type name (_run_object)")


def _same(value: Any) -> Any:
    return value


def _non_null(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        completed = inner(value)
        if completed is None:
            raise Unplanned("null for a non-null field")
        return completed

    return complete


def _list(inner: Complete) -> Complete:
    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
            raise Unplanned("not a list")
        return [inner(item) for item in value]

    return complete


def _leaf(type_: GraphQLLeafType) -> Complete:
    coerce = type_.coerce_output_value

    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Unplanned("a leaf that does not serialize")
        return coerced

    return complete


def _object(type_: GraphQLObjectType, planned: _Object) -> Complete:
    if type_.is_type_of is not None:
        raise _Unsupported("is_type_of")  # not used by the emulator's schema

    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        return _run_object(planned, value)

    return complete


def _run_object(planned: _Object, source: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for planned_field in planned.fields:
        if planned_field.info is None:
            result[planned_field.key] = planned.type_name
            continue
        try:
            value = planned_field.resolve(source, planned_field.info, **planned_field.args)
        except Exception as exc:
            raise Unplanned("a resolver raised") from exc
        if type(value) is CoroutineType:
            value.close()
            raise Unplanned("an awaitable")
        if isinstance(value, Exception):
            raise Unplanned("a resolver returned an error")
        result[planned_field.key] = planned_field.complete(value)
    return result
