from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from product_dashboard import migrate
from product_dashboard.auth import service as auth_service
from product_dashboard.cli import app
from product_dashboard.config import Settings
from product_dashboard.db import create_engine
from product_dashboard.models import AuditEvent, Product, User
from shopify_emulator.testing import free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def db(env: pytest.MonkeyPatch, clean_database: str) -> str:
    env.setenv("DATABASE_URL", clean_database)
    return clean_database


def _users(url: str) -> dict[str, str]:
    async def query() -> dict[str, str]:
        engine = create_engine(url)
        async with engine.connect() as connection:
            rows = await connection.execute(select(User.email, User.role))
            result = {email: role for email, role in rows}
        await engine.dispose()
        return result

    return asyncio.run(query())


def _can_log_in(url: str, email: str, password: str) -> bool:
    async def attempt() -> bool:
        engine = create_engine(url)
        try:
            async with AsyncSession(engine) as session:
                await auth_service.authenticate(session, email, password)
            return True
        except Exception:
            return False
        finally:
            await engine.dispose()

    return asyncio.run(attempt())


def _user_audit(url: str) -> list[tuple[str, str]]:
    async def query() -> list[tuple[str, str]]:
        engine = create_engine(url)
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(AuditEvent.action, AuditEvent.source)
                .where(AuditEvent.entity_type == "user")
                .order_by(AuditEvent.id)
            )
            result = [(action, source) for action, source in rows]
        await engine.dispose()
        return result

    return asyncio.run(query())


def _sessions_revoked_at(url: str, email: str) -> object:
    async def query() -> object:
        engine = create_engine(url)
        async with engine.connect() as connection:
            at = await connection.scalar(
                select(User.sessions_revoked_at).where(User.email == email)
            )
        await engine.dispose()
        return at

    return asyncio.run(query())


def _product_count(url: str) -> int:
    async def query() -> int:
        engine = create_engine(url)
        async with engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(Product))
        await engine.dispose()
        return int(count or 0)

    return asyncio.run(query())


def _printed_password(output: str) -> str:
    match = re.search(r"password:\s+(\S+)", output)
    assert match, output
    return match.group(1)


def test_migrate_brings_an_empty_database_to_head(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    env.setenv("DATABASE_URL", url)
    first = runner.invoke(app, ["migrate"])
    assert first.exit_code == 0, first.output
    assert "latest" in first.output
    assert runner.invoke(app, ["migrate"]).exit_code == 0

    async def revision() -> str | None:
        engine = create_engine(url)
        current = await migrate.current_revision(engine)
        await engine.dispose()
        return current

    assert asyncio.run(revision()) == migrate.head_revision()


def test_create_user_with_password_and_role(db: str) -> None:
    result = runner.invoke(
        app, ["create-user", "Ed@Example.com", "--password", "s3cret-enough", "--role", "editor"]
    )
    assert result.exit_code == 0, result.output
    assert _users(db) == {"ed@example.com": "editor"}
    assert _can_log_in(db, "ed@example.com", "s3cret-enough")


def test_create_user_without_password_generates_one_that_works(db: str) -> None:
    result = runner.invoke(app, ["create-user", "viewer@example.com"])
    assert result.exit_code == 0, result.output
    password = _printed_password(result.output)
    assert _users(db) == {"viewer@example.com": "viewer"}
    assert _can_log_in(db, "viewer@example.com", password)


def test_create_user_refusals_are_clean(db: str) -> None:
    ok = runner.invoke(app, ["create-user", "a@example.com", "--password", "long-enough-1"])
    assert ok.exit_code == 0
    duplicate = runner.invoke(app, ["create-user", "a@example.com", "--password", "long-enough-1"])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output and "Traceback" not in duplicate.output
    short = runner.invoke(app, ["create-user", "b@example.com", "--password", "short"])
    assert short.exit_code == 2 and "at least 10" in short.output
    role = runner.invoke(app, ["create-user", "b@example.com", "--role", "owner"])
    assert role.exit_code == 2 and "Unknown role" in role.output
    email = runner.invoke(app, ["create-user", "not-an-email", "--password", "long-enough-1"])
    assert email.exit_code == 2 and "Not a valid email" in email.output
    assert set(_users(db)) == {"a@example.com"}


def test_ensure_admin_generates_credentials_once(db: str) -> None:
    first = runner.invoke(app, ["ensure-admin"])
    assert first.exit_code == 0, first.output
    password = _printed_password(first.output)
    assert _users(db) == {"admin@example.com": "admin"}
    assert _can_log_in(db, "admin@example.com", password)
    again = runner.invoke(app, ["ensure-admin"])
    assert again.exit_code == 0
    assert "password" not in again.output and "nothing to do" in again.output
    assert _users(db) == {"admin@example.com": "admin"}


def test_ensure_admin_from_environment_is_idempotent(db: str, env: pytest.MonkeyPatch) -> None:
    env.setenv("ADMIN_EMAIL", "Boss@Example.com")
    env.setenv("ADMIN_PASSWORD", "from-the-environment")
    for _ in range(2):
        result = runner.invoke(app, ["ensure-admin"])
        assert result.exit_code == 0, result.output
        assert "from-the-environment" not in result.output
    assert _users(db) == {"boss@example.com": "admin"}
    assert _can_log_in(db, "boss@example.com", "from-the-environment")


def test_users_commands_manage_accounts_and_audit_them(db: str) -> None:
    def users(*args: str) -> str:
        result = runner.invoke(app, ["users", *args])
        assert result.exit_code == 0, result.output
        return result.output

    users("create", "boss@example.com", "--role", "admin", "--password", "boss-password")
    password = _printed_password(users("create", "Ed@Example.com", "--role", "editor"))
    assert _can_log_in(db, "ed@example.com", password)
    listed = users("list")
    assert re.search(r"boss@example\.com\s+admin\s+active", listed), listed
    assert re.search(r"ed@example\.com\s+editor\s+active", listed), listed
    editors = users("list", "--role", "editor")
    assert "ed@example.com" in editors and "boss@" not in editors
    assert "No accounts match" in users("list", "--disabled")

    users("set-role", "ed@example.com", "viewer")
    assert _users(db) == {"boss@example.com": "admin", "ed@example.com": "viewer"}
    users("disable", "ed@example.com")
    assert not _can_log_in(db, "ed@example.com", password)
    assert "ed@example.com" in users("list", "--disabled", "--search", "ED@")
    users("enable", "ed@example.com")
    assert _can_log_in(db, "ed@example.com", password)

    before_reset = _sessions_revoked_at(db, "ed@example.com")
    new_password = _printed_password(users("reset-password", "ed@example.com"))
    assert not _can_log_in(db, "ed@example.com", password)
    assert _can_log_in(db, "ed@example.com", new_password)
    after_reset = _sessions_revoked_at(db, "ed@example.com")
    assert after_reset is not None and after_reset != before_reset
    users("revoke-sessions", "ed@example.com")
    assert _sessions_revoked_at(db, "ed@example.com") != after_reset

    assert _user_audit(db) == [
        (action, "cli")
        for action in (
            "create",
            "create",
            "set_role",
            "disable",
            "enable",
            "reset_password",
            "revoke_sessions",
        )
    ]


def test_users_commands_keep_an_admin_and_refuse_cleanly(db: str) -> None:
    ok = runner.invoke(app, ["ensure-admin"])
    assert ok.exit_code == 0, ok.output
    assert _user_audit(db) == [("create", "cli")]
    for args in (["disable", "admin@example.com"], ["set-role", "admin@example.com", "editor"]):
        refused = runner.invoke(app, ["users", *args])
        assert refused.exit_code == 1, refused.output
        assert "last active admin" in refused.output and "Traceback" not in refused.output
    assert _users(db) == {"admin@example.com": "admin"}
    assert _can_log_in(db, "admin@example.com", _printed_password(ok.output))
    missing = runner.invoke(app, ["users", "disable", "nobody@example.com"])
    assert missing.exit_code == 1 and "No user with email nobody@example.com" in missing.output
    role = runner.invoke(app, ["users", "set-role", "admin@example.com", "owner"])
    assert role.exit_code == 2 and "Unknown role" in role.output
    short = runner.invoke(app, ["users", "reset-password", "admin@example.com", "--password", "x"])
    assert short.exit_code == 2 and "at least 10" in short.output
    duplicate = runner.invoke(app, ["users", "create", "admin@example.com", "--generate"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output


def test_seed_demo_adds_products_each_time(db: str) -> None:
    first = runner.invoke(app, ["seed-demo", "--products", "25", "--seed", "3"])
    assert first.exit_code == 0, first.output
    assert "25 demo products" in first.output
    assert _product_count(db) == 25
    second = runner.invoke(app, ["seed-demo", "-n", "10"])
    assert second.exit_code == 0, second.output
    assert _product_count(db) == 35


def test_commands_refuse_an_unmigrated_database(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    result = runner.invoke(app, ["seed-demo", "-n", "5"])
    assert result.exit_code == 1
    assert "product-dashboard migrate" in result.output and "Traceback" not in result.output


def test_unreachable_database_is_a_clean_error(env: pytest.MonkeyPatch) -> None:
    env.setenv("DATABASE_URL", "postgresql+asyncpg://nobody:hunter2@127.0.0.1:9/none")
    result = runner.invoke(app, ["ensure-admin"])
    assert result.exit_code == 1
    assert "Database error" in result.output
    assert "hunter2" not in result.output


def test_bad_configuration_exits_2(env: pytest.MonkeyPatch) -> None:
    env.setenv("ENVIRONMENT", "production")
    env.setenv("JWT_SECRET", "weak")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2
    assert "JWT_SECRET" in result.output


def test_routes_lists_the_api(env: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["routes"])
    assert result.exit_code == 0, result.output
    assert re.search(r"POST\s+/api/auth/login", result.output)
    assert re.search(r"GET\s+/readyz", result.output)


def test_scripts_are_valid_bash() -> None:
    bash = shutil.which("bash")
    assert bash is not None
    for script in ("start_dashboard.sh", "scripts/test", ".ci/run"):
        checked = subprocess.run(
            [bash, "-n", str(REPO / script)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, f"{script}: {checked.stderr}"


def _documented_variables() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_documents_every_setting() -> None:
    expected = {name.upper() for name in Settings.model_fields}
    documented = _documented_variables()
    assert expected - documented == set(), "add these to .env.example, each with a comment"
    assert documented - expected == set(), "these in .env.example are not settings"


def test_env_example_loads_as_valid_settings(env: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=REPO / ".env.example")
    assert settings.port == 5000
    assert settings.database_url.startswith("sqlite+aiosqlite:///")


# A shell started with SIGINT ignored (as anything under `cmd &` without job control is) can
# never trap it, so Ctrl-C is restored to its default before the script's bash starts.
CTRL_C_ENABLED = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


def _wrapper(path: Path, target: Path) -> None:
    path.write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
    path.chmod(0o755)


@pytest.mark.slow
def test_start_script_sets_up_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """A real run in a copy of the repository, using this venv through wrappers (no pip)."""
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "data", "logs", ".env", "*cache*"),
    )
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for tool in ("python", "product-dashboard"):
        _wrapper(venv / "bin" / tool, REPO / ".venv" / "bin" / tool)
    pyprojects = (copy / "pyproject.toml", copy / "emulator" / "pyproject.toml")
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pyprojects)).hexdigest()
    (venv / ".installed-base").write_text(digest + "\n")
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key.upper() not in {name.upper() for name in Settings.model_fields}
    }
    environment |= {
        "VENV": str(venv),
        "PORT": str(port),
        "EMULATOR_PORT": str(free_port()),  # the demo store, when the script starts one
        "DEMO_PRODUCTS": "30",
        "NO_COLOR": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_ENABLED, "bash", str(copy / "start_dashboard.sh")],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "Product Dashboard is running" in line:
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}" in output, output
        assert "password:" in output and "Added 30 demo products" in output
        assert "Webhooks: the demo store notifies" in output, output
        assert "Traceback" not in output and "Could not subscribe" not in output, output
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            assert response.status == 200
        env_file = copy / ".env"
        (secret,) = re.findall(r"^JWT_SECRET=(.*)$", env_file.read_text(), re.MULTILINE)
        assert len(secret) >= 48
        assert env_file.stat().st_mode & 0o777 == 0o600
        (token,) = re.findall(r"^EMULATOR_ACCESS_TOKEN=(.*)$", env_file.read_text(), re.MULTILINE)
        children = psutil.Process(process.pid).children(recursive=True)
        command_lines = [" ".join(child.cmdline()) for child in children]
        assert any("serve" in line for line in command_lines), command_lines
        assert not any(token in line for line in command_lines), "the demo store's token in ps"
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
            # Killed, the script cannot stop what it started in process groups of its own.
            for pid in re.findall(r"started \(pid (\d+)\)", "".join(lines)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(int(pid), signal.SIGKILL)
    assert process.returncode == 130, rest
    assert "Stopped." in rest
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    assert (copy / "data" / ".demo-catalog-seeded").exists()


def test_prune_applies_the_retention_rules_now(db: str, tmp_path: Path) -> None:
    exports = tmp_path / "data" / "exports"
    exports.mkdir(parents=True)
    old = exports / "products-old.csv"
    old.write_text("x")
    long_ago = time.time() - 30 * 86_400
    os.utime(old, (long_ago, long_ago))
    result = runner.invoke(app, ["prune"])
    assert result.exit_code == 0, result.output
    assert re.search(r"export files\s+1", result.output)
    assert not old.exists()
