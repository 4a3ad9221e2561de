"""Shopify's calculated query cost: requested (static) and actual (from the returned data).

Rules (shopify.dev, "GraphQL Admin API rate limits"): scalars and enums cost 0, objects 1,
connections 2 + the page size (`first` or `last`) times the cost of one node, interfaces and
unions the maximum over their possible types, mutations 10 (productSet by its input, see
mutation_cost). The actual cost charges
connections by the nodes actually returned; null objects cost nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)

from shopify_emulator.mutation_cost import MUTATION_COST, root_field_cost

MAX_QUERY_COST = 1000
# Used only when a connection has neither `first` nor `last` (which Shopify rejects anyway).
DEFAULT_PAGE_SIZE = 10
_CONNECTION_PARTS = frozenset({"edges", "nodes", "pageInfo"})


def is_connection(named: GraphQLNamedType) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "pageInfo" in named.fields
    )


class _Walker:
    """Shared traversal over one operation: fragments, directives, variables."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._collected: dict[tuple[tuple[int, ...], str], dict[str, list[FieldNode]]] = {}
        # Variables the cost depended on (page sizes, @skip/@include), for caching.
        self.variables_read: set[str] = set()

    def _included(self, node: SelectionNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            arg = next((a for a in directive.arguments or () if a.name.value == "if"), None)
            value: Any = None
            if arg is not None:
                if isinstance(arg.value, BooleanValueNode):
                    value = arg.value.value
                elif isinstance(arg.value, VariableNode):
                    self.variables_read.add(arg.value.name.value)
                    value = self.variables.get(arg.value.name.value)
            if name == "skip" and value is True:
                return False
            if name == "include" and value is not True:
                return False
        return True

    def _applies(self, type_name: str | None, concrete: GraphQLObjectType) -> bool:
        if type_name is None or type_name == concrete.name:
            return True
        condition = self.schema.get_type(type_name)
        if isinstance(condition, GraphQLAbstractType):
            return self.schema.is_sub_type(condition, concrete)
        return False

    def collect(
        self, selection_sets: list[SelectionSetNode], concrete: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        """Fields selected on `concrete`, grouped by response key (memoised per walk)."""
        cache_key = (tuple(id(s) for s in selection_sets), concrete.name)
        cached = self._collected.get(cache_key)
        if cached is None:
            cached = self._collect(selection_sets, concrete)
            self._collected[cache_key] = cached
        return cached

    def _collect(
        self, selection_sets: list[SelectionSetNode], concrete: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        grouped: dict[str, list[FieldNode]] = {}
        stack = [s for ss in selection_sets for s in ss.selections]
        seen_fragments: set[str] = set()
        while stack:
            selection = stack.pop(0)
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition.name.value if selection.type_condition else None
                if self._applies(cond, concrete):
                    stack.extend(selection.selection_set.selections)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen_fragments:
                    continue
                seen_fragments.add(name)
                if self._applies(fragment.type_condition.name.value, concrete):
                    stack.extend(fragment.selection_set.selections)
        return grouped

    def page_size(self, node: FieldNode) -> int:
        size = None
        for arg in node.arguments or ():
            if arg.name.value not in ("first", "last"):
                continue
            value: Any = None
            if isinstance(arg.value, IntValueNode):
                value = int(arg.value.value)
            elif isinstance(arg.value, VariableNode):
                self.variables_read.add(arg.value.name.value)
                value = self.variables.get(arg.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool):
                size = max(size or 0, value)
        return DEFAULT_PAGE_SIZE if size is None else max(size, 0)

    def root_cost(self, node: FieldNode) -> int:
        """A mutation root field's base cost; productSet's depends on its `input`."""
        if node.name.value != "productSet":
            return MUTATION_COST
        arguments: dict[str, Any] = {}
        for arg in node.arguments or ():
            if isinstance(arg.value, VariableNode):
                self.variables_read.add(arg.value.name.value)
            arguments[arg.name.value] = value_from_ast_untyped(arg.value, dict(self.variables))
        return root_field_cost(node.name.value, arguments)

    def possible(self, named: GraphQLNamedType) -> list[GraphQLObjectType]:
        if is_abstract_type(named):
            return list(self.schema.get_possible_types(named))
        assert isinstance(named, GraphQLObjectType)
        return [named]


def _sub_selections(nodes: list[FieldNode]) -> list[SelectionSetNode]:
    return [n.selection_set for n in nodes if n.selection_set is not None]


class RequestedCost(_Walker):
    def of_selection(
        self, sets: list[SelectionSetNode], named: GraphQLNamedType, objects: bool = True
    ) -> int:
        best = 0
        for concrete in self.possible(named):
            total = 0
            for nodes in self.collect(sets, concrete).values():
                total += self.of_field(nodes, concrete, objects)
            best = max(best, total)
        return best

    def of_field(self, nodes: list[FieldNode], parent: GraphQLObjectType, objects: bool) -> int:
        name = nodes[0].name.value
        field = parent.fields.get(name)
        if field is None or name.startswith("__"):
            return 0
        named = get_named_type(field.type)
        if is_leaf_type(named):
            return 0
        sets = _sub_selections(nodes)
        if is_connection(named):
            assert isinstance(named, GraphQLObjectType)
            return 2 + max(self.page_size(n) for n in nodes) * self.node_cost(sets, named)
        own = 1 if objects else 0
        return own + self.of_selection(sets, named, objects)

    def node_cost(self, sets: list[SelectionSetNode], connection: GraphQLObjectType) -> int:
        parts = self.collect(sets, connection)
        node_type = get_named_type(connection.fields["nodes"].type)
        node_sets: list[SelectionSetNode] = _sub_selections(parts.get("nodes", []))
        edge_type = get_named_type(connection.fields["edges"].type)
        assert isinstance(edge_type, GraphQLObjectType)
        edge_parts = self.collect(_sub_selections(parts.get("edges", [])), edge_type)
        node_sets += _sub_selections(edge_parts.get("node", []))
        if not node_sets and "edges" not in parts and "nodes" not in parts:
            return 0
        return 1 + self.of_selection(node_sets, node_type)


class ActualCost(_Walker):
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        super().__init__(schema, document, variables)
        self._priced: dict[tuple[tuple[int, ...], str], list[tuple[str, list[FieldNode]]]] = {}

    def of_selection(
        self, sets: list[SelectionSetNode], named: GraphQLNamedType, data: Any, objects: bool = True
    ) -> int:
        if not isinstance(data, dict):
            return 0
        candidates = self.possible(named)
        if len(candidates) > 1:
            runtime = _runtime_type(data)
            narrowed = [c for c in candidates if c.name == runtime]
            candidates = narrowed or candidates
        best = 0
        for concrete in candidates:
            total = 0
            for key, nodes in self._priced_fields(sets, concrete):
                total += self.of_field(nodes, concrete, data.get(key), objects)
            best = max(best, total)
        return best

    def _priced_fields(
        self, sets: list[SelectionSetNode], concrete: GraphQLObjectType
    ) -> list[tuple[str, list[FieldNode]]]:
        """The selected fields that can cost anything (objects, connections), memoised."""
        cache_key = (tuple(id(s) for s in sets), concrete.name)
        priced = self._priced.get(cache_key)
        if priced is None:
            priced = []
            for key, nodes in self.collect(sets, concrete).items():
                name = nodes[0].name.value
                field = concrete.fields.get(name)
                if field is None or name.startswith("__"):
                    continue
                if not is_leaf_type(get_named_type(field.type)):
                    priced.append((key, nodes))
            self._priced[cache_key] = priced
        return priced

    def of_field(
        self, nodes: list[FieldNode], parent: GraphQLObjectType, value: Any, objects: bool
    ) -> int:
        name = nodes[0].name.value
        field = parent.fields.get(name)
        if field is None or name.startswith("__") or value is None:
            return 0
        named = get_named_type(field.type)
        if is_leaf_type(named):
            return 0
        sets = _sub_selections(nodes)
        if is_connection(named):
            assert isinstance(named, GraphQLObjectType)
            return 2 + self.returned_nodes_cost(sets, named, value)
        own = 1 if objects else 0
        if isinstance(value, list):
            return own + max((self.of_selection(sets, named, v, objects) for v in value), default=0)
        return own + self.of_selection(sets, named, value, objects)

    def returned_nodes_cost(
        self, sets: list[SelectionSetNode], connection: GraphQLObjectType, value: Any
    ) -> int:
        if not isinstance(value, dict):
            return 0
        parts = self.collect(sets, connection)
        node_type = get_named_type(connection.fields["nodes"].type)
        edge_type = get_named_type(connection.fields["edges"].type)
        assert isinstance(edge_type, GraphQLObjectType)
        rows: list[tuple[list[SelectionSetNode], Any]] = []
        for key, nodes in parts.items():
            if nodes[0].name.value == "nodes":
                rows.extend((_sub_selections(nodes), item) for item in value.get(key) or [])
            elif nodes[0].name.value == "edges":
                edge_parts = self.collect(_sub_selections(nodes), edge_type)
                for edge in value.get(key) or []:
                    for node_key, node_nodes in edge_parts.items():
                        if node_nodes[0].name.value == "node" and isinstance(edge, dict):
                            rows.append((_sub_selections(node_nodes), edge.get(node_key)))
        if not rows:
            return 0
        count = max(
            len(value.get(k) or [])
            for k, n in parts.items()
            if n[0].name.value in ("edges", "nodes")
        )
        per_node = max(self.of_selection(s, node_type, d) for s, d in rows)
        return count * (1 + per_node)


def _runtime_type(data: dict[str, Any]) -> str | None:
    typename = data.get("__typename")
    if isinstance(typename, str):
        return typename
    gid = data.get("id")
    if isinstance(gid, str) and gid.startswith("gid://shopify/"):
        return gid.split("/")[3]
    return None


def _root(schema: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLObjectType:
    root = schema.mutation_type if operation.operation == OperationType.MUTATION else None
    root = root or schema.query_type
    assert root is not None
    return root


def with_defaults(
    operation: OperationDefinitionNode, variables: Mapping[str, Any]
) -> Mapping[str, Any]:
    """Variables as the operation sees them: declared defaults fill in omitted values."""
    merged: dict[str, Any] | None = None
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables and definition.default_value is not None:
            if merged is None:
                merged = dict(variables)
            merged[name] = value_from_ast_untyped(definition.default_value)
    return variables if merged is None else merged


class RequestedCostCache:
    """Requested cost per (document, operation), keyed also by the variables it depended on.

    Entries are keyed by object ids and hold the document, so an id reused by a later document
    (after the first was dropped) can never hit a stale entry.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._reads: dict[tuple[int, int], tuple[DocumentNode, tuple[str, ...]]] = {}
        self._costs: dict[tuple[Any, ...], int] = {}

    def get(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> int:
        base = (id(document), id(operation))
        variables = with_defaults(operation, variables)
        known = self._reads.get(base)
        reads = known[1] if known is not None and known[0] is document else None
        if reads is not None:
            try:
                key = (*base, *((name, variables.get(name)) for name in reads))
                cached = self._costs.get(key)
            except TypeError:  # unhashable variable value
                cached, key = None, None
            if cached is not None:
                return cached
        walker = RequestedCost(schema, document, variables)
        cost = _requested_with(walker, operation)
        reads = tuple(sorted(walker.variables_read))
        if len(self._costs) >= self.size:
            self._costs.clear()
            self._reads.clear()
        if known is not None and known[0] is not document:  # a dropped document's id, reused
            for key in [key for key in self._costs if key[:2] == base]:
                del self._costs[key]
        self._reads[base] = (document, reads)
        with contextlib.suppress(TypeError):  # unhashable variable value: just not cached
            self._costs[(*base, *((name, variables.get(name)) for name in reads))] = cost
        return cost


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
) -> int:
    walker = RequestedCost(schema, document, with_defaults(operation, variables))
    return _requested_with(walker, operation)


def _requested_with(walker: RequestedCost, operation: OperationDefinitionNode) -> int:
    schema = walker.schema
    root = _root(schema, operation)
    if operation.operation == OperationType.MUTATION:
        total = 0
        for nodes in walker.collect([operation.selection_set], root).values():
            if nodes[0].name.value.startswith("__"):
                continue
            total += walker.root_cost(nodes[0]) + walker.of_field(nodes, root, objects=False)
        return total
    return walker.of_selection([operation.selection_set], root)


def actual_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    data: Mapping[str, Any] | None,
) -> int:
    """The actual cost of `data`, the result of `operation`."""
    if data is None:
        return 0
    walker = ActualCost(schema, document, with_defaults(operation, variables))
    root = _root(schema, operation)
    if operation.operation == OperationType.MUTATION:
        total = 0
        for key, nodes in walker.collect([operation.selection_set], root).items():
            if nodes[0].name.value.startswith("__") or key not in data:
                continue
            total += walker.root_cost(nodes[0]) + walker.of_field(
                nodes, root, data.get(key), objects=False
            )
        return total
    return walker.of_selection([operation.selection_set], root, dict(data))
