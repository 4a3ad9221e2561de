"""The image prompt for a product: what it is, in a consistent, brand-safe icon style."""

from __future__ import annotations

import re

from product_dashboard.icon.subject import IconSubject

MAX_FIELD = 120
MAX_TAGS = 6

STYLE = (
    "A single clean, flat vector-style product icon for an online store's catalog. "
    "One centered object, simple shapes, soft modern colors, subtle shading, generous padding, "
    "fully transparent background. No text, no letters, no numbers, no logos, no brand marks, "
    "no watermark, no people."
)


def _clean(text: str, limit: int = MAX_FIELD) -> str:
    """Plain single-line text: control characters and runs of whitespace removed, bounded."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit].rstrip()


def build_prompt(subject: IconSubject) -> str:
    lines = [STYLE, "", f"The product: {_clean(subject.title) or 'a product'}."]
    if subject.product_type.strip():
        lines.append(f"Product type: {_clean(subject.product_type)}.")
    if subject.category.strip():
        lines.append(f"Category: {_clean(subject.category, 200)}.")
    tags = [t for t in (_clean(tag, 40) for tag in subject.tags) if t][:MAX_TAGS]
    if tags:
        lines.append(f"Keywords: {', '.join(tags)}.")
    if subject.vendor.strip():
        # Context only: drawing a real brand's logo is refused or infringes, so say so.
        lines.append(
            f"Sold by {_clean(subject.vendor)}; do not draw its name or logo, just the object."
        )
    return "\n".join(lines)
