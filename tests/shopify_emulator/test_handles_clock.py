"""Handles are slugs as Shopify makes them; the clock gives whole UTC seconds."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopify_emulator.clock import utc_now
from shopify_emulator.handles import slugify

pytestmark = pytest.mark.quick


def reference_slug(text: str) -> str:
    """The rule, spelled out without shortcuts."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@given(st.text(alphabet="ab09-_ AZé\u00df\u212a.", max_size=12))
def test_slugify_follows_the_rule(text: str) -> None:
    assert slugify(text) == reference_slug(text)


@pytest.mark.parametrize(
    ("text", "slug"),
    [("bench-product-1", "bench-product-1"), ("a--b", "a-b"), ("-x-", "x"), ("Été 2", "ete-2")],
)
def test_slugify_examples(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_utc_now_is_the_current_whole_second_in_utc() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    now = utc_now()
    after = datetime.now(UTC).replace(microsecond=0)
    assert before <= now <= after
    assert now.microsecond == 0
    assert now.tzinfo is UTC
