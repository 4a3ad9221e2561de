"""The TLS context outgoing HTTP clients share."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def client_tls_context() -> ssl.SSLContext:
    """What httpx builds for `verify=True` (certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR as
    set when first called), built once per process: loading the CA bundle costs ~25 ms a client,
    and one context serves any number of clients."""
    return httpx.create_ssl_context()
