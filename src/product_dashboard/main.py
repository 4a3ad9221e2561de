"""Application factory: `create_app()` wires settings, database, routers and background services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import BaseRoute

from product_dashboard.alerting import install as install_alerts
from product_dashboard.alerting.endpoints import router as alert_router
from product_dashboard.auth import security
from product_dashboard.auth.endpoints import router as auth_router
from product_dashboard.auth.ratelimit import RateLimiter
from product_dashboard.backup.endpoints import router as backup_router
from product_dashboard.backup.scheduled import Backups
from product_dashboard.batch import legacy as legacy_batches
from product_dashboard.batch import tasks as batch_tasks
from product_dashboard.batch.endpoints import router as batch_router
from product_dashboard.batch.legacy_endpoints import router as legacy_batch_router
from product_dashboard.collection import sync as collection_sync
from product_dashboard.collection.endpoints import router as collection_router
from product_dashboard.collection.suggestions_openai import install_openai_suggestions
from product_dashboard.config import Settings, get_settings
from product_dashboard.conflict.dependencies import ConflictServices
from product_dashboard.conflict.endpoints import router as conflict_router
from product_dashboard.conflict.events import ConflictEvents
from product_dashboard.db import create_engine, create_read_sessionmaker, create_sessionmaker
from product_dashboard.eventstream.bus import EventBus
from product_dashboard.eventstream.config import StreamConfig
from product_dashboard.eventstream.endpoints import router as eventstream_router
from product_dashboard.exception_handlers import install_exception_handlers
from product_dashboard.export import tasks as export_tasks
from product_dashboard.export.endpoints import router as export_router
from product_dashboard.grid.endpoints import router as grid_router
from product_dashboard.icon.setup import install_icons
from product_dashboard.importer import tasks as import_tasks
from product_dashboard.importer.endpoints import IMPORT_PATH, MAX_UPLOAD_BYTES
from product_dashboard.importer.endpoints import router as import_router
from product_dashboard.inbound.checks import router as conflict_checks_router
from product_dashboard.inbound.endpoints import router as webhook_api_router
from product_dashboard.inbound.receiver import MAX_BODY_BYTES as MAX_WEBHOOK_BODY_BYTES
from product_dashboard.inbound.receiver import WEBHOOK_PATH
from product_dashboard.inbound.receiver import router as webhook_receiver_router
from product_dashboard.inbound.service import Inbound
from product_dashboard.job.endpoints import router as job_router
from product_dashboard.job.runner import JobRunner
from product_dashboard.kit.body_limit import BodySizeLimit, MiB
from product_dashboard.kit.gc_policy import freeze_long_lived_heap
from product_dashboard.kit.query_guard import RefuseNulInQuery
from product_dashboard.kit.request_id import RequestIdMiddleware
from product_dashboard.kit.security_headers import SecurityHeaders
from product_dashboard.metafield_definition.endpoints import router as metafield_definition_router
from product_dashboard.monitoring.health import router as monitoring_router
from product_dashboard.monitoring.log_endpoints import router as log_router
from product_dashboard.monitoring.log_setup import configure_logging
from product_dashboard.monitoring.middleware import ObservabilityMiddleware
from product_dashboard.product.endpoints import router as product_router
from product_dashboard.product.image_endpoints import (
    IMAGE_UPLOAD_PATH,
    MAX_IMAGE_UPLOAD_BODY,
)
from product_dashboard.product.image_endpoints import router as image_router
from product_dashboard.product.stock_endpoints import router as inventory_router
from product_dashboard.recovery.endpoints import router as recovery_router
from product_dashboard.retention.scheduled import Pruner
from product_dashboard.safety.endpoints import router as results_router
from product_dashboard.savedview.endpoints import router as saved_view_router
from product_dashboard.schedule.endpoints import router as schedule_router
from product_dashboard.schedule.scheduled import Scheduler
from product_dashboard.store_gateway import StoreGateway
from product_dashboard.sync import install as install_sync
from product_dashboard.sync import jobs as sync_jobs
from product_dashboard.sync.check_results import CheckResults
from product_dashboard.sync.endpoints import router as sync_router
from product_dashboard.sync.pull.create_many import create_many
from product_dashboard.team.endpoints import router as team_router
from product_dashboard.web import install_web
from product_dashboard.web.api_docs import install_api_docs

logger = logging.getLogger(__name__)

# JSON bodies: a product with 2,048 variants or a batch naming 100,000 ids is about 1 MB.
MAX_REQUEST_BODY_BYTES = 10 * MiB


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


@cache
def _feature_routes() -> tuple[BaseRoute, ...]:
    """The feature routers, included once per process and shared by every app it creates.

    FastAPI builds an included router's routes (dependencies, validators, serialisers) for each
    inclusion, on the first request that reaches it: ~90 ms of CPU at an app's first request,
    paid again by every app (the tests create one per test). Nothing in the built routes belongs
    to one app: handlers find theirs in the request. (So `app.dependency_overrides` does not
    reach these routes, nor would a lifespan of one of these routers run; none is used.)"""
    shared = APIRouter(generate_unique_id_function=_operation_id)
    shared.include_router(webhook_receiver_router)  # first: Shopify's hot path skips ~150 routes
    shared.include_router(monitoring_router)
    shared.include_router(log_router)
    shared.include_router(auth_router)
    shared.include_router(team_router)
    shared.include_router(backup_router)
    shared.include_router(collection_router)
    shared.include_router(sync_router)
    shared.include_router(batch_router)
    shared.include_router(export_router)
    shared.include_router(import_router)
    shared.include_router(legacy_batch_router)
    shared.include_router(grid_router)
    shared.include_router(saved_view_router)
    shared.include_router(recovery_router)  # /api/products/deleted and /restore
    shared.include_router(product_router)
    shared.include_router(inventory_router)
    shared.include_router(metafield_definition_router)
    shared.include_router(image_router)
    shared.include_router(job_router)
    shared.include_router(alert_router)
    shared.include_router(results_router)
    shared.include_router(schedule_router)
    shared.include_router(eventstream_router)
    shared.include_router(webhook_api_router)
    shared.include_router(conflict_checks_router)  # /api/conflicts/detect and /reconcile
    shared.include_router(conflict_router)
    return tuple(shared.routes)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_dir, settings.log_level, console=settings.log_console)
    if settings.jwt_secret_generated:
        logger.warning(
            "JWT_SECRET is not set: tokens are signed with a random key and end when this "
            "process stops. Set JWT_SECRET in .env (./start_dashboard.sh writes one)."
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, echo=settings.database_echo)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.read_sessionmaker = create_read_sessionmaker(engine)
        try:
            await security.timing_dummy_hash()  # before the first login, so it takes as long
            await app.state.job_runner.start(app.state.sessionmaker)
            await app.state.inbound.start(app.state.sessionmaker)
            app.state.pruner = Pruner(app.state.sessionmaker, settings)
            app.state.pruner.start()
            app.state.backups = Backups(settings, app.state.event_bus)
            app.state.backups.start()
            app.state.scheduler = Scheduler(
                app.state.sessionmaker, app.state.job_runner, settings.schedule_poll_seconds
            )
            app.state.scheduler.start()
            app.state.alerts.start()
            freeze_long_lived_heap()
            yield
        finally:
            await app.state.alerts.close()
            if getattr(app.state, "scheduler", None) is not None:
                await app.state.scheduler.close()
            if getattr(app.state, "pruner", None) is not None:
                await app.state.pruner.close()
            if getattr(app.state, "backups", None) is not None:
                await app.state.backups.close()
            await app.state.inbound.close()
            await app.state.job_runner.close()
            await engine.dispose()

    app = FastAPI(
        title="Product Dashboard",
        version="0.1.0",
        description="Manage a product catalog locally and keep it in sync with a Shopify store.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # served by install_api_docs, without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter()
    app.state.event_bus = EventBus()
    app.state.eventstream = StreamConfig()
    app.state.collection_suggestion_provider = None  # install_openai_suggestions may set one
    app.state.job_runner = JobRunner(app.state.event_bus)
    batch_tasks.register(app.state.job_runner)
    export_tasks.register(app.state.job_runner, settings.data_dir)
    import_tasks.register(app.state.job_runner)
    legacy_batches.register(app.state.job_runner)
    # The store's one gateway: every Shopify client, on the store's shared pacer and breaker.
    gateway = app.state.store_gateway = StoreGateway.from_settings(settings)
    install_sync(app, settings, gateway)  # the sync.push and sync.pull jobs
    collection_sync.register(app.state.job_runner, gateway)
    # Webhooks, conflict detection and reconciliation (registers the conflicts.detect job).
    app.state.conflicts = ConflictServices(
        ConflictEvents(app.state.event_bus),
        push_product=sync_jobs.product_pusher(app.state.job_runner),
    )
    app.state.inbound = Inbound(
        settings,
        gateway,
        app.state.event_bus,
        app.state.job_runner,
        app.state.conflicts,
        check_results=CheckResults,
        create_many=create_many,
    )

    app.state.alerts = install_alerts(app, settings)

    install_exception_handlers(app)
    app.add_middleware(RefuseNulInQuery)
    app.add_middleware(
        BodySizeLimit,
        default=MAX_REQUEST_BODY_BYTES,
        limits={
            WEBHOOK_PATH: MAX_WEBHOOK_BODY_BYTES,
            IMPORT_PATH: MAX_UPLOAD_BYTES + MiB,  # the form's own parts on top of the file
        },
        patterns=[(IMAGE_UPLOAD_PATH, MAX_IMAGE_UPLOAD_BODY)],
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ObservabilityMiddleware)
    app.add_middleware(RequestIdMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    # Extended, not included: FastAPI's include_router would build them again for this app.
    app.router.routes.extend(_feature_routes())
    install_icons(app)  # icon job, /api/icons/*, /api/products/{id}/icon; OpenAI if configured
    install_openai_suggestions(app)  # AI collection suggestions when OPENAI_API_KEY is set
    install_api_docs(app)
    install_web(app)  # last: the dashboard's page fallback must not shadow any route
    return app
