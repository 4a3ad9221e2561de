"""Turn a full, unpaginated GraphQL result into bulk-query JSONL objects, as Shopify does.

Each node of the top-level connection becomes one line. Each node of a nested connection becomes
its own line, after its parent's, with `__parentId` set to the parent node's `id`. Nested objects
that are not connections stay inline; `pageInfo` and the connection wrappers disappear.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_CONNECTION_KEYS = frozenset({"edges", "nodes", "pageInfo", "__typename"})


def flatten_bulk_result(data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the JSONL objects for the `data` of a bulk query's full result."""
    for value in data.values():
        if value is None:
            continue
        if is_connection(value):
            for node in connection_nodes(value):
                yield from _flatten_node(node, None)
        elif isinstance(value, Mapping):
            yield from _flatten_node(value, None)


def is_connection(value: Any) -> bool:
    """A dict shaped like a Relay connection: `edges` [{node}] and/or `nodes` [...]."""
    if not isinstance(value, Mapping) or not value.keys() <= _CONNECTION_KEYS:
        return False
    return isinstance(value.get("edges"), list) or isinstance(value.get("nodes"), list)


def connection_nodes(connection: Mapping[str, Any]) -> list[Any]:
    nodes = connection.get("nodes")
    if isinstance(nodes, list):
        return nodes
    return [edge.get("node") for edge in connection.get("edges") or [] if edge is not None]


def _flatten_node(node: Mapping[str, Any], parent_id: Any) -> Iterator[dict[str, Any]]:
    children: list[Mapping[str, Any]] = []
    line = _inline(node, children)
    if parent_id is not None:
        line["__parentId"] = parent_id
    yield line
    own_id = node.get("id", parent_id)
    for child in children:
        yield from _flatten_node(child, own_id)


def _inline(obj: Mapping[str, Any], children: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Copy `obj` without its connections, whose nodes are appended to `children`."""
    line: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, Mapping):
            if is_connection(value):
                children.extend(n for n in connection_nodes(value) if isinstance(n, Mapping))
            else:
                line[key] = _inline(value, children)
        else:
            line[key] = value
    return line
