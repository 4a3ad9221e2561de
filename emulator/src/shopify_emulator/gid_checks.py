"""Shopify refuses malformed global ids in `ID` input (`Invalid global id `123``).

graphql-core shares one built-in `ID` scalar between all schemas, so the check is not in the
scalar: document literals are checked by a validation rule, variables before execution.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ListValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
    ValueNode,
    get_named_type,
    print_ast,
    type_from_ast,
)

_GLOBAL_ID = re.compile(r"^gid://[A-Za-z0-9-]+/[A-Za-z][A-Za-z0-9]*/[^/\s]+$")


def is_global_id(value: Any) -> bool:
    return isinstance(value, str) and _GLOBAL_ID.match(value) is not None


def invalid_id_message(value: Any) -> str:
    return f"Invalid global id `{value}`"


class GlobalIdLiteralRule(ValidationRule):
    """An `ID` argument or input field written in the document must be a global id."""

    def enter_argument(self, node: Any, *_args: Any) -> None:
        self._check(node.value, self.context.get_input_type())

    def enter_object_field(self, node: Any, *_args: Any) -> None:
        self._check(node.value, self.context.get_input_type())

    def _check(self, value: ValueNode, input_type: Any) -> None:
        if input_type is None or get_named_type(input_type) is not GraphQLID:
            return
        literals = value.values if isinstance(value, ListValueNode) else (value,)
        for literal in literals:
            if isinstance(literal, StringValueNode) and not is_global_id(literal.value):
                self.report_error(GraphQLError(invalid_id_message(literal.value), literal))


Path = list[str | int]


def _bad_ids(value: Any, input_type: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if value is None:
        return
    if isinstance(input_type, GraphQLNonNull):
        yield from _bad_ids(value, input_type.of_type, path)
    elif isinstance(input_type, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            yield from _bad_ids(item, input_type.of_type, [*path, index])
    elif isinstance(input_type, GraphQLInputObjectType):
        if isinstance(value, dict):
            for name, field in input_type.fields.items():
                if name in value:
                    yield from _bad_ids(value[name], field.type, [*path, name])
    elif input_type is GraphQLID and not is_global_id(value):
        yield path, value


def invalid_id_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: dict[str, Any]
) -> list[dict[str, Any]]:
    """Shopify's INVALID_VARIABLE errors for malformed ids in the request's variables."""
    errors: list[dict[str, Any]] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables:
            continue
        input_type: GraphQLInputType | None = type_from_ast(schema, definition.type)  # type: ignore[assignment]
        if input_type is None:
            continue
        problems = [
            {"path": path, "explanation": invalid_id_message(value)}
            for path, value in _bad_ids(variables[name], input_type, [])
        ]
        if not problems:
            continue
        first = problems[0]
        where = " for " + ".".join(str(p) for p in first["path"]) if first["path"] else ""
        loc = definition.loc
        location = loc.source.get_location(loc.start) if loc else None
        errors.append(
            {
                "message": (
                    f"Variable ${name} of type {print_ast(definition.type)} was provided invalid "
                    f"value{where} ({first['explanation']})"
                ),
                "locations": [{"line": location.line, "column": location.column}]
                if location
                else [],
                "extensions": {
                    "code": "INVALID_VARIABLE",
                    "value": variables[name],
                    "problems": problems,
                },
            }
        )
    return errors
