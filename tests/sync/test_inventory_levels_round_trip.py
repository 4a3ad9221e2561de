"""Stock of 0 and below at each of two locations: pulled as it is (0 is a number, not "unknown";
an oversold -5 stays -5), a push with no edit sends nothing, an edit at one level moves that
level alone. Against the emulator over loopback HTTP."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, dialect_of, push
from tests.sync.test_inventory_locations import (
    item_of,
    local_levels,
    set_local,
    shopify_levels,
)
from tests.sync.test_push_inventory import _graphql, pull_all

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

SET = (
    "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
    "{ userErrors { code message } } }"
)


def set_in_store(emulator: Emulator, levels: dict[tuple[str, str], int]) -> None:
    quantities = [
        {
            "inventoryItemId": item_of(emulator, variant),
            "locationId": location,
            "quantity": quantity,
            "changeFromQuantity": None,
        }
        for (variant, location), quantity in levels.items()
    ]
    body = {"name": "available", "reason": "correction", "quantities": quantities}
    result = _graphql(emulator, SET, {"input": body})
    assert result["inventorySetQuantities"]["userErrors"] == []


async def test_zero_and_negative_levels_pull_exactly_and_push_only_an_edit(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    seeded = emulator.knob("seed", {"products": 2, "seed": 3, "locations": 2})
    primary, warehouse = seeded["locations"]
    keys = sorted(shopify_levels(emulator))
    awkward = {key: [0, -5, 0, -1, 7, -2_000_000][n % 6] for n, key in enumerate(keys)}
    set_in_store(emulator, awkward)
    remote = shopify_levels(emulator)
    assert remote == awkward and {loc for _, loc in remote} == {primary, warehouse}

    await pull_all(sessionmaker, emulator)
    assert await local_levels(sessionmaker) == remote
    dialect = dialect_of(app)
    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect)
    assert (report.failed, report.inventory and report.inventory["sent"]) == (0, 0)
    assert shopify_levels(emulator) == remote

    edited = keys[1]  # -5 here, oversold further
    await set_local(sessionmaker, edited, -6)
    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect)
    assert report.inventory is not None and report.inventory["sent"] == 1, report
    assert shopify_levels(emulator) == {**remote, edited: -6}
