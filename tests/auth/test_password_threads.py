"""Argon2 runs off the event loop: a burst of logins must not stall every other request."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from argon2 import PasswordHasher, profiles

from product_dashboard.auth import security

pytestmark = pytest.mark.integration


class RecordingHasher(PasswordHasher):
    def __init__(self) -> None:
        cheapest = profiles.CHEAPEST
        super().__init__(
            time_cost=cheapest.time_cost,
            memory_cost=cheapest.memory_cost,
            parallelism=cheapest.parallelism,
            hash_len=cheapest.hash_len,
            salt_len=cheapest.salt_len,
            type=cheapest.type,
        )
        self.threads: list[threading.Thread] = []

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.threads.append(threading.current_thread())
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.threads.append(threading.current_thread())
        return super().verify(hash, password)


@pytest.fixture
def recording() -> Iterator[RecordingHasher]:
    hasher = RecordingHasher()
    security.use_password_hasher(hasher)
    hasher.threads.clear()  # use_password_hasher hashes its timing dummy here, on purpose
    yield hasher
    security.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))


async def test_logins_hash_on_worker_threads(
    client: httpx.AsyncClient, recording: RecordingHasher
) -> None:
    email, password = "argon@example.com", "a long enough passphrase"
    response = await client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code in (200, 201), response.text
    for attempt in (password, "wrong passphrase", password):
        await client.post("/api/auth/login", json={"email": email, "password": attempt})
    await client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 12})
    assert len(recording.threads) >= 5
    loop_thread = threading.current_thread()
    assert all(t is not loop_thread and t.name.startswith("argon2") for t in recording.threads)
