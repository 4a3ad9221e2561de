"""Start an emulator on a free loopback port in a background thread (no pytest needed).

with run_emulator_in_thread(EmulatorConfig(plan=Plan.UNLIMITED)) as base_url:
    httpx.post(f"{base_url}/admin/api/2026-10/graphql.json", ...)
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from shopify_emulator.app import create_app
from shopify_emulator.config import EmulatorConfig


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorServer:
    """A uvicorn server for one emulator app, run in a daemon thread."""

    def __init__(self, config: EmulatorConfig, port: int | None = None) -> None:
        # Bound now and handed to uvicorn, so no other process can take the port in between.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port or 0))
        self.port = int(self._socket.getsockname()[1])
        self.app = create_app(config)
        if config.public_base_url is None:
            config.public_base_url = self.base_url
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="on",
                access_log=False,
                # Requests hung by a timeout fault must not hold up the end of a test.
                timeout_graceful_shutdown=1,
            )
        )
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="shopify-emulator",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("emulator did not start")
            time.sleep(0.01)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()


@contextlib.contextmanager
def run_emulator_in_thread(config: EmulatorConfig | None = None) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of a running emulator; stop it afterwards."""
    server = EmulatorServer(config or EmulatorConfig())
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()
