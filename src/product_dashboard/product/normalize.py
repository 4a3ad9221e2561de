"""Turn a create/update request into a valid product shape, or say precisely what is wrong.

The checks are Shopify's: at most 3 options and 2,048 variants, each variant's option values
matching the options, no two variants with the same values, tags without duplicates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import nh3
from slugify import slugify

from product_dashboard.exceptions import Unprocessable
from product_dashboard.kit.money import to_cents
from product_dashboard.kit.values import value_class
from product_dashboard.product.schemas import ImageIn, OptionIn, VariantIn

# Lowercase letters of any script, digits and single hyphens: every handle Shopify accepts
# ("blue-t-shirt", "nhẫn-1").
HANDLE_PATTERN = re.compile(r"^[^\W_]+(?:-[^\W_]+)*$")
DEFAULT_VARIANT_TITLE = "Default Title"


@dataclass
class FieldErrors:
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, loc: list[str | int], msg: str) -> None:
        self.errors.append({"loc": ["body", *loc], "msg": msg})

    def raise_if_any(self, summary: str = "The product is not valid.") -> None:
        if self.errors:
            detail = (
                summary
                + " "
                + "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in self.errors[:5]
                )
            )
            raise Unprocessable(detail, fields=self.errors)


@value_class(slots=True)
class NormalOption:
    name: str
    values: list[str]


@value_class(slots=True)
class NormalVariant:
    id: int | None
    sku: str | None
    barcode: str | None
    price_cents: int
    compare_at_price_cents: int | None
    inventory_quantity: int
    weight_grams: int | None
    option_values: tuple[str, ...]
    given: VariantIn
    """The request's variant, for the fields taken as given (tax, shipping, image, metafields)."""
    extra_columns: dict[str, str] | None = None

    @property
    def title(self) -> str:
        return " / ".join(self.option_values) or DEFAULT_VARIANT_TITLE


def sanitize_html(html: str) -> str:
    """Keep formatting markup; drop scripts, event handlers and javascript: URLs."""
    return nh3.clean(html, link_rel="noopener noreferrer nofollow")


def normalize_tags(tags: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for tag in (t.strip() for t in tags):
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            result.append(tag)
    return result


def handle_from_title(title: str) -> str:
    return slugify(title, max_length=200, word_boundary=True) or "product"


def check_handle(handle: str, errors: FieldErrors) -> str:
    handle = unicodedata.normalize("NFC", handle.strip().lower())
    if not HANDLE_PATTERN.fullmatch(handle):
        errors.add(
            ["handle"], "use lowercase letters, digits and single hyphens (like 'blue-t-shirt')"
        )
    return handle


def normalize_options_and_variants(
    options: list[OptionIn], variants: list[VariantIn], errors: FieldErrors
) -> tuple[list[NormalOption], list[NormalVariant]]:
    names = [o.name.strip() for o in options]
    if len({n.lower() for n in names}) != len(names):
        errors.add(["options"], "option names must be unique")
    if not variants:
        errors.add(["variants"], "a product needs at least one variant")
    if not options and len(variants) > 1:
        errors.add(["variants"], "a product without options has exactly one variant")

    derived: list[list[str]] = [list(dict.fromkeys(o.values)) for o in options]
    explicit = [bool(o.values) for o in options]
    normal_variants: list[NormalVariant] = []
    seen_combinations: dict[tuple[str, ...], int] = {}
    for index, variant in enumerate(variants):
        values = tuple(v.strip() for v in variant.option_values)
        if len(values) != len(options):
            errors.add(
                ["variants", index, "option_values"],
                f"needs {len(options)} value(s), one per option ({', '.join(names) or 'none'})",
            )
        for position, value in enumerate(values[: len(options)]):
            if explicit[position] and value not in derived[position]:
                errors.add(
                    ["variants", index, "option_values", position],
                    f"'{value}' is not a value of option '{names[position]}'",
                )
            elif not explicit[position] and value not in derived[position]:
                derived[position].append(value)
        if values in seen_combinations:
            errors.add(
                ["variants", index, "option_values"],
                f"duplicates variant {seen_combinations[values]} ({' / '.join(values)})",
            )
        seen_combinations.setdefault(values, index)
        normal_variants.append(
            NormalVariant(
                id=variant.id,
                sku=_code(variant.sku),
                barcode=_code(variant.barcode),
                price_cents=to_cents(variant.price),
                compare_at_price_cents=(
                    to_cents(variant.compare_at_price)
                    if variant.compare_at_price is not None
                    else None
                ),
                inventory_quantity=variant.inventory_quantity,
                weight_grams=variant.weight_grams,
                option_values=values,
                given=variant,
                extra_columns=variant.extra_columns,
            )
        )
    normal_options = [
        NormalOption(name, values) for name, values in zip(names, derived, strict=True)
    ]
    for position, option in enumerate(normal_options):
        if not option.values:
            errors.add(["options", position, "values"], "an option needs at least one value")
    return normal_options, normal_variants


def _code(value: str | None) -> str | None:
    """A SKU or barcode exactly as given (Shopify keeps edge spaces: trimming one here would
    change it in the store on the next push of its product); blank is none."""
    return value if value and not value.isspace() else None


def normalize_images(images: list[ImageIn]) -> list[ImageIn]:
    return list({image.src: image for image in images}.values())
