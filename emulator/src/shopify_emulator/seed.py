"""Realistic demo catalog generation, fast enough for tens of thousands of products."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from shopify_emulator.catalog.taxonomy import known_category_keys
from shopify_emulator.clock import utc_now
from shopify_emulator.inventory import stock_everywhere
from shopify_emulator.models import (
    Collection,
    CollectionRule,
    Media,
    OptionValue,
    Product,
    ProductOption,
    RuleSet,
    Variant,
)
from shopify_emulator.store import Store

_ADJECTIVES = [
    "Classic",
    "Organic",
    "Vintage",
    "Everyday",
    "Premium",
    "Lightweight",
    "Rustic",
    "Modern",
    "Handmade",
    "Recycled",
    "Cozy",
    "Bold",
    "Minimal",
    "Heritage",
    "Urban",
]
_NOUNS = {
    "T-Shirts": ["Tee", "Crew Neck Tee", "Pocket Tee", "V-Neck"],
    "Sweaters": ["Sweater", "Cardigan", "Knit Pullover"],
    "Mugs": ["Mug", "Travel Mug", "Espresso Cup"],
    "Coffee": ["Coffee Beans", "Espresso Roast", "Cold Brew Blend"],
    "Bags": ["Tote Bag", "Backpack", "Duffel"],
    "Candles": ["Candle", "Soy Candle", "Tealight Set"],
}
_CATEGORY_FOR_TYPE = {
    "T-Shirts": "aa-1-13-8",
    "Sweaters": "aa-1-13-7",
    "Mugs": "hg-11-10",
    "Coffee": "fb-1-3",
    "Bags": "aa-2",
    "Candles": "hg-3",
}
_VENDORS = ["Acme", "Northwind", "Blue Harbor", "Maple & Co", "Studio Nine", "Fieldhouse"]
_TAGS = ["summer", "winter", "sale", "new", "bestseller", "eco", "gift", "limited", "cotton"]
_SIZES = ["XS", "S", "M", "L", "XL"]
_COLORS = ["Black", "White", "Navy", "Olive", "Sand", "Red"]


def _variant(
    store: Store,
    product: Product,
    values: list[str],
    position: int,
    rng: random.Random,
    base: Decimal,
    now: object,
) -> Variant:
    price = base + Decimal(rng.choice([0, 0, 2, 5]))
    reduced = rng.random() < 0.2
    sku = "-".join([product.handle[:12].upper(), *(v[:3].upper() for v in values)])
    variant = Variant(
        id=store.ids.next(),
        product_id=product.id,
        inventory_item_id=store.ids.next(),
        title=" / ".join(values),
        option_values=values,
        price=price,
        compare_at_price=(price + Decimal("10.00")) if reduced else None,
        created_at=product.created_at,
        updated_at=product.updated_at,
        position=position,
        sku=sku,
        barcode=str(rng.randint(10**11, 10**12 - 1)),
        inventory_quantity=rng.randint(0, 120),
        weight=round(rng.uniform(0.1, 2.5), 2),
    )
    if len(store.locations) > 1:
        elsewhere = [rng.randint(0, 60) for _ in range(len(store.locations) - 1)]
        stock_everywhere(store, variant, [variant.inventory_quantity, *elsewhere])
    return variant


def seed_products(store: Store, count: int, seed: int | None = None) -> list[Product]:
    """Add `count` products (1-6 variants each) without firing change events; with several
    locations (`Store.ensure_locations`), each variant is stocked at every one of them."""
    rng = random.Random(seed)
    now = utc_now()
    listeners, store.listeners = store.listeners, []
    created: list[Product] = []
    try:
        for _ in range(count):
            product_type = rng.choice(list(_NOUNS))
            title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS[product_type])}"
            stamp = now - timedelta(days=rng.randint(1, 400), seconds=rng.randint(0, 86399))
            product = Product(
                id=store.ids.next(),
                title=title,
                handle=store.free_product_handle(title),
                created_at=stamp,
                updated_at=stamp,
                description_html=f"<p>{title} by our friends. Made to last.</p>",
                vendor=rng.choice(_VENDORS),
                product_type=product_type,
                status=rng.choices(["ACTIVE", "DRAFT", "ARCHIVED"], [85, 10, 5])[0],
                tags=sorted(rng.sample(_TAGS, rng.randint(0, 3))),
                category_id=_CATEGORY_FOR_TYPE.get(product_type, rng.choice(known_category_keys())),
            )
            product.published_at = stamp if product.status == "ACTIVE" else None
            base = Decimal(rng.choice([12, 18, 24, 29, 35, 49, 65])) + Decimal("0.99")
            if product_type in ("T-Shirts", "Sweaters"):
                sizes = _SIZES[rng.randint(0, 2) : rng.randint(3, 5)]
                colors = rng.sample(_COLORS, rng.randint(1, 2))
                product.options = [
                    ProductOption(
                        store.ids.next(),
                        "Size",
                        1,
                        [OptionValue(store.ids.next(), s) for s in sizes],
                    ),
                    ProductOption(
                        store.ids.next(),
                        "Color",
                        2,
                        [OptionValue(store.ids.next(), c) for c in colors],
                    ),
                ]
                combos = [[s, c] for c in colors for s in sizes][:6]
            else:
                product.options = [
                    ProductOption(
                        store.ids.next(),
                        "Title",
                        1,
                        [OptionValue(store.ids.next(), "Default Title")],
                    )
                ]
                combos = [["Default Title"]]
            product.variants = [
                _variant(store, product, combo, i + 1, rng, base, now)
                for i, combo in enumerate(combos)
            ]
            if rng.random() < 0.7:
                product.media = [
                    Media(
                        id=store.ids.next(),
                        image_id=store.ids.next(),
                        url=f"https://cdn.shopify.com/s/files/1/emulator/{product.handle}.jpg",
                        alt=title,
                        created_at=stamp,
                        updated_at=stamp,
                        mime_type="image/jpeg",
                        width=1024,
                        height=1024,
                    )
                ]
            store.save_product(product, created=True)
            created.append(product)
    finally:
        store.listeners = listeners
    return created


def seed_collections(store: Store, seed: int | None = None) -> list[Collection]:
    """A few smart collections (by type, tag, price) and one manual collection."""
    rng = random.Random(seed)
    now = utc_now()
    specs: list[tuple[str, RuleSet | None]] = [
        ("T-Shirts", RuleSet(False, [CollectionRule("TYPE", "EQUALS", "T-Shirts")])),
        ("On Sale", RuleSet(False, [CollectionRule("IS_PRICE_REDUCED", "IS_SET", "true")])),
        ("Under $25", RuleSet(False, [CollectionRule("VARIANT_PRICE", "LESS_THAN", "25")])),
        (
            "Gifts",
            RuleSet(
                True,
                [
                    CollectionRule("TAG", "EQUALS", "gift"),
                    CollectionRule("TYPE", "EQUALS", "Candles"),
                ],
            ),
        ),
        ("Staff Picks", None),
    ]
    listeners, store.listeners = store.listeners, []
    created: list[Collection] = []
    try:
        for title, rule_set in specs:
            collection = Collection(
                id=store.ids.next(),
                title=title,
                handle=store.free_collection_handle(title),
                created_at=now,
                updated_at=now,
                rule_set=rule_set,
            )
            if rule_set is None:
                pool = list(store.products)
                collection.product_ids = rng.sample(pool, min(8, len(pool)))
                collection.sort_order = "MANUAL"
            store.save_collection(collection, created=True)
            created.append(collection)
    finally:
        store.listeners = listeners
    return created
