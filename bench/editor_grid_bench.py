"""The bulk editor on a large grid in Chromium: scrolling frame times and keyboard latency.

Seeds a demo catalog of about 10,000 variant rows in a temporary SQLite database, serves the app
with the `product-dashboard` command, opens /products/editor (every product) in Debian's
Chromium (headless, through Playwright) and measures in the page:

- a scroll from the first row to the last, a few rows per animation frame: frame intervals;
- a jump to the middle (rows fetched on demand): time until the rows there are shown;
- ArrowDown in the grid: from the key event to the next frame with the moved cell painted;
- an edit (Enter, type, Enter): from the last key to the next frame.

    .venv/bin/python bench/editor_grid_bench.py [--products 1700] [--rows-per-frame 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"
EMAIL = "bench@example.com"
PASSWORD = "bench password 1234"

SCROLL = """
async (rowsPerFrame) => {
  const grid = document.querySelector(".grid-viewport");
  const frames = [];
  let last = performance.now();
  let maxRows = 0;
  const rowHeight = 32;
  while (grid.scrollTop + grid.clientHeight < grid.scrollHeight - 1) {
    grid.scrollTop += rowsPerFrame * rowHeight;
    await new Promise(requestAnimationFrame);
    const now = performance.now();
    frames.push(now - last);
    last = now;
    maxRows = Math.max(maxRows, grid.querySelectorAll(".grid-body .grid-row").length);
  }
  return { frames, maxRows, loading: grid.querySelectorAll(".grid-body .grid-row").length };
}
"""

JUMP = """
async () => {
  const grid = document.querySelector(".grid-viewport");
  const target = Math.floor(grid.scrollHeight / 2 / 32);
  const started = performance.now();
  grid.scrollTop = target * 32;
  for (;;) {
    await new Promise(requestAnimationFrame);
    const cell = grid.querySelector(`.grid-cell[data-row="${target + 2}"][data-col="title"]`);
    const shown = cell && cell.textContent && cell.textContent !== "Loading…";
    if (shown) return performance.now() - started;
  }
}
"""

ARROWS = """
async (presses) => {
  const grid = document.querySelector(".grid-viewport");
  grid.scrollTop = 0;
  grid.focus();
  const latencies = [];
  for (let i = 0; i < presses; i += 1) {
    const started = performance.now();
    const init = { key: "ArrowDown", bubbles: true, cancelable: true };
    grid.dispatchEvent(new KeyboardEvent("keydown", init));
    await new Promise(requestAnimationFrame);
    latencies.push(performance.now() - started);
  }
  return latencies;
}
"""


def command() -> str:
    return str(Path(sys.executable).with_name("product-dashboard"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [command(), *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def main_thread_seconds(cdp: Any) -> dict[str, float]:
    """Script, style and layout time of the page's main thread so far (Chrome's own counters)."""
    metrics = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
    return {k: metrics[k] for k in ("ScriptDuration", "RecalcStyleDuration", "LayoutDuration")}


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    median = statistics.median(ordered)
    return f"median {median:6.1f} ms · p95 {p95:6.1f} ms · max {ordered[-1]:6.1f} ms"


async def measure(base_url: str, rows_per_frame: int) -> dict[str, Any]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        await page.goto(f"{base_url}/login")
        await page.get_by_label("Email").fill(EMAIL)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url("**/products")
        started = time.perf_counter()
        await page.goto(f"{base_url}/products/editor?sort=title")
        await page.locator('.grid-cell[data-row="0"][data-col="price"]').wait_for()
        first_rows = (time.perf_counter() - started) * 1000
        count = await page.locator(".edit-count").text_content() or "0"
        total = int(count.split()[0].replace(",", ""))
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Performance.enable")
        before = await main_thread_seconds(cdp)
        scroll = await page.evaluate(SCROLL, rows_per_frame)
        after = await main_thread_seconds(cdp)
        scroll["work"] = {k: after[k] - before[k] for k in after}
        jump = await page.evaluate(JUMP)
        arrows = await page.evaluate(ARROWS, 200)
        await page.keyboard.press("Control+Home")
        await page.locator('.grid-cell[data-row="3"][data-col="price"]').click()
        edit_started = time.perf_counter()
        await page.keyboard.press("Enter")
        await page.keyboard.type("12.34")
        await page.keyboard.press("Enter")
        await page.locator('.grid-cell[data-row="3"][data-col="price"].edited').wait_for()
        edit = (time.perf_counter() - edit_started) * 1000
        await browser.close()
    return {
        "total": total,
        "first": first_rows,
        "scroll": scroll,
        "jump": jump,
        "arrows": arrows,
        "edit": edit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1700)
    parser.add_argument("--rows-per-frame", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/bench.db",
            "JWT_SECRET": "bench-" + "x" * 40,
            "ENVIRONMENT": "test",
            "LOG_DIR": f"{workdir}/logs",
            "LOG_LEVEL": "WARNING",
            "DATA_DIR": f"{workdir}/data",
        }
        cli(env, "migrate")
        cli(env, "seed-demo", "--products", str(args.products))
        cli(env, "create-user", EMAIL, "--role", "admin", "--password", PASSWORD)
        port = free_port()
        server = subprocess.Popen(
            [command(), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            result = asyncio.run(measure(f"http://127.0.0.1:{port}", args.rows_per_frame))
        finally:
            server.terminate()
            server.wait(timeout=10)
    report(result, args.products, args.rows_per_frame)


def report(result: dict[str, Any], products: int, rows_per_frame: int) -> None:
    frames = result["scroll"]["frames"]
    rows = result["total"]
    work = result["scroll"]["work"]
    work_per_frame = sum(work.values()) * 1000 / len(frames)
    parts = ", ".join(
        f"{k.removesuffix('Duration').lower()} {v * 1000 / len(frames):.2f}"
        for k, v in work.items()
    )
    print(f"Bulk editor, {rows:,} variant rows ({products:,} demo products), headless Chromium")
    lines = [
        ("first rows shown", f"{result['first']:8.0f} ms (page load to the first cells)"),
        (f"scroll, {rows_per_frame} rows a frame", f"{len(frames):8,} frames · {summary(frames)}"),
        ("", f"{1000 / statistics.mean(frames):8.1f} frames/s on average"),
        ("", f"{result['scroll']['maxRows']:8} rows in the DOM at most"),
        ("", f"{work_per_frame:8.2f} ms of script + style + layout a frame ({parts})"),
        ("jump to the middle (fetch + paint)", f"{result['jump']:8.1f} ms"),
        (
            "ArrowDown to painted frame",
            f"{len(result['arrows']):8,} keys · {summary(result['arrows'])}",
        ),
        (
            "edit a cell (Enter, type, Enter)",
            f"{result['edit']:8.0f} ms (with Playwright's round trips)",
        ),
    ]
    for label, value in lines:
        print(f"{label:<36}{value}")
    print(f"load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
