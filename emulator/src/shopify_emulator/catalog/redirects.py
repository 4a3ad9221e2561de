"""URL redirects (Shopify's `UrlRedirect`): what `redirectNewHandle: true` leaves behind when a
product's handle changes, so the old `/products/<handle>` address keeps working."""

from __future__ import annotations

from typing import Any

from shopify_emulator.models import Product, UrlRedirect
from shopify_emulator.store import Store

__all__ = ["redirect_old_handle"]


def redirect_old_handle(
    store: Store, before: Product | None, after: Product | None, data: dict[str, Any]
) -> None:
    """After a committed write: the old handle's address redirects to the new one when the input
    asked for it (`redirectNewHandle`) and the handle changed. A redirect from the same path is
    replaced, as Shopify keeps one per path."""
    if before is None or after is None or not data.get("redirectNewHandle"):
        return
    if before.handle == after.handle:
        return
    path, target = f"/products/{before.handle}", f"/products/{after.handle}"
    kept = {i: r for i, r in store.url_redirects.items() if r.path != path}
    # A redirect back to where the old one pointed would loop: the new handle is live again.
    kept = {i: r for i, r in kept.items() if r.path != target}
    redirect = UrlRedirect(store.ids.next(), path, target)
    store.url_redirects = {**kept, redirect.id: redirect}
