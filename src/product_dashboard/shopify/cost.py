"""Requested-cost estimate of a GraphQL document by Shopify's published rules.

Scalars and enums cost 0, objects (and lists of objects, interfaces, unions) 1, a connection
2 + `first` (or `last`) * the cost of one node, and each mutation root field 10. The requested cost
is what the bucket must hold before Shopify runs a document, so the pacer reserves this figure.
Only the document is needed, not the schema: a field with a selection set is an object, one that
also takes `first`/`last` is a connection.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    parse,
)

__all__ = ["MAX_QUERY_COST", "MUTATION_COST", "estimate_cost", "parse_document"]

MUTATION_COST = 10
MAX_QUERY_COST = 1000
_CONNECTION_BASE = 2
# Shopify refuses a connection without first/last; if a variable is missing assume the
# largest page so the estimate errs high.
_UNKNOWN_PAGE = 250


@functools.lru_cache(maxsize=256)
def parse_document(document: str) -> DocumentNode:
    """Parse once per distinct document text."""
    return parse(document, no_location=True)


def estimate_cost(document: str, variables: Mapping[str, Any] | None = None) -> int:
    """The requested cost Shopify will charge for `document` with `variables`."""
    return _Estimator(parse_document(document), variables or {}).total()


class _Estimator:
    def __init__(self, doc: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.variables = dict(variables)
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        self.operations: list[OperationDefinitionNode] = []
        for definition in doc.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                self.fragments[definition.name.value] = definition
            elif isinstance(definition, OperationDefinitionNode):
                self.operations.append(definition)
        for op in self.operations:
            for var_def in op.variable_definitions or ():
                name = var_def.variable.name.value
                if name not in self.variables and isinstance(var_def.default_value, IntValueNode):
                    self.variables[name] = int(var_def.default_value.value)

    def total(self) -> int:
        # Shopify charges the operation that runs; a document normally holds one.
        return max((self._operation(op) for op in self.operations), default=0)

    def _operation(self, op: OperationDefinitionNode) -> int:
        if op.operation is OperationType.MUTATION:
            return sum(
                MUTATION_COST + self._selection(field.selection_set)
                for field in self._fields(op.selection_set)
            )
        return self._selection(op.selection_set)

    def _fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """Fields of a selection set with fragment spreads flattened (inline ones excluded)."""
        fields: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                fields.append(selection)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    fields.extend(self._fields(fragment.selection_set))
        return fields

    def _selection(self, selection_set: SelectionSetNode | None) -> int:
        """Cost of the fields selected inside an object (the object's own 1 excluded)."""
        if selection_set is None:
            return 0
        cost = sum(self._field(field) for field in self._fields(selection_set))
        # Inline fragments on an interface/union: only one type matches at run time.
        inline = [
            self._selection(selection.selection_set)
            for selection in selection_set.selections
            if isinstance(selection, InlineFragmentNode)
        ]
        return cost + max(inline, default=0)

    def _field(self, field: FieldNode) -> int:
        if field.selection_set is None:
            return 0
        page = self._page_size(field)
        if page is None:
            return 1 + self._selection(field.selection_set)
        return _CONNECTION_BASE + page * self._node_cost(field.selection_set)

    def _node_cost(self, connection: SelectionSetNode) -> int:
        """Cost of one node of a connection, whether selected via `nodes` or `edges.node`."""
        cost = 0
        for field in self._fields(connection):
            name = field.name.value
            if name == "nodes":
                cost += 1 + self._selection(field.selection_set)
            elif name == "edges":
                for inner in self._fields(field.selection_set):
                    if inner.name.value == "node":
                        cost += 1 + self._selection(inner.selection_set)
        return cost

    def _page_size(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                return int(raw) if isinstance(raw, int) else _UNKNOWN_PAGE
        return None
