"""Which Admin API version answers a request, the way Shopify picks it.

Shopify supports each quarterly version (YYYY-01/04/07/10) for about a year. A request for a
supported version (or `unstable`) is answered in it; a request for an older, retired version is
answered as the oldest supported one, and the `X-Shopify-API-Version` response header names the
version that actually served it. A version that is not in the quarterly pattern, or is newer
than the newest one, does not exist (404).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

QUARTERLY = re.compile(r"^\d{4}-(01|04|07|10)$")


def served_version(requested: str, supported: Sequence[str]) -> str | None:
    """The version that answers `requested`, or None when there is no such version."""
    if requested in supported:
        return requested
    dated = sorted(v for v in supported if QUARTERLY.match(v))
    if not QUARTERLY.match(requested) or not dated or requested > dated[-1]:
        return None
    return dated[0]  # retired: served as the oldest supported version
