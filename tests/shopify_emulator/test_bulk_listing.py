"""`bulkOperations(query:)` and `bulkOperation(id:)`, which replace currentBulkOperation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

RUN_QUERY = (
    'mutation { bulkOperationRunQuery(query: """{ products { edges { node { id } } } }""") '
    "{ bulkOperation { id status } userErrors { field message code } } }"
)
ONE = "query one($id: ID!) { bulkOperation(id: $id) { id type status rootObjectCount } }"
LIST = """
query list($query: String, $reverse: Boolean, $sortKey: BulkOperationsSortKeys) {
  bulkOperations(first: 250, query: $query, reverse: $reverse, sortKey: $sortKey) {
    nodes { id type status }
    pageInfo { hasNextPage }
  }
}
"""


def _finished_queries(emulator: Emulator, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        run = emulator.data(RUN_QUERY)["bulkOperationRunQuery"]
        assert run["userErrors"] == []
        ids.append(run["bulkOperation"]["id"])
    for operation_id in ids:
        wait_for(
            lambda i=operation_id: (
                emulator.data(ONE, {"id": i})["bulkOperation"]["status"] == "COMPLETED"
            )
        )
    return ids


def _listed(emulator: Emulator, **variables: Any) -> list[str]:
    page = emulator.data(LIST, variables)["bulkOperations"]
    return [node["id"] for node in page["nodes"]]


def test_bulk_operation_by_id(emulator: Emulator) -> None:
    emulator.knob("seed", {"products": 3, "seed": 1})
    [operation_id] = _finished_queries(emulator, 1)
    found = emulator.data(ONE, {"id": operation_id})["bulkOperation"]
    assert found == {
        "id": operation_id,
        "type": "QUERY",
        "status": "COMPLETED",
        "rootObjectCount": "3",  # UnsignedInt64 is a string on the wire
    }
    assert emulator.data(ONE, {"id": "gid://shopify/BulkOperation/999999"})["bulkOperation"] is None


def test_bulk_operations_newest_first_and_filtered(emulator: Emulator) -> None:
    emulator.knob("seed", {"products": 2, "seed": 1})
    ids = _finished_queries(emulator, 2)
    first, second = ids
    assert _listed(emulator)[:2] == [second, first]
    assert _listed(emulator, reverse=True)[-2:] == [first, second]
    assert {first, second} <= set(_listed(emulator, query="status:completed"))
    assert {first, second} <= set(_listed(emulator, query="operation_type:query"))
    assert first not in _listed(emulator, query="operation_type:mutation")
    running = "status:created OR status:running OR status:canceling"
    assert first not in _listed(emulator, query=running)
    number = first.rsplit("/", 1)[1]
    assert _listed(emulator, query=f"id:{number}") == [first]
    # Both ran side by side (five slots): either may complete first.
    done = "query done($id: ID!) { bulkOperation(id: $id) { completedAt } }"
    finished = {i: emulator.data(done, {"id": i})["bulkOperation"]["completedAt"] for i in ids}
    latest_first = sorted(ids, key=lambda i: (finished[i], int(i.rsplit("/", 1)[1])), reverse=True)
    assert _listed(emulator, sortKey="COMPLETED_AT")[:2] == latest_first
