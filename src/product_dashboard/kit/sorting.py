"""`?sort=title,-updated_at`: field names, a leading minus for descending."""

from __future__ import annotations

from collections.abc import Collection

from product_dashboard.exceptions import Unprocessable

Sort = list[tuple[str, bool]]  # (field, descending)


def parse_sort(text: str, sortable: Collection[str], default: Sort) -> Sort:
    """The sort keys in order; 422 naming the sortable fields for an unknown one."""
    keys: Sort = []
    for raw in (part.strip() for part in text.split(",") if part.strip()):
        field = raw.lstrip("-")
        if field not in sortable:
            raise Unprocessable(
                f"Cannot sort by '{field}'. Sortable fields: {', '.join(sorted(sortable))}.",
                fields=[{"loc": ["query", "sort"], "msg": f"unknown sort field '{field}'"}],
            )
        keys.append((field, raw.startswith("-")))
    return keys or list(default)


__all__ = ["Sort", "parse_sort"]
