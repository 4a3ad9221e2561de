"""Run a bulk query page by page so a large export never blocks the event loop for long.

Shopify's bulk queries select connections without `first`. The root connection is fetched here
in pages of `PAGE_SIZE` (yielding to the loop between pages); nested connections are unbounded.
The pages are merged into one result, as if the whole connection had been returned at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    IntValueNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    get_named_type,
    parse,
)

from shopify_emulator.cost import is_connection
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.resolvers.pagination import UNBOUNDED

PAGE_SIZE = 250
_PAGE_INFO_ALIAS = "emulatorBulkPageInfo"
_PAGE_INFO = parse("{ pageInfo { hasNextPage endCursor } }").definitions[0]


def _page_info_field() -> FieldNode:
    assert isinstance(_PAGE_INFO, OperationDefinitionNode)
    field = _PAGE_INFO.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    return replace(field, alias=NameNode(value=_PAGE_INFO_ALIAS))


def _paged_document(
    document: DocumentNode, operation: OperationDefinitionNode, root: FieldNode, after: str | None
) -> DocumentNode:
    arguments = [a for a in root.arguments or () if a.name.value not in ("first", "after")]
    arguments.append(
        ArgumentNode(name=NameNode(value="first"), value=IntValueNode(value=str(PAGE_SIZE)))
    )
    if after is not None:
        arguments.append(
            ArgumentNode(name=NameNode(value="after"), value=StringValueNode(value=after))
        )
    assert root.selection_set is not None
    paged_root = replace(
        root,
        arguments=tuple(arguments),
        selection_set=SelectionSetNode(
            selections=(*root.selection_set.selections, _page_info_field())
        ),
    )
    paged_operation = replace(operation, selection_set=SelectionSetNode(selections=(paged_root,)))
    definitions = tuple(paged_operation if d is operation else d for d in document.definitions)
    return DocumentNode(definitions=definitions)


def _single_root_connection(
    executor: GraphQLExecutor, document: DocumentNode
) -> tuple[OperationDefinitionNode, FieldNode] | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or len(operations[0].selection_set.selections) != 1:
        return None
    root = operations[0].selection_set.selections[0]
    query_type = executor.schema.query_type
    if not isinstance(root, FieldNode) or query_type is None or root.selection_set is None:
        return None
    field = query_type.fields.get(root.name.value)
    if field is None or not is_connection(get_named_type(field.type)):
        return None
    return operations[0], root


async def run_bulk_query(
    executor: GraphQLExecutor, query: str, *, planned: bool = True
) -> dict[str, Any]:
    """The full, unpaginated `{"data", "errors"?}` of a bulk query, fetched in pages (each
    through a compiled plan unless `planned` is False: `GraphQLExecutor.run_document`)."""
    prepared = executor.cache.get(query)
    shape = (
        _single_root_connection(executor, prepared.document)
        if prepared.document is not None and not prepared.errors
        else None
    )
    token = UNBOUNDED.set(True)
    try:
        if shape is None:
            outcome = await executor.run(query, None, None, charge=False)
            return {k: v for k, v in outcome.body.items() if k != "extensions"}
        assert prepared.document is not None
        operation, root = shape
        key = root.alias.value if root.alias else root.name.value
        merged: dict[str, Any] | None = None
        after: str | None = None
        while True:
            document = _paged_document(prepared.document, operation, root, after)
            body = await executor.run_document(document, planned=planned)
            page = (body.get("data") or {}).get(key)
            if body.get("errors") or not isinstance(page, dict):
                return body
            page_info = page.pop(_PAGE_INFO_ALIAS)
            if merged is None:
                merged = page
            else:
                for part in ("edges", "nodes"):
                    if part in page:
                        merged[part].extend(page[part])
            if not page_info["hasNextPage"]:
                return {"data": {key: merged}}
            after = page_info["endCursor"]
            await asyncio.sleep(0)
    finally:
        UNBOUNDED.reset(token)


__all__ = ["run_bulk_query"]
