"""Retention: what the dashboard keeps only for a while, pruned on a schedule."""
