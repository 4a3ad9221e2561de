"""A password hasher that records each hash and verification (and the thread it ran on)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles

from product_dashboard.auth import security


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
