"""A mutation document with one or more root fields, executed without graphql-core's executor.

The dashboard batches products as aliased mutations (`p0: productSet(...) p1: productSet(...)`),
so a request carries dozens of root fields over one fixed selection. Prepared once per cached
document, each request then coerces its variables with compiled coercers (`input_coercion`), runs
the root fields' own resolvers one after another (mutations are serial) and completes each payload
with the precompiled plan (`projection`). Whatever is not the regular case is handed back to
graphql-core so the response stays exactly what `graphql.execute` gives:

- invalid variables: `execute` returns None before any resolver ran; the caller runs the
  document the general way (which reports the errors);
- a resolver raising, or a payload the plan cannot complete: every root field still runs once,
  in order, and graphql-core then completes the document, replaying each field's stored result
  (or raising its stored error), so messages, paths and null propagation are graphql-core's.
  Only nullable root fields are planned (an error in a non-null one would stop the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Undefined,
    execute,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.get_variable_signature import (
    GraphQLVariableSignature,
    get_variable_signature,
)
from graphql.execution.values import VariableValues, VariableValueSource, get_variable_values
from graphql.language.parser import MAX_NESTING_DEPTH
from graphql.pyutils import Path

from shopify_emulator.graphql_schema import default_resolver
from shopify_emulator.input_coercion import Coercer, schema_coercers
from shopify_emulator.projection import (
    Arguments,
    Completer,
    Irregular,
    LineScope,
    Planner,
    build_info,
    compile_arguments,
    is_coroutine,
    plannable,
)

__all__ = ["CompiledVariables", "PreparedOperation", "input_depth"]


class CompiledVariables:
    """An operation's variable definitions with a compiled coercer each."""

    def __init__(self, schema: GraphQLSchema, operation: OperationDefinitionNode) -> None:
        self.schema = schema
        self.operation = operation
        signatures = [
            get_variable_signature(schema, d) for d in operation.variable_definitions or ()
        ]
        self.signatures = [s for s in signatures if isinstance(s, GraphQLVariableSignature)]
        self.coercers: list[Coercer] = schema_coercers(schema, [s.type for s in self.signatures])
        # Nesting deeper than graphql-core's guard is impossible for acyclic input types, so its
        # per-value depth walk can be skipped; otherwise coerce the general way.
        self.fast = len(self.signatures) == len(signatures) and all(
            input_depth(s.type, set()) < MAX_NESTING_DEPTH for s in self.signatures
        )

    def coerce(self, variables: dict[str, Any]) -> VariableValues | list[Any]:
        """graphql-core's coerced variables, or its list of errors."""
        if not self.fast:
            return self.coerce_slowly(variables)
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        for signature, coerce in zip(self.signatures, self.coercers, strict=True):
            value = variables.get(signature.name, Undefined)
            if value is Undefined:
                if signature.default is not None or is_non_null_type(signature.type):
                    return self.coerce_slowly(variables)
                sources[signature.name] = VariableValueSource(signature)
                continue
            sources[signature.name] = VariableValueSource(signature, value)
            converted = coerce(value)
            if converted is Undefined:
                return self.coerce_slowly(variables)
            coerced[signature.name] = converted
        return VariableValues(sources, coerced)

    def coerce_slowly(self, variables: dict[str, Any]) -> VariableValues | list[Any]:
        return get_variable_values(
            self.schema, self.operation.variable_definitions or (), variables
        )


@dataclass(frozen=True, slots=True)
class _RootField:
    key: str
    name: str
    node: FieldNode
    field: GraphQLField
    completer: Completer
    arguments: Arguments


class _Failed:
    """A root field whose resolver raised (replayed as that error)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class PreparedOperation:
    """A planned mutation operation; build with `prepare()` (None when it cannot be planned)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        root: GraphQLObjectType,
        fields: list[_RootField],
        fragments: dict[str, FragmentDefinitionNode],
    ) -> None:
        self.schema = schema
        self.document = document
        self.operation = operation
        self.root = root
        self.fields = fields
        self.fragments = fragments
        self.variables = CompiledVariables(schema, operation)

    @classmethod
    def prepare(
        cls, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
    ) -> PreparedOperation | None:
        root = schema.mutation_type
        if operation.operation != OperationType.MUTATION or root is None:
            return None
        if not plannable(document):
            return None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        planner = Planner(schema, fragments)
        fields: list[_RootField] = []
        keys: set[str] = set()
        for selection in operation.selection_set.selections:
            if not isinstance(selection, FieldNode):
                return None
            name = selection.name.value
            key = selection.alias.value if selection.alias else name
            field = root.fields.get(name)
            # A non-null root field's error would stop the fields after it: not planned.
            if (
                field is None
                or name.startswith("__")
                or key in keys
                or is_non_null_type(field.type)
            ):
                return None
            keys.add(key)
            try:
                completer = planner.completer(field.type, [selection])
            except Irregular:
                return None
            arguments = compile_arguments(field, selection)
            fields.append(_RootField(key, name, selection, field, completer, arguments))
        if not fields:
            return None
        return cls(schema, document, operation, root, fields, fragments)

    async def execute(self, context: Any, variables: dict[str, Any]) -> ExecutionResult | None:
        """The result graphql-core would give, or None when the variables are invalid."""
        coerced = self.variables.coerce(variables)
        if isinstance(coerced, list):
            return None
        scope = LineScope(context, coerced, self.operation, self.fragments, self.schema)
        results: dict[str, Any] = {}
        data: dict[str, Any] = {}
        regular = True
        for root_field in self.fields:
            path = Path(None, root_field.key, self.root.name)
            nodes = [root_field.node]
            try:
                args = root_field.arguments(coerced)
                info = build_info(
                    scope, root_field.name, nodes, root_field.field.type, self.root, path
                )
                resolve = root_field.field.resolve or default_resolver
                payload = resolve(None, info, **args)
                if isawaitable(payload):
                    payload = await payload
            except Exception as exc:
                results[root_field.key] = _Failed(exc)
                regular = False
                continue
            results[root_field.key] = payload
            if regular:
                try:
                    completed = root_field.completer(payload, scope, path)
                except Exception:
                    completed = Undefined
                if completed is Undefined:
                    regular = False
                else:
                    data[root_field.key] = completed
        if regular:
            return ExecutionResult(data, None)
        return await self._replay(context, variables, results)

    async def _replay(
        self, context: Any, variables: dict[str, Any], results: dict[str, Any]
    ) -> ExecutionResult:
        def replay(next_: Any, root: Any, info: Any, **args: Any) -> Any:
            if info.path.prev is not None:
                return next_(root, info, **args)
            stored = results[info.path.key]
            if isinstance(stored, _Failed):
                raise stored.error
            return stored

        outcome = execute(
            self.schema,
            self.document,
            context_value=context,
            variable_values=variables,
            field_resolver=default_resolver,
            middleware=[replay],
            is_awaitable=is_coroutine,
        )
        return await outcome if isawaitable(outcome) else outcome


def input_depth(type_: Any, seen: set[str]) -> int:
    """Nesting depth of an input type; effectively infinite when it is recursive."""
    while is_non_null_type(type_):
        type_ = type_.of_type
    if is_list_type(type_):
        return 1 + input_depth(type_.of_type, seen)
    if is_input_object_type(type_):
        if type_.name in seen:
            return MAX_NESTING_DEPTH
        inner = seen | {type_.name}
        return 1 + max((input_depth(f.type, inner) for f in type_.fields.values()), default=0)
    return 0
