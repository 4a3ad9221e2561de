"""Three-way restore: before-values come back only where the job's after-values still stand."""

from __future__ import annotations

import pytest

from product_dashboard.safety.restore import restore

pytestmark = pytest.mark.quick


def variant(values: str, price: str) -> dict[str, object]:
    return {"option_values": [values], "price": price}


def test_untouched_places_go_back_and_later_edits_stay() -> None:
    before = {"title": "A", "vendor": "V", "variants": [variant("S", "1.00"), variant("M", "2.00")]}
    after = {"title": "B", "vendor": "W", "variants": [variant("S", "5.00"), variant("M", "6.00")]}
    current = {
        "title": "B",
        "vendor": "X",
        "variants": [variant("S", "5.00"), variant("M", "7.00")],
    }
    restoration = restore(before, after, current)
    assert restoration.value == {
        "title": "A",
        "vendor": "X",
        "variants": [variant("S", "1.00"), variant("M", "7.00")],
    }
    assert [(n.path, n.now, n.job_left) for n in restoration.not_restored] == [
        ("variants[M].price", "7.00", "6.00"),
        ("vendor", "X", "W"),
    ]


def test_elements_the_job_added_go_and_those_it_removed_come_back() -> None:
    before = {"images": [{"src": "a"}, {"src": "b"}]}
    after = {"images": [{"src": "a"}, {"src": "c"}]}
    current = {"images": [{"src": "a"}, {"src": "c"}, {"src": "d"}]}
    restoration = restore(before, after, current)
    assert restoration.value == {"images": [{"src": "a"}, {"src": "d"}, {"src": "b"}]}
    assert restoration.not_restored == []


def test_a_field_added_since_is_kept() -> None:
    restoration = restore({"title": "A"}, {"title": "B"}, {"title": "B", "seo": {"title": "x"}})
    assert restoration.value == {"title": "A", "seo": {"title": "x"}}
