"""Which stored variant a variant given by a request or a file is: by id, else by option values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from product_dashboard.models import Product, ProductVariant


@dataclass(frozen=True)
class StoredVariants:
    """A product's variants by id and by option values, and its images' src by id, read once per
    product, not once per variant given (2,048 variants: 2 million comparisons)."""

    by_id: dict[int, ProductVariant]
    by_values: dict[tuple[str, ...], ProductVariant]
    images: dict[int, str]

    @classmethod
    def of(cls, product: Product) -> StoredVariants:
        by_values: dict[tuple[str, ...], ProductVariant] = {}
        for variant in product.variants:
            by_values.setdefault(tuple(variant.option_values), variant)
        return cls(
            {variant.id: variant for variant in product.variants},
            by_values,
            {image.id: image.src for image in product.images},
        )

    def matching(self, id: int | None, option_values: Sequence[str]) -> ProductVariant | None:
        """The stored variant of that id, else the one of those option values (an id of another
        product is no match: the caller refuses it or has dropped it)."""
        by_id = self.by_id.get(id) if id is not None else None
        return by_id or self.by_values.get(tuple(value.strip() for value in option_values))
