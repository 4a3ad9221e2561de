"""BulkOperationManager: mutations over JSONL, queries, five at a time, cancel, failures."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from shopify_emulator.bulk import (
    BulkOperation,
    BulkOperationManager,
    BulkOperationStatus,
    BulkOperationType,
    flatten_bulk_result,
)

pytestmark = pytest.mark.quick

BASE = "http://emulator.test"
MUTATION = (
    "mutation call($input: ProductInput!) { productCreate(input: $input) "
    "{ product { id title } userErrors { field message } } }"
)
QUERY = "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }"


@dataclass
class FakeShop:
    """An `execute` that creates products, with an optional gate to hold it mid-run."""

    created: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None
    fail_on_title: str | None = None

    async def execute(self, variables: dict[str, Any]) -> dict[str, Any]:
        if self.gate is not None:
            await self.gate.wait()
        title = variables["input"]["title"]
        if title == self.fail_on_title:
            raise RuntimeError("resolver blew up")
        payload: dict[str, Any]
        if not title:
            payload = {"product": None, "userErrors": [{"field": ["title"], "message": "blank"}]}
        else:
            self.created.append(title)
            gid = f"gid://shopify/Product/{len(self.created)}"
            payload = {"product": {"id": gid, "title": title}, "userErrors": []}
        return {"data": {"productCreate": payload}, "extensions": {"cost": {"x": 1}}}


def write_jsonl(path: Path, titles: list[str]) -> Path:
    path.write_text("".join(json.dumps({"input": {"title": t}}) + "\n" for t in titles))
    return path


def make_manager(tmp_path: Path, **kwargs: Any) -> tuple[BulkOperationManager, list[BulkOperation]]:
    finished: list[BulkOperation] = []

    async def on_finish(operation: BulkOperation) -> None:
        finished.append(operation)

    manager = BulkOperationManager(
        tmp_path / "results", lambda: BASE, on_finish=on_finish, **kwargs
    )
    return manager, finished


def result_lines(manager: BulkOperationManager, url: str | None) -> list[dict[str, Any]]:
    assert url is not None and url.startswith(f"{BASE}/_bulk_results/")
    path = manager.results_dir / urlsplit(url).path.rsplit("/", 1)[1]
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_mutation_over_2000_lines(tmp_path: Path) -> None:
    manager, finished = make_manager(tmp_path)
    titles = [f"P{i}" if i % 500 else "" for i in range(2000)]
    upload = write_jsonl(tmp_path / "vars.jsonl", titles)
    shop = FakeShop()
    payload = await manager.run_mutation(MUTATION, "key", shop.execute, lambda key: upload)
    assert payload.user_errors == [] and payload.bulk_operation is not None
    created = payload.to_graphql()["bulkOperation"]
    assert created["status"] == "CREATED" and created["type"] == "MUTATION"
    assert created["id"].startswith("gid://shopify/BulkOperation/")

    operation = await manager.wait(payload.bulk_operation.id)
    assert operation.status == BulkOperationStatus.COMPLETED
    assert operation.object_count == 2000 and operation.completed_at is not None
    lines = result_lines(manager, operation.url)
    assert [line["__lineNumber"] for line in lines] == list(range(2000))
    assert lines[1]["data"]["productCreate"]["product"]["title"] == "P1"
    assert lines[500]["data"]["productCreate"]["userErrors"] == [
        {"field": ["title"], "message": "blank"}
    ]
    assert all("extensions" not in line for line in lines)
    assert operation.result_name is not None
    assert operation.file_size == (manager.results_dir / operation.result_name).stat().st_size
    assert len(shop.created) == 1996
    assert finished == [operation]
    assert manager.current("MUTATION") is operation
    assert manager.get(operation.id) is operation


async def test_unlimited_run_yields_to_the_event_loop(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    upload = write_jsonl(tmp_path / "vars.jsonl", [f"P{i}" for i in range(2000)])
    payload = await manager.run_mutation(MUTATION, "k", FakeShop().execute, lambda key: upload)
    assert payload.bulk_operation is not None
    seen: list[int] = []
    while payload.bulk_operation.active:
        await asyncio.sleep(0)
        seen.append(payload.bulk_operation.object_count)
    assert any(0 < count < 2000 for count in seen)


async def test_rate_limit_is_respected(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path, rate_per_second=100.0)
    upload = write_jsonl(tmp_path / "vars.jsonl", [f"P{i}" for i in range(30)])
    loop = asyncio.get_running_loop()
    started = loop.time()
    payload = await manager.run_mutation(MUTATION, "k", FakeShop().execute, lambda key: upload)
    assert payload.bulk_operation is not None
    await asyncio.sleep(0.1)
    elapsed = loop.time() - started
    assert payload.bulk_operation.object_count <= elapsed * 100 + 2
    manager.rate_per_second = None
    operation = await manager.wait(payload.bulk_operation.id)
    assert operation.object_count == 30


async def test_five_operations_at_a_time_per_shop_the_sixth_is_refused(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    upload = write_jsonl(tmp_path / "vars.jsonl", ["A", "B"])
    shop = FakeShop(gate=asyncio.Event())

    async def execute_all() -> dict[str, Any]:
        return {"data": {"products": {"edges": []}}}

    running = [
        await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
        for _ in range(4)
    ]
    query = await manager.run_query(QUERY, execute_all)  # queries and mutations share the five
    assert all(p.bulk_operation is not None for p in [*running, query])
    sixth_mutation = await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
    sixth_query = await manager.run_query(QUERY, execute_all)
    for refused in (sixth_mutation, sixth_query):
        assert refused.bulk_operation is None
        [error] = refused.user_errors
        assert error.code == "LIMIT_REACHED"
        assert error.message == "Bulk operations limit reached. Please try again later."
    assert query.bulk_operation is not None
    await manager.wait(query.bulk_operation.id)
    after_one_finished = await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
    assert after_one_finished.bulk_operation is not None
    shop.gate.set()  # type: ignore[union-attr]
    for payload in [*running, after_one_finished]:
        assert payload.bulk_operation is not None
        operation = await manager.wait(payload.bulk_operation.id)
        assert operation.status == BulkOperationStatus.COMPLETED


async def test_concurrent_mutations_write_their_results_in_input_order(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    uploads = [
        write_jsonl(tmp_path / f"vars{n}.jsonl", [f"op{n}-{i}" for i in range(300)])
        for n in range(3)
    ]
    shop = FakeShop()
    payloads = [
        await manager.run_mutation(MUTATION, "k", shop.execute, lambda key, u=upload: u)
        for upload in uploads
    ]
    for n, payload in enumerate(payloads):
        assert payload.bulk_operation is not None
        operation = await manager.wait(payload.bulk_operation.id)
        lines = result_lines(manager, operation.url)
        assert [line["__lineNumber"] for line in lines] == list(range(300))
        titles = [line["data"]["productCreate"]["product"]["title"] for line in lines]
        assert titles == [f"op{n}-{i}" for i in range(300)]


async def test_an_operation_waits_its_start_up_time_as_created(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path, startup_seconds=600)
    upload = write_jsonl(tmp_path / "vars.jsonl", ["A"])
    shop = FakeShop()
    payload = await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
    assert payload.bulk_operation is not None
    for _ in range(20):
        await asyncio.sleep(0)
    assert payload.bulk_operation.status == BulkOperationStatus.CREATED
    assert shop.created == []
    await manager.aclose()


async def test_held_operations_stay_created_until_released(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    manager.held = True
    upload = write_jsonl(tmp_path / "vars.jsonl", ["A"])
    shop = FakeShop()
    payload = await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
    assert payload.bulk_operation is not None
    for _ in range(20):
        await asyncio.sleep(0)
    assert payload.bulk_operation.status == BulkOperationStatus.CREATED
    assert shop.created == []
    manager.held = False
    operation = await manager.wait(payload.bulk_operation.id)
    assert (operation.status, shop.created) == (BulkOperationStatus.COMPLETED, ["A"])
    await manager.aclose()


async def test_cancel_stops_processing(tmp_path: Path) -> None:
    manager, finished = make_manager(tmp_path)
    upload = write_jsonl(tmp_path / "vars.jsonl", [f"P{i}" for i in range(100)])
    shop = FakeShop(gate=asyncio.Event())
    payload = await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
    assert payload.bulk_operation is not None
    op_id = payload.bulk_operation.id
    await asyncio.sleep(0)
    canceling = manager.cancel(op_id)
    assert canceling.user_errors == []
    assert canceling.to_graphql()["bulkOperation"]["status"] == "CANCELING"
    assert shop.gate is not None
    shop.gate.set()
    operation = await manager.wait(op_id)
    assert operation.status == BulkOperationStatus.CANCELED
    assert operation.object_count < 100 and len(shop.created) < 100
    assert operation.url is None
    assert finished == [operation]

    again = manager.cancel(op_id)
    assert again.user_errors[0].message == "A bulk operation cannot be canceled when it is canceled"
    assert manager.cancel("gid://shopify/BulkOperation/999").bulk_operation is None


async def test_mutation_user_errors(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    shop = FakeShop()
    good = write_jsonl(tmp_path / "good.jsonl", ["A"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": {"title": "A"}}\n{"input": \n')
    not_object = tmp_path / "list.jsonl"
    not_object.write_text("[1, 2]\n")

    def missing(key: str) -> Path:
        raise FileNotFoundError(key)

    cases = [
        (MUTATION, lambda key: bad, "INVALID_STAGED_UPLOAD_FILE"),
        (MUTATION, lambda key: not_object, "INVALID_STAGED_UPLOAD_FILE"),
        (MUTATION, missing, "NO_SUCH_FILE"),
        (MUTATION, lambda key: tmp_path / "nope.jsonl", "NO_SUCH_FILE"),
        ("mutation {", lambda key: good, "INVALID_MUTATION"),
        ("{ products { nodes { id } } }", lambda key: good, "INVALID_MUTATION"),
    ]
    for mutation, read_upload, code in cases:
        payload = await manager.run_mutation(mutation, "k", shop.execute, read_upload)
        assert payload.bulk_operation is None
        assert [e.code for e in payload.user_errors] == [code]
    assert manager.operations() == []


async def test_execute_exception_fails_with_partial_data(tmp_path: Path) -> None:
    manager, finished = make_manager(tmp_path)
    upload = write_jsonl(tmp_path / "vars.jsonl", ["A", "B", "C", "BOOM", "E"])
    shop = FakeShop(fail_on_title="BOOM")
    payload = await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
    assert payload.bulk_operation is not None
    operation = await manager.wait(payload.bulk_operation.id)
    assert operation.status == BulkOperationStatus.FAILED
    assert operation.error_code == "INTERNAL_SERVER_ERROR"
    assert operation.url is None
    assert [line["__lineNumber"] for line in result_lines(manager, operation.partial_data_url)] == [
        0,
        1,
        2,
    ]
    assert finished == [operation]


async def test_mutation_from_bytes_with_blank_lines(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    body = b'{"input":{"title":"A"}}\n\n{"input":{"title":"B"}}'
    payload = await manager.run_mutation(MUTATION, "k", FakeShop().execute, lambda key: body)
    assert payload.bulk_operation is not None
    operation = await manager.wait(payload.bulk_operation.id)
    assert [line["__lineNumber"] for line in result_lines(manager, operation.url)] == [0, 2]


async def test_query_flattens_and_counts(tmp_path: Path) -> None:
    manager, finished = make_manager(tmp_path)
    data = {
        "products": {
            "edges": [
                {
                    "node": {
                        "id": f"gid://shopify/Product/{p}",
                        "title": f"T{p}",
                        "variants": {
                            "edges": [
                                {"node": {"id": f"gid://shopify/ProductVariant/{p}{v}", "sku": "s"}}
                                for v in range(3)
                            ]
                        },
                    }
                }
                for p in range(1, 301)
            ]
        }
    }

    async def execute_all() -> dict[str, Any]:
        return {"data": data, "extensions": {"cost": {}}}

    payload = await manager.run_query(QUERY, execute_all)
    assert payload.bulk_operation is not None
    operation = await manager.wait(payload.bulk_operation.id)
    assert operation.status == BulkOperationStatus.COMPLETED
    assert (operation.object_count, operation.root_object_count) == (1200, 300)
    assert result_lines(manager, operation.url) == list(flatten_bulk_result(data))
    assert manager.current() is operation
    assert manager.current(BulkOperationType.MUTATION) is None
    assert finished == [operation]


async def test_query_failures_and_empty_results(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)

    async def denied() -> dict[str, Any]:
        return {
            "data": None,
            "errors": [{"message": "no", "extensions": {"code": "ACCESS_DENIED"}}],
        }

    async def empty() -> dict[str, Any]:
        return {"data": {"products": {"edges": []}}}

    invalid = await manager.run_query("{ shop { name } }", empty)
    assert [e.code for e in invalid.user_errors] == ["INVALID"]
    assert invalid.user_errors[0].field == ["query"]

    payload = await manager.run_query(QUERY, denied)
    assert payload.bulk_operation is not None
    operation = await manager.wait(payload.bulk_operation.id)
    assert (operation.status, operation.error_code) == ("FAILED", "ACCESS_DENIED")

    payload = await manager.run_query(QUERY, empty)
    assert payload.bulk_operation is not None
    operation = await manager.wait(payload.bulk_operation.id)
    assert operation.status == "COMPLETED"
    assert (operation.url, operation.file_size, operation.object_count) == (None, None, 0)


async def test_results_route_and_expiry(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    upload = write_jsonl(tmp_path / "vars.jsonl", ["A", "B"])
    payload = await manager.run_mutation(MUTATION, "k", FakeShop().execute, lambda key: upload)
    assert payload.bulk_operation is not None
    operation = await manager.wait(payload.bulk_operation.id)
    assert operation.url is not None
    app = Starlette(routes=manager.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.get(operation.url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/jsonl")
        assert [json.loads(x)["__lineNumber"] for x in response.text.splitlines()] == [0, 1]
        assert (await client.get("/_bulk_results/..%2Fvars.jsonl")).status_code == 404
        assert manager.expire(operation.id) is operation
        assert operation.status == BulkOperationStatus.EXPIRED and operation.url is None
        assert (await client.get(response.url)).status_code == 404


async def test_cancel_before_the_task_starts(tmp_path: Path) -> None:
    manager, _ = make_manager(tmp_path)
    upload = write_jsonl(tmp_path / "vars.jsonl", ["A", "B"])
    shop = FakeShop()
    payload = await manager.run_mutation(MUTATION, "k", shop.execute, lambda key: upload)
    assert payload.bulk_operation is not None
    manager.cancel(payload.bulk_operation.id)
    statuses = []
    while payload.bulk_operation.active:
        statuses.append(payload.bulk_operation.status)
        await asyncio.sleep(0)
    assert BulkOperationStatus.RUNNING not in statuses
    assert payload.bulk_operation.status == BulkOperationStatus.CANCELED
    assert shop.created == [] and payload.bulk_operation.object_count == 0


def _products(first: int, count: int) -> dict[str, Any]:
    nodes = [{"id": f"gid://shopify/Product/{p}"} for p in range(first, first + count)]
    return {"data": {"products": {"nodes": nodes}}}


async def test_queries_take_their_work_in_turn(tmp_path: Path) -> None:
    """The second query is not built before the first has written every line (the first
    completes first, its file ready while the next is built); it waits as CREATED."""
    manager, _ = make_manager(tmp_path)
    gate = asyncio.Event()
    calls: list[str] = []

    async def first_all() -> dict[str, Any]:
        calls.append("first")
        await gate.wait()
        return _products(1, 1000)

    async def second_all() -> dict[str, Any]:
        calls.append("second")
        return _products(2000, 10)

    first = (await manager.run_query(QUERY, first_all)).bulk_operation
    second = (await manager.run_query(QUERY, second_all)).bulk_operation
    assert first is not None and second is not None
    for _ in range(20):
        await asyncio.sleep(0)
    assert calls == ["first"]
    assert (first.status, second.status) == ("RUNNING", "CREATED")
    gate.set()
    await manager.wait(second.id)
    assert calls == ["first", "second"]
    assert first.completed_at is not None and second.completed_at is not None
    assert first.completed_at <= second.completed_at
    assert (first.object_count, second.object_count) == (1000, 10)


async def test_a_paced_query_gives_up_its_turn_once_built(tmp_path: Path) -> None:
    """With a line rate, the next query is built while the first one's lines are paced out."""
    manager, _ = make_manager(tmp_path, rate_per_second=200.0)
    built: list[str] = []
    both_built = asyncio.Event()

    def building(name: str, first: int) -> Any:
        async def execute_all() -> dict[str, Any]:
            built.append(name)
            if len(built) == 2:
                both_built.set()
            return _products(first, 40)

        return execute_all

    first = (await manager.run_query(QUERY, building("first", 1))).bulk_operation
    second = (await manager.run_query(QUERY, building("second", 100))).bulk_operation
    assert first is not None and second is not None
    await asyncio.wait_for(both_built.wait(), 5)
    assert first.status == "RUNNING"  # 40 lines at 200/s: still being paced out
    # Each paces its own lines: under load the second may finish first.
    await manager.wait(first.id)
    await manager.wait(second.id)
    assert (first.status, second.status) == ("COMPLETED", "COMPLETED")
