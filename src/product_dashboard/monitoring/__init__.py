"""Operational visibility: logging, Prometheus metrics, health and readiness endpoints."""
