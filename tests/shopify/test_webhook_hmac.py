"""Webhook signature checks, including against the emulator's own signer when present."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from product_dashboard.shopify.webhook_hmac import sign_webhook, verify_webhook

pytestmark = pytest.mark.quick

BODY = b'{"id":9007199254740993,"title":"T\xc3\xa9"}'


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    expected = base64.b64encode(hmac.new(b"secret", BODY, hashlib.sha256).digest()).decode()
    assert sign_webhook(BODY, "secret") == expected
    assert verify_webhook(BODY, "secret", expected)


@pytest.mark.parametrize("header", [None, "", "not-base64", sign_webhook(BODY, "other")])
def test_wrong_or_missing_signature_is_refused(header: str | None) -> None:
    assert not verify_webhook(BODY, "secret", header)


def test_any_change_to_the_body_breaks_the_signature() -> None:
    header = sign_webhook(BODY, "secret")
    assert not verify_webhook(BODY + b" ", "secret", header)


def test_non_ascii_header_is_refused_not_raised() -> None:
    assert not verify_webhook(BODY, "secret", "sïgnature")


def test_agrees_with_the_emulator_signer() -> None:
    signing = pytest.importorskip("shopify_emulator.webhooks.signing")
    header = signing.sign_body("emulator-webhook-secret", BODY)
    assert verify_webhook(BODY, "emulator-webhook-secret", header)
