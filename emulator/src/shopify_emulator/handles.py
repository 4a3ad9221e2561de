"""Handles: URL slugs generated from titles and made unique with -1, -2 suffixes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A handle given in any script, lowercase, hyphen-separated ("nhẫn-1"): Shopify keeps it.
_UNICODE_SLUG = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens, as Shopify parameterizes titles."""
    if _SLUG.fullmatch(text):  # already a slug (a handle sent back): nothing to change
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub("-", ascii_text.lower()).strip("-")


def given_handle(text: str) -> str:
    """A handle given in an input: kept when already one in any script, else slugified."""
    if text == text.lower() and _UNICODE_SLUG.fullmatch(text):
        return text
    return slugify(text)


def unique_handle(base: str, is_taken: Callable[[str], bool]) -> str:
    """Return `base`, or `base-1`, `base-2`… whichever is first free."""
    if not is_taken(base):
        return base
    suffix = 1
    while is_taken(f"{base}-{suffix}"):
        suffix += 1
    return f"{base}-{suffix}"
