"""Where a full pull's wall time goes: a timeline of the bulk exports against our apply.

    .venv/bin/python bench/pull_timeline.py [--products 20000] [--database-url …] [--runs 1]

One full pull into an empty catalog (as `pull_bench.py --only full --latency-ms 0`), with:
each export part's request, Shopify's `createdAt`/`completedAt` and when we saw it done; each
variants part's read and each products part's apply (start, end); the event loop's time blocked
in `select` (idle); the CPU of our main thread, of our other threads (aiosqlite's), and of the
emulator, sampled every 0.25 s and summed per phase. Times are seconds from the pull's start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pull_bench
from product_dashboard.kit.gc_policy import freeze_long_lived_heap
from product_dashboard.shopify import bulk_products, bulk_variants, export
from product_dashboard.sync.pull import engine as engine_module
from product_dashboard.sync.pull.engine import PullParams
from sync_bench import Emulator

TICK = os.sysconf("SC_CLK_TCK")


def _thread_cpu(pid: int) -> dict[int, float]:
    out: dict[int, float] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            raw = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


class Sampler:
    """Per-thread CPU of this process and the emulator's CPU, every `every` seconds."""

    def __init__(self, emulator: Emulator, every: float = 0.25) -> None:
        self.emulator = emulator
        self.every = every
        self.samples: list[tuple[float, float, float, float]] = []  # t, main, others, emulator
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.start = time.perf_counter()

    def _loop(self) -> None:
        main = os.getpid()
        me = threading.get_native_id()
        while not self._stop.is_set():
            cpu = _thread_cpu(main)
            others = sum(v for tid, v in cpu.items() if tid not in (main, me))
            t = time.perf_counter() - self.start
            self.samples.append((t, cpu.get(main, 0.0), others, self.emulator.cpu_seconds()))
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self.start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def between(self, a: float, b: float) -> tuple[float, float, float]:
        def at(t: float) -> tuple[float, float, float]:
            best = min(self.samples, key=lambda s: abs(s[0] - t))
            return best[1], best[2], best[3]

        x, y = at(a), at(b)
        return y[0] - x[0], y[1] - x[1], y[2] - x[2]


class Timeline:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.wall0 = time.time()
        self.events: list[tuple[float, str]] = []
        self.spans: dict[str, list[float]] = defaultdict(list)
        self.idle = 0.0

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def mark(self, what: str) -> None:
        self.events.append((self.now(), what))

    def shopify(self, stamp: str | None) -> str:
        if not stamp:
            return "-"
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        return f"{at - self.wall0:6.2f}"


@contextmanager
def instrumented(line: Timeline) -> Iterator[None]:
    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, new: Any) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, new)

    original_start = export.ExportRun._start
    original_wait = export.ExportRun._wait
    original_read = bulk_products.read_variant_lines
    original_stream = engine_module.PullEngine._apply_stream
    original_apply = engine_module.apply_chunk

    def label(part: export.ExportPart, parts: list[export.ExportPart]) -> str:
        index = next(i for i, p in enumerate(parts) if p is part)
        return f"{part.rows[0]}{index + 1}"

    async def start(self: export.ExportRun, part: export.ExportPart) -> Any:
        name = label(part, self.parts)
        line.mark(f"{name} start asked")
        operation = await original_start(self, part)
        line.mark(f"{name} started")
        return operation

    async def wait(self: export.ExportRun, index: int, operation_id: str) -> Any:
        operation = await original_wait(self, index, operation_id)
        name = label(self.parts[index], self.parts)
        if operation is not None:
            line.mark(
                f"{name} seen done (shopify created {line.shopify(operation.created_at)}, "
                f"completed {line.shopify(operation.completed_at)}, "
                f"{operation.object_count} lines)"
            )
        return operation

    async def read(client: Any, url: str, lines: Any) -> None:
        line.mark(f"variants read start {url.rsplit('/', 1)[-1][:20]}")
        await original_read(client, url, lines)
        line.mark("variants read end")

    async def stream(self: Any, params: Any, products: Any, part: Any, *rest: Any) -> Any:
        name = label(part, rest[0].parts)
        line.mark(f"{name} apply start")
        try:
            return await original_stream(self, params, products, part, *rest)
        finally:
            line.mark(f"{name} apply end")

    async def apply(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original_apply(*args, **kwargs)
        finally:
            line.spans["apply_chunk"].append(time.perf_counter() - started)

    original_merged = bulk_variants.VariantLines.merged
    original_batches = engine_module.batches_ahead

    async def merged(self: Any, product: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return await original_merged(self, product)
        finally:
            waited = time.perf_counter() - started
            if waited > 0.001:
                parts = sorted(self._holding(product))
                line.spans[f"variants wait (parts {parts})"].append(waited)

    async def batches(items: Any, size: int, ahead: int = 2) -> Any:
        stream = original_batches(items, size, ahead)
        try:
            while True:
                started = time.perf_counter()
                try:
                    batch = await anext(stream)
                except StopAsyncIteration:
                    return
                finally:
                    waited = time.perf_counter() - started
                    line.spans["apply waits for a batch"].append(waited)
                    if waited > 0.05:
                        line.mark(f"apply waited {waited:.2f} s for a batch")
                yield batch
        finally:
            await stream.aclose()

    patch(bulk_variants.VariantLines, "merged", merged)
    patch(engine_module, "batches_ahead", batches)
    patch(export.ExportRun, "_start", start)
    patch(export.ExportRun, "_wait", wait)
    patch(bulk_products, "read_variant_lines", read)
    patch(engine_module.PullEngine, "_apply_stream", stream)
    patch(engine_module, "apply_chunk", apply)
    try:
        yield
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)


async def timed_pull(url: str, emulator: Emulator, line: Timeline) -> Any:
    loop = asyncio.get_running_loop()
    selector = loop._selector  # type: ignore[attr-defined]
    select = selector.select

    def counting(timeout: float | None = None) -> Any:
        started = time.perf_counter()
        try:
            return select(timeout)
        finally:
            line.idle += time.perf_counter() - started

    selector.select = counting
    line.t0 = time.perf_counter()
    line.wall0 = time.time()
    line.mark("pull start")
    try:
        return await pull_bench.pull("full pull, 5 slots", url, emulator, PullParams("full"))
    finally:
        line.mark("pull end")
        selector.select = select


def main(args: argparse.Namespace) -> None:
    freeze_long_lived_heap()
    emulator = Emulator()
    scratch_dir = tempfile.TemporaryDirectory(prefix="pull-timeline-")
    try:
        emulator.knob("config", {"plan": "unlimited", "latency_ms": 0})
        emulator.knob("seed", {"products": args.products, "seed": 7})
        emulator.knob("config", {"bulk_rate": 0, "bulk_startup_seconds": args.bulk_startup})
        default = sys.getswitchinterval()
        for run in range(args.runs):
            intervals = args.switch_intervals or [default]
            interval = intervals[run % len(intervals)] or default
            sys.setswitchinterval(interval)
            print(f"run {run + 1}: GIL switch interval {interval * 1000:g} ms")
            url = pull_bench.fresh_database(args, Path(scratch_dir.name))
            line = Timeline()
            with Sampler(emulator) as sampler, instrumented(line):
                asyncio.run(timed_pull(url, emulator, line))
            report(line, sampler)
    finally:
        emulator.close()
        scratch_dir.cleanup()
    print("load average: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))


def report(line: Timeline, sampler: Sampler) -> None:
    offset = line.t0 - sampler.start
    previous = 0.0
    print(f"{'t':>7} {'main':>5} {'other':>5} {'emu':>5}  event")
    for t, what in line.events:
        main_cpu, others, emu = sampler.between(previous + offset, t + offset)
        print(f"{t:7.2f} {main_cpu:5.2f} {others:5.2f} {emu:5.2f}  {what}")
        previous = t
    end = line.events[-1][0]
    main_cpu, others, emu = sampler.between(offset, end + offset)
    chunks = line.spans["apply_chunk"]
    print(
        f"wall {end:.2f} s; main thread CPU {main_cpu:.2f} s, other threads {others:.2f} s, "
        f"emulator {emu:.2f} s; loop idle in select {line.idle:.2f} s; "
        f"apply_chunk {len(chunks)} chunks {sum(chunks):.2f} s"
    )
    for name, spans in sorted(line.spans.items()):
        if name != "apply_chunk":
            print(f"  {name}: {len(spans)} waits, {sum(spans):.2f} s, longest {max(spans):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--bulk-startup", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--switch-intervals",
        type=lambda text: [float(x) for x in text.split(",")],
        default=None,
        help="GIL switch intervals in seconds, one per run in turn (0: Python's default)",
    )
    main(parser.parse_args())
