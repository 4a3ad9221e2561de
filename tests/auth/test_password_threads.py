"""Argon2 runs off the event loop: a burst of logins must not stall every other request."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi import FastAPI

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
