"""What a reading request's session costs beside its statements, on PostgreSQL.

Each sample opens a session as a GET request does, runs `SELECT 1`, commits and closes it, so what
is measured is the check-out (and its pre-ping), BEGIN and COMMIT. Two setups alternated in one
process, in rounds whose order flips: `transaction` (a writing request's session, as every
request's was before kit/lazy_begin) and `lazy begin` (the app's GET sessions now). Printed per
round: our process's CPU + the server backends' CPU per session (ms), wall in brackets.

    .venv/bin/python bench/session_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:55432/bench
        [--sessions 300] [--rounds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api_bench import local_server, server_cpu_seconds
from product_dashboard.db import create_engine, create_read_sessionmaker, create_sessionmaker

WARMUP = 20
_ONE = text("SELECT 1")


async def _one_session(maker: async_sessionmaker[AsyncSession]) -> None:
    async with maker() as session:
        await session.execute(_ONE)
        await session.commit()


async def measure(url: str, sessions: int, rounds: int) -> dict[str, list[tuple[float, ...]]]:
    server = await local_server(url)
    app = create_engine(url)
    makers = {
        "transaction": create_sessionmaker(app),
        "lazy begin": create_read_sessionmaker(app),
    }
    results: dict[str, list[tuple[float, ...]]] = {name: [] for name in makers}
    try:
        for round_ in range(rounds):
            order = list(makers) if round_ % 2 == 0 else list(reversed(makers))
            for name in order:
                for _ in range(WARMUP):
                    await _one_session(makers[name])
                server_before = server_cpu_seconds(server) or 0.0
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(sessions):
                    await _one_session(makers[name])
                server_after = server_cpu_seconds(server) or 0.0
                results[name].append(
                    (
                        (time.process_time() - cpu) * 1000 / sessions,
                        (server_after - server_before) * 1000 / sessions,
                        (time.perf_counter() - wall) * 1000 / sessions,
                    )
                )
    finally:
        await app.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="a PostgreSQL database URL")
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    results = asyncio.run(measure(args.url, args.sessions, args.rounds))
    print("ms per session, our CPU + server CPU (wall), per round:")
    for name, rows in results.items():
        cells = " ".join(f"{ours:.2f}+{server:.2f}({wall:.1f})" for ours, server, wall in rows)
        print(f"{name:<11} {cells}")
    print("load average now: " + " ".join(f"{load:.1f}" for load in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
