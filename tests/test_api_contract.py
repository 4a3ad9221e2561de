"""The whole OpenAPI, fuzzed with schemathesis over real HTTP as an admin: never a 5xx.

Also: a viewer is refused (403) on every route that changes something.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation, BaseSchema

from product_dashboard.auth import service as auth_service
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker
from product_dashboard.main import create_app
from product_dashboard.models import Role
from tests.fixtures.app import PASSWORD
from tests.fixtures.server import serve_in_thread

pytestmark = pytest.mark.integration

# Logging out would revoke the token the fuzzer uses for every other call.
EXCLUDED_PATHS = {"/api/auth/logout"}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# A POST that only computes something (a preview) says so with openapi_extra={READ_ONLY_MARK: True}.
READ_ONLY_MARK = "x-read-only"
EXAMPLES_PER_OPERATION = 15
PUBLIC_MUTATIONS = {"/api/auth/login", "/api/auth/register", "/webhooks/shopify"}
# Every account may change its own password, viewers included.
SELF_SERVICE = {"/api/auth/password"}


@pytest.fixture
def live_server(settings: Settings) -> Iterator[tuple[FastAPI, str]]:
    app = create_app(settings)
    with serve_in_thread(app) as base_url:
        yield app, base_url


def _token(app: FastAPI, base_url: str, email: str, role: Role) -> str:
    """Create the account and log in."""

    async def create() -> None:
        engine = create_engine(app.state.settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                await auth_service.create_user(session, email, PASSWORD, role)
        finally:
            await engine.dispose()

    asyncio.run(create())
    with httpx.Client(base_url=base_url) as http:
        r = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        r.raise_for_status()
        token: str = r.json()["access_token"]
        return token


# Every app the fixture builds has the same routes: the fuzzed schema is built once per worker,
# for every shard and both databases (the OpenAPI document alone took 1.1-1.4 s of CPU at load 18).
_SCHEMA: list[BaseSchema] = []


def _fuzzed_schema(app: FastAPI) -> BaseSchema:
    if not _SCHEMA:
        document = app.openapi()
        _SCHEMA.append(schemathesis.openapi.from_dict(document).exclude(path=list(EXCLUDED_PATHS)))
    return _SCHEMA[0]


# The cases drawn for each operation (label), kept for the other database's run on this worker:
# drawing them is about half of the fuzz's time, and the draw is derandomized and never depends
# on the answers (a 5xx is collected, not raised), so both databases get the very same cases.
_CASES: dict[str, list[schemathesis.Case]] = {}


def _cases(operation: APIOperation) -> list[schemathesis.Case]:
    if operation.label not in _CASES:
        drawn: list[schemathesis.Case] = []

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def draw(case: schemathesis.Case) -> None:
            drawn.append(case)

        draw()
        _CASES[operation.label] = drawn
    return _CASES[operation.label]


# The operations are fuzzed in shards, each its own xdist group: one group of every operation ran
# ~400 s on one worker (both databases, a CI run at load 5-14), the longest chain of the suite.
# A shard's two database runs stay on one worker, which draws their cases once (above).
FUZZ_SHARDS = 4


@pytest.mark.postgres
@pytest.mark.slow  # fuzzes every operation: the longest tests of the suite
@pytest.mark.parametrize(
    "shard",
    [
        pytest.param(shard, marks=pytest.mark.xdist_group(f"api_contract_fuzz_{shard}"))
        for shard in range(FUZZ_SHARDS)
    ],
)
def test_no_server_errors(live_server: tuple[FastAPI, str], shard: int) -> None:
    app, base_url = live_server
    token = _token(app, base_url, "admin@example.com", Role.admin)
    headers = {"Authorization": f"Bearer {token}"}
    schema = _fuzzed_schema(app)
    failures: list[str] = []
    operations = fuzzed = cases = 0
    # One connection for the shard's calls (the app sets no cookie, so none is carried over).
    with requests.Session() as session:
        for index, result in enumerate(schema.get_all_operations()):
            if isinstance(result, Err):
                failures.append(f"schema error: {result.err()}")
                continue
            operations += 1
            if index % FUZZ_SHARDS != shard:
                continue
            fuzzed += 1
            for case in _cases(result.ok()):
                cases += 1
                response = case.call(base_url=base_url, headers=headers, session=session)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}: "
                        f"{response.text[:300]}"
                    )
    assert operations >= 8
    assert fuzzed >= operations // FUZZ_SHARDS
    assert cases >= fuzzed
    assert not failures, "\n".join(failures[:20])


# SQLite only: the role check refuses before any route's own SQL (reading the user is every test's).
def test_viewer_is_refused_on_every_mutating_route(live_server: tuple[FastAPI, str]) -> None:
    app, base_url = live_server
    token = _token(app, base_url, "viewer@example.com", Role.viewer)
    viewer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url) as http:
        assert http.get("/api/auth/me", headers=viewer).json()["role"] == Role.viewer
        checked = []
        for path, methods in app.openapi()["paths"].items():
            for method, operation in methods.items():
                exempt = PUBLIC_MUTATIONS | SELF_SERVICE | EXCLUDED_PATHS
                if method.upper() not in MUTATING or path in exempt:
                    continue
                if operation.get(READ_ONLY_MARK):
                    continue
                concrete = path
                for name in _path_params(path):
                    concrete = concrete.replace("{" + name + "}", "1")
                r = http.request(method.upper(), concrete, headers=viewer, json={})
                assert r.status_code == 403, f"{method.upper()} {path}: {r.status_code} {r.text}"
                assert r.json()["error"] == "forbidden"
                checked.append(f"{method.upper()} {path}")
        assert len(checked) >= 3, checked


def _path_params(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)
