"""Webhook signatures (`webhook.signing`, the one implementation), also against the emulator's."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from product_dashboard.inbound import signing

pytestmark = pytest.mark.quick

BODY = b'{"id":9007199254740993,"title":"T\xc3\xa9"}'


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    expected = base64.b64encode(hmac.new(b"secret", BODY, hashlib.sha256).digest()).decode()
    assert signing.sign("secret", BODY) == expected
    assert signing.verify("secret", BODY, expected)


@pytest.mark.parametrize("header", [None, "", "not-base64", signing.sign("other", BODY)])
def test_wrong_or_missing_signature_is_refused(header: str | None) -> None:
    assert not signing.verify("secret", BODY, header)


def test_any_change_to_the_body_breaks_the_signature() -> None:
    header = signing.sign("secret", BODY)
    assert not signing.verify("secret", BODY + b" ", header)


def test_non_ascii_header_is_refused_not_raised() -> None:
    assert not signing.verify("secret", BODY, "sïgnature")


def test_agrees_with_the_emulator_signer() -> None:
    emulator = pytest.importorskip("shopify_emulator.webhooks.signing")
    header = emulator.sign_body("emulator-webhook-secret", BODY)
    assert signing.verify("emulator-webhook-secret", BODY, header)
