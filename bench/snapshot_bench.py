"""CPU of a product's sync snapshot (build, canonical JSON, stored form and hash), as a table.

What every push reads a product into (`load_push_items`) and every pull records as its base:
`SyncedSnapshot.of(product).stored_and_hash()`, over products of a few variants each holding
item fields (tracking, policy, weight), none of the fields added after unit pricing (the common
catalog: their `more` is left out). `--with-more` sets them (gift card template, subscription,
unit price display, per-country HS codes). Printed per round: products, wall and CPU seconds,
the machine's steal over the round, microseconds of CPU a product. Run it under two trees
(`PYTHONPATH=<tree>/src`) one after the other, alternated, to compare them.

    .venv/bin/python bench/snapshot_bench.py [--products 5000] [--variants 3] [--rounds 7]
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal
from typing import Any

from api_bench import cpu_seconds, steal_share
from product_dashboard.conflict.snapshot import SyncedSnapshot
from product_dashboard.shopify.mapping import SyncOption, SyncProduct, SyncVariant


def product(index: int, variants: int, more: bool) -> SyncProduct:
    sizes = [f"Size {n}" for n in range(variants)]
    extra: dict[str, Any] = {}
    if more:
        extra = {"show_unit_price": True, "province_code_of_origin": "QC"}
    made = [
        SyncVariant(
            f"T-{index}-{n}",
            None,
            1990,
            None,
            0,
            200,
            [size],
            taxable=True,
            requires_shipping=True,
            inventory_tracked=True,
            inventory_policy="DENY",
            weight_value=Decimal("0.2"),
            weight_unit="KILOGRAMS",
            **extra,
        )
        for n, size in enumerate(sizes)
    ]
    return SyncProduct(
        title=f"Tee {index}",
        handle=f"tee-{index}",
        description_html="<p>Soft</p>",
        vendor="V",
        product_type="T",
        status="active",
        tags=["cotton", "summer"],
        category_id=None,
        options=[SyncOption("Size", sizes)],
        variants=made,
        seo_title="Tee",
        gift_card=False,
        # Only when asked for: without, the bench runs on trees from before these fields.
        **(
            {"gift_card_template_suffix": "festive", "requires_selling_plan": False} if more else {}
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--with-more", action="store_true")
    args = parser.parse_args()
    products = [product(i, args.variants, args.with_more) for i in range(args.products)]
    print(
        f"{'round':>5} {'products':>8} {'wall s':>8} {'cpu s':>8} {'steal':>6} {'us/product':>10}"
    )
    best = float("inf")
    for round_ in range(1, args.rounds + 1):
        ticks, wall, cpu = cpu_seconds(), time.perf_counter(), time.process_time()
        for p in products:
            SyncedSnapshot.of(p).stored_and_hash()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        steal = steal_share(ticks, cpu_seconds())
        per = cpu / len(products) * 1e6
        best = min(best, per)
        shown = "-" if steal is None else f"{steal:.0%}"
        print(f"{round_:>5} {len(products):>8} {wall:>8.3f} {cpu:>8.3f} {shown:>6} {per:>10.2f}")
    print(f"best {best:.2f} us of CPU a product")


if __name__ == "__main__":
    main()
