"""Connect the subsystems (webhooks, staged uploads, bulk operations) to the core.

Each subsystem's GraphQL fields get their resolvers here, bound into the app's own schema; its
lifecycle, snapshot, stats and knob hooks go to `state.hooks`; its HTTP routes are returned.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLResolveInfo, GraphQLSchema
from starlette.routing import BaseRoute

from shopify_emulator.bulk import BulkOperation, BulkOperationManager
from shopify_emulator.bulk.listing import list_bulk_operations
from shopify_emulator.bulk_documents import refused_bulk_mutation, refused_bulk_query
from shopify_emulator.bulk_paging import run_bulk_query
from shopify_emulator.config import CURRENT_API_VERSION
from shopify_emulator.executor import GraphQLExecutor
from shopify_emulator.graphql_schema import extend_resolvers
from shopify_emulator.resolvers.pagination import paginate
from shopify_emulator.staged_uploads import StagedUploadError, StagedUploads
from shopify_emulator.state import EmulatorState, SnapshotPart
from shopify_emulator.webhooks import (
    COLLECTION_WEBHOOK_QUERY,
    PRODUCT_WEBHOOK_QUERY,
    WebhookDispatcher,
    WebhookSubscriptionError,
    bulk_operation_finish_payload,
    collection_delete_payload,
    collection_webhook_payload,
    inventory_level_payload,
    product_delete_payload,
    product_webhook_payload,
)


@dataclass(frozen=True)
class Subsystems:
    webhooks: WebhookDispatcher
    uploads: StagedUploads
    bulk: BulkOperationManager
    routes: list[BaseRoute]


def _work_dir(state: EmulatorState, name: str) -> Path:
    """Beside the state file when there is one, else a temporary directory removed at shutdown."""
    if state.config.state_file is not None:
        path = Path(state.config.state_file).with_suffix("").parent / (
            Path(state.config.state_file).stem + f"-{name}"
        )
        path.mkdir(parents=True, exist_ok=True)
        return path
    path = Path(tempfile.mkdtemp(prefix=f"shopify-emulator-{name}-"))

    async def cleanup() -> None:
        shutil.rmtree(path, ignore_errors=True)

    state.hooks.shutdown.append(cleanup)
    return path


def _base_url(state: EmulatorState) -> str:
    return state.config.public_base_url or "http://127.0.0.1"


def wire_subsystems(
    state: EmulatorState, schema: GraphQLSchema, executor: GraphQLExecutor
) -> Subsystems:
    """Build the subsystems and bind their resolvers, hooks and routes."""
    webhooks = _wire_webhooks(state, schema, executor)
    uploads = _wire_staged_uploads(state, schema)
    bulk = _wire_bulk(state, schema, executor, webhooks, uploads)
    return Subsystems(webhooks, uploads, bulk, [*uploads.routes(), *bulk.routes()])


# --- webhooks ------------------------------------------------------------------------------------
def _wire_webhooks(
    state: EmulatorState, schema: GraphQLSchema, executor: GraphQLExecutor
) -> WebhookDispatcher:
    config = state.config
    dispatcher = WebhookDispatcher(
        config.webhook_secret,
        config.shop_domain,
        CURRENT_API_VERSION,
        time_scale=config.webhook_time_scale * config.time_scale,
    )

    def on_change(topic: str, record: Any) -> None:
        enum_topic = topic.replace("/", "_").upper()
        if not dispatcher.list_subscriptions(enum_topic):
            return
        if topic == "products/delete":
            payload = product_delete_payload(record.gid)
        elif topic == "collections/delete":
            payload = collection_delete_payload(record.gid)
        elif topic == "inventory_levels/update":
            payload = inventory_level_payload(
                record.inventory_item_id, record.location_id, record.available, record.at
            )
        elif topic.startswith("products/"):
            data = executor.run_internal(PRODUCT_WEBHOOK_QUERY, {"id": record.gid})
            payload = product_webhook_payload(data["product"])
        else:
            data = executor.run_internal(COLLECTION_WEBHOOK_QUERY, {"id": record.gid})
            payload = collection_webhook_payload(data["collection"])
        dispatcher.publish(enum_topic, payload)
        state.stats.webhooks_fired += 1

    state.store.listeners.append(on_change)

    def create(
        root: Any, info: GraphQLResolveInfo, topic: str, webhookSubscription: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            subscription = dispatcher.create_subscription(
                topic,
                webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl") or "",
                format=webhookSubscription.get("format") or "JSON",
                include_fields=webhookSubscription.get("includeFields"),
                filter=webhookSubscription.get("filter"),
            )
        except WebhookSubscriptionError as error:
            return {"webhookSubscription": None, "userErrors": [error.to_user_error()]}
        state.store.touch()
        return {"webhookSubscription": subscription.to_graphql(), "userErrors": []}

    def update(
        root: Any, info: GraphQLResolveInfo, id: str, webhookSubscription: dict[str, Any]
    ) -> dict[str, Any]:
        subscription = dispatcher.subscriptions.get(id)
        if subscription is None:
            return {
                "webhookSubscription": None,
                "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
            }
        if webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl"):
            subscription.callback_url = (
                webhookSubscription.get("uri") or webhookSubscription["callbackUrl"]
            )
        if webhookSubscription.get("includeFields") is not None:
            subscription.include_fields = list(webhookSubscription["includeFields"])
        if "filter" in webhookSubscription:
            subscription.filter = webhookSubscription["filter"]
        state.store.touch()
        return {"webhookSubscription": subscription.to_graphql(), "userErrors": []}

    def delete(root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        try:
            subscription = dispatcher.delete_subscription(id)
        except WebhookSubscriptionError as error:
            return {"deletedWebhookSubscriptionId": None, "userErrors": [error.to_user_error()]}
        state.store.touch()
        return {"deletedWebhookSubscriptionId": subscription.id, "userErrors": []}

    def listing(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        subscriptions = dispatcher.list_subscriptions()
        if args.get("topics"):
            subscriptions = [s for s in subscriptions if s.topic in args["topics"]]
        if address := args.get("uri") or args.get("callbackUrl"):
            subscriptions = [s for s in subscriptions if s.callback_url == address]
        rows = [s.to_graphql() for s in subscriptions]
        return paginate(
            rows,
            lambda r: (r["legacyResourceId"], r["legacyResourceId"]),
            first=args.get("first"),
            last=args.get("last"),
            after=args.get("after"),
            before=args.get("before"),
            reverse=bool(args.get("reverse")),
        )

    def single(root: Any, info: GraphQLResolveInfo, id: str) -> Any:
        subscription = dispatcher.subscriptions.get(id)
        return subscription.to_graphql() if subscription else None

    def find(raw: str) -> Any:
        return single(None, None, f"gid://shopify/WebhookSubscription/{raw}")  # type: ignore[arg-type]

    async def start() -> None:
        await dispatcher.start()

    async def stop() -> None:
        await dispatcher.aclose()

    def reconfigure(body: dict[str, Any]) -> None:
        if "webhook_time_scale" in body or "time_scale" in body:
            dispatcher.time_scale = config.webhook_time_scale * config.time_scale
        if "webhook_duplicate_rate" in body:
            dispatcher.duplicate_rate = float(body["webhook_duplicate_rate"])

    extend_resolvers(
        schema,
        "Mutation",
        {
            "webhookSubscriptionCreate": create,
            "webhookSubscriptionUpdate": update,
            "webhookSubscriptionDelete": delete,
        },
    )
    extend_resolvers(
        schema, "QueryRoot", {"webhookSubscriptions": listing, "webhookSubscription": single}
    )
    hooks = state.hooks
    hooks.node_finders["WebhookSubscription"] = find
    hooks.startup.append(start)
    hooks.shutdown.insert(0, stop)

    def reset() -> None:
        for subscription in dispatcher.list_subscriptions():
            dispatcher.delete_subscription(subscription.id)

    def dump() -> str:
        return json.dumps(
            [
                {
                    "topic": s.topic,
                    "callback_url": s.callback_url,
                    "format": s.format,
                    "include_fields": s.include_fields,
                    "filter": s.filter,
                }
                for s in dispatcher.list_subscriptions()
            ]
        )

    def restore(saved: str) -> None:
        for item in json.loads(saved):
            with contextlib.suppress(WebhookSubscriptionError):
                dispatcher.create_subscription(
                    item["topic"],
                    item["callback_url"],
                    format=item["format"],
                    include_fields=item["include_fields"],
                    filter=item["filter"],
                )

    hooks.snapshot_parts["webhook_subscriptions"] = SnapshotPart(dump, restore)
    hooks.stats["webhooks"] = lambda: dispatcher.stats().as_dict()
    hooks.reconfigure.append(reconfigure)
    hooks.reset.append(reset)
    return dispatcher


# --- staged uploads ------------------------------------------------------------------------------
def _wire_staged_uploads(state: EmulatorState, schema: GraphQLSchema) -> StagedUploads:
    uploads = StagedUploads(_work_dir(state, "uploads"), lambda: _base_url(state))

    def create(root: Any, info: GraphQLResolveInfo, input: list[dict[str, Any]]) -> dict[str, Any]:
        targets: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(input):
            try:
                size = item.get("fileSize")
                targets.append(
                    uploads.create_target(
                        item["resource"],
                        item["filename"],
                        item["mimeType"],
                        item.get("httpMethod") or "PUT",
                        None if size is None else int(size),
                    )
                )
            except StagedUploadError as error:
                errors.append({"field": ["input", str(index), error.field], "message": str(error)})
        if errors:
            return {"stagedTargets": [], "userErrors": errors}
        return {"stagedTargets": targets, "userErrors": []}

    extend_resolvers(schema, "Mutation", {"stagedUploadsCreate": create})
    state.store.staged_source = uploads.media_source
    return uploads


# --- bulk operations -----------------------------------------------------------------------------
def _wire_bulk(
    state: EmulatorState,
    schema: GraphQLSchema,
    executor: GraphQLExecutor,
    webhooks: WebhookDispatcher,
    uploads: StagedUploads,
) -> BulkOperationManager:
    async def on_finish(operation: BulkOperation) -> None:
        if not webhooks.list_subscriptions("BULK_OPERATIONS_FINISH"):
            return
        webhooks.publish("BULK_OPERATIONS_FINISH", bulk_operation_finish_payload(operation))
        state.stats.webhooks_fired += 1

    manager = BulkOperationManager(
        _work_dir(state, "bulk"),
        lambda: _base_url(state),
        rate_per_second=state.config.bulk_rate or None,
        startup_seconds=state.config.bulk_startup_seconds,
        on_finish=on_finish,
    )

    async def run_mutation(
        root: Any,
        info: GraphQLResolveInfo,
        mutation: str,
        stagedUploadPath: str,
        clientIdentifier: str | None = None,
    ) -> dict[str, Any]:
        if refused := refused_bulk_mutation(executor, mutation):
            return refused.to_graphql()

        async def run_line(variables: dict[str, Any]) -> dict[str, Any]:
            outcome = await executor.run(mutation, variables, None, charge=False)
            return outcome.body

        payload = await manager.run_mutation(
            mutation,
            stagedUploadPath,
            run_line,
            uploads.path_for,
            client_identifier=clientIdentifier,
        )
        return payload.to_graphql()

    async def run_query(
        root: Any, info: GraphQLResolveInfo, query: str, groupObjects: bool = False
    ) -> dict[str, Any]:
        # Results always come grouped (children right after their parent), which also
        # satisfies clients that do not ask for grouping.
        if refused := refused_bulk_query(executor, query):
            return refused.to_graphql()

        async def execute_all() -> dict[str, Any]:
            return await run_bulk_query(executor, query)

        payload = await manager.run_query(query, execute_all)
        return payload.to_graphql()

    def cancel(root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        return manager.cancel(id).to_graphql()

    def current(root: Any, info: GraphQLResolveInfo, type: str = "QUERY") -> Any:
        operation = manager.current(type)
        return operation.to_graphql() if operation else None

    def single(root: Any, info: GraphQLResolveInfo, id: str) -> Any:
        operation = manager.get(id)
        return operation.to_graphql() if operation else None

    def listing(root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        return list_bulk_operations(manager.operations(), **args)

    def find(raw: str) -> Any:
        operation = manager.get(f"gid://shopify/BulkOperation/{raw}")
        return operation.to_graphql() if operation else None

    def reconfigure(body: dict[str, Any]) -> None:
        if "bulk_rate" in body:
            manager.rate_per_second = float(body["bulk_rate"]) or None
        if "bulk_startup_seconds" in body:
            manager.startup_seconds = float(body["bulk_startup_seconds"])
        if "bulk_hold" in body:
            manager.held = bool(body["bulk_hold"])

    def release() -> None:
        manager.held = False

    async def stop() -> None:
        await manager.aclose()

    extend_resolvers(
        schema,
        "Mutation",
        {
            "bulkOperationRunMutation": run_mutation,
            "bulkOperationRunQuery": run_query,
            "bulkOperationCancel": cancel,
        },
    )
    extend_resolvers(
        schema,
        "QueryRoot",
        {"currentBulkOperation": current, "bulkOperation": single, "bulkOperations": listing},
    )
    state.hooks.node_finders["BulkOperation"] = find
    state.hooks.reconfigure.append(reconfigure)
    state.hooks.reset.append(release)
    state.hooks.shutdown.insert(0, stop)
    return manager
