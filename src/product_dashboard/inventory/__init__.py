"""Inventory: locations, inventory items and quantities per location (issue #15)."""
