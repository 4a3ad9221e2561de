"""`product-dashboard …`: serve the app, migrate, manage accounts, load the demo catalog."""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from pydantic import EmailStr, TypeAdapter, ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from product_dashboard import migrate as migrations
from product_dashboard.config import Settings
from product_dashboard.db import create_engine, create_sessionmaker, safe_url
from product_dashboard.exceptions import AppError

if TYPE_CHECKING:
    from product_dashboard.audit.service import Actor
    from product_dashboard.models import Role, User

T = TypeVar("T")
P = ParamSpec("P")

DEFAULT_ADMIN_EMAIL = "admin@example.com"
DEFAULT_DEMO_PRODUCTS = 500

app = typer.Typer(
    name="product-dashboard",
    help="Product Dashboard: serve the app and manage its database, accounts and demo data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class CliError(Exception):
    """A failure to report in one clean line, with an exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def _fail(message: str, exit_code: int = 1) -> NoReturn:
    raise CliError(message, exit_code)


def clean_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Print a CliError as one red line and exit with its code, instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except CliError as exc:
            err.print(f"[bold red]Error:[/] {exc.message}")
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def load_settings() -> Settings:
    """Settings from the environment and `.env`, freshly read (not the app's cached copy)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        _fail(f"Invalid configuration: {problems}", exit_code=2)


def run(action: Callable[[], Coroutine[Any, Any, T]], database_url: str) -> T:
    """Run an async action, turning database and application errors into clean CLI errors."""
    try:
        return asyncio.run(action())
    except CliError:
        raise
    except AppError as exc:
        _fail(exc.detail)
    except (DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"Database error at {safe_url(database_url)}: {reason}")
    except SQLAlchemyError as exc:
        _fail(f"Database error at {safe_url(database_url)}: {exc}")


@asynccontextmanager
async def open_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the configured database, refusing one that is not fully migrated."""
    engine = create_engine(settings.database_url)
    try:
        current, head = await migrations.current_revision(engine), migrations.head_revision()
        if current != head:
            _fail(
                f"The database {safe_url(settings.database_url)} is at migration "
                f"{current or '(none)'}, not {head}: run `product-dashboard migrate` first."
            )
        yield engine
    finally:
        await engine.dispose()


async def _has_products(engine: AsyncEngine) -> bool:
    from product_dashboard.models import Product

    async with engine.connect() as connection:
        return await connection.scalar(select(Product.id).limit(1)) is not None


def valid_email(email: str) -> str:
    try:
        return str(TypeAdapter(EmailStr).validate_python(email)).lower()
    except ValidationError:
        _fail(f"Not a valid email address: {email!r}", exit_code=2)


def check_password(password: str) -> str:
    from product_dashboard.auth.security import MIN_PASSWORD_LENGTH

    if len(password) < MIN_PASSWORD_LENGTH:
        _fail(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", exit_code=2)
    return password


def password_to_set(password: str | None, generate: bool) -> tuple[str, bool]:
    """The password given, else prompted for on a terminal, else generated; and whether it was
    generated (then it is shown once)."""
    if password is None and not generate and sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is None:
        from product_dashboard.auth.security import generate_password

        return generate_password(), True
    return check_password(password), False


def valid_role(role: str) -> Role:
    from product_dashboard.models import Role

    if role not in {r.value for r in Role}:
        _fail(f"Unknown role {role!r}: use admin, editor or viewer.", exit_code=2)
    return Role(role)


def show_credentials(title: str, email: str, password: str) -> None:
    out.print(
        Panel.fit(
            f"email:    [bold]{email}[/]\npassword: [bold]{password}[/]\n\n"
            "[dim]Shown only this once: keep it somewhere safe.[/]",
            title=title,
            border_style="yellow",
        )
    )


# --- commands -----------------------------------------------------------------------------------


@app.command()
@clean_errors
def serve(
    host: Annotated[
        str, typer.Option(envvar="HOST", help="Interface to listen on (0.0.0.0 for all).")
    ] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port to listen on [default: PORT from settings]")
    ] = None,
    reload: Annotated[
        bool, typer.Option(help="Restart when the code changes (development).")
    ] = False,
) -> None:
    """Serve the dashboard and its API with uvicorn."""
    import uvicorn

    from product_dashboard.monitoring.log_setup import configure_logging

    settings = load_settings()
    configure_logging(settings.log_dir, settings.log_level, console=settings.log_console)
    uvicorn.run(
        "product_dashboard.main:create_app",
        factory=True,
        **server_options(settings, host=host, port=port or settings.port, reload=reload),
    )


# WebSocket frames: the dashboard's messages are a few hundred bytes (/ws allows 8,192 characters).
MAX_WEBSOCKET_FRAME_BYTES = 64 * 1024


def server_options(settings: Settings, *, host: str, port: int, reload: bool) -> dict[str, Any]:
    """Uvicorn's options for the dashboard: forwarded headers believed only from the proxies
    in TRUSTED_PROXIES (none by default, where uvicorn would believe 127.0.0.1)."""
    return {
        "host": host,
        "port": port,
        "reload": reload,
        "reload_dirs": [str(Path(__file__).parent)] if reload else None,
        "log_config": None,  # ours, set up by create_app
        "access_log": False,  # the observability middleware logs each request
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
        "ws_max_size": MAX_WEBSOCKET_FRAME_BYTES,
    }


@app.command()
@clean_errors
def migrate() -> None:
    """Bring the database schema up to date (safe to repeat)."""
    settings = load_settings()
    try:
        migrations.upgrade(settings.database_url)
    except (DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"Could not migrate {safe_url(settings.database_url)}: {reason}")
    out.print(
        f"[green]✓[/] Database {safe_url(settings.database_url)} is at migration "
        f"[bold]{migrations.head_revision()}[/] (latest)."
    )


@app.command("create-user")
@clean_errors
def create_user(
    email: Annotated[str, typer.Argument(help="The account's email address (its login).")],
    password: Annotated[
        str | None,
        typer.Option(help="Its password; prompted for on a terminal, else generated and shown."),
    ] = None,
    role: Annotated[str, typer.Option(help="admin, editor or viewer.")] = "viewer",
    generate: Annotated[bool, typer.Option(help="Generate a password and show it once.")] = False,
) -> None:
    """Create an account (the same as `users create`)."""
    users_create(email, password, role, generate)


@app.command("ensure-admin")
@clean_errors
def ensure_admin() -> None:
    """Make sure an admin can log in: from ADMIN_EMAIL/ADMIN_PASSWORD, or generated on first run.

    With ADMIN_EMAIL set, that account is created as an admin if it does not exist (with
    ADMIN_PASSWORD, or a generated password shown once). Without it, an admin with generated
    credentials is created only when the database has no account at all. Never changes an
    existing account.
    """
    settings = load_settings()
    configured_email = settings.admin_email.strip() if settings.admin_email else None
    if settings.admin_password is not None:
        check_password(settings.admin_password)

    async def action() -> tuple[str, str | None] | None:
        from product_dashboard.models import Role, User
        from product_dashboard.team import service as team

        async with open_engine(settings) as engine, AsyncSession(engine) as session:
            async with session.begin():
                if configured_email:
                    email = valid_email(configured_email)
                    exists = await session.scalar(select(User.id).where(User.email == email))
                    if exists is not None:
                        return None
                else:
                    users = await session.scalar(select(func.count()).select_from(User))
                    if users:
                        return None
                    email = DEFAULT_ADMIN_EMAIL
                _, generated = await team.invite(
                    session, cli_actor(), email, Role.admin, settings.admin_password
                )
            return email, generated

    created = run(action, settings.database_url)
    if created is None:
        who = configured_email.lower() if configured_email else "an account"
        out.print(f"[green]✓[/] Admin account present ({who} exists); nothing to do.")
        return
    email, generated_password = created
    if generated_password is None:
        out.print(
            f"[green]✓[/] Created admin account [bold]{email}[/] (password from ADMIN_PASSWORD)."
        )
    else:
        show_credentials("Admin account created", email, generated_password)


# --- users ---------------------------------------------------------------------------------------

users_app = typer.Typer(
    help="Manage the team's accounts: list, add, change roles, disable, reset passwords, sign out.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")

EmailArgument = Annotated[str, typer.Argument(help="The account's email address (its login).")]


def cli_actor() -> Actor:
    """Changes made here are audited as coming from the command line (someone at the server)."""
    from product_dashboard.audit.service import Actor
    from product_dashboard.models import AuditSource

    return Actor(source=AuditSource.cli)


def on_team(action: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one change to the accounts in a transaction on the configured database."""
    settings = load_settings()

    async def transaction() -> T:
        async with (
            open_engine(settings) as engine,
            create_sessionmaker(engine)() as session,
            session.begin(),
        ):
            return await action(session)

    return run(transaction, settings.database_url)


def on_member(email: str, change: Callable[[AsyncSession, User], Awaitable[Any]]) -> None:
    """Apply a change from team/service.py to the user with this email (audited as the CLI)."""
    from product_dashboard.team import service as team

    address = valid_email(email)

    async def action(session: AsyncSession) -> None:
        await change(session, await team.find_member(session, address))

    on_team(action)


@users_app.command("list")
@clean_errors
def users_list(
    role: Annotated[str | None, typer.Option(help="Only this role.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--disabled", help="Only enabled or disabled accounts.")
    ] = None,
    search: Annotated[str | None, typer.Option(help="Email contains this.")] = None,
) -> None:
    """List the accounts: email, role, status, created."""
    from product_dashboard.auth.repository import UserRepository

    wanted = valid_role(role) if role else None

    async def action(session: AsyncSession) -> list[User]:
        users, _ = await UserRepository(session).page(
            role=wanted, is_active=active, email_contains=search, offset=0, limit=1_000_000
        )
        return users

    users = on_team(action)
    table = Table("Id", "Email", "Role", "Status", "Created", box=None, header_style="bold")
    for user in users:
        status = "active" if user.is_active else "[red]disabled[/]"
        table.add_row(str(user.id), user.email, user.role, status, f"{user.created_at:%Y-%m-%d}")
    out.print(table if users else "No accounts match.")


@users_app.command("create")
@clean_errors
def users_create(
    email: EmailArgument,
    password: Annotated[
        str | None,
        typer.Option(help="Its password; prompted for on a terminal, else generated and shown."),
    ] = None,
    role: Annotated[str, typer.Option(help="admin, editor or viewer.")] = "viewer",
    generate: Annotated[bool, typer.Option(help="Generate a password and show it once.")] = False,
) -> None:
    """Add an account."""
    from product_dashboard.team import service as team

    wanted = valid_role(role)
    address = valid_email(email)
    secret, generated = password_to_set(password, generate)

    async def action(session: AsyncSession) -> None:
        await team.invite(session, cli_actor(), address, wanted, secret)

    on_team(action)
    if generated:
        show_credentials(f"New {role} account", address, secret)
    else:
        out.print(f"[green]✓[/] Created {role} account [bold]{address}[/].")


@users_app.command("set-role")
@clean_errors
def users_set_role(
    email: EmailArgument,
    role: Annotated[str, typer.Argument(help="admin, editor or viewer.")],
) -> None:
    """Change an account's role (the last active admin cannot be demoted)."""
    from product_dashboard.team import service as team

    wanted = valid_role(role)
    on_member(email, lambda session, user: team.set_role(session, cli_actor(), user, wanted))
    out.print(f"[green]✓[/] {email.lower()} is now {role}.")


@users_app.command("disable")
@clean_errors
def users_disable(email: EmailArgument) -> None:
    """Refuse an account's logins and end its sessions (never the last active admin)."""
    from product_dashboard.team import service as team

    on_member(email, lambda session, user: team.set_active(session, cli_actor(), user, False))
    out.print(f"[green]✓[/] Disabled {email.lower()}; its sessions have ended.")


@users_app.command("enable")
@clean_errors
def users_enable(email: EmailArgument) -> None:
    """Let a disabled account log in again."""
    from product_dashboard.team import service as team

    on_member(email, lambda session, user: team.set_active(session, cli_actor(), user, True))
    out.print(f"[green]✓[/] Enabled {email.lower()}.")


@users_app.command("reset-password")
@clean_errors
def users_reset_password(
    email: EmailArgument,
    password: Annotated[
        str | None,
        typer.Option(
            help="The new password; prompted for on a terminal, else generated and shown."
        ),
    ] = None,
    generate: Annotated[bool, typer.Option(help="Generate a password and show it once.")] = False,
) -> None:
    """Set a new password and end the account's sessions."""
    from product_dashboard.team import service as team

    address = valid_email(email)
    secret, generated = password_to_set(password, generate)
    on_member(
        address, lambda session, user: team.reset_password(session, cli_actor(), user, secret)
    )
    if generated:
        show_credentials("Password reset", address, secret)
    else:
        out.print(f"[green]✓[/] New password set for [bold]{address}[/]; its sessions have ended.")


@users_app.command("revoke-sessions")
@clean_errors
def users_revoke_sessions(email: EmailArgument) -> None:
    """Sign an account out everywhere: every token issued to it so far is refused."""
    from product_dashboard.team import service as team

    on_member(email, lambda session, user: team.revoke_sessions(session, cli_actor(), user))
    out.print(f"[green]✓[/] Ended every session of {email.lower()}.")


@app.command("seed-demo")
@clean_errors
def seed_demo(
    products: Annotated[
        int, typer.Option("--products", "-n", min=1, help="How many products to add.")
    ] = DEFAULT_DEMO_PRODUCTS,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same catalog.")
    ] = 42,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the catalog has products already.")
    ] = False,
) -> None:
    """Add a realistic demo catalog (products with options, variants and tags)."""
    from product_dashboard.demo import SeedReport, seed_demo_catalog

    settings = load_settings()
    progress = Progress(
        TextColumn("Seeding demo catalog"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
        disable=not out.is_terminal,
    )

    async def action() -> SeedReport | None:
        async with open_engine(settings) as engine:
            if if_empty and await _has_products(engine):
                return None
            task = progress.add_task("seed", total=products)
            with progress:
                return await seed_demo_catalog(
                    engine,
                    products,
                    seed=seed,
                    on_progress=lambda done: progress.update(task, completed=done),
                )

    report = run(action, settings.database_url)
    if report is None:
        out.print("[green]✓[/] The catalog has products already; no demo products added.")
        return
    out.print(
        f"[green]✓[/] Added {report.products:,} demo products ({report.variants:,} variants, "
        f"{report.tags:,} tags) in {report.seconds:.1f} s."
    )


@app.command()
@clean_errors
def prune() -> None:
    """Apply the retention rules now (the app's pruner does so every RETENTION_INTERVAL_MINUTES)."""
    from product_dashboard.retention.scheduled import prune_once

    settings = load_settings()

    async def action() -> dict[str, int]:
        async with open_engine(settings) as engine:
            report = await prune_once(create_sessionmaker(engine), settings)
        return report.model_dump()

    pruned = run(action, settings.database_url)
    table = Table("pruned", "count", box=None)
    for name, count in pruned.items():
        table.add_row(name.replace("_", " "), f"{count:,}")
    out.print(table)


@app.command()
@clean_errors
def backup(
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="The file to write (default backups/dashboard-<time>.tar.gz)."),
    ] = None,
) -> None:
    """Back up the database and the files it points at into one .tar.gz, while the app runs."""
    from product_dashboard.backup.archive import BackupError, default_path, make_backup

    settings = load_settings()
    try:
        summary = make_backup(settings, out_path or default_path())
    except BackupError as exc:
        _fail(f"No backup made: {exc}")
    manifest = summary.manifest
    out.print(
        f"[green]✓[/] Backed up {manifest.products:,} products ({manifest.database}, migration "
        f"{manifest.schema_revision}) and {manifest.files:,} files to [bold]{summary.path}[/] "
        f"({summary.path.stat().st_size / 1_048_576:,.1f} MB)."
    )


@app.command()
@clean_errors
def restore(
    archive: Annotated[Path, typer.Argument(help="A file written by `product-dashboard backup`.")],
    force: Annotated[
        bool,
        typer.Option(help="Replace the data here (kept beside, renamed …before-restore-<time>)."),
    ] = False,
    check: Annotated[
        bool, typer.Option(help="Only read the backup whole and check it; change nothing.")
    ] = False,
) -> None:
    """Restore a backup in place of the configured database and data files (app stopped)."""
    from product_dashboard.backup.archive import BackupError, check_backup, restore_backup

    if check:
        try:
            checked = check_backup(archive)
        except BackupError as exc:
            _fail(f"The backup is not usable: {exc}")
        out.print(
            f"[green]✓[/] {archive} is whole: {checked.products:,} products ({checked.database}, "
            f"migration {checked.schema_revision}) and {checked.files:,} files, backed up at "
            f"{checked.created_at:%Y-%m-%d %H:%M} UTC by version {checked.app_version}."
        )
        return
    settings = load_settings()
    try:
        summary = restore_backup(settings, archive, force=force)
    except BackupError as exc:
        _fail(f"Nothing restored: {exc}")
    manifest = summary.manifest
    out.print(
        f"[green]✓[/] Restored {manifest.products:,} products and {manifest.files:,} files "
        f"backed up at {manifest.created_at:%Y-%m-%d %H:%M} UTC into "
        f"{safe_url(settings.database_url)}; migrated to {migrations.head_revision()}."
    )
    for path in summary.set_aside:
        out.print(f"  What was here is kept as {path}")


@app.command()
@clean_errors
def routes() -> None:
    """List the HTTP API the app serves (as documented at /docs)."""
    from product_dashboard.main import create_app

    settings = load_settings()
    table = Table("Method", "Path", "Summary", box=None, header_style="bold")
    paths: dict[str, dict[str, Any]] = create_app(settings).openapi().get("paths", {})
    for path, operations in sorted(paths.items()):
        for method, operation in operations.items():
            table.add_row(method.upper(), path, str(operation.get("summary", "")))
    out.print(table)


@app.command("demo-sync")
@clean_errors
def demo_sync(
    products: Annotated[
        int, typer.Option("--products", "-n", min=10, help="Demo products to seed and sync.")
    ] = 300,
    sequential: Annotated[
        int, typer.Option(min=1, help="Products the (slow) sequential run pushes.")
    ] = 60,
    plan: Annotated[
        str, typer.Option(help="Emulated plan: standard, advanced, plus, enterprise, unlimited.")
    ] = "plus",
    latency_ms: Annotated[
        float, typer.Option(min=0, help="Latency the emulator adds to each API request.")
    ] = 50.0,
) -> None:
    """Seed a catalog and sync it in each mode against the store emulator; compare the runs.

    Uses a throwaway database and its own emulator process: your data and store are untouched.
    """
    from product_dashboard.sync.pull.demo import RESTORE_RATES, DemoOptions, DemoRow, run_demo

    if plan not in RESTORE_RATES:
        _fail(f"Unknown plan {plan!r}: use {', '.join(RESTORE_RATES)}.", exit_code=2)
    options = DemoOptions(
        products=products,
        sequential_products=min(sequential, products),
        plan=plan,
        latency_ms=latency_ms,
    )
    progress = Progress(
        TextColumn("{task.description:<42}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>9}"),
        TimeElapsedColumn(),
        console=out,
    )
    current: dict[str, Any] = {}

    def on_seed(done: int) -> None:
        if "seed" not in current:
            current["seed"] = progress.add_task("Seeding the demo catalog", total=products, rate="")
        progress.update(current["seed"], completed=done)

    def on_start(name: str, total: int) -> None:
        if current.get("name") != name:
            current["name"], current["started"] = name, time.perf_counter()
            current["task"] = progress.add_task(name, total=max(total, 1), rate="")
        else:
            progress.update(current["task"], total=max(total, 1))

    def on_progress(done: int) -> None:
        elapsed = time.perf_counter() - current["started"]
        rate = f"{done / elapsed:,.0f}/s" if elapsed > 0 else ""
        progress.update(current["task"], completed=done, rate=rate)

    def after_row(row: DemoRow) -> None:
        if current.get("name") == row.name:
            progress.update(current["task"], completed=row.products, total=max(row.products, 1))

    out.print(
        f"[bold]Sync demo[/]: {products:,} products, emulated [bold]{plan}[/] plan "
        f"({RESTORE_RATES[plan]:,.0f} cost points/s), {latency_ms:g} ms per request."
    )
    with progress:
        rows = asyncio.run(run_demo(options, on_seed, on_start, on_progress, after_row))
    Console(highlight=False, width=max(out.width, 130)).print(demo_table(rows, RESTORE_RATES[plan]))


def demo_table(rows: list[Any], restore_rate: float) -> Table:
    """The comparison table of `demo-sync` (rows are sync.pull.demo.DemoRow)."""
    table = Table(title="Sync modes compared", header_style="bold")
    table.add_column("Run", no_wrap=True)
    for column in ("Products", "Changed", "Seconds", "Prod/s", "vs seq", "Calls/prod"):
        table.add_column(column, justify="right")
    for column in ("Pts/prod", "Throttled", "Workers", "Budget"):
        table.add_column(column, justify="right")
    baseline = next((r.per_second for r in rows if r.name == "push sequential"), 0.0)
    for row in rows:
        n = max(1, row.products)
        table.add_row(
            row.name,
            f"{row.products:,}",
            f"{row.changed:,}",
            f"{row.seconds:.2f}",
            f"{row.per_second:,.1f}",
            f"{row.per_second / baseline:.1f}x" if baseline else "-",
            f"{row.api_calls / n:.3f}",
            f"{row.cost_points / n:.1f}",
            str(row.throttled),
            row.workers,
            f"{row.budget_share(restore_rate):.0%}",
        )
    table.caption = (
        "Changed: products written (pushed, or created/updated here by a pull). Budget: cost "
        "points per second ÷ the plan's restore rate (over 100% = spending the bucket's burst)."
    )
    return table
