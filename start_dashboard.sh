#!/usr/bin/env bash
# Set up and start Product Dashboard. Safe to re-run: every step skips what is already done.
#
#   ./start_dashboard.sh                 serve on PORT (default 5000)
#   PORT=8080 ./start_dashboard.sh       another port; also ADMIN_EMAIL, ADMIN_PASSWORD,
#                                        SHOPIFY_STORE_URL, HOST (default 127.0.0.1), and every
#                                        setting of .env.example, from the environment
#   SEED_DEMO=0 ./start_dashboard.sh     no demo catalog on first run (DEMO_PRODUCTS=500 by default)
#
# Without SHOPIFY_STORE_URL, the local Shopify store emulator is started as the demo store on
# EMULATOR_PORT (default 5001; EMULATOR_PLAN=standard), with its access token and webhook secret
# generated into .env on the first run and its products kept in data/emulator-store.sqlite; the
# dashboard is pointed at it and its /webhooks/shopify subscribed there once it is up.
#
# Ctrl-C stops everything the script started.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
# Whatever this script and the servers it starts create (.env, data/, logs/, the databases) is
# readable by its owner only: they hold secrets, tokens and the catalog.
umask 077
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
DEMO_PRODUCTS=${DEMO_PRODUCTS:-500}
SEED_DEMO=${SEED_DEMO:-1}

# --- output ----------------------------------------------------------------------------------------
if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
    BOLD=$'\e[1m' DIM=$'\e[2m' RED=$'\e[31m' GREEN=$'\e[32m' YELLOW=$'\e[33m' BLUE=$'\e[34m'
    RESET=$'\e[0m'
else
    BOLD='' DIM='' RED='' GREEN='' YELLOW='' BLUE='' RESET=''
fi
indent() { sed 's/^/  /'; }
run_cli() { # the dashboard's CLI, its output indented (and still colored on a terminal)
    if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
        FORCE_COLOR=1 "$VENV/bin/product-dashboard" "$@" | indent
    else
        "$VENV/bin/product-dashboard" "$@" | indent
    fi
}
step() { printf '%s==>%s %s%s%s\n' "$BLUE$BOLD" "$RESET" "$BOLD" "$*" "$RESET"; }
ok() { printf '  %s✓%s %s\n' "$GREEN" "$RESET" "$*"; }
note() { printf '  %s%s%s\n' "$DIM" "$*" "$RESET"; }
warn() { printf '  %s!%s %s\n' "$YELLOW$BOLD" "$RESET" "$*"; }
die() {
    printf '%sError:%s %s\n' "$RED$BOLD" "$RESET" "$*" >&2
    exit 1
}

# --- child processes: each in its own process group, all stopped on exit -----------------------
CHILDREN=()
stop_children() {
    local pid
    for pid in "${CHILDREN[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for pid in "${CHILDREN[@]}"; do
        for _ in $(seq 50); do
            kill -0 -- "-$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    CHILDREN=()
}
on_exit() {
    local status=$?
    trap - EXIT INT TERM
    if ((${#CHILDREN[@]})); then
        printf '\n'
        step "Stopping"
        stop_children
        ok "Stopped."
    fi
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_child() { # start_child NAME COMMAND...: run in the background in a new process group
    local name=$1
    shift
    setsid "$@" &
    CHILDREN+=("$!")
    note "$name started (pid $!)"
}

# --- steps -----------------------------------------------------------------------------------------
check_python() {
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python 3.11 or newer (apt-get install python3), or set PYTHON=/path/to/python3.11."
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "Python 3.11 or newer is needed; $PYTHON is $("$PYTHON" -V 2>&1). Set PYTHON=/path/to/python3.11."
    if [[ ! -x $VENV/bin/python ]] && ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
            step "Installing python3-venv"
            apt-get install -y -qq python3-venv >/dev/null || die "apt-get install python3-venv failed."
        else
            die "Python's venv module is missing: sudo apt-get install python3-venv"
        fi
    fi
}

ensure_venv() {
    if [[ -x $VENV/bin/python ]]; then
        return
    fi
    step "Creating the virtual environment in ${VENV#"$ROOT"/}"
    "$PYTHON" -m venv "$VENV"
    ok "Created."
}

install_dependencies() {
    # Reinstall only when a pyproject.toml (the dashboard's or the store emulator's) changed since
    # the last install (or the package is gone).
    local stamp=$VENV/.installed-base
    local digest
    digest=$(cat pyproject.toml emulator/pyproject.toml | sha256sum | cut -d' ' -f1)
    if [[ -f $stamp && $(<"$stamp") == "$digest" ]] && [[ -x $VENV/bin/product-dashboard ]]; then
        ok "Dependencies up to date."
        return
    fi
    step "Installing dependencies (takes a minute or two the first time)"
    local log=$VENV/pip-install.log
    # Two installs, the emulator last: it owns the `shopify-emulator` script, which replacing an
    # older dashboard install (that carried the emulator) would otherwise remove.
    if ! { "$VENV/bin/python" -m pip install --disable-pip-version-check -e . &&
        "$VENV/bin/python" -m pip install --disable-pip-version-check -e ./emulator; } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "Installing the dependencies failed (full log: ${log#"$ROOT"/})."
    fi
    printf '%s\n' "$digest" >"$stamp"
    ok "Installed."
}

ensure_env_file() {
    if [[ -f .env ]]; then
        ok ".env present."
        return
    fi
    step "Writing .env from .env.example, with a random JWT_SECRET"
    local secret
    secret=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
    sed "s|^JWT_SECRET=.*|JWT_SECRET=$secret|" .env.example >.env
    chmod 600 .env
    ok "Created .env (edit it to configure the store, database, AI...)."
}

read_settings() {
    # The effective settings (environment over .env over defaults), validated once here.
    local assignments
    assignments=$("$VENV/bin/python" - <<'PY'
import shlex
import sys

from pydantic import ValidationError

from product_dashboard.config import Settings

try:
    s = Settings()
except ValidationError as exc:
    for error in exc.errors():
        print(f"Invalid configuration: {error['msg']}", file=sys.stderr)
    sys.exit(1)
for name, value in {
    "APP_PORT": s.port,
    "APP_DATA_DIR": s.data_dir,
    "APP_BACKUPS": (
        f"{s.backup_dir}/ (every {s.backup_interval_hours:g} h)"
        if s.backup_interval_hours > 0
        else "off (BACKUP_INTERVAL_HOURS=0)"
    ),
    "APP_STORE_URL": s.shopify_store_url or "",
    "APP_EMULATOR_PORT": s.emulator_port,
    "APP_EMULATOR_PLAN": s.emulator_plan,
    "APP_EMULATOR_TOKEN": s.emulator_access_token or "",
    "APP_EMULATOR_SECRET": s.emulator_webhook_secret or "",
    "APP_WEBHOOK_CALLBACK_URL": s.webhook_callback_url or "",
}.items():
    print(f"{name}={shlex.quote(str(value))}")
PY
    ) || die "Fix the configuration (.env or the environment) and run again."
    eval "$assignments"
}

migrate_database() {
    step "Migrating the database"
    run_cli migrate
}

ensure_admin() {
    step "Checking the admin account"
    run_cli ensure-admin
}

seed_demo_catalog() {
    local marker=$APP_DATA_DIR/.demo-catalog-seeded
    if [[ $SEED_DEMO == 0 ]]; then
        note "Demo catalog skipped (SEED_DEMO=0)."
        return
    fi
    if [[ -f $marker ]]; then
        ok "Demo catalog seeded on an earlier run."
        return
    fi
    step "Adding a demo catalog of $DEMO_PRODUCTS products (first run only)"
    run_cli seed-demo --products "$DEMO_PRODUCTS" --if-empty
    mkdir -p "$APP_DATA_DIR"
    date -u +%FT%TZ >"$marker"
}

start_store() {
    # The Shopify store the dashboard syncs with: a real one when SHOPIFY_STORE_URL (and
    # SHOPIFY_ACCESS_TOKEN) are configured, else the local store emulator as the demo store.
    if [[ -n $APP_STORE_URL ]]; then
        ok "Shopify store: $APP_STORE_URL"
        return
    fi
    start_emulator
}

ensure_emulator_secrets() { # generate the demo store's token and webhook secret into .env once
    if [[ -n $APP_EMULATOR_TOKEN && -n $APP_EMULATOR_SECRET ]]; then
        return
    fi
    local token secret
    token=shpat_$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))')
    secret=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))')
    {
        printf '\n# Generated by start_dashboard.sh for the local demo store (the store emulator).\n'
        [[ -n $APP_EMULATOR_TOKEN ]] || printf 'EMULATOR_ACCESS_TOKEN=%s\n' "$token"
        [[ -n $APP_EMULATOR_SECRET ]] || printf 'EMULATOR_WEBHOOK_SECRET=%s\n' "$secret"
    } >>.env
    APP_EMULATOR_TOKEN=${APP_EMULATOR_TOKEN:-$token}
    APP_EMULATOR_SECRET=${APP_EMULATOR_SECRET:-$secret}
    ok "Generated the demo store's access token and webhook secret (in .env)."
}

port_in_use() {
    "$VENV/bin/python" -c 'import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

wait_for_store() { # wait_for_store URL PID
    local url=$1 pid=$2 deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "$url/_emulator/health" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

start_emulator() {
    local port=$APP_EMULATOR_PORT
    local url="http://127.0.0.1:$port"
    local state=$APP_DATA_DIR/emulator-store.sqlite
    local log=logs/shopify-emulator.log
    step "Starting the demo Shopify store (local emulator) on port $port"
    note "No SHOPIFY_STORE_URL configured: syncing goes to a local emulated store."
    ensure_emulator_secrets
    if port_in_use "$port"; then
        die "Port $port is in use (an emulator left from an earlier run?). Stop it, or set EMULATOR_PORT=... ."
    fi
    mkdir -p "$APP_DATA_DIR" logs
    local command=("$VENV/bin/shopify-emulator")
    if [[ ! -x ${command[0]} ]]; then
        command=("$VENV/bin/python" -c 'from shopify_emulator.cli import app; app()')
    fi
    # The token and secret go by environment: a command line is readable by anyone through ps.
    export SHOPIFY_EMULATOR_ACCESS_TOKEN=$APP_EMULATOR_TOKEN
    export SHOPIFY_EMULATOR_WEBHOOK_SECRET=$APP_EMULATOR_SECRET
    start_child "Store emulator" sh -c 'exec "$@" >>"$0" 2>&1' "$log" "${command[@]}" serve \
        --host 127.0.0.1 --port "$port" --plan "$APP_EMULATOR_PLAN" \
        --state "$state" --shop-domain demo-store.myshopify.com
    if ! wait_for_store "$url" "${CHILDREN[-1]}"; then
        tail -n 20 "$log" >&2 || true
        die "The store emulator did not start (log: $log)."
    fi
    export SHOPIFY_STORE_URL=$url
    export SHOPIFY_ACCESS_TOKEN=$APP_EMULATOR_TOKEN
    export SHOPIFY_WEBHOOK_SECRET=$APP_EMULATOR_SECRET
    STORE_IS_EMULATOR=1
    ok "Demo store: $url (plan $APP_EMULATOR_PLAN; products kept in ${state#"$ROOT"/}; log: $log)"
}

subscribe_webhooks() { # subscribe_webhooks APP_URL: the demo store's webhooks reach the dashboard
    [[ ${STORE_IS_EMULATOR:-0} == 1 ]] || return 0
    if [[ -n $APP_WEBHOOK_CALLBACK_URL ]]; then
        ok "Webhooks: the app subscribes $APP_WEBHOOK_CALLBACK_URL itself (WEBHOOK_CALLBACK_URL)."
        return 0
    fi
    local callback="http://127.0.0.1:$APP_PORT/webhooks/shopify" result
    # stderr too, so a failure is explained in the warning rather than dumped as a traceback.
    if result=$("$VENV/bin/python" - "$SHOPIFY_STORE_URL" "$SHOPIFY_ACCESS_TOKEN" "$callback" 2>&1 <<'PY'
import asyncio
import sys

from product_dashboard.shopify.client import ShopifyClient
from product_dashboard.inbound.registration import register


async def main(store: str, token: str, callback: str) -> None:
    async with ShopifyClient(store, token) as client:
        report = await register(client, callback)
    if report["errors"]:
        sys.exit("; ".join(report["errors"]))
    created = len(report["created"])
    print(f"{created} created" if created else "already subscribed")


try:
    asyncio.run(main(*sys.argv[1:4]))
except Exception as exc:  # one line for the warning, not a traceback
    sys.exit(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
PY
    ); then
        ok "Webhooks: the demo store notifies $callback ($result)."
    else
        warn "Could not subscribe $callback on the demo store: ${result:-no reason given}"
    fi
}

wait_until_ready() { # wait_until_ready URL PID: poll /readyz while the server lives (3 min)
    local url=$1 pid=$2 deadline=$((SECONDS + 180))
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "$url/readyz" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

serve() {
    local host=${HOST:-127.0.0.1}
    local shown=$host
    [[ $host == 0.0.0.0 ]] && shown=localhost
    local url="http://$shown:$APP_PORT"
    step "Starting Product Dashboard on port $APP_PORT"
    start_child "Web server" "$VENV/bin/product-dashboard" serve --host "$host" --port "$APP_PORT"
    local server=${CHILDREN[-1]}
    if ! wait_until_ready "$url" "$server"; then
        wait "$server" || true
        die "The server did not start (is port $APP_PORT free? Set PORT=... to use another)."
    fi
    subscribe_webhooks
    printf '\n  %sProduct Dashboard is running:%s %s%s%s\n' "$GREEN$BOLD" "$RESET" "$BOLD" "$url" "$RESET"
    printf '  API docs: %s/docs   Health: %s/readyz   Metrics: %s/metrics\n' "$url" "$url" "$url"
    printf '  Logs: %s   Backups: %s   %sPress Ctrl-C to stop.%s\n\n' "logs/" "$APP_BACKUPS" "$DIM" "$RESET"
    local status=0
    wait "$server" || status=$?
    [[ $status == 0 ]] || die "The server stopped (exit $status)."
}

main() {
    step "Product Dashboard: preparing"
    check_python
    ensure_venv
    install_dependencies
    ensure_env_file
    read_settings
    migrate_database
    ensure_admin
    seed_demo_catalog
    start_store
    serve
}

main "$@"
