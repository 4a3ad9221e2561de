"""Saved views: a named filter, sort and set of columns of the product list or bulk editor."""
