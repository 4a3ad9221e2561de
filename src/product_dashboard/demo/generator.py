"""Generate a realistic demo catalog as plain row dicts, deterministically from a seed.

Rows come in chunks ready for SQLAlchemy Core `insert()` executemany: ids are assigned here (from
`IdStart`), so products, options, variants and tags can be inserted without round trips.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from product_dashboard.demo.vocabulary import (
    ADJECTIVES,
    COMMON_TAGS,
    PRODUCT_TYPES,
    VENDORS,
    OptionSpec,
    ProductTypeSpec,
)
from product_dashboard.models.inventory import WeightUnit
from product_dashboard.product.search_index import build_search_text

T = TypeVar("T")

MAX_VARIANTS = 12
SINGLE_VARIANT_SHARE = 0.12
COMPARE_AT_SHARE = 0.2
OUT_OF_STOCK_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class _Weighted:
    values: tuple[Any, ...]
    cumulative: tuple[float, ...]  # upper bounds in [0, 1), last one omitted


def _weighted(*pairs: tuple[Any, float]) -> _Weighted:
    values = tuple(v for v, _ in pairs)
    bounds = tuple(itertools.accumulate(w for _, w in pairs))
    return _Weighted(values, tuple(b / bounds[-1] for b in bounds[:-1]))


STATUS_WEIGHTS = _weighted(("active", 0.78), ("draft", 0.18), ("archived", 0.04))
PRICE_ENDINGS = _weighted((99, 0.6), (95, 0.2), (0, 0.2))
# How many options a product has, given how many its type offers (1, 2 or 3).
OPTION_COUNT_WEIGHTS = tuple(
    _weighted(*zip(range(n), (3, 5, 2)[:n], strict=True)).cumulative for n in (1, 2, 3)
)
# Options whose values have a natural order: pick a contiguous run, and bigger costs more.
ORDERED_OPTIONS = frozenset({"Size", "Waist", "Length", "Weight", "Capacity", "Thickness", "Pack"})
DEFAULT_OPTION = OptionSpec("Title", ("Default Title",))
CATALOG_AGE = timedelta(days=365)

_SENTENCES = (
    "Our {adj} {noun} is made from {material} and built to be worn, used and loved for years.",
    "A {adj_lower} take on the {noun_lower}, in {material_lower}, designed by {vendor}.",
    "{vendor} made this {noun_lower} in {material_lower} for people who notice the details.",
    "Meet the {adj} {noun}: {material_lower}, thoughtfully finished, easy to love.",
)
_FEATURES = (
    "Responsibly sourced materials",
    "Backed by a 2-year warranty",
    "Ships in plastic-free packaging",
    "Designed in small batches",
    "Free returns within 30 days",
    "Made to last, easy to repair",
)
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


@dataclass(slots=True)
class IdStart:
    """The next free id of each table."""

    product: int = 1
    option: int = 1
    variant: int = 1
    tag: int = 1


PRODUCT_COLUMNS = (
    "id",
    "title",
    "handle",
    "description_html",
    "vendor",
    "product_type",
    "category_name",
    "status",
    "price_min_cents",
    "price_max_cents",
    "total_inventory",
    "search_text",
    "version",
    "open_conflicts",
    "created_at",
    "updated_at",
)
OPTION_COLUMNS = ("id", "product_id", "position", "name", "values")
VARIANT_COLUMNS = (
    "id",
    "product_id",
    "position",
    "title",
    "sku",
    "barcode",
    "price_cents",
    "compare_at_price_cents",
    "inventory_quantity",
    "weight_value",
    "weight_unit",
    "option1",
    "option2",
    "option3",
)
TAG_COLUMNS = ("id", "product_id", "position", "name", "tag_key")


@dataclass(slots=True)
class DemoCatalog:
    """One chunk of rows: tuples in the order of the matching `*_COLUMNS`.

    Rows are tuples, not dicts, because a 100k catalog is about a million of them. Option values
    are lists and product timestamps aware datetimes; the loader encodes them for its database.
    """

    products: list[tuple[Any, ...]] = field(default_factory=list)
    options: list[tuple[Any, ...]] = field(default_factory=list)
    variants: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)

    def as_dicts(self, table: str) -> list[dict[str, Any]]:
        """Rows of `table` ("products", "options", "variants", "tags") keyed by column name."""
        columns = {
            "products": PRODUCT_COLUMNS,
            "options": OPTION_COLUMNS,
            "variants": VARIANT_COLUMNS,
            "tags": TAG_COLUMNS,
        }[table]
        return [dict(zip(columns, row, strict=True)) for row in getattr(self, table)]


def slugify(text: str) -> str:
    return _SLUG_JUNK.sub("-", text.lower()).strip("-")


def ean13(number: int) -> str:
    """A valid EAN-13 in the in-store range (prefix 20) made from `number`."""
    body = f"20{number % 10**10:010d}"
    digits = body.encode()  # ASCII codes: subtract 48 per digit, done in bulk below
    total = sum(digits[0::2]) + 3 * sum(digits[1::2]) - 48 * (6 + 3 * 6)
    return body + str(-total % 10)


class _HandleAllocator:
    """Shopify-style handles: the title's slug, then `-2`, `-3`... when already taken."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.next_suffix: dict[str, int] = {}

    def allocate(self, title: str) -> str:
        base = slugify(title) or "product"
        suffix = self.next_suffix.get(base, 1)
        handle = base if suffix == 1 else f"{base}-{suffix}"
        while handle in self.taken:
            suffix += 1
            handle = f"{base}-{suffix}"
        self.next_suffix[base] = suffix + 1
        self.taken.add(handle)
        return handle


class CatalogGenerator:
    """Makes products one by one from a seeded random source."""

    def __init__(
        self,
        seed: int,
        ids: IdStart,
        now: datetime,
        taken_handles: set[str] | None = None,
        taken_skus: set[str] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.ids = ids
        self.now = now
        self.handles = _HandleAllocator(taken_handles if taken_handles is not None else set())
        self.taken_skus = taken_skus or set()

    def _below(self, n: int) -> int:
        """A random int in [0, n): `random()` is several times cheaper than `randrange()`."""
        return int(self.rng.random() * n)

    def _pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def _distinct(self, n: int, k: int) -> list[int]:
        """`k` distinct indices below `n`, ascending (k is small here, so rejection is cheap)."""
        picked: set[int] = set()
        while len(picked) < k:
            picked.add(int(self.rng.random() * n))
        return sorted(picked)

    def _weighted(self, choices: _Weighted) -> Any:
        return choices.values[bisect.bisect(choices.cumulative, self.rng.random())]

    def _end_price(self, cents: float, ending: int) -> int:
        dollars = max(1, round(cents / 100))
        return dollars * 100 if ending == 0 else dollars * 100 - (100 - ending)

    def _pick_options(self, spec: ProductTypeSpec) -> list[tuple[OptionSpec, list[str]]]:
        if self.rng.random() < SINGLE_VARIANT_SHARE:
            return [(DEFAULT_OPTION, list(DEFAULT_OPTION.values))]
        available = len(spec.options)
        count = bisect.bisect(OPTION_COUNT_WEIGHTS[available - 1], self.rng.random()) + 1
        chosen = self._distinct(available, count)
        picked: list[tuple[OptionSpec, list[str]]] = []
        room = MAX_VARIANTS
        for position, index in enumerate(chosen):
            option = spec.options[index]
            later = len(chosen) - position - 1
            most = min(len(option.values), room // (2**later), 4 if later else MAX_VARIANTS)
            least = min(2, most)
            n = least + self._below(most - least + 1)
            if option.name in ORDERED_OPTIONS:
                start = self._below(len(option.values) - n + 1)
                values = list(option.values[start : start + n])
            else:
                values = [option.values[i] for i in self._distinct(len(option.values), n)]
            picked.append((option, values))
            room //= n
        return picked

    def _tags(self, spec: ProductTypeSpec, material: str) -> list[str]:
        type_tags = self._distinct(len(spec.tags), 1 + self._below(min(2, len(spec.tags))))
        common = self._distinct(len(COMMON_TAGS), self._below(4))
        tags = [spec.tags[i] for i in type_tags] + [COMMON_TAGS[i] for i in common]
        if self.rng.random() < 0.3:
            tags.append(material.lower())
        unique: dict[str, str] = {}
        for tag in tags:
            unique.setdefault(tag.lower(), tag)
        return list(unique.values())

    def _description(self, adj: str, noun: str, material: str, vendor: str) -> str:
        sentence = self._pick(_SENTENCES).format(
            adj=adj,
            adj_lower=adj.lower(),
            noun=noun,
            noun_lower=noun.lower(),
            material=material,
            material_lower=material.lower(),
            vendor=vendor,
        )
        features = "".join(f"<li>{_FEATURES[i]}</li>" for i in self._distinct(len(_FEATURES), 2))
        return f"<p>{sentence}</p><ul><li><strong>Material:</strong> {material}</li>{features}</ul>"

    def _variants(
        self,
        out: DemoCatalog,
        spec: ProductTypeSpec,
        product_id: int,
        options: list[tuple[OptionSpec, list[str]]],
        ending: int,
        base_cents: int,
        markup: float | None,
        weight: int,
    ) -> tuple[list[int], list[str | None], int]:
        """One variant per combination of option values; returns prices, SKUs, inventory."""
        random_ = self.rng.random
        end_price = self._end_price
        append = out.variants.append
        taken = self.taken_skus
        value_lists = [values for _, values in options]
        # Ordered options (sizes, weights...) make a variant dearer and heavier the further along.
        step_lists = [
            range(len(values)) if option.name in ORDERED_OPTIONS else [0] * len(values)
            for option, values in options
        ]
        sku_prefix = f"{spec.code}-{product_id:06d}-"
        prices: list[int] = []
        skus: list[str | None] = []
        inventory = 0
        variant_id = self.ids.variant
        combos = zip(itertools.product(*value_lists), itertools.product(*step_lists), strict=True)
        for position, (combo, steps) in enumerate(combos, start=1):
            step = sum(steps)
            price = end_price(base_cents * (1 + 0.15 * step), ending)
            compare_at = (
                None if markup is None else max(end_price(price * markup, ending), price + 100)
            )
            quantity = 0 if random_() < OUT_OF_STOCK_SHARE else 1 + int(random_() * 250)
            sku = f"{sku_prefix}{position:02d}"
            while taken and sku in taken:
                sku += "X"
            size = len(combo)
            append(
                (
                    variant_id,
                    product_id,
                    position,
                    " / ".join(combo),
                    sku,
                    ean13(variant_id),
                    price,
                    compare_at,
                    quantity,
                    round(weight * (1 + 0.1 * step)),
                    WeightUnit.grams.value,
                    combo[0],
                    combo[1] if size > 1 else None,
                    combo[2] if size > 2 else None,
                )
            )
            variant_id += 1
            prices.append(price)
            skus.append(sku)
            inventory += quantity
        self.ids.variant = variant_id
        return prices, skus, inventory

    def product(self, out: DemoCatalog) -> None:
        rng = self.rng
        random_ = rng.random
        pick = self._pick
        spec = pick(PRODUCT_TYPES)
        adj, noun, material = pick(ADJECTIVES), pick(spec.nouns), pick(spec.materials)
        vendor = pick(VENDORS)
        title = f"{adj} {material} {noun}"
        product_id = self.ids.product
        self.ids.product += 1

        ending = self._weighted(PRICE_ENDINGS)
        low, high = spec.price_range
        base_cents = (low + int(random_() * (high - low + 1))) * 100
        on_sale = random_() < COMPARE_AT_SHARE
        markup = 1.15 + 0.45 * random_()
        weight = spec.weight_range[0] + int(
            random_() * (spec.weight_range[1] - spec.weight_range[0])
        )

        options = self._pick_options(spec)
        for position, (option, values) in enumerate(options, start=1):
            out.options.append((self.ids.option, product_id, position, option.name, values))
            self.ids.option += 1

        prices, skus, inventory = self._variants(
            out, spec, product_id, options, ending, base_cents, markup if on_sale else None, weight
        )

        tags = self._tags(spec, material)
        for position, tag in enumerate(tags, start=1):
            out.tags.append((self.ids.tag, product_id, position, tag, tag.lower()))
            self.ids.tag += 1

        created = self.now - CATALOG_AGE * random_()
        updated = created + (self.now - created) * random_()
        out.products.append(
            (
                product_id,
                title,
                self.handles.allocate(title),
                self._description(adj, noun, material, vendor),
                vendor,
                spec.name,
                spec.category,
                self._weighted(STATUS_WEIGHTS),
                min(prices),
                max(prices),
                inventory,
                build_search_text(title, vendor, spec.name, tags, skus),
                1,
                0,
                created,
                updated,
            )
        )


def generate_catalog(
    count: int,
    *,
    seed: int,
    now: datetime,
    ids: IdStart | None = None,
    chunk_size: int = 2000,
    taken_handles: set[str] | None = None,
    taken_skus: set[str] | None = None,
) -> Iterator[DemoCatalog]:
    """Yield `count` products (with options, variants, tags) in chunks of `chunk_size`."""
    generator = CatalogGenerator(seed, ids or IdStart(), now, taken_handles, taken_skus)
    remaining = count
    while remaining > 0:
        chunk = DemoCatalog()
        for _ in range(min(chunk_size, remaining)):
            generator.product(chunk)
        remaining -= len(chunk.products)
        yield chunk
