"""One GraphQL request: cached parse+validate, cost, bucket, execution, Shopify's envelope."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass
from inspect import isawaitable
from types import CoroutineType
from typing import Any, TypeGuard

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    execute,
    execute_sync,
    parse,
    specified_rules,
    validate,
)

from shopify_emulator.bulk_plan import Unplanned, compile_plan, run_plan
from shopify_emulator.cost import MAX_QUERY_COST, RequestedCostCache, actual_cost
from shopify_emulator.gid_checks import GlobalIdLiteralRule, invalid_id_variables
from shopify_emulator.gql_errors import execution_error, syntax_error, validation_error
from shopify_emulator.graphql_schema import default_resolver
from shopify_emulator.resolvers.context import RequestContext
from shopify_emulator.state import EmulatorState

THROTTLE_DOCS = "https://shopify.dev/api/usage/rate-limits"
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)


@dataclass(frozen=True)
class PreparedDocument:
    document: DocumentNode | None
    errors: list[dict[str, Any]]


class DocumentCache:
    """LRU of parsed and validated documents, keyed by query text."""

    def __init__(self, schema: GraphQLSchema, size: int) -> None:
        self.schema = schema
        self.size = size
        self._entries: OrderedDict[str, PreparedDocument] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> PreparedDocument:
        entry = self._entries.get(text)
        if entry is not None:
            self._entries.move_to_end(text)
            self.hits += 1
            return entry
        self.misses += 1
        entry = self._prepare(text)
        self._entries[text] = entry
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return entry

    def _prepare(self, text: str) -> PreparedDocument:
        try:
            document = parse(text)
        except GraphQLSyntaxError as exc:
            return PreparedDocument(None, [syntax_error(exc, text)])
        errors = validate(self.schema, document, _RULES)
        if errors:
            return PreparedDocument(
                document, [validation_error(e, document, self.schema) for e in errors]
            )
        return PreparedDocument(document, [])


_RULES = (*specified_rules, GlobalIdLiteralRule)


@dataclass
class GraphQLOutcome:
    body: dict[str, Any]
    is_mutation: bool = False
    throttled: bool = False
    actual_cost: int = 0


def _select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | dict[str, Any]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        for operation in operations:
            if operation.name and operation.name.value == operation_name:
                return operation
        return {"message": f'No operation named "{operation_name}"'}
    if len(operations) != 1:
        return {"message": "An operation name is required"}
    return operations[0]


class GraphQLExecutor:
    def __init__(self, state: EmulatorState, schema: GraphQLSchema) -> None:
        self.state = state
        self.schema = schema
        self.cache = DocumentCache(schema, state.config.document_cache_size)
        # Keyed by id(document): documents live in the LRU above, so ids stay unique while cached.
        self.costs = RequestedCostCache(state.config.document_cache_size * 4)

    def _cost_extension(self, requested: int | None, actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.state.bucket.status().as_json(),
            }
        }

    async def run(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        *,
        charge: bool = True,
    ) -> GraphQLOutcome:
        """Execute one document; `charge=False` skips cost limits and the bucket (bulk work)."""
        stats = self.state.stats
        prepared = self.cache.get(query)
        if prepared.errors or prepared.document is None:
            stats.graphql_errors += 1
            return GraphQLOutcome(
                {"errors": prepared.errors, "extensions": self._cost_extension(None, None)}
            )
        document = prepared.document
        operation = _select_operation(document, operation_name)
        if isinstance(operation, dict):
            stats.graphql_errors += 1
            return GraphQLOutcome(
                {"errors": [operation], "extensions": self._cost_extension(None, None)}
            )
        is_mutation = operation.operation == OperationType.MUTATION
        raw_variables = variables or {}
        if bad_ids := invalid_id_variables(self.schema, operation, raw_variables):
            stats.graphql_errors += 1
            return GraphQLOutcome(
                {"errors": bad_ids, "extensions": self._cost_extension(None, None)}, is_mutation
            )
        requested = self.costs.get(self.schema, document, operation, raw_variables)
        if charge and requested > MAX_QUERY_COST:
            stats.max_cost_exceeded += 1
            error = {
                "message": MAX_COST_MESSAGE.format(cost=requested, limit=MAX_QUERY_COST),
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": requested,
                    "maxCost": MAX_QUERY_COST,
                },
            }
            return GraphQLOutcome(
                {"errors": [error], "extensions": self._cost_extension(requested, None)},
                is_mutation,
            )
        if charge and not self.state.bucket.try_take(requested):
            stats.throttled_responses += 1
            error = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": THROTTLE_DOCS},
            }
            return GraphQLOutcome(
                {"errors": [error], "extensions": self._cost_extension(requested, None)},
                is_mutation,
                throttled=True,
            )
        context = RequestContext(self.state)
        outcome = execute(
            self.schema,
            document,
            context_value=context,
            variable_values=raw_variables,
            operation_name=operation_name,
            field_resolver=default_resolver,
            is_awaitable=_is_coroutine,
        )
        result = await outcome if isawaitable(outcome) else outcome
        # Bulk work (charge=False) is not metered, so its actual cost is not worth computing.
        spent = (
            actual_cost(self.schema, document, operation, raw_variables, result.data)
            if charge
            else 0
        )
        if charge:
            self.state.bucket.refund(requested - spent)
            stats.cost_points_spent += spent
        if is_mutation:
            stats.mutations += 1
        body = self.envelope(result, document, raw_variables)
        extensions = self._cost_extension(requested, spent)
        if context.search_warnings:
            extensions["search"] = context.search_warnings
        body["extensions"] = extensions
        return GraphQLOutcome(body, is_mutation, actual_cost=spent)

    def envelope(
        self, result: ExecutionResult, document: DocumentNode, raw_variables: dict[str, Any]
    ) -> dict[str, Any]:
        """Shopify's `{errors?, data?}` for an execution result (counts a request with errors)."""
        body: dict[str, Any] = {}
        if result.errors:
            self.state.stats.graphql_errors += 1
            body["errors"] = [execution_error(e, document, raw_variables) for e in result.errors]
        if result.data is not None or not result.errors or _is_field_error(result.errors):
            body["data"] = result.data
        return body

    async def run_document(self, document: DocumentNode, *, planned: bool = True) -> dict[str, Any]:
        """Execute an already-validated document without cost or stats (bulk query pages):
        through a compiled plan (`bulk_plan`) unless it needs graphql-core (or `planned` is
        False), which then runs it and reports whatever the plan could not."""
        if planned:
            plan = compile_plan(
                self.schema, document, RequestContext(self.state), default_resolver, _is_coroutine
            )
            if plan is not None:
                try:
                    return {"data": run_plan(plan)}
                except Unplanned:
                    pass
        outcome = execute(
            self.schema,
            document,
            context_value=RequestContext(self.state),
            field_resolver=default_resolver,
            is_awaitable=_is_coroutine,
        )
        result = await outcome if isawaitable(outcome) else outcome
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [execution_error(e, document) for e in result.errors]
        return body

    def run_internal(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Synchronously run a trusted query (webhook payloads): no cost, no stats."""
        prepared = self.cache.get(query)
        if prepared.document is None or prepared.errors:
            raise ValueError(f"internal query is invalid: {prepared.errors}")
        result = execute_sync(
            self.schema,
            prepared.document,
            context_value=RequestContext(self.state),
            variable_values=variables,
            field_resolver=default_resolver,
        )
        if result.errors:
            raise ValueError(f"internal query failed: {result.errors}")
        return result.data or {}


def _is_coroutine(value: Any) -> TypeGuard[Awaitable[Any]]:
    # Only our own `async def` resolvers return awaitables; a type check is much cheaper than
    # graphql-core's general inspection of every resolved value.
    return type(value) is CoroutineType


def _is_field_error(errors: list[GraphQLError]) -> bool:
    return any(e.path is not None for e in errors)
