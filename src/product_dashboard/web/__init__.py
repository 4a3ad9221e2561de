"""The browser dashboard: static HTML, CSS and ES modules served at `/` (no build step)."""

from product_dashboard.web.serve import RESERVED_PREFIXES, STATIC_DIR, install_web

__all__ = ["RESERVED_PREFIXES", "STATIC_DIR", "install_web"]
