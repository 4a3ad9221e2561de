"""Connect the optional subsystems (bulk operations, webhooks, staged uploads) to the core."""

from __future__ import annotations

from graphql import GraphQLSchema
from starlette.routing import BaseRoute

from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.state import EmulatorState


def wire_optional_subsystems(
    state: EmulatorState, schema: GraphQLSchema, executor: GraphQLExecutor
) -> list[BaseRoute]:
    """Register resolvers and routes of the subsystems that are present; returns extra routes."""
    return []
