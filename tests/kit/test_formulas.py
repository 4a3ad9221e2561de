from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from product_dashboard.kit.formulas import neutralise, restore

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("=WEBSERVICE(A1)", "'=WEBSERVICE(A1)"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # already quoted by the merchant: one more, removed on import
        ("-5", "-5"),  # numbers stay numbers
        ("+3.50", "+3.50"),
        ("19.99", "19.99"),
        ("Linen shirt", "Linen shirt"),
        ("", ""),
        ("it's = fine", "it's = fine"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted(cell: str, written: str) -> None:
    assert neutralise(cell) == written
    assert restore(written) == cell


@given(st.text(alphabet=st.sampled_from("'=+-@\t\r0123456789.aZ "), max_size=8))
def test_import_restores_every_exported_cell(cell: str) -> None:
    assert restore(neutralise(cell)) == cell
