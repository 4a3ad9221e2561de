"""Metafield definitions: the `metafieldDefinitions` query and the create and delete mutations."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from shopify_emulator.catalog.metafield_definitions import (
    create_definition,
    delete_definition,
    type_category,
    validation_type,
)
from shopify_emulator.models import MetafieldDefinition
from shopify_emulator.resolvers.context import store_of
from shopify_emulator.resolvers.objects import page_args
from shopify_emulator.resolvers.pagination import Connection, paginate


def metafield_definitions(
    root: Any, info: GraphQLResolveInfo, ownerType: str, **args: Any
) -> Connection[MetafieldDefinition]:
    rows = [
        d
        for d in store_of(info).metafield_definitions.values()
        if d.owner_type == ownerType
        and (args.get("namespace") is None or d.namespace == args["namespace"])
        and (args.get("key") is None or d.key == args["key"])
    ]
    return paginate(rows, lambda d: (d.id, d.id), **page_args(args))


def resolve_create(
    root: Any, info: GraphQLResolveInfo, definition: dict[str, Any]
) -> dict[str, Any]:
    result = create_definition(store_of(info), definition)
    return {"createdDefinition": result.definition, "userErrors": result.errors}


def resolve_delete(
    root: Any,
    info: GraphQLResolveInfo,
    id: str | None = None,
    identifier: dict[str, Any] | None = None,
    deleteAllAssociatedMetafields: bool = False,
) -> dict[str, Any]:
    deleted, errors = delete_definition(
        store_of(info), id, identifier, bool(deleteAllAssociatedMetafields)
    )
    return {"deletedDefinitionId": deleted.gid if deleted else None, "userErrors": errors}


QUERY: dict[str, Any] = {"metafieldDefinitions": metafield_definitions}
MUTATION: dict[str, Any] = {
    "metafieldDefinitionCreate": resolve_create,
    "metafieldDefinitionDelete": resolve_delete,
}
METAFIELD_DEFINITION: dict[str, Any] = {
    "type": lambda d, info: {"name": d.type, "category": type_category(d.type) or "TEXT"},
    "validations": lambda d, info: [
        {"name": v["name"], "type": validation_type(d, v["name"]), "value": v["value"]}
        for v in d.validations
    ],
}
