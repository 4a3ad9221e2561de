"""The event log behind `QueryRoot.events`: store topics to Shopify's actions, bounded size."""

from __future__ import annotations

import pytest

from shopify_emulator.events import EventLog
from tests.shopify_emulator.factories import make_product

pytestmark = pytest.mark.quick


def test_store_topics_become_shopify_event_actions() -> None:
    log = EventLog()
    product = make_product("Linen shirt")
    for topic in ("products/create", "products/update", "products/delete", "shop/redact"):
        log.record(topic, product)
    assert [(e.action, e.subject_type, e.subject_gid) for e in log.events] == [
        ("create", "PRODUCT", product.gid),
        ("update", "PRODUCT", product.gid),
        ("destroy", "PRODUCT", product.gid),
    ]
    assert log.events[2].message == "Product Linen shirt was deleted."


def test_the_log_keeps_the_newest_events_and_finds_them_by_id() -> None:
    log = EventLog(limit=10)
    product = make_product()
    for _ in range(25):
        log.record("products/update", product)
    assert 10 <= len(log.events) <= 11
    newest = log.events[-1]
    assert newest.id == 25 and log.get(25) is newest
    assert log.get(1) is None and log.get(26) is None
    oldest = log.events[0]
    assert log.get(oldest.id) is oldest
