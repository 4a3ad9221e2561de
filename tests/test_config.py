from __future__ import annotations

import pytest
from pydantic import ValidationError

from product_dashboard.config import Settings

pytestmark = pytest.mark.quick


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("secret", ["change-me", "short", "x" * 31])
def test_a_weak_jwt_secret_is_refused_in_every_environment(environment: str, secret: str) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET must be a random value"):
        Settings(_env_file=None, environment=environment, jwt_secret=secret)  # type: ignore[arg-type]


def test_no_jwt_secret_in_development_gets_a_random_one_per_process() -> None:
    first = Settings(_env_file=None, environment="development")
    second = Settings(_env_file=None, environment="development")
    assert first.jwt_secret_generated and len(first.jwt_secret) >= 48
    assert first.jwt_secret != second.jwt_secret
    configured = Settings(_env_file=None, jwt_secret="k" * 40)
    assert not configured.jwt_secret_generated and configured.jwt_secret == "k" * 40


@pytest.mark.parametrize("environment", ["test", "production"])
def test_no_jwt_secret_outside_development_is_refused(environment: str) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None, environment=environment)  # type: ignore[arg-type]


def test_a_wildcard_cors_origin_is_refused() -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        Settings(_env_file=None, jwt_secret="k" * 40, cors_origins="https://a.example,*")  # type: ignore[arg-type]
    settings = Settings(_env_file=None, jwt_secret="k" * 40, cors_origins="https://a.example")  # type: ignore[arg-type]
    assert settings.cors_origins == ["https://a.example"]
