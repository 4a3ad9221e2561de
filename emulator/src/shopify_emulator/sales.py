"""Simulated sales: orders that take stock at a given rate, so Shopify changes quantities under
a sync as it does in a real store.

Each order takes one unit of a random variant at a random location where it has stock (so sales
spread over the shop's locations), through the same compare-and-set write as
`inventorySetQuantities` (so its `inventory_levels/update` and `products/update`
webhooks go out like any other change), and is logged with the quantity it left. `POST
/_emulator/sales {"orders_per_second": 5, "seed": 1}` starts them (0 stops); `GET` reads the log.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from shopify_emulator.catalog.inventory import set_quantities
from shopify_emulator.clock import utc_now
from shopify_emulator.gid import make_gid
from shopify_emulator.inventory import available_at, stocked_at
from shopify_emulator.state import EmulatorState


@dataclass(frozen=True, slots=True)
class Sale:
    sequence: int
    variant_id: str
    inventory_item_id: str
    location_id: str
    units: int
    quantity_after: int
    at: str


class SalesSimulator:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.orders_per_second = 0.0
        self.log: list[Sale] = []
        self._rng = random.Random(0)
        self._generation = 0

    def start(self, orders_per_second: float, seed: int | None = None) -> None:
        self._generation += 1
        self.orders_per_second = orders_per_second
        if seed is not None:
            self._rng = random.Random(seed)
        if orders_per_second > 0:
            self._schedule(self._generation)

    def stop(self) -> None:
        self.start(0)

    def reset(self) -> None:
        self.stop()
        self.log.clear()

    def _schedule(self, generation: int) -> None:
        self.state.schedule(1 / self.orders_per_second, lambda: self._tick(generation))

    def _tick(self, generation: int) -> None:
        if generation != self._generation:
            return  # stopped or restarted meanwhile
        try:
            self.sell_one()
        finally:
            self._schedule(generation)

    def sell_one(self) -> Sale | None:
        store = self.state.store
        in_stock = [
            (variant, location, before)
            for variant in store.variants.values()
            for location in stocked_at(store, variant)
            if (before := available_at(store, variant, location) or 0) > 0
        ]
        if not in_stock:
            return None
        variant, location, before = self._rng.choice(in_stock)
        item = make_gid("InventoryItem", variant.inventory_item_id)
        _group, errors = set_quantities(
            store,
            {
                "name": "available",
                "reason": "other",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": make_gid("Location", location),
                        "quantity": before - 1,
                        "changeFromQuantity": before,
                    }
                ],
            },
        )
        if errors:
            return None
        sale = Sale(
            sequence=len(self.log) + 1,
            variant_id=make_gid("ProductVariant", variant.id),
            inventory_item_id=item,
            location_id=make_gid("Location", location),
            units=1,
            quantity_after=before - 1,
            at=utc_now().isoformat(),
        )
        self.log.append(sale)
        return sale

    def view(self) -> dict[str, Any]:
        return {
            "orders_per_second": self.orders_per_second,
            "orders": len(self.log),
            "log": [asdict(sale) for sale in self.log],
        }
