"""The bulk editor: products by variants as a grid of cells, read by page and saved as a batch."""

from product_dashboard.grid import stock_columns as stock_columns  # registers its column source
