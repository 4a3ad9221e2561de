"""Render graphql-core errors the way Shopify (graphql-ruby) words and codes them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    print_ast,
    visit,
)
from graphql.language import Visitor

ErrorDict = dict[str, Any]

_PUNCTUATORS = {
    "{": "LCURLY",
    "}": "RCURLY",
    "(": "LPAREN",
    ")": "RPAREN",
    "[": "LBRACKET",
    "]": "RBRACKET",
    ":": "COLON",
    "$": "VAR_SIGN",
    "!": "BANG",
    "=": "EQUALS",
    "@": "DIR_SIGN",
    "|": "PIPE",
    "&": "AMP",
}
_KEYWORDS = {"query", "mutation", "subscription", "fragment", "on", "true", "false", "null"}


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or []]


def syntax_error(error: GraphQLSyntaxError, text: str) -> ErrorDict:
    """graphql-ruby's parse error: `Parse error on "}" (RCURLY) at [1, 15]`, no code."""
    locations = _locations(error)
    position = next(iter(error.positions), len(text)) if error.positions else len(text)
    rest = text[position:].lstrip() if position < len(text) else ""
    if not rest:
        return {"message": "Unexpected end of document", "locations": locations}
    token, kind = _token_at(rest)
    line, column = (locations[0]["line"], locations[0]["column"]) if locations else (1, 1)
    return {
        "message": f'Parse error on "{token}" ({kind}) at [{line}, {column}]',
        "locations": locations,
    }


def _token_at(text: str) -> tuple[str, str]:
    first = text[0]
    if text.startswith("..."):
        return "...", "ELLIPSIS"
    if first in _PUNCTUATORS:
        return first, _PUNCTUATORS[first]
    if first == '"':
        end = text.find('"', 1)
        return (text[1:end] if end > 0 else text[1:]), "STRING"
    match = re.match(r"-?\d+(\.\d+)?([eE][+-]?\d+)?", text)
    if match:
        return match.group(0), "FLOAT" if match.group(1) or match.group(2) else "INT"
    match = re.match(r"[_A-Za-z][_0-9A-Za-z]*", text)
    if match:
        word = match.group(0)
        return word, word.upper() if word in _KEYWORDS else "IDENTIFIER"
    return first, "UNKNOWN_CHAR"


class _ParentIndex(Visitor):
    """Maps argument values and variables to the argument (and field) holding them."""

    def __init__(self) -> None:
        super().__init__()
        self.owner: dict[int, tuple[str, str, str]] = {}
        self._fields: list[str] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self._fields.append(node.name.value)

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        self._fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        field = self._fields[-1] if self._fields else ""
        self._mark(node.value, ("Field", field, node.name.value))

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self._mark(node.value, ("InputObject", "", node.name.value))

    def _mark(self, value: Node, owner: tuple[str, str, str]) -> None:
        self.owner.setdefault(id(value), owner)


def _owner_of(document: DocumentNode | None, node: Node | None) -> tuple[str, str, str] | None:
    if document is None or node is None:
        return None
    index = _ParentIndex()
    visit(document, index)
    return index.owner.get(id(node))


Rule = tuple[
    re.Pattern[str], Callable[[re.Match[str], GraphQLError, DocumentNode | None], ErrorDict]
]


def _undefined_field(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    field, type_name = m.group(1), m.group(2)
    return {
        "message": f"Field '{field}' doesn't exist on type '{type_name}'",
        "extensions": {"code": "undefinedField", "typeName": type_name, "fieldName": field},
    }


def _unknown_argument(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    argument, field = m.group(1), m.group(2).split(".")[-1]
    return {
        "message": f"Field '{field}' doesn't accept argument '{argument}'",
        "extensions": {
            "code": "argumentNotAccepted",
            "name": field,
            "typeName": "Field",
            "argumentName": argument,
        },
    }


def _unknown_input_field(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    field, type_name = m.group(1), m.group(2)
    return {
        "message": f"InputObject '{type_name}' doesn't accept argument '{field}'",
        "extensions": {
            "code": "argumentNotAccepted",
            "name": type_name,
            "typeName": "InputObject",
            "argumentName": field,
        },
    }


def _unknown_input_field_named_type_first(
    m: re.Match[str], e: GraphQLError, d: DocumentNode | None
) -> ErrorDict:
    type_name, field = m.group(1), m.group(2)
    return {
        "message": f"InputObject '{type_name}' doesn't accept argument '{field}'",
        "extensions": {
            "code": "argumentNotAccepted",
            "name": type_name,
            "typeName": "InputObject",
            "argumentName": field,
        },
    }


def _missing_argument(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    field, argument = m.group(1), m.group(2)
    return {
        "message": f"Field '{field}' is missing required arguments: {argument}",
        "extensions": {
            "code": "missingRequiredArguments",
            "className": "Field",
            "name": field,
            "arguments": argument,
        },
    }


def _missing_input_field(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    type_name, field, field_type = m.group(1), m.group(2), m.group(3)
    return {
        "message": (
            f"Argument '{field}' on InputObject '{type_name}' is required. "
            f"Expected type {field_type}"
        ),
        "extensions": {
            "code": "missingRequiredInputObjectAttribute",
            "argumentName": field,
            "argumentType": field_type,
            "inputObjectType": type_name,
        },
    }


def _variable_mismatch(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    variable, var_type, expected = m.group(1), m.group(2), m.group(3)
    owner = _owner_of(d, e.nodes[-1] if e.nodes else None)
    argument = owner[2] if owner else ""
    return {
        "message": (
            f"Type mismatch on variable ${variable} and argument {argument} "
            f"({var_type} / {expected})"
        ),
        "extensions": {
            "code": "variableMismatch",
            "variableName": variable,
            "typeName": var_type,
            "argumentName": argument,
            "errorMessage": "Type mismatch",
        },
    }


def _unused_variable(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    variable, operation = m.group(1), m.group(2) or "anonymous query"
    return {
        "message": f"Variable ${variable} is declared by {operation} but not used",
        "extensions": {"code": "variableNotUsed", "variableName": variable},
    }


def _undefined_variable(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    variable, operation = m.group(1), m.group(2) or "anonymous query"
    return {
        "message": f"Variable ${variable} is used by {operation} but not declared",
        "extensions": {"code": "variableNotDefined", "variableName": variable},
    }


def _missing_selection(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    field, type_name = m.group(1), m.group(2)
    return {
        "message": (
            f"Field must have selections (field '{field}' returns {type_name} but has no "
            f"selections. Did you mean '{field} {{ ... }}'?)"
        ),
        "extensions": {"code": "selectionMismatch", "nodeName": field, "typeName": type_name},
    }


def _scalar_selection(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    field, type_name = m.group(1), m.group(2)
    return {
        "message": (
            f"Selections can't be made on scalars (field '{field}' returns {type_name} "
            "but has selections)"
        ),
        "extensions": {"code": "selectionMismatch", "nodeName": field, "typeName": type_name},
    }


def _bad_literal(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    node = e.nodes[0] if e.nodes else None
    owner = _owner_of(d, node)
    source = node.loc.source.body[node.loc.start : node.loc.end] if node and node.loc else ""
    expected = m.group("type") if "type" in m.groupdict() and m.group("type") else "value"
    if owner is None:
        return {
            "message": f"Argument has an invalid value ({source}). Expected type '{expected}'.",
            "extensions": {"code": "argumentLiteralsIncompatible", "typeName": "Field"},
        }
    kind, field, argument = owner
    where = f"Field '{field}'" if kind == "Field" else "InputObject"
    return {
        "message": (
            f"Argument '{argument}' on {where} has an invalid value ({source}). "
            f"Expected type '{expected}'."
        ),
        "extensions": {
            "code": "argumentLiteralsIncompatible",
            "typeName": kind if kind == "Field" else "CoercionError",
            "argumentName": argument,
        },
    }


def _unknown_type(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    return {
        "message": f"No such type {m.group(1)}, so it can't be a fragment condition",
        "extensions": {"code": "undefinedType", "typeName": m.group(1)},
    }


def _invalid_global_id(m: re.Match[str], e: GraphQLError, d: DocumentNode | None) -> ErrorDict:
    return {
        "message": m.group(0),
        "extensions": {"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"},
    }


_RULES: list[Rule] = [
    (re.compile(r"^Invalid global id `.*`$", re.S), _invalid_global_id),
    (re.compile(r"^Cannot query field '([^']+)' on type '([^']+)'"), _undefined_field),
    (re.compile(r"^Unknown argument '([^']+)' on field '([^']+)'"), _unknown_argument),
    (re.compile(r"^Field '([^']+)' is not defined by type '([^']+)'"), _unknown_input_field),
    (
        re.compile(r"^Field '([^']+)' argument '([^']+)' of type '[^']+' is required"),
        _missing_argument,
    ),
    (
        re.compile(r"^Argument '\w+\.(\w+)\((\w+):\)' of type '[^']+' is required"),
        _missing_argument,
    ),
    (
        re.compile(r"^Expected value of type '([^']+)' not to include unknown field '([^']+)'"),
        _unknown_input_field_named_type_first,
    ),
    (
        re.compile(r"^Value '[^']*' does not exist in '(?P<type>[^']+)' enum"),
        _bad_literal,
    ),
    (
        re.compile(r"^Field '([^'.]+)\.([^']+)' of required type '([^']+)' was not provided"),
        _missing_input_field,
    ),
    (
        re.compile(
            r"^Variable '\$([^']+)' of type '([^']+)' used in position expecting type '([^']+)'"
        ),
        _variable_mismatch,
    ),
    (
        re.compile(r"^Variable '\$([^']+)' is never used(?: in operation '([^']+)')?"),
        _unused_variable,
    ),
    (
        re.compile(r"^Variable '\$([^']+)' is not defined(?: by operation '([^']+)')?"),
        _undefined_variable,
    ),
    (
        re.compile(r"^Field '([^']+)' of type '([^']+)' must have a selection of subfields"),
        _missing_selection,
    ),
    (
        re.compile(r"^Field '([^']+)' must not have a selection since type '([^']+)'"),
        _scalar_selection,
    ),
    (
        re.compile(
            r"^(?:Expected value of type '(?P<type>[^']+)'|(?P<type2>\w+) cannot represent)"
        ),
        _bad_literal,
    ),
    (re.compile(r"^Enum '(?P<type>[^']+)' cannot represent"), _bad_literal),
    (re.compile(r"^Unknown type '([^']+)'"), _unknown_type),
]


_REQUIRED_INPUT_FIELD = re.compile(
    r"^Expected value of type '(?P<type>[^']+)' to include required field '(?P<field>[^']+)'"
)


def _required_input_field(match: re.Match[str], schema: GraphQLSchema | None) -> ErrorDict:
    type_name, field = match.group("type"), match.group("field")
    input_type = schema.get_type(type_name) if schema is not None else None
    field_type = (
        str(input_type.fields[field].type)
        if isinstance(input_type, GraphQLInputObjectType) and field in input_type.fields
        else ""
    )
    return {
        "message": (
            f"Argument '{field}' on InputObject '{type_name}' is required. "
            f"Expected type {field_type}"
        ),
        "extensions": {
            "code": "missingRequiredInputObjectAttribute",
            "argumentName": field,
            "argumentType": field_type,
            "inputObjectType": type_name,
        },
    }


def validation_error(
    error: GraphQLError, document: DocumentNode | None, schema: GraphQLSchema | None = None
) -> ErrorDict:
    """One validation error in Shopify's shape: message, locations, path, extensions.code."""
    required = _REQUIRED_INPUT_FIELD.match(error.message)
    rules = _RULES if required is None else []
    for pattern, render in rules:
        match = pattern.match(error.message)
        if match:
            rendered = render(match, error, document)
            if "type2" in match.groupdict() and match.group("type2") and render is _bad_literal:
                rendered["message"] = rendered["message"].replace(
                    "'value'", f"'{match.group('type2')}'"
                )
            break
    else:
        if required is not None:
            rendered = _required_input_field(required, schema)
        else:
            rendered = {
                "message": error.message,
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
    result: ErrorDict = {"message": rendered["message"], "locations": _locations(error)}
    result["path"] = _document_path(error, document)
    result["extensions"] = rendered["extensions"]
    return result


def _document_path(error: GraphQLError, document: DocumentNode | None) -> list[str]:
    """graphql-ruby reports where in the document the error sits: ["query Name", "field", …]."""
    if document is None or not error.nodes:
        return []
    target = error.nodes[0]
    found: list[str] = []

    class Finder(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def enter(self, node: Any, *_: Any) -> None:
            kind = type(node).__name__
            if kind == "OperationDefinitionNode":
                name = f" {node.name.value}" if node.name else ""
                self.stack.append(f"{node.operation.value}{name}")
            elif kind == "FieldNode":
                self.stack.append(node.alias.value if node.alias else node.name.value)
            elif kind == "FragmentDefinitionNode":
                self.stack.append(f"fragment {node.name.value}")
            elif kind == "ArgumentNode":
                self.stack.append(node.name.value)
            if node is target and not found:
                found.extend(self.stack)

        def leave(self, node: Any, *_: Any) -> None:
            kind = type(node).__name__
            if kind in (
                "OperationDefinitionNode",
                "FieldNode",
                "FragmentDefinitionNode",
                "ArgumentNode",
            ):
                self.stack.pop()

    visit(document, Finder())
    return found


_VARIABLE_VALUE = re.compile(
    r"^Variable '\$(?P<name>\w+)' has invalid value(?: at (?P<path>\S+))?: (?P<detail>.*)$", re.S
)
_INNER_ERROR = re.compile(r"encountered error '(?P<inner>.*)'; found", re.S)


def _variable_type(document: DocumentNode | None, name: str) -> str:
    for definition in document.definitions if document else ():
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                if variable.variable.name.value == name:
                    return print_ast(variable.type)
    return ""


def _value_path(raw: str | None) -> list[str | int]:
    if not raw:
        return []
    parts = re.findall(r"\.(\w+)|\[(\d+)\]", raw)
    return [int(index) if index else field for field, index in parts]


def execution_error(
    error: GraphQLError, document: DocumentNode | None, variables: dict[str, Any] | None = None
) -> ErrorDict:
    """Errors raised while executing, or while coercing variables (Shopify's INVALID_VARIABLE)."""
    match = _VARIABLE_VALUE.match(error.message)
    if match:
        name = match.group("name")
        path = _value_path(match.group("path"))
        detail = match.group("detail").strip()
        inner = _INNER_ERROR.search(detail)
        if inner:
            explanation = inner.group("inner")
        elif "not to be None" in detail or "to be provided" in detail:
            explanation = "Expected value to not be null"
        else:
            explanation = detail.rstrip(".")
        where = " for " + ".".join(str(p) for p in path) if path else ""
        type_name = _variable_type(document, name)
        return {
            "message": (
                f"Variable ${name} of type {type_name} was provided invalid value{where} "
                f"({explanation})"
            ),
            "locations": _locations(error),
            "extensions": {
                "code": "INVALID_VARIABLE",
                "value": (variables or {}).get(name),
                "problems": [{"path": path, "explanation": explanation}],
            },
        }
    result: ErrorDict = {"message": error.message, "locations": _locations(error)}
    if error.path is not None:
        result["path"] = list(error.path)
    if error.extensions:
        result["extensions"] = dict(error.extensions)
    return result
