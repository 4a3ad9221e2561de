"""The list's choice between walking the sort order and sorting the matches."""

from __future__ import annotations

import pytest

from product_dashboard.product import listing

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("total", "catalog_size", "offset", "expected"),
    [
        (100_000, 100_000, 0, True),  # everything matches: walk the sort order
        (170, 100_000, 0, False),  # a few matches: find them, then sort
        (7_734, 100_000, 0, True),
        (7_734, 100_000, 100_000, False),  # deep page: sorting the matches is cheaper
        (0, 0, 0, False),
    ],
)
def test_dense_threshold(total: int, catalog_size: int, offset: int, expected: bool) -> None:
    assert listing.is_dense(total, catalog_size, offset, 50) is expected
