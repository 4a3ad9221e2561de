"""Documents the emulator runs internally (webhook payloads) must fit its own schema."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from shopify_emulator.graphql_schema import build_executable_schema
from shopify_emulator.webhooks import COLLECTION_WEBHOOK_QUERY, PRODUCT_WEBHOOK_QUERY

pytestmark = pytest.mark.quick


@pytest.mark.parametrize("document", [PRODUCT_WEBHOOK_QUERY, COLLECTION_WEBHOOK_QUERY])
def test_webhook_payload_queries_validate(document: str) -> None:
    assert [e.message for e in validate(build_executable_schema(), parse(document))] == []
