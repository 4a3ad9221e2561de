"""What an icon is made from, and what every icon generator promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from product_dashboard.models import Product

ICON_SIZE = 512
THUMB_SIZE = 128


@dataclass(frozen=True, slots=True)
class IconSubject:
    """The product facts an icon depends on (and nothing else, so equal subjects, equal icons)."""

    title: str
    product_type: str = ""
    vendor: str = ""
    category: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_product(cls, product: Product, tags: list[str] | None = None) -> IconSubject:
        return cls(
            title=product.title,
            product_type=product.product_type or "",
            vendor=product.vendor or "",
            category=product.category_name or "",
            tags=tuple(tags or ()),
        )


class IconGenerator(Protocol):
    """Draws one square RGBA icon of ICON_SIZE pixels for a subject."""

    name: str

    async def generate(self, subject: IconSubject) -> Image.Image: ...
