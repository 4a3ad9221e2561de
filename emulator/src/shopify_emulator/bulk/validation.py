"""Checks done before a bulk operation is created: document shape and the uploaded JSONL."""

from __future__ import annotations

import io
import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)

MAX_CONNECTIONS = 5
MAX_CONNECTION_DEPTH = 2

UploadSource = Path | bytes
_DECODER = json.JSONDecoder()
_DIGITS_AS_NINES = bytes.maketrans(b"0123456789", b"9" * 10)
_LONG_DIGIT_RUN = b"9" * 19


class InvalidJsonl(ValueError):
    """The staged upload is not JSONL of objects; `line` is 0-based."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"Invalid JSONL on line {line + 1}: {reason}")
        self.line = line


def mutation_errors(mutation: str, allowed: Collection[str] | None = None) -> list[str]:
    """Messages why `mutation` cannot run in bulk (empty when it can)."""
    try:
        document = parse(mutation)
    except GraphQLError as error:
        return [f"Failed to parse the mutation - {error.message}"]
    operations = _operations(document)
    if len(operations) != 1 or operations[0].operation != OperationType.MUTATION:
        return ["Bulk mutations must contain exactly one mutation operation"]
    fields = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
    if len(fields) != 1 or len(operations[0].selection_set.selections) != 1:
        return ["Bulk mutations support exactly one top-level mutation field"]
    name = fields[0].name.value
    if allowed is not None and name not in allowed:
        return [f"You must use an allowed mutation name: {name} is not supported in bulk"]
    return []


def query_errors(query: str) -> list[str]:
    """Messages why `query` cannot run as a bulk query (empty when it can)."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return [f"Invalid bulk query: {error.message}"]
    operations = _operations(document)
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        return ["Bulk queries must contain exactly one query operation"]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    depths = list(_connection_depths(operations[0].selection_set, fragments, 0, set()))
    errors = []
    if not depths:
        errors.append("Bulk queries must contain at least one connection.")
    if len(depths) > MAX_CONNECTIONS:
        errors.append(f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections.")
    if depths and max(depths) > MAX_CONNECTION_DEPTH:
        errors.append(
            "Bulk queries cannot contain connections with a nesting depth greater than "
            f"{MAX_CONNECTION_DEPTH}."
        )
    return errors


def count_jsonl_lines(source: UploadSource) -> int:
    """Validate the whole upload (each non-blank line a JSON object); return the line count.

    Blocking: run it in a thread for large files.
    """
    return len(read_jsonl_objects(source))


def read_jsonl_objects(source: UploadSource) -> list[tuple[int, dict[str, Any]]]:
    """Validate the whole upload and return its objects with their line numbers (blank lines
    skipped), so the run does not decode every line a second time. Blocking: run it in a thread.
    """
    objects: list[tuple[int, dict[str, Any]]] = []
    with open_upload(source) as lines:
        for index, raw in enumerate(lines):
            if not raw.strip():
                continue
            value = _decode_line(raw, index)
            if not isinstance(value, dict):
                raise InvalidJsonl(index, "each line must be a JSON object of variables")
            objects.append((index, value))
    return objects


def _decode_line(raw: bytes, index: int) -> Any:
    """The standard decoder's value for one line, from orjson where that is the same.

    orjson reads integers beyond 64 bits as floats (so lines with 19 digits in a row go to the
    standard decoder) and refuses some texts the standard decoder takes (NaN, lone surrogates):
    that decoder then decides, and words the error when there is one.
    """
    if _LONG_DIGIT_RUN not in raw.translate(_DIGITS_AS_NINES):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return _DECODER.decode(raw.decode("utf-8"))
    except ValueError as error:
        raise InvalidJsonl(index, str(error)) from None


@contextmanager
def open_upload(source: UploadSource) -> Iterator[IO[bytes]]:
    """Binary line iterator over an uploaded file given as a path or as bytes."""
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    else:
        with source.open("rb") as handle:
            yield handle


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _connection_depths(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    depth: int,
    seen: set[str],
) -> Iterator[int]:
    """Yield the nesting depth (1 = top level) of every connection field below `selection_set`.

    Without the schema a field counts as a connection when it selects `edges` or `nodes`.
    """
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            child = selection.selection_set
            is_connection = child is not None and any(
                isinstance(s, FieldNode) and s.name.value in ("edges", "nodes")
                for s in child.selections
            )
            if is_connection:
                yield depth + 1
            yield from _connection_depths(child, fragments, depth + is_connection, seen)
        elif isinstance(selection, InlineFragmentNode):
            yield from _connection_depths(selection.selection_set, fragments, depth, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from _connection_depths(
                    fragments[name].selection_set, fragments, depth, seen | {name}
                )
