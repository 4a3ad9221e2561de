"""Bulk operations of one shop: create, run in the background, cancel, finish, expire.

Up to `MAX_ACTIVE_OPERATIONS` (five) operations, queries and mutations together, may be active
per shop at a time (Shopify from API 2026-01); past that, a new one is refused with
`LIMIT_REACHED`. Each operation first waits its start-up time (`startup_seconds`: queueing and
file preparation on Shopify's side), then runs at `rate_per_second` lines per second, each
operation at its own pace. Mutation results are written in input order. Work runs in an
asyncio task: a mutation calls `execute(variables)` once per JSONL line and writes one result line
per input line; a query calls `execute_all()` once and flattens the result to JSONL. Lines are
written in batches and the task yields to the event loop every few hundred lines, so the per-line
overhead stays in the microseconds.

Queries take their work in turn (one lock, first come first served): the emulator has one
CPU for the shop, so five queries interleaved would all complete at the end, together, while in
Shopify each runs on its own and the first completes first. In turn, the first query completes
after its own work and a client applies its file while the next is built; a queued query stays
CREATED until its turn. With a `rate_per_second`, a query holds the turn only for building its
result (`execute_all()`), not while its lines are paced out.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
)
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from starlette.routing import Route

from shopify_emulator.bulk.flatten import flatten_bulk_result
from shopify_emulator.bulk.models import (
    BulkMutationErrorCode,
    BulkOperation,
    BulkOperationErrorCode,
    BulkOperationStatus,
    BulkOperationType,
    BulkOperationUserErrorCode,
    BulkPayload,
    BulkUserError,
    parse_bulk_operation_gid,
)
from shopify_emulator.bulk.routes import bulk_results_route, signed_result_url
from shopify_emulator.bulk.validation import (
    InvalidJsonl,
    mutation_errors,
    query_errors,
    read_jsonl_objects,
)
from shopify_emulator.gc_tuning import relaxed_gc

logger = logging.getLogger(__name__)

Execute = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
ExecuteAll = Callable[[], Awaitable[dict[str, Any]]]
ReadUpload = Callable[[str], Path | bytes]
OnFinish = Callable[[BulkOperation], Awaitable[None]]
_Lines = AsyncGenerator[tuple[dict[str, Any], bool], None]

FLUSH_EVERY_LINES = 512
YIELD_EVERY_LINES = 256
_MIN_SLEEP_S = 0.002
MAX_ACTIVE_OPERATIONS = 5
LIMIT_REACHED_MESSAGE = "Bulk operations limit reached. Please try again later."
# Reused: json.dumps/json.loads with options build a new codec per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class BulkOperationManager:
    """Bulk operations of one shop; results are JSONL files in `results_dir`."""

    def __init__(
        self,
        results_dir: Path,
        base_url_provider: Callable[[], str],
        *,
        rate_per_second: float | None = None,
        startup_seconds: float = 0.0,
        on_finish: OnFinish | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.results_dir = results_dir
        self.rate_per_second = rate_per_second  # lines per second; None = unlimited; mutable
        self.startup_seconds = startup_seconds  # before an operation's first line; mutable
        self._base_url = base_url_provider
        self._on_finish = on_finish
        self._now = now
        self._ids = itertools.count(1)
        self._operations: dict[int, BulkOperation] = {}
        self._cancel_requested: set[int] = set()
        self._done: dict[int, asyncio.Event] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._link_secret = secrets.token_bytes(16)
        self._query_turn = asyncio.Lock()  # FIFO: queries' work one after the other
        self._released = asyncio.Event()  # cleared: operations stay CREATED (`held`)
        self._released.set()
        results_dir.mkdir(parents=True, exist_ok=True)

    # -- starting ---------------------------------------------------------------------------------

    async def run_mutation(
        self,
        mutation: str,
        staged_upload_path: str,
        execute: Execute,
        read_upload: ReadUpload,
        *,
        client_identifier: str | None = None,
        allowed_mutations: Collection[str] | None = None,
    ) -> BulkPayload:
        """`bulkOperationRunMutation`: validate, then run `execute` per JSONL line in a task.

        `read_upload(staged_upload_path)` returns the uploaded file's path (or bytes); a missing
        path or FileNotFoundError/KeyError/ValueError gives NO_SUCH_FILE.
        """
        if error := self._limit_reached(BulkOperationType.MUTATION):
            return BulkPayload(None, [error])
        if messages := mutation_errors(mutation, allowed_mutations):
            return _mutation_error(
                messages[0], ["mutation"], BulkMutationErrorCode.INVALID_MUTATION
            )
        try:
            source = read_upload(staged_upload_path)
        except (FileNotFoundError, KeyError, ValueError):
            source = None
        if source is None or (isinstance(source, Path) and not source.is_file()):
            return _mutation_error(
                "The JSONL file could not be found. Try uploading the file again, and check "
                "that you've entered the URL correctly for the stagedUploadPath mutation argument.",
                ["stagedUploadPath"],
                BulkMutationErrorCode.NO_SUCH_FILE,
            )
        try:
            objects = await asyncio.to_thread(read_jsonl_objects, source)
        except InvalidJsonl as invalid:
            return _mutation_error(
                str(invalid), ["stagedUploadPath"], BulkMutationErrorCode.INVALID_STAGED_UPLOAD_FILE
            )
        except OSError:
            return _mutation_error(
                "There was a problem reading the JSONL file.",
                ["stagedUploadPath"],
                BulkMutationErrorCode.INTERNAL_FILE_SERVER_ERROR,
            )
        if error := self._limit_reached(BulkOperationType.MUTATION):  # lost a race while reading
            return BulkPayload(None, [error])
        operation = self._create(BulkOperationType.MUTATION, mutation, client_identifier)
        self._start(operation, self._process_mutation(operation, objects, execute))
        return BulkPayload(operation)

    async def run_query(self, query: str, execute_all: ExecuteAll) -> BulkPayload:
        """`bulkOperationRunQuery`: validate, then run `execute_all()` and flatten in a task.

        `execute_all()` returns the full, unpaginated GraphQL response `{"data", "errors"?}`.
        """
        if error := self._limit_reached(BulkOperationType.QUERY):
            return BulkPayload(None, [error])
        messages = query_errors(query)
        if messages:
            return BulkPayload(
                None,
                [BulkUserError(m, ["query"], BulkOperationUserErrorCode.INVALID) for m in messages],
            )
        operation = self._create(BulkOperationType.QUERY, query, None)
        self._start(operation, self._process_query(operation, execute_all))
        return BulkPayload(operation)

    # -- inspecting and controlling ----------------------------------------------------------

    def get(self, operation_id: str) -> BulkOperation | None:
        legacy_id = parse_bulk_operation_gid(operation_id)
        return self._operations.get(legacy_id) if legacy_id is not None else None

    def current(
        self, type: str | BulkOperationType = BulkOperationType.QUERY
    ) -> BulkOperation | None:
        """`currentBulkOperation(type:)`: the most recently created operation of that type."""
        wanted = BulkOperationType(type)
        for operation in reversed(self._operations.values()):
            if operation.type == wanted:
                return operation
        return None

    def operations(self) -> list[BulkOperation]:
        return list(self._operations.values())

    @property
    def held(self) -> bool:
        """Operations stay `CREATED` after their start-up time until released (a test knob:
        operations started one after another are then all seen side by side, however slowly
        they were started)."""
        return not self._released.is_set()

    @held.setter
    def held(self, value: bool) -> None:
        if value:
            self._released.clear()
        else:
            self._released.set()

    def cancel(self, operation_id: str) -> BulkPayload:
        """`bulkOperationCancel`: CANCELING now, CANCELED once the worker stops."""
        operation = self.get(operation_id)
        if operation is None:
            return BulkPayload(None, [BulkUserError("Bulk operation does not exist", ["id"])])
        if not operation.active:
            return BulkPayload(
                operation,
                [
                    BulkUserError(
                        "A bulk operation cannot be canceled when it is "
                        f"{operation.status.value.lower()}",
                        ["id"],
                    )
                ],
            )
        if operation.status != BulkOperationStatus.CANCELING:
            operation.status = BulkOperationStatus.CANCELING
            self._cancel_requested.add(operation.legacy_id)
        return BulkPayload(operation)

    async def wait(self, operation_id: str, timeout: float = 30.0) -> BulkOperation:
        """Wait until the operation has finished (any final status); for tests and tools."""
        operation = self.get(operation_id)
        if operation is None:
            raise KeyError(operation_id)
        async with asyncio.timeout(timeout):
            await self._done[operation.legacy_id].wait()
        return operation

    def expire(self, operation_id: str) -> BulkOperation | None:
        """Mark a finished operation EXPIRED and delete its result file (Shopify: after 7 days)."""
        operation = self.get(operation_id)
        if operation is None or operation.active:
            return None
        operation.status = BulkOperationStatus.EXPIRED
        operation.url = operation.partial_data_url = None
        if operation.result_name:
            (self.results_dir / operation.result_name).unlink(missing_ok=True)
        return operation

    def routes(self) -> list[Route]:
        """`GET /_bulk_results/{name}` serving this manager's result files."""
        return [bulk_results_route(self.results_dir)]

    async def aclose(self) -> None:
        """Stop background work (operations left running are marked FAILED)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- internals ---------------------------------------------------------------------------------

    def _limit_reached(self, type: BulkOperationType) -> BulkUserError | None:
        if sum(operation.active for operation in self._operations.values()) < (
            MAX_ACTIVE_OPERATIONS
        ):
            return None
        code = (
            BulkOperationUserErrorCode.LIMIT_REACHED
            if type == BulkOperationType.QUERY
            else BulkMutationErrorCode.LIMIT_REACHED
        )
        return BulkUserError(LIMIT_REACHED_MESSAGE, None, code)

    def _create(
        self, type: BulkOperationType, document: str, client_identifier: str | None
    ) -> BulkOperation:
        operation = BulkOperation(
            legacy_id=next(self._ids),
            type=type,
            query=document,
            created_at=self._now(),
            client_identifier=client_identifier,
        )
        self._operations[operation.legacy_id] = operation
        self._done[operation.legacy_id] = asyncio.Event()
        return operation

    def _start(self, operation: BulkOperation, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            finally:
                self._tasks.pop(operation.legacy_id, None)

        self._tasks[operation.legacy_id] = asyncio.create_task(run(), name=operation.id)

    async def _process_mutation(
        self,
        operation: BulkOperation,
        objects: list[tuple[int, dict[str, Any]]],
        execute: Execute,
    ) -> None:
        with relaxed_gc():
            await self._process_mutation_lines(operation, objects, execute)

    async def _process_mutation_lines(
        self,
        operation: BulkOperation,
        objects: list[tuple[int, dict[str, Any]]],
        execute: Execute,
    ) -> None:
        async def lines() -> _Lines:
            cancelled = self._cancel_requested
            for index, variables in objects:
                if operation.legacy_id in cancelled:
                    return
                response = await execute(variables)
                line = {k: v for k, v in response.items() if k != "extensions"}
                line["__lineNumber"] = index
                yield line, True

        await self._run(operation, lines())

    async def _process_query(self, operation: BulkOperation, execute_all: ExecuteAll) -> None:
        async def lines() -> _Lines:
            response = await execute_all()
            errors = response.get("errors") or []
            data = response.get("data")
            if data:
                for line in flatten_bulk_result(data):
                    yield line, "__parentId" not in line
            if errors:
                codes = {(e.get("extensions") or {}).get("code") for e in errors}
                raise _OperationFailed(
                    BulkOperationErrorCode.ACCESS_DENIED
                    if "ACCESS_DENIED" in codes
                    else BulkOperationErrorCode.INTERNAL_SERVER_ERROR
                )

        await self._run(operation, lines(), turn=self._query_turn)

    async def _run(
        self, operation: BulkOperation, lines: _Lines, *, turn: asyncio.Lock | None = None
    ) -> None:
        """Wait the start-up time (and `turn`, when given), write `(line, is_root)` pairs from
        `lines`, then finish."""
        name = f"bulk-{operation.legacy_id}-{secrets.token_hex(8)}.jsonl"
        path = self.results_dir / name
        operation.result_name = name
        pacer = _Pacer(self)
        error_code: BulkOperationErrorCode | None = None
        buffer: list[str] = []
        try:
            with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
                if self.startup_seconds > 0:
                    await asyncio.sleep(self.startup_seconds)
                await self._released.wait()
                async with _Turn(turn) as held:
                    if operation.status == BulkOperationStatus.CREATED:  # not when cancelled
                        operation.status = BulkOperationStatus.RUNNING
                    try:
                        async with contextlib.aclosing(lines):
                            async for line, is_root in lines:
                                if operation.legacy_id in self._cancel_requested:
                                    break
                                buffer.append(_dumps(line))
                                operation.object_count += 1
                                operation.root_object_count += is_root
                                if len(buffer) >= FLUSH_EVERY_LINES:
                                    _flush(out, buffer)
                                if self.rate_per_second:
                                    held.release()  # what is left is waiting, not work
                                await pacer.tick()
                    finally:
                        _flush(out, buffer)
        except _OperationFailed as failed:
            error_code = failed.code
        except asyncio.CancelledError:
            error_code = BulkOperationErrorCode.INTERNAL_SERVER_ERROR
            raise
        except Exception:
            logger.exception("bulk operation %s failed", operation.id)
            error_code = BulkOperationErrorCode.INTERNAL_SERVER_ERROR
        finally:
            self._finish(operation, path, error_code)
        await self._notify(operation)

    def _finish(
        self, operation: BulkOperation, path: Path, error_code: BulkOperationErrorCode | None
    ) -> None:
        size = path.stat().st_size
        url = (
            signed_result_url(
                self._base_url(),
                path.name,
                f"bulk-{operation.legacy_id}.jsonl",
                self._now(),
                self._link_secret,
            )
            if size
            else None
        )
        if not size:
            path.unlink(missing_ok=True)
            operation.result_name = None
        if error_code is not None:
            operation.status = BulkOperationStatus.FAILED
            operation.error_code = error_code
            operation.partial_data_url = url
        elif operation.legacy_id in self._cancel_requested:
            operation.status = BulkOperationStatus.CANCELED
            operation.partial_data_url = url
        else:
            operation.status = BulkOperationStatus.COMPLETED
            operation.url = url
        operation.file_size = size if size else None
        operation.completed_at = self._now()
        self._cancel_requested.discard(operation.legacy_id)
        self._done[operation.legacy_id].set()

    async def _notify(self, operation: BulkOperation) -> None:
        if self._on_finish is None:
            return
        try:
            await self._on_finish(operation)
        except Exception:
            logger.exception("on_finish failed for %s", operation.id)


class _Turn:
    """Holds `lock` (when given) from entry until `release()` or exit, whichever comes first."""

    def __init__(self, lock: asyncio.Lock | None) -> None:
        self._lock = lock
        self._held = False

    async def __aenter__(self) -> _Turn:
        if self._lock is not None:
            await self._lock.acquire()
            self._held = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()

    def release(self) -> None:
        if self._held and self._lock is not None:
            self._held = False
            self._lock.release()


class _OperationFailed(Exception):
    def __init__(self, code: BulkOperationErrorCode) -> None:
        super().__init__(code.value)
        self.code = code


class _Pacer:
    """Keeps to the manager's `rate_per_second` (read live) and yields to the loop regularly."""

    def __init__(self, manager: BulkOperationManager) -> None:
        self._manager = manager
        self._loop = asyncio.get_running_loop()
        self._rate: float | None = None
        self._start = 0.0
        self._count = 0

    async def tick(self) -> None:
        rate = self._manager.rate_per_second
        if rate != self._rate:
            self._rate, self._start, self._count = rate, self._loop.time(), 0
        self._count += 1
        if rate:
            delay = self._start + self._count / rate - self._loop.time()
            if delay >= _MIN_SLEEP_S:
                await asyncio.sleep(delay)
                return
        if self._count % YIELD_EVERY_LINES == 0:
            await asyncio.sleep(0)


def _dumps(line: dict[str, Any]) -> str:
    return _ENCODER.encode(line)


def _flush(out: IO[str], buffer: list[str]) -> None:
    if buffer:
        out.write("\n".join(buffer))
        out.write("\n")
        buffer.clear()


def _mutation_error(message: str, field: Iterable[str], code: BulkMutationErrorCode) -> BulkPayload:
    return BulkPayload(None, [BulkUserError(message, list(field), code)])
