"""A realistic, deterministic demo catalog, generated and bulk-loaded fast."""

from product_dashboard.demo.generator import DemoCatalog, generate_catalog
from product_dashboard.demo.loader import SeedReport, seed_demo_catalog

__all__ = ["DemoCatalog", "SeedReport", "generate_catalog", "seed_demo_catalog"]
