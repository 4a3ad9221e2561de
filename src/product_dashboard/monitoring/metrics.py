"""Prometheus metrics: HTTP traffic, jobs, and the process (memory, CPU, open files).

Everything lives in prometheus_client's default registry (`REGISTRY`), which already carries the
process and platform collectors; other features register their own metrics there too and they
appear on `/metrics` with no further wiring. Labels are bounded: a route *template*
(`/api/products/{product_id}`), never a raw path.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

__all__ = [
    "CONTENT_TYPE_LATEST",
    "HTTP_ERRORS",
    "HTTP_IN_PROGRESS",
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "JOBS",
    "JOBS_RUNNING",
    "REGISTRY",
    "UNMATCHED_ROUTE",
    "observe_job_transition",
    "render_latest",
]

UNMATCHED_ROUTE = "<unmatched>"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "dashboard_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "dashboard_http_request_duration_seconds",
    "Time from request start to the end of the response body, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_ERRORS = Counter(
    "dashboard_http_request_errors",
    "HTTP requests that ended in a server error (5xx or an unhandled exception).",
    ["method", "route"],
)
HTTP_IN_PROGRESS = Gauge(
    "dashboard_http_requests_in_progress",
    "HTTP requests being served right now, by method.",
    ["method"],
)

JOBS = Counter(
    "dashboard_jobs",
    "Jobs that reached a state, by job type and state.",
    ["type", "state"],
)
JOBS_RUNNING = Gauge(
    "dashboard_jobs_running",
    "Jobs running right now, by job type.",
    ["type"],
)

_RUNNING = "running"


def observe_job_transition(job_type: str, state: str, previous_state: str | None = None) -> None:
    """Record that a job of `job_type` moved to `state` (from `previous_state`, if it had one).

    Call it on every state change of a job (queued, running, completed, failed, stopped...):
    it counts the transition and keeps the running gauge in step.
    """
    JOBS.labels(type=job_type, state=state).inc()
    if state == _RUNNING and previous_state != _RUNNING:
        JOBS_RUNNING.labels(type=job_type).inc()
    elif previous_state == _RUNNING and state != _RUNNING:
        JOBS_RUNNING.labels(type=job_type).dec()


def render_latest() -> bytes:
    """The text exposition of every registered metric."""
    return generate_latest(REGISTRY)
