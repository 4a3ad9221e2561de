"""A bulk mutation prepared once and run per JSONL line with the synchronous path's semantics.

Every line of a bulk operation carries the same document, so parsing, validation, operation
selection and the payload's field plan happen once. Per line: the variables are coerced against
the operation's variable definitions (`input_coercion`, graphql-core's rules; on any failure
`get_variable_values` produces the same errors a synchronous call gets), the mutation field's own
resolver is called, and its payload is completed by the precompiled plan (`projection`). Anything
the plan does not cover in the regular way is completed by graphql-core itself, replaying the
resolver's result, so a line's output is what `GraphQLExecutor.run` would return.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Undefined,
    Visitor,
    execute,
    get_named_type,
    located_error,
    visit,
)
from graphql.execution.values import (
    VariableValues,
)
from graphql.pyutils import Path
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_int, serialize_string

from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.graphql_schema import TEXT_SCALARS, default_resolver
from shopify_emulator.prepared_operation import CompiledVariables
from shopify_emulator.projection import (
    Completer,
    Irregular,
    LineScope,
    Planner,
    build_info,
    compile_arguments,
    is_coroutine,
    plannable,
)
from shopify_emulator.resolvers.context import RequestContext

LineRunner = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
# What the bulk manager writes by default: compact, non-ASCII as is.
_LINE_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_PLAIN_SERIALIZERS = (serialize_string, serialize_id, serialize_boolean, serialize_int)


class PreparedMutation:
    """One mutation document, validated and planned; `run(variables)` executes one line."""

    def __init__(self, executor: GraphQLExecutor, text: str) -> None:
        self.executor = executor
        self.text = text
        self.schema = executor.schema
        prepared = executor.cache.get(text)
        self.static_errors = prepared.errors
        self.document = prepared.document
        self._fast = False
        self._orjson_exact = self.document is not None and _outputs_no_floats(
            self.schema, self.document
        )
        if self.static_errors or self.document is None:
            return
        operations = [
            d for d in self.document.definitions if isinstance(d, OperationDefinitionNode)
        ]
        root = self.schema.mutation_type
        if len(operations) != 1 or operations[0].operation != OperationType.MUTATION or not root:
            return
        operation = operations[0]
        selections = operation.selection_set.selections
        if len(selections) != 1 or not isinstance(selections[0], FieldNode):
            return
        self.operation = operation
        self.field_node = selections[0]
        self.fragments = {
            d.name.value: d
            for d in self.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        name = self.field_name = self.field_node.name.value
        self.response_key = self.field_node.alias.value if self.field_node.alias else name
        self.field = root.fields[name]
        self.root_type: GraphQLObjectType = root
        self.resolve = self.field.resolve or default_resolver
        self.variables = CompiledVariables(self.schema, operation)
        self.arguments = compile_arguments(self.field, self.field_node)
        self.completer: Completer | None = None
        if plannable(self.document):
            try:
                self.completer = Planner(self.schema, self.fragments).completer(
                    self.field.type, [self.field_node]
                )
            except Irregular:
                self.completer = None
        self._fast = self.variables.fast

    async def run(self, variables: dict[str, Any]) -> dict[str, Any]:
        """One line: the response body (`errors`/`data`) the synchronous call would give."""
        if not self._fast:
            outcome = await self.executor.run(self.text, variables, None, charge=False)
            return {k: v for k, v in outcome.body.items() if k != "extensions"}
        assert self.document is not None
        stats = self.executor.state.stats
        stats.mutations += 1
        coerced = self._coerce(variables)
        if isinstance(coerced, list):
            result = ExecutionResult(None, coerced)
            return self.executor.envelope(result, self.document, variables)
        scope = LineScope(
            RequestContext(self.executor.state),
            coerced,
            self.operation,
            self.fragments,
            self.schema,
        )
        path = Path(None, self.response_key, self.root_type.name)
        nodes = [self.field_node]
        try:
            args = self.arguments(coerced)
            info = build_info(scope, self.field_name, nodes, self.field.type, self.root_type, path)
            payload = self.resolve(None, info, **args)
            if type(payload) is not dict and isawaitable(payload):  # a payload dict is common
                payload = await payload
        except Exception as exc:  # the resolver's error becomes a located field error
            error = located_error(exc, nodes, path.as_list())
            data = (
                None if isinstance(self.field.type, GraphQLNonNull) else {self.response_key: None}
            )
            return self.executor.envelope(ExecutionResult(data, [error]), self.document, variables)
        if self.completer is not None:
            try:
                completed = self.completer(payload, scope, path)
            except Exception:
                completed = Undefined
            if completed is not Undefined:
                return {"data": {self.response_key: completed}}
        return await self._replay(payload, scope, variables)

    def encode_line(self, line: dict[str, Any]) -> str:
        """A result line as compact JSON, exactly as the standard library's encoder writes it.

        orjson writes the same bytes for strings, ints, booleans and null (not for some floats),
        so it encodes lines without errors when the selection outputs no floats; whatever it
        refuses (a lone surrogate, a huge int) goes to the standard encoder.
        """
        if self._orjson_exact and "errors" not in line:
            try:
                return orjson.dumps(line).decode()
            except orjson.JSONEncodeError:
                pass
        return _LINE_ENCODER.encode(line)

    def _coerce(self, variables: dict[str, Any]) -> VariableValues | list[GraphQLError]:
        return self.variables.coerce(variables)

    async def _replay(
        self, payload: Any, scope: LineScope, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """Let graphql-core complete `payload` (the mutation field's result) as it would."""
        assert self.document is not None

        def replay(next_: Any, root: Any, info: Any, **args: Any) -> Any:
            return payload if info.path.prev is None else next_(root, info, **args)

        outcome = execute(
            self.schema,
            self.document,
            context_value=scope.context,
            variable_values=variables,
            field_resolver=default_resolver,
            middleware=[replay],
            is_awaitable=is_coroutine,
        )
        result = await outcome if isawaitable(outcome) else outcome
        return self.executor.envelope(result, self.document, variables)


class _LeafTypes(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.plain = True

    def enter_field(self, *_: Any) -> None:
        named = get_named_type(self.type_info.get_type())
        if named is None or (
            isinstance(named, GraphQLScalarType)
            and named.name not in TEXT_SCALARS
            and named.coerce_output_value not in _PLAIN_SERIALIZERS
        ):
            self.plain = False


def _outputs_no_floats(schema: GraphQLSchema, document: DocumentNode) -> bool:
    """Whether every leaf the document selects serializes to a str, int or bool."""
    type_info = TypeInfo(schema)
    leaves = _LeafTypes(type_info)
    visit(document, TypeInfoVisitor(type_info, leaves))
    return leaves.plain
