"""Complete a resolver's result against a fixed selection set without graphql-core's executor.

A plan is compiled once per selection set (fragments flattened, per runtime type) and then
applied to each result: resolvers are the schema's own, leaves go through the scalars' and enums'
`coerce_output_value`. Only the regular case is handled here: when anything would make
graphql-core report an error (a resolver raising, null in a non-null position, an awaitable, an
unexpected runtime type), `Irregular` is raised and the caller lets graphql-core complete the
value instead, so errors keep graphql-core's exact messages, paths and null propagation.
Selection sets with directives are not planned (`plannable` says so), as their fields depend on
variable values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import CoroutineType
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableNode,
    Visitor,
    get_argument_values,
    is_leaf_type,
    is_non_null_type,
    visit,
)
from graphql.execution.values import VariableValues, coerce_argument
from graphql.pyutils import Path, is_iterable

from shopify_emulator.graphql_schema import default_resolver
from shopify_emulator.projection_source import ObjectSource


class Irregular(Exception):
    """The value needs graphql-core's full completion (an error or an unusual shape)."""


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 4x, once per line
class LineScope:
    """What resolvers see of one execution: context and variables (not to be changed)."""

    context: Any
    variables: VariableValues
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    schema: GraphQLSchema


Completer = Callable[[Any, LineScope, Path], Any]
Arguments = Callable[[VariableValues], dict[str, Any]]


def compile_arguments(field: GraphQLField, node: FieldNode) -> Arguments:
    """`get_argument_values(field, node, variables)` with literals and defaults worked out once.

    Per call only arguments that are variables are looked up (and literals holding variables
    coerced again); any case that needs graphql-core's checks (a variable absent or null where
    the argument needs a value) is handed to `get_argument_values` itself, which gives its usual
    result or error.
    """
    if not field.args:
        return lambda variables: {}
    given = {arg.name.value: arg for arg in node.arguments or ()}
    static: dict[str, Any] = {}
    direct: list[tuple[str, str, bool]] = []  # (out name, variable, argument is non-null)
    nested = False
    for name, arg_def in field.args.items():
        argument = given.get(name)
        if argument is not None and isinstance(argument.value, VariableNode):
            out_name = arg_def.out_name or name
            direct.append((out_name, argument.value.name.value, is_non_null_type(arg_def.type)))
        elif argument is not None and _holds_variable(argument.value):
            nested = True
        else:
            coerce_argument(static, node, name, arg_def, argument, None, None)
    if nested:
        return lambda variables: get_argument_values(field, node, variables)
    if not direct:
        return lambda variables: dict(static)

    def arguments(variables: VariableValues) -> dict[str, Any]:
        coerced = variables.coerced
        values = dict(static)
        for out_name, variable, required in direct:
            value = coerced.get(variable, Undefined)
            if value is Undefined or (value is None and required):
                return get_argument_values(field, node, variables)
            values[out_name] = value
        return values

    return arguments


class _FindsVariable(Visitor):
    found = False

    def enter_variable(self, *_: Any) -> None:
        self.found = True


def _holds_variable(value: Any) -> bool:
    visitor = _FindsVariable()
    visit(value, visitor)
    return visitor.found


class _HasDirective(Visitor):
    found = False

    def enter_directive(self, *_: Any) -> None:
        self.found = True


def plannable(document: DocumentNode) -> bool:
    """Whether a document's selections are fixed (no @skip/@include or other directives)."""
    visitor = _HasDirective()
    visit(document, visitor)
    return not visitor.found


class Planner:
    """Compiles completers for the selections of one document (memoised per selection)."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.schema = schema
        self.fragments = fragments

    def completer(self, type_: GraphQLOutputType, nodes: list[FieldNode]) -> Completer:
        if isinstance(type_, GraphQLNonNull):
            inner = self.completer(type_.of_type, nodes)

            def non_null(value: Any, scope: LineScope, path: Path) -> Any:
                completed = inner(value, scope, path)
                if completed is None:
                    raise Irregular
                return completed

            return non_null
        if isinstance(type_, GraphQLList):
            item = self.completer(type_.of_type, nodes)

            def listing(value: Any, scope: LineScope, path: Path) -> Any:
                if value is None:
                    return None
                if not is_iterable(value):
                    raise Irregular
                return [item(v, scope, path.add_key(i)) for i, v in enumerate(value)]

            return listing
        if is_leaf_type(type_):
            coerce = type_.coerce_output_value

            def leaf(value: Any, scope: LineScope, path: Path) -> Any:
                if value is None:
                    return None
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    raise Irregular
                return coerced

            return leaf
        sets = [n.selection_set for n in nodes if n.selection_set is not None]
        if isinstance(type_, GraphQLObjectType):
            return self._object(type_, sets)
        assert isinstance(type_, GraphQLAbstractType)
        return self._abstract(type_, sets)

    def _abstract(self, abstract: GraphQLAbstractType, sets: list[SelectionSetNode]) -> Completer:
        by_type: dict[str, Completer] = {}
        resolve_type = abstract.resolve_type
        schema = self.schema

        def complete(value: Any, scope: LineScope, path: Path) -> Any:
            if value is None:
                return None
            if resolve_type is None:
                raise Irregular
            name = resolve_type(
                value, build_info(scope, "", [], abstract, abstract, path), abstract
            )
            completer = by_type.get(name) if isinstance(name, str) else None
            if completer is None:
                runtime = schema.get_type(name) if isinstance(name, str) else None
                if not isinstance(runtime, GraphQLObjectType) or not schema.is_sub_type(
                    abstract, runtime
                ):
                    raise Irregular
                completer = by_type[runtime.name] = self._object(runtime, sets)
            return completer(value, scope, path)

        return complete

    def _object(self, parent: GraphQLObjectType, sets: list[SelectionSetNode]) -> Completer:
        if parent.is_type_of is not None:
            raise Irregular
        return ObjectSource(self, parent, self._collect(parent, sets)).build()

    def needs_path(self, type_: GraphQLOutputType, nodes: list[FieldNode]) -> bool:
        """Whether completing `type_` can show its response path (to a resolver's info)."""
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        if is_leaf_type(type_):
            return False
        if not isinstance(type_, GraphQLObjectType):
            return True
        sets = [n.selection_set for n in nodes if n.selection_set is not None]
        for field_nodes in self._collect(type_, sets).values():
            name = field_nodes[0].name.value
            if name == "__typename":
                continue
            field = type_.fields[name]
            resolve = field.resolve or default_resolver
            if resolve is not default_resolver or field.args or field_nodes[0].arguments:
                return True
            if self.needs_path(field.type, field_nodes):
                return True
        return False

    def _collect(
        self, parent: GraphQLObjectType, sets: list[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """Fields selected on `parent` by response key, in order (fragments flattened)."""
        grouped: dict[str, list[FieldNode]] = {}
        seen: set[str] = set()

        def walk(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    grouped.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or self._applies(condition.name.value, parent):
                        walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is None or name in seen:
                        continue
                    seen.add(name)
                    if self._applies(fragment.type_condition.name.value, parent):
                        walk(fragment.selection_set)

        for selection_set in sets:
            walk(selection_set)
        return grouped

    def _applies(self, type_name: str, parent: GraphQLObjectType) -> bool:
        if type_name == parent.name:
            return True
        condition = self.schema.get_type(type_name)
        return isinstance(condition, GraphQLAbstractType) and self.schema.is_sub_type(
            condition, parent
        )


def build_info(
    scope: LineScope,
    field_name: str,
    nodes: list[FieldNode],
    return_type: Any,
    parent: Any,
    path: Path,
) -> GraphQLResolveInfo:
    return GraphQLResolveInfo(
        field_name,
        nodes,
        return_type,
        parent,
        path,
        scope.schema,
        scope.fragments,
        None,
        scope.operation,
        scope.variables,
        scope.context,
        is_coroutine,
        None,
        None,  # type: ignore[arg-type]  # abort signal and async helpers: not used
    )


def is_coroutine(value: Any) -> TypeGuard[Awaitable[Any]]:
    """Only our own `async def` resolvers return awaitables (as in the executor)."""
    return type(value) is CoroutineType
