"""The bulk editor: products by variants as a grid of cells, read by page and saved as a batch."""
