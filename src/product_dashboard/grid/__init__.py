"""The bulk editor: products by variants as a grid of cells, read by page and saved as a batch."""

# Each registers its column source.
from product_dashboard.grid import metafield_columns as metafield_columns
from product_dashboard.grid import stock_columns as stock_columns
