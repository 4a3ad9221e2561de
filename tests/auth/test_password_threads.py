"""Argon2 runs off the event loop: a burst of logins must not stall every other request."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi import FastAPI

from product_dashboard.auth import security
from product_dashboard.config import Settings
from product_dashboard.main import create_app
from tests.auth.conftest import RecordingHasher

pytestmark = pytest.mark.integration


async def test_logins_hash_on_worker_threads(
    app: FastAPI, client: httpx.AsyncClient, recording: RecordingHasher
) -> None:
    app.state.settings.allow_registration = True
    email, password = "argon@example.com", "a long enough passphrase"
    response = await client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 202, response.text
    for attempt in (password, "wrong passphrase", password):
        await client.post("/api/auth/login", json={"email": email, "password": attempt})
    await client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 12})
    assert len(recording.threads) >= 5
    loop_thread = threading.current_thread()
    assert all(t is not loop_thread and t.name.startswith("argon2") for t in recording.threads)


async def test_the_timing_dummy_is_hashed_at_start_up_not_at_the_first_unknown_login(
    settings: Settings, recording: RecordingHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "_dummy_hash", None)  # as in a process that just imported it
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        assert len(recording.threads) == 1  # the dummy, hashed at start-up
        recording.threads.clear()
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post(
                "/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 12}
            )
        assert response.status_code == 401, response.text
        assert len(recording.threads) == 1  # one verification, as for an address that exists
