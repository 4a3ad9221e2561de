"""Shared fixtures: one database per backend (SQLite always, PostgreSQL when reachable)."""

from argon2 import PasswordHasher, profiles

from product_dashboard.auth import security

# Production parameters cost ~0.2 s a hash by design; tests hash hundreds of passwords.
security.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
]
