"""A local emulator of Shopify's Admin GraphQL API (2026-10) for demos, tests and benchmarks.

    from shopify_emulator import EmulatorConfig, Plan, create_app
    app = create_app(EmulatorConfig(plan=Plan.STANDARD))      # an ASGI (Starlette) app

    from shopify_emulator.testing import run_emulator_in_thread
    with run_emulator_in_thread(EmulatorConfig()) as base_url:  # uvicorn on 127.0.0.1:<free port>
        ...  # POST {base_url}/admin/api/2026-10/graphql.json, knobs under {base_url}/_emulator/

Command line: `shopify-emulator serve --plan standard --port 8787 --state demo.sqlite`.
"""

from shopify_emulator.app import create_app
from shopify_emulator.config import EmulatorConfig, Plan

__all__ = ["EmulatorConfig", "Plan", "create_app"]
